import pickle

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import WeightedMultiOutputClassifier
from skweight._targets._views import _OutputView
from skweight.calibration import CalibratedMultiOutputClassifier
from skweight.losses import LogitAdjustedCrossentropy
from skweight.metrics import output_scorer

TINY = {"model__hidden_layer_sizes": (8,), "random_state": 0}


@pytest.fixture(scope="module")
def split(penguins):
    X, Y = penguins
    return train_test_split(X, Y, test_size=0.4, random_state=0)


@pytest.fixture(scope="module")
def weighted(split):
    X_train, _, Y_train, _ = split
    return WeightedMultiOutputClassifier(
        class_weight="balanced", epochs=30, **TINY
    ).fit(X_train, Y_train)


def test_prior_divides_out_the_class_weights(weighted, split):
    _, X_cal, _, Y_cal = split
    honest = CalibratedMultiOutputClassifier(FrozenEstimator(weighted)).fit(
        X_cal, Y_cal)
    for k, (p, q) in enumerate(zip(weighted.predict_proba(X_cal),
                                   honest.predict_proba(X_cal), strict=True)):
        w = np.array([weighted.class_weight_[k][c]
                      for c in weighted.classes_[k]])
        expected = p / w / (p / w).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(q, expected, rtol=1e-6)
        np.testing.assert_allclose(honest.prior_correction_[k], 1 / w)
    assert honest.output_names_ == ["species", "island", "sex"]
    pred = honest.predict(X_cal)
    assert pred[:, 1].tolist() == [
        honest.classes_[1][i]
        for i in np.argmax(honest.predict_proba(X_cal)[1], axis=1)
    ]


def test_prior_single_output_dict_weights(split):
    X_train, X_cal, Y_train, _ = split
    weights = {"female": 1.0, "male": 4.0}
    est = WeightedMultiOutputClassifier(class_weight=weights, epochs=2, **TINY)
    honest = CalibratedMultiOutputClassifier(est).fit(X_train, Y_train["sex"])
    p = honest.estimator_.predict_proba(X_cal)
    expected = p / [1.0, 4.0]
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(honest.predict_proba(X_cal), expected, rtol=1e-6)
    assert honest.predict(X_cal).shape == (len(X_cal),)


def test_prior_undoes_logit_adjusted_loss_and_class_weights(split):
    # Trained on softmax(log q + tau log prior) with weights w, the network's q
    # is proportional to w_c p_c / prior_c ** tau.
    X_train, X_cal, Y_train, _ = split
    est = WeightedMultiOutputClassifier(
        loss=LogitAdjustedCrossentropy(prior=[0.6, 0.4], tau=0.5),
        class_weight={"female": 2.0, "male": 1.0}, epochs=1, **TINY)
    honest = CalibratedMultiOutputClassifier(est).fit(X_train, Y_train["sex"])
    factor = np.array([0.6 ** 0.5 / 2.0, 0.4 ** 0.5 / 1.0])
    np.testing.assert_allclose(honest.prior_correction_[0], factor)
    q = honest.estimator_.predict_proba(X_cal) * factor
    np.testing.assert_allclose(honest.predict_proba(X_cal),
                               q / q.sum(axis=1, keepdims=True), rtol=1e-6)


@pytest.mark.parametrize("method", ["temperature", "sigmoid", "isotonic"])
def test_frozen_methods_are_scikit_learns_calibrators_per_output(
    weighted, split, method
):
    _, X_cal, _, Y_cal = split
    ours = CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted), method=method).fit(X_cal, Y_cal)
    for k, name in enumerate(Y_cal.columns):
        theirs = CalibratedClassifierCV(
            FrozenEstimator(_OutputView(weighted, k)), method=method
        ).fit(X_cal, Y_cal[name].to_numpy())
        np.testing.assert_allclose(ours.predict_proba(X_cal)[k],
                                   theirs.predict_proba(X_cal), atol=1e-6)
    assert ours.estimator_ is ours.estimator


def test_temperature_with_integer_labels_not_starting_at_zero():
    # scikit-learn 1.9's CalibratedClassifierCV(method="temperature") reads
    # integer labels as class codes: labels 1..3 are fitted off by one and the
    # temperature runs off to its bound. Each output here is fed codes.
    X, y = make_classification(2000, n_classes=3, n_informative=4, random_state=0)
    Y = np.column_stack([y, y + 1, 2 * y])
    model = MultiOutputClassifier(LogisticRegression()).fit(X[:1000], Y[:1000])
    cal = CalibratedMultiOutputClassifier(
        FrozenEstimator(model), method="temperature").fit(X[1000:], Y[1000:])
    betas = [c.calibrated_classifiers_[0].calibrators[0].beta_
             for c in cal.calibrated_classifiers_[0]]
    assert betas[0] == pytest.approx(betas[1]) and betas[0] == pytest.approx(
        betas[2])
    assert 0.5 < betas[0] < 2.0
    with pytest.raises(ValueError, match=r"'output_1' has labels the estimator "
                       r"was not trained on: \[7\]"):
        CalibratedMultiOutputClassifier(
            FrozenEstimator(model), method="sigmoid"
        ).fit(X[:3], np.array([[0, 1, 0], [1, 7, 2], [2, 3, 4]]))


def test_cv_trains_one_network_per_split_and_averages(penguins_small):
    X, Y = penguins_small
    cal = CalibratedMultiOutputClassifier(
        WeightedMultiOutputClassifier(epochs=2, **TINY),
        method="sigmoid", cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X, Y)
    assert len(cal.calibrated_classifiers_) == 2
    for split_calibrators in cal.calibrated_classifiers_:
        networks = {id(c.estimator.estimator.estimator) for c in split_calibrators}
        assert len(split_calibrators) == 3 and len(networks) == 1
    mean = np.mean([s[2].predict_proba(X) for s in cal.calibrated_classifiers_],
                   axis=0)
    np.testing.assert_allclose(cal.predict_proba(X)[2], mean)


def test_int_cv_stratifies_every_output(penguins):
    """cv=2 on rows sorted by island: unshuffled KFold would train one split's
    network without Biscoe; the multi-output stratified folds train every
    split's network on every class of every output."""
    X, Y = penguins
    order = np.argsort(Y["island"].to_numpy(), kind="stable")
    X, Y = X.iloc[order], Y.iloc[order]
    cal = CalibratedMultiOutputClassifier(
        WeightedMultiOutputClassifier(epochs=1, **TINY), method="sigmoid", cv=2,
    ).fit(X, Y)
    for split_calibrators in cal.calibrated_classifiers_:
        network = split_calibrators[1].estimator.estimator.estimator
        assert network.classes_[1].tolist() == ["Biscoe", "Dream", "Torgersen"]
    train, _ = next(KFold(2).split(X))
    assert "Biscoe" not in set(Y["island"].iloc[train])


def test_pipeline_grid_search_and_pickle(penguins_small):
    X, Y = penguins_small
    pipe = make_pipeline(StandardScaler(), CalibratedMultiOutputClassifier(
        WeightedMultiOutputClassifier(epochs=2, **TINY)))
    search = GridSearchCV(
        pipe,
        {"calibratedmultioutputclassifier__estimator__class_weight": ["balanced"]},
        scoring=output_scorer("neg_log_loss", "island"),
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X, Y)
    best = search.best_estimator_
    restored = pickle.loads(pickle.dumps(best))
    for a, b in zip(best.predict_proba(X), restored.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_bad_input_is_refused_before_training(weighted, split):
    X_train, X_cal, Y_train, Y_cal = split
    unfitted = WeightedMultiOutputClassifier(epochs=1, **TINY)
    with pytest.raises(ValueError, match="'method' parameter .* Got 'platt'"):
        CalibratedMultiOutputClassifier(unfitted, method="platt").fit(
            X_train, Y_train)
    with pytest.raises(ValueError, match=r"sample_weight must have shape"):
        CalibratedMultiOutputClassifier(unfitted).fit(
            X_train, Y_train, sample_weight=np.ones((len(X_train), 2, 2)))
    assert not hasattr(unfitted, "model_")
    with pytest.raises(NotFittedError):
        CalibratedMultiOutputClassifier(FrozenEstimator(unfitted)).fit(
            X_cal, Y_cal)
    with pytest.raises(TypeError, match="method='prior' undoes the fitted "
                       "class_weight_ of a skweight estimator. Got "
                       "LogisticRegression"):
        CalibratedMultiOutputClassifier(LogisticRegression()).fit(
            X_train, Y_train["sex"])
    zero = WeightedMultiOutputClassifier(
        class_weight={"female": 0.0, "male": 1.0}, epochs=1, **TINY
    ).fit(X_train, Y_train["sex"])
    with pytest.raises(ValueError, match="cannot undo a class weight of 0"):
        CalibratedMultiOutputClassifier(FrozenEstimator(zero)).fit(
            X_cal, Y_cal["sex"])
    with pytest.raises(NotFittedError):
        CalibratedMultiOutputClassifier(unfitted).predict(X_cal)


# The data-driven methods with scikit-learn's fast classifier, as scikit-learn
# checks its own meta-estimators; method="prior" needs a skweight estimator's
# class_weight_, whose estimator checks are in test_common.py.
@parametrize_with_checks(
    [CalibratedMultiOutputClassifier(LogisticRegression(), method="sigmoid", cv=2)]
)
def test_sklearn_compatible_meta_estimator(estimator, check):
    check(estimator)


def test_each_output_calibrates_on_its_labelled_rows(weighted, split):
    _, X_cal, _, Y_cal = split
    holed = Y_cal.astype(object)
    rows = np.random.default_rng(0).random(len(holed)) < 0.3
    holed.loc[rows, "island"] = None
    ours = CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted), method="sigmoid").fit(X_cal, holed)
    full = CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted), method="sigmoid").fit(X_cal, Y_cal)
    dropped = CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted), method="sigmoid").fit(X_cal[~rows], Y_cal[~rows])
    probas = ours.predict_proba(X_cal)
    np.testing.assert_allclose(probas[1], dropped.predict_proba(X_cal)[1])
    for k in (0, 2):
        np.testing.assert_allclose(probas[k], full.predict_proba(X_cal)[k])
