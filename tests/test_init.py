"""``import skweight`` and the NumPy weight code load no Keras (PEP 562)."""

import subprocess
import sys


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_weights_without_keras():
    code = (
        "import skweight, sys\n"
        "w = skweight.compute_output_sample_weight('balanced', [[0, 1], [1, 1]])\n"
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules\n"
        "print(w.shape)"
    )
    assert _run(code) == "(2, 2)"


def test_estimators_load_on_first_use():
    code = (
        "import os, skweight, sys\n"
        "os.environ.pop('TF_CPP_MIN_LOG_LEVEL', None)\n"
        "cls = skweight.WeightedMultiOutputClassifier\n"
        "print(cls.__module__, 'keras' in sys.modules,"
        " os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    )
    assert _run(code) == "skweight._classifier True 1"


def test_unknown_name():
    import pytest

    import skweight

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skweight.nope  # noqa: B018
    assert set(skweight.__all__) <= set(dir(skweight))
