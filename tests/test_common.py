"""scikit-learn's estimator checks on every estimator of the package.

``parametrize_with_checks`` runs, one test per check, what the README's line
runs: ``check_estimator(est, expected_failed_checks=expected_failed_checks(est))``.
"""

from sklearn.base import is_classifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight._engine._network import build_default_network
from skweight.utils import expected_failed_checks


def _tiny_network(meta):
    return build_default_network(meta, hidden_layer_sizes=(4,))


ESTIMATORS = [
    # 10 epochs instead of 100 keep the checks affordable and still pass the
    # accuracy checks (a routed model__* parameter would itself fail
    # check_no_attributes_set_in_init).
    WeightedMultiOutputClassifier(epochs=10, random_state=0),
    DynamicWeightClassifier(epochs=10, random_state=0),
    # Not a classifier: no accuracy check, so one eager full-batch epoch on a
    # tiny network tests its contract at little cost.
    WeightedMixedOutputEstimator(_tiny_network, epochs=1, batch_size=-1,
                                 run_eagerly=True, random_state=0),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_enough_checks_run():
    from sklearn.utils.estimator_checks import estimator_checks_generator

    for est in ESTIMATORS:
        checks = list(
            estimator_checks_generator(
                est, expected_failed_checks=expected_failed_checks(est)
            )
        )
        # The classifier checks run on the two classifiers only.
        assert len(checks) >= (60 if is_classifier(est) else 45), (
            type(est).__name__, len(checks))
