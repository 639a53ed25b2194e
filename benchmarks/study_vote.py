"""The recipe as a seed ensemble against the anchors.

Measures what docs/quality.md reports under "A seed ensemble of the recipe":
on the tables, splits and anchors of ``study_quality.py`` (its ``load``,
``make`` and ``MultiOutputStratifiedKFold(4, shuffle=True,
random_state=seed)``, first fold as the test set), per seed it fits
``SeedEnsembleClassifier(WeightedMultiOutputClassifier(**recipe),
n_estimators=--members, random_state=seed)`` (the recipe is
``logit_es_drop5_wide``) and scores, per output, the ensemble's soft vote (its
default: the mean of the members' probabilities), its hard vote (the same
members, ``voting="hard"``) and its first member alone (the recipe with one
seed), beside the two anchors. Prints, per table, on how many outputs each
has a mean balanced accuracy at or above the better anchor's, the mean
difference, and the ensemble's fit time; ``--out`` writes the per-seed
balanced accuracy and macro F1 (JSON).

``--recipe`` names another skweight method of ``study_quality.METHODS`` for
the members (``logit_es_drop5_wide_refit``: the recipe with
``early_stopping="refit"``).

Run: ``python benchmarks/study_vote.py [--tables fair movies ...]
[--members 5] [--first-seed 25] [--seeds 5] [--recipe NAME]
[--out vote.json]`` (all five tables, 5 members, 5 seeds: about 30 minutes
on 2 cores; twice that with ``--recipe logit_es_drop5_wide_refit``).
"""

import argparse
import json
import time

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score
from study_quality import LOADERS, METHODS, load, make
from threadpoolctl import threadpool_limits

from skweight import WeightedMultiOutputClassifier
from skweight.ensemble import SeedEnsembleClassifier
from skweight.model_selection import MultiOutputStratifiedKFold

RECIPE = "logit_es_drop5_wide"
NAMES = ("member", "soft", "hard", "hgb", "logreg")


def run_table(X, Y, members, seeds, recipe=RECIPE):
    scores = {name: [] for name in NAMES}
    f1 = {name: [] for name in NAMES}
    seconds = []
    for seed in seeds:
        folds = MultiOutputStratifiedKFold(4, shuffle=True, random_state=seed)
        train, test = next(folds.split(X, Y))
        truth = [Y.iloc[test][c].to_numpy() for c in Y.columns]

        def per_output(pred, name, truth=truth):
            pred = np.asarray(pred)
            columns = [(y, pred[:, k].astype(y.dtype)) for k, y in enumerate(truth)]
            f1[name].append([f1_score(y, p, average="macro") for y, p in columns])
            scores[name].append([balanced_accuracy_score(y, p) for y, p in columns])

        ensemble = SeedEnsembleClassifier(
            WeightedMultiOutputClassifier(**METHODS[recipe][1]),
            n_estimators=members, random_state=seed)
        start = time.perf_counter()
        ensemble.fit(X.iloc[train], Y.iloc[train])
        seconds.append(time.perf_counter() - start)
        per_output(ensemble.estimators_[0].predict(X.iloc[test]), "member")
        per_output(ensemble.predict(X.iloc[test]), "soft")
        ensemble.set_params(voting="hard")
        per_output(ensemble.predict(X.iloc[test]), "hard")
        for anchor in ("hgb", "logreg"):
            with threadpool_limits(limits=1, user_api="openmp"):
                fitted = make(anchor, seed, 30).fit(X.iloc[train], Y.iloc[train])
            per_output(fitted.predict(X.iloc[test]), anchor)
        print(f"  seed {seed} done", flush=True)
    return scores, f1, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(LOADERS),
                        default=["fair", "movies", "diamonds", "yeast", "penguins"])
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=25)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=6000)
    parser.add_argument("--recipe", default=RECIPE,
                        choices=[m for m in METHODS if METHODS[m][0] == "skweight"])
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = {}
    print(f"| table (outputs) | one member | soft vote of {args.members} | "
          "hard vote | soft - better anchor, mean | ensemble fit, s |\n"
          "|---|---|---|---|---|---|")
    for table in args.tables:
        X, Y = load(table, args.max_rows)
        scores, f1, seconds = run_table(X, Y, args.members, seeds, args.recipe)
        results[table] = {"balanced_accuracy": scores, "macro_f1": f1,
                          "fit_seconds": seconds}
        best = np.maximum(np.mean(scores["hgb"], axis=0),
                          np.mean(scores["logreg"], axis=0))
        gap = {name: np.mean(scores[name], axis=0) - best
               for name in ("member", "soft", "hard")}
        print(f"| {table} ({len(best)}) | {int((gap['member'] >= 0).sum())} | "
              f"{int((gap['soft'] >= 0).sum())} | {int((gap['hard'] >= 0).sum())} | "
              f"{gap['soft'].mean():+.4f} | {np.mean(seconds):.1f} |", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
