"""The Keras backend is the user's choice (an extra: tensorflow, jax, torch).

* On JAX (and PyTorch), every estimator fits, predicts and pickles and
  TensorFlow is never imported, whether or not it is installed. Runs where
  the backend is installed: CI builds an environment with the ``jax`` extra
  alone, no TensorFlow, and runs this module there (``.ci/run``); elsewhere
  each backend's case is skipped.
* A backend that is not installed gets an error naming the extra to install.
  Where TensorFlow is installed, its absence is simulated (``None`` in
  ``sys.modules``, which makes its import fail as a missing package's does);
  in the JAX-only environment it is missing for real.

Each case runs in a fresh interpreter: the backend is chosen once per process.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
# The other backends installed here, in the order the error message names them.
OTHER_BACKENDS = [b for b in ("jax", "torch")
                  if importlib.util.find_spec(b) is not None]


def _run(code, backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, env=env, timeout=600)


# Fits, predicts and pickles each estimator on the penguins (tiny networks, a
# few epochs) and reports what it saw as JSON on the last line.
FIT_PREDICT_PICKLE = r"""
import json, pickle, sys
import numpy as np
import pandas as pd
from skweight import (DynamicWeightClassifier, WeightedMixedOutputEstimator,
                      WeightedMultiOutputClassifier)
from skweight.datasets import load_penguins

X, Y = load_penguins(return_X_y=True)
# The mixed estimator: body mass (kg) as a regression output beside two labels.
X_mixed = X.drop(columns="body_mass_g")
Y_mixed = Y[["species", "sex"]].assign(mass=X["body_mass_g"] / 1000.0)
tiny = dict(epochs=3, model__hidden_layer_sizes=(8,), random_state=0)
cases = [
    (WeightedMultiOutputClassifier(class_weight="balanced", **tiny), X, Y),
    (DynamicWeightClassifier(weighting="dwa", **tiny), X, Y),
    (DynamicWeightClassifier(weighting="uncertainty", **tiny), X, Y),
    (WeightedMixedOutputEstimator(output_types={"mass": "regression"}, **tiny),
     X_mixed, Y_mixed),
]
report = {"estimators": []}
for est, Xc, Yc in cases:
    est.fit(Xc, Yc)
    pred = pd.DataFrame(np.asarray(est.predict(Xc), dtype=object),
                        columns=list(Yc.columns))
    back = pickle.loads(pickle.dumps(est))
    again = pd.DataFrame(np.asarray(back.predict(Xc), dtype=object),
                         columns=list(Yc.columns))
    labels_ok = all(set(pred[c]) <= set(Yc[c]) for c in ["species", "sex"])
    same = all(
        np.allclose(pred[c].astype(float), again[c].astype(float), rtol=1e-6)
        if c == "mass" else (pred[c] == again[c]).all()
        for c in pred.columns
    )
    proba_same = None
    if hasattr(est, "predict_proba") and not isinstance(
            est, WeightedMixedOutputEstimator):
        proba_same = all(np.allclose(a, b, rtol=1e-6) for a, b in zip(
            est.predict_proba(Xc), back.predict_proba(Xc), strict=True))
    report["estimators"].append({
        "name": type(est).__name__, "epochs": len(est.history_["loss"]),
        "shape": list(pred.shape), "rows": len(Xc), "labels_ok": bool(labels_ok),
        "same_after_pickle": bool(same), "proba_same_after_pickle": proba_same,
    })
import keras
report["backend"] = keras.backend.backend()
report["tensorflow_modules"] = sorted(
    m for m in sys.modules if m.partition(".")[0] == "tensorflow")
print(json.dumps(report))
"""


@pytest.mark.parametrize("backend", [
    pytest.param(b, marks=pytest.mark.skipif(
        b not in OTHER_BACKENDS, reason=f"{b} is an extra: pip install '.[{b}]'"))
    for b in ("jax", "torch")])
def test_every_estimator_fits_predicts_and_pickles_without_tensorflow(backend):
    run = _run(FIT_PREDICT_PICKLE, backend)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["backend"] == backend
    assert [e["name"] for e in report["estimators"]] == [
        "WeightedMultiOutputClassifier", "DynamicWeightClassifier",
        "DynamicWeightClassifier", "WeightedMixedOutputEstimator"]
    for e in report["estimators"]:
        assert e["epochs"] == 3, e
        assert e["shape"] == [e["rows"], 3], e
        assert e["labels_ok"] and e["same_after_pickle"], e
        assert e["proba_same_after_pickle"] in (None, True), e
    # Installed or not, TensorFlow is not what the fit runs on: never loaded.
    assert report["tensorflow_modules"] == []


_CACHED_TWIN = """
import json, sys
import numpy as np
from skweight import DynamicWeightClassifier, WeightedMultiOutputClassifier, _trainer
from skweight.datasets import load_penguins

X, Y = load_penguins(return_X_y=True)

def fit(Xs, Ys, make=WeightedMultiOutputClassifier, **params):
    est = make(epochs=3, batch_size=50, random_state=0,
               model__hidden_layer_sizes=(8,), **params)
    return est.fit(Xs, Ys)

halves = [(X.iloc[i::2], Y.iloc[i::2]) for i in (0, 1)]
fit(*halves[0])
runners = [r for key, r in _trainer._cache.items() if key[0] == "keras-fit"]
train_function = runners[0].twin.train_function
reused = fit(*halves[1])
same_twin = ([r for key, r in _trainer._cache.items() if key[0] == "keras-fit"]
             == runners and runners[0].twin.train_function is train_function)
_trainer._cache.clear()
fresh = fit(*halves[1])
dwa = dict(make=DynamicWeightClassifier, weighting="dwa")
fit(*halves[0], **dwa)
dynamic_reused = fit(*halves[1], **dwa)
dynamic_runners = sum(key[1] == "_WeightedTrainer" for key in _trainer._cache)
_trainer._cache.clear()
dynamic_fresh = fit(*halves[1], **dwa)
print(json.dumps({
    "dynamic_runners": dynamic_runners,
    "dynamic_same": dynamic_reused.history_ == dynamic_fresh.history_
    and dynamic_reused.loss_weights_history_.tolist()
    == dynamic_fresh.loss_weights_history_.tolist(),
    "runners": len(runners), "same_twin": same_twin,
    "same_history": reused.history_ == fresh.history_,
    "proba_gap": max(float(np.abs(a - b).max()) for a, b in zip(
        reused.predict_proba(X), fresh.predict_proba(X))),
    "tensorflow_modules": [m for m in sys.modules if m.split(".")[0] == "tensorflow"],
}))
"""


@pytest.mark.parametrize("backend", [
    pytest.param(b, marks=pytest.mark.skipif(
        b not in OTHER_BACKENDS, reason=f"{b} is an extra: pip install '.[{b}]'"))
    for b in ("jax", "torch")])
def test_a_second_fit_of_one_shape_trains_on_the_cached_twin(backend):
    """On JAX and PyTorch, Keras' fit runs on a twin cached per architecture
    (on JAX a new network's fit spends seconds compiling): the second fit of
    the same shape reuses it, on other data, and gives what a fit in an
    empty cache gives (shuffled batches drawn from the seed alone)."""
    run = _run(_CACHED_TWIN, backend)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["runners"] == 1 and report["same_twin"], report
    assert report["same_history"], report
    assert report["proba_gap"] < 1e-6, report
    # Dynamic weighting too: its trainer has a twin of its own.
    assert report["dynamic_runners"] == 1 and report["dynamic_same"], report
    assert report["tensorflow_modules"] == []


_ASK_FOR_AN_ESTIMATOR = """
import sys
{hide}
import skweight
try:
    skweight.WeightedMultiOutputClassifier
except ModuleNotFoundError as exc:
    print(type(exc).__name__, exc.name)
    print(exc)
"""


def test_a_missing_backend_names_the_extra_to_install():
    # Where TensorFlow is installed, hidden as a missing package is.
    hide = "sys.modules['tensorflow'] = None" if HAS_TENSORFLOW else ""
    run = _run(_ASK_FOR_AN_ESTIMATOR.format(hide=hide), "tensorflow")
    assert run.returncode == 0, run.stderr[-3000:]
    kind, message = run.stdout.split("\n", 1)
    assert kind == "ModuleNotFoundError tensorflow"
    assert "Keras' backend 'tensorflow' is not installed" in message
    assert 'pip install "skweight[tensorflow]"' in message
    if OTHER_BACKENDS:
        assert (f"Installed here: {', '.join(OTHER_BACKENDS)}; select it with "
                f"KERAS_BACKEND={OTHER_BACKENDS[0]}.") in message
    else:
        assert "Installed here" not in message


@pytest.mark.skipif("jax" in OTHER_BACKENDS, reason="JAX is installed here")
def test_a_missing_jax_names_its_extra():
    run = _run(_ASK_FOR_AN_ESTIMATOR.format(hide=""), "jax")
    assert run.returncode == 0, run.stderr[-3000:]
    kind, message = run.stdout.split("\n", 1)
    assert kind == "ModuleNotFoundError jax"
    assert 'pip install "skweight[jax]"' in message


_EARLY_STOPPING = """
import json, pickle
import numpy as np
from skweight import WeightedMultiOutputClassifier
from skweight._engine._early_stopping import validation_rows
from skweight.datasets import load_penguins

X, Y = load_penguins(return_X_y=True)
est = WeightedMultiOutputClassifier(
    epochs=60, early_stopping=True, n_iter_no_change=4, random_state=0,
    optimizer__learning_rate=0.03, model__hidden_layer_sizes=(16,)).fit(X, Y)
codes = [np.searchsorted(o.classes, np.asarray(Y[n]))
         for o, n in zip(est._outputs_.outputs, est.output_names_)]
_, val = validation_rows(codes, None, est._outputs_, 0.1, 0)
proba = est.predict_proba(X.iloc[val])
gaps = []
for k, name in enumerate(est.output_names_):
    c = codes[k][val]
    loss = float(np.mean(-np.log(np.clip(proba[k][np.arange(len(c)), c], 1e-7, 1))))
    gaps.append(abs(-loss - float(est.best_validation_score_[k])))
back = pickle.loads(pickle.dumps(est))
print(json.dumps({
    "best_epoch": est.best_epoch_.tolist(), "epochs": len(est.history_["loss"]),
    "gap": max(gaps),
    "pickle_gap": max(float(np.abs(a - b).max()) for a, b in zip(
        back.predict_proba(X), est.predict_proba(X))),
}))
"""


_REFIT = """
import json
import numpy as np
from skweight import WeightedMultiOutputClassifier
from skweight.datasets import load_penguins

X, Y = load_penguins(return_X_y=True)
tiny = dict(epochs=60, n_iter_no_change=4, random_state=0,
            optimizer__learning_rate=0.03, model__hidden_layer_sizes=(16,))
est = WeightedMultiOutputClassifier(early_stopping="refit", **tiny).fit(X, Y)
watched = WeightedMultiOutputClassifier(early_stopping=True, **tiny).fit(X, Y)
proba = est.predict_proba(X)
gaps = []
for epoch in sorted(set(est.best_epoch_.tolist())):
    plain = WeightedMultiOutputClassifier(**{**tiny, "epochs": epoch}).fit(X, Y)
    for k in np.flatnonzero(est.best_epoch_ == epoch):
        gaps.append(float(np.abs(proba[k] - plain.predict_proba(X)[k]).max()))
print(json.dumps({
    "best_epoch": est.best_epoch_.tolist(),
    "watched_best_epoch": watched.best_epoch_.tolist(),
    "epochs": len(est.history_["loss"]), "gap": max(gaps),
}))
"""


@pytest.mark.parametrize("backend", [
    pytest.param(b, marks=pytest.mark.skipif(
        b not in OTHER_BACKENDS, reason=f"{b} is an extra: pip install '.[{b}]'"))
    for b in ("jax", "torch")])
def test_refit_equals_plain_fits_of_each_outputs_best_epoch_count(backend):
    """On the Keras-fit twins too, early_stopping="refit" trains again on
    every row as a plain fit of the same seed does, and keeps each output at
    its own best epoch count."""
    run = _run(_REFIT, backend)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["best_epoch"] == report["watched_best_epoch"], report
    assert report["epochs"] == max(report["best_epoch"]), report
    assert len(set(report["best_epoch"])) > 1, report
    assert report["gap"] < 1e-5, report


@pytest.mark.parametrize("backend", [
    pytest.param(b, marks=pytest.mark.skipif(
        b not in OTHER_BACKENDS, reason=f"{b} is an extra: pip install '.[{b}]'"))
    for b in ("jax", "torch")])
def test_early_stopping_predicts_each_output_from_its_best_epoch(backend):
    """On the Keras-fit twins, the network is kept current between epochs
    for early stopping: each output's prediction scores, on the held-out
    rows, what its best epoch scored."""
    run = _run(_EARLY_STOPPING, backend)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["epochs"] == max(report["best_epoch"]) + 4, report
    assert len(set(report["best_epoch"])) > 1, report
    assert report["gap"] < 1e-5 and report["pickle_gap"] < 1e-6, report
