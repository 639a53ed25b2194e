"""
Focal loss beside class weights
===============================

Two answers to imbalanced outputs: class weights (rare classes weigh more in
the loss) and focal loss (well-classified samples weigh less, Lin et al. 2017),
and the two combined. This example trains the same network on the fair data
(three imbalanced outputs: ``rate_marriage`` 27:1, ``occupation`` 68:1,
``had_affair`` 2:1) five ways and prints each output's balanced accuracy on a
held-out third.

Losses are given per output through ``loss=``, a list in output order:

- a sigmoid output takes Keras' ``BinaryFocalCrossentropy``
  (``apply_class_balancing=True, alpha=...`` adds a class weight);
- a softmax output takes :class:`skweight.losses.SparseCategoricalFocalCrossentropy`:
  Keras' ``CategoricalFocalCrossentropy`` expects one-hot targets, and the
  estimator feeds integer class codes.

The figure shows the balanced accuracies side by side, one group per output.
"""

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet.
from skweight import InverseFrequency, WeightedMultiOutputClassifier

# isort: split
import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skweight.datasets import load_fair
from skweight.losses import SparseCategoricalFocalCrossentropy
from skweight.utils import save_example_figures

X, Y = load_fair(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=1 / 3,
                                                    random_state=0)

# "balanced" per-class weights of each output, in the order of its sorted
# classes (the class codes the losses receive).
balanced = [
    InverseFrequency()(*np.unique(Y_train[name], return_counts=True))
    for name in Y.columns
]
positive_share = Y_train["had_affair"].mean()


def focal_losses(weighted):
    return [
        SparseCategoricalFocalCrossentropy(
            gamma=2.0, class_weight=balanced[0] if weighted else None
        ),
        SparseCategoricalFocalCrossentropy(
            gamma=2.0, class_weight=balanced[1] if weighted else None
        ),
        # alpha weighs the positive class, 1 - alpha the negative one.
        keras.losses.BinaryFocalCrossentropy(
            gamma=2.0, apply_class_balancing=weighted, alpha=1.0 - positive_share
        ),
    ]


setups = {
    "cross-entropy": {},
    "class weights": {"class_weight": "balanced"},
    "focal": {"loss": focal_losses(weighted=False)},
    "focal + class weights": {"loss": focal_losses(weighted=True)},
    "cross-entropy, sqrt weights": {"class_weight": "sqrt_inverse"},
}

print(f"balanced accuracy on {len(X_test)} held-out rows (chance: 1 / n_classes)")
print(f"{'':<28}" + "".join(f"{name:>15}" for name in Y.columns) + f"{'mean':>8}")
results = {}
for label, params in setups.items():
    clf = WeightedMultiOutputClassifier(
        epochs=30, batch_size=128, random_state=0,
        model__hidden_layer_sizes=(32, 32), **params,
    ).fit(X_train, Y_train)
    pred = clf.predict(X_test)
    scores = [
        balanced_accuracy_score(Y_test[name], pred[:, k].astype(Y_test[name].dtype))
        for k, name in enumerate(Y.columns)
    ]
    results[label] = scores
    print(f"{label:<28}" + "".join(f"{s:15.3f}" for s in scores)
          + f"{np.mean(scores):8.3f}")

fig, ax = plt.subplots(figsize=(8, 4))
width = 0.8 / len(results)
x = np.arange(Y.shape[1])
for i, (label, scores) in enumerate(results.items()):
    ax.bar(x + (i - (len(results) - 1) / 2) * width, scores, width, label=label)
ax.set_xticks(x, Y.columns)
ax.set_ylabel(f"balanced accuracy ({len(X_test)} held-out rows)")
ax.set_ylim(0, 1)
ax.set_title("Fair data: class weights, focal loss, both")
ax.legend(fontsize="small", ncols=2)
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
