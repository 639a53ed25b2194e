"""Fit time of the packed multilabel layout against one head per label.

The built-in network gives a multilabel indicator target either one
``Dense(L, sigmoid)`` output (``model__label_layout="packed"``, the default) or
L one-unit sigmoid heads (``"heads"``). Both optimise the same loss (see
``tests/test_multilabel.py``); this script times ``fit`` (building, compiling
and training, as a user waits for it) for 10, 100 and 500 labels and prints the
ratio heads / packed (> 1: packed is faster).

Each fit runs in its own process (a fresh TensorFlow, no warm caches) under a
time limit; a fit that exceeds it is reported as ``>limit`` and its ratio as a
lower bound. The best of ``--repeats`` runs is kept (one run for a fit longer
than a minute), which damps the noise of a shared machine.

Run: ``PYTHONPATH=. python benchmarks/bench_label_layout.py [--samples N]
[--epochs E] [--limit SECONDS]``.
"""

import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


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


def time_one_fit(layout, n_labels, n_samples, epochs):
    """Seconds of one ``fit`` (run in the child process)."""
    from skweight import WeightedMultiOutputClassifier

    X, Y = make_data(n_samples, 20, n_labels)
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
    return time.perf_counter() - start


def measure(layout, n_labels, args):
    """Best time of ``args.repeats`` fresh-process fits; None past the limit."""
    best = None
    for _ in range(args.repeats):
        seconds = measure_once(layout, n_labels, args)
        if seconds is None:
            return best
        best = seconds if best is None else min(best, seconds)
        if seconds > 60:
            break
    return best


def measure_once(layout, n_labels, args):
    """Run one fit in a fresh process; None when it exceeds the limit."""
    cmd = [sys.executable, __file__, "--child", layout, str(n_labels),
           "--samples", str(args.samples), "--epochs", str(args.epochs)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             timeout=args.limit)
    except subprocess.TimeoutExpired:
        return None
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=float, default=900.0,
                        help="seconds allowed per fit")
    parser.add_argument("--labels", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("LAYOUT", "LABELS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        layout, n_labels = args.child
        print(time_one_fit(layout, int(n_labels), args.samples, args.epochs))
        return
    print(f"{args.samples} samples, 20 features, {args.epochs} epochs, batch 64, "
          f"hidden (64,), class_weight='balanced'; best of {args.repeats}, "
          f"limit {args.limit:.0f} s per fit")
    print(f"{'labels':>7} {'packed s':>9} {'heads s':>9} {'heads/packed':>13}")
    for n_labels in args.labels:
        packed = measure("packed", n_labels, args)
        heads = measure("heads", n_labels, args)
        if packed is None:
            row = f"{'>limit':>9} {'?':>9} {'?':>13}"
        elif heads is None:
            bound = args.limit / packed
            row = f"{packed:>9.2f} {'>' + format(args.limit, '.0f'):>9} " \
                  f"{'>' + format(bound, '.0f'):>13}"
        else:
            row = f"{packed:>9.2f} {heads:>9.2f} {heads / packed:>13.1f}"
        print(f"{n_labels:>7} {row}", flush=True)


if __name__ == "__main__":
    main()
