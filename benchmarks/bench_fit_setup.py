"""What one ``fit`` costs: fixed set-up against per-epoch work, small and large.

Measured side by side in one run, contenders alternated within each repeat,
medians over the repeats (the machine may be shared: the medians and the
ratios are what to read). Each contender is warmed up once first (TensorFlow
start-up, a first trace), as in a search or a cross-validation that fits many
times in one process.

* Penguins (333 rows, 3 outputs), built-in network (Dense(64)-Dense(64)),
  batch 32, 1 and 100 epochs, against
  ``MultiOutputClassifier(make_pipeline(StandardScaler(), MLPClassifier((64, 64),
  max_iter=epochs)))`` (target at 100 epochs: <= 2.0).
* 50,000 x 20 synthetic rows, 3 outputs (3, 4 and 2 classes), batch 256, 3 and
  10 epochs, against scikeras' ``KerasClassifier`` (the same network with one
  output; target <= 0.75) and hand-written Keras ``Model.fit(X, [y1, y2, y3],
  sample_weight=[w1, w2, w3])`` (target <= 1.0).
* Fixed cost = time(1 epoch) - per-epoch cost; per-epoch cost = (time(E) -
  time(1)) / (E - 1).
* Weighting: ``class_weight="balanced"`` against ``None`` (target: no
  measurable cost); ``predict_proba`` of one row (target <= 3 ms).

The MLP also runs with one BLAS thread (threadpoolctl): on a loaded machine
its multi-threaded BLAS can be many times slower than on a quiet one, which
would flatter the ratio. scikeras runs unseeded: seeding calls
``tf.random.set_seed``, which clears TensorFlow's function caches and would
charge every contender that runs after it a new instantiation of its graphs.

Run: ``python benchmarks/bench_fit_setup.py [--repeats 3] [--quick]``
"""

import argparse
import os
import warnings

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet (skweight._env.configure_logging).
from skweight import WeightedMultiOutputClassifier

# isort: split
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skweight import compute_output_sample_weight
from skweight.datasets import load_penguins

# isort: split
from _common import reference_network, timed


def side_by_side(contenders, repeats, warm_up):
    """Median seconds per contender, contenders alternated in every repeat."""
    if warm_up:
        for fn in contenders.values():
            fn()
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            times[name].append(timed(fn))
    return {name: float(np.median(t)) for name, t in times.items()}


def synthetic(n=50_000, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    Y = np.column_stack([
        np.digitize(X @ rng.normal(size=d) + rng.normal(size=n), [-1.0, 1.5]),
        np.digitize(X @ rng.normal(size=d) + rng.normal(size=n), [-2.0, 0.0, 2.5]),
        (X @ rng.normal(size=d) + rng.normal(size=n) > 2.0).astype(int),
    ])
    return X, Y


def penguin_rows(repeats, epochs):
    X_df, Y = load_penguins(return_X_y=True)
    X = X_df.to_numpy(np.float32)
    def mlp(E):
        return MultiOutputClassifier(make_pipeline(
            StandardScaler(), MLPClassifier((64, 64), max_iter=E, random_state=0),
        )).fit(X, Y)

    def mlp_one_thread(E):
        with threadpool_limits(1):
            return mlp(E)

    rows = {}
    for E in (1, epochs):
        rows[E] = side_by_side({
            "skweight": lambda E=E: WeightedMultiOutputClassifier(
                class_weight="balanced", epochs=E, batch_size=32, random_state=0
            ).fit(X, Y),
            "mlp": lambda E=E: mlp(E),
            "mlp1": lambda E=E: mlp_one_thread(E),
        }, repeats, warm_up=E == 1)
    return rows


def large_rows(repeats, epoch_list):
    X, Y = synthetic()
    mean = X.astype(np.float64).mean(0).tolist()
    var = X.astype(np.float64).var(0).tolist()
    W = compute_output_sample_weight("balanced", Y).astype(np.float32)
    heads = [("y0", 3), ("y1", 4), ("y2", 2)]
    targets = [Y[:, 0], Y[:, 1], Y[:, 2].astype(np.float32)]

    def scikeras_model(meta):
        return reference_network(meta["n_features_in_"], mean, var,
                                 [("y0", meta["n_classes_"])])

    def hand_written(E):
        model = reference_network(20, mean, var, heads)
        model.compile(optimizer="adam", loss=[
            "sparse_categorical_crossentropy", "sparse_categorical_crossentropy",
            "binary_crossentropy"])
        model.fit(X, targets, sample_weight=[W[:, 0], W[:, 1], W[:, 2]],
                  epochs=E, batch_size=256, verbose=0)

    rows = {}
    for E in epoch_list:
        rows[E] = side_by_side({
            "skweight": lambda E=E: WeightedMultiOutputClassifier(
                class_weight="balanced", epochs=E, batch_size=256, random_state=0
            ).fit(X, Y),
            "skweight_unweighted": lambda E=E: WeightedMultiOutputClassifier(
                epochs=E, batch_size=256, random_state=0
            ).fit(X, Y),
            "scikeras": lambda E=E: KerasClassifier(
                scikeras_model, loss="sparse_categorical_crossentropy",
                optimizer="adam", epochs=E, batch_size=256, verbose=0,
            ).fit(X, Y[:, 0]),
            "keras": lambda E=E: hand_written(E),
        }, repeats, warm_up=E == epoch_list[0])
    return rows


def split(t_one, t_many, epochs):
    per_epoch = (t_many - t_one) / (epochs - 1)
    return t_one - per_epoch, per_epoch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100,
                        help="the long penguin fit (default 100)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    R = args.repeats
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at start; "
          f"medians of {R} alternated repeats, after one warm-up fit each")

    rows = penguin_rows(R, args.epochs)
    E = args.epochs
    print("\npenguins (333 rows, 3 outputs, batch 32): skweight vs "
          "MultiOutputClassifier(StandardScaler + MLPClassifier((64, 64)))")
    for e, r in rows.items():
        target = " (target <= 2.0)" if e == E else ""
        print(f"  {e:4d} epoch(s): skweight {r['skweight']:6.3f} s  MLP "
              f"{r['mlp']:6.3f} s  ratio {r['skweight'] / r['mlp']:5.2f}{target}; "
              f"MLP 1 BLAS thread {r['mlp1']:6.3f} s  ratio "
              f"{r['skweight'] / r['mlp1']:5.2f}")
    fixed, per = split(rows[1]["skweight"], rows[E]["skweight"], E)
    print(f"  skweight fixed cost {fixed:6.3f} s, per epoch {per * 1e3:6.2f} ms")

    big = large_rows(R, (1, 3, 10))
    print("\n50,000 x 20 rows, 3 outputs, batch 256: skweight (balanced) vs "
          "scikeras KerasClassifier (1 output) and hand-written Keras")
    for e, r in big.items():
        print(f"  {e:4d} epoch(s): skweight {r['skweight']:6.3f} s  scikeras "
              f"{r['scikeras']:6.3f} s  Keras {r['keras']:6.3f} s  ratios "
              f"{r['skweight'] / r['scikeras']:5.2f} (<= 0.75) "
              f"{r['skweight'] / r['keras']:5.2f} (<= 1.0)")
    for name in ("skweight", "scikeras", "keras"):
        fixed, per = split(big[1][name], big[10][name], 10)
        print(f"  {name:9s} fixed cost {fixed:6.3f} s, per epoch {per * 1e3:7.1f} ms")
    for e, r in big.items():
        print(f"  weighting cost, {e} epoch(s): balanced / unweighted "
              f"{r['skweight'] / r['skweight_unweighted']:5.2f}")

    X_df, Y = load_penguins(return_X_y=True)
    clf = WeightedMultiOutputClassifier(epochs=5, random_state=0).fit(X_df, Y)
    one = X_df.iloc[:1]
    clf.predict_proba(one)
    n = 50
    t = min(timed(lambda: [clf.predict_proba(one) for _ in range(n)])
            for _ in range(R)) / n
    print(f"\npredict_proba of one row: {t * 1e3:5.2f} ms (target <= 3 ms)")


if __name__ == "__main__":
    main()
