"""Utilities for checking skweight's estimators with scikit-learn's tools."""

from __future__ import annotations

from sklearn.base import BaseEstimator

__all__ = ["expected_failed_checks"]

_MINIBATCH = (
    "minibatch training by gradient descent: weighting a row is not the same as "
    "repeating it, nor a zero weight the same as removing the row (scikit-learn "
    "declares the same for SGDClassifier)"
)

_SAMPLE_WEIGHT_EQUIVALENCE = {
    "check_sample_weight_equivalence_on_dense_data": _MINIBATCH,
    "check_sample_weight_equivalence_on_sparse_data": _MINIBATCH,
}
# Estimator class name -> {check name: reason}; looked up along the MRO, so a
# user's subclass inherits its parent's entries.
_EXPECTED_FAILED_CHECKS = {
    "WeightedMultiOutputClassifier": _SAMPLE_WEIGHT_EQUIVALENCE,
    "DynamicWeightClassifier": _SAMPLE_WEIGHT_EQUIVALENCE,
    "WeightedMixedOutputEstimator": _SAMPLE_WEIGHT_EQUIVALENCE,
}


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The scikit-learn estimator checks an estimator is known to fail, and why.

    For ``expected_failed_checks=`` of
    :func:`sklearn.utils.estimator_checks.check_estimator` and
    :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`: the checks
    named here are reported as expected failures, and every other check must
    pass.

    Parameters
    ----------
    estimator : estimator instance
        A skweight estimator (or a subclass of one). Any other estimator has
        no declared failures.

    Returns
    -------
    dict
        ``{check name: reason}``.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.utils import expected_failed_checks
    >>> for check in sorted(expected_failed_checks(WeightedMultiOutputClassifier())):
    ...     print(check)
    check_sample_weight_equivalence_on_dense_data
    check_sample_weight_equivalence_on_sparse_data
    """
    for cls in type(estimator).__mro__:
        if cls.__module__.startswith("skweight") and (
            cls.__name__ in _EXPECTED_FAILED_CHECKS
        ):
            return dict(_EXPECTED_FAILED_CHECKS[cls.__name__])
    return {}
