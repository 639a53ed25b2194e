"""The planning part of :class:`~skweight.model_selection.WeightGridSearchCV`.

Everything the search decides and checks before any training: the
candidates, grouped by the network they share (:class:`Group`), the splits,
and, for each stacked group, every copy's standardisation, targets and sample
weights. :func:`plan_search` returns it all as a :class:`SearchPlan`; the
training part (``_search.py``) only reads it.
"""

from __future__ import annotations

from skweight import _env

# A worker process that unpickles a search job may load this module first
# (a Group travels with it): TensorFlow starts quietly there too.
_env.configure_logging()

import inspect
import numbers
from dataclasses import dataclass, field
from typing import Any

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
from sklearn.utils import indexable
from sklearn.utils.validation import _check_method_params, check_array

from skweight._targets._columns import (
    encode_labels,
    fill_missing_labels,
    split_target_columns,
)
from skweight._targets._weights import (
    check_output_sample_weight,
    class_weights_for_output,
    is_strategy_entry,
    resolve_class_weight,
)
from skweight._validation import (
    check_numeric_features,
    resolve_loss_weights,
)
from skweight.metrics import _OutputScorer
from skweight.model_selection._split import MultiOutputStratifiedKFold
from skweight.model_selection._stacked import (
    BINARY,
    MULTICLASS,
    REGRESSION,
)

__all__ = ["Group", "SearchPlan", "plan_search"]

# Parameters in which candidates of one stacked network may differ.
_STACKED_PARAMS = ("class_weight", "loss_weights")

# Parameters the stacked training reproduces (or that do not touch training).
_HANDLED_PARAMS = frozenset({
    "class_weight", "loss_weights", "optimizer", "batch_size", "epochs", "shuffle",
    "random_state", "verbose", "run_eagerly", "warm_start", "metrics",
    "validation_batch_size", "output_types", "missing_labels",
})
_HANDLED_FIT_PARAMS = frozenset({"batch_size", "epochs", "shuffle", "verbose"})


@dataclass
class Group:
    """Candidates that share a network, and what training them needs.

    The first fields are set for every group when the candidates are grouped
    (:func:`plan_groups`); those from ``mean`` on only for a stacked group,
    by :func:`plan_copies`.
    """

    # The estimator with the group's shared (network) parameters.
    estimator: Any
    # Indices of the group's candidates in the grid.
    members: list[int]
    # True: one separate fit per candidate x fold (dynamic rules, early
    # stopping); False: one stacked network.
    separate: bool
    # The first candidate's parameters, as the estimator holds them.
    params: dict[str, Any]
    # The first candidate, initialised on the whole data (no network kept).
    template: Any
    # The outputs of y as the template sees them.
    outputs: _Outputs
    # Per candidate index: one class-weight entry per output.
    entries: dict[int, list[Any]] = field(default_factory=dict)
    # Per candidate index: one loss weight per output.
    loss_weights: dict[int, list[float]] = field(default_factory=dict)
    # A fresh optimizer as the estimator compiles it (stacked groups).
    optimizer: Any = None
    # Each copy's feature mean and variance (its training fold's).
    mean: np.ndarray | None = None
    var: np.ndarray | None = None
    # Rows in a batch of the stacked network.
    batch_size: int | None = None
    # One _Copy per candidate x fold, in the stacked network's order.
    copies: list[_Copy] | None = None
    # Per output: targets and sample weights, one column per copy.
    targets: list[np.ndarray] | None = None
    weights: list[np.ndarray] | None = None
    # Per output: None, or a regression output's (mean, scale) per copy.
    moments: list[Any] | None = None


@dataclass
class SearchPlan:
    """What :func:`plan_search` decides and checks before any training."""

    candidates: list[dict[str, Any]]  # the grid's parameter settings
    base: Any  # a clone of the search's estimator
    scorers: Any  # as BaseSearchCV._get_scorers returns them
    refit_metric: Any
    X: Any  # X and y as indexable returns them
    y: Any
    Xc: np.ndarray  # X as a dense float32 array
    routed: Any  # the routed fit parameters
    fit_params: dict[str, Any]  # the estimator's fit parameters
    groups: list[Group]
    splits: list[tuple[np.ndarray, np.ndarray]]  # (train, test) per fold


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


def routed(params, name, default=None):
    """A training parameter as the estimator uses it (``fit__name`` first)."""
    return params.get(f"fit__{name}", params.get(name, default))


def _refuse(what, value, why):
    raise ValueError(
        f"WeightGridSearchCV trains the candidates x folds as one stacked copy "
        f"of the built-in network, which cannot reproduce {what}={value!r}: "
        f"{why}. Use sklearn.model_selection.GridSearchCV for this search. Got "
        f"{what}={value!r} instead."
    )


def _check_stackable(estimator):
    """Refuse, before training, what one stacked network cannot reproduce."""
    params = estimator.get_params(deep=False)
    if params.get("model") is not None or params.get("build_fn") is not None:
        _refuse("model", params.get("model"), "only the built-in network "
                "(model=None) is stacked")
    if params.get("loss") is not None:
        _refuse("loss", params["loss"], "the stacked network trains the default "
                "losses only")
    if params.get("callbacks"):
        _refuse("callbacks", params["callbacks"], "callbacks would see the stacked "
                "network, not one fit")
    if routed(params, "validation_split", 0.0):
        _refuse("validation_split", routed(params, "validation_split"),
                "Keras' validation split holds out the last rows of the whole data")
    _check_other_params(estimator, params)


def _check_other_params(estimator, params):
    """Refuse a parameter the stacked training does not reproduce."""
    defaults = {
        name: p.default
        for name, p in inspect.signature(type(estimator).__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    for name, value in params.items():
        if name.startswith("model__") or name.startswith("optimizer__"):
            continue
        if name.startswith("fit__"):
            if name[5:] not in _HANDLED_FIT_PARAMS | {"validation_split"}:
                _refuse(name, value, "only fit__batch_size, fit__epochs, "
                        "fit__shuffle and fit__verbose are reproduced")
            continue
        if name.startswith(("predict__", "compile__steps_per_execution")):
            continue
        if name in _HANDLED_PARAMS or name in ("model", "build_fn", "loss",
                                              "callbacks", "validation_split"):
            continue
        if name in defaults and _same_value(value, defaults[name]):
            continue
        _refuse(name, value, "this parameter is not reproduced by the stacked "
                "training")


def _make_optimizer(estimator):
    """A fresh optimizer as the estimator would compile it."""
    optimizer = estimator._compile_arguments()["optimizer"]
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


# ---------------------------------------------------------------- the plan
def plan_search(search, X, y, params):
    """Check everything and prepare every copy's data (no training).

    Parameters
    ----------
    search : WeightGridSearchCV
        The search (its parameters and scikit-learn's routing and scorers).
    X, y : array-like
        As given to ``fit``.
    params : dict
        ``fit``'s other keyword arguments.

    Returns
    -------
    SearchPlan
    """
    search._validate_params()
    _check_estimator(search.estimator)
    if y is None:
        raise ValueError(
            "WeightGridSearchCV requires y to be passed, but the target y is "
            "None."
        )
    candidates = list(ParameterGrid(search.param_grid))
    base = clone(search.estimator)
    for params_ in candidates:
        clone(base).set_params(**params_)  # unknown names raise here
    scorers, refit_metric = search._get_scorers()
    X, y = indexable(X, y)
    routed_params = search._get_routed_params_for_fit(
        _check_method_params(X, params=params))
    fit_params = _check_fit_params(routed_params)
    Xc = _dense_features(X)
    groups = plan_groups(base, candidates, X, y)
    splits = _plan_splits(search, X, y, groups[0].outputs,
                          routed_params.splitter.split)
    sample_weight = fit_params.get("sample_weight")
    names = groups[0].outputs.names
    check_output_sample_weight(sample_weight, len(Xc), len(names), names=names)
    _check_output_scorers(scorers, names)
    for group in groups:
        if not group.separate:
            plan_copies(group, candidates, splits, Xc, sample_weight)
    return SearchPlan(
        candidates=candidates, base=base, scorers=scorers,
        refit_metric=refit_metric, X=X, y=y, Xc=Xc, routed=routed_params,
        fit_params=fit_params, groups=groups, splits=splits,
    )


def _check_fit_params(routed_params):
    """The estimator's fit parameters: sample_weight at most."""
    fit_params = dict(routed_params.estimator.fit)
    unknown = sorted(set(fit_params) - {"sample_weight"})
    if unknown:
        raise TypeError(
            "WeightGridSearchCV.fit takes groups and sample_weight. Got other "
            f"fit parameter(s) {unknown} instead."
        )
    return fit_params


def _dense_features(X):
    """``X`` checked numeric, as a dense float32 array."""
    check_numeric_features(X)
    Xc = check_array(X, dtype=np.float32, accept_sparse=("csr", "csc", "coo"))
    if hasattr(Xc, "toarray"):
        Xc = Xc.toarray()
    return Xc


def _check_output_scorers(scorers, names):
    """An output scorer's output must be one of ``names`` (before training)."""
    # scikit-learn wraps a dict of scorers in a _MultimetricScorer.
    named = getattr(scorers, "_scorers", scorers)
    for scorer in named.values() if isinstance(named, dict) else [named]:
        if isinstance(scorer, _OutputScorer):
            scorer.output_index(names)


def _plan_splits(search, X, y, outputs, split_kwargs):
    """The (train, test) index pairs of every fold, checked."""
    cv = check_search_cv(search.cv, search.estimator, y, outputs)
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
    return splits


def check_search_cv(cv, estimator, y, outputs):
    """The splitter: an int or None stratifies on every labelled output."""
    if cv is not None and not (
        isinstance(cv, numbers.Integral) and not isinstance(cv, bool)
    ):
        return check_cv(cv, y, classifier=is_classifier(estimator))
    n_splits = 5 if cv is None else int(cv)
    labelled = [k for k, t in enumerate(outputs.types) if t != "regression"]
    if not labelled:
        return KFold(n_splits)
    if outputs.single and outputs.present[0].all():
        return StratifiedKFold(n_splits)
    if len(labelled) == len(outputs.types):
        return MultiOutputStratifiedKFold(n_splits)
    return _OnColumns(MultiOutputStratifiedKFold(n_splits), labelled)


# ---------------------------------------------------------------- groups
def plan_groups(base, candidates, X, y):
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
        template = clone(estimator).set_params(**candidates[members[0]])
        optimizer = None
        if not separate:
            _check_stackable(template)
            optimizer = _make_optimizer(template)
        params = template.get_params(deep=False)
        template.initialize(X, y)
        # initialize built the network to check the settings; the jobs use
        # the template's fitted attributes only, so it leaves the network
        # behind (a parallel job would otherwise unpickle it).
        for name in ("model_", "_forward_cache"):
            template.__dict__.pop(name, None)
        group = Group(estimator=estimator, members=members, separate=separate,
                      params=params, template=template,
                      outputs=_Outputs(template, y), optimizer=optimizer)
        for i in members:
            _plan_candidate(group, clone(estimator).set_params(**candidates[i]), i)
        groups.append(group)
    return groups


def _plan_candidate(group, candidate, i):
    """Check candidate ``i``'s class and loss weights; note them in ``group``."""
    outputs = group.outputs
    entries = outputs.class_weight_entries(candidate.class_weight)
    for entry, classes, codes, name in zip(
        entries, outputs.classes, outputs.codes, outputs.names, strict=True,
    ):
        if entry is not None:  # checks names, labels and values
            class_weights_for_output(
                entry, classes, np.bincount(codes), output_name=name
            )
    group.entries[i] = entries
    group.loss_weights[i] = resolve_loss_weights(
        candidate.loss_weights, outputs.names
    ) or [1.0] * len(outputs.names)


# ---------------------------------------------------------------- copies
def plan_copies(group, candidates, splits, Xc, sample_weight):
    """Each copy's moments, targets and sample weights (checked, no training)."""
    outputs = group.outputs
    n = len(Xc)
    sw = check_output_sample_weight(sample_weight, n, len(outputs.names),
                                    names=outputs.names)
    copies = [
        _Copy(i, s, train, test)
        for i in group.members for s, (train, test) in enumerate(splits)
    ]
    masks = np.zeros((len(copies), n), dtype=bool)
    for c, copy in enumerate(copies):
        masks[c, copy.train] = True
    X64 = Xc.astype(np.float64)
    group.mean = np.stack([X64[m].mean(axis=0) for m in masks])
    group.var = np.stack([X64[m].var(axis=0) for m in masks])
    group.batch_size, rescale = _stacked_batch(group.params, n, masks.sum(axis=1))
    targets, weights, moments = [], [], []
    for k in range(len(outputs.names)):
        target, weight, moment = _output_data(group, copies, masks, sw, k)
        # The estimator trains on float32 weights; the rescaling and loss
        # weight then multiply as Keras applies them.
        weight = weight.astype(np.float32).astype(np.float64)
        lw = np.array([group.loss_weights[copy.candidate][k] for copy in copies])
        targets.append(target)
        weights.append((weight * (rescale * lw)).astype(np.float32))
        moments.append(moment)
    _check_weighted(group, copies, weights, candidates)
    group.copies, group.targets, group.weights = copies, targets, weights
    group.moments = moments


def _stacked_batch(params, n, n_train):
    """The stacked network's batch size, and each copy's loss rescaling."""
    batch_size = routed(params, "batch_size") or 32
    if batch_size == -1 or batch_size >= n_train.max():
        return n, n / n_train
    stacked_batch = int(min(n, round(batch_size * n / n_train.mean())))
    return stacked_batch, np.full(len(n_train), stacked_batch / batch_size)


def _output_data(group, copies, masks, sw, k):
    """Output ``k``'s targets, sample weights (one column per copy) and
    moments (a regression output's (mean, scale) per copy, or None)."""
    outputs = group.outputs
    # Each copy's training rows that have this output's label.
    labelled = masks & outputs.present[k]
    weight = labelled.T.astype(np.float64)
    if sw is not None:
        weight *= sw[:, k:k + 1]
    if outputs.kinds[k][0] == REGRESSION:
        values = outputs.values[k]
        mean = np.array([values[m].mean() for m in labelled])
        scale = np.array([values[m].std() or 1.0 for m in labelled])
        target = ((values[:, None] - mean) / scale).astype(np.float32)
        return target, weight, (mean, scale)
    codes = outputs.codes[k]
    counts = np.stack([np.bincount(codes[m], minlength=len(outputs.classes[k]))
                       for m in labelled])
    _check_fold_classes(copies, counts, outputs, k)
    for c, copy in enumerate(copies):
        entry = group.entries[copy.candidate][k]
        if entry is not None:
            per_class = class_weights_for_output(
                entry, outputs.classes[k], counts[c], output_name=outputs.names[k]
            )
            weight[:, c] *= per_class[codes]
    target = np.repeat(codes[:, None].astype(np.float32), len(copies), axis=1)
    return target, weight, None


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


def _check_weighted(group, copies, weights, candidates):
    """Every copy has some weight on each output it trains (loss weight > 0)."""
    empty = [(copies[c], group.outputs.names[k]) for k, w in enumerate(weights)
             for c in np.flatnonzero(~w.any(axis=0))
             if group.loss_weights[copies[c].candidate][k] > 0]
    if empty:
        copy, name = empty[0]
        raise ValueError(
            "class_weight and sample_weight give no weight to any training "
            f"sample of output {name!r} in fold {copy.split} (candidate "
            f"{candidates[copy.candidate]}): nothing to train on. Got all "
            "zeros instead."
        )
