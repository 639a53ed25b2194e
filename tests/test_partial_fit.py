"""partial_fit on every estimator: one epoch a call on the fitted network,
classes kept from the first call, class-weight strategies from the counts of
every call so far, the transactional promise per call."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils.class_weight import compute_class_weight

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)

ESTIMATORS = [WeightedMultiOutputClassifier, WeightedMixedOutputEstimator,
              DynamicWeightClassifier]
SMALL = {"random_state": 0, "model__hidden_layer_sizes": (16,),
         "optimizer__learning_rate": 0.01}


@pytest.fixture(scope="module")
def shuffled(penguins):
    X, Y = penguins
    order = np.random.default_rng(0).permutation(len(X))
    return (X.iloc[order].reset_index(drop=True),
            Y.iloc[order].reset_index(drop=True))


def _chunks(n, k):
    return np.array_split(np.arange(n), k)


@pytest.mark.parametrize("make", ESTIMATORS, ids=lambda m: m.__name__)
def test_partial_fit_trains_one_epoch_a_call_on_one_network(make, shuffled):
    X, Y = shuffled
    est = make(class_weight="balanced", **SMALL)
    calls = 0
    for _ in range(8):
        for idx in _chunks(len(X), 3):
            est.partial_fit(X.iloc[idx], Y.iloc[idx])
            calls += 1
            if calls == 1:
                model = est.model_
            assert est.model_ is model  # the same network, trained on
            assert len(est.history_["loss"]) == calls
    assert est.current_epoch == calls
    assert est.history_["loss"][-1] < est.history_["loss"][0]
    pred = np.asarray(est.predict(X))
    assert balanced_accuracy_score(Y["species"], pred[:, 0]) > 0.9


def test_balanced_weights_count_every_call(shuffled):
    X, Y = shuffled
    y = Y["island"]
    est = WeightedMultiOutputClassifier(class_weight="balanced", **SMALL)
    seen = []
    for idx in _chunks(len(X), 4)[:3]:
        est.partial_fit(X.iloc[idx], y.iloc[idx])
        seen.append(y.iloc[idx])
        labels = pd.concat(seen)
        expected = compute_class_weight("balanced", classes=est.classes_, y=labels)
        np.testing.assert_allclose(list(est.class_weight_.values()), expected)
    # A later fit starts again from its own data's counts.
    est.fit(X, y, epochs=1)
    np.testing.assert_allclose(
        list(est.class_weight_.values()),
        compute_class_weight("balanced", classes=est.classes_, y=y))


def test_dict_class_weight_is_used_as_given(shuffled):
    X, Y = shuffled
    weights = {"Biscoe": 1.0, "Dream": 2.0, "Torgersen": 5.0}
    est = WeightedMultiOutputClassifier(class_weight=weights, **SMALL)
    est.partial_fit(X.iloc[:50], Y["island"].iloc[:50])
    est.partial_fit(X.iloc[50:100], Y["island"].iloc[50:100])
    assert est.class_weight_ == weights


def test_classes_on_the_first_call_let_later_calls_bring_new_labels(penguins):
    X, Y = penguins  # sorted by species: the first rows are all Adelie
    y = Y[["species", "sex"]]
    first = y["species"] == "Adelie"
    est = WeightedMultiOutputClassifier(class_weight="balanced", **SMALL)
    classes = [np.unique(y["species"]), None]
    est.partial_fit(X[first], y[first], classes=classes)
    assert est.classes_[0].tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    # A class no call has shown yet weighs 0: it has no sample to weigh.
    assert est.class_weight_[0]["Gentoo"] == 0.0
    assert est.predict_proba(X)[0].shape == (len(X), 3)
    est.partial_fit(X[~first], y[~first])
    assert est.class_weight_[0]["Gentoo"] > 0.0


def test_a_label_outside_the_classes_is_refused_before_training(penguins):
    X, Y = penguins
    y = Y["species"]
    first = (y != "Gentoo").to_numpy()
    est = WeightedMultiOutputClassifier(**SMALL).partial_fit(X[first], y[first])
    before = [w.copy() for w in est.model_.get_weights()]
    with pytest.raises(ValueError, match=(
            r"y column 'species' has label\(s\) \['Gentoo'\] outside its classes "
            r"\['Adelie', 'Chinstrap'\]. Give every class of the output as "
            r"partial_fit\(..., classes=...\) on the first call")):
        est.partial_fit(X, y)
    assert len(est.history_["loss"]) == 1
    for a, b in zip(before, est.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("classes", "match"), [
    (["Adelie"], r"classes for output 'species' must be a one-dimensional array "
                 r"of at least 2 labels"),
    (["a", "a", "b"], r"must not repeat a label"),
])
def test_bad_classes_are_refused(penguins, classes, match):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(**SMALL)
    with pytest.raises(ValueError, match=match):
        est.partial_fit(X, Y["species"], classes=classes)
    assert not hasattr(est, "model_")


def test_classes_per_output_for_two_dimensional_y(penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(**SMALL)
    with pytest.raises(ValueError, match=(
            r"classes must give one array of labels \(or None\) per output for a "
            r"two-dimensional y \(3: \['species', 'island', 'sex'\]\)")):
        est.partial_fit(X, Y, classes=np.unique(Y["species"]))
    est.partial_fit(X, Y)
    with pytest.raises(ValueError, match=(
            r"classes for output 'species' must be the classes of the first "
            r"partial_fit call")):
        est.partial_fit(X, Y, classes=[["Adelie", "Gentoo"], None, None])


def test_partial_fit_continues_a_fit_and_refuses_epochs(shuffled):
    X, Y = shuffled
    est = WeightedMultiOutputClassifier(epochs=3, **SMALL).fit(X, Y)
    model = est.model_
    est.partial_fit(X, Y)
    assert est.model_ is model and len(est.history_["loss"]) == 4
    with pytest.raises(TypeError, match=(
            r"Invalid argument 'epochs' to partial_fit: it trains one epoch per "
            r"call")):
        est.partial_fit(X, Y, epochs=2)
    with pytest.raises(ValueError, match=(
            r"y has 1 dimension, but this estimator was fitted with "
            r"2-dimensional y, and partial_fit continues training")):
        est.partial_fit(X, Y["species"])
    with pytest.raises(ValueError, match=(
            r"partial_fit continues training the fitted network, which needs the "
            r"same output names")):
        est.partial_fit(X, Y[["species", "island"]])


def test_partial_fit_after_pickling_goes_on(shuffled):
    X, Y = shuffled
    est = WeightedMultiOutputClassifier(class_weight="balanced", **SMALL)
    est.partial_fit(X.iloc[:100], Y.iloc[:100])
    again = pickle.loads(pickle.dumps(est))
    again.partial_fit(X.iloc[100:200], Y.iloc[100:200])
    est.partial_fit(X.iloc[100:200], Y.iloc[100:200])
    assert len(again.history_["loss"]) == 2
    np.testing.assert_allclose(again.history_["loss"], est.history_["loss"],
                               rtol=1e-5)
    for a, b in zip(again.class_weight_, est.class_weight_, strict=True):
        assert a == pytest.approx(b)


def test_missing_labels_are_masked_per_call(shuffled):
    X, Y = shuffled
    y = Y[["species", "island"]].astype(object)
    y.loc[::3, "island"] = None
    est = WeightedMultiOutputClassifier(missing_labels="mask",
                                        class_weight="balanced", **SMALL)
    est.partial_fit(X.iloc[:150], y.iloc[:150])
    est.partial_fit(X.iloc[150:], y.iloc[150:])
    labelled = y["island"].dropna()
    np.testing.assert_allclose(
        list(est.class_weight_[1].values()),
        compute_class_weight("balanced", classes=est.classes_[1], y=labelled))


def test_regression_output_keeps_its_first_scaling(shuffled):
    X, Y = shuffled
    y = Y[["species"]].assign(length=X["bill_length_mm"])
    X = X.drop(columns="bill_length_mm")
    est = WeightedMixedOutputEstimator(**SMALL)
    est.partial_fit(X.iloc[:100], y.iloc[:100])
    first = est._outputs_.outputs[1]
    est.partial_fit(X.iloc[100:], y.iloc[100:])
    second = est._outputs_.outputs[1]
    assert (second.mean, second.scale) == (first.mean, first.scale)
    assert second.mean == pytest.approx(y["length"].iloc[:100].mean())
