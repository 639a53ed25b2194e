"""WeightGridSearchCV against GridSearchCV and against one fit; fold balance.

Part 1 (speed): a 12-candidate grid (4 class weightings x 3 loss weightings) x 5
folds (``MultiOutputStratifiedKFold``) with the built-in network, measured side
by side in one run:

- ``WeightGridSearchCV`` (refit=False: the search alone);
- ``GridSearchCV(n_jobs=1)`` with the same estimator, grid and folds. Its 60
  fits take minutes on a shared machine, so by default a subset of its
  candidate x fold fits is timed (``--grid-fits``, each a real
  ``fit`` + ``score`` on its fold, as GridSearchCV runs them) and its total is
  extrapolated per fit; the output says so. ``--grid-fits 60`` runs it whole;
- one ``fit`` of the estimator on the whole table.

Targets (issue 11): on penguins, 100 epochs, <= 0.1x GridSearchCV and <= 3x one
fit; on the fair table <= 0.2x GridSearchCV.

Part 2 (folds): the largest deviation of a test fold's class shares from the
whole table's, per output of the fair table, for ``MultiOutputStratifiedKFold(5)``
and ``KFold(5, shuffle=True)`` (mean and spread over 5 seeds for the latter).

Run: ``python benchmarks/bench_search.py [--epochs 100] [--grid-fits 6]
[--data penguins fair]``
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import KFold, ParameterGrid  # noqa: E402
from sklearn.model_selection._validation import _fit_and_score  # noqa: E402

from skweight import InverseFrequency, WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair, load_penguins  # noqa: E402
from skweight.metrics import per_output_scorers  # noqa: E402
from skweight.model_selection import (  # noqa: E402
    MultiOutputStratifiedKFold,
    WeightGridSearchCV,
)

TARGETS = {"penguins": 0.1, "fair": 0.2}
FIT_TARGETS = {"penguins": "target <= 3x", "fair": "no target"}


def grid_for(names):
    heavy = dict.fromkeys(names, 1.0)
    heavy[names[-1]] = 2.0
    return {
        "class_weight": [None, "balanced", "sqrt_inverse",
                         InverseFrequency(power=0.75)],
        "loss_weights": [None, heavy, [0.5] + [1.0] * (len(names) - 1)],
    }


def time_grid_search_fits(est, grid, X, Y, splits, scoring, n_fits, rng):
    """Seconds of ``n_fits`` candidate x fold fits, run as GridSearchCV runs them."""
    candidates = list(ParameterGrid(grid))
    pairs = [(c, s) for c in range(len(candidates)) for s in range(len(splits))]
    chosen = rng.choice(len(pairs), size=min(n_fits, len(pairs)), replace=False)
    start = time.perf_counter()
    for i in chosen:
        c, s = pairs[i]
        train, test = splits[s]
        _fit_and_score(clone(est), X, Y, scorer=scoring, train=train, test=test,
                       verbose=0, parameters=candidates[c], fit_params={},
                       score_params={}, return_times=True)
    return time.perf_counter() - start, len(chosen), len(pairs)


def bench_speed(name, X, Y, epochs, grid_fits):
    from sklearn.metrics import check_scoring

    est = WeightedMultiOutputClassifier(epochs=epochs, random_state=0)
    grid = grid_for(list(Y.columns))
    cv = MultiOutputStratifiedKFold(5)
    scoring = per_output_scorers("balanced_accuracy", list(Y.columns))
    splits = list(cv.split(X, Y))
    clone(est).set_params(epochs=1).fit(X, Y)  # warm Keras and TensorFlow up

    start = time.perf_counter()
    search = WeightGridSearchCV(est, grid, scoring=scoring, refit=False, cv=cv)
    search.fit(X, Y)
    t_search = time.perf_counter() - start

    start = time.perf_counter()
    clone(est).fit(X, Y)
    t_fit = time.perf_counter() - start

    scorer = check_scoring(est, scoring)
    t_grid, done, total = time_grid_search_fits(
        est, grid, X, Y, splits, scorer, grid_fits, np.random.default_rng(0)
    )
    t_grid_total = t_grid / done * total
    how = "measured whole" if done == total else (
        f"extrapolated from {done} of its {total} fits ({t_grid:.1f} s)"
    )
    n_cand = len(ParameterGrid(grid))
    print(f"\n{name}: {len(X)} rows, {n_cand} candidates x 5 folds, {epochs} epochs")
    print(f"  WeightGridSearchCV          {t_search:8.1f} s")
    print(f"  GridSearchCV(n_jobs=1)      {t_grid_total:8.1f} s  ({how})")
    print(f"  one fit                     {t_fit:8.1f} s")
    print(f"  ratio to GridSearchCV       {t_search / t_grid_total:8.3f}x  "
          f"(target <= {TARGETS[name]}x)")
    print(f"  ratio to one fit            {t_search / t_fit:8.2f}x  "
          f"({FIT_TARGETS[name]})")


def max_deviation(folds, column):
    classes, overall = np.unique(column, return_counts=True)
    overall = overall / len(column)
    return max(
        np.abs(np.array([(column[t] == c).mean() for c in classes]) - overall).max()
        for t in folds
    )


def bench_folds():
    X, Y = load_fair(return_X_y=True)
    ours = [t for _, t in MultiOutputStratifiedKFold(5).split(X, Y)]
    print("\nfair: largest |class share in a test fold - share in the table|")
    print(f"  {'output':15s} {'MultiOutputStratifiedKFold':>27s} "
          f"{'KFold(shuffle) mean (sd) over 5 seeds':>40s}")
    for name in Y.columns:
        column = Y[name].to_numpy()
        theirs = [
            max_deviation([t for _, t in KFold(5, shuffle=True, random_state=s)
                           .split(X, Y)], column)
            for s in range(5)
        ]
        print(f"  {name:15s} {max_deviation(ours, column):27.4f} "
              f"{np.mean(theirs):33.4f} ({np.std(theirs):.4f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--grid-fits", type=int, default=6,
                        help="GridSearchCV fits to time (60 = all of them)")
    parser.add_argument("--data", nargs="+", default=["penguins", "fair"],
                        choices=["penguins", "fair"])
    args = parser.parse_args()
    bench_folds()
    loaders = {"penguins": load_penguins, "fair": load_fair}
    for name in args.data:
        X, Y = loaders[name](return_X_y=True)
        bench_speed(name, X, Y, args.epochs, args.grid_fits)


if __name__ == "__main__":
    main()
