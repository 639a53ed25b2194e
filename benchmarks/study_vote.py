"""A majority vote of several seeds of the recipe against the anchors.

Measures what docs/quality.md reports under "What closes the gap": on the
tables, splits and anchors of ``study_quality.py`` (its ``load``, ``make`` and
``MultiOutputStratifiedKFold(4, shuffle=True, random_state=seed)``, first
fold as the test set), per seed it fits the recipe (``logit_es_drop5_wide``)
``--members`` times, with ``random_state`` the seed and then ``seed * 100 +
m``, and predicts each output by the most frequent of the members'
predictions for each row (ties: the smallest label); the first member alone
is the recipe as the study runs it. Prints, per table, on how many outputs
the recipe and the vote have a mean balanced accuracy at or above the better
anchor's, and the differences; ``--out`` writes the per-seed scores (JSON).

Run: ``python benchmarks/study_vote.py [--tables fair movies ...]
[--members 5] [--first-seed 20] [--seeds 5] [--out vote.json]`` (all five
tables, 5 members, 5 seeds: about 30 minutes on 2 cores).
"""

import argparse
import json

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from study_quality import LOADERS, METHODS, load, make
from threadpoolctl import threadpool_limits

from skweight import WeightedMultiOutputClassifier
from skweight.model_selection import MultiOutputStratifiedKFold

RECIPE = "logit_es_drop5_wide"


def vote(predictions):
    """Per row and output, the most frequent label of ``(members, n, k)``."""
    P = np.asarray(predictions)
    out = np.empty_like(P[0])
    for k in range(P.shape[2]):
        for i in range(P.shape[1]):
            labels, counts = np.unique(P[:, i, k], return_counts=True)
            out[i, k] = labels[np.argmax(counts)]
    return out


def run_table(X, Y, members, seeds):
    scores = {name: [] for name in ("recipe", "vote", "hgb", "logreg")}
    for seed in seeds:
        folds = MultiOutputStratifiedKFold(4, shuffle=True, random_state=seed)
        train, test = next(folds.split(X, Y))
        truth = [Y.iloc[test][c].to_numpy() for c in Y.columns]

        def per_output(pred, truth=truth):
            pred = np.asarray(pred)
            return [balanced_accuracy_score(y, pred[:, k].astype(y.dtype))
                    for k, y in enumerate(truth)]

        predictions = []
        for m in range(members):
            est = WeightedMultiOutputClassifier(
                random_state=seed if m == 0 else seed * 100 + m,
                **METHODS[RECIPE][1])
            est.fit(X.iloc[train], Y.iloc[train])
            predictions.append(np.asarray(est.predict(X.iloc[test])))
        scores["recipe"].append(per_output(predictions[0]))
        scores["vote"].append(per_output(vote(predictions)))
        for anchor in ("hgb", "logreg"):
            with threadpool_limits(limits=1, user_api="openmp"):
                fitted = make(anchor, seed, 30).fit(X.iloc[train], Y.iloc[train])
            scores[anchor].append(per_output(fitted.predict(X.iloc[test])))
        print(f"  seed {seed} done", flush=True)
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(LOADERS),
                        default=["fair", "movies", "diamonds", "yeast", "penguins"])
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=6000)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = {}
    print("| table (outputs) | the recipe | a vote of "
          f"{args.members} | vote - better anchor, mean |\n|---|---|---|---|")
    for table in args.tables:
        X, Y = load(table, args.max_rows)
        scores = run_table(X, Y, args.members, seeds)
        results[table] = scores
        best = np.maximum(np.mean(scores["hgb"], axis=0),
                          np.mean(scores["logreg"], axis=0))
        gap = {name: np.mean(scores[name], axis=0) - best
               for name in ("recipe", "vote")}
        print(f"| {table} ({len(best)}) | {int((gap['recipe'] >= 0).sum())} | "
              f"{int((gap['vote'] >= 0).sum())} | {gap['vote'].mean():+.4f} |",
              flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
