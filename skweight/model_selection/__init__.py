"""Model selection for multi-output networks: a stacked grid search, a splitter."""

from skweight.model_selection._split import MultiOutputStratifiedKFold

__all__ = ["MultiOutputStratifiedKFold"]
