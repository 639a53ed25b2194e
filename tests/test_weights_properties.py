"""Class-weight strategies: formulas on real labels, properties, grid search."""

import numpy as np
import pandas as pd
import pytest
from factories import FROZEN
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.model_selection import GridSearchCV, ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.class_weight import compute_sample_weight

from skweight import (
    EffectiveNumber,
    InverseFrequency,
    WeightedMultiOutputClassifier,
    compute_output_sample_weight,
)
from skweight._targets._weights import STRATEGIES
from skweight.datasets import load_fair, load_penguins

_, _PENGUINS_Y = load_penguins(return_X_y=True)
_, _FAIR_Y = load_fair(return_X_y=True)
REAL_COLUMNS = [
    pytest.param(Y[name], id=f"{data}-{name}")
    for data, Y in (("penguins", _PENGUINS_Y), ("fair", _FAIR_Y))
    for name in Y.columns
]


def _expected(column, raw_of_count):
    """Per-sample weights from a per-class formula, scaled to mean 1."""
    counts = pd.Series(column).value_counts()
    raw = pd.Series(column).map(raw_of_count(counts)).to_numpy(dtype=np.float64)
    return raw / raw.mean()


# -------------------------------------------------- formulas on real labels
@pytest.mark.parametrize("column", REAL_COLUMNS)
def test_balanced_equals_scikit_learn(column):
    got = compute_output_sample_weight("balanced", column)[:, 0]
    np.testing.assert_allclose(got, compute_sample_weight("balanced", column),
                               rtol=1e-12)
    np.testing.assert_allclose(
        compute_output_sample_weight("inverse", column)[:, 0], got, rtol=1e-12
    )


@pytest.mark.parametrize("column", REAL_COLUMNS)
@pytest.mark.parametrize("power, smoothing", [(1.0, 0.0), (0.5, 0.0), (2.0, 5.0),
                                              (0.0, 0.0)])
def test_inverse_frequency_formula(column, power, smoothing):
    got = compute_output_sample_weight(InverseFrequency(power, smoothing), column)
    expected = _expected(column, lambda n: (n + smoothing) ** -power)
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-6)
    if power == 0.5 and smoothing == 0.0:
        np.testing.assert_allclose(
            compute_output_sample_weight("sqrt_inverse", column)[:, 0], expected,
            rtol=1e-6,
        )


@pytest.mark.parametrize("column", REAL_COLUMNS)
@pytest.mark.parametrize("beta", [0.0, 0.9, 0.99, 0.999, 0.99999])
def test_effective_number_formula(column, beta):
    got = compute_output_sample_weight(EffectiveNumber(beta), column)
    expected = _expected(column, lambda n: (1 - beta) / (1 - beta ** n))
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-6)
    if beta == 0.999:
        np.testing.assert_allclose(
            compute_output_sample_weight("effective_number", column)[:, 0],
            expected, rtol=1e-6,
        )


@pytest.mark.parametrize("column", REAL_COLUMNS)
def test_callable_strategy_is_scaled(column):
    def log_inverse(classes, counts):
        return 1.0 / np.log1p(counts)

    got = compute_output_sample_weight(log_inverse, column)[:, 0]
    np.testing.assert_allclose(got, _expected(column, lambda n: 1 / np.log1p(n)),
                               rtol=1e-6)


def test_one_registry_of_names():
    assert sorted(STRATEGIES) == [
        "balanced", "effective_number", "inverse", "sqrt_inverse"
    ]
    assert STRATEGIES["sqrt_inverse"]().get_params() == {"power": 0.5,
                                                         "smoothing": 0.0}
    with pytest.raises(ValueError, match="Got 'balance' instead"):
        compute_output_sample_weight("balance", _PENGUINS_Y)


# -------------------------------------------------------- property tests
labels_st = arrays(np.int64, st.integers(2, 60), elements=st.integers(0, 5))
scaled_st = st.one_of(
    st.builds(InverseFrequency, power=st.floats(0, 3), smoothing=st.floats(0, 10)),
    st.builds(EffectiveNumber, beta=st.floats(0, 0.9999)),
    st.sampled_from(sorted(STRATEGIES)),
)


@settings(max_examples=60, deadline=None)
@given(y=labels_st, strategy=scaled_st)
def test_scaled_strategies_have_mean_weight_one(y, strategy):
    w = compute_output_sample_weight(strategy, y)
    assert w.shape == (len(y), 1)
    np.testing.assert_allclose(w.mean(), 1.0, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(y=labels_st, strategy=scaled_st, perm=st.permutations(range(6)))
def test_invariant_under_relabelling(y, strategy, perm):
    names = np.array([f"class_{i}" for i in perm])
    relabelled = names[y]
    np.testing.assert_allclose(
        compute_output_sample_weight(strategy, relabelled),
        compute_output_sample_weight(strategy, y), rtol=1e-12,
    )
    # A dict follows its labels through the renaming.
    present = np.unique(y)
    cw = {int(c): float(c) + 0.5 for c in present}
    renamed = {names[c]: w for c, w in cw.items()}
    np.testing.assert_array_equal(
        compute_output_sample_weight(renamed, relabelled),
        compute_output_sample_weight(cw, y),
    )


inverse_type_st = st.one_of(
    st.builds(InverseFrequency, power=st.floats(0, 3), smoothing=st.floats(0, 10)),
    st.builds(EffectiveNumber, beta=st.floats(0, 0.9999)),
)


@settings(max_examples=60, deadline=None)
@given(y=labels_st, strategy=inverse_type_st)
def test_rarer_class_never_lighter(y, strategy):
    classes, counts = np.unique(y, return_counts=True)
    w = strategy(classes, counts)
    order = np.argsort(counts, kind="stable")
    # Sorted by count, weights never increase (up to rounding).
    assert np.all(np.diff(w[order]) <= 1e-12 * w.max())


@settings(max_examples=40, deadline=None)
@given(
    y=labels_st,
    weights=st.lists(st.floats(0, 100, allow_subnormal=False), min_size=6,
                     max_size=6),
)
def test_dicts_are_used_raw(y, weights):
    present = np.unique(y)
    cw = {int(c): weights[c] for c in present}
    if not any(cw.values()):
        # Refused as fit refuses it: that output would have nothing to train on.
        with pytest.raises(ValueError, match="no weight to any sample"):
            compute_output_sample_weight(cw, y)
        return
    got = compute_output_sample_weight(cw, y)[:, 0]
    np.testing.assert_array_equal(got, np.asarray(weights)[y])


@settings(max_examples=40, deadline=None)
@given(
    Y=arrays(np.int64, st.tuples(st.integers(2, 40), st.integers(2, 4)),
             elements=st.integers(0, 4)),
    new_column=st.lists(st.integers(0, 7), min_size=40, max_size=40),
    which=st.integers(0, 3),
    strategy=scaled_st,
)
def test_outputs_are_independent(Y, new_column, which, strategy):
    which %= Y.shape[1]
    changed = Y.copy()
    changed[:, which] = new_column[: len(Y)]
    before = compute_output_sample_weight(strategy, Y)
    after = compute_output_sample_weight(strategy, changed)
    others = [k for k in range(Y.shape[1]) if k != which]
    np.testing.assert_array_equal(after[:, others], before[:, others])
    # Each column is the weight of that column alone.
    for k in range(Y.shape[1]):
        np.testing.assert_array_equal(
            before[:, k], compute_output_sample_weight(strategy, Y[:, k])[:, 0]
        )


# -------------------------------------------------------------- grid search
ONE_SPLIT = ShuffleSplit(n_splits=1, test_size=0.5, random_state=0)


def test_grid_search_tunes_power(penguins):
    X, Y = penguins
    clf = WeightedMultiOutputClassifier(
        class_weight=InverseFrequency(), epochs=2, batch_size=64, random_state=0,
        model__hidden_layer_sizes=(8,),
    )
    search = GridSearchCV(clf, {"class_weight__power": [0, 0.5, 1]}, cv=ONE_SPLIT)
    search.fit(X, Y)
    best = search.best_params_["class_weight__power"]
    assert best in (0, 0.5, 1)
    fitted = search.best_estimator_
    assert fitted.class_weight.power == best
    for k, name in enumerate(Y.columns):
        expected = InverseFrequency(power=best)(
            *np.unique(Y[name], return_counts=True)
        )
        np.testing.assert_allclose(list(fitted.class_weight_[k].values()), expected)


@pytest.mark.parametrize(
    "target", [InverseFrequency(power=0.5), EffectiveNumber(beta=0.99)]
)
def test_grid_search_knob_reaches_fitted_weights(penguins, target):
    """A scorer that reads each fold's fitted class_weight_ picks the candidate
    equal to ``target``: ``class_weight__power`` and ``class_weight__beta``
    reach the weights used in every fit. (One full-batch epoch: only the
    weights matter; epochs=0 is refused.)"""
    X, Y = penguins

    def scorer(est, X_, Y_):
        counts = Y_["island"].value_counts().sort_index().to_numpy()
        got = np.array(list(est.class_weight_[1].values()))
        # The two halves hold the same island counts (to one), so the
        # matching candidate is by far the closest.
        return -np.abs(got - target(None, counts)).max()

    grid = [
        {"class_weight": [InverseFrequency()], "class_weight__power": [0, 0.5, 1]},
        {"class_weight": [EffectiveNumber()], "class_weight__beta": [0.9, 0.99, 0.999]},
    ]
    clf = WeightedMultiOutputClassifier(epochs=1, batch_size=-1, random_state=0,
                                        model__hidden_layer_sizes=(4,))
    halves = StratifiedShuffleSplit(n_splits=1, test_size=0.5, random_state=0)
    search = GridSearchCV(clf, grid, cv=list(halves.split(X, Y["island"])),
                          scoring=scorer).fit(X, Y)
    assert search.best_estimator_.class_weight.get_params() == target.get_params()
    name = "power" if isinstance(target, InverseFrequency) else "beta"
    assert search.best_params_[f"class_weight__{name}"] == target.get_params()[name]
    expected = target(*np.unique(Y["island"], return_counts=True))
    np.testing.assert_allclose(
        list(search.best_estimator_.class_weight_[1].values()), expected
    )


# ------------------------------------------------------ per-sample importance
def test_importance_times_class_weight(penguins):
    X, Y = penguins
    importance = np.random.default_rng(0).uniform(0.1, 3.0, len(Y))
    balanced = compute_output_sample_weight("balanced", Y)
    got = compute_output_sample_weight("balanced", Y, sample_weight=importance)
    np.testing.assert_allclose(got, balanced * importance[:, None], rtol=1e-15)
    # One importance column per output multiplies that output alone.
    per_output = np.column_stack([importance, np.ones(len(Y)), 2 * importance])
    got = compute_output_sample_weight("balanced", Y, sample_weight=per_output)
    np.testing.assert_allclose(got, balanced * per_output, rtol=1e-15)


def test_importance_reaches_each_output_loss(penguins_small):
    """Frozen network (SGD, learning rate 0, one full batch): the logged loss
    of each output is the same whether the product class weight x importance
    is formed by the estimator or passed ready-made."""
    X, Y = penguins_small
    importance = np.random.default_rng(1).uniform(0.1, 3.0, len(Y))

    def fit(**params):
        sample_weight = params.pop("sample_weight")
        clf = WeightedMultiOutputClassifier(**FROZEN, **params).fit(
            X, Y, sample_weight=sample_weight
        )
        return [clf.history_[f"{n}_loss"][0] for n in clf.output_layer_names_]

    product = fit(class_weight="balanced", sample_weight=importance)
    ready_made = fit(
        sample_weight=compute_output_sample_weight("balanced", Y) * importance[:, None]
    )
    np.testing.assert_allclose(product, ready_made, rtol=1e-6)
    assert not np.allclose(product, fit(class_weight="balanced", sample_weight=None))
