"""missing_labels="mask": a missing label weighs 0 for its own output only;
loss="logit_adjusted" with priors from the labelled samples."""

import pickle

import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS, FROZEN
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.utils.class_weight import compute_class_weight

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
    compute_output_sample_weight,
)
from skweight.calibration import CalibratedMultiOutputClassifier
from skweight.datasets import load_fair
from skweight.losses import LogitAdjustedCrossentropy
from skweight.metrics import output_scorer
from skweight.model_selection import MultiOutputTunedThresholdClassifierCV

TINY = {"model__hidden_layer_sizes": (8,), "random_state": 0}


def _holed(Y, column, fraction, seed=0, value=None):
    """A copy of Y with ``fraction`` of ``column``'s labels missing at random."""
    holes = np.random.default_rng(seed).random(len(Y)) < fraction
    Y = Y.astype(object)
    Y.loc[holes, column] = value
    return Y, holes


def _losses(clf):
    return {name: clf.history_[f"{layer}_loss"][0]
            for name, layer in zip(clf.output_names_, clf.output_layer_names_,
                                   strict=True)}


def test_missing_rows_add_nothing_to_their_output_loss(penguins_small):
    # A frozen network logs the losses of its initial weights: the masked fit's
    # island loss is that of a complete fit whose island weights are 0 on the
    # holed rows, whatever labels those rows had; the other outputs' losses are
    # those of the complete fit.
    X, Y = penguins_small
    holed, holes = _holed(Y, "island", 0.3)
    masked = WeightedMultiOutputClassifier(missing_labels="mask", **FROZEN).fit(
        X, holed)
    sw = np.ones((len(X), 3))
    sw[holes, 1] = 0.0
    reference = WeightedMultiOutputClassifier(**FROZEN).fit(X, Y, sample_weight=sw)
    other = Y.copy()
    other.loc[holes, "island"] = "Dream"  # other labels on the holed rows
    relabelled = WeightedMultiOutputClassifier(**FROZEN).fit(
        X, other, sample_weight=sw)
    complete = WeightedMultiOutputClassifier(**FROZEN).fit(X, Y)
    got = _losses(masked)
    assert got["island"] == pytest.approx(_losses(reference)["island"], rel=1e-6)
    assert got["island"] == pytest.approx(_losses(relabelled)["island"], rel=1e-6)
    assert got["island"] < _losses(complete)["island"]
    for name in ("species", "sex"):
        assert got[name] == pytest.approx(_losses(complete)[name], rel=1e-6)
    np.testing.assert_array_equal(masked.n_labelled_, [len(X), (~holes).sum(),
                                                       len(X)])


def test_other_outputs_train_on_all_rows(penguins_small):
    # Trained for real, the masked fit is the complete fit with zero weights
    # on the holed rows of that output alone.
    X, Y = penguins_small
    holed, holes = _holed(Y, "sex", 0.3, value=np.nan)
    params = {**TINY, "epochs": 3, "shuffle": False, "class_weight": None}
    masked = WeightedMultiOutputClassifier(missing_labels="mask", **params).fit(
        X, holed)
    sw = np.ones((len(X), 3))
    sw[holes, 2] = 0.0
    reference = WeightedMultiOutputClassifier(**params).fit(X, Y, sample_weight=sw)
    for a, b in zip(masked.predict_proba(X), reference.predict_proba(X),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_class_weights_count_only_labelled_samples(penguins_small):
    X, Y = penguins_small
    holed, holes = _holed(Y, "island", 0.4)
    clf = WeightedMultiOutputClassifier(
        class_weight="balanced", missing_labels="mask", epochs=1, **TINY
    ).fit(X, holed)
    present = Y["island"][~holes]
    expected = compute_class_weight("balanced", classes=np.unique(present),
                                    y=present)
    np.testing.assert_allclose(list(clf.class_weight_[1].values()), expected)
    assert clf.classes_[1].tolist() == sorted(present.unique())


@pytest.mark.parametrize("make", ALL_ESTIMATORS, ids=lambda m: m.__name__)
def test_every_estimator_masks_and_raises_by_default(make, penguins_small):
    X, Y = penguins_small
    holed, holes = _holed(Y, "species", 0.2)
    with pytest.raises(ValueError, match="missing"):
        make(**FROZEN).fit(X, holed)
    est = make(missing_labels="mask", **FROZEN).fit(X, holed)
    np.testing.assert_array_equal(est.n_labelled_,
                                  [(~holes).sum(), len(X), len(X)])
    with pytest.raises(ValueError, match="missing_labels must be 'raise' or "
                       "'mask'. Got 'drop' instead"):
        make(missing_labels="drop", **FROZEN).fit(X, Y)
    # score judges each sample on the labels it has (no label: left out).
    pred = np.asarray(est.predict(X))
    if isinstance(est, WeightedMixedOutputEstimator):
        expected = np.mean([np.mean(pred[~holes, 0] == Y["species"][~holes]),
                            np.mean(pred[:, 1] == Y["island"]),
                            np.mean(pred[:, 2] == Y["sex"])])
    else:
        expected = np.mean((pred[:, 1] == Y["island"]) & (pred[:, 2] == Y["sex"])
                           & (holes | (pred[:, 0] == Y["species"])))
    assert est.score(X, holed) == pytest.approx(expected)
    with pytest.raises(ValueError, match="no label to score"):
        est.score(X, Y.astype(object).assign(species=None, island=None,
                                             sex=None))
    holed.loc[:, "sex"] = None
    with pytest.raises(ValueError, match="'sex' has no labels left"):
        make(missing_labels="mask", **FROZEN).fit(X, holed)


# Keras' own saving of TensorFlow variables (pickling) trips a NumPy 2 deprecation.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_logit_adjusted_loss_priors_from_labelled_samples(penguins_small):
    X, Y = penguins_small
    holed, holes = _holed(Y, "island", 0.3)
    clf = WeightedMultiOutputClassifier(
        loss="logit_adjusted", loss__tau=0.5, missing_labels="mask", **FROZEN
    ).fit(X, holed)
    for k, term in enumerate(clf.model_.loss):
        assert isinstance(term, LogitAdjustedCrossentropy) and term.tau == 0.5
        labels = holed.iloc[:, k][holed.iloc[:, k].notna()]
        prior = labels.value_counts(normalize=True).sort_index().to_numpy()
        np.testing.assert_allclose(term.prior, prior)
    # The logged loss is the adjusted cross-entropy over the labelled rows.
    raw = clf.model_(X.to_numpy("float32"))
    term = clf.model_.loss[1]
    codes = np.searchsorted(clf.classes_[1], holed["island"].fillna("Biscoe"))
    per_row = term.call(codes, raw[1]).numpy()
    assert _losses(clf)["island"] == pytest.approx(
        np.sum(per_row * ~holes) / len(X), rel=1e-5)
    restored = pickle.loads(pickle.dumps(clf))
    for a, b in zip(restored.predict_proba(X), clf.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert restored.model_.loss[1].get_config() == term.get_config()
    honest = CalibratedMultiOutputClassifier(clf).fit(X, holed)
    np.testing.assert_allclose(honest.prior_correction_[1],
                               np.asarray(clf.model_.loss[1].prior) ** 0.5)


def test_masked_fit_beats_dropping_incomplete_rows_on_real_data():
    # Fair's table with half of the occupation labels missing: dropping the
    # incomplete rows throws away the other two outputs' labels too.
    X, Y = load_fair(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1500], order[1500:3500]
    X_train, Y_train = X.iloc[train], Y.iloc[train]
    holed, holes = _holed(Y_train.reset_index(drop=True), "occupation", 0.5)
    params = {"model__hidden_layer_sizes": (16,), "epochs": 8, "batch_size": 32,
              "random_state": 0}
    masked = WeightedMultiOutputClassifier(missing_labels="mask", **params).fit(
        X_train, holed)
    dropped = WeightedMultiOutputClassifier(**params).fit(
        X_train[~holes], Y_train[~holes])
    for output in ("rate_marriage", "had_affair"):
        scorer = output_scorer("neg_log_loss", output)
        assert scorer(masked, X.iloc[test], Y.iloc[test]) > scorer(
            dropped, X.iloc[test], Y.iloc[test]), output


def test_logit_adjusted_by_output_and_refusals(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(
        loss={"island": "logit_adjusted"}, **FROZEN).fit(X, Y)
    kinds = [type(term).__name__ for term in clf.model_.loss]
    assert kinds == ["SparseCategoricalCrossentropy", "LogitAdjustedCrossentropy",
                     "BinaryCrossentropy"]
    assert clf.model_.loss[1].tau == 1.0
    dynamic = DynamicWeightClassifier(loss="logit_adjusted", loss__tau=2.0,
                                      **FROZEN).fit(X, Y)
    assert np.isfinite(dynamic.history_["loss"]).all()
    with pytest.raises(ValueError, match=r"loss__gamma is not an option of "
                       r"loss='logit_adjusted'. Got loss__gamma=2 instead"):
        WeightedMultiOutputClassifier(loss="logit_adjusted", loss__gamma=2,
                                      **FROZEN).fit(X, Y)
    labels = np.column_stack([Y["sex"] == "male", Y["island"] == "Biscoe"])
    with pytest.raises(ValueError, match="on some labels only needs one output "
                       "per label: set model__label_layout='heads'"):
        WeightedMultiOutputClassifier(loss=["logit_adjusted", None], **FROZEN).fit(
            X, labels.astype(int))
    mixed_y = Y[["species"]].assign(mass=X["body_mass_g"] / 1000 + 0.01)
    with pytest.raises(ValueError, match="applies to classification outputs. Got "
                       "it for the regression output 'mass'"):
        WeightedMixedOutputEstimator(loss="logit_adjusted", **FROZEN).fit(
            X.drop(columns="body_mass_g"), mixed_y)


@pytest.mark.parametrize("hole", ["None", "pd.NA", "NaN"])
def test_labels_keep_their_dtype_around_missing_values(hole):
    # An integer column that holds None (object dtype), pd.NA (Int64) or NaN
    # (float) is still integer labels: classes_ and predict are integers, which
    # scikit-learn's metrics accept (an object array of integers they refuse).
    X, Y = load_fair(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(X))[:300]
    X, Y = X.iloc[idx], Y.iloc[idx].reset_index(drop=True)
    holes = np.random.default_rng(1).random(len(Y)) < 0.3
    column = {"None": Y["occupation"].astype(object),
              "pd.NA": Y["occupation"].astype("Int64"),
              "NaN": Y["occupation"].astype(float)}[hole]
    column[holes] = {"None": None, "pd.NA": pd.NA, "NaN": np.nan}[hole]
    holed = Y.assign(occupation=column)
    clf = WeightedMultiOutputClassifier(missing_labels="mask", **FROZEN).fit(
        X, holed)
    assert clf.classes_[1].dtype == np.int64
    np.testing.assert_array_equal(clf.classes_[1],
                                  np.unique(Y["occupation"][~holes]))
    assert clf.classes_[2].dtype == bool
    predicted = clf.predict(X)[:, 1]
    assert {type(v) for v in predicted} <= {int, np.int64}
    loss = log_loss(Y["occupation"], clf.predict_proba(X)[1],
                    labels=clf.classes_[1])
    assert np.isfinite(loss)
    assert holed["occupation"].isna().sum() == holes.sum()  # input untouched


def test_fit_trains_with_compute_output_sample_weight_of_the_mask(penguins_small):
    # The weights a masked fit trains with are compute_output_sample_weight's
    # with missing_labels="mask": a frozen network logs the same losses.
    X, Y = penguins_small
    holed, holes = _holed(Y, "island", 0.3)
    masked = WeightedMultiOutputClassifier(
        class_weight="balanced", missing_labels="mask", **FROZEN).fit(X, holed)
    sw = compute_output_sample_weight("balanced", holed, missing_labels="mask")
    by_hand = WeightedMultiOutputClassifier(**FROZEN).fit(X, Y, sample_weight=sw)
    for name, loss in _losses(masked).items():
        assert loss == pytest.approx(_losses(by_hand)[name], rel=1e-6), name


def test_pandas_nullable_columns_score_tune_and_calibrate():
    # pandas' nullable "boolean" and "Int64" columns hold pd.NA and arrive as
    # object arrays: every consumer of y takes them as the labels they are
    # (scikit-learn's metrics and threshold tuner call object labels
    # "unknown"; pd.NA == label is neither True nor False).
    X, Y = load_fair(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(X))[:400]
    X, Y = X.iloc[idx].reset_index(drop=True), Y.iloc[idx].reset_index(drop=True)
    rng = np.random.default_rng(1)
    holed = Y.astype({"occupation": "Int64", "had_affair": "boolean"})
    holed.loc[rng.random(len(Y)) < 0.3, "occupation"] = pd.NA
    holed.loc[rng.random(len(Y)) < 0.2, "had_affair"] = pd.NA
    keep = holed["had_affair"].notna().to_numpy()
    clf = WeightedMultiOutputClassifier(missing_labels="mask", class_weight="balanced",
                                        epochs=2, **TINY).fit(X, holed)
    assert clf.classes_[2].dtype == bool
    pred = clf.predict(X)
    expected = balanced_accuracy_score(Y["had_affair"][keep],
                                       pred[keep, 2].astype(bool))
    got = output_scorer("balanced_accuracy", "had_affair")(clf, X, holed)
    assert got == pytest.approx(expected)
    labelled = holed.notna().to_numpy()
    right = np.ones(len(Y), bool)
    for k, name in enumerate(Y.columns):
        right &= ~labelled[:, k] | (pred[:, k] == Y[name].to_numpy())
    assert clf.score(X, holed) == pytest.approx(right[labelled.any(axis=1)].mean())
    tuned = MultiOutputTunedThresholdClassifierCV(clf, cv="prefit", refit=False).fit(
        X, holed)
    assert 0.0 < tuned.thresholds_[2] < 1.0 and tuned.tau_[1] is not None
    assert 0.0 <= tuned.score(X, holed) <= 1.0
    sigmoid = CalibratedMultiOutputClassifier(FrozenEstimator(clf),
                                              method="sigmoid").fit(X, holed)
    np.testing.assert_allclose(sigmoid.predict_proba(X)[2].sum(axis=1), 1.0,
                               rtol=1e-6)
