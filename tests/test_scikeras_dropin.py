"""A scikeras ``KerasClassifier`` set-up works unchanged on skweight's estimators.

One test per point of the scikeras contract: ``meta``'s keys, ``Sequential``
models, a subclass's ``_keras_build_fn``, N-D ``X`` for user models, prediction
callbacks and ``predict__*`` routing, one-hot targets for categorical
cross-entropy, ``target_type_`` of a column vector, integer predictions of a
float multilabel ``y``. scikeras' own suite runs against skweight with
``benchmarks/run_scikeras_suite.py``.
"""

import keras
import numpy as np
import pytest
from factories import ALL_ESTIMATORS, FROZEN
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier
from sklearn.utils.multiclass import type_of_target

from skweight import WeightedMultiOutputClassifier

ONE_EPOCH = {"epochs": 1, "random_state": 0}


def _heads_model(meta):
    """A functional model with one head per output, from scikeras' ``meta``."""
    inputs = keras.Input(meta["X_shape_"][1:])
    h = keras.layers.Dense(8, activation="relu")(keras.layers.Flatten()(inputs))
    n_classes = np.atleast_1d(meta["n_classes_"])
    outputs = [keras.layers.Dense(int(k), activation="softmax")(h) for k in n_classes]
    return keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0])


@pytest.fixture(scope="module")
def digits_images():
    """240 real 8x8 digit images of three classes, shape (n, 8, 8, 1)."""
    digits = load_digits()
    keep = np.flatnonzero(digits.target < 3)[:240]
    return (digits.images[keep, :, :, None] / 16.0).astype(np.float32), (
        digits.target[keep]
    )


# ------------------------------------------------------------------- 1. meta
@pytest.mark.parametrize("Est", ALL_ESTIMATORS, ids=lambda c: c.__name__)
def test_meta_has_scikeras_keys(Est, penguins_small):
    X, Y = penguins_small
    Y = Y[["species", "sex"]]
    seen = {}

    def build(meta):
        seen.update(meta)
        return _heads_model(meta)

    est = Est(model=build, **ONE_EPOCH).fit(X, Y)
    expected = {
        "n_features_in_": 4,
        "X_shape_": X.shape,
        "X_dtype_": np.asarray(X).dtype,
        "y_dtype_": np.asarray(Y).dtype,
        "n_outputs_": 2,
        "n_outputs_expected_": 2,
        "n_classes_": [3, 2],
        "target_type_": type_of_target(Y),
    }
    for key, value in expected.items():
        assert seen[key] == value, key
        assert getattr(est, key) == value, key
    for got, col in zip(seen["classes_"], ("species", "sex"), strict=True):
        np.testing.assert_array_equal(got, np.unique(Y[col]))


def test_meta_of_single_output_as_scikeras(penguins_small):
    X, Y = penguins_small
    seen = {}

    def build(meta):
        seen.update(meta)
        return _heads_model(meta)

    WeightedMultiOutputClassifier(model=build, **ONE_EPOCH).fit(X, Y["species"])
    assert (seen["n_outputs_"], seen["n_outputs_expected_"]) == (1, 1)
    assert seen["n_classes_"] == 3 and seen["target_type_"] == "multiclass"
    np.testing.assert_array_equal(seen["classes_"], ["Adelie", "Chinstrap", "Gentoo"])


def test_loss_dict_may_name_the_model_outputs(penguins_small):
    X, Y = penguins_small

    def build(meta):
        inputs = keras.Input(meta["X_shape_"][1:])
        return keras.Model(inputs, keras.layers.Dense(3, activation="softmax",
                                                      name="kind")(inputs))

    est = WeightedMultiOutputClassifier(
        model=build, loss={"kind": keras.losses.CategoricalCrossentropy},
        loss__label_smoothing=0.1, **ONE_EPOCH,
    ).fit(X, Y["species"])
    assert est.model_.loss[0].get_config()["label_smoothing"] == 0.1
    with pytest.raises(ValueError, match=r"unknown output name\(s\) \['nope'\]"):
        WeightedMultiOutputClassifier(
            model=build, loss={"nope": "categorical_crossentropy"}, **ONE_EPOCH
        ).fit(X, Y["species"])


# ------------------------------------------------------------- 2. Sequential
@pytest.mark.parametrize("with_input", [True, False], ids=["Input", "no-Input"])
def test_sequential_model(with_input, penguins_small):
    X, Y = penguins_small
    layers = [keras.layers.Dense(8, activation="relu"),
              keras.layers.Dense(3, activation="softmax")]
    model = keras.Sequential(([keras.Input((4,))] if with_input else []) + layers)
    before = [w.copy() for w in model.get_weights()]
    est = WeightedMultiOutputClassifier(model=model, **ONE_EPOCH).fit(X, Y["species"])
    # fit trains a copy of the Sequential; the one passed stays as it was.
    assert est.model_ is not model
    assert [layer.units for layer in est.model_.layers] == [8, 3]
    assert all(np.array_equal(a, b)
               for a, b in zip(before, model.get_weights(), strict=True))
    assert est.predict_proba(X).shape == (len(X), 3)
    assert set(est.predict(X)) <= {"Adelie", "Chinstrap", "Gentoo"}


# --------------------------------------------------- 3. _keras_build_fn subclass
@pytest.mark.parametrize("Est", ALL_ESTIMATORS, ids=lambda c: c.__name__)
def test_subclass_keras_build_fn_is_used(Est, penguins_small):
    X, Y = penguins_small

    class Mine(Est):
        def _keras_build_fn(self, meta):
            inputs = keras.Input(meta["X_shape_"][1:])
            h = keras.layers.Dense(8, activation="relu", name="mine")(inputs)
            return keras.Model(inputs, [
                keras.layers.Dense(k, activation="softmax")(h)
                for k in meta["n_classes_"]
            ])

    est = Mine(**ONE_EPOCH).fit(X, Y[["species", "sex"]])
    assert "mine" in [layer.name for layer in est.model_.layers]
    assert est.predict(X).shape == (len(X), 2)


# ------------------------------------------------------------------ 4. N-D X
@pytest.mark.parametrize("Est", ALL_ESTIMATORS, ids=lambda c: c.__name__)
def test_user_model_takes_nd_input(Est, digits_images):
    X, y = digits_images

    def cnn(meta):
        inputs = keras.Input(meta["X_shape_"][1:])
        h = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
        h = keras.layers.Flatten()(h)
        outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(h)
        return keras.Model(inputs, outputs)

    est = Est(model=cnn, epochs=3, random_state=0).fit(X, y)
    assert est.X_shape_ == X.shape
    assert est.predict_proba(X).shape == (len(X), 3)
    assert est.score(X, y) > 0.5
    with pytest.raises(ValueError, match=r"8, 8, 1\).*Got X of shape"):
        est.predict(X[:, :, :4])


@pytest.mark.parametrize("Est", ALL_ESTIMATORS, ids=lambda c: c.__name__)
def test_builtin_network_refuses_nd_input(Est, digits_images):
    X, y = digits_images
    with pytest.raises(ValueError, match=r"2-D X.*shape \(240, 8, 8, 1\).*model"):
        Est(**ONE_EPOCH).fit(X, y)


# ---------------------------------------------------- 5. prediction callbacks
class _PredictRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.begins = 0
        self.steps = None

    def on_predict_begin(self, logs=None):
        self.begins += 1
        self.steps = self.params["steps"]


def test_prediction_callbacks_and_predict_kwargs_reach_keras(penguins_small):
    X, Y = penguins_small
    fast = WeightedMultiOutputClassifier(
        model__hidden_layer_sizes=(8,), **ONE_EPOCH
    ).fit(X, Y)
    both, predict_only = _PredictRecorder(), _PredictRecorder()
    est = WeightedMultiOutputClassifier(
        model__hidden_layer_sizes=(8,), callbacks=[both],
        predict__callbacks=[predict_only], predict__batch_size=50, **ONE_EPOCH,
    ).fit(X, Y)
    assert both.begins == predict_only.begins == 0
    proba = est.predict_proba(X)
    est.predict(X)
    assert both.begins == predict_only.begins == 2
    # predict__batch_size=50 reached Model.predict: 3 batches of 120 rows.
    assert predict_only.steps == 3
    for a, b in zip(proba, fast.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


# -------------------------------------------------- 6. categorical cross-entropy
def test_categorical_crossentropy_trains_on_one_hot_labels(penguins_small):
    X, Y = penguins_small
    y = Y["species"].to_numpy()
    est = WeightedMultiOutputClassifier(
        loss="categorical_crossentropy", **FROZEN
    ).fit(X, y)
    proba = est.predict_proba(X)
    true = proba[np.arange(len(y)), np.searchsorted(est.classes_, y)]
    # The frozen network logs the loss of the weights it predicts with.
    np.testing.assert_allclose(est.history_["loss"][0], -np.log(true).mean(),
                               rtol=1e-4)


# ----------------------------------------------- 7. target_type_ of a column
@pytest.mark.parametrize("column", ["species", "sex"])
def test_target_type_of_column_vector_is_type_of_target(column, penguins_small):
    X, Y = penguins_small
    y = Y[[column]].to_numpy()
    est = WeightedMultiOutputClassifier(
        model__hidden_layer_sizes=(8,), **ONE_EPOCH
    ).fit(X, y)
    assert est.target_type_ == type_of_target(y)
    assert est.target_type_ in ("binary", "multiclass")


# ------------------------------------------ 8. float multilabel y -> int labels
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float_multilabel_predicts_integers_as_mlp(penguins_small):
    X, Y = penguins_small
    Y01 = np.column_stack([
        Y["species"] == "Adelie", Y["island"] == "Biscoe", Y["sex"] == "male"
    ]).astype(np.float64)
    est = WeightedMultiOutputClassifier(
        model__hidden_layer_sizes=(8,), **ONE_EPOCH
    ).fit(X, Y01)
    mlp = MLPClassifier((8,), max_iter=2, random_state=0).fit(X, Y01)
    pred = est.predict(X)
    assert pred.dtype.kind == mlp.predict(X).dtype.kind == "i"
    assert set(np.unique(pred)) <= {0, 1}
