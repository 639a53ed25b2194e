"""A first run is quiet: no TensorFlow start-up line, no retracing warning."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skweight import WeightedMultiOutputClassifier, _backend, _env

ROOT = Path(__file__).parent.parent

# Enough fits of fresh networks for TensorFlow's retracing warning to fire
# (5 traces of one function within 10 calls): the demo's 2 splits x 3 methods,
# then a 3-fold cross-validation; then a search in two worker processes.
SCRIPT = """
from sklearn.model_selection import KFold, cross_val_score

from skweight import WeightedMultiOutputClassifier
from skweight.__main__ import main
from skweight.datasets import load_penguins
from skweight.metrics import output_scorer

main(["--dataset", "penguins", "--splits", "2", "--epochs", "1"])
X, Y = load_penguins(return_X_y=True)
clf = WeightedMultiOutputClassifier(
    class_weight="balanced", epochs=1, model__hidden_layer_sizes=(8,), random_state=0
)
cv = KFold(3, shuffle=True, random_state=0)
print(cross_val_score(clf, X, Y, cv=cv, scoring=output_scorer("accuracy", "island")))
# Worker processes (loky) load skweight's modules by unpickling, not through
# its lazy names: they start TensorFlow quietly too.
from skweight.model_selection import WeightGridSearchCV

WeightGridSearchCV(clf, {"epochs": [1, 2]}, cv=2, n_jobs=2).fit(X, Y)
"""

ABSL_LINES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written "
    "to STDERR\n"
    "I0000 00:00:1796220693.222444    5361 port.cc:153] oneDNN custom operations "
    "are on. You may see slightly different numerical results.\n"
    "I0000 00:00:1796220693.258004    5361 cpu_feature_guard.cc:227] This "
    "TensorFlow binary is optimized to use available CPU instructions.\n"
    "To enable the following instructions: AVX2 FMA, in other operations.\n"
    "W0000 00:00:1796220693.300000    5361 some_op.cc:12] a warning\n"
    "E0000 00:00:1796220693.300001    5361 some_op.cc:13] an error\n"
)


def test_demo_and_cross_validation_print_nothing_on_stderr():
    # As a user would run it: no TensorFlow log level of their own.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT),
                                                      env.get("PYTHONPATH")]))
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stderr
    assert "Balanced accuracy" in run.stdout
    assert run.stderr == ""


@pytest.mark.parametrize("level, kept", [
    (0, ABSL_LINES),
    (1, "W0000 00:00:1796220693.300000    5361 some_op.cc:12] a warning\n"
        "E0000 00:00:1796220693.300001    5361 some_op.cc:13] an error\n"),
    (2, "E0000 00:00:1796220693.300001    5361 some_op.cc:13] an error\n"),
    (3, ""),
])
def test_import_lines_follow_tensorflow_log_level(level, kept):
    assert _env._kept_lines(ABSL_LINES, level) == kept


def test_python_warnings_written_during_import_are_kept():
    warning = "/x/y.py:3: DeprecationWarning: old\n  import z\n"
    assert _env._kept_lines(warning + ABSL_LINES + warning, 3) == warning + warning


def _record(message):
    return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, message,
                             None, None)


def test_only_keras_step_retracing_warnings_are_dropped():
    keep = _env._KerasStepRetracingFilter().filter
    assert not keep(_record(
        "5 out of the last 9 calls to <function TensorFlowTrainer._make_function."
        "<locals>.multi_step_on_iterator at 0x7f2e57b3d260> triggered tf.function "
        "retracing. Tracing is expensive"))
    assert keep(_record(
        "5 out of the last 5 calls to <function my_step at 0x7f2e57b3d260> "
        "triggered tf.function retracing. Tracing is expensive"))
    assert keep(_record("<function TensorFlowTrainer.fit at 0x1>: other news"))


def test_configure_logging_keeps_the_users_level(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    _env.configure_logging()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert sum(isinstance(f, _env._KerasStepRetracingFilter)
               for f in logging.getLogger("tensorflow").filters) == 1


@pytest.mark.skipif(not _backend.is_tensorflow(), reason="TensorFlow's forward")
def test_forward_computes_what_a_traced_model_call_computes(penguins_small):
    import tensorflow as tf

    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(model__hidden_layer_sizes=(8,), epochs=1,
                                        random_state=0).fit(X, Y)
    x = X.to_numpy(dtype=np.float32)
    traced = tf.function(lambda v: clf.model_(v, training=False))
    forward = _backend.make_forward(clf.model_, x.shape[1:])
    for batch in (x, x[:1], x[:7]):
        for got, expected in zip(forward(batch), traced(batch), strict=True):
            np.testing.assert_array_equal(got, expected.numpy())
