"""Faults during fit: no garbage model, no half-replaced estimator.

A diverging loss raises :class:`~skweight.exceptions.NonFiniteLossError`; an
interruption or any exception during ``fit`` leaves the estimator as it was
(its previous model, predictions and fitted attributes) or clearly unfitted.
"""

import keras
import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skweight.exceptions import NonFiniteLossError

# Estimator factories ``f(**params) -> estimator``; every classifier of the
# package goes here (one line each).
ESTIMATORS = ALL_ESTIMATORS

# Eager Keras: on a few dozen samples, tracing the train step costs more
# than the steps themselves.
TINY = {"model__hidden_layer_sizes": (8,), "verbose": 0, "random_state": 0,
        "run_eagerly": True}

N = 64
RNG = np.random.default_rng(1)
X = RNG.normal(size=(N, 3))
Y2 = pd.DataFrame({
    "species": (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5),
    "sex": np.where(X[:, 2] > 0, "f", "m"),
})
Y1 = Y2["sex"].to_numpy()


class Interrupt(keras.callbacks.Callback):
    """Raises ``error`` after ``at`` epochs of each fit (trained, not finished)."""

    def __init__(self, error, at=1):
        super().__init__()
        self.error = error
        self.at = at

    def on_train_begin(self, logs=None):
        self._seen = 0

    def on_epoch_end(self, epoch, logs=None):
        self._seen += 1
        if self._seen > self.at:
            raise self.error


ERRORS = [
    pytest.param(KeyboardInterrupt, id="KeyboardInterrupt"),
    pytest.param(RuntimeError, id="RuntimeError"),
]


def fitted_state(est):
    """What a caller can see of a fitted estimator."""
    return {
        "proba": [p.copy() for p in est.predict_proba(X)],
        "classes": [c.tolist() for c in est.classes_],
        "output_names": list(est.output_names_),
        "history": {k: list(v) for k, v in est.history_.items()},
        "model": est.model_,
        "weights": [w.copy() for w in est.model_.get_weights()],
    }


def assert_unchanged(est, before):
    after = fitted_state(est)
    for a, b in zip(before["proba"], after["proba"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert after["classes"] == before["classes"]
    assert after["output_names"] == before["output_names"]
    assert after["history"] == before["history"]
    assert after["model"] is before["model"]
    for a, b in zip(before["weights"], after["weights"], strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ divergence
class Poison(keras.layers.Layer):
    """Turns its input into NaN: a network whose loss is NaN from the start."""

    def call(self, x):
        return x * float("nan")


def nan_on_sex(meta):
    """A species head that is fine and a sex head that outputs NaN."""
    inputs = keras.Input(shape=(meta["n_features_in_"],))
    species = keras.layers.Dense(3, activation="softmax", name="species")(inputs)
    hidden = keras.layers.Dense(1, activation="sigmoid")(inputs)
    sex = Poison(name="sex")(hidden)
    return keras.Model(inputs, [species, sex])


@pytest.mark.parametrize("make", ESTIMATORS)
def test_nan_output_raises_and_names_the_output(make):
    # Compiled (not eager): the guard sees the logs of 32-step executions.
    est = make(model=nan_on_sex, epochs=3, verbose=0, random_state=0)
    with pytest.raises(NonFiniteLossError, match=r"the loss of output 'sex' "
                                                 r"\('sex_loss'\) became nan at "
                                                 r"batch \d+ of epoch 0") as info:
        est.fit(X, Y2)
    assert info.value.output == "sex"
    assert info.value.epoch == 0
    assert "lower learning rate" in str(info.value)
    assert "clipnorm" in str(info.value)
    with pytest.raises(NotFittedError):
        est.predict(X)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("y", [Y1, Y2], ids=["single", "multi"])
def test_diverging_training_raises_instead_of_returning_garbage(make, y):
    # Plain SGD with an absurd learning rate: the weights overflow, the loss
    # turns NaN within a few steps.
    est = make(**TINY, epochs=5, optimizer="sgd", optimizer__learning_rate=1e30,
               class_weight={"species": {0: 1e6}} if y is Y2 else {"f": 1e6})
    with pytest.raises(NonFiniteLossError, match=r"Training diverged: .* became "
                                                 r"(nan|inf) at .* The estimator "
                                                 r"was not updated"):
        est.fit(X, y)
    assert not hasattr(est, "model_")


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("warm_start", [False, True])
def test_divergence_of_a_fitted_estimator_keeps_its_model(make, warm_start):
    # A warm start keeps the compiled optimizer, so the divergence comes from
    # raw class weights large enough to blow up plain SGD.
    est = make(**TINY, epochs=2, optimizer="sgd").fit(X, Y2)
    before = fitted_state(est)
    est.set_params(warm_start=warm_start, class_weight={"species": {0: 1e30}},
                   epochs=5)
    with pytest.raises(NonFiniteLossError):
        est.fit(X, Y2)
    assert_unchanged(est, before)


def test_non_finite_loss_error_is_a_floating_point_error():
    err = NonFiniteLossError("boom", output="sex", key="sex_loss", epoch=2)
    assert isinstance(err, FloatingPointError)
    import pickle

    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.output, back.key, back.epoch) == (
        "boom", "sex", "sex_loss", 2)


# ---------------------------------------------------------- interruptions
@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("error", ERRORS)
def test_interrupted_first_fit_leaves_the_estimator_unfitted(make, warm_start,
                                                             error):
    est = make(**TINY, epochs=3, warm_start=warm_start,
               callbacks=[Interrupt(error)])
    with pytest.raises(error):
        est.fit(X, Y2)
    for attr in ("model_", "history_", "classes_", "n_outputs_", "output_names_",
                 "class_weight_", "n_features_in_"):
        assert not hasattr(est, attr), attr
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X)
    with pytest.raises(NotFittedError):
        est.predict_proba(X)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("error", ERRORS)
def test_interrupted_refit_keeps_the_previous_model(make, warm_start, error):
    est = make(**TINY, epochs=2).fit(X, Y2)
    before = fitted_state(est)
    est.set_params(warm_start=warm_start, epochs=3, callbacks=[Interrupt(error)])
    with pytest.raises(error):
        est.fit(X, Y2, sample_weight=np.linspace(0.5, 2.0, N))
    assert_unchanged(est, before)
    # Still a working estimator: it can keep training.
    est.set_params(callbacks=None, epochs=1)
    est.fit(X, Y2)
    assert len(est.history_["loss"]) == (3 if warm_start else 1)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_interrupted_refit_on_other_data_keeps_all_fitted_attributes(make):
    # A refit on single-output y fails midway: nothing of the new fit (classes,
    # outputs, feature count) may leak into the fitted multi-output estimator.
    est = make(**TINY, epochs=1).fit(X, Y2)
    before = fitted_state(est)
    attrs = {k: est.__dict__[k] for k in ("n_outputs_", "n_features_in_",
                                          "class_weight_", "n_classes_")}
    est.set_params(epochs=3, callbacks=[Interrupt(KeyboardInterrupt)],
                   class_weight="balanced")
    with pytest.raises(KeyboardInterrupt):
        est.fit(X[:, :2], Y1)
    assert_unchanged(est, before)
    assert {k: est.__dict__[k] for k in attrs} == attrs


@pytest.mark.parametrize("make", ESTIMATORS)
def test_interrupted_warm_start_does_not_change_later_training(make):
    # The optimizer's state (step count, moments) is restored with the network:
    # a warm fit after an interrupted one trains as if it never happened.
    plain = make(**TINY, epochs=2, warm_start=True).fit(X, Y2).fit(X, Y2)
    est = make(**TINY, epochs=2, warm_start=True).fit(X, Y2)
    est.set_params(callbacks=[Interrupt(KeyboardInterrupt)], epochs=3)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, Y2)
    est.set_params(callbacks=None, epochs=2)
    est.fit(X, Y2)
    for a, b in zip(plain.predict_proba(X), est.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---------------------------------------------- a failed fit on bad input
BAD_REFITS = [
    pytest.param({"class_weight": "balance"}, {}, id="class_weight"),
    pytest.param({"loss_weights": [1.0, -1.0]}, {}, id="loss_weights"),
    pytest.param({}, {"sample_weight": np.zeros(N)}, id="sample_weight"),
    pytest.param({}, {"X": np.full((N, 3), np.nan)}, id="X-nan"),
    pytest.param({}, {"y": np.zeros(N)}, id="y-one-class"),
    pytest.param({"epochs": -1}, {}, id="epochs"),
]


@pytest.fixture(scope="module", params=ESTIMATORS)
def fitted(request):
    """One fitted estimator per factory, shared by the bad-refit tests."""
    return request.param(**TINY, epochs=2).fit(X, Y2)


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize(("params", "fit"), BAD_REFITS)
def test_failed_refit_on_bad_input_keeps_the_model_usable(fitted, warm_start,
                                                          params, fit):
    est = fitted
    before = fitted_state(est)
    score_before = est.score(X, Y2)
    old = est.get_params()
    est.set_params(warm_start=warm_start, **params)
    try:
        with pytest.raises(ValueError):
            est.fit(**{"X": X, "y": Y2, **fit})
    finally:
        est.set_params(**{k: old[k] for k in ("warm_start", *params)})
    assert_unchanged(est, before)
    assert est.score(X, Y2) == pytest.approx(score_before)
