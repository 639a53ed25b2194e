"""Balanced class weights learnt incrementally (``partial_fit``) against one
``fit`` on all the data, on the Fair affairs table.

Each seed shuffles the table and cuts it into train (80%) and test (20%). Two
networks of the same architecture, seed and batch size see the training rows
for the same number of epochs with ``class_weight="balanced"``:

- ``fit``: one ``fit(X, Y)`` of ``--epochs`` epochs; the class weights come
  from the counts of all the training rows;
- ``partial_fit``: the training rows cut into ``--chunks`` chunks, and
  ``--epochs`` passes of one ``partial_fit`` per chunk (one epoch of that
  chunk each). The class weights of a call come from the counts of every chunk
  seen so far: the first chunk's weights are estimated from its rows alone.

Prints, per output, the test balanced accuracy (mean ± std over the seeds)
of both, their paired difference, and how far the first call's class weights
were from the final ones (largest relative difference over the classes).

Run: ``python benchmarks/study_partial_fit.py [--seeds 5] [--epochs 20]
[--chunks 10]``.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair  # noqa: E402

NETWORK = {"model__hidden_layer_sizes": (32,), "batch_size": 64,
           "class_weight": "balanced"}


def balanced(est, X, Y):
    pred = est.predict(X)
    return [balanced_accuracy_score(Y[c], pred[:, k].astype(Y[c].dtype))
            for k, c in enumerate(Y.columns)]


def run_seed(X, Y, seed, epochs, chunks):
    order = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.8 * len(X))
    tr, te = order[:cut], order[cut:]
    X_tr, Y_tr, X_te, Y_te = X.iloc[tr], Y.iloc[tr], X.iloc[te], Y.iloc[te]
    full = WeightedMultiOutputClassifier(epochs=epochs, random_state=seed,
                                         **NETWORK).fit(X_tr, Y_tr)
    inc = WeightedMultiOutputClassifier(random_state=seed, **NETWORK)
    classes = [np.unique(Y_tr[c]) for c in Y_tr]
    first = None
    for _ in range(epochs):
        for part in np.array_split(np.arange(len(X_tr)), chunks):
            inc.partial_fit(X_tr.iloc[part], Y_tr.iloc[part],
                            classes=classes if first is None else None)
            if first is None:
                first = [dict(w) for w in inc.class_weight_]
    drift = [max(abs(f[c] - w[c]) / w[c] for c in w)
             for f, w in zip(first, inc.class_weight_, strict=True)]
    return balanced(full, X_te, Y_te), balanced(inc, X_te, Y_te), drift


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--chunks", type=int, default=10)
    args = parser.parse_args()
    X, Y = load_fair(return_X_y=True)
    start = time.perf_counter()
    rows = [run_seed(X, Y, s, args.epochs, args.chunks) for s in range(args.seeds)]
    full, inc, drift = (np.array([r[i] for r in rows]) for i in range(3))
    print(f"Fair, {args.seeds} seeds, {args.epochs} epochs, {args.chunks} chunks "
          f"({time.perf_counter() - start:.0f} s)\n")
    print("| output | fit | partial_fit | partial_fit - fit | first weights off by |")
    print("|---|---|---|---|---|")
    for k, name in enumerate(Y.columns):
        d = inc[:, k] - full[:, k]
        print(f"| {name} | {full[:, k].mean():.3f} ± {full[:, k].std():.3f} "
              f"| {inc[:, k].mean():.3f} ± {inc[:, k].std():.3f} "
              f"| {d.mean():+.3f} ± {d.std():.3f} "
              f"| {drift[:, k].mean():.0%} |")


if __name__ == "__main__":
    main()
