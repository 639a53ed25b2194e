"""What the benchmarks share: timing, and the hand-written reference network.

A benchmark runs as a script (``python benchmarks/bench_x.py``), with
``benchmarks/`` first on ``sys.path``, and imports these as ``from _common
import ...``, after skweight (skweight, not Keras, starts TensorFlow, so that
its start-up lines stay quiet).
"""

import time


def timed(fn):
    """Seconds one call of ``fn()`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_time(fn, repeats, *, warm=False):
    """The fastest of ``repeats`` calls of ``fn()``, in seconds.

    ``warm=True`` calls it once first, untimed (traces, caches).
    """
    if warm:
        fn()
    return min(timed(fn) for _ in range(repeats))


def reference_network(n_features, mean, var, heads):
    """skweight's built-in network written by hand in Keras.

    Standardisation, Dense(64)-Dense(64), one head per ``(name, n_classes)``
    in ``heads``: a sigmoid unit for 2 classes, a softmax otherwise.
    """
    import keras

    inputs = keras.Input((n_features,))
    h = keras.layers.Normalization(mean=mean, variance=var)(inputs)
    h = keras.layers.Dense(64, activation="relu")(h)
    h = keras.layers.Dense(64, activation="relu")(h)
    outs = [
        keras.layers.Dense(1, activation="sigmoid", name=name)(h)
        if k == 2 else keras.layers.Dense(k, activation="softmax", name=name)(h)
        for name, k in heads
    ]
    return keras.Model(inputs, outs if len(outs) > 1 else outs[0])
