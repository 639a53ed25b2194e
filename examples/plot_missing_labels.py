"""Partly labelled multi-output data: mask the missing labels, keep the rows.
==========================================================================

On Fair's affairs table, a growing share of the ``occupation`` labels is
removed at random. Dropping every incomplete row (what a refusal of missing
labels forces) also throws away those rows' ``rate_marriage`` and
``had_affair`` labels; ``missing_labels="mask"`` keeps them and gives each
missing label zero weight for its own output only. The figure draws, for the
two outputs that kept their labels, the held-out log-loss of both fits against
the share of missing ``occupation`` labels.

Run: ``python examples/plot_missing_labels.py [--out FILE]``
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair  # noqa: E402
from skweight.metrics import output_scorer  # noqa: E402
from skweight.utils import save_example_figures  # noqa: E402

X, Y = load_fair(return_X_y=True)
order = np.random.default_rng(0).permutation(len(X))
train, test = order[:2000], order[2000:]
X_train, Y_train = X.iloc[train], Y.iloc[train].reset_index(drop=True)
X_test, Y_test = X.iloc[test], Y.iloc[test]
params = {"model__hidden_layer_sizes": (16,), "epochs": 8, "random_state": 0}
kept = ["rate_marriage", "had_affair"]
fractions = [0.3, 0.6]
curves = {(how, o): [] for how in ("mask", "drop") for o in kept}
for fraction in fractions:
    holes = np.random.default_rng(1).random(len(Y_train)) < fraction
    occupation = Y_train["occupation"].astype(object)  # None needs objects
    occupation[holes] = None
    holed = Y_train.assign(occupation=occupation)
    fits = {
        "mask": WeightedMultiOutputClassifier(missing_labels="mask", **params).fit(
            X_train, holed),
        "drop": WeightedMultiOutputClassifier(**params).fit(
            X_train[~holes], Y_train[~holes]),
    }
    for how, clf in fits.items():
        for output in kept:
            loss = -output_scorer("neg_log_loss", output)(clf, X_test, Y_test)
            curves[how, output].append(loss)
    print(f"{fraction:.0%} of occupation missing: log-loss " + "; ".join(
        f"{o} mask {curves['mask', o][-1]:.4f} / drop {curves['drop', o][-1]:.4f}"
        for o in kept))

fig, axes = plt.subplots(1, len(kept), figsize=(4.5 * len(kept), 3.5))
for ax, output in zip(axes, kept, strict=True):
    for how, label in [("mask", 'missing_labels="mask"'),
                       ("drop", "incomplete rows dropped")]:
        ax.plot(fractions, curves[how, output], "o-", label=label)
    ax.set(title=output, xlabel="share of occupation labels missing",
           ylabel="held-out log-loss (lower is better)")
axes[0].legend()
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
