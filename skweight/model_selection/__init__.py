"""Model selection for multi-output estimators: tuned per-output decisions."""

from skweight.model_selection._thresholds import MultiOutputTunedThresholdClassifierCV

__all__ = ["MultiOutputTunedThresholdClassifierCV"]
