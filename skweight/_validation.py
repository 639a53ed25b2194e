"""Parameter checks, in one place (NumPy only: no Keras import).

This module is skweight's one parameter-checking mechanism. A checker is a
function ``checker(value, name)`` that raises a ValueError or TypeError naming
``name``; every class states its parameters' checkers in one table, and one
runner applies it:

- :data:`PARAMETER_CONSTRAINTS`, the estimators' table in the spirit of
  scikit-learn's ``_parameter_constraints``: one checker per plain training
  parameter (and per built-in network option, ``model__*``), so the same bad
  value gets the same error from every estimator (:func:`check_parameter`);
- :class:`CheckedParams`, the mixin of every other class with parameters
  (class-weight strategies, weighting rules, the calibrator, the threshold
  tuner, the search): a class attribute ``_parameter_checks = {name:
  checker}`` and the one ``_validate_params`` that runs it
  (:func:`validate_params`). Where a class inherits scikit-learn parameters
  (the search's ``cv``, ``n_jobs``, ``refit``...), the checker is
  :class:`SklearnConstraints`, which wraps scikit-learn's own constraint
  objects so those parameters keep scikit-learn's checks and messages;
- :func:`per_output`, the one resolver of "one value per output: a single
  value, a list, or a dict keyed by output name" (``class_weight``,
  ``loss_weights``, ``loss``, ``output_types``), with one set of rules and one
  error wording, and :func:`check_per_output_choice` for its entries.
"""

import copy
import difflib
import functools
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import get_scorer_names

__all__ = [
    "PARAMETER_CONSTRAINTS",
    "CheckedParams",
    "SklearnConstraints",
    "check_optional_str",
    "check_per_output_choice",
    "check_positive",
    "check_real",
    "check_parameter",
    "check_numeric_features",
    "check_random_state_param",
    "describe",
    "did_you_mean",
    "per_output",
    "positive",
    "real_in",
    "resolve_loss_weights",
    "seed_from_random_state",
    "validate_params",
]


def describe(value):
    """A short repr of ``value`` for error messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_numeric_features(X):
    """Refuse a DataFrame ``X`` with columns that are not numbers.

    scikit-learn's own message ("could not convert string to float:
    'Torgersen'") names neither the column nor the way out; this one names
    both. An object or categorical column that holds numbers passes.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return
    import pandas as pd

    bad = []
    for i, (name, dtype) in enumerate(dtypes.items()):
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            continue
        column = X.iloc[:, i].astype(object)
        as_numbers = pd.to_numeric(column, errors="coerce")
        if (as_numbers.isna() & column.notna()).any():
            bad.append(name)
    if bad:
        raise ValueError(
            f"X must hold numbers: the network reads every column as a number. Got "
            f"non-numeric column(s) {bad} instead. Encode them first, e.g. "
            "make_pipeline(make_column_transformer((OneHotEncoder("
            f"handle_unknown='ignore'), {bad}), remainder='passthrough'), "
            "estimator) (the README's 'Categorical features')."
        )


def did_you_mean(value, options):
    """``" Did you mean 'balanced'?"`` when ``value`` nearly spells an option.

    The end of an error message about a misspelled name: the closest of
    ``options`` (at most three, by :func:`difflib.get_close_matches`), or an
    empty string when none is close or ``value`` is not a str.

    Examples
    --------
    >>> from skweight._validation import did_you_mean
    >>> did_you_mean("balance", ["balanced", "inverse", "sqrt_inverse"])
    " Did you mean 'balanced'?"
    >>> did_you_mean("zzz", ["balanced"])
    ''
    """
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(o) for o in options], n=3)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_epochs(value, name):
    if not _is_int(value):
        raise TypeError(f"{name} must be an int. Got {describe(value)} instead.")
    if value < 1:
        raise ValueError(
            f"{name} must be >= 1 (an unfitted network is not a fitted estimator). "
            f"Got {value!r} instead."
        )


def _check_batch_size(value, name):
    if value is not None and (not _is_int(value) or (value < 1 and value != -1)):
        raise ValueError(
            f"{name} must be None, -1 or a positive int. Got {describe(value)} "
            "instead."
        )


def _check_validation_split(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        0.0 <= value < 1.0
    ):
        raise ValueError(
            f"{name} must be a float in [0, 1). Got {describe(value)} instead."
        )


def check_random_state_param(value, name="random_state"):
    """Accept what scikit-learn accepts: None, an int, a RandomState, a Generator."""
    if value is None or isinstance(value, (np.random.RandomState,
                                           np.random.Generator)):
        return
    if not _is_int(value):
        raise TypeError(
            f"{name} must be None, an int, a numpy RandomState or a numpy Generator. "
            f"Got {describe(value)} of type {type(value).__name__} instead."
        )
    if not 0 <= value < 2**32:
        raise ValueError(
            f"{name} as an int must be in [0, 2**32 - 1]. Got {value!r} instead."
        )


def _check_loss(value, name):
    if value is None or isinstance(value, (str, Mapping)) or callable(value):
        return
    if isinstance(value, Sequence):
        return
    raise TypeError(
        f"{name} must be None, a loss name, a keras Loss or function, a list with "
        f"one per output or a dict {{output_name: loss}}. Got {describe(value)} "
        "instead."
    )


def _check_missing_labels(value, name):
    if not (isinstance(value, str) and value in ("raise", "mask")):
        raise ValueError(
            f"{name} must be 'raise' or 'mask'. Got {describe(value)} instead."
        )


LOSS_SCORING = "loss"


def _check_scoring(value, name="scoring"):
    """``"loss"``, a scikit-learn scorer name, a callable scorer, or a dict
    ``{output_name: one of those}``."""
    if isinstance(value, Mapping):
        for entry in value.values():
            _check_one_scoring(entry, name)
        return
    _check_one_scoring(value, name)


def _check_one_scoring(value, name):
    if callable(value):
        return
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be 'loss', a scikit-learn scorer name, a callable "
            "scorer(estimator, X, y) or a dict {output_name: one of those}. Got "
            f"{describe(value)} instead."
        )
    if value != LOSS_SCORING and value not in get_scorer_names():
        raise ValueError(
            f"{name} must be 'loss' or a scikit-learn scorer name (see "
            f"sklearn.metrics.get_scorer_names()). Got {value!r} instead."
            + did_you_mean(value, [LOSS_SCORING, *get_scorer_names()])
        )


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool. Got {describe(value)} instead.")


def _check_early_stopping(value, name):
    if isinstance(value, str):
        if value != "refit":
            raise ValueError(
                f"{name} must be a bool or 'refit'. Got {value!r} instead."
                + did_you_mean(value, ["refit"]))
        return
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be a bool or 'refit'. Got {describe(value)} instead.")


def _check_validation_fraction(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        0.0 < value < 1.0
    ):
        raise ValueError(
            f"{name} must be a float in (0, 1). Got {describe(value)} instead."
        )


def _check_n_iter_no_change(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int. Got {describe(value)} instead.")
    if value < 1:
        raise ValueError(f"{name} must be >= 1. Got {value!r} instead.")


def check_real(value, name, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the interval given by ``low`` and ``high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number. Got {value!r} of type "
            f"{type(value).__name__} instead."
        )
    ok = np.isfinite(value)
    if low is not None:
        ok = ok and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        lo_s = "-inf" if low is None else f"{low}"
        hi_s = "inf" if high is None else f"{high}"
        raise ValueError(
            f"{name} must be a finite number in {lo}{lo_s}, {hi_s}{hi}. "
            f"Got {value!r} instead."
        )


def check_positive(value, name, *, strict=True):
    """A finite real number > 0 (``strict``) or >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number. Got {value!r} of type "
            f"{type(value).__name__} instead."
        )
    if not np.isfinite(value) or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(
            f"{name} must be a finite number {bound}. Got {value!r} instead."
        )


def check_optional_str(value, name, *, what="layer name"):
    """None or a str (a layer name by default)."""
    if value is not None and not isinstance(value, str):
        raise TypeError(
            f"{name} must be None or a {what} (str). Got {value!r} instead."
        )


def check_per_output_choice(entries, names, *, param, options):
    """Each output's entry of a per-output parameter is one of ``options``."""
    for name, entry in zip(names, entries, strict=True):
        if entry not in options:
            raise ValueError(
                f"{param} for output {name!r} must be one of "
                f"{list(options)}. Got {describe(entry)} instead."
                + did_you_mean(entry, options)
            )


def _check_output_types(value, name):
    if not (value is None or isinstance(value, (str, list, tuple, dict))):
        raise TypeError(
            f"{name} must be None, a str, a list or a dict "
            f"{{output_name: kind}}. Got {describe(value)} instead."
        )


def _check_hidden_layer_sizes(value, name):
    sizes = tuple(value)
    if not all(isinstance(s, int) and s > 0 for s in sizes):
        raise ValueError(
            f"{name} must be a sequence of positive ints. Got {value!r} instead."
        )


def _check_dropout(value, name):
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name} must be in [0, 1). Got {value!r} instead.")


def _check_label_layout(value, name):
    if value not in ("auto", "packed", "heads"):
        raise ValueError(
            f"{name} must be 'auto', 'packed' or 'heads'. Got {value!r} instead."
        )


# One checker per plain parameter; the per-output ones (class_weight,
# loss_weights, loss entries) are checked against the outputs of y by
# ``per_output`` and their own resolvers.
PARAMETER_CONSTRAINTS = {
    "epochs": _check_epochs,
    "batch_size": _check_batch_size,
    "validation_batch_size": _check_batch_size,
    "validation_split": _check_validation_split,
    "random_state": check_random_state_param,
    "loss": _check_loss,
    "missing_labels": _check_missing_labels,
    "early_stopping": _check_early_stopping,
    "validation_fraction": _check_validation_fraction,
    "n_iter_no_change": _check_n_iter_no_change,
    "tol": functools.partial(check_positive, strict=False),
    "scoring": _check_scoring,
    "output_types": _check_output_types,
    # The built-in network's options (skweight._engine._network).
    "model__hidden_layer_sizes": _check_hidden_layer_sizes,
    "model__dropout": _check_dropout,
    "model__label_layout": _check_label_layout,
}


def check_parameter(name, value):
    """Check one parameter against :data:`PARAMETER_CONSTRAINTS`."""
    PARAMETER_CONSTRAINTS[name](value, name)


def real_in(**bounds):
    """The checker of a real number within ``bounds`` (see :func:`check_real`)."""
    return functools.partial(check_real, **bounds)


def positive(strict=True):
    """The checker of a real number > 0 (``strict``) or >= 0."""
    return functools.partial(check_positive, strict=strict)


class SklearnConstraints:
    """A checker made of scikit-learn's own constraints for one parameter.

    For parameters a class inherits from scikit-learn (the search's ``cv``,
    ``n_jobs``, ``refit``...) or shares with it: they keep scikit-learn's
    checks and its message ("The 'cv' parameter of ... must be ...").

    Parameters
    ----------
    constraints : list
        As in scikit-learn's ``_parameter_constraints``: types, ``"boolean"``,
        ``"cv_object"``, ``HasMethods``, ``Interval``, ``StrOptions``...
    """

    def __init__(self, constraints):
        self.constraints = list(constraints)

    def __call__(self, value, name, caller=None):
        from sklearn.utils._param_validation import validate_parameter_constraints

        validate_parameter_constraints(
            {name: self.constraints}, {name: value}, caller_name=caller or name)


def validate_params(owner, checks):
    """Run the table ``checks`` (``{name: checker}``) on ``owner``'s parameters."""
    for name, check in checks.items():
        value = getattr(owner, name)
        if isinstance(check, SklearnConstraints):
            check(value, name, caller=type(owner).__name__)
        else:
            check(value, name)


class CheckedParams:
    """Mixin: ``_validate_params`` runs the class's ``_parameter_checks`` table.

    Put it before ``BaseEstimator`` (or a scikit-learn base) among the bases,
    so that its ``_validate_params`` is the one scikit-learn's ``fit`` calls.
    """

    _parameter_checks: dict = {}

    def _validate_params(self):
        """Check parameters; raise ValueError/TypeError naming the bad one."""
        validate_params(self, self._parameter_checks)


def seed_from_random_state(random_state):
    """An int seed from ``random_state`` (None, int, RandomState or Generator).

    A generator is sampled from a copy, so the caller's is left untouched and
    the same state always gives the same seed.
    """
    check_random_state_param(random_state)
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        rs = np.random.RandomState()
        rs.set_state(random_state.get_state())
        return int(rs.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(copy.deepcopy(random_state).integers(np.iinfo(np.int32).max))
    return int(random_state)


def per_output(value, names, *, param, default=None, is_single=None, aliases=None):
    """One entry per output from any per-output form, with one set of rules.

    Parameters
    ----------
    value : object
        ``None`` (every output gets ``default``), a single value (every output
        gets it), a list with one entry per output, or a dict keyed by output
        name (outputs not named get ``default``).
    names : list of str
        The output names.
    param : str
        The parameter's name, for error messages.
    default : object, default=None
        The entry of an output that ``value`` does not name.
    is_single : callable, default=None
        ``is_single(value) -> bool``: whether ``value`` is one value for every
        output; by default anything that is neither a list nor a dict.
    aliases : list of str, default=None
        Other names of the outputs, in the same order (Keras layer names).

    Returns
    -------
    list
        One entry per output.
    """
    n = len(names)
    if is_single is None:
        def is_single(v):
            return isinstance(v, str) or not isinstance(v, (Mapping, Sequence))
    if value is None:
        return [default] * n
    if is_single(value):
        return [value] * n
    if isinstance(value, Mapping):
        lookup = {name: k for k, name in enumerate(names)}
        for k, alias in enumerate(aliases or []):
            lookup.setdefault(alias, k)
        unknown = [key for key in value if key not in lookup]
        if unknown:
            raise ValueError(
                f"{param} as a dict maps output names to entries; the output names "
                f"are {list(names)}. Got unknown output name(s) {unknown} instead."
                + did_you_mean(unknown[0], names)
            )
        entries = [default] * n
        for key, entry in value.items():
            entries[lookup[key]] = entry
        return entries
    if isinstance(value, Sequence):
        if len(value) != n:
            raise ValueError(
                f"For multi-output, number of elements in {param} should match "
                f"number of outputs. Got {len(value)} element(s) while having {n} "
                "output(s)."
            )
        return list(value)
    raise TypeError(
        f"{param} must be a single value, a list with one entry per output or a "
        f"dict {{output_name: entry}}. Got {describe(value)} instead."
    )


def resolve_loss_weights(loss_weights, names):
    """``loss_weights`` as a list of floats >= 0 (one per output), or None."""
    if loss_weights is None:
        return None
    if not isinstance(loss_weights, (Mapping, Sequence)) or isinstance(
        loss_weights, str
    ):
        raise TypeError(
            "loss_weights must be None, a list of floats or a dict "
            f"{{output_name: float}}. Got {describe(loss_weights)} instead."
        )
    values = per_output(loss_weights, names, param="loss_weights", default=1.0)
    for name, v in zip(names, values, strict=True):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(
                f"loss_weights for output {name!r} must be a real number. "
                f"Got {describe(v)} instead."
            )
        if not np.isfinite(v) or v < 0:
            raise ValueError(
                f"loss_weights for output {name!r} must be a finite number "
                f">= 0. Got {v!r} instead."
            )
    values = [float(v) for v in values]
    if not any(values):
        raise ValueError(
            "loss_weights must give a positive weight to at least one output. "
            f"Got {values} instead."
        )
    return values
