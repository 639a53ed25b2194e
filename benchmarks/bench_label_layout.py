"""Fit time of the packed multilabel layout against one head per label.

The built-in network gives a multilabel indicator target either one
``Dense(L, sigmoid)`` output (``model__label_layout="packed"``, the default) or
L one-unit sigmoid heads (``"heads"``). Both optimise the same loss (see
``tests/test_multilabel.py``); this script times ``fit`` (building, compiling
and training) for 10, 100 and 500 labels and prints the ratio
heads / packed (> 1: packed is faster).

Run: ``PYTHONPATH=. python benchmarks/bench_label_layout.py [--quick]``.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402


def make_data(n_samples, n_features, n_labels, seed=0):
    """Synthetic multilabel data: each label a noisy linear threshold."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(np.float32)
    coef = rng.normal(size=(n_features, n_labels))
    # Rare labels of varying rarity, as in real multilabel data.
    thresholds = rng.uniform(0.5, 2.0, size=n_labels) * np.sqrt(n_features)
    Y = (X @ coef + rng.normal(size=(n_samples, n_labels)) > thresholds)
    Y[0], Y[1] = True, False  # every label has both classes
    return X, Y.astype(np.int8)


def time_fit(layout, X, Y, epochs, repeats):
    best = np.inf
    for _ in range(repeats):
        clf = WeightedMultiOutputClassifier(
            class_weight="balanced",
            epochs=epochs,
            batch_size=64,
            random_state=0,
            model__hidden_layer_sizes=(64,),
            model__label_layout=layout,
        )
        start = time.perf_counter()
        clf.fit(X, Y)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples/epochs")
    args = parser.parse_args(argv)
    n_samples, epochs, repeats = (500, 2, 1) if args.quick else (2000, 5, 1)
    print(f"{n_samples} samples, 20 features, {epochs} epochs, batch 64, "
          f"best of {repeats}")
    print(f"{'labels':>7} {'packed s':>9} {'heads s':>9} {'heads/packed':>13}")
    for n_labels in (10, 100, 500):
        X, Y = make_data(n_samples, 20, n_labels)
        packed = time_fit("packed", X, Y, epochs, repeats)
        heads = time_fit("heads", X, Y, epochs, repeats)
        print(f"{n_labels:>7} {packed:>9.2f} {heads:>9.2f} {heads / packed:>13.1f}",
              flush=True)


if __name__ == "__main__":
    main()
