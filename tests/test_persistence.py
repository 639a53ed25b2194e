"""Persistence: pickle and joblib round trips, and the network alone as .keras."""

import io
import pickle
import warnings

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS, EVERY_RULE
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skweight import InverseFrequency

# Estimator factories ``f(**params) -> estimator``; every estimator of the
# package goes here (one line each; one entry per weighting rule for those
# that have them).
ESTIMATORS = [*ALL_ESTIMATORS, *EVERY_RULE]

# Eager Keras: on a few dozen samples, tracing the train step costs more
# than the steps themselves.
TINY = {"model__hidden_layer_sizes": (8,), "epochs": 2, "verbose": 0,
        "random_state": 0, "run_eagerly": True}

N = 48
RNG = np.random.default_rng(2)
X = pd.DataFrame(RNG.normal(size=(N, 3)), columns=["a", "b", "c"])
Y2 = pd.DataFrame({
    "kind": np.array(["x", "y", "z"])[np.arange(N) % 3],
    "flag": (np.arange(N) % 4 == 0),
})
Y1 = np.arange(N) % 3
TARGETS = {"single": (Y1, {0: 1.0, 1: 2.0, 2: 0.5}),
           "multi": (Y2, ["balanced", InverseFrequency(power=0.5)])}


def pickle_round_trip(est):
    return pickle.loads(pickle.dumps(est))


def joblib_round_trip(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


ROUND_TRIPS = [pytest.param(pickle_round_trip, id="pickle"),
               pytest.param(joblib_round_trip, id="joblib")]


@pytest.fixture(scope="module", params=[
    pytest.param((make, target), id=f"{make.__name__}-{target}")
    for make in ESTIMATORS for target in TARGETS
])
def fitted(request):
    make, target = request.param
    y, class_weight = TARGETS[target]
    return make(**TINY, class_weight=class_weight).fit(X, y), y


def _as_list(proba):
    return proba if isinstance(proba, list) else [proba]


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_round_trip_gives_identical_predictions(fitted, round_trip):
    est, y = fitted
    back = round_trip(est)
    assert back is not est and back.model_ is not est.model_
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    for a, b in zip(_as_list(est.predict_proba(X)), _as_list(back.predict_proba(X)),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert back.score(X, y) == est.score(X, y)
    for attr in ("n_outputs_", "output_names_", "class_weight_", "n_features_in_"):
        assert getattr(back, attr) == getattr(est, attr)
    np.testing.assert_array_equal(back.feature_names_in_, est.feature_names_in_)
    assert back.history_ == est.history_
    assert back.get_params()["class_weight"] is not None


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_unpickled_estimator_keeps_training(fitted, round_trip):
    est, y = fitted
    back = round_trip(est).set_params(warm_start=True, epochs=1)
    back.fit(X, y)
    assert len(back.history_["loss"]) == len(est.history_["loss"]) + 1


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_round_trip_of_an_unfitted_estimator(make, round_trip):
    est = make(**TINY, class_weight=InverseFrequency(power=0.5))
    back = round_trip(est)
    assert repr(back.get_params()) == repr(est.get_params())
    with pytest.raises(NotFittedError):
        back.predict(X)
    assert repr(clone(back).get_params()) == repr(est.get_params())


@pytest.mark.parametrize("make", ALL_ESTIMATORS)
def test_initialized_estimator_reloads_quietly_and_trains_alike(make):
    # initialize() leaves the optimizer without slots; a reload used to warn
    # "Skipping variable loading for optimizer" (Keras rebuilt them on load).
    est = make(**TINY).initialize(X, Y2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        back = pickle_round_trip(est)
    assert not [w for w in caught if "Skipping variable" in str(w.message)]
    np.testing.assert_array_equal(back.predict_proba(X)[0],
                                  est.predict_proba(X)[0])
    est.set_params(warm_start=True).fit(X, Y2)
    back.set_params(warm_start=True).fit(X, Y2)
    np.testing.assert_allclose(back.predict_proba(X)[0], est.predict_proba(X)[0],
                               rtol=1e-5, atol=1e-6)


def test_network_alone_saves_as_keras_file(fitted, tmp_path):
    # The documented way (docs/persistence.md): the Keras network alone, with
    # its input standardisation, loadable without skweight.
    est, _ = fitted
    path = tmp_path / "net.keras"
    est.model_.save(path)
    net = keras.saving.load_model(path)
    outputs = net(np.asarray(X, dtype=np.float32), training=False)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    for raw, proba in zip(outputs, _as_list(est.predict_proba(X)), strict=True):
        raw = keras.ops.convert_to_numpy(raw)
        expected = proba[:, 1:] if raw.shape[1] == 1 else proba
        np.testing.assert_allclose(raw, expected, rtol=1e-6, atol=1e-7)
