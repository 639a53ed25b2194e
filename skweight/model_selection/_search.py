"""WeightGridSearchCV: a grid search over weights at the cost of a few fits.

The candidates of a weight search differ only in per-sample weights (class
weights) and in how the outputs' losses are summed (loss weights), and the
folds differ only in which rows train. So every candidate x fold that shares a
network is one copy in a :class:`~skweight.model_selection._stacked.StackedNetwork`,
trained once. Everything around the training is scikit-learn's: the grid
(:class:`~sklearn.model_selection.ParameterGrid`), the splitter
(:func:`~sklearn.model_selection.check_cv`), the scorers, the
``cv_results_`` formatting, the selection and refit of
:class:`~sklearn.model_selection.GridSearchCV` (whose base class this derives
from; it pins the private helpers it reuses to scikit-learn < 1.10).

The search has two parts: its planning (``_search_plan.py``: every check and
every copy's data, before any training, as a ``SearchPlan`` of ``Group``
dataclasses) and its training, here: each stacked group trained and its copies
scored (:func:`train_group`, ``_fit_stacked``), the other groups fitted
separately, then scikit-learn's selection and refit.
"""

from __future__ import annotations

from skweight import _env

# A worker process that unpickles an estimator or a search job loads this
# module first, not through skweight's lazy names: TensorFlow starts quietly
# there too (skweight/_env.py).
_env.configure_logging()

import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from sklearn.base import clone
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_method_params, check_array

from skweight._engine._network import build_default_network
from skweight._scikeras_compat import seeded
from skweight._targets._outputs import RegressionOutput
from skweight._typing import CVLike, Features, Scoring, Targets
from skweight._validation import (
    CheckedParams,
    SklearnConstraints,
    seed_from_random_state,
)
from skweight.exceptions import NonFiniteLossError
from skweight.model_selection._search_plan import SearchPlan, plan_search, routed
from skweight.model_selection._stacked import REGRESSION, StackedNetwork

__all__ = ["WeightGridSearchCV"]


def _network_options(estimator):
    """The built-in network's options, as the estimator routes them."""
    signature = inspect.signature(build_default_network).parameters
    options = {
        name: p.default for name, p in signature.items()
        if p.default is not inspect.Parameter.empty
    }
    for name, value in estimator.get_params(deep=False).items():
        if name.startswith("model__") and name[7:] in options:
            options[name[7:]] = value
    return options


class _CopyOutputs:
    """The raw outputs of one stacked copy, per output: from the outputs
    computed once for all copies on the rows they were made for, or from a
    forward pass of the stacked network on other rows."""

    def __init__(self, network, copy, cached):
        self._network = network
        self._copy = copy
        self._cached = cached  # [(X object, rows of the full outputs)], outputs

    def __call__(self, X, **_):
        (known, outputs) = self._cached
        for X_known, rows in known:
            if X is X_known:
                return [o[rows, self._copy] for o in outputs]
        X = check_array(X, dtype=np.float32, accept_sparse=("csr", "csc", "coo"))
        if hasattr(X, "toarray"):
            X = X.toarray()
        return [o[:, self._copy] for o in self._network.forward(X)]


def _copy_view(template, network, copy, cached, target_moments):
    """The fitted template estimator, answering for one stacked copy.

    A shallow copy of the template whose raw outputs are the copy's: the
    estimator's own ``predict``, ``predict_proba`` and ``score`` decode them
    (:mod:`skweight._targets._outputs`), as they would a separate fit of the copy's
    candidate, a regression output with its fold's moments.
    """
    view = object.__new__(type(template))
    view.__dict__.update(template.__dict__)
    outputs = template._outputs_
    if target_moments is not None:
        mean, scale = target_moments
        outputs = object.__new__(type(outputs))
        outputs.__dict__.update(template._outputs_.__dict__)
        outputs.outputs = [
            o if o.kind != REGRESSION
            else RegressionOutput(o.name, o.layer_name, float(mean[k]), float(scale[k]))
            for k, o in enumerate(template._outputs_.outputs)
        ]
    view._outputs_ = outputs
    view.model_ = network
    view._raw_outputs = _CopyOutputs(network, copy, cached)
    return view


# ---------------------------------------------------------------- training
def train_group(group, Xc):
    """Build and train a group's stacked network; returns it."""
    template, outputs, params = group.template, group.outputs, group.params
    options = _network_options(template)
    seed = seed_from_random_state(params.get("random_state"))
    heads = [(kind, width, name) for (kind, width), name
             in zip(outputs.kinds, template.output_layer_names_, strict=True)]
    with seeded(seed):
        network = StackedNetwork(
            group.mean, group.var,
            hidden_layer_sizes=tuple(options["hidden_layer_sizes"]),
            activation=options["activation"], dropout=float(options["dropout"]),
            heads=heads, seed=seed, same_init=seed is not None,
        )
        network.fit(
            Xc, group.targets, group.weights, optimizer=group.optimizer,
            epochs=routed(params, "epochs", 100), batch_size=group.batch_size,
            shuffle=bool(routed(params, "shuffle", True)), seed=seed,
        )
    return network


def _target_moments(moments, c):
    """Copy ``c``'s regression moments (NaN for other outputs), or None."""
    if all(m is None for m in moments):
        return None
    return (np.array([np.nan if m is None else m[0][c] for m in moments]),
            np.array([np.nan if m is None else m[1][c] for m in moments]))


def _fit_stacked(group, Xc, X, y, splits, scoring):
    """Train a group's stacked network and score its copies: a list of
    ``(index in cv_results_ order, result)``.

    ``scoring`` holds the search's ``scorers``, ``score_params``,
    ``error_score`` and ``return_train_score``.
    """
    start = time.time()
    network = train_group(group, Xc)
    finite = network.finite_copies()
    fit_time = (time.time() - start) / len(group.copies)
    full = network.forward(Xc)
    tests = [(_safe_indexing(X, test), _safe_indexing(y, test), test)
             for _, test in splits]
    trains = [(_safe_indexing(X, train), _safe_indexing(y, train), train)
              for train, _ in splits]
    known = [(t[0], t[2]) for t in tests + (trains if scoring.return_train_score
                                            else [])]
    out = []
    for c, copy in enumerate(group.copies):
        result = {"fit_time": fit_time, "n_test_samples": len(copy.test),
                  "fit_error": None}
        if not finite[c]:
            _record_divergence(result, copy, scoring)
        else:
            view = _copy_view(group.template, network, c, (known, full),
                              _target_moments(group.moments, c))
            _score_copy(result, view, X, tests[copy.split], trains[copy.split],
                        scoring)
        out.append((copy.candidate * len(splits) + copy.split, result))
    return out


def _record_divergence(result, copy, scoring):
    """A diverged copy's result: raise, or its error score."""
    message = (
        f"Training diverged for candidate {copy.candidate} on fold "
        f"{copy.split}: its weights are NaN or infinite."
    )
    if scoring.error_score == "raise":
        raise NonFiniteLossError(message)
    result["fit_error"] = f"NonFiniteLossError: {message}"
    error = scoring.error_score
    if hasattr(scoring.scorers, "_scorers"):
        error = dict.fromkeys(scoring.scorers._scorers, scoring.error_score)
    result["test_scores"] = error
    if scoring.return_train_score:
        result["train_scores"] = error
    result["score_time"] = 0.0


def _score_copy(result, view, X, test_rows, train_rows, scoring):
    """A copy's test (and train) scores, with the scorers' routed params."""
    X_test, y_test, test = test_rows
    kwargs = _check_method_params(X, params=scoring.score_params, indices=test)
    t0 = time.time()
    result["test_scores"] = _score(view, X_test, y_test, scoring.scorers, kwargs,
                                   scoring.error_score)
    result["score_time"] = time.time() - t0
    if scoring.return_train_score:
        X_train, y_train, train = train_rows
        kwargs = _check_method_params(X, params=scoring.score_params,
                                      indices=train)
        result["train_scores"] = _score(view, X_train, y_train, scoring.scorers,
                                        kwargs, scoring.error_score)


def _separate_jobs(group, plan, scoring, verbose):
    """One ``fit`` per candidate x fold, as ``GridSearchCV`` runs them: a
    job each, returning ``[(index, result)]``."""
    return [
        delayed(_fit_and_score_at)(
            i * len(plan.splits) + s,
            clone(group.estimator), plan.X, plan.y, scorer=scoring.scorers,
            train=train, test=test, verbose=verbose,
            parameters=plan.candidates[i], fit_params=plan.fit_params,
            score_params=scoring.score_params,
            return_train_score=scoring.return_train_score,
            return_n_test_samples=True, return_times=True,
            error_score=scoring.error_score,
        )
        for i in group.members for s, (train, test) in enumerate(plan.splits)
    ]


def _fit_and_score_at(index, *args, **kwargs):
    """scikit-learn's ``_fit_and_score``, as ``[(index, its result)]``."""
    return [(index, _fit_and_score(*args, **kwargs))]


@dataclass
class _Scoring:
    """How every copy is scored: the search's settings, handed to the jobs."""

    scorers: Any
    score_params: Any
    error_score: Any
    return_train_score: bool


# ``fit`` returns the estimator itself, typed as the caller's own class.
_Self = TypeVar("_Self", bound="WeightGridSearchCV")


class WeightGridSearchCV(CheckedParams, BaseSearchCV):
    """Grid search over class weights and loss weights, stacked into few fits.

    ``GridSearchCV``'s interface and results for skweight estimators, at a
    fraction of its cost: every candidate x fold that shares a network (the
    same architecture and training settings; candidates that differ only in
    ``class_weight``, ``class_weight__*`` and ``loss_weights``) is one copy in
    a single stacked Keras network, trained once. Each copy has its own
    weights, its own input standardisation (its training fold's), its own
    class weights (from its training fold's labels, exactly as ``fit``
    computes them) and zero sample weight on the rows outside its training
    fold. The copies' losses are summed, so each copy gets the gradient of its
    own loss; with a per-parameter optimizer such as Adam each copy then
    trains as a separate fit would. Grid parameters that change the network or
    its training (``epochs``, ``batch_size``, ``model__*``, ``optimizer__*``,
    ...) split the grid into groups, one stacked fit per group.

    When it is exact: with full-batch training (``batch_size=-1``) a copy
    follows the same path as a separate ``fit`` from the same initial weights
    (to float rounding). With mini-batches, a stacked batch holds
    ``batch_size * n_samples / n_train`` rows, so that it holds ``batch_size``
    training rows of each fold on average and an epoch has as many steps as a
    separate fit's; each copy's loss is rescaled to be divided by
    ``batch_size``, as a separate fit's is. The batches then differ from a
    separate fit's in which rows they hold (the count varies around
    ``batch_size``), as two separate fits with other shuffles differ.

    What it stacks: the built-in network (``model=None``) of
    :class:`~skweight.WeightedMultiOutputClassifier` and
    :class:`~skweight.WeightedMixedOutputEstimator`, with the default losses.
    A multilabel target is stacked with one sigmoid head per label (the loss
    of the packed layout, see ``model__label_layout``). A user ``model``,
    ``loss``, ``callbacks``, ``validation_split`` or an optimizer clipping by
    norm is refused with a ``ValueError`` before any training.
    :class:`~skweight.DynamicWeightClassifier` changes each fit's loss weights
    from that fit's own per-epoch losses; it is searched with one separate fit
    per candidate x fold (as ``GridSearchCV`` does), with the same results
    interface; so is an estimator with ``early_stopping=True`` (each fit
    holds out its own rows, stops at its own epoch and keeps its own
    per-output best states).

    Parameters
    ----------
    estimator : skweight estimator
        :class:`~skweight.WeightedMultiOutputClassifier`,
        :class:`~skweight.WeightedMixedOutputEstimator` or
        :class:`~skweight.DynamicWeightClassifier`.
    param_grid : dict or list of dict
        As in :class:`~sklearn.model_selection.GridSearchCV`.
    scoring : str, callable, list, tuple or dict, default=None
        As in ``GridSearchCV``; for instance
        :func:`skweight.metrics.per_output_scorers` (a dict, with ``refit``
        naming one of its keys). None uses the estimator's ``score``.
    refit : bool, str or callable, default=True
        Refit the best candidate on the whole data with ``fit`` (a plain
        estimator of the class given, ``best_estimator_``); with several
        scorers, the name of the one that selects it.
    cv : int, cross-validation generator or iterable, default=None
        As in ``GridSearchCV``, except that the default splitter is stratified
        for every ``y``: None (5 folds) or an int (that many folds) is
        :class:`MultiOutputStratifiedKFold` for two-dimensional ``y`` (on its
        classification outputs for a mixed-output estimator; ``KFold`` when
        there are none) and :class:`~sklearn.model_selection.StratifiedKFold`
        for one-dimensional ``y``. Every training fold must hold every class
        of every classification output (a separate fit on a fold without a
        class would build another network).
    n_jobs : int or None, default=None
        Number of jobs that train in parallel, through joblib (so a Dask or
        Ray joblib backend spreads them over a cluster): one job per stacked
        network, and one per candidate x fold of a
        :class:`~skweight.DynamicWeightClassifier` group. ``None`` is 1 unless
        in a ``joblib.parallel_backend`` context; -1 uses every processor.
        Candidates that share a network are one job whatever ``n_jobs``: put
        the parameters that change the network (``epochs``, ``model__*``, ...)
        in the grid to get several.
    verbose : int, default=0
        Print the number of fits and stacked networks.
    error_score : "raise" or float, default=np.nan
        The score of a copy whose training diverged (NaN or infinite weights)
        or whose scoring failed.
    return_train_score : bool, default=False
        Also score each copy on its training fold.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        As ``GridSearchCV``'s: ``params``, ``param_<name>``,
        ``split<i>_test_<scorer>``, ``mean_test_<scorer>``,
        ``std_test_<scorer>``, ``rank_test_<scorer>``, ``mean_fit_time``,
        ``std_fit_time``, ``mean_score_time``, ``std_score_time`` (and
        ``*_train_*`` with ``return_train_score``). A stacked network's
        training time is shared equally by its copies.
    best_estimator_ : estimator
        The best candidate refitted on all data (when ``refit``).
    best_score_ : float
    best_params_ : dict
    best_index_ : int
    scorer_ : scorer or dict of scorers
    n_splits_ : int
    multimetric_ : bool
    refit_time_ : float
        Seconds taken by the refit.
    n_stacked_fits_ : int
        The number of stacked networks trained (one per group of candidates
        sharing a network; 0 when every fit ran separately).

    See Also
    --------
    sklearn.model_selection.GridSearchCV : One fit per candidate x fold.
    MultiOutputStratifiedKFold : The default splitter for multi-output ``y``.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> from skweight.metrics import per_output_scorers
    >>> from skweight.model_selection import WeightGridSearchCV
    >>> X, Y = load_penguins(return_X_y=True)
    >>> search = WeightGridSearchCV(
    ...     WeightedMultiOutputClassifier(epochs=5, random_state=0),
    ...     {"class_weight": [None, "balanced"]},
    ...     scoring=per_output_scorers("balanced_accuracy", ["island"]),
    ...     refit="balanced_accuracy_island", cv=3,
    ... ).fit(X, Y)
    >>> search.cv_results_["split2_test_balanced_accuracy_island"].shape
    (2,)
    >>> search.best_params_["class_weight"] in (None, "balanced")
    True
    """

    # scikit-learn's own checks for the parameters BaseSearchCV gives.
    _parameter_checks: dict = {
        **{k: SklearnConstraints(v)
           for k, v in BaseSearchCV._parameter_constraints.items()
           if k != "pre_dispatch"},
        "estimator": SklearnConstraints([HasMethods(["fit", "get_params"])]),
        "param_grid": SklearnConstraints([dict, list]),
    }

    def __init__(self, estimator: Any,
                 param_grid: Mapping[str, Sequence[Any]]
                 | Sequence[Mapping[str, Sequence[Any]]],
                 *, scoring: Scoring = None,
                 refit: bool | str | Callable[..., Any] = True, cv: CVLike = None,
                 n_jobs: int | None = None, verbose: int = 0,
                 error_score: str | float = np.nan,
                 return_train_score: bool = False) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.refit = refit
        self.cv = cv
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.error_score = error_score
        self.return_train_score = return_train_score

    def fit(self: _Self, X: Features, y: Targets, **params: Any) -> _Self:
        """Train every candidate x fold (stacked where they share a network).

        Every input and every candidate is checked before any training.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, \
n_outputs)
            Labels (and, for the mixed estimator, regression targets).
        **params
            As ``GridSearchCV.fit``: ``groups`` goes to the splitter;
            ``sample_weight`` (shape (n_samples,) or (n_samples, n_outputs))
            is split by fold and multiplies the class weights of each
            training fold, and goes to the scorers that accept it.

        Returns
        -------
        WeightGridSearchCV
            The fitted search (``self``).
        """
        plan = plan_search(self, X, y, params)
        self.n_splits_ = len(plan.splits)
        if self.verbose > 0:
            self._print_plan(plan)
        out = self._run_jobs(plan)
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if callable(self.scoring):
            _insert_error_scores(out, self.error_score)
        results = self._format_results(plan.candidates, len(plan.splits), out)
        self.multimetric_ = isinstance(out[0]["test_scores"], dict)
        refit_metric = plan.refit_metric
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(out[0]["test_scores"])
            refit_metric = self.refit
        self.n_stacked_fits_ = sum(not g.separate for g in plan.groups)
        self._select_and_refit(plan, results, refit_metric)
        self.scorer_ = getattr(plan.scorers, "_scorers", plan.scorers)
        self.cv_results_ = results
        return self

    def _print_plan(self, plan: SearchPlan) -> None:
        n_fits, groups = len(plan.candidates), plan.groups
        n_stacked = sum(not g.separate for g in groups)
        print(
            f"Fitting {len(plan.splits)} folds for each of {n_fits} "
            f"candidates, totalling {len(plan.splits) * n_fits} fits, as "
            f"{n_stacked} stacked network(s)"
            + (f" and {len(groups) - n_stacked} group(s) of separate fits"
               if n_stacked < len(groups) else "")
        )

    def _run_jobs(self, plan: SearchPlan) -> list[Any]:
        """Every candidate x fold's result, in ``cv_results_`` order: one job
        per stacked group, one per separate fit."""
        scoring = _Scoring(plan.scorers, plan.routed.scorer.score,
                           self.error_score, self.return_train_score)
        jobs = []
        for group in plan.groups:
            if group.separate:
                jobs += _separate_jobs(group, plan, scoring, self.verbose)
            else:
                jobs.append(delayed(_fit_stacked)(
                    group, plan.Xc, plan.X, plan.y, plan.splits, scoring))
        out: list[Any] = [None] * (len(plan.candidates) * len(plan.splits))
        for results in Parallel(n_jobs=self.n_jobs)(jobs):
            for index, result in results:
                out[index] = result
        return out

    def _select_and_refit(self, plan: SearchPlan, results, refit_metric) -> None:
        """The best candidate, as GridSearchCV selects it, refitted on all data."""
        if self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(self.refit, refit_metric,
                                                       results)
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][
                    self.best_index_
                ]
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self.best_estimator_ = clone(plan.base).set_params(
                **clone(self.best_params_, safe=False)
            )
            start = time.time()
            self.best_estimator_.fit(plan.X, plan.y, **plan.fit_params)
            self.refit_time_ = time.time() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
