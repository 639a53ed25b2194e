"""Class-weight strategies and per-output sample weights (NumPy only).

Each output of a multi-output target gets its own per-class weights, which
become that output's sample weights. Unlike
:func:`sklearn.utils.class_weight.compute_sample_weight`, the weights of
different outputs are never multiplied together: in a shared-trunk network
each output has its own loss term, and each term is weighted by its own labels.
"""

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from skweight._targets._columns import (
    discount_outputs,
    encode_labels,
    mask_missing_labels,
    split_target_columns,
    zero_missing_weights,
)
from skweight._validation import (
    CheckedParams,
    check_parameter,
    describe,
    did_you_mean,
    per_output,
    real_in,
)

__all__ = [
    "ClassWeightStrategy",
    "EffectiveNumber",
    "InverseFrequency",
    "compute_output_sample_weight",
    "weigh_outputs",
]

# What ``class_weight`` accepts (see WeightedMultiOutputClassifier).
ClassWeight = Union[
    None,
    str,
    "ClassWeightStrategy",
    Callable[[np.ndarray, np.ndarray], ArrayLike],
    Mapping[Any, Any],
    Sequence[Any],
]


class ClassWeightStrategy(CheckedParams, BaseEstimator):
    """Base class of the class-weight strategies.

    A strategy maps the classes of one output and their counts to per-class
    weights. Subclasses implement :meth:`raw_weights`; calling the strategy
    scales those weights so that the output's mean sample weight is 1, which
    keeps the loss on the same scale whatever the strategy, so that a learning
    rate tuned without weights stays sound with them.

    Subclasses are scikit-learn estimators in the parameter sense
    (``get_params``/``set_params``), so ``GridSearchCV`` can tune
    ``class_weight__<param>``.

    Examples
    --------
    A strategy of one's own is one small class:

    >>> import numpy as np
    >>> from skweight import ClassWeightStrategy, compute_output_sample_weight
    >>> class LogInverse(ClassWeightStrategy):
    ...     def __init__(self, offset=1.0):
    ...         self.offset = offset
    ...     def raw_weights(self, classes, counts):
    ...         return 1.0 / np.log(self.offset + counts)
    >>> w = compute_output_sample_weight(LogInverse(), np.array([0] * 9 + [1]))
    >>> round(float(w.mean()), 6), bool(w[-1, 0] > w[0, 0])
    (1.0, True)
    """

    def raw_weights(self, classes: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Unscaled per-class weights; the one method a strategy implements.

        Parameters
        ----------
        classes : ndarray of shape (n_classes,)
            The output's classes, sorted.
        counts : ndarray of shape (n_classes,)
            The (sample-weighted) count of each class.

        Returns
        -------
        ndarray of shape (n_classes,)
            Positive weights, in any scale (``__call__`` scales them).
        """
        raise NotImplementedError

    def __call__(self, classes: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Per-class weights scaled to mean sample weight 1.

        Parameters
        ----------
        classes : ndarray of shape (n_classes,)
            The sorted classes of one output.
        counts : ndarray of shape (n_classes,)
            The number of samples (or the total sample weight) of each class.

        Returns
        -------
        ndarray of shape (n_classes,), dtype float64
        """
        self._validate_params()
        counts = np.asarray(counts, dtype=np.float64)
        weights = np.asarray(self.raw_weights(classes, counts), dtype=np.float64)
        return scale_to_unit_mean(weights, counts)


def scale_to_unit_mean(weights, counts):
    """Scale per-class weights so that sum(counts * w) == sum(counts)."""
    total = float(np.dot(counts, weights))
    if not np.isfinite(total) or total <= 0:
        raise ValueError(
            "class weights must give a positive total weight. Got per-class "
            f"weights {weights.tolist()} for class counts {counts.tolist()} instead."
        )
    return weights * (counts.sum() / total)



class InverseFrequency(ClassWeightStrategy):
    """Weights proportional to ``1 / (n_c + smoothing) ** power``.

    ``power=1`` is inverse frequency, identical after scaling to scikit-learn's
    ``"balanced"`` (``n_samples / (n_classes * n_c)``); ``power=0.5`` is the
    milder square-root inverse; ``power=0`` is no weighting. A grid over
    ``class_weight__power`` thus moves from none to full rebalancing.

    Parameters
    ----------
    power : float, default=1.0
        Exponent, >= 0.
    smoothing : float, default=0.0
        Added to each class count before the power, >= 0; damps the weight of
        very rare classes.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import InverseFrequency
    >>> InverseFrequency()(np.array(["a", "b"]), np.array([90, 10]))
    array([0.55555556, 5.        ])
    >>> InverseFrequency(power=0)(np.array(["a", "b"]), np.array([90, 10]))
    array([1., 1.])
    """

    _parameter_checks = {"power": real_in(low=0), "smoothing": real_in(low=0)}

    def __init__(self, power: float = 1.0, smoothing: float = 0.0) -> None:
        self.power = power
        self.smoothing = smoothing

    def raw_weights(self, classes, counts):
        return (np.asarray(counts, dtype=np.float64) + self.smoothing) ** -float(
            self.power
        )


class EffectiveNumber(ClassWeightStrategy):
    """Weights from the effective number of samples (Cui et al., CVPR 2019).

    ``w_c`` proportional to ``(1 - beta) / (1 - beta ** n_c)``: ``beta=0`` is no
    weighting, ``beta`` close to 1 approaches inverse frequency.

    Parameters
    ----------
    beta : float, default=0.999
        In [0, 1).

    References
    ----------
    Y. Cui, M. Jia, T.-Y. Lin, Y. Song, S. Belongie, "Class-Balanced Loss Based on
    Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import EffectiveNumber
    >>> EffectiveNumber(beta=0.99)(np.array([0, 1]), np.array([900, 100])).round(3)
    array([0.945, 1.491])
    """

    _parameter_checks = {"beta": real_in(low=0, high=1, high_open=True)}

    def __init__(self, beta: float = 0.999) -> None:
        self.beta = beta

    def raw_weights(self, classes, counts):
        beta = float(self.beta)
        counts = np.asarray(counts, dtype=np.float64)
        if beta == 0.0:
            return np.ones_like(counts)
        # 1 - beta ** n as -expm1(n * log(beta)): no cancellation for beta near 1.
        return (1.0 - beta) / -np.expm1(counts * np.log(beta))


class _CallableStrategy(ClassWeightStrategy):
    """Adapts a user callable ``f(classes, counts) -> per-class weights``."""

    def __init__(self, func):
        self.func = func

    def raw_weights(self, classes, counts):
        weights = np.asarray(self.func(classes, counts), dtype=np.float64)
        if weights.shape != (len(classes),):
            raise ValueError(
                "A class_weight callable must return one weight per class, shape "
                f"({len(classes)},). Got shape {weights.shape} instead."
            )
        _check_weight_values(weights, "class_weight callable result")
        return weights


# One registry of names; adding a strategy is adding one entry.
STRATEGIES = {
    "balanced": lambda: InverseFrequency(power=1.0),
    "inverse": lambda: InverseFrequency(power=1.0),
    "sqrt_inverse": lambda: InverseFrequency(power=0.5),
    "effective_number": lambda: EffectiveNumber(),
}


def _check_weight_values(weights, what):
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{what} must be finite. Got {weights.tolist()} instead.")
    if np.any(weights < 0):
        raise ValueError(f"{what} must be >= 0. Got {weights.tolist()} instead.")


def is_strategy_entry(entry):
    return isinstance(entry, (str, ClassWeightStrategy)) or (
        callable(entry) and not isinstance(entry, Mapping)
    )


def resolve_class_weight(class_weight, output_names, *, single_output):
    """One class-weight entry per output, from any form the contract allows.

    Returns a list with, per output, None, a strategy name, a strategy object,
    a callable or a ``{label: weight}`` mapping.
    """
    if not (class_weight is None or is_strategy_entry(class_weight)
            or isinstance(class_weight, (Mapping, Sequence))) or isinstance(
                class_weight, bytes):
        raise TypeError(
            "class_weight must be None, a strategy name "
            f"({sorted(STRATEGIES)}), a strategy object, a callable, a dict or a "
            f"list. Got {describe(class_weight)} instead."
        )
    entries = per_output(
        class_weight, output_names, param="class_weight",
        is_single=lambda v: is_strategy_entry(v) or (
            single_output and isinstance(v, Mapping)),
    )
    # A list's entries are named by index here; a dict's, by output name, in
    # class_weights_for_output.
    for k, entry in enumerate(entries if isinstance(class_weight, Sequence)
                              else []):
        if not (entry is None or is_strategy_entry(entry)
                or isinstance(entry, Mapping)):
            raise TypeError(
                f"class_weight[{k}] must be None, a strategy name, a strategy "
                "object, a callable or a {label: weight} dict. Got "
                f"{describe(entry)} instead."
            )
    return entries


def _on_seen_classes(strategy, classes, counts):
    """``strategy``'s weights over the classes that have samples; a class
    with none yet (``partial_fit`` given every class on its first call)
    weighs 0, having no sample to weigh."""
    counts = np.asarray(counts)
    seen = counts > 0
    if seen.all():
        return strategy(classes, counts)
    weights = np.zeros(len(counts), dtype=np.float64)
    weights[seen] = strategy(np.asarray(classes)[seen], counts[seen])
    return weights


def class_weights_for_output(entry, classes, counts, *, output_name="output_0"):
    """Per-class weights of one output (float64, shape (n_classes,)), or None."""
    where = f"class_weight for output {output_name!r}"
    if entry is None:
        return None
    if isinstance(entry, str):
        if entry not in STRATEGIES:
            raise ValueError(
                f"{where} must be one of {sorted(STRATEGIES)}, a strategy object, a "
                f"callable or a dict. Got {entry!r} instead."
                + did_you_mean(entry, STRATEGIES)
            )
        return _on_seen_classes(STRATEGIES[entry](), classes, counts)
    if isinstance(entry, ClassWeightStrategy):
        return _on_seen_classes(entry, classes, counts)
    if isinstance(entry, Mapping):
        return _weights_from_mapping(entry, classes, where)
    if callable(entry):
        return _on_seen_classes(_CallableStrategy(entry), classes, counts)
    raise TypeError(
        f"{where} must be None, a strategy name, a strategy object, a callable or a "
        f"{{label: weight}} dict. Got {describe(entry)} instead."
    )


def _weights_from_mapping(mapping, classes, where):
    """A {label: weight} dict used raw; labels it does not name weigh 1."""
    class_list = classes.tolist()
    lookup = {label: i for i, label in enumerate(class_list)}
    weights = np.ones(len(classes), dtype=np.float64)
    unknown = []
    for label, weight in mapping.items():
        key = label.item() if isinstance(label, np.generic) else label
        if key not in lookup:
            unknown.append(label)
            continue
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise TypeError(
                f"{where}: the weight of label {label!r} must be a real number. Got "
                f"{describe(weight)} instead."
            )
        weights[lookup[key]] = weight
    if unknown:
        raise ValueError(
            f"{where} must name labels of y {class_list}. Got label(s) {unknown} "
            "instead, which this y lacks. In cross-validation a fold can lack a "
            "class: split with skweight.model_selection.MultiOutputStratifiedKFold, "
            "which keeps every output's classes in every fold."
        )
    _check_weight_values(weights, where)
    return weights


def check_output_sample_weight(sample_weight, n_samples, n_outputs, *, names=None):
    """Validate ``sample_weight`` and return it as (n_samples, n_outputs) float64.

    Accepts shape (n_samples,), applied to every output, or (n_samples,
    n_outputs), one column per output. Never returns a view of the input.
    """
    if sample_weight is None:
        return None
    if hasattr(sample_weight, "to_numpy"):
        sample_weight = sample_weight.to_numpy()
    try:
        sw = np.array(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "sample_weight must be an array of numbers. Got "
            f"{describe(sample_weight)} instead."
        ) from None
    if sw.ndim == 0 or sw.ndim > 2:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},) or ({n_samples}, "
            f"{n_outputs}). Got shape {sw.shape} instead."
        )
    if sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have {n_samples} rows, one per sample. Got "
            f"{sw.shape[0]} instead."
        )
    if sw.ndim == 2 and sw.shape[1] != n_outputs:
        raise ValueError(
            f"sample_weight of shape (n_samples, n_outputs) must have {n_outputs} "
            f"column(s), one per output. Got {sw.shape[1]} instead."
        )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight must be finite. Got NaN or infinity instead.")
    if np.any(sw < 0):
        raise ValueError(
            f"sample_weight must be >= 0. Got a minimum of {sw.min()} instead."
        )
    sw = sw.reshape(n_samples, -1)
    if sw.shape[1] == 1 and n_outputs > 1:
        sw = np.repeat(sw, n_outputs, axis=1)
    all_zero = np.flatnonzero(~sw.any(axis=0))
    if all_zero.size:
        which = [names[k] for k in all_zero] if names else all_zero.tolist()
        raise ValueError(
            "sample_weight gives no weight to any sample of output(s) "
            f"{which}: nothing to train on. Got all zeros instead."
        )
    return sw


def weigh_outputs(entries, labels, sample_weight, names, *, out=None):
    """Per-output sample weights: class weight x sample weight, output by output.

    The one place that computes them: ``fit`` and
    :func:`compute_output_sample_weight` both call it.

    Parameters
    ----------
    entries : list
        One class-weight entry per output (from :func:`resolve_class_weight`).
    labels : list of (LabelCodes or None)
        Each output's encoded labels; None for an output without classes (a
        regression output), which gets its sample weights only.
    sample_weight : ndarray of shape (n_samples, n_outputs) or None
        From :func:`check_output_sample_weight`.
    names : list of str
        The output names, for error messages.
    out : ndarray of shape (n_outputs, n_samples), dtype float64, default=None
        Where to write the weights, one row per output (an unweighted output's
        row is filled with 1); the returned weights are then views of its rows.

    Returns
    -------
    weights : list of (ndarray or None)
        Per output, ``w_k[y_k] * sample_weight[:, k]`` (float64), or None when
        the output is unweighted.
    per_class : list of (ndarray or None)
        Per output, the per-class weights used (None when unweighted).
    """
    weights, per_class, empty = [], [], []
    for k, (entry, lab, name) in enumerate(zip(entries, labels, names,
                                               strict=True)):
        w = None if lab is None else class_weights_for_output(
            entry, lab.classes, lab.counts, output_name=name)
        row = None if out is None else out[k]
        column = None if w is None else lab.take(w, out=row)
        if sample_weight is not None:
            if column is None and row is None:
                column = sample_weight[:, k]
            elif column is None:
                row[:] = sample_weight[:, k]
                column = row
            else:
                column = np.multiply(column, sample_weight[:, k], out=row)
        if column is not None and not column.any():
            empty.append(name)
        if column is None and row is not None:
            row.fill(1.0)
        weights.append(column)
        per_class.append(w)
    if empty:
        raise ValueError(
            "class_weight and sample_weight give no weight to any sample of "
            f"output(s) {empty}: nothing to train on. Got all zeros instead."
        )
    return weights, per_class


def compute_output_sample_weight(
    class_weight: ClassWeight,
    y: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    missing_labels: str = "raise",
) -> np.ndarray:
    """Per-output sample weights from class weights: never a product.

    Column ``k`` of the result is ``w_k[y[:, k]] * sample_weight[:, k]``, where
    ``w_k`` are the per-class weights of output ``k`` alone.
    :func:`sklearn.utils.class_weight.compute_sample_weight` instead returns the
    product over outputs, which couples the outputs' losses in a shared-trunk
    network.

    Parameters
    ----------
    class_weight : None, str, ClassWeightStrategy, callable, dict or list
        ``None``; a strategy for every output (``"balanced"``, ``"inverse"``,
        ``"sqrt_inverse"``, ``"effective_number"``, a strategy object, or
        ``f(classes, counts) -> weights``); a ``{label: weight}`` dict for
        one-dimensional ``y``; for two-dimensional ``y`` a list with one entry
        per output or a ``{output_name: entry}`` dict. Strategies are scaled to
        mean sample weight 1 per output; dicts are used as given.
    y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
        Labels of any sortable kind.
    sample_weight : array-like of shape (n_samples,) or (n_samples, n_outputs), \
            default=None
        Multiplies the class weights; a 1-D array applies to every output.
    missing_labels : {"raise", "mask"}, default="raise"
        What a missing label (NaN, None, ``pd.NA``) does: ``"raise"`` refuses
        it with a ``ValueError``; ``"mask"`` gives that sample weight 0 for
        that output alone, and the class-weight strategies count the labelled
        samples only (what the estimators' ``missing_labels="mask"`` trains
        with). A Keras loop fed these weights still needs a placeholder label
        in each hole: any class of that output, since its weight is 0.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs), dtype float64
        Column ``k`` is output ``k``'s class weight of each sample's label,
        times ``sample_weight``.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import compute_output_sample_weight
    >>> y = np.array([[0, "a"], [0, "a"], [0, "b"], [1, "a"]], dtype=object)
    >>> compute_output_sample_weight("balanced", y)
    array([[0.66666667, 0.66666667],
           [0.66666667, 0.66666667],
           [0.66666667, 2.        ],
           [2.        , 0.66666667]])
    """
    check_parameter("missing_labels", missing_labels)
    targets = split_target_columns(y)
    names = targets.names
    entries = resolve_class_weight(class_weight, names,
                                   single_output=targets.ndim == 1)
    sw = check_output_sample_weight(sample_weight, targets.n_samples,
                                    targets.n_outputs, names=names)
    targets, present = mask_missing_labels(targets, missing_labels)
    # Labels are checked as fit checks them (no NaN, None or mixed kinds).
    labels = [encode_labels(column, name=name)
              for column, name in zip(targets.columns, names, strict=True)]
    # As fit does: class counts over the labelled samples, and a missing
    # label weighs 0 for its own output only.
    labels = discount_outputs(labels, present)
    sw = zero_missing_weights(sw, present)
    # One contiguous row per output, written in place; the transpose hands
    # back (n_samples, n_outputs) whose columns, the arrays Keras receives,
    # stay contiguous.
    out = np.empty((targets.n_outputs, targets.n_samples), dtype=np.float64)
    weigh_outputs(entries, labels, sw, names, out=out)
    return out.T
