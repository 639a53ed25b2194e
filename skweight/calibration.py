"""Per-output probability calibration.

Class weights buy balanced decisions at the price of bent probabilities: a
network trained with weight ``w_c`` on class ``c`` minimises a weighted
cross-entropy whose optimum is ``q_c(x) = w_c p_c(x) / sum_j w_j p_j(x)``, not
the class probability ``p_c(x)``. :class:`CalibratedMultiOutputClassifier`
gives each output honest probabilities again, either analytically (undo the
weights) or with scikit-learn's own calibrators, output by output.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted

from skweight._docstrings import fill_doc
from skweight._meta import MultiOutputMetaMixin, subset_rows
from skweight._targets._columns import present_labels
from skweight._targets._views import _OutputView, final_step, is_multi_output
from skweight._targets._weights import check_output_sample_weight
from skweight._typing import CVLike, Features, SampleWeight, Targets
from skweight._validation import CheckedParams, SklearnConstraints
from skweight.model_selection._split import default_cv

__all__ = ["CalibratedMultiOutputClassifier"]


def _codes(column, classes, name):
    """Labels as class codes. scikit-learn 1.9's temperature scaling takes
    integer labels for codes (labels 1..k are fitted off by one), so every
    calibrator is fed codes, and the view's classes are codes too."""
    column = np.asarray(column)
    unknown = ~np.isin(column, classes)
    if unknown.any():
        raise ValueError(
            f"y column {name!r} has labels the estimator was not trained on: "
            f"{np.unique(column[unknown]).tolist()}. Expected labels among "
            f"{classes.tolist()}."
        )
    return np.searchsorted(classes, column)


def _logit_adjustments(estimator):
    """Per output, ``prior ** tau`` of a logit-adjusted loss, else None."""
    from skweight._targets._multilabel import PackedLogitAdjustedCrossentropy
    from skweight.losses import LogitAdjustedCrossentropy

    n_outputs = len(estimator.output_names_)
    # The losses the network was compiled with, whichever way they were given.
    loss = getattr(estimator.model_, "loss", None)
    if isinstance(loss, PackedLogitAdjustedCrossentropy):
        # The packed multilabel layout: one loss, one prior per label.
        return [np.asarray(prior) ** loss.tau for prior in loss.priors]
    losses = list(loss) if isinstance(loss, (list, tuple)) else [loss] * n_outputs
    if len(losses) != n_outputs:  # the packed multilabel layout: one loss
        losses = [None] * n_outputs
    return [
        np.asarray(term.prior) ** term.tau
        if isinstance(term, LogitAdjustedCrossentropy) else None
        for term in losses
    ]


# ``fit`` returns the estimator itself, typed as the caller's own class.
_Self = TypeVar("_Self", bound="CalibratedMultiOutputClassifier")


@fill_doc
class CalibratedMultiOutputClassifier(CheckedParams, MultiOutputMetaMixin,
                                      BaseEstimator):
    """Honest class probabilities for every output of a multi-output classifier.

    ``method="prior"`` removes the class weights that training used, with no
    data: for an output trained with per-class weights ``w_c`` (the estimator's
    ``class_weight_``), the network's probabilities ``q_c`` estimate
    ``w_c p_c / sum_j w_j p_j``, so ``p_c`` is ``q_c / w_c``, renormalised. A
    sigmoid output is corrected the same way on its two classes. An output
    trained with :class:`~skweight.losses.LogitAdjustedCrossentropy` predicts
    ``p_c / prior_c ** tau`` (up to normalisation); ``"prior"`` multiplies
    that back. Sample weights given to the estimator's ``fit`` are not known
    to it and not undone.

    ``"temperature"``, ``"sigmoid"`` and ``"isotonic"`` fit scikit-learn's
    :class:`~sklearn.calibration.CalibratedClassifierCV` on each output, on
    data the network did not train on, following scikit-learn's conventions:

    - ``estimator`` wrapped in :class:`~sklearn.frozen.FrozenEstimator` (a
      fitted model): ``fit(X, y)`` calibrates on ``(X, y)``, which must be held
      out from the model's training data;
    - an unfitted ``estimator``: for each split of ``cv``, a clone is trained on
      the training part and each output is calibrated on the test part; the
      probabilities are the mean over the splits (scikit-learn's
      ``ensemble=True``). Each network serves all outputs, so ``cv`` splits
      train ``cv`` networks, not ``cv * n_outputs``.

    Decisions follow the calibrated probabilities (``predict`` is their
    argmax), as in scikit-learn: after ``"prior"`` they are the accuracy-seeking
    decisions of an unweighted model. Keep the weighted estimator's ``predict``
    for balanced decisions, or tune them with
    :class:`~skweight.model_selection.MultiOutputTunedThresholdClassifierCV`.

    Parameters
    ----------
    estimator : estimator object
        A multi-output classifier with ``predict_proba`` (a skweight estimator,
        or a pipeline ending in one), unfitted, or fitted and wrapped in
        :class:`~sklearn.frozen.FrozenEstimator`. ``"prior"`` needs the fitted
        ``class_weight_`` of a skweight estimator; an unfitted one is fitted on
        all of ``(X, y)``.
    method : {"prior", "temperature", "sigmoid", "isotonic"}, default="prior"
        The correction, applied to each output alone.
    cv : int, cross-validation generator, iterable or None, default=None
        The splits of an unfitted ``estimator`` for the data-driven methods, as
        in :class:`~sklearn.calibration.CalibratedClassifierCV` (``None`` is 5
        folds). An int stratifies: ``StratifiedKFold`` for one-dimensional
        ``y``, :class:`~skweight.model_selection.MultiOutputStratifiedKFold`
        (every output's classes, missing labels left out) for multi-output
        ``y``, where scikit-learn's ``check_cv`` would give unshuffled
        ``KFold``. Not used by ``"prior"`` or a ``FrozenEstimator``.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted inner estimator (``"prior"``, or a ``FrozenEstimator``).
    calibrated_classifiers_ : list of list of CalibratedClassifierCV
        One list per split (one for a ``FrozenEstimator``), holding one
        calibrator per output; empty for ``"prior"``.
    prior_correction_ : list of (ndarray or None)
        For ``"prior"``: per output, the factors each class's probability is
        multiplied by before renormalising, in ``classes_`` order: ``1 / w_c``
        for class weights, times ``prior_c ** tau`` for a
        :class:`~skweight.losses.LogitAdjustedCrossentropy` loss (``None``:
        nothing to undo).
    classes_ : ndarray or list of ndarray
        The classes of each output.
    {{meta_fitted_attributes}}

    See Also
    --------
    sklearn.calibration.CalibratedClassifierCV : The single-output calibrator
        used per output.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.model_selection import train_test_split
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.calibration import CalibratedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> X, Y = load_penguins(return_X_y=True)
    >>> X_train, X_cal, Y_train, Y_cal = train_test_split(X, Y, random_state=0)
    >>> clf = WeightedMultiOutputClassifier(
    ...     class_weight="balanced", epochs=3, random_state=0
    ... ).fit(X_train, Y_train)
    >>> honest = CalibratedMultiOutputClassifier(FrozenEstimator(clf)).fit(
    ...     X_cal, Y_cal)
    >>> [p.shape for p in honest.predict_proba(X_cal[:2])]
    [(2, 3), (2, 3), (2, 2)]
    >>> temp = CalibratedMultiOutputClassifier(
    ...     FrozenEstimator(clf), method="temperature").fit(X_cal, Y_cal)
    >>> temp.predict(X_cal[:2]).shape
    (2, 3)
    """

    _parameter_checks = {
        "estimator": SklearnConstraints([HasMethods(["fit", "predict_proba"])]),
        "method": SklearnConstraints(
            [StrOptions({"prior", "temperature", "sigmoid", "isotonic"})]),
        "cv": SklearnConstraints(["cv_object"]),
    }

    def __init__(self, estimator: Any, *, method: str = "prior",
                 cv: CVLike = None) -> None:
        self.estimator = estimator
        self.method = method
        self.cv = cv

    def fit(self: _Self, X: Features, y: Targets,
            sample_weight: SampleWeight = None) -> _Self:
        """Fit the estimator if it is not frozen, then each output's correction.

        Parameters
        ----------
        {{meta_fit_data}}
            Passed to the estimator's ``fit`` and, output by output, to the
            calibrators.

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y, targets = self._checked_targets(X, y)
        # One column per output, for the calibrators; the estimator gets the
        # caller's array.
        sw_columns = check_output_sample_weight(
            sample_weight, targets.n_samples, targets.n_outputs, names=targets.names)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        frozen = isinstance(self.estimator, FrozenEstimator)
        if frozen:
            check_is_fitted(self.estimator.estimator)
        fit_kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        if self.method == "prior":
            est = self.estimator if frozen else clone(self.estimator).fit(
                X, y, **fit_kwargs)
            corrections = self._corrections(est)
            self._set_output_attributes(est)
            self.estimator_, self.prior_correction_ = est, corrections
            self.calibrated_classifiers_ = []
            return self
        if frozen:
            fitted = [(self.estimator, np.arange(targets.n_samples))]
        else:
            # Stratified: on y's classes for 1-D y, on every output's classes
            # (missing labels left out) for multi-output y.
            cv = default_cv(self.cv, y)
            fitted = []
            for train, test in cv.split(X, y):
                sw = subset_rows(sample_weight, train)
                est = clone(self.estimator).fit(
                    subset_rows(X, train), subset_rows(y, train),
                    **({} if sw is None else {"sample_weight": sw}))
                fitted.append((est, test))
        calibrated = [
            [self._calibrate_output(est, rows, k, X, targets, sw_columns)
             for k in range(targets.n_outputs)]
            for est, rows in fitted
        ]
        self._set_output_attributes(fitted[0][0])
        if frozen:
            self.estimator_ = self.estimator
        self.calibrated_classifiers_ = calibrated
        return self

    def _calibrate_output(self, est, rows, k, X, targets, sw_columns):
        """Output ``k``'s calibrator of the fitted ``est``, on ``rows``."""
        classes = est.classes_ if is_multi_output(est) else [est.classes_]
        # Each output calibrates on the rows that have its label.
        labelled = rows[present_labels(targets.columns[k][rows])]
        # One split holding every row: for a frozen model, scikit-learn's
        # folds would only cut its predictions in pieces (and refuse
        # classes with fewer members than folds).
        whole = [(np.arange(len(labelled)), np.arange(len(labelled)))]
        calibrator = CalibratedClassifierCV(
            FrozenEstimator(_OutputView(est, k, encoded=True)),
            method=self.method, cv=whole,
        )
        with warnings.catch_warnings():
            # That the frozen model ignores sample weights is the point.
            warnings.filterwarnings(
                "ignore", "Since FrozenEstimator does not appear to accept",
                UserWarning)
            calibrator.fit(
                subset_rows(X, labelled),
                _codes(targets.columns[k][labelled], classes[k], targets.names[k]),
                sample_weight=None if sw_columns is None
                else sw_columns[labelled, k])
        return calibrator

    def _corrections(self, estimator):
        """Per output, the factors that turn the network's probabilities into
        honest ones (up to normalisation), in ``classes_`` order."""
        inner = final_step(estimator)
        if not hasattr(inner, "class_weight_"):
            raise TypeError(
                "method='prior' undoes the fitted class_weight_ of a skweight "
                f"estimator. Got {type(inner).__name__}, which has none; use "
                "method='temperature', 'sigmoid' or 'isotonic' instead."
            )
        multi = is_multi_output(estimator)
        entries = inner.class_weight_ if multi else [inner.class_weight_]
        classes = estimator.classes_ if multi else [estimator.classes_]
        adjustments = _logit_adjustments(inner)
        corrections = []
        for entry, cls, name, adjust in zip(entries, classes, inner.output_names_,
                                            adjustments, strict=True):
            factor = adjust
            if entry is not None:
                w = np.array([entry[c] for c in cls.tolist()], dtype=np.float64)
                if np.any(w <= 0):
                    raise ValueError(
                        f"method='prior' cannot undo a class weight of 0 (output "
                        f"{name!r}: the network never learnt those classes). Got "
                        f"{dict(zip(cls.tolist(), w.tolist(), strict=True))} "
                        "instead."
                    )
                factor = 1.0 / w if factor is None else factor / w
            corrections.append(factor)
        return corrections

    def predict_proba(self, X: Features) -> np.ndarray | list[np.ndarray]:
        """Calibrated class probabilities.

        {{meta_predict_proba}}
        """
        check_is_fitted(self)
        probas = self._output_probas(X)
        return probas if is_multi_output(self) else probas[0]

    def _output_probas(self, X):
        if self.method == "prior":
            raw = self.estimator_.predict_proba(X)
            raw = raw if is_multi_output(self) else [raw]
            out = []
            for p, factor in zip(raw, self.prior_correction_, strict=True):
                p = np.asarray(p, dtype=np.float64)
                if factor is not None:
                    p = p * factor
                    p /= p.sum(axis=1, keepdims=True)
                out.append(p)
            return out
        n_splits = len(self.calibrated_classifiers_)
        return [
            sum(split[k].predict_proba(X) for split in self.calibrated_classifiers_)
            / n_splits
            for k in range(self.n_outputs_)
        ]

    def _predict_columns(self, X):
        return [
            classes[np.argmax(p, axis=1)]
            for classes, p in zip(self._output_classes(), self._output_probas(X),
                                  strict=True)
        ]
