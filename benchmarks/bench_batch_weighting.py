"""Per-batch class weights against whole-data class weights: cost and effect.

Per-batch weighting (:class:`skweight.losses.BatchBalancedCrossentropy`)
recomputes "balanced" weights from each batch's own class counts, the recipe
of PyTorch code that builds ``weight=1 / torch.bincount(y)`` per batch.
Whole-data weighting (``class_weight="balanced"``) computes them once from the
training set. This script trains both (and an unweighted baseline) on the fair
data (3 imbalanced outputs: rate_marriage 27:1, occupation 68:1, had_affair
2:1), for several batch sizes and seeds, and prints

- the cost: median seconds per epoch (first epoch, which traces, excluded),
  the methods run interleaved so that machine load hits them alike;
- the effect: per-output balanced accuracy on a held-out 30 %, mean and
  standard deviation over the seeds.

Two more scenarios train without shuffling, so that the class mix drifts from
batch to batch, the case per-batch weighting is meant for:

- ``drift-feature``: rows sorted by ``yrs_married`` (time-ordered data, say):
  every batch holds several classes, in proportions that drift;
- ``drift-label``: rows sorted by the ``rate_marriage`` label itself: most
  batches hold a single class of that output.

Run::

    PYTHONPATH=. python benchmarks/bench_batch_weighting.py \
        [--epochs 15] [--seeds 0 1 2] [--batch-sizes 32 256]
"""

import argparse
import time

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet (skweight._env.configure_logging).
from skweight import WeightedMultiOutputClassifier

# isort: split
import keras
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skweight.datasets import load_fair
from skweight.losses import BatchBalancedCrossentropy

METHODS = {
    "none": {},
    "whole-data": {"class_weight": "balanced"},
    "per-batch": {"loss": BatchBalancedCrossentropy()},
}

# Scenario name -> the column the training rows are sorted by (no shuffling).
SCENARIOS = {
    "shuffled": None,
    "drift-feature": "yrs_married",
    "drift-label": "rate_marriage",
}


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def run_one(params, X_tr, Y_tr, X_te, Y_te, *, batch_size, epochs, seed, shuffle):
    timer = EpochTimer()
    clf = WeightedMultiOutputClassifier(
        batch_size=batch_size, epochs=epochs, random_state=seed, shuffle=shuffle,
        callbacks=[timer], model__hidden_layer_sizes=(32, 32),
        optimizer__learning_rate=1e-3, **params,
    ).fit(X_tr, Y_tr)
    pred = clf.predict(X_te)
    scores = [
        balanced_accuracy_score(
            Y_te.iloc[:, k].to_numpy(), pred[:, k].astype(Y_te.dtypes.iloc[k])
        )
        for k in range(Y_te.shape[1])
    ]
    return float(np.median(timer.times[1:])), scores


def scenario(name, X, Y, *, seeds, batch_sizes, epochs, sort_by):
    names = list(Y.columns)
    print(f"\n== {name} ==")
    print(
        f"{'batch':>5} {'method':<11} {'s/epoch':>8} {'vs whole':>8}  "
        + "  ".join(f"{n:>18}" for n in names)
        + f"  {'mean':>13}"
    )
    for bs in batch_sizes:
        times = {m: [] for m in METHODS}
        scores = {m: [] for m in METHODS}
        for seed in seeds:
            X_tr, X_te, Y_tr, Y_te = train_test_split(
                X, Y, test_size=0.3, random_state=seed
            )
            if sort_by is not None:
                key = (X_tr if sort_by in X_tr else Y_tr)[sort_by].to_numpy()
                order = np.argsort(key, kind="stable")
                X_tr, Y_tr = X_tr.iloc[order], Y_tr.iloc[order]
            for method, params in METHODS.items():
                t, s = run_one(params, X_tr, Y_tr, X_te, Y_te, batch_size=bs,
                               epochs=epochs, seed=seed, shuffle=sort_by is None)
                times[method].append(t)
                scores[method].append(s)
        whole = np.median(times["whole-data"])
        for method in METHODS:
            s = np.array(scores[method])
            t = np.median(times[method])
            cells = "  ".join(
                f"{m:.3f} +- {sd:.3f}".rjust(18)
                for m, sd in zip(s.mean(0), s.std(0), strict=True)
            )
            print(
                f"{bs:>5} {method:<11} {t:8.4f} {t / whole:7.2f}x  {cells}  "
                f"{s.mean():.3f} +- {s.mean(1).std():.3f}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--scenarios", nargs="+", choices=sorted(SCENARIOS),
                        default=list(SCENARIOS))
    args = parser.parse_args()
    X, Y = load_fair(return_X_y=True)
    print(f"fair: {X.shape[0]} rows, outputs {list(Y.columns)}; "
          f"balanced accuracy on 30 % held out, mean +- std over seeds {args.seeds}")
    for name in args.scenarios:
        scenario(name, X, Y, seeds=args.seeds, batch_sizes=args.batch_sizes,
                 epochs=args.epochs, sort_by=SCENARIOS[name])


if __name__ == "__main__":
    main()
