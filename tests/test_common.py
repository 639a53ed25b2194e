"""scikit-learn's estimator checks on the default-constructed estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import WeightedMultiOutputClassifier

# A network trained by minibatch SGD is not equivalent to one trained on
# repeated or removed rows: scikit-learn declares the same two for SGDClassifier.
_SGD_LIKE = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch training: weighting a row is not the same as repeating it"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "minibatch training: weighting a row is not the same as repeating it"
    ),
}

ESTIMATORS = [WeightedMultiOutputClassifier()]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: _SGD_LIKE)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_at_least_60_checks_run():
    from sklearn.utils.estimator_checks import estimator_checks_generator

    for est in ESTIMATORS:
        checks = list(
            estimator_checks_generator(est, expected_failed_checks=_SGD_LIKE)
        )
        assert len(checks) >= 60, len(checks)
