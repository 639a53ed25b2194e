"""One output of a fitted multi-output estimator, seen as a single-output one.

scikit-learn's scorers, calibrators and threshold tuners take single-output
estimators; these views let them work on one output of a fitted multi-output
estimator without refitting it (wrap a view in
:class:`~sklearn.frozen.FrozenEstimator` where a fit would be attempted).
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

__all__ = ["_OutputView", "_RegressionOutputView", "final_step", "is_multi_output"]


def final_step(estimator):
    """The estimator holding the fitted output attributes: the last step of a
    pipeline, the inner estimator of a ``FrozenEstimator``."""
    while True:
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        elif type(estimator).__name__ == "FrozenEstimator":
            estimator = estimator.estimator
        else:
            return estimator


def is_multi_output(estimator):
    """Whether a fitted classifier's ``predict_proba`` gives one array per output."""
    # scikit-learn's multi-output classifiers and skweight's keep one classes_
    # array per output in a list.
    return isinstance(estimator.classes_, list)


class _OutputView(ClassifierMixin, BaseEstimator):
    """A fitted multi-output classifier seen as a classifier of one output.

    With ``encoded=True`` its classes are the codes ``0 .. n_classes - 1`` (in
    the order of the estimator's classes), for tools that must be fed encoded
    labels.
    """

    def __init__(self, estimator, index, encoded=False):
        self.estimator = estimator
        self.index = index
        self.encoded = encoded

    def fit(self, X, y=None):
        # scikit-learn recognises estimators by their fit; a view is fitted as
        # its estimator is, and is used frozen.
        raise TypeError(
            "A per-output view of a fitted estimator cannot be fitted; wrap it in "
            "sklearn.frozen.FrozenEstimator."
        )

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        est = self.estimator
        classes = est.classes_[self.index] if is_multi_output(est) else est.classes_
        return np.arange(len(classes)) if self.encoded else classes

    def _pick(self, values):
        return values[self.index] if is_multi_output(self.estimator) else values

    def predict(self, X):
        if self.encoded:
            return np.argmax(self.predict_proba(X), axis=1)
        return _predict_output(self.estimator, X, self.index)

    def predict_proba(self, X):
        return self._pick(self.estimator.predict_proba(X))


class _RegressionOutputView(RegressorMixin, BaseEstimator):
    """A fitted mixed-output estimator seen as a regressor of one output."""

    def __init__(self, estimator, index):
        self.estimator = estimator
        self.index = index

    def predict(self, X):
        return _predict_output(self.estimator, X, self.index)


def _predict_output(estimator, X, index):
    """Output ``index`` of the public ``predict``, in that output's own dtype.

    A column of ``predict``'s array is object when the outputs' kinds differ
    (labels beside floats), which metrics refuse: it is cast back to the
    output's classes' dtype (floats for a regression output).
    """
    predicted = estimator.predict(X)
    n_dims = getattr(estimator, "y_ndim_", 2 if is_multi_output(estimator) else 1)
    if n_dims == 1:
        return np.asarray(predicted)
    column = (predicted.iloc[:, index] if hasattr(predicted, "iloc")
              else np.asarray(predicted)[:, index])
    column = np.asarray(column)
    types = getattr(estimator, "output_types_", None)
    if types is not None and types[index] == "regression":
        return column.astype(np.float64)
    return column.astype(estimator.classes_[index].dtype)
