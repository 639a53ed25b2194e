"""One rule fits every Keras classification loss to every kind of output
(skweight._targets._outputs.loss_target): the built-in network's head and the target
encoding follow the loss, or a ValueError before training names the output,
the loss and what would fit. Never a constant loss at chance."""

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight._targets._outputs import loss_target
from skweight.losses import (
    SparseCategoricalFocalCrossentropy,
    WeightedBinaryCrossentropy,
)

ESTIMATORS = [WeightedMultiOutputClassifier, WeightedMixedOutputEstimator,
              DynamicWeightClassifier]
CLASSIFICATION_LOSSES = ["sparse_categorical_crossentropy",
                         "categorical_crossentropy", "binary_crossentropy",
                         "binary_focal_crossentropy",
                         "categorical_focal_crossentropy"]
SOFTMAX_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy",
                  "categorical_focal_crossentropy")
FAST = {"epochs": 15, "random_state": 0, "model__hidden_layer_sizes": (16,),
        "optimizer__learning_rate": 0.01}


@pytest.mark.parametrize(("loss", "target"), [
    ("sparse_categorical_crossentropy", "sparse"),
    (keras.losses.SparseCategoricalCrossentropy(), "sparse"),
    (keras.losses.SparseCategoricalCrossentropy, "sparse"),
    ("SparseCategoricalCrossentropy", "sparse"),
    (keras.losses.categorical_crossentropy, "one_hot"),
    ("categorical_focal_crossentropy", "one_hot"),
    ("kld", "one_hot"),
    (keras.losses.BinaryFocalCrossentropy(gamma=3.0), "binary"),
    ("hinge", "binary"),
    ("mse", "regression"),
    (keras.losses.Huber(), "regression"),
    (WeightedBinaryCrossentropy(), "binary"),
    (SparseCategoricalFocalCrossentropy(), "sparse"),
    ("logit_adjusted", None),
    (lambda y_true, y_pred: keras.ops.mean(y_pred), None),
])
def test_loss_target_reads_keras_names_objects_and_classes(loss, target):
    assert loss_target(loss) == target


def _table(kind, Y):
    sex = (Y["sex"] == "male").astype(int).rename("male")
    if kind == "binary":
        return Y[["sex"]].assign(adelie=Y["species"] == "Adelie")
    if kind == "multiclass":
        return Y[["species", "island"]]
    if kind == "multilabel":
        return pd.DataFrame({"male": sex, "adelie": (Y["species"] == "Adelie")
                             .astype(int)})
    raise AssertionError(kind)


def _head_units(est):
    return [out.shape[-1] for out in est.model_.outputs]


@pytest.mark.parametrize("loss", CLASSIFICATION_LOSSES)
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("make", ESTIMATORS, ids=lambda m: m.__name__)
def test_every_loss_trains_every_output_kind_or_says_why(make, kind, loss,
                                                         penguins):
    X, Y = penguins
    y = _table(kind, Y)
    est = make(loss=loss, **FAST)
    if kind == "multiclass" and loss.startswith("binary"):
        # Binary cross-entropy cannot mean anything on 3 classes: refused
        # before training, naming the output, the loss and what fits.
        with pytest.raises(ValueError, match=(
                rf"loss '{loss}' for y column 'species' needs one 0/1 target "
                r"and a sigmoid unit .* has 3 classes .* Use "
                r"'sparse_categorical_crossentropy' or 'categorical_crossentropy'")):
            est.fit(X, y)
        assert not hasattr(est, "model_")
        return
    est.fit(X, y)
    n_classes = [len(np.unique(y[c])) for c in y]
    if loss in SOFTMAX_LOSSES:
        # A softmax over the classes, a binary output's two included.
        expected = n_classes
    else:
        expected = [1] * len(n_classes)
    units = _head_units(est)
    if est.model_.outputs[0].shape[-1] == len(n_classes) and len(units) == 1:
        assert loss not in SOFTMAX_LOSSES  # packed sigmoid layer: binary losses
    else:
        assert units == expected
    loss_curve = np.asarray(est.history_["loss"])
    assert loss_curve[-1] < 0.9 * loss_curve[0]  # not a constant loss
    pred = np.asarray(est.predict(X))
    # Well above chance on the outputs the features tell apart.
    for k, column in enumerate(y):
        if column in ("sex", "male", "island"):
            continue
        truth = np.asarray(y[column])
        assert balanced_accuracy_score(truth, pred[:, k].astype(truth.dtype)) > 0.75


def test_binary_output_under_a_softmax_loss_has_two_classes_in_proba(penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(
        loss="sparse_categorical_crossentropy", **FAST).fit(X, Y["sex"])
    assert _head_units(est) == [2]
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_a_loss_per_output_follows_each_output(penguins):
    X, Y = penguins
    y = Y[["sex", "species"]]
    est = WeightedMultiOutputClassifier(
        loss={"sex": "binary_crossentropy",
              "species": "categorical_crossentropy"}, **FAST).fit(X, y)
    assert _head_units(est) == [1, 3]


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy",
                                  "binary_crossentropy"])
def test_classification_loss_on_a_regression_output_is_refused(penguins, loss):
    X, Y = penguins
    y = Y[["species"]].assign(mass=X["bill_length_mm"])
    est = WeightedMixedOutputEstimator(loss=loss, **FAST)
    if loss == "binary_crossentropy":
        match = r"loss 'binary_crossentropy' for y column 'species'"
    else:
        match = (r"loss 'sparse_categorical_crossentropy' for y column 'mass' "
                 r"needs integer class codes .* 'mass' is a regression output. "
                 r"Give that output a regression loss")
    with pytest.raises(ValueError, match=match):
        est.fit(X.drop(columns="bill_length_mm"), y)
    assert not hasattr(est, "model_")


def test_mixed_losses_per_output_train(penguins):
    X, Y = penguins
    y = Y[["sex"]].assign(mass=X["bill_length_mm"])
    est = WeightedMixedOutputEstimator(
        loss=["categorical_crossentropy", "huber"], **FAST
    ).fit(X.drop(columns="bill_length_mm"), y)
    assert _head_units(est) == [2, 1]
    assert est.history_["loss"][-1] < est.history_["loss"][0]


def test_regression_loss_on_a_classification_output_is_refused(penguins):
    X, Y = penguins
    with pytest.raises(ValueError, match=(
            r"loss 'mse' for y column 'species' is a regression loss; 'species' "
            r"is a classification output with 3 classes")):
        WeightedMultiOutputClassifier(loss="mse", **FAST).fit(X, Y["species"])


def test_packed_layout_refuses_a_softmax_loss(penguins):
    X, Y = penguins
    y = _table("multilabel", Y)
    est = WeightedMultiOutputClassifier(
        loss="sparse_categorical_crossentropy", model__label_layout="packed",
        **FAST)
    with pytest.raises(ValueError, match=(
            r"packed multilabel layout has one sigmoid layer for all labels.*"
            r"model__label_layout='heads'")):
        est.fit(X, y)
    assert not hasattr(est, "model_")


@pytest.mark.parametrize("width", [1, 2])
def test_user_model_width_must_fit_the_loss(penguins, width):
    X, Y = penguins

    def build(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        act = "sigmoid" if width == 1 else "softmax"
        return keras.Model(inputs, keras.layers.Dense(width, activation=act)(inputs))

    est = WeightedMultiOutputClassifier(
        model=build, loss="categorical_crossentropy", epochs=2, random_state=0)
    if width == 1:
        with pytest.raises(ValueError, match=(
                r"must have 2 units \(a softmax over 2 classes\) for its loss, "
                r"which needs one-hot targets.*use loss='binary_crossentropy'")):
            est.fit(X, Y["sex"])
        assert not hasattr(est, "model_")
    else:
        est.fit(X, Y["sex"])
        assert est.predict_proba(X).shape == (len(X), 2)
