"""Watch dynamic loss weights move: ``loss_weights_history_`` next to the losses.
==============================================================================

Fits :class:`skweight.DynamicWeightClassifier` on the shipped penguins table
(species, island and sex from four body measurements) with each loss-only
rule and Uncertainty, prints the weights of the last epoch, and draws, for
each rule, the weight of every output per epoch (left) next to that output's
unweighted training loss (right).

Run: ``python examples/plot_dynamic_weights.py [--out FILE]`` (the figure is
saved to ``plot_dynamic_weights.png`` in the working folder by default).
"""

import matplotlib.pyplot as plt

from skweight import DynamicWeightClassifier
from skweight.datasets import load_penguins
from skweight.utils import save_example_figures

RULES = ["dwa", "inverse_loss", "uncertainty"]

X, Y = load_penguins(return_X_y=True)
fig, axes = plt.subplots(len(RULES), 2, figsize=(9, 3 * len(RULES)),
                         sharex=True, squeeze=False)
for row, rule in zip(axes, RULES, strict=True):
    clf = DynamicWeightClassifier(
        weighting=rule, epochs=30, batch_size=37, random_state=0,
        optimizer__learning_rate=0.01,
    ).fit(X, Y)
    epochs = range(1, len(clf.loss_weights_history_) + 1)
    for k, (name, layer) in enumerate(
        zip(clf.output_names_, clf.output_layer_names_, strict=True)
    ):
        row[0].plot(epochs, clf.loss_weights_history_[:, k], label=name)
        row[1].plot(epochs, clf.history_[f"{layer}_loss"], label=name)
    row[0].set_ylabel(f"{rule}\nloss weight")
    row[1].set_ylabel("unweighted loss")
    row[1].set_yscale("log")
    last = ", ".join(
        f"{name} {w:.2f}"
        for name, w in zip(clf.output_names_, clf.loss_weights_history_[-1],
                           strict=True)
    )
    print(f"{rule:13s} last-epoch weights: {last}; "
          f"training accuracy (all outputs right) {clf.score(X, Y):.3f}")
axes[0, 0].legend()
axes[-1, 0].set_xlabel("epoch")
axes[-1, 1].set_xlabel("epoch")
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
