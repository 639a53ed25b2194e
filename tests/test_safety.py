"""A fitted model is never lost, corrupted or silently retargeted.

- ``fit`` never modifies a Keras model passed as ``model=``: it trains a copy,
  so ``warm_start=False`` starts afresh and a refit that fails (interrupted,
  diverging) leaves ``model_`` and its predictions as they were.
- ``warm_start=True`` refuses data that would give the fitted network's units
  another meaning (other classes, features in another order, other outputs).
- Changed optimizer parameters take effect on a warm fit.
- Every fitted estimator pickles with its optimizer's state, whatever
  callbacks it was trained with, and clones.
- Features whose scale overflows float32 are refused before training.
- A property test runs random sequences of all of the above.
"""

import copy
import pickle
import re

import keras
import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS, EVERY_RULE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, cross_val_score

from skweight import WeightedMixedOutputEstimator, WeightedMultiOutputClassifier
from skweight.exceptions import NonFiniteLossError

# Keras' own conversions while copying models (not skweight's code).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning")

# Every estimator, the dynamic one once per weighting rule.
ESTIMATORS = [WeightedMultiOutputClassifier, WeightedMixedOutputEstimator,
              *EVERY_RULE]

# Eager Keras: on a few dozen samples, tracing the train step costs more than
# the steps themselves.
COMMON = {"verbose": 0, "random_state": 0, "run_eagerly": True, "epochs": 1,
          "optimizer": "sgd", "optimizer__learning_rate": 0.1}
BUILTIN = {"model__hidden_layer_sizes": (8,)}

N = 64
RNG = np.random.default_rng(3)
X = pd.DataFrame(RNG.normal(size=(N, 3)), columns=["a", "b", "c"])
Y = pd.DataFrame({
    "species": (X["a"] > 0).astype(int) + (X["b"] > 0.5),
    "sex": np.where(X["c"] > 0, "f", "m"),
})
# Raw class weights that make plain SGD overflow within the first epoch.
DIVERGING = {"class_weight": {"species": {0: 1e30}},
             "optimizer__learning_rate": 1e30}


def user_model():
    """A functional network with the heads the target needs."""
    inputs = keras.Input(shape=(3,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    species = keras.layers.Dense(3, activation="softmax", name="species")(hidden)
    sex = keras.layers.Dense(1, activation="sigmoid", name="sex")(hidden)
    return keras.Model(inputs, [species, sex])


def make_estimator(make, model, **params):
    """``make`` with the built-in network (``model=None``) or a user model."""
    extra = BUILTIN if model is None else {}
    return make(**{**COMMON, **extra, "model": model, **params})


class Interrupt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of each fit's first epoch (trained,
    not finished)."""

    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def assert_same_arrays(before, after):
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


def probas(est):
    proba = est.predict_proba(X)
    return [p.copy() for p in (proba if isinstance(proba, list) else [proba])]


def same_params(a, b):
    """Equal parameters, up to the addresses of objects without a repr."""
    def text(est):
        return re.sub(r" at 0x[0-9a-f]+", "", repr(est.get_params()))

    return text(a) == text(b)


def assert_user_model_unchanged(user, weights, compiled):
    assert_same_arrays(weights, weights_of(user))
    assert user.compiled == compiled


# ------------------------------------------------- 1. the user's model object
@pytest.mark.parametrize("make", ESTIMATORS)
def test_fit_trains_a_copy_of_the_user_model(make):
    user = user_model()
    weights = weights_of(user)
    est = make_estimator(make, user)
    est.fit(X, Y)
    first = probas(est)
    assert est.model_ is not user
    assert_user_model_unchanged(user, weights, compiled=False)
    assert est.get_params()["model"] is user

    # warm_start=False starts afresh: the same result as the first fit.
    est.fit(X, Y)
    assert_same_arrays(first, probas(est))
    assert_user_model_unchanged(user, weights, compiled=False)

    # An interrupted refit keeps the previous model and its predictions.
    model = est.model_
    trained = weights_of(model)
    est.set_params(callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, Y)
    assert est.model_ is model
    assert_same_arrays(trained, weights_of(est.model_))
    assert_same_arrays(first, probas(est))

    # So does a diverging one: no NaN weights behind "not updated".
    est.set_params(callbacks=None, **DIVERGING)
    with pytest.raises(NonFiniteLossError, match="not updated"):
        est.fit(X, Y)
    assert est.model_ is model
    assert_same_arrays(trained, weights_of(est.model_))
    assert_same_arrays(first, probas(est))
    assert_user_model_unchanged(user, weights, compiled=False)


@pytest.mark.parametrize("make", ALL_ESTIMATORS)
def test_warm_start_trains_the_copy_not_the_user_model(make):
    user = user_model()
    weights = weights_of(user)
    est = make_estimator(make, user, warm_start=True).fit(X, Y)
    first = weights_of(est.model_)
    est.fit(X, Y)
    assert len(est.history_["loss"]) == 2
    assert not all(np.array_equal(a, b) for a, b in zip(
        first, weights_of(est.model_), strict=True))
    assert_user_model_unchanged(user, weights, compiled=False)


@pytest.mark.parametrize("make", [WeightedMultiOutputClassifier,
                                  WeightedMixedOutputEstimator])
def test_a_model_compiled_by_the_user_keeps_its_compile_settings(make):
    # scikeras trains a compiled model as compiled: the copy is compiled alike
    # (here an optimizer that cannot move), with an optimizer of its own.
    user = user_model()
    user.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                 loss=["sparse_categorical_crossentropy", "binary_crossentropy"])
    weights = weights_of(user)
    est = make_estimator(make, user).fit(X, Y)
    assert est.model_.optimizer is not user.optimizer
    assert_same_arrays(weights, weights_of(est.model_))
    assert_user_model_unchanged(user, weights, compiled=True)
    assert not user.optimizer.built


class Opaque(keras.Model):
    """A subclassed model that Keras cannot copy (no get_config)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def call(self, x):
        return self.layer(x)


def test_a_model_keras_cannot_copy_is_refused_with_the_way_out():
    est = make_estimator(WeightedMultiOutputClassifier,
                         Opaque(keras.layers.Dense(2, activation="softmax")))
    with pytest.raises(TypeError, match=r"(?s)cannot copy this Opaque.*"
                                        r"Pass the class or a function"):
        est.fit(X, Y["sex"])
    assert not hasattr(est, "model_")


# ----------------------------------------------- 2. what warm_start compares
@pytest.fixture(scope="module", params=ALL_ESTIMATORS)
def warm(request):
    """One fitted warm-start estimator per estimator class (refits in these
    tests fail before training, so it is shared)."""
    return make_estimator(request.param, None, warm_start=True).fit(X, Y)


def refused_warm_fit(est, X_new, Y_new):
    """Fit ``est`` warm on refused data; check it is unchanged; the message."""
    before = probas(est)
    state = {k: copy.deepcopy(v) for k, v in vars(est).items()
             if k.endswith("_") and not k.startswith("_") and k != "model_"}
    model = est.model_
    with pytest.raises(ValueError, match="warm_start") as info:
        est.fit(X_new, Y_new)
    assert est.model_ is model
    assert_same_arrays(before, probas(est))
    for key, value in state.items():
        assert repr(getattr(est, key)) == repr(value), key
    return str(info.value)


def test_warm_start_refuses_other_classes(warm):
    # {f, m} -> {m, x}: the unit that meant "f" would be trained to mean "m".
    Y_new = Y.assign(sex=np.where(Y["sex"] == "f", "m", "x"))
    message = refused_warm_fit(warm, X, Y_new)
    assert "'sex'" in message
    assert "['f', 'm']" in message and "['m', 'x']" in message


def test_warm_start_refuses_other_classes_of_the_same_count(warm):
    Y_new = Y.assign(species=Y["species"] + 1)
    message = refused_warm_fit(warm, X, Y_new)
    assert "'species'" in message
    assert "[0, 1, 2]" in message and "[1, 2, 3]" in message


@pytest.mark.parametrize("X_new", [X[["c", "b", "a"]], X.rename(columns={"c": "z"})],
                         ids=["reordered", "renamed"])
def test_warm_start_refuses_other_feature_names(warm, X_new):
    columns = list(X_new.columns)
    message = refused_warm_fit(warm, X_new, Y)
    assert "feature names" in message
    assert str(columns) in message
    np.testing.assert_array_equal(warm.feature_names_in_, ["a", "b", "c"])


def test_warm_start_refuses_other_output_names(warm):
    message = refused_warm_fit(warm, X, Y.rename(columns={"sex": "gender"}))
    assert "output names" in message
    assert "['species', 'gender']" in message


def test_warm_start_refuses_another_output_kind():
    est = make_estimator(WeightedMixedOutputEstimator, None, warm_start=True)
    est.fit(X, Y)
    est.set_params(output_types={"species": "regression"})
    message = refused_warm_fit(est, X, Y)
    assert "output types" in message


# ----------------------------------------- 3. optimizer parameters on warm fit
@pytest.mark.parametrize("make", ALL_ESTIMATORS)
@pytest.mark.parametrize("model", [None, "user"])
def test_warm_fit_uses_the_new_learning_rate(make, model):
    est = make_estimator(make, user_model() if model else None, warm_start=True,
                         optimizer="adam", optimizer__learning_rate=0.01)
    est.fit(X, Y)
    trained = weights_of(est.model_)
    before = probas(est)
    est.set_params(optimizer__learning_rate=0.0)
    est.fit(X, Y)
    assert len(est.history_["loss"]) == 2
    assert_same_arrays(trained, weights_of(est.model_))
    assert_same_arrays(before, probas(est))


@pytest.mark.parametrize("params", [{"optimizer": "adam"},
                                    {"optimizer__momentum": 0.5}],
                         ids=["optimizer", "momentum"])
def test_warm_fit_refuses_optimizer_changes_it_cannot_make(warm, params):
    old = warm.get_params()
    warm.set_params(**params)
    try:
        message = refused_warm_fit(warm, X, Y)
    finally:
        for key in params:
            if key in old:
                warm.set_params(**{key: old[key]})
            else:  # a routed parameter it did not have
                delattr(warm, key)
    assert "learning rate" in message and str(params) in message


# -------------------------------- 4. pickle with callbacks and optimizer state
@pytest.mark.parametrize("make", ESTIMATORS)
def test_estimator_trained_with_callbacks_pickles_with_optimizer_state(make):
    est = make_estimator(
        make, None, warm_start=True, epochs=2, optimizer="adam",
        optimizer__learning_rate=0.01,
        callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=5)],
    ).fit(X, Y)
    back = pickle.loads(pickle.dumps(est))
    assert_same_arrays(probas(est), probas(back))
    assert same_params(clone(est), est)
    with pytest.raises(NotFittedError):
        clone(est).predict(X)
    # Adam's moments and step count travel too: a warm fit after the round
    # trip trains as one without it.
    est.fit(X, Y)
    back.fit(X, Y)
    assert len(back.history_["loss"]) == 4
    for a, b in zip(probas(est), probas(back), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", EVERY_RULE[:1])
def test_cross_validation_of_an_estimator_trained_with_callbacks(make):
    est = make_estimator(make, None, callbacks=[
        keras.callbacks.EarlyStopping(monitor="loss", patience=5)])
    est.fit(X, Y)
    scores = cross_val_score(est, X, Y, cv=KFold(2))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


# ------------------------------------------- 6. random_state as a Generator
@pytest.mark.parametrize("make", ALL_ESTIMATORS)
def test_a_generator_as_random_state_gives_repeatable_fits(make):
    # scikit-learn accepts numpy Generators; each fit draws its seed from a
    # copy, so the same generator gives the same model every time.
    rng = np.random.default_rng(0)
    est = make_estimator(make, None, random_state=rng).fit(X, Y)
    first = probas(est)
    est.fit(X, Y)
    assert_same_arrays(first, probas(est))


# ---------------------------------------------------- 11. float32 overflow
@pytest.mark.parametrize("make", ALL_ESTIMATORS)
def test_features_that_overflow_float32_are_refused_before_training(make):
    X_big = X.assign(b=X["b"] * 1e20)
    est = make_estimator(make, None)
    with pytest.raises(ValueError, match=r"(?s)X.*'b'.*float32") as info:
        est.fit(X_big, Y)
    assert "Rescale" in str(info.value) or "scale" in str(info.value)
    assert not hasattr(est, "model_")


# ------------------------------------------------------- the property test
STEPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["fit", "interrupt", "diverge"]), st.booleans()),
        st.tuples(st.sampled_from(["pickle", "clone"]), st.just(False)),
    ),
    min_size=1, max_size=3,
)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(make=st.sampled_from(ESTIMATORS), user=st.booleans(), steps=STEPS)
def test_a_fitted_model_is_never_lost_or_corrupted(make, user, steps):
    model = user_model() if user else None
    weights = weights_of(model) if user else None
    est = make_estimator(make, model).fit(X, Y)
    fresh = last = probas(est)
    for action, warm_start in steps:
        if action == "fit":
            est.set_params(warm_start=warm_start).fit(X, Y)
            if not warm_start:
                # A cold fit starts from the same weights every time.
                assert_same_arrays(fresh, probas(est))
            last = probas(est)
        elif action == "interrupt":
            est.set_params(warm_start=warm_start, callbacks=[Interrupt()])
            with pytest.raises(KeyboardInterrupt):
                est.fit(X, Y)
            est.set_params(callbacks=None)
        elif action == "diverge":
            params = est.get_params()
            est.set_params(warm_start=warm_start, **DIVERGING)
            with pytest.raises(NonFiniteLossError):
                est.fit(X, Y)
            est.set_params(**{k: params[k] for k in DIVERGING})
        elif action == "pickle":
            est = pickle.loads(pickle.dumps(est))
        else:
            copied = clone(est)
            with pytest.raises(NotFittedError):
                copied.predict(X)
            assert same_params(copied, est)
        assert_same_arrays(last, probas(est))
        if user:
            assert_user_model_unchanged(model, weights, compiled=False)
