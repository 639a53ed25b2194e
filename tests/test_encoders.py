"""scikeras' feature_encoder / target_encoder hooks: a subclass overrides them,
the fitted encoders are feature_encoder_ / target_encoder_ and reach meta, and
a model with several inputs gets its inputs as scikeras documents."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight._targets._outputs import OutputsEncoder

SMALL = {"epochs": 20, "random_state": 0, "optimizer__learning_rate": 0.01}


def _split_bill(X):
    return [X[:, :2], X[:, 2:]]


def _named_parts(X):
    return {"bill": X[:, :2], "body": X[:, 2:]}


def two_inputs(meta):
    bill = keras.Input((2,), name="bill")
    body = keras.Input((2,), name="body")
    h = keras.layers.Concatenate()([bill, body])
    h = keras.layers.Dense(16, activation="relu")(
        keras.layers.BatchNormalization()(h))
    outs = [keras.layers.Dense(k, activation="softmax", name=name)(h)
            for k, name in zip(meta["n_classes_"], meta["output_layer_names_"],
                               strict=True)]
    return keras.Model([bill, body], outs)


class ListInputs(WeightedMultiOutputClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(_split_bill)


class DictInputs(WeightedMixedOutputEstimator):
    @property
    def feature_encoder(self):
        return FunctionTransformer(_named_parts)


class DynamicListInputs(DynamicWeightClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(_split_bill)


@pytest.mark.parametrize("make", [ListInputs, DictInputs, DynamicListInputs],
                         ids=lambda m: m.__name__)
def test_a_model_of_two_inputs_gets_them_from_the_feature_encoder(make, penguins):
    X, Y = penguins
    y = Y[["species", "island"]]
    est = make(model=two_inputs, class_weight="balanced", **SMALL).fit(X, y)
    assert isinstance(est.feature_encoder_, FunctionTransformer)
    assert len(est.model_.inputs) == 2
    pred = np.asarray(est.predict(X))
    assert (pred[:, 0] == y["species"].to_numpy()).mean() > 0.9
    proba = est.predict_proba(X)
    assert proba[0].shape == (len(X), 3)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.predict_proba(X)[0], proba[0], rtol=1e-5)
    assert est.score(X, y) > 0.5


class _Squares(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        self.n_in_ = X.shape[1]
        return self

    def transform(self, X):
        return np.hstack([X, X**2])

    def get_metadata(self):
        return {"n_encoded_features_": 2 * self.n_in_}


class WithSquares(WeightedMultiOutputClassifier):
    @property
    def feature_encoder(self):
        return _Squares()


def test_the_built_in_network_takes_the_encoded_columns(penguins):
    X, Y = penguins
    est = WithSquares(**SMALL).fit(X, Y)
    assert est.model_.inputs[0].shape[-1] == 8
    assert est.n_features_in_ == 4
    assert est.n_encoded_features_ == 8  # the encoder's metadata
    assert est.predict(X).shape == Y.shape


def test_the_built_in_network_refuses_several_inputs(penguins):
    X, Y = penguins
    est = ListInputs(**SMALL)
    with pytest.raises(ValueError, match=(
            r"The built-in network takes a 2-D array from feature_encoder. Got "
            r"list instead")):
        est.fit(X, Y)
    assert not hasattr(est, "model_")


class _OneHot(TransformerMixin, BaseEstimator):
    """scikeras' kind of target encoder: one-hot targets, labels back."""

    def fit(self, y):
        self.encoder_ = OneHotEncoder(sparse_output=False).fit(
            np.asarray(y).reshape(-1, 1))
        return self

    def transform(self, y):
        return self.encoder_.transform(np.asarray(y).reshape(-1, 1))

    def inverse_transform(self, raw, return_proba=False):
        if return_proba:
            return raw
        return self.encoder_.categories_[0][np.argmax(raw, axis=1)]

    def get_metadata(self):
        return {"n_one_hot_": len(self.encoder_.categories_[0])}


class OneHotTargets(WeightedMultiOutputClassifier):
    @property
    def target_encoder(self):
        return _OneHot()


def one_softmax(meta):
    inputs = keras.Input((meta["n_features_in_"],))
    h = keras.layers.BatchNormalization()(inputs)
    h = keras.layers.Dense(16, activation="relu")(h)
    return keras.Model(inputs, keras.layers.Dense(meta["n_one_hot_"],
                                                  activation="softmax")(h))


def test_a_target_encoder_of_ones_own_trains_and_decodes(penguins):
    X, Y = penguins
    y = Y["species"]
    est = OneHotTargets(model=one_softmax, loss="categorical_crossentropy",
                        class_weight="balanced", **SMALL).fit(X, y)
    assert isinstance(est.target_encoder_, _OneHot)
    pred = est.predict(X)
    assert set(pred) <= set(y) and (pred == y.to_numpy()).mean() > 0.9
    assert est.predict_proba(X).shape == (len(X), 3)
    encoder = est.target_encoder_
    est.partial_fit(X, y)  # the fitted encoders are kept
    assert est.target_encoder_ is encoder


def test_meta_carries_the_fitted_encoders(penguins):
    X, Y = penguins
    seen = {}

    def build(meta):
        seen.update(meta)
        inputs = keras.Input((meta["n_features_in_"],))
        return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(
            inputs))

    est = WeightedMultiOutputClassifier(model=build, epochs=1).fit(X, Y["species"])
    assert seen["feature_encoder_"] is est.feature_encoder_
    assert seen["target_encoder_"] is est.target_encoder_
    assert isinstance(est.target_encoder_, OutputsEncoder)
    # skweight's own encoder encodes and decodes each output.
    codes = est.target_encoder_.transform(Y["species"].iloc[:3])
    assert codes[0].dtype.kind == "i"
    raw = est.model_.predict(X.to_numpy(dtype="float32")[:3], verbose=0)
    np.testing.assert_array_equal(est.target_encoder_.inverse_transform(raw)[0],
                                  est.predict(X.iloc[:3]))
