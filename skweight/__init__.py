"""skweight: class imbalance and multi-task weighting for Keras in scikit-learn."""

from skweight import (
    _scikeras_compat,  # noqa: F401  (mends scikeras first)
    losses,  # noqa: F401  (registers the losses with Keras)
)
from skweight._dynamic import DynamicWeightClassifier
from skweight._estimators import WeightedMultiOutputClassifier
from skweight._mixed import WeightedMixedOutputEstimator
from skweight._weights import (
    ClassWeightStrategy,
    EffectiveNumber,
    InverseFrequency,
    compute_output_sample_weight,
)

__version__ = "0.1.0"

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
