"""Seeding per fit, not per process: a seeded fit gives the same model whatever
runs beside it in other threads (joblib's threading backend, a thread pool).

Each fit is run alone first, then again in a pool of 4 threads beside fits of
other seeds, which reseed the process-wide generators (TensorFlow's global
seed, Python's and NumPy's) while it runs. The paths covered: skweight's
trainer (plain and mixed estimators), Keras' ``fit`` through skweight's
``tf.data`` pipeline (a validation split; the dynamic estimator's train step).
"""

from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="on JAX and PyTorch Keras' fit shuffles with NumPy's global "
           "generator, shared by the threads",
)

TINY = {"epochs": 3, "batch_size": 32, "model__hidden_layer_sizes": (8,)}


def _jobs(penguins):
    X, Y = penguins
    X_mixed = X.drop(columns="body_mass_g")
    Y_mixed = Y[["species", "sex"]].assign(mass=X["body_mass_g"] / 1000.0)
    return {
        "plain": (lambda rs: WeightedMultiOutputClassifier(
            class_weight="balanced", random_state=rs, **TINY), X, Y),
        "plain, Keras fit": (lambda rs: WeightedMultiOutputClassifier(
            validation_split=0.2, random_state=rs, **TINY), X, Y),
        "dynamic dwa": (lambda rs: DynamicWeightClassifier(
            weighting="dwa", random_state=rs, **TINY), X, Y),
        "mixed": (lambda rs: WeightedMixedOutputEstimator(
            output_types={"mass": "regression"}, random_state=rs, **TINY),
            X_mixed, Y_mixed),
    }


def _fit_outputs(job, random_state):
    make, X, Y = job
    est = make(random_state).fit(X, Y)
    if isinstance(est, WeightedMixedOutputEstimator):
        return np.asarray(est.predict(X)[["mass"]], dtype=np.float64)
    return np.concatenate(est.predict_proba(X), axis=1)


def test_seeded_fits_in_threads_give_the_models_they_give_alone(penguins):
    jobs = _jobs(penguins)
    alone = {name: _fit_outputs(job, 0) for name, job in jobs.items()}
    # Each seed-0 fit beside fits of seeds 1 and 2 of another kind.
    runs = [(name, seed) for name in jobs for seed in (0, 1 + len(name) % 2)]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda run: _fit_outputs(jobs[run[0]], run[1]),
                                 runs))
    for (name, seed), outputs in zip(runs, together, strict=True):
        if seed == 0:
            np.testing.assert_allclose(outputs, alone[name], rtol=0, atol=1e-6,
                                       err_msg=name)
    # The neighbours were different models: the seed matters.
    assert not np.allclose(together[1], alone["plain"], atol=1e-3)
