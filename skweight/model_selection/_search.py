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
"""

from __future__ import annotations

from skweight import _env

# A worker process that unpickles an estimator or a search job loads this
# module first, not through skweight's lazy names: TensorFlow starts quietly
# there too (skweight/_env.py).
_env.configure_logging()

import inspect
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

import keras
import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    KFold,
    ParameterGrid,
    StratifiedKFold,
    check_cv,
)
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_method_params, check_array

from skweight._network import build_default_network
from skweight._outputs import RegressionOutput
from skweight._scikeras_compat import seeded
from skweight._targets import (
    encode_labels,
    fill_missing_labels,
    split_target_columns,
)
from skweight._typing import CVLike, Features, Scoring, Targets
from skweight._validation import (
    CheckedParams,
    SklearnConstraints,
    check_numeric_features,
    resolve_loss_weights,
    seed_from_random_state,
)
from skweight._weights import (
    check_output_sample_weight,
    class_weights_for_output,
    is_strategy_entry,
    resolve_class_weight,
)
from skweight.exceptions import NonFiniteLossError
from skweight.metrics import _OutputScorer
from skweight.model_selection._split import MultiOutputStratifiedKFold
from skweight.model_selection._stacked import (
    BINARY,
    MULTICLASS,
    REGRESSION,
    StackedNetwork,
)

__all__ = ["WeightGridSearchCV"]

# Parameters in which candidates of one stacked network may differ.
_STACKED_PARAMS = ("class_weight", "loss_weights")

# Parameters the stacked training reproduces (or that do not touch training).
_HANDLED_PARAMS = frozenset({
    "class_weight", "loss_weights", "optimizer", "batch_size", "epochs", "shuffle",
    "random_state", "verbose", "run_eagerly", "warm_start", "metrics",
    "validation_batch_size", "output_types", "missing_labels",
})
_HANDLED_FIT_PARAMS = frozenset({"batch_size", "epochs", "shuffle", "verbose"})


def _is_stacked_param(name):
    return name in _STACKED_PARAMS or name.startswith("class_weight__")


def _same_value(a, b):
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        if isinstance(a, np.ndarray):
            return np.array_equal(a, b)
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _same_params(a, b):
    return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)


def _group_candidates(candidates):
    """Candidates that share a network: ``[(network params, [indices])]``."""
    groups = []
    for i, params in enumerate(candidates):
        shared = {k: v for k, v in params.items() if not _is_stacked_param(k)}
        for group_params, members in groups:
            if _same_params(group_params, shared):
                members.append(i)
                break
        else:
            groups.append((shared, [i]))
    return groups


def _check_estimator(estimator):
    from skweight import (
        DynamicWeightClassifier,
        WeightedMixedOutputEstimator,
        WeightedMultiOutputClassifier,
    )

    kinds = (WeightedMultiOutputClassifier, WeightedMixedOutputEstimator,
             DynamicWeightClassifier)
    if not isinstance(estimator, kinds):
        raise TypeError(
            "estimator must be a skweight estimator (WeightedMultiOutputClassifier, "
            "WeightedMixedOutputEstimator or DynamicWeightClassifier); use "
            "sklearn.model_selection.GridSearchCV for other estimators. Got "
            f"{type(estimator).__name__} instead."
        )


def _is_dynamic(estimator):
    from skweight import DynamicWeightClassifier

    return isinstance(estimator, DynamicWeightClassifier)


def _routed(params, name, default=None):
    """A training parameter as the estimator uses it (``fit__name`` first)."""
    return params.get(f"fit__{name}", params.get(name, default))


def _check_stackable(estimator):
    """Refuse, before training, what one stacked network cannot reproduce."""
    params = estimator.get_params(deep=False)
    defaults = {
        name: p.default
        for name, p in inspect.signature(type(estimator).__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }

    def refuse(what, value, why):
        raise ValueError(
            f"WeightGridSearchCV trains the candidates x folds as one stacked copy "
            f"of the built-in network, which cannot reproduce {what}={value!r}: "
            f"{why}. Use sklearn.model_selection.GridSearchCV for this search. Got "
            f"{what}={value!r} instead."
        )

    if params.get("model") is not None or params.get("build_fn") is not None:
        refuse("model", params.get("model"), "only the built-in network "
               "(model=None) is stacked")
    if params.get("loss") is not None:
        refuse("loss", params["loss"], "the stacked network trains the default "
               "losses only")
    if params.get("callbacks"):
        refuse("callbacks", params["callbacks"], "callbacks would see the stacked "
               "network, not one fit")
    if _routed(params, "validation_split", 0.0):
        refuse("validation_split", _routed(params, "validation_split"),
               "Keras' validation split holds out the last rows of the whole data")
    for name, value in params.items():
        if name.startswith("model__") or name.startswith("optimizer__"):
            continue
        if name.startswith("fit__"):
            if name[5:] not in _HANDLED_FIT_PARAMS | {"validation_split"}:
                refuse(name, value, "only fit__batch_size, fit__epochs, "
                       "fit__shuffle and fit__verbose are reproduced")
            continue
        if name.startswith(("predict__", "compile__steps_per_execution")):
            continue
        if name in _HANDLED_PARAMS or name in ("model", "build_fn", "loss",
                                              "callbacks", "validation_split"):
            continue
        if name in defaults and _same_value(value, defaults[name]):
            continue
        refuse(name, value, "this parameter is not reproduced by the stacked "
               "training")


def _make_optimizer(estimator):
    """A fresh optimizer as the estimator would compile it."""
    optimizer = estimator._get_compile_kwargs()["optimizer"]
    if isinstance(optimizer, keras.optimizers.Optimizer):
        optimizer = type(optimizer).from_config(optimizer.get_config())
    config = optimizer.get_config()
    for key in ("clipnorm", "global_clipnorm"):
        if config.get(key) is not None:
            raise ValueError(
                f"WeightGridSearchCV cannot stack an optimizer with {key}: the norm "
                "would be taken over every copy at once, coupling them. Use clipvalue "
                f"or GridSearchCV. Got {key}={config[key]!r} instead."
            )
    return optimizer


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


class _Outputs:
    """The outputs of ``y`` as a fitted template estimator sees them."""

    def __init__(self, template, y):
        self.names = list(template.output_names_)
        self.single = template.y_ndim_ == 1
        n = len(self.names)
        self.types = list(getattr(template, "output_types_", ["classification"] * n))
        classes = [template.classes_] if self.single else list(template.classes_)
        targets = split_target_columns(y)
        # With missing_labels="mask" (the template's fit has checked that it
        # is set), a missing label is a placeholder with zero weight.
        columns, self.present = fill_missing_labels(targets.columns, self.names)
        self.classes, self.codes, self.values, self.kinds = [], [], [], []
        for k, column in enumerate(columns):
            if column.dtype.kind == "O":
                column = pd.Series(column).infer_objects().to_numpy()
            if self.types[k] == "regression":
                self.classes.append(None)
                self.codes.append(None)
                self.values.append(np.asarray(column, dtype=np.float64))
                self.kinds.append((REGRESSION, 1))
                continue
            labels = encode_labels(column, name=self.names[k], check=False)
            if not np.array_equal(labels.classes, classes[k]):
                raise ValueError(
                    f"y column {self.names[k]!r}: classes {labels.classes.tolist()} "
                    f"differ from the estimator's {list(classes[k])}."
                )
            self.classes.append(labels.classes)
            self.codes.append(labels.codes)
            self.values.append(None)
            width = len(labels.classes)
            self.kinds.append((BINARY, 1) if width == 2 else (MULTICLASS, width))

    def class_weight_entries(self, class_weight):
        """One class-weight entry per output (None for regression outputs)."""
        entries = resolve_class_weight(class_weight, self.names,
                                       single_output=self.single)
        regression = [t == "regression" for t in self.types]
        if class_weight is not None and is_strategy_entry(class_weight):
            return [None if r else e for e, r in zip(entries, regression,
                                                     strict=True)]
        for name, r, entry in zip(self.names, regression, entries, strict=True):
            if r and entry is not None:
                raise ValueError(
                    "class_weight applies to classification outputs only; output "
                    f"{name!r} is a regression output. Got {entry!r} for it "
                    "instead."
                )
        return entries


class _Copy:
    """One candidate x fold: its place in the stacked network and its weights."""

    def __init__(self, candidate, split, train, test):
        self.candidate = candidate
        self.split = split
        self.train = train
        self.test = test


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
    (:mod:`skweight._outputs`), as they would a separate fit of the copy's
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
        plan = self._plan(X, y, params)
        candidates, splits, groups = plan.candidates, plan.splits, plan.groups
        self.n_splits_ = len(splits)
        X, y, Xc, scorers = plan.X, plan.y, plan.Xc, plan.scorers
        refit_metric, fit_params = plan.refit_metric, plan.fit_params
        if self.verbose > 0:
            n_stacked = sum(not g["separate"] for g in groups)
            print(
                f"Fitting {len(splits)} folds for each of {len(candidates)} "
                f"candidates, totalling {len(splits) * len(candidates)} fits, as "
                f"{n_stacked} stacked network(s)"
                + (f" and {len(groups) - n_stacked} group(s) of separate fits"
                   if n_stacked < len(groups) else "")
            )

        out: list[Any] = [None] * (len(candidates) * len(splits))
        score_params = plan.routed.scorer.score
        jobs = []
        for group in groups:
            if group["separate"]:
                jobs += self._separate_jobs(group, candidates, splits, X, y,
                                            scorers, fit_params, score_params)
            else:
                jobs.append(delayed(self._fit_stacked)(
                    group, Xc, X, y, splits, scorers, score_params))
        for results in Parallel(n_jobs=self.n_jobs)(jobs):
            for index, result in results:
                out[index] = result
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if callable(self.scoring):
            _insert_error_scores(out, self.error_score)
        results = self._format_results(candidates, len(splits), out)
        self.multimetric_ = isinstance(out[0]["test_scores"], dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(out[0]["test_scores"])
            refit_metric = self.refit
        self.n_stacked_fits_ = sum(not g["separate"] for g in groups)

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
            self.best_estimator_.fit(X, y, **fit_params)
            self.refit_time_ = time.time() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        self.scorer_ = getattr(scorers, "_scorers", scorers)
        self.cv_results_ = results
        return self

    # ----------------------------------------------------------- planning
    def _plan(self, X, y, params):
        """Check everything and prepare every copy's data (no training)."""
        self._validate_params()
        _check_estimator(self.estimator)
        if y is None:
            raise ValueError(
                "WeightGridSearchCV requires y to be passed, but the target y is "
                "None."
            )
        candidates = list(ParameterGrid(self.param_grid))
        base = clone(self.estimator)
        for params_ in candidates:
            clone(base).set_params(**params_)  # unknown names raise here
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed = self._get_routed_params_for_fit(params)
        fit_params = dict(routed.estimator.fit)
        unknown = sorted(set(fit_params) - {"sample_weight"})
        if unknown:
            raise TypeError(
                "WeightGridSearchCV.fit takes groups and sample_weight. Got other "
                f"fit parameter(s) {unknown} instead."
            )
        check_numeric_features(X)
        Xc = check_array(X, dtype=np.float32, accept_sparse=("csr", "csc", "coo"))
        if hasattr(Xc, "toarray"):
            Xc = Xc.toarray()

        groups = self._plan_groups(base, candidates, X, y)
        cv = self._check_cv(y, groups[0]["outputs"])
        split_kwargs = routed.splitter.split
        n_splits = cv.get_n_splits(X, y, **split_kwargs)
        splits = list(cv.split(X, y, **split_kwargs))
        if len(splits) != n_splits:
            raise ValueError(
                "cv.split and cv.get_n_splits return inconsistent results. Expected "
                f"{n_splits} splits, got {len(splits)}"
            )
        if not splits:
            raise ValueError(
                "No fits were performed. Was the CV iterator empty? Were there no "
                "candidates?"
            )
        sample_weight = fit_params.get("sample_weight")
        names = groups[0]["outputs"].names
        check_output_sample_weight(sample_weight, len(Xc), len(names), names=names)
        # scikit-learn wraps a dict of scorers in a _MultimetricScorer.
        named = getattr(scorers, "_scorers", scorers)
        for scorer in named.values() if isinstance(named, dict) else [named]:
            if isinstance(scorer, _OutputScorer):  # before any training
                scorer.output_index(names)
        for group in groups:
            if not group["separate"]:
                self._plan_copies(group, candidates, splits, Xc, sample_weight)
        return SimpleNamespace(
            candidates=candidates, base=base, scorers=scorers,
            refit_metric=refit_metric, X=X, y=y, Xc=Xc, routed=routed,
            fit_params=fit_params, groups=groups, splits=splits,
        )

    def _plan_groups(self, base, candidates, X, y):
        """Group the candidates; check every group and candidate (no training).

        Each group's settings are checked by the estimator itself:
        ``initialize`` on the whole data builds its network (no training) and
        tells the outputs' names, kinds and classes.
        """
        groups = []
        for shared, members in _group_candidates(candidates):
            estimator = clone(base).set_params(**shared)
            # Dynamic rules and per-output early stopping (each fit's own
            # held-out rows, epochs and snapshots) train as separate fits.
            separate = _is_dynamic(estimator) or bool(estimator.early_stopping)
            group = {"estimator": estimator, "members": members,
                     "separate": separate}
            template = clone(estimator).set_params(**candidates[members[0]])
            if not separate:
                _check_stackable(template)
                group["optimizer"] = _make_optimizer(template)
            group["params"] = template.get_params(deep=False)
            template.initialize(X, y)
            # initialize built the network to check the settings; the jobs use
            # the template's fitted attributes only, so it leaves the network
            # behind (a parallel job would otherwise unpickle it).
            for name in ("model_", "_forward_cache"):
                template.__dict__.pop(name, None)
            group["template"] = template
            group["outputs"] = outputs = _Outputs(template, y)
            group["entries"], group["loss_weights"] = {}, {}
            for i in members:
                candidate = clone(estimator).set_params(**candidates[i])
                entries = outputs.class_weight_entries(candidate.class_weight)
                for entry, classes, codes, name in zip(
                    entries, outputs.classes, outputs.codes, outputs.names,
                    strict=True,
                ):
                    if entry is not None:  # checks names, labels and values
                        class_weights_for_output(
                            entry, classes, np.bincount(codes), output_name=name
                        )
                group["entries"][i] = entries
                group["loss_weights"][i] = resolve_loss_weights(
                    candidate.loss_weights, outputs.names
                ) or [1.0] * len(outputs.names)
            groups.append(group)
        return groups

    def _check_cv(self, y, outputs):
        cv = self.cv
        if cv is not None and not (
            isinstance(cv, numbers.Integral) and not isinstance(cv, bool)
        ):
            return check_cv(cv, y, classifier=is_classifier(self.estimator))
        n_splits = 5 if cv is None else int(cv)
        labelled = [k for k, t in enumerate(outputs.types) if t != "regression"]
        if not labelled:
            return KFold(n_splits)
        if outputs.single and outputs.present[0].all():
            return StratifiedKFold(n_splits)
        if len(labelled) == len(outputs.types):
            return MultiOutputStratifiedKFold(n_splits)
        return _OnColumns(MultiOutputStratifiedKFold(n_splits), labelled)

    def _plan_copies(self, group, candidates, splits, Xc, sample_weight):
        """Each copy's moments, targets and sample weights (checked, no training)."""
        outputs = group["outputs"]
        n = len(Xc)
        sw = check_output_sample_weight(sample_weight, n, len(outputs.names),
                                        names=outputs.names)
        copies = [
            _Copy(i, s, train, test)
            for i in group["members"] for s, (train, test) in enumerate(splits)
        ]
        n_copies = len(copies)
        masks = np.zeros((n_copies, n), dtype=bool)
        for c, copy in enumerate(copies):
            masks[c, copy.train] = True
        n_train = masks.sum(axis=1)
        X64 = Xc.astype(np.float64)
        group["mean"] = np.stack([X64[m].mean(axis=0) for m in masks])
        group["var"] = np.stack([X64[m].var(axis=0) for m in masks])

        batch_size = _routed(group["params"], "batch_size") or 32
        if batch_size == -1 or batch_size >= n_train.max():
            stacked_batch = n
            rescale = n / n_train
        else:
            stacked_batch = int(min(n, round(batch_size * n / n_train.mean())))
            rescale = np.full(n_copies, stacked_batch / batch_size)
        group["batch_size"] = stacked_batch

        targets, weights, moments = [], [], []
        for k, (name, (kind, _)) in enumerate(zip(outputs.names, outputs.kinds,
                                                  strict=True)):
            # Each copy's training rows that have this output's label.
            labelled = masks & outputs.present[k]
            weight = labelled.T.astype(np.float64)
            if sw is not None:
                weight *= sw[:, k:k + 1]
            if kind == REGRESSION:
                values = outputs.values[k]
                mean = np.array([values[m].mean() for m in labelled])
                scale = np.array([values[m].std() or 1.0 for m in labelled])
                targets.append(((values[:, None] - mean) / scale).astype(np.float32))
                moments.append((mean, scale))
            else:
                codes = outputs.codes[k]
                n_classes = len(outputs.classes[k])
                counts = np.stack([np.bincount(codes[m], minlength=n_classes)
                                   for m in labelled])
                self._check_fold_classes(copies, counts, outputs, k)
                for c, copy in enumerate(copies):
                    entry = group["entries"][copy.candidate][k]
                    if entry is not None:
                        per_class = class_weights_for_output(
                            entry, outputs.classes[k], counts[c], output_name=name
                        )
                        weight[:, c] *= per_class[codes]
                targets.append(np.repeat(codes[:, None].astype(np.float32),
                                         n_copies, axis=1))
                moments.append(None)
            # The estimator trains on float32 weights; the rescaling and loss
            # weight then multiply as Keras applies them.
            weight = weight.astype(np.float32).astype(np.float64)
            lw = np.array([group["loss_weights"][copy.candidate][k]
                           for copy in copies])
            weights.append((weight * (rescale * lw)).astype(np.float32))
        empty = [(copies[c], outputs.names[k]) for k, w in enumerate(weights)
                 for c in np.flatnonzero(~w.any(axis=0))
                 if group["loss_weights"][copies[c].candidate][k] > 0]
        if empty:
            copy, name = empty[0]
            raise ValueError(
                "class_weight and sample_weight give no weight to any training "
                f"sample of output {name!r} in fold {copy.split} (candidate "
                f"{candidates[copy.candidate]}): nothing to train on. Got all "
                "zeros instead."
            )
        group["copies"], group["targets"], group["weights"] = copies, targets, weights
        group["moments"] = moments

    @staticmethod
    def _check_fold_classes(copies, counts, outputs, k):
        missing = np.argwhere(counts == 0)
        if missing.size:
            c, cls = missing[0]
            raise ValueError(
                f"Training fold {copies[c].split} has no sample of class "
                f"{outputs.classes[k][cls]!r} of output {outputs.names[k]!r}; a "
                "separate fit there would build another network. Use a stratified "
                "cv (MultiOutputStratifiedKFold) or fewer folds. Got a fold "
                "without that class instead."
            )

    # ----------------------------------------------------------- training
    def _train_group(self, group, Xc):
        """Build and train a group's stacked network; returns it."""
        template, outputs, params = group["template"], group["outputs"], group["params"]
        options = _network_options(template)
        seed = seed_from_random_state(params.get("random_state"))
        heads = [(kind, width, name) for (kind, width), name
                 in zip(outputs.kinds, template.output_layer_names_, strict=True)]
        with seeded(seed):
            network = StackedNetwork(
                group["mean"], group["var"],
                hidden_layer_sizes=tuple(options["hidden_layer_sizes"]),
                activation=options["activation"], dropout=float(options["dropout"]),
                heads=heads, seed=seed, same_init=seed is not None,
            )
            network.fit(
                Xc, group["targets"], group["weights"], optimizer=group["optimizer"],
                epochs=_routed(params, "epochs", 100), batch_size=group["batch_size"],
                shuffle=bool(_routed(params, "shuffle", True)), seed=seed,
            )
        return network

    def _fit_stacked(self, group, Xc, X, y, splits, scorers, score_params):
        """Train a group's stacked network and score its copies: a list of
        ``(index in cv_results_ order, result)``."""
        template, copies = group["template"], group["copies"]
        out = []
        start = time.time()
        network = self._train_group(group, Xc)
        finite = network.finite_copies()
        fit_time = (time.time() - start) / len(copies)
        full = network.forward(Xc)
        tests = [(_safe_indexing(X, test), _safe_indexing(y, test), test)
                 for _, test in splits]
        trains = [(_safe_indexing(X, train), _safe_indexing(y, train), train)
                  for train, _ in splits]
        known = [(t[0], t[2]) for t in tests + (trains if self.return_train_score
                                                else [])]
        for c, copy in enumerate(copies):
            result = {"fit_time": fit_time, "n_test_samples": len(copy.test),
                      "fit_error": None}
            moments = group["moments"]
            target_moments = None
            if any(m is not None for m in moments):
                target_moments = (
                    np.array([np.nan if m is None else m[0][c] for m in moments]),
                    np.array([np.nan if m is None else m[1][c] for m in moments]),
                )
            view = _copy_view(template, network, c, (known, full), target_moments)
            if not finite[c]:
                message = (
                    f"Training diverged for candidate {copy.candidate} on fold "
                    f"{copy.split}: its weights are NaN or infinite."
                )
                if self.error_score == "raise":
                    raise NonFiniteLossError(message)
                result["fit_error"] = f"NonFiniteLossError: {message}"
                error = self.error_score
                if hasattr(scorers, "_scorers"):
                    error = dict.fromkeys(scorers._scorers, self.error_score)
                result["test_scores"] = error
                if self.return_train_score:
                    result["train_scores"] = error
                result["score_time"] = 0.0
            else:
                X_test, y_test, test = tests[copy.split]
                kwargs = _check_method_params(X, params=score_params, indices=test)
                t0 = time.time()
                result["test_scores"] = _score(view, X_test, y_test, scorers, kwargs,
                                               self.error_score)
                result["score_time"] = time.time() - t0
                if self.return_train_score:
                    X_train, y_train, train = trains[copy.split]
                    kwargs = _check_method_params(X, params=score_params,
                                                  indices=train)
                    result["train_scores"] = _score(view, X_train, y_train, scorers,
                                                    kwargs, self.error_score)
            out.append((copy.candidate * len(splits) + copy.split, result))
        return out

    def _separate_jobs(self, group, candidates, splits, X, y, scorers, fit_params,
                       score_params):
        """One ``fit`` per candidate x fold, as ``GridSearchCV`` runs them: a
        job each, returning ``[(index, result)]``."""
        return [
            delayed(_fit_and_score_at)(
                i * len(splits) + s,
                clone(group["estimator"]), X, y, scorer=scorers, train=train,
                test=test, verbose=self.verbose, parameters=candidates[i],
                fit_params=fit_params, score_params=score_params,
                return_train_score=self.return_train_score,
                return_n_test_samples=True, return_times=True,
                error_score=self.error_score,
            )
            for i in group["members"] for s, (train, test) in enumerate(splits)
        ]


def _fit_and_score_at(index, *args, **kwargs):
    """scikit-learn's ``_fit_and_score``, as ``[(index, its result)]``."""
    return [(index, _fit_and_score(*args, **kwargs))]


class _OnColumns:
    """A splitter that stratifies on some columns of ``y`` only."""

    def __init__(self, cv, columns):
        self.cv = cv
        self.columns = columns

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.cv.get_n_splits(X, y, groups)

    def split(self, X, y, groups=None):
        columns = split_target_columns(y).columns
        labels = pd.DataFrame({str(k): columns[k] for k in self.columns})
        return self.cv.split(X, labels, groups)
