"""Model selection for multi-output networks: a stacked grid search, a splitter,
tuned per-output decisions.

:class:`WeightGridSearchCV` loads Keras; it is imported on first use (PEP 562),
so that the splitter and the decision tuner stay cheap to import.
"""

from skweight.model_selection._split import MultiOutputStratifiedKFold
from skweight.model_selection._thresholds import MultiOutputTunedThresholdClassifierCV

__all__ = [
    "MultiOutputStratifiedKFold",
    "MultiOutputTunedThresholdClassifierCV",
    "WeightGridSearchCV",
]


def __getattr__(name):
    if name == "WeightGridSearchCV":
        from skweight import _configure

        _configure()  # the Keras environment, before Keras is imported
        from skweight.model_selection._search import WeightGridSearchCV

        return WeightGridSearchCV
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
