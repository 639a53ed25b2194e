"""Estimator factories shared by the reliability tests: every estimator of the
package, and the dynamic estimator once per weighting rule."""

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
EVERY_RULE = [_rule(name) for name in ("inverse_loss", "dwa", "uncertainty",
                                        "gradnorm")]
