"""Seed ensembles of multi-output classifiers.

A network trained from another random initialisation (and another shuffling
of the batches) lands on another model; on small imbalanced tables the
minority classes' decisions move from one seed to the next by more than the
weighting changes them. :class:`SeedEnsembleClassifier` trains several copies
of one multi-output classifier, each with its own seed, and averages their
probabilities (or their votes) output by output.

scikit-learn's own ensembles of one model do not serve here:
:class:`~sklearn.ensemble.VotingClassifier` and
:class:`~sklearn.ensemble.BaggingClassifier` take one-dimensional ``y`` only,
and bagging also resamples the rows, which a seed ensemble does not.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, TypeVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skweight._docstrings import fill_doc
from skweight._meta import MultiOutputMetaMixin
from skweight._targets._views import is_multi_output
from skweight._typing import Features, SampleWeight, Targets
from skweight._validation import (
    CheckedParams,
    SklearnConstraints,
    seed_from_random_state,
)

__all__ = ["SeedEnsembleClassifier"]

# ``fit`` returns the estimator itself, typed as the caller's own class.
_Self = TypeVar("_Self", bound="SeedEnsembleClassifier")


def _seed_parameters(estimator):
    """The names of ``estimator``'s seed parameters, nested ones included:
    ``random_state`` and every ``<step>__random_state``."""
    return sorted(
        name for name in estimator.get_params(deep=True)
        if name == "random_state" or name.endswith("__random_state")
    )


def _fit_member(estimator, names, seed, X, y, fit_params):
    member = clone(estimator)
    member.set_params(**dict.fromkeys(names, seed))
    return member.fit(X, y, **fit_params)


def _soft_voting(ensemble):
    return ensemble.voting == "soft"


@fill_doc
class SeedEnsembleClassifier(CheckedParams, MultiOutputMetaMixin, BaseEstimator):
    """Several seeds of one multi-output classifier, voting output by output.

    ``fit`` trains ``n_estimators`` clones of ``estimator`` on the same data,
    each with its own seed: every ``random_state`` parameter of the clone (its
    own and its steps' in a pipeline) is set to a seed drawn from this
    ensemble's ``random_state``, so the ensemble's seed fixes every member and
    the inner estimator's own ``random_state`` is not used. With
    ``voting="soft"`` each output's probabilities are the mean of the members'
    and ``predict`` is their most probable class; with ``"hard"`` each
    output's label is the one most members predict (a tie goes to the first
    of the tied classes in ``classes_``, as in scikit-learn's
    :class:`~sklearn.ensemble.VotingClassifier`).

    The members differ only in their seeds (initial weights, the order of the
    batches, an early-stopping hold-out, dropout), not in their data: no
    bootstrap, every member sees every row. Fitting costs ``n_estimators``
    fits; predicting, ``n_estimators`` predictions.

    Parameters
    ----------
    estimator : estimator object
        A classifier (a skweight estimator, a pipeline ending in one, or any
        scikit-learn classifier, single- or multi-output) with at least one
        ``random_state`` parameter, and ``predict_proba`` for
        ``voting="soft"``.
    n_estimators : int, default=5
        The number of members.
    voting : {"soft", "hard"}, default="soft"
        ``"soft"``: the mean of the members' probabilities, per output;
        ``"hard"``: the majority of the members' labels, per output (no
        ``predict_proba``).
    n_jobs : int or None, default=None
        Members fitted at once, with joblib's threads unless a
        ``joblib.parallel_backend`` context says otherwise (``None``: one at
        a time, ``-1``: all processors). With TensorFlow a seeded member gives
        the same model whatever runs beside it; under JAX and PyTorch Keras
        shuffles the batches with NumPy's global generator, which threads
        share, so a seeded ensemble is reproducible there with ``n_jobs=None``
        only.
    random_state : int, RandomState instance or None, default=None
        Draws the members' seeds (``random_states_``). An int gives the same
        members on every fit; ``None`` new ones each time.

    Attributes
    ----------
    estimators_ : list of estimator object
        The fitted members.
    random_states_ : list of int
        The seed each member was fitted with, in order: set on a clone of
        ``estimator`` (every ``random_state`` parameter), it refits that
        member alone.
    classes_ : ndarray or list of ndarray
        The classes of each output.
    {{meta_fitted_attributes}}

    See Also
    --------
    sklearn.ensemble.VotingClassifier : The same votes, across different
        single-output classifiers.

    Notes
    -----
    :class:`~skweight.model_selection.WeightGridSearchCV` stacks skweight
    estimators, not ensembles of them: tune the weights on one network with
    it and wrap the best in an ensemble, or search the ensemble with
    scikit-learn's :class:`~sklearn.model_selection.GridSearchCV`
    (``estimator__class_weight``, ``n_estimators``, ...), which fits
    ``n_estimators`` networks per candidate and fold.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> from skweight.ensemble import SeedEnsembleClassifier
    >>> X, Y = load_penguins(return_X_y=True)
    >>> ensemble = SeedEnsembleClassifier(
    ...     WeightedMultiOutputClassifier(class_weight="balanced", epochs=3),
    ...     n_estimators=3, random_state=0,
    ... ).fit(X, Y)
    >>> len(ensemble.estimators_), len(set(ensemble.random_states_))
    (3, 3)
    >>> [p.shape for p in ensemble.predict_proba(X[:2])]
    [(2, 3), (2, 3), (2, 2)]
    >>> ensemble.predict(X[:2]).shape
    (2, 3)
    """

    _parameter_checks = {
        "estimator": SklearnConstraints([HasMethods(["fit", "predict"])]),
        "n_estimators": SklearnConstraints(
            [Interval(Integral, 1, None, closed="left")]),
        "voting": SklearnConstraints([StrOptions({"soft", "hard"})]),
        "n_jobs": SklearnConstraints([Integral, None]),
        "random_state": SklearnConstraints(["random_state"]),
    }

    def __init__(self, estimator: Any, *, n_estimators: int = 5,
                 voting: str = "soft", n_jobs: int | None = None,
                 random_state: Any = None) -> None:
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.voting = voting
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self: _Self, X: Features, y: Targets,
            sample_weight: SampleWeight = None, **fit_params: Any) -> _Self:
        """Fit ``n_estimators`` seeds of the estimator on ``(X, y)``.

        Parameters
        ----------
        {{meta_fit_data}}
            Passed to every member's ``fit``.
        **fit_params : dict
            Passed to every member's ``fit``.

        Returns
        -------
        self
            The fitted ensemble.
        """
        X, y, _ = self._checked_targets(X, y)
        names = self._checked_estimator()
        if sample_weight is not None:
            fit_params = {**fit_params, "sample_weight": sample_weight}
        base = seed_from_random_state(self.random_state)
        seeds = np.random.default_rng(base).integers(
            np.iinfo(np.int32).max, size=self.n_estimators)
        self.random_states_ = [int(seed) for seed in seeds]
        self.estimators_ = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_fit_member)(self.estimator, names, seed, X, y, fit_params)
            for seed in self.random_states_
        )
        self._set_output_attributes(self.estimators_[0])
        return self

    def _checked_estimator(self):
        """The estimator's seed parameters; refuse what cannot vote."""
        estimator = self.estimator
        if not is_classifier(estimator):
            raise TypeError(
                "estimator must be a classifier (SeedEnsembleClassifier votes "
                f"on labels). Got {type(estimator).__name__}."
            )
        if self.voting == "soft" and not hasattr(estimator, "predict_proba"):
            raise TypeError(
                f"estimator {type(estimator).__name__} has no predict_proba, "
                "which voting='soft' averages; use voting='hard'."
            )
        names = _seed_parameters(estimator)
        if not names:
            raise TypeError(
                f"estimator {type(estimator).__name__} has no random_state "
                "parameter: its members would not differ by seed."
            )
        return names

    def _member_outputs(self, method, X):
        """Each member's ``method(X)``, one list per member of per-output
        arrays."""
        multi = is_multi_output(self)
        out = []
        for member in self.estimators_:
            result = getattr(member, method)(X)
            if not multi:
                out.append([np.asarray(result)])
            elif method == "predict":
                result = np.asarray(result)
                out.append([result[:, k] for k in range(result.shape[1])])
            else:
                out.append([np.asarray(p) for p in result])
        return out

    def _output_probas(self, X):
        members = self._member_outputs("predict_proba", X)
        return [
            np.mean([np.asarray(m[k], dtype=np.float64) for m in members], axis=0)
            for k in range(self.n_outputs_)
        ]

    @available_if(_soft_voting)
    def predict_proba(self, X: Features) -> np.ndarray | list[np.ndarray]:
        """The members' mean class probabilities, output by output.

        Available with ``voting="soft"``.

        {{meta_predict_proba}}
        """
        check_is_fitted(self)
        probas = self._output_probas(X)
        return probas if is_multi_output(self) else probas[0]

    def _predict_columns(self, X):
        classes = self._output_classes()
        if self.voting == "soft":
            return [
                cls[np.argmax(p, axis=1)]
                for cls, p in zip(classes, self._output_probas(X), strict=True)
            ]
        members = self._member_outputs("predict", X)
        columns = []
        for k, cls in enumerate(classes):
            index = {label: i for i, label in enumerate(cls.tolist())}
            votes = np.zeros((len(members[0][k]), len(cls)), dtype=np.int64)
            rows = np.arange(len(members[0][k]))
            for member in members:
                codes = np.array([index[label] for label in member[k].tolist()])
                np.add.at(votes, (rows, codes), 1)
            columns.append(cls[np.argmax(votes, axis=1)])
        return columns
