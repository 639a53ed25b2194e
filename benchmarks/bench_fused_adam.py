"""Keras' Adam against the stacked search's fused Adam, update by update.

The stacked network of ``WeightGridSearchCV`` holds every copy's weights in
one variable per layer, shape ``(copies, in, out)``. This times ``--steps``
optimizer updates inside one ``tf.function`` (no forward or backward pass:
the gradients are fixed tensors), for the shapes of ``--copies`` copies of the
default network on the penguins (4 features, a (64, 64) trunk, heads of 3, 3
and 1 units), with Keras' ``Adam`` and with ``_FusedAdam`` (TensorFlow's
``ResourceApplyAdam`` kernel), min of ``--repeats`` after a warm-up call, and
prints the time per update and the ratio; then the largest difference of the
two after the same updates, against the weights' scale.

Run: ``python benchmarks/bench_fused_adam.py [--copies 60 1] [--steps 300]
[--repeats 5]`` (TensorFlow only).
"""

import argparse
import time

from skweight import WeightedMultiOutputClassifier  # noqa: F401  (Keras' setup)

# isort: split
import keras
import numpy as np
import tensorflow as tf

from skweight.model_selection._stacked import _fused


def shapes(copies, features=4, hidden=(64, 64), heads=(3, 3, 1)):
    out, fan_in = [], features
    for units in (*hidden, *heads):
        out += [(copies, fan_in, units), (copies, units)]
        if units in hidden:
            fan_in = units
    return out


def timed(optimizer, start, grads, steps, repeats):
    variables = [keras.Variable(a) for a in start]
    optimizer.build(variables)

    @tf.function
    def run():
        for _ in tf.range(steps):
            optimizer.apply(grads, variables)

    run()
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t)
    return best / steps, [v.numpy() for v in variables]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[60, 1])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| copies | weights | Keras' Adam | fused | fused / Keras | "
          "largest difference / scale |\n|---|---|---|---|---|---|")
    for copies in args.copies:
        rng = np.random.default_rng(0)
        layout = shapes(copies)
        start = [rng.normal(size=s).astype("float32") for s in layout]
        grads = [tf.constant(rng.normal(size=s).astype("float32")) for s in layout]
        stock, a = timed(keras.optimizers.Adam(), start, grads, args.steps,
                         args.repeats)
        fused, b = timed(_fused(keras.optimizers.Adam()), start, grads,
                         args.steps, args.repeats)
        diff = max(np.abs(x - y).max() / np.abs(x).max()
                   for x, y in zip(a, b, strict=True))
        n = sum(int(np.prod(s)) for s in layout)
        print(f"| {copies} | {n:,} | {stock * 1e3:.3f} ms | {fused * 1e3:.3f} ms | "
              f"{fused / stock:.2f}x | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
