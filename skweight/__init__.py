"""skweight: class imbalance and multi-task weighting for Keras in scikit-learn."""

from skweight import _env

_env.configure_logging()  # before the first Keras import

from skweight import (  # noqa: E402
    _scikeras_compat,  # noqa: F401  (mends scikeras first)
    losses,  # noqa: F401  (registers the losses with Keras)
)
from skweight._dynamic import DynamicWeightClassifier  # noqa: E402
from skweight._estimators import WeightedMultiOutputClassifier  # noqa: E402
from skweight._mixed import WeightedMixedOutputEstimator  # noqa: E402
from skweight._weights import (  # noqa: E402
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
