"""scikit-learn's estimator checks, with the failures skweight declares.

``parametrize_with_checks`` runs, one test per check, what the README's line
runs: ``check_estimator(est, expected_failed_checks=expected_failed_checks(est))``
for each of the three estimators.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight.utils import expected_failed_checks

# 20 epochs (default 100) keep the checks' small fits cheap; 5 are too few for
# check_class_weight_classifiers and check_classifiers_train to learn.
ESTIMATORS = [
    WeightedMultiOutputClassifier(epochs=20),
    DynamicWeightClassifier(epochs=20),
    WeightedMixedOutputEstimator(epochs=20),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_at_least_60_checks_run():
    from sklearn.utils.estimator_checks import estimator_checks_generator

    for est in ESTIMATORS:
        checks = list(estimator_checks_generator(
            est, expected_failed_checks=expected_failed_checks(est)
        ))
        assert len(checks) >= 60, len(checks)
