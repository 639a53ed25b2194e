"""fit and predict_proba speed against scikeras and hand-written Keras.

Same network (standardisation, Dense(64)-Dense(64), one head per output), same
epochs and batch size, same data (the shipped penguin table), measured side by
side in one run, best of several repeats. Prints ratios (skweight / anchor):

* fit, single output, against scikeras' ``KerasClassifier`` (target <= 0.75);
* fit, 3 outputs with per-output sample weights, against hand-written Keras
  ``Model.fit(X, [y1, y2, y3], sample_weight=[w1, w2, w3])`` (target <= 1.0);
* predict_proba of one row against ``KerasClassifier`` (target <= 0.2, and
  <= 3 ms absolute);
* predict_proba of 20,000 rows against ``KerasClassifier`` (target <= 0.5).

Run: ``python benchmarks/bench_fit_predict.py [--epochs 50] [--repeats 3]``
"""

import argparse

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet (skweight._env.configure_logging).
from skweight import WeightedMultiOutputClassifier

# isort: split
import numpy as np
from scikeras.wrappers import KerasClassifier

from skweight import compute_output_sample_weight
from skweight.datasets import load_penguins

# isort: split
from _common import best_time, reference_network


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    E, R = args.epochs, args.repeats

    X_df, Y = load_penguins(return_X_y=True)
    X = X_df.to_numpy(np.float32)
    mean, var = X.astype(np.float64).mean(0).tolist(), X.astype(np.float64).var(
        0).tolist()
    species = Y["species"].to_numpy()

    def scikeras_model(meta):
        return reference_network(meta["n_features_in_"], mean, var,
                                 [("species", meta["n_classes_"])])

    def make_scikeras():
        return KerasClassifier(scikeras_model, loss="sparse_categorical_crossentropy",
                               optimizer="adam", epochs=E, batch_size=32, verbose=0,
                               random_state=0)

    def make_ours():
        return WeightedMultiOutputClassifier(epochs=E, batch_size=32, random_state=0)

    print(f"penguins: {len(X)} rows, {E} epochs, batch 32, best of {R}")
    # Warm both up once (TensorFlow start-up, first tracing).
    make_scikeras().fit(X, species)
    make_ours().fit(X, species)
    t_sk = best_time(lambda: make_scikeras().fit(X, species), R)
    t_ours = best_time(lambda: make_ours().fit(X, species), R)
    print(f"fit 1 output     : skweight {t_ours:6.3f} s  scikeras {t_sk:6.3f} s  "
          f"ratio {t_ours / t_sk:.2f} (target <= 0.75)")

    # Three outputs with per-output sample weights, against hand-written Keras.
    codes = [np.unique(Y[c], return_inverse=True)[1] for c in Y]
    W = compute_output_sample_weight("balanced", Y).astype(np.float32)

    def hand_written():
        model = reference_network(4, mean, var,
                                  [("species", 3), ("island", 3), ("sex", 2)])
        model.compile(optimizer="adam", loss=[
            "sparse_categorical_crossentropy", "sparse_categorical_crossentropy",
            "binary_crossentropy"])
        model.fit(X, [codes[0], codes[1], codes[2].astype(np.float32)],
                  sample_weight=[W[:, 0], W[:, 1], W[:, 2]], epochs=E,
                  batch_size=32, verbose=0)

    hand_written()
    t_hand = best_time(hand_written, R)
    t_ours3 = best_time(lambda: WeightedMultiOutputClassifier(
        class_weight="balanced", epochs=E, batch_size=32, random_state=0).fit(X, Y), R)
    print(f"fit 3 outputs    : skweight {t_ours3:6.3f} s  hand-written Keras "
          f"{t_hand:6.3f} s  ratio {t_ours3 / t_hand:.2f} (target <= 1.0)")

    sk, ours = make_scikeras().fit(X, species), make_ours().fit(X, species)
    one = X[:1]
    sk.predict_proba(one), ours.predict_proba(one)
    n = 50
    t_sk1 = best_time(lambda: [sk.predict_proba(one) for _ in range(n)], R) / n
    t_ours1 = best_time(lambda: [ours.predict_proba(one) for _ in range(n)], R) / n
    print(f"predict 1 row    : skweight {t_ours1 * 1e3:6.2f} ms scikeras "
          f"{t_sk1 * 1e3:6.2f} ms ratio {t_ours1 / t_sk1:.3f} (target <= 0.2, "
          "<= 3 ms)")

    big = np.repeat(X, 61, axis=0)[:20_000]
    t_skb = best_time(lambda: sk.predict_proba(big), R)
    t_oursb = best_time(lambda: ours.predict_proba(big), R)
    print(f"predict 20k rows : skweight {t_oursb * 1e3:6.1f} ms scikeras "
          f"{t_skb * 1e3:6.1f} ms ratio {t_oursb / t_skb:.3f} (target <= 0.5)")
    a = ours.predict_proba(big)
    b = np.concatenate([ours.predict_proba(big[i:i + 1]) for i in range(0, 200)])
    print("row-by-row vs batch predict_proba, max abs difference: "
          f"{np.abs(a[:200] - b).max():.1e}; labels equal: "
          f"{np.array_equal(ours.predict(big[:200]), ours.classes_[b.argmax(1)])}")


if __name__ == "__main__":
    main()
