"""Shared test settings: estimator factories for the reliability tests (every
estimator of the package, the dynamic one once per weighting rule) and the
frozen-network parameters of the exact-loss tests."""

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


# A network that cannot move: SGD at learning rate 0, one full unshuffled batch,
# so the logged losses are those of the initial weights, exactly.
FROZEN = {
    "optimizer": "sgd",
    "optimizer__learning_rate": 0.0,
    "batch_size": -1,
    "epochs": 1,
    "shuffle": False,
    "random_state": 0,
    "model__hidden_layer_sizes": (8,),
}
