"""Property: fitting never modifies X, y, sample_weight or class_weight.

Hypothesis draws valid inputs of every accepted form (1 to 3 outputs of int,
str or bool labels, arrays and DataFrames, class_weight as a name, strategy
object, callable, dict or list of those, 1-D and 2-D sample weights) and
checks the inputs are equal, value for value and object for object, after:

- ``compute_output_sample_weight`` (the NumPy weight path),
- the estimator's validation path (everything ``fit`` does before building
  the network), and
- a few real fits (tiny network, one epoch).
"""

import copy

import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skweight import (
    EffectiveNumber,
    InverseFrequency,
    compute_output_sample_weight,
)

# Estimator factories ``f(**params) -> estimator``; every classifier of the
# package goes here (one line each).
ESTIMATORS = ALL_ESTIMATORS

# Eager Keras: on a few dozen samples, tracing the train step costs more
# than the steps themselves.
TINY = {"model__hidden_layer_sizes": (4,), "epochs": 1, "verbose": 0,
        "random_state": 0, "run_eagerly": True}

LABEL_SETS = {
    "int": [0, 1, 2, 3],
    "str": ["a", "bb", "c", "dd"],
    "bool": [False, True],
}


def sqrt_inverse_weights(classes, counts):
    """A class_weight callable."""
    return 1.0 / np.sqrt(np.asarray(counts, dtype=float))


@st.composite
def label_column(draw, n):
    kind = draw(st.sampled_from(sorted(LABEL_SETS)))
    pool = LABEL_SETS[kind]
    k = draw(st.integers(2, len(pool)))
    classes = pool[:k]
    # Every class appears; the rest is random.
    rest = draw(st.lists(st.sampled_from(classes), min_size=n - k, max_size=n - k))
    order = draw(st.permutations(range(n)))
    values = np.array(classes + rest, dtype=object)[list(order)]
    dtype = {"int": np.int64, "str": str, "bool": bool}[kind]
    return values.astype(dtype), classes


@st.composite
def entry(draw, classes, *, allow_dict=True):
    """One output's class-weight entry (None, name, object, callable, dict)."""
    forms = ["none", "name", "inverse", "effective", "callable"]
    if allow_dict:
        forms.append("dict")
    form = draw(st.sampled_from(forms))
    if form == "none":
        return None
    if form == "name":
        return draw(st.sampled_from(["balanced", "inverse", "sqrt_inverse",
                                     "effective_number"]))
    if form == "inverse":
        return InverseFrequency(power=draw(st.floats(0, 2)),
                                smoothing=draw(st.floats(0, 5)))
    if form == "effective":
        return EffectiveNumber(beta=draw(st.floats(0, 0.999)))
    if form == "callable":
        return sqrt_inverse_weights
    labels = draw(st.lists(st.sampled_from(classes), min_size=1, unique=True))
    return {label: draw(st.floats(0.1, 10)) for label in labels}


@st.composite
def problems(draw):
    """(X, y, class_weight, sample_weight): a valid input of any form."""
    n = draw(st.integers(6, 30))
    n_outputs = draw(st.integers(1, 3))
    columns = [draw(label_column(n)) for _ in range(n_outputs)]
    names = [f"t{k}" for k in range(n_outputs)]
    one_d = n_outputs == 1 and draw(st.booleans())
    container = draw(st.sampled_from(["array", "frame"]))
    if one_d:
        values, classes = columns[0]
        y = pd.Series(values, name="t0") if container == "frame" else values
        cw = draw(st.one_of(entry(classes), st.none()))
    else:
        if container == "frame":
            y = pd.DataFrame({name: col for name, (col, _) in zip(names, columns,
                                                                  strict=True)})
        else:
            y = np.column_stack([col.astype(object) for col, _ in columns])
            names = [f"output_{k}" for k in range(n_outputs)]
        entries = [draw(entry(classes)) for _, classes in columns]
        form = draw(st.sampled_from(["list", "dict", "shared"]))
        if form == "list":
            cw = entries
        elif form == "dict":
            keep = draw(st.lists(st.integers(0, n_outputs - 1), unique=True))
            cw = {names[k]: entries[k] for k in keep}
        else:
            cw = draw(entry(columns[0][1], allow_dict=False))
    sw_form = draw(st.sampled_from(["none", "1d", "2d", "list"]))
    positive = st.floats(0.01, 5.0)
    if sw_form == "none":
        sw = None
    elif sw_form == "2d":
        sw = np.array(draw(st.lists(positive, min_size=n * n_outputs,
                                    max_size=n * n_outputs))).reshape(n, n_outputs)
    else:
        sw = draw(st.lists(positive, min_size=n, max_size=n))
        sw = sw if sw_form == "list" else np.array(sw)
    X = np.array(draw(st.lists(st.floats(-10, 10), min_size=2 * n,
                               max_size=2 * n))).reshape(n, 2)
    if draw(st.booleans()):
        X = pd.DataFrame(X, columns=["f0", "f1"])
    return X, y, cw, sw


def snapshot(obj):
    """A deep copy, and the identity of every container inside ``obj``."""
    return copy.deepcopy(obj), _identities(obj)


def _identities(obj):
    if isinstance(obj, dict):
        return (id(obj), [(k, _identities(v)) for k, v in obj.items()])
    if isinstance(obj, list):
        return (id(obj), [_identities(v) for v in obj])
    return id(obj)


def assert_same(obj, snap):
    saved, ids = snap
    assert _identities(obj) == ids
    _assert_equal(obj, saved)


def _assert_equal(a, b):
    assert type(a) is type(b)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.flags.writeable == b.flags.writeable
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_equal(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_equal(x, y)
    elif isinstance(a, (InverseFrequency, EffectiveNumber)):
        assert a.get_params() == b.get_params()
    else:
        assert a == b


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(problem=problems())
def test_compute_output_sample_weight_leaves_inputs_alone(problem):
    X, y, cw, sw = problem
    snaps = [snapshot(v) for v in (y, cw, sw)]
    out = compute_output_sample_weight(cw, y, sample_weight=sw)
    for value, snap in zip((y, cw, sw), snaps, strict=True):
        assert_same(value, snap)
    # The result is the caller's to change: it shares no memory with the input.
    out[...] = -1.0
    assert_same(sw, snaps[2])
    assert_same(y, snaps[0])


@pytest.mark.parametrize("make", ESTIMATORS)
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(problem=problems())
def test_fit_validation_leaves_inputs_alone(make, problem):
    X, y, cw, sw = problem
    est = make(**TINY, class_weight=cw, loss_weights=None)
    snaps = [snapshot(v) for v in (X, y, cw, sw)]
    prepared = est._prepare(X, y, sw)
    codes, weights = prepared.codes, prepared.weights
    for value, snap in zip((X, y, cw, sw), snaps, strict=True):
        assert_same(value, snap)
    # The weights and codes fit hands to Keras are its own: writing to them
    # changes no input.
    for w in weights or []:
        w[...] = -1.0
    for c in codes:
        c[...] = 0
    for value, snap in zip((X, y, sw), [snaps[0], snaps[1], snaps[3]], strict=True):
        assert_same(value, snap)
    assert est.get_params()["class_weight"] is cw


@pytest.mark.parametrize("make", ESTIMATORS)
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(problem=problems())
def test_fit_leaves_inputs_alone(make, problem):
    X, y, cw, sw = problem
    snaps = [snapshot(v) for v in (X, y, cw, sw)]
    est = make(**TINY, class_weight=cw).fit(X, y, sample_weight=sw)
    for value, snap in zip((X, y, cw, sw), snaps, strict=True):
        assert_same(value, snap)
    assert est.get_params()["class_weight"] is cw
    est.predict(X)
    assert_same(X, snaps[0])
