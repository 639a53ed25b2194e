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
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skweight import InverseFrequency, WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair  # noqa: E402
from skweight.losses import SparseCategoricalFocalCrossentropy  # noqa: E402

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
    print(f"{label:<28}" + "".join(f"{s:15.3f}" for s in scores)
          + f"{np.mean(scores):8.3f}")
