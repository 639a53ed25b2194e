import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import WeightedMultiOutputClassifier
from skweight.metrics import output_scorer
from skweight.model_selection import MultiOutputTunedThresholdClassifierCV
from skweight.model_selection._thresholds import TAU_GRID

TINY = {"model__hidden_layer_sizes": (8,), "random_state": 0}


@pytest.fixture(scope="module")
def split(penguins):
    X, Y = penguins
    return train_test_split(X, Y, test_size=0.4, random_state=0)


@pytest.fixture(scope="module")
def prefit(split):
    """Rules tuned on held-out data for a network trained without weights."""
    X_train, X_val, Y_train, Y_val = split
    clf = WeightedMultiOutputClassifier(epochs=20, **TINY).fit(X_train, Y_train)
    tuned = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(clf), cv="prefit", refit=False).fit(X_val, Y_val)
    return clf, tuned


def test_each_output_gets_its_rule_and_predict_applies_it(prefit, split):
    clf, tuned = prefit
    X_val = split[1]
    assert tuned.thresholds_[:2] == [None, None] and tuned.tau_[2] is None
    assert tuned.tau_[0] in TAU_GRID and tuned.tau_[1] in TAU_GRID
    assert 0.0 < tuned.thresholds_[2] < 1.0
    probas = clf.predict_proba(X_val)
    pred = tuned.predict(X_val)
    for k in (0, 1):
        scores = np.log(probas[k]) - tuned.tau_[k] * np.log(tuned.priors_[k])
        assert pred[:, k].tolist() == clf.classes_[k][
            np.argmax(scores, axis=1)].tolist()
    expected = clf.classes_[2][(probas[2][:, 1] >= tuned.thresholds_[2]).astype(int)]
    assert pred[:, 2].tolist() == expected.tolist()
    for p, q in zip(tuned.predict_proba(X_val), probas, strict=True):
        np.testing.assert_array_equal(p, q)


def test_tuned_rule_maximises_the_score_on_the_tuning_data(prefit, split):
    clf, tuned = prefit
    _, X_val, _, Y_val = split
    probas = clf.predict_proba(X_val)
    for k, name in ((0, "species"), (1, "island")):
        prior = Y_val[name].value_counts(normalize=True).sort_index().to_numpy()
        np.testing.assert_allclose(tuned.priors_[k], prior)
        scores = [
            balanced_accuracy_score(Y_val[name], clf.classes_[k][np.argmax(
                np.log(probas[k]) - tau * np.log(prior), axis=1)])
            for tau in TAU_GRID
        ]
        assert tuned.best_scores_[k] == pytest.approx(max(scores))
        assert tuned.tau_[k] == TAU_GRID[int(np.argmax(scores))]
    pred = tuned.predict(X_val)[:, 2]
    assert tuned.best_scores_[2] == pytest.approx(
        balanced_accuracy_score(Y_val["sex"], pred))
    assert tuned.best_scores_[2] >= balanced_accuracy_score(
        Y_val["sex"], clf.predict(X_val)[:, 2]) - 1e-12


def test_scoring_per_output(prefit, split):
    clf, _ = prefit
    _, X_val, _, Y_val = split
    by_list = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(clf), cv="prefit", refit=False,
        scoring=["accuracy", "balanced_accuracy", "accuracy"],
    ).fit(X_val, Y_val)
    by_dict = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(clf), cv="prefit", refit=False,
        scoring={"species": "accuracy", "sex": "accuracy"},
    ).fit(X_val, Y_val)
    assert by_list.tau_ == by_dict.tau_
    assert by_list.thresholds_ == by_dict.thresholds_
    accuracy = np.mean(by_list.predict(X_val)[:, 0] == Y_val["species"])
    assert by_list.best_scores_[0] == pytest.approx(accuracy)


def test_pipeline_grid_search_pickle(penguins_small):
    X, Y = penguins_small
    pipe = make_pipeline(StandardScaler(), MultiOutputTunedThresholdClassifierCV(
        WeightedMultiOutputClassifier(epochs=2, **TINY), cv=0.5, refit=False))
    search = GridSearchCV(
        pipe,
        {"multioutputtunedthresholdclassifiercv__scoring": ["balanced_accuracy"]},
        scoring=output_scorer("balanced_accuracy", "island"),
        cv=KFold(2, shuffle=True, random_state=1),
    ).fit(X, Y)
    tuned = search.best_estimator_[-1]
    assert tuned.estimator_.n_features_in_ == 4 and len(tuned.best_scores_) == 3
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))


def test_cross_validation_refit_single_output_and_multilabel(split):
    X_train, X_val, Y_train, Y_val = split
    one = MultiOutputTunedThresholdClassifierCV(
        WeightedMultiOutputClassifier(epochs=2, **TINY), cv=2,
    ).fit(X_train, Y_train["island"])
    assert one.tau_[0] is not None and one.predict(X_val).shape == (len(X_val),)
    assert one.estimator_.n_features_in_ == 4
    assert one.best_scores_[0] >= 1 / 3 - 1e-12  # at least chance: tau=0 is tried
    labels = np.column_stack([Y_train["sex"] == "male",
                              Y_train["island"] == "Biscoe"]).astype(int)
    multilabel = MultiOutputTunedThresholdClassifierCV(
        WeightedMultiOutputClassifier(epochs=2, **TINY), cv=0.5, refit=False,
        random_state=0,
    ).fit(X_train, labels)
    assert all(t is not None for t in multilabel.thresholds_)
    assert multilabel.predict(X_val).shape == (len(X_val), 2)


def test_int_cv_is_multi_output_stratified(penguins):
    """An int cv on multi-output y splits as MultiOutputStratifiedKFold, not
    as check_cv's unshuffled KFold (rows sorted by island here)."""
    from sklearn.multioutput import MultiOutputClassifier

    from skweight.model_selection import MultiOutputStratifiedKFold

    X, Y = penguins
    order = np.argsort(Y["island"].to_numpy(), kind="stable")
    X, Y = X.iloc[order], Y.iloc[order]
    model = make_pipeline(StandardScaler(),
                          MultiOutputClassifier(LogisticRegression()))
    tuned = {
        name: MultiOutputTunedThresholdClassifierCV(model, cv=cv).fit(X, Y)
        for name, cv in [("int", 3), ("stratified", MultiOutputStratifiedKFold(3)),
                         ("kfold", KFold(3))]
    }
    assert tuned["int"].best_scores_ == tuned["stratified"].best_scores_
    assert tuned["int"].best_scores_ != tuned["kfold"].best_scores_


def test_bad_input_is_refused_before_training(split):
    X_train, _, Y_train, _ = split
    unfitted = WeightedMultiOutputClassifier(epochs=1, **TINY)
    cases = [
        ({"scoring": ["accuracy"]}, ValueError,
         r"scoring must have one entry per output \(3: "),
        ({"scoring": {"beak": "accuracy"}}, ValueError,
         r"scoring must name outputs among .* Got unknown output name\(s\) "
         r"\['beak'\]"),
        ({"scoring": "balanced"}, ValueError,
         "scoring for output 'species' must be a scorer name or a scorer "
         "callable. Got 'balanced' instead"),
        ({"cv": "prefit"}, ValueError, "set refit=False. Got refit=True"),
        ({"refit": False}, ValueError, "refit=False keeps the network of a single "
         "split. Got cv with 5 splits"),
        ({"cv": 1.5}, ValueError, "'cv' parameter"),
    ]
    for params, err, match in cases:
        with pytest.raises(err, match=match):
            MultiOutputTunedThresholdClassifierCV(unfitted, **params).fit(
                X_train, Y_train)
    assert not hasattr(unfitted, "model_")
    with pytest.raises(NotFittedError):
        MultiOutputTunedThresholdClassifierCV(
            unfitted, cv="prefit", refit=False).fit(X_train, Y_train)
    with pytest.raises(NotFittedError):
        MultiOutputTunedThresholdClassifierCV(unfitted).predict(X_train)


# With scikit-learn's fast classifier, as scikit-learn checks its own
# meta-estimators (the skweight estimators' checks are in test_common.py).
@parametrize_with_checks([MultiOutputTunedThresholdClassifierCV(LogisticRegression(),
                                                                cv=2)])
def test_sklearn_compatible_meta_estimator(estimator, check):
    check(estimator)


def test_each_output_is_tuned_on_its_labelled_rows(prefit, split):
    clf, full = prefit
    _, X_val, _, Y_val = split
    holed = Y_val.astype(object)
    rows = np.random.default_rng(0).random(len(holed)) < 0.3
    holed.loc[rows, "island"] = np.nan
    tuned = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(clf), cv="prefit", refit=False).fit(X_val, holed)
    dropped = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(clf), cv="prefit", refit=False).fit(X_val[~rows],
                                                             Y_val[~rows])
    assert tuned.tau_[1] == dropped.tau_[1]
    np.testing.assert_allclose(tuned.priors_[1], dropped.priors_[1])
    assert tuned.best_scores_[1] == pytest.approx(dropped.best_scores_[1])
    assert [tuned.tau_[0], tuned.thresholds_[2]] == [full.tau_[0],
                                                     full.thresholds_[2]]
