"""Per-output target handling: columns, names, labels <-> integer codes.

NumPy and pandas only: this module must not import Keras, so that the weight
computation that builds on it stays cheap to import and to test.
"""

import numbers
import re

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)

__all__ = [
    "LabelCodes",
    "accumulate_counts",
    "check_partial_classes",
    "TargetColumns",
    "discount_missing",
    "discount_outputs",
    "encode_labels",
    "fill_missing_labels",
    "mask_missing_labels",
    "present_labels",
    "score_targets",
    "split_target_columns",
    "unbox_labels",
    "zero_missing_weights",
]

# Integer labels whose range is at most this many times the number of samples
# are counted with a bincount lookup table instead of a sort.
_DENSE_RANGE_FACTOR = 4


class TargetColumns:
    """The columns of a classification target, one 1-D array per output.

    Attributes
    ----------
    columns : list of ndarray
        One 1-D array of labels per output, each in its own dtype.
    names : list of str
        Output names: the DataFrame's column names, a Series' name, or
        ``"output_<k>"``.
    ndim : int
        1 when ``y`` was one-dimensional, 2 otherwise.
    """

    def __init__(self, columns, names, ndim):
        self.columns = columns
        self.names = names
        self.ndim = ndim
        # partial_fit: per output, the classes (an array) or the fitted
        # output (its classes or moments kept) to encode onto; None: learn
        # them from the column.
        self.given = [None] * len(columns)

    @property
    def n_outputs(self):
        return len(self.columns)

    @property
    def n_samples(self):
        return len(self.columns[0])


def present_labels(column):
    """Boolean mask of the entries of a label column that are not missing
    (missing: NaN, None, ``pd.NA``, ``NaT``)."""
    return ~pd.isna(np.asarray(column))


def score_targets(estimator, X, y, sample_weight, fitted="model_"):
    """Check ``score``'s arguments as ``fit`` does; ``(columns, weights)``.

    ``fitted``: the attribute a fitted ``estimator`` has (None: scikit-learn's
    own test of fitted-ness).
    """
    check_is_fitted(estimator, fitted)
    targets = split_target_columns(y)
    if targets.n_outputs != estimator.n_outputs_:
        raise ValueError(
            f"y has {targets.n_outputs} column(s) but the estimator was fitted on "
            f"{estimator.n_outputs_} output(s)."
        )
    if sample_weight is not None:
        sample_weight = check_array(sample_weight, ensure_2d=False,
                                    dtype=np.float64, input_name="sample_weight")
        if sample_weight.ndim != 1:
            raise ValueError(
                "score takes a sample_weight of shape (n_samples,). Got shape "
                f"{sample_weight.shape} instead."
            )
    check_consistent_length(X, targets.columns[0], sample_weight)
    return targets.columns, sample_weight


def subset_accuracy(true_columns, predicted_columns, sample_weight=None):
    """The (weighted) fraction of samples whose every labelled output is right.

    A missing label (NaN, None, ``pd.NA``) is not judged: a sample counts as
    right when the labels it has are predicted, and a sample with no label at
    all is left out, as the per-output scorers leave out missing rows.
    """
    right = np.ones(len(predicted_columns[0]), dtype=bool)
    labelled = np.zeros(len(right), dtype=bool)
    for true, pred in zip(true_columns, predicted_columns, strict=True):
        present = present_labels(true)
        # Compared where labelled only: pd.NA == label is neither True nor False.
        match = np.zeros(len(right), dtype=bool)
        match[present] = (unbox_labels(np.asarray(true)[present])
                          == np.asarray(pred)[present])
        right &= ~present | match
        labelled |= present
    if not labelled.any():
        raise ValueError(
            "y has no label to score: every value is missing (NaN, None or "
            "pd.NA). Got only missing values instead."
        )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)[labelled]
    return float(np.average(right[labelled], weights=sample_weight))


def mean_output_score(true_columns, predicted_columns, kinds, sample_weight=None):
    """The mean over outputs of accuracy (classification) and R² (regression),
    each output scored on the samples whose label it has."""
    from sklearn.metrics import accuracy_score, r2_score

    scores = []
    for true, pred, kind in zip(true_columns, predicted_columns, kinds,
                                strict=True):
        present = present_labels(true)
        if not present.any():
            raise ValueError(
                "y has an output with no label to score: every value is missing "
                "(NaN, None or pd.NA). Got only missing values instead."
            )
        weight = None if sample_weight is None else np.asarray(sample_weight)[present]
        true = unbox_labels(np.asarray(true)[present])
        pred = unbox_labels(np.asarray(pred)[present])
        if kind == "regression":
            scores.append(r2_score(true.astype(np.float64), pred,
                                   sample_weight=weight))
        else:
            scores.append(accuracy_score(true, pred, sample_weight=weight))
    return float(np.mean(scores))


def fill_missing_labels(columns, names, *, param="y"):
    """Missing labels replaced by placeholders, and where the labels are.

    Each missing entry of a column becomes a copy of that column's first
    labelled value, so that the column encodes as usual; ``fit`` gives the
    placeholders zero weight and :func:`discount_missing` takes them out of the
    class counts. The caller's columns are not modified.

    Returns
    -------
    filled : list of ndarray
        The columns, with placeholders.
    present : list of ndarray of bool
        Per output, which samples are labelled.
    """
    filled, present = [], []
    for column, name in zip(columns, names, strict=True):
        column = np.asarray(column)
        mask = present_labels(column)
        if not mask.any():
            raise ValueError(
                f"{param} column {name!r} has no labels left: every value is "
                "missing (NaN, None or pd.NA), and an output needs labelled "
                f"samples to train on. Got {len(mask)} missing value(s) instead."
            )
        if not mask.all():
            column = column.copy()
            column[~mask] = column[np.argmax(mask)]
            # Numbers or booleans stored as objects only to hold None or
            # pd.NA: back to their own dtype, so that classes_ and predict
            # are the labels scikit-learn's metrics accept.
            column = unbox_labels(column)
            if column.dtype.kind == "f" and np.all(column == np.round(column)):
                # Integer labels stored as floats only to hold NaN (pandas does
                # this): back to integers, the labels the user gave.
                column = column.astype(np.int64)
        filled.append(column)
        present.append(mask)
    return filled, present


def mask_missing_labels(targets, missing_labels):
    """``(targets, present)``: with ``missing_labels="mask"``, missing labels
    replaced by placeholders and where the labels are (None when every
    label is there); with ``"raise"``, a ValueError for a missing label."""
    present = [present_labels(col) for col in targets.columns]
    if all(p.all() for p in present):
        return targets, None
    if missing_labels == "raise":
        name, p = next((n, p) for n, p in zip(targets.names, present,
                                              strict=True) if not p.all())
        raise ValueError(
            f"y column {name!r} has missing labels (NaN, None or pd.NA). Set "
            "missing_labels='mask' to train each output on its labelled "
            f"samples only. Got {(~p).sum()} missing value(s) instead."
        )
    columns, present = fill_missing_labels(targets.columns, targets.names)
    filled = TargetColumns(columns, targets.names, targets.ndim)
    filled.given = targets.given
    return filled, present


def discount_missing(labels, present):
    """``labels`` with class counts over the labelled samples only."""
    if present.all():
        return labels
    counts = np.bincount(labels.codes[present], minlength=len(labels.classes))
    return LabelCodes(labels.classes, counts, labels._keys, labels._key_to_class)


def accumulate_counts(labels, previous):
    """``labels`` with the class counts of earlier ``partial_fit`` calls
    (``previous``, one array or None per output) added."""
    return [
        lab if lab is None or prev is None or len(prev) != len(lab.counts)
        else LabelCodes(lab.classes, lab.counts + prev, lab._keys, lab._key_to_class)
        for lab, prev in zip(labels, previous, strict=True)
    ]


def check_partial_classes(classes, targets, fitted=None):
    """The ``classes`` of ``partial_fit``, one sorted array (or None) per output.

    ``fitted`` is the fitted :class:`~skweight._targets._outputs.OutputSet` after the
    first call: ``classes`` may then only repeat its classes.
    """
    if classes is None:
        return [None] * targets.n_outputs
    names = targets.names
    if targets.ndim == 1:
        entries = [classes]
    elif isinstance(classes, (list, tuple)) and len(classes) == targets.n_outputs:
        entries = list(classes)
    else:
        raise ValueError(
            "classes must give one array of labels (or None) per output for a "
            f"two-dimensional y ({targets.n_outputs}: {names}). Got "
            f"{_describe(classes)} instead."
        )
    result = []
    for k, (name, entry) in enumerate(zip(names, entries, strict=True)):
        if entry is None:
            result.append(None)
            continue
        arr = np.asarray(entry)
        if arr.ndim != 1 or len(arr) < 2:
            raise ValueError(
                f"classes for output {name!r} must be a one-dimensional array of "
                f"at least 2 labels. Got {_describe(entry)} instead."
            )
        sorted_classes = encode_labels(arr, name=name, param="classes").classes
        if len(sorted_classes) != len(arr):
            raise ValueError(
                f"classes for output {name!r} must not repeat a label. Got "
                f"{arr.tolist()} instead."
            )
        if fitted is not None:
            known = fitted.outputs[k].classes
            if known is None or len(known) != len(sorted_classes) or not np.all(
                    np.asarray(known, dtype=object)
                    == np.asarray(sorted_classes, dtype=object)):
                raise ValueError(
                    f"classes for output {name!r} must be the classes of the first "
                    f"partial_fit call, {None if known is None else known.tolist()}. "
                    f"Got {sorted_classes.tolist()} instead."
                )
        result.append(sorted_classes)
    return result


def _describe(value):
    text = repr(value)
    return text if len(text) <= 80 else f"{type(value).__name__} {text[:60]}..."


def discount_outputs(labels, present):
    """Each output's labels (``None`` for a regression output) with class
    counts over its labelled samples; unchanged when ``present`` is None (every
    label there), as :func:`mask_missing_labels` returns it."""
    if present is None:
        return labels
    return [None if lab is None else discount_missing(lab, p)
            for lab, p in zip(labels, present, strict=True)]


def zero_missing_weights(sample_weight, present):
    """Per-output sample weights, shape (n_samples, n_outputs), that are 0
    where an output's label is missing (``sample_weight`` None: 1 elsewhere);
    unchanged when ``present`` is None."""
    if present is None:
        return sample_weight
    mask = np.column_stack(present).astype(np.float64)
    return mask if sample_weight is None else sample_weight * mask


def split_target_columns(y, *, param="y"):
    """Split ``y`` into one label array per output, keeping each column's dtype.

    A DataFrame's mixed columns (strings beside integers) would be flattened to
    ``object`` by ``np.asarray``; splitting first keeps integer labels integer.
    """
    if isinstance(y, pd.DataFrame):
        if y.shape[1] == 0:
            raise ValueError(f"{param} has no columns. Got shape {y.shape} instead.")
        names = [str(c) for c in y.columns]
        columns = [y.iloc[:, k].to_numpy() for k in range(y.shape[1])]
        ndim = 2
    elif isinstance(y, pd.Series):
        names = [str(y.name)] if y.name is not None else ["output_0"]
        columns = [y.to_numpy()]
        ndim = 1
    else:
        if hasattr(y, "toarray"):  # scipy sparse indicator matrix
            y = y.toarray()
        arr = np.asarray(y)
        if arr.dtype.kind == "O" and arr.ndim == 1 and arr.size and isinstance(
            arr[0], (list, tuple, np.ndarray)
        ):
            raise ValueError(
                f"{param} must be an array of shape (n_samples,) or "
                f"(n_samples, n_outputs). Got a sequence of sequences instead."
            )
        if arr.ndim not in (1, 2):
            raise ValueError(
                f"{param} must be an array of shape (n_samples,) or "
                f"(n_samples, n_outputs). Got an array of shape {arr.shape} instead."
            )
        if arr.ndim == 2 and arr.shape[1] == 0:
            raise ValueError(f"{param} has no columns. Got shape {arr.shape} instead.")
        ndim = arr.ndim
        columns = [arr] if ndim == 1 else [arr[:, k] for k in range(arr.shape[1])]
        names = [f"output_{k}" for k in range(len(columns))]
    if len(set(names)) != len(names):
        raise ValueError(f"{param} has duplicate column names. Got {names} instead.")
    return TargetColumns(columns, names, ndim)


# Object columns of one scalar kind, as a 2-D object array or a DataFrame's
# object column holds them; type_of_target calls all but strings "unknown".
_OBJECT_LABEL_DTYPES = {
    "boolean": bool,
    "integer": np.int64,
    "floating": np.float64,
    "mixed-integer-float": np.float64,
}


def unbox_labels(column):
    """An object column of one scalar kind (numbers or booleans, as pandas'
    nullable columns with their missing values taken out, or an object frame,
    hold them) as a numeric or boolean array; any other column unchanged."""
    column = np.asarray(column)
    if column.dtype != object or not column.size:
        return column
    inferred = pd.api.types.infer_dtype(column, skipna=False)
    if inferred in _OBJECT_LABEL_DTYPES:
        return column.astype(_OBJECT_LABEL_DTYPES[inferred])
    return column


def _unbox_object_labels(column, name, param):
    """An object label column as the array type_of_target can judge."""
    unboxed = unbox_labels(column)
    if unboxed.dtype != object:
        return unboxed
    inferred = pd.api.types.infer_dtype(column, skipna=False)
    if inferred.startswith("mixed"):
        kinds = sorted({type(v).__name__ for v in column})
        raise ValueError(
            f"{param} column {name!r} must hold labels of one kind (all int, all "
            f"str or all bool), so that they can be sorted. Got a mix of {kinds} "
            "instead."
        )
    return column


def _check_label_column(column, name, param):
    """The checks on a label column that need no sort (finite, labelled, of one
    kind); :func:`_check_label_classes` judges the label type on the classes
    that the encoding found, so that no check runs a second ``np.unique``."""
    if column.dtype.kind == "f":
        if not np.all(np.isfinite(column)):
            raise ValueError(
                f"{param} column {name!r} must hold finite labels. Got NaN or "
                "infinity instead."
            )
    elif column.dtype.kind == "O":
        if pd.isna(column).any():
            raise ValueError(
                f"{param} column {name!r} must give every sample a label. Got "
                "missing values (None or NaN) instead."
            )
        if _unbox_object_labels(column, name, param).dtype == object:
            # Objects that stay objects: type_of_target judges them by their
            # first value (strings are labels, anything else is not).
            _check_label_classes(column[:1], name, param)


def _check_label_classes(classes, name, param):
    """``type_of_target`` on a column's distinct labels: the same verdict as on
    the column (it depends on the set of values only), at the cost of the
    classes instead of a sort of every sample."""
    if classes.dtype.kind == "O":
        classes = unbox_labels(classes)
    kind = type_of_target(classes)
    if kind not in ("binary", "multiclass"):
        # "Unknown label type: " leads, as in scikit-learn: its estimator
        # checks match on it.
        raise ValueError(
            f"Unknown label type: {kind!r}. {param} column {name!r} must hold "
            "discrete labels (int, str or bool) for a classifier; use a regressor "
            f"for continuous targets. Got label type {kind!r} instead."
        )


class LabelCodes:
    """Sorted classes of one label column, their counts, and per-sample codes.

    Samples are stored as ``keys`` into a small table ``key_to_class`` (the
    dense-integer and hashed-string paths), so that mapping per-class values to
    samples (:meth:`take`) is a single gather over the samples.
    """

    def __init__(self, classes, counts, keys, key_to_class=None):
        self.classes = classes
        self.counts = counts
        self._keys = keys
        self._key_to_class = key_to_class

    @property
    def codes(self):
        """Index of each sample's class in ``classes``, shape (n_samples,)."""
        if self._key_to_class is None:
            return self._keys
        return self._key_to_class[self._keys]

    def take(self, per_class, out=None):
        """``per_class[codes]``, computed with one pass over the samples (into
        ``out`` when given)."""
        per_class = np.asarray(per_class)
        if self._key_to_class is not None:
            per_class = per_class[self._key_to_class]
        # mode="wrap": the keys are valid indices, and np.take buffers ``out``
        # in its default mode.
        return np.take(per_class, self._keys, out=out, mode="wrap")


def _dense_int_codes(column):
    # One copy of a strided column (a column of a 2-D array) makes the passes
    # below (min, max, keys, bincount) contiguous.
    as_int = np.ascontiguousarray(column).astype(np.int64, copy=False)
    lo, hi = int(as_int.min()), int(as_int.max())
    span = hi - lo + 1
    if span > _DENSE_RANGE_FACTOR * column.size + 1024:
        return None
    keys = as_int - lo if lo else as_int
    counts = np.bincount(keys, minlength=span)
    present = np.flatnonzero(counts)
    key_to_class = np.zeros(span, dtype=np.intp)
    key_to_class[present] = np.arange(present.size)
    classes = (present + lo).astype(column.dtype)
    return LabelCodes(classes, counts[present], keys, key_to_class)


_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)


def _fixed_width_str_codes(column):
    """Factorize fixed-width strings through a 64-bit hash of their bytes.

    Hashing the code units column by column is vectorised; the result is then
    verified exactly (every sample equals its hash's representative), and a
    collision, however unlikely, falls back to ``pandas.factorize``.
    """
    column = np.ascontiguousarray(column)
    unit = np.uint32 if column.dtype.kind == "U" else np.uint8
    words = column.view(unit).reshape(column.size, -1)
    h = np.zeros(column.size, dtype=np.uint64)
    for j in range(words.shape[1]):  # a loop over characters, not samples
        h *= _HASH_MULT
        h += words[:, j]
    keys, uniq_hash = pd.factorize(h)
    first = np.zeros(uniq_hash.size, dtype=np.intp)
    first[keys[::-1]] = np.arange(column.size - 1, -1, -1)
    reps = column[first]
    if not np.array_equal(reps[keys], column):
        return None
    order = np.argsort(reps, kind="stable")
    key_to_class = np.empty_like(order)
    key_to_class[order] = np.arange(order.size)
    counts = np.bincount(keys, minlength=reps.size)[order]
    return LabelCodes(reps[order], counts, keys.astype(np.intp, copy=False),
                      key_to_class)


def encode_labels(column, *, name="output_0", param="y", check=True):
    """Sorted classes, counts and per-sample codes of one label column.

    Integer and boolean labels are counted with ``np.bincount`` through a lookup
    table; fixed-width strings are hashed; objects go through
    ``pandas.factorize``; other kinds fall back to ``np.unique``. All paths are
    linear in the number of samples except the last.

    Returns
    -------
    LabelCodes
    """
    column = np.asarray(column)
    if check:
        _check_label_column(column, name, param)
    result = _encode(column)
    if check:
        _check_label_classes(result.classes, name, param)
    return result


def _encode(column):
    kind = column.dtype.kind
    result = None
    if kind in "iub" and column.size:
        result = _dense_int_codes(column)
    elif kind in "US" and column.size:
        result = _fixed_width_str_codes(column)
    if result is not None:
        return result
    if kind in "OUS":
        keys, uniques = pd.factorize(column, sort=True)
        if kind == "O":
            classes = np.asarray(list(uniques), dtype=object)
        else:
            classes = np.asarray(uniques, dtype=column.dtype)
    else:
        classes, keys = np.unique(column, return_inverse=True)
    keys = keys.reshape(-1).astype(np.intp, copy=False)
    return LabelCodes(classes, np.bincount(keys, minlength=len(classes)), keys)


_NAME_PATTERN = re.compile(r"[^0-9A-Za-z_]+")


def layer_names(output_names):
    """Keras layer names for the outputs: valid identifiers, unique, stable."""
    names, seen = [], set()
    for k, raw in enumerate(output_names):
        name = _NAME_PATTERN.sub("_", str(raw)).strip("_") or f"output_{k}"
        if name[0].isdigit():
            name = f"output_{name}"
        base, i = name, 1
        while name in seen:
            name, i = f"{base}_{i}", i + 1
        seen.add(name)
        names.append(name)
    return names


def resolve_output(output, output_names, *, param="output"):
    """Index of ``output`` given as an index or an output name."""
    if isinstance(output, numbers.Integral) and not isinstance(output, bool):
        n = len(output_names)
        if not -n <= output < n:
            raise ValueError(
                f"{param} index must be in [{-n}, {n - 1}] for {n} outputs. "
                f"Got {output} instead."
            )
        return int(output) % n
    if isinstance(output, str):
        if output not in output_names:
            raise ValueError(
                f"{param} must be one of the output names {list(output_names)}. "
                f"Got {output!r} instead."
            )
        return list(output_names).index(output)
    raise TypeError(
        f"{param} must be an int index or a str output name. "
        f"Got {type(output).__name__} instead."
    )
