"""The public modules type-check with mypy, and skweight ships py.typed."""

import inspect
from pathlib import Path

import pytest

import skweight
import skweight.calibration
import skweight.datasets
import skweight.ensemble
import skweight.metrics
import skweight.model_selection
import skweight.weighting

ROOT = Path(__file__).resolve().parent.parent
# The modules mypy checks (the engine's private helpers are reached through
# them, with errors reported only here: follow_imports = "silent" in pyproject).
CHECKED = [
    "skweight/__init__.py",
    "skweight/_typing.py",
    "skweight/_engine/_base.py",
    "skweight/_classifier.py",
    "skweight/_mixed.py",
    "skweight/_dynamic.py",
    "skweight/_meta.py",
    "skweight/calibration.py",
    "skweight/ensemble.py",
    "skweight/utils.py",
    "skweight/model_selection",
    "skweight/_targets/_weights.py",
    "skweight/_report.py",
    "skweight/metrics.py",
    "skweight/weighting.py",
    "skweight/losses.py",
    "skweight/exceptions.py",
    "skweight/datasets",
]


def test_public_modules_type_check(tmp_path):
    mypy_api = pytest.importorskip("mypy.api")
    out, err, status = mypy_api.run([
        "--config-file", str(ROOT / "pyproject.toml"),
        "--cache-dir", str(ROOT / ".mypy_cache"),
        *(str(ROOT / path) for path in CHECKED),
    ])
    assert status == 0, out + err


@pytest.mark.parametrize("module", [skweight, skweight.metrics, skweight.datasets])
def test_public_functions_are_annotated(module):
    functions = [getattr(module, n) for n in module.__all__
                 if inspect.isfunction(getattr(module, n))]
    assert functions
    for func in functions:
        sig = inspect.signature(func)
        missing = [p for p, v in sig.parameters.items()
                   if v.annotation is inspect.Parameter.empty]
        assert not missing, f"{func.__name__}: {missing} not annotated"
        assert sig.return_annotation is not inspect.Signature.empty, func.__name__


PUBLIC_METHODS = ["__init__", "fit", "initialize", "predict", "predict_proba",
                  "score", "split", "get_n_splits"]


@pytest.mark.parametrize("cls", [
    skweight.WeightedMultiOutputClassifier,
    skweight.WeightedMixedOutputEstimator,
    skweight.DynamicWeightClassifier,
    skweight.calibration.CalibratedMultiOutputClassifier,
    skweight.ensemble.SeedEnsembleClassifier,
    skweight.model_selection.WeightGridSearchCV,
    skweight.model_selection.MultiOutputStratifiedKFold,
    skweight.model_selection.MultiOutputTunedThresholdClassifierCV,
    skweight.weighting.DWA,
    skweight.weighting.GradNorm,
], ids=lambda cls: cls.__name__)
def test_public_methods_are_annotated(cls):
    # Only skweight's own methods: those inherited from scikit-learn or
    # scikeras are theirs to annotate.
    methods = [getattr(cls, name) for name in PUBLIC_METHODS
               if getattr(getattr(cls, name, None), "__module__", "")
               .startswith("skweight")]
    assert methods
    for method in methods:
        sig = inspect.signature(method)
        missing = [p for p, v in sig.parameters.items()
                   if p != "self" and v.annotation is inspect.Parameter.empty]
        assert not missing, f"{cls.__name__}.{method.__name__}: {missing}"
        assert sig.return_annotation is not inspect.Signature.empty, method


def test_py_typed_is_shipped():
    assert (Path(skweight.__file__).parent / "py.typed").is_file()
    assert 'skweight = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()
