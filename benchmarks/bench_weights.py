"""Speed of ``compute_output_sample_weight("balanced", Y)`` against scikit-learn.

The anchor is :func:`sklearn.utils.class_weight.compute_sample_weight` applied
column by column (one call per output, which gives the same per-output weights
skweight computes; called on the whole ``Y`` it would return their product).
Both run side by side in one process on the same data, best of a few repeats,
and the results are checked equal.

Targets (issues 3 and 20): at most 0.25x for 1,000,000 x 8 integer outputs and
0.5x for 1,000,000 x 8 string outputs (fixed-width and object). Each figure is the
best of ``--repeats`` runs (3 by default). Run on an otherwise idle machine::

    PYTHONPATH=. python benchmarks/bench_weights.py [--rows 1000000] [--repeats 3]
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_sample_weight

from skweight import compute_output_sample_weight


def sklearn_per_column(Y):
    """scikit-learn's ``"balanced"`` weights, one output at a time."""
    arr = Y.to_numpy() if isinstance(Y, pd.DataFrame) else Y
    return np.column_stack(
        [compute_sample_weight("balanced", arr[:, k]) for k in range(arr.shape[1])]
    )


def best_time(func, arg, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func(arg)
        best = min(best, time.perf_counter() - start)
    return best, result


def make_int(rows, rng):
    # Imbalanced outputs with 2 to 50 classes (geometric class frequencies).
    cols = []
    for k, n_classes in enumerate([2, 3, 5, 8, 10, 20, 30, 50]):
        p = 0.7 ** np.arange(n_classes)
        cols.append(rng.choice(n_classes, size=rows, p=p / p.sum()) + 10 * k)
    return np.column_stack(cols).astype(np.int64)


def make_str(rows, rng):
    vocab = [
        np.array(["no", "yes"]),
        np.array(["Adelie", "Chinstrap", "Gentoo"]),
        np.array(["Biscoe", "Dream", "Torgersen"]),
        np.array(["low", "medium", "high", "very high", "extreme"]),
        np.array([f"city_{i:02d}" for i in range(12)]),
        np.array([f"genre {i}" for i in range(20)]),
        np.array([f"category-{i}" for i in range(40)]),
        np.array([f"a longer label, number {i}" for i in range(50)]),
    ]
    cols = []
    for v in vocab:
        p = 0.8 ** np.arange(len(v))
        cols.append(v[rng.choice(len(v), size=rows, p=p / p.sum())])
    return np.column_stack(cols)


def compare(name, Y, repeats):
    t_sk, ref = best_time(sklearn_per_column, Y, repeats)
    t_sw, got = best_time(
        lambda y: compute_output_sample_weight("balanced", y), Y, repeats
    )
    equal = np.allclose(got, ref, rtol=1e-12, atol=0)
    print(
        f"{name:<38} skweight {t_sw:7.3f} s   sklearn {t_sk:7.3f} s   "
        f"ratio {t_sw / t_sk:5.3f}x   equal: {equal}"
    )
    if not equal:
        raise AssertionError(f"{name}: skweight and scikit-learn weights differ")
    return t_sw / t_sk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    Y_int = make_int(args.rows, rng)
    Y_str = make_str(args.rows, rng)
    Y_obj = pd.DataFrame(Y_str.astype(object),
                         columns=[f"out{k}" for k in range(Y_str.shape[1])])
    rows = f"{args.rows:,}"
    # Other processes skew the figures: the load is printed beside them.
    print(f"load average before: {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} CPUs); best of {args.repeats}")
    r_int = compare(f"int64, {rows} x 8", Y_int, args.repeats)
    r_str = compare(f"str (<U), {rows} x 8", Y_str, args.repeats)
    r_obj = compare(f"str (object DataFrame), {rows} x 8", Y_obj, args.repeats)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"\ntargets: int <= 0.25x ({'met' if r_int <= 0.25 else 'MISSED'}), "
        f"str <= 0.5x ({'met' if r_str <= 0.5 else 'MISSED'}; object "
        f"{'met' if r_obj <= 0.5 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
