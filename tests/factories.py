"""Estimator factories shared by the reliability tests: every estimator of the
package, and the dynamic estimator once per weighting rule."""

import keras

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)


def _rule(name):
    def make(**params):
        return DynamicWeightClassifier(weighting=name, **params)

    make.__name__ = f"DynamicWeightClassifier_{name}"
    return make


CLASSIFIERS = [WeightedMultiOutputClassifier, DynamicWeightClassifier]
ALL_ESTIMATORS = [*CLASSIFIERS, WeightedMixedOutputEstimator]
# GradNorm is refused on JAX, with its reason (tests/test_dynamic.py).
_RULES = ("inverse_loss", "dwa", "uncertainty") + (
    () if keras.backend.backend() == "jax" else ("gradnorm",)
)
EVERY_RULE = [_rule(name) for name in _RULES]
