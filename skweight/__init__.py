"""skweight: class imbalance and multi-task weighting for Keras in scikit-learn.

The public names are loaded on first use (PEP 562): ``import skweight`` and
:func:`compute_output_sample_weight` need NumPy only, and Keras is imported
when an estimator is first asked for.
"""

import importlib

from skweight import _moved

__version__ = "0.1.0"

# Modules that moved into skweight._engine and skweight._targets stay
# importable under their old paths (pickles name them).
_moved.install()

# Public name -> the module that defines it.
_LAZY = {
    "ClassWeightStrategy": "skweight._targets._weights",
    "EffectiveNumber": "skweight._targets._weights",
    "InverseFrequency": "skweight._targets._weights",
    "compute_output_sample_weight": "skweight._targets._weights",
    "WeightedMultiOutputClassifier": "skweight._classifier",
    "WeightedMixedOutputEstimator": "skweight._mixed",
    "DynamicWeightClassifier": "skweight._dynamic",
}
# Modules that import Keras: its environment is set before the first one.
_KERAS_MODULES = {"skweight._classifier", "skweight._mixed", "skweight._dynamic"}
_SUBMODULES = {"datasets", "exceptions", "losses", "metrics", "model_selection",
               "weighting"}

__all__ = [
    "ClassWeightStrategy",
    "DynamicWeightClassifier",
    "EffectiveNumber",
    "InverseFrequency",
    "WeightedMixedOutputEstimator",
    "WeightedMultiOutputClassifier",
    "compute_output_sample_weight",
    "__version__",
]


def __getattr__(name):
    if name in _SUBMODULES:
        if name == "losses":
            _configure()
        return importlib.import_module(f"skweight.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skweight' has no attribute {name!r}")
    if module in _KERAS_MODULES:
        _configure()
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__, *_SUBMODULES})


def _configure():
    from skweight import _env

    _env.configure_logging()
