"""skweight.utils.expected_failed_checks: the declared check_estimator failures."""

import pytest
from sklearn.linear_model import LogisticRegression

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight.utils import expected_failed_checks

SAMPLE_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
}


@pytest.mark.parametrize("cls", [WeightedMultiOutputClassifier,
                                 DynamicWeightClassifier,
                                 WeightedMixedOutputEstimator])
def test_each_estimator_declares_its_failures_with_a_reason(cls):
    failures = expected_failed_checks(cls())
    assert set(failures) == SAMPLE_WEIGHT_CHECKS
    assert all("minibatch" in reason for reason in failures.values())


def test_a_subclass_inherits_and_may_not_modify_the_declaration():
    class Mine(WeightedMultiOutputClassifier):
        pass

    failures = expected_failed_checks(Mine())
    assert set(failures) == SAMPLE_WEIGHT_CHECKS
    failures.clear()
    assert set(expected_failed_checks(Mine())) == SAMPLE_WEIGHT_CHECKS


def test_other_estimators_declare_nothing():
    assert expected_failed_checks(LogisticRegression()) == {}
