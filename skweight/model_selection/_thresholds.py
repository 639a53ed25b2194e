"""Per-output decision rules tuned by cross-validation.

scikit-learn's :class:`~sklearn.model_selection.TunedThresholdClassifierCV`
tunes the threshold of one binary output. Here a multi-output network is
trained once per split, its out-of-fold probabilities are kept for every
output, and each output's rule is tuned on them with scikit-learn's own tools:
``TunedThresholdClassifierCV`` for a binary output, ``GridSearchCV`` over the
logit-adjustment strength ``tau`` for a multiclass one. Both see the same
splits as the network, through a classifier whose input is the out-of-fold
probabilities themselves.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import (
    GridSearchCV,
    PredefinedSplit,
    ShuffleSplit,
    StratifiedShuffleSplit,
    TunedThresholdClassifierCV,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skweight._docstrings import fill_doc
from skweight._meta import MultiOutputMetaMixin, subset_rows
from skweight._targets._columns import (
    present_labels,
    unbox_labels,
)
from skweight._targets._views import is_multi_output
from skweight._typing import CVLike, Features, RandomStateLike, Scoring, Targets
from skweight._validation import CheckedParams, SklearnConstraints
from skweight.model_selection._split import default_cv

__all__ = ["MultiOutputTunedThresholdClassifierCV"]

# Logit-adjustment strengths tried for a multiclass output: 0 is the plain
# argmax, 1 the balanced rule of Menon et al. (2021), 2 over-corrects.
TAU_GRID = np.round(np.linspace(0.0, 2.0, 21), 2)
# Decision thresholds tried per split for a binary output (scikit-learn's
# TunedThresholdClassifierCV default).
N_THRESHOLDS = 100


class _Probabilities(ClassifierMixin, BaseEstimator):
    """A classifier whose input is its own class probabilities.

    Fed out-of-fold probabilities, it lets scikit-learn's threshold tuner and
    grid search score decision rules with the usual scorers, without
    retraining any network.
    """

    def __init__(self, classes):
        self.classes = classes

    def fit(self, P, y):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict_proba(self, P):
        return P

    def predict(self, P):
        return self.classes_[np.argmax(P, axis=1)]


class _LogitAdjustedRule(_Probabilities):
    """Decide ``argmax_c p_c / prior_c ** tau``, with priors from ``fit``'s ``y``."""

    def __init__(self, classes, tau=1.0):
        super().__init__(classes)
        self.tau = tau

    def fit(self, P, y):
        super().fit(P, y)
        self.prior_ = _priors(y, self.classes_)
        return self

    def predict(self, P):
        return _adjusted_labels(P, self.classes_, self.prior_, self.tau)


def _priors(y, classes):
    """Class frequencies of ``y``; an absent class counts as one sample."""
    counts = np.array([(np.asarray(y) == c).sum() for c in classes], float)
    counts = np.maximum(counts, 1.0)
    return counts / counts.sum()


def _adjusted_labels(P, classes, prior, tau):
    log_p = np.log(np.clip(P, np.finfo(np.float64).tiny, None))
    return classes[np.argmax(log_p - tau * np.log(prior), axis=1)]


def _aligned(proba, fold_classes, classes):
    """Probabilities over ``classes`` (0 for a class the fold never saw)."""
    out = np.zeros((len(proba), len(classes)))
    out[:, np.searchsorted(classes, fold_classes)] = proba
    return out


# ``fit`` returns the estimator itself, typed as the caller's own class.
_Self = TypeVar("_Self", bound="MultiOutputTunedThresholdClassifierCV")


@fill_doc
class MultiOutputTunedThresholdClassifierCV(CheckedParams, MultiOutputMetaMixin,
                                            BaseEstimator):
    """Per-output decision rules tuned by cross-validation.

    A binary output gets a decision threshold on the probability of its
    second class (``classes_[k][1]`` when ``p >= thresholds_[k]``); a
    multiclass output gets a logit-adjustment strength ``tau_[k]``: it
    predicts ``argmax_c p_c / prior_c ** tau``, with ``prior_c`` the class's
    frequency in the training data (``tau = 0`` is the plain argmax, ``tau =
    1`` the rule that maximises balanced accuracy when the probabilities are
    right; Menon et al., ICLR 2021). Each rule maximises its output's
    cross-validated score.

    The network is trained once per split of ``cv`` (not once per output);
    each output's rule is then tuned on the out-of-fold probabilities of all
    splits, with :class:`~sklearn.model_selection.TunedThresholdClassifierCV`
    (binary outputs, 100 thresholds per split, curves averaged over the
    splits) or :class:`~sklearn.model_selection.GridSearchCV` over ``tau`` in
    0, 0.1, ..., 2 (multiclass outputs; ties go to the smaller ``tau``).

    Probabilities are the estimator's, unchanged: ``predict_proba`` is that of
    ``estimator_``. To make them honest after class weights as well, tune on
    a :class:`~skweight.calibration.CalibratedMultiOutputClassifier`.

    Parameters
    ----------
    estimator : estimator object
        A multi-output classifier with ``predict_proba`` (a skweight estimator,
        or a pipeline ending in one).
    scoring : str, callable, list or dict, default="balanced_accuracy"
        The score each output's rule maximises: a scorer name or a scorer
        callable ``scorer(estimator, X, y)`` for every output, a list with one
        per output, or a dict ``{output_name: scoring}`` (outputs not named use
        ``"balanced_accuracy"``).
    cv : int, float, cross-validation generator, iterable or "prefit", default=5
        The splits, as in ``TunedThresholdClassifierCV``: an int is that many
        stratified folds (``StratifiedKFold`` for one-dimensional ``y``,
        :class:`~skweight.model_selection.MultiOutputStratifiedKFold` on
        every output's classes for multi-output ``y``, where scikit-learn's
        ``check_cv`` would give unshuffled ``KFold``); a float in (0, 1) is
        one shuffled split holding out
        that fraction; ``"prefit"`` tunes a fitted ``estimator`` on the data
        given to ``fit`` (which should be held out from its training).
    refit : bool, default=True
        Refit the estimator on all the data after tuning. ``False`` keeps the
        network of the single split of a float ``cv`` (or the prefit one); it is
        refused with several splits.
    random_state : int, RandomState or None, default=None
        Shuffling of the split of a float ``cv``.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted classifier whose probabilities the rules decide on.
    thresholds_ : list of (float or None)
        Per output: the tuned threshold of a binary output, else ``None``.
    tau_ : list of (float or None)
        Per output: the tuned strength of a multiclass output, else ``None``.
    priors_ : list of (ndarray or None)
        Per output: the class frequencies ``tau_`` divides by (multiclass
        outputs), else ``None``.
    best_scores_ : list of float
        Per output: the cross-validated score of the chosen rule.
    classes_ : ndarray or list of ndarray
    {{meta_fitted_attributes}}

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : The single-output,
        binary tuner used per binary output.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> from skweight.model_selection import (
    ...     MultiOutputStratifiedKFold, MultiOutputTunedThresholdClassifierCV)
    >>> X, Y = load_penguins(return_X_y=True)
    >>> tuned = MultiOutputTunedThresholdClassifierCV(
    ...     WeightedMultiOutputClassifier(epochs=3, random_state=0),
    ...     cv=MultiOutputStratifiedKFold(2, shuffle=True, random_state=0),
    ... ).fit(X, Y)
    >>> [t is None for t in tuned.thresholds_]  # species, island: multiclass
    [True, True, False]
    >>> tuned.predict(X[:2]).shape
    (2, 3)
    """

    _parameter_checks = {
        "estimator": SklearnConstraints([HasMethods(["fit", "predict_proba"])]),
        "scoring": SklearnConstraints([str, callable, list, dict]),
        "cv": SklearnConstraints([
            "cv_object", StrOptions({"prefit"}),
            Interval(numbers.Real, 0.0, 1.0, closed="neither")]),
        "refit": SklearnConstraints(["boolean"]),
        "random_state": SklearnConstraints(["random_state"]),
    }

    def __init__(self, estimator: Any, *, scoring: Scoring = "balanced_accuracy",
                 cv: CVLike | float | str = 5, refit: bool = True,
                 random_state: RandomStateLike = None) -> None:
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.random_state = random_state

    def _scorings(self, names):
        """One scoring per output, checked (before any training)."""
        scoring = self.scoring
        if isinstance(scoring, list):
            if len(scoring) != len(names):
                raise ValueError(
                    f"scoring must have one entry per output ({len(names)}: "
                    f"{names}). Got {len(scoring)} instead."
                )
            scorings = list(scoring)
        elif isinstance(scoring, dict):
            unknown = [k for k in scoring if k not in names]
            if unknown:
                raise ValueError(
                    f"scoring must name outputs among {names}. Got unknown output "
                    f"name(s) {unknown} instead."
                )
            scorings = [scoring.get(name, "balanced_accuracy") for name in names]
        else:
            scorings = [scoring] * len(names)
        valid = set(get_scorer_names())
        for name, s in zip(names, scorings, strict=True):
            if not (callable(s) or (isinstance(s, str) and s in valid)):
                raise ValueError(
                    f"scoring for output {name!r} must be a scorer name or a "
                    f"scorer callable. Got {s!r} instead."
                )
        return scorings

    def _splits(self, X, y, ndim):
        if isinstance(self.cv, numbers.Real) and not isinstance(
            self.cv, (bool, numbers.Integral)
        ):
            kind = ShuffleSplit if ndim == 2 else StratifiedShuffleSplit
            cv = kind(n_splits=1, test_size=self.cv, random_state=self.random_state)
        else:
            # Stratified: on y's classes for 1-D y, on every output's classes
            # (missing labels left out) for multi-output y.
            cv = default_cv(self.cv, y)
        return list(cv.split(X, y))

    def fit(self: _Self, X: Features, y: Targets) -> _Self:
        """Train the estimator per split, then tune each output's rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
            The labels, one column per output; a missing label leaves that
            sample out of its output's tuning.

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y, targets = self._checked_targets(X, y)
        scorings = self._scorings(targets.names)
        prefit = isinstance(self.cv, str)
        splits = self._checked_splits(X, y, targets.ndim, prefit)
        # Rows whose label is missing for an output are left out of its tuning.
        present = [present_labels(col) for col in targets.columns]
        # The labels of an output in their own dtype once its missing values
        # are out (a nullable pandas column arrives as objects).
        labelled = [unbox_labels(col[p])
                    for col, p in zip(targets.columns, present, strict=True)]
        classes = [np.unique(labels) for labels in labelled]
        if prefit:
            check_is_fitted(self.estimator)
            fitted = [(self.estimator, np.arange(targets.n_samples))]
        else:
            fitted = [
                (clone(self.estimator).fit(subset_rows(X, train),
                                           subset_rows(y, train)), test)
                for train, test in splits
            ]
        rows, folds, probas = _out_of_fold(fitted, X, classes)
        rules = []
        for k, cls in enumerate(classes):
            keep = present[k][rows]
            y_k = unbox_labels(targets.columns[k][rows][keep])
            inner_cv = (PredefinedSplit(folds[keep]) if len(fitted) > 1
                        else [(np.arange(len(y_k)), np.arange(len(y_k)))])
            rules.append(_tune_output(np.vstack(probas[k])[keep], y_k, cls,
                                      scorings[k], inner_cv, labelled[k]))
        if prefit or not self.refit:
            estimator = fitted[0][0]
        else:
            estimator = clone(self.estimator).fit(X, y)
        self._set_output_attributes(estimator)
        self.estimator_ = estimator
        thresholds, taus, priors, scores = (list(r) for r in zip(*rules,
                                                                 strict=True))
        self.thresholds_, self.tau_ = thresholds, taus
        self.priors_, self.best_scores_ = priors, scores
        return self

    def _checked_splits(self, X, y, ndim, prefit):
        """The splits (None for cv='prefit'), refit checked against them."""
        if prefit and self.refit:
            raise ValueError(
                "cv='prefit' tunes the fitted estimator as it is: set refit=False. "
                "Got refit=True instead."
            )
        splits: Any = None if prefit else self._splits(X, y, ndim)
        if not prefit and not self.refit and len(splits) > 1:
            raise ValueError(
                "refit=False keeps the network of a single split. Got cv with "
                f"{len(splits)} splits instead; set refit=True or cv to a float."
            )
        return splits

    def predict_proba(self, X: Features) -> np.ndarray | list[np.ndarray]:
        """The estimator's class probabilities (the rules do not change them).

        {{meta_predict_proba}}
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def _predict_columns(self, X):
        check_is_fitted(self)
        probas = self.estimator_.predict_proba(X)
        probas = probas if is_multi_output(self) else [probas]
        columns = []
        for k, (P, cls) in enumerate(zip(probas, self._output_classes(),
                                         strict=True)):
            P = np.asarray(P, dtype=np.float64)
            if self.thresholds_[k] is not None:
                columns.append(cls[(P[:, 1] >= self.thresholds_[k]).astype(int)])
            else:
                columns.append(
                    _adjusted_labels(P, cls, self.priors_[k], self.tau_[k]))
        return columns


def _out_of_fold(fitted, X, classes):
    """The held-out rows of every split, their fold, and per output the
    out-of-fold probabilities (one array per split, columns as ``classes``)."""
    rows = np.concatenate([test for _, test in fitted])
    folds = np.concatenate([np.full(len(test), i)
                            for i, (_, test) in enumerate(fitted)])
    probas: list[list[np.ndarray]] = [[] for _ in classes]
    for est, test in fitted:
        p = est.predict_proba(subset_rows(X, test))
        p = p if is_multi_output(est) else [p]
        fold_classes = est.classes_ if is_multi_output(est) else [est.classes_]
        for k, cls in enumerate(classes):
            probas[k].append(_aligned(p[k], fold_classes[k], cls))
    return rows, folds, probas


def _tune_output(P, y_k, cls, scoring, inner_cv, labels):
    """One output's rule on its out-of-fold probabilities ``P``:
    ``(threshold, tau, prior, best score)``, a threshold for a binary output,
    a logit-adjustment strength and the class priors for a multiclass one."""
    if len(cls) == 2:
        tuner = TunedThresholdClassifierCV(
            _Probabilities(cls), scoring=scoring, cv=inner_cv,
            thresholds=N_THRESHOLDS,
        ).fit(P, y_k)
        return float(tuner.best_threshold_), None, None, float(tuner.best_score_)
    search = GridSearchCV(
        _LogitAdjustedRule(cls), {"tau": TAU_GRID}, scoring=scoring, cv=inner_cv,
    ).fit(P, y_k)
    return (None, float(search.best_params_["tau"]), _priors(labels, cls),
            float(search.best_score_))
