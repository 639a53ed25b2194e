"""What the per-output meta-estimators share: fitted output attributes, the
assembly of per-output predictions, subset-accuracy scoring, tags.

The meta-estimators (:mod:`skweight.calibration`,
:mod:`skweight.model_selection`) wrap a multi-output classifier and change its
probabilities or its decisions output by output.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, MetaEstimatorMixin
from sklearn.utils import _safe_indexing, get_tags, indexable
from sklearn.utils.validation import check_is_fitted

from skweight._docstrings import fill_doc
from skweight._targets._columns import (
    score_targets,
    split_target_columns,
    subset_accuracy,
)
from skweight._targets._views import final_step, is_multi_output
from skweight._typing import Features, SampleWeight, Targets

__all__ = ["MultiOutputMetaMixin", "subset_rows"]


def subset_rows(data, rows):
    """Rows of an array-like, a DataFrame, a Series or a sparse matrix."""
    return None if data is None else _safe_indexing(data, rows)


@fill_doc
class MultiOutputMetaMixin(ClassifierMixin, MetaEstimatorMixin):
    """Fitted output attributes, ``predict`` and ``score`` from per-output
    predictions (``self._predict_columns``), and tags that follow the inner
    estimator."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.target_tags.multi_output = inner.target_tags.multi_output
        if inner.classifier_tags is not None:
            tags.classifier_tags.multi_label = inner.classifier_tags.multi_label
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags

    def _set_output_attributes(self, estimator):
        """Copy the output attributes of a fitted inner estimator."""
        inner = final_step(estimator)
        self.classes_ = estimator.classes_
        self.n_outputs_ = (
            len(estimator.classes_) if is_multi_output(estimator) else 1
        )
        self.output_names_ = list(getattr(
            inner, "output_names_", [f"output_{k}" for k in range(self.n_outputs_)]
        ))
        self.n_features_in_ = estimator.n_features_in_
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_

    def _checked_targets(self, X, y):
        """Check the parameters and ``y`` before ``fit``; ``(X, y, targets)``."""
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        X, y = indexable(X, y)
        return X, y, split_target_columns(y)

    def _output_classes(self):
        return self.classes_ if is_multi_output(self) else [self.classes_]

    def predict(self, X: Features) -> np.ndarray:
        """Predicted labels, shape (n_samples,) or (n_samples, n_outputs).

        {{meta_samples}}
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted labels, one column per output; of dtype object when
            the outputs' labels are of different kinds.
        """
        check_is_fitted(self)
        columns = self._predict_columns(X)
        if not is_multi_output(self):
            return columns[0]
        kinds = {c.dtype.kind for c in columns}
        dtype = np.result_type(*columns) if len(kinds) == 1 else object
        out = np.empty((len(columns[0]), len(columns)), dtype=dtype)
        for k, col in enumerate(columns):
            out[:, k] = col
        return out

    def score(self, X: Features, y: Targets,
              sample_weight: SampleWeight = None) -> float:
        """Accuracy; subset accuracy (all outputs right) for multi-output ``y``.

        A missing label is not judged: a sample is right when the labels it has
        are, and a sample with no label is left out.

        {{subset_accuracy_score}}
        """
        truth, sample_weight = score_targets(self, X, y, sample_weight,
                                             fitted=None)
        return subset_accuracy(truth, self._predict_columns(X), sample_weight)
