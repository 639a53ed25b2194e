"""Train chunk by chunk with partial_fit, balanced weights counted as they come.
=============================================================================
Data larger than memory trains chunk by chunk: each ``partial_fit`` call
trains the network one epoch on one chunk. ``class_weight="balanced"`` is then
computed from the class counts of every chunk seen so far, so the weights
settle as the chunks come in (scikit-learn's ``SGDClassifier.partial_fit``
refuses ``"balanced"``). Pass every class of each output in ``classes`` on the
first call: a chunk may lack the rare ones.

The figure follows each output's held-out balanced accuracy over the passes,
against one ``fit`` on all the training rows with as many epochs. dask-ml's
``Incremental`` wrapper makes the same calls, one per block of a dask array
(``pip install "skweight[dask]"``; ``docs/scikeras.md``).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skweight import WeightedMultiOutputClassifier
from skweight.datasets import load_fair
from skweight.utils import save_example_figures

X, Y = load_fair(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25,
                                                    random_state=0)
settings = {"class_weight": "balanced", "model__hidden_layer_sizes": (32,),
            "batch_size": 64, "random_state": 0}
classes = [np.unique(Y_train[column]) for column in Y_train]
chunks = np.array_split(np.arange(len(X_train)), 8)


def test_scores(estimator):
    predicted = estimator.predict(X_test)
    return [balanced_accuracy_score(Y_test[c], predicted[:, k].astype(Y_test[c].dtype))
            for k, c in enumerate(Y_test.columns)]


incremental = WeightedMultiOutputClassifier(**settings)
passes = 10
curve = []
for _ in range(passes):
    for rows in chunks:
        incremental.partial_fit(X_train.iloc[rows], Y_train.iloc[rows],
                                classes=None if curve else classes)
    curve.append(test_scores(incremental))
print(f"{len(incremental.history_['loss'])} partial_fit calls, one epoch each")
print("class weights of occupation after all chunks:",
      {k: round(v, 2) for k, v in incremental.class_weight_[1].items()})

whole = WeightedMultiOutputClassifier(epochs=passes, **settings).fit(X_train, Y_train)
reference = test_scores(whole)
for name, a, b in zip(Y.columns, curve[-1], reference, strict=True):
    print(f"{name:<14} partial_fit {a:.3f}   fit {b:.3f}")

fig, ax = plt.subplots(figsize=(7, 3.5))
curve = np.array(curve)
for k, name in enumerate(Y.columns):
    line, = ax.plot(np.arange(1, passes + 1), curve[:, k], marker="o", label=name)
    ax.axhline(reference[k], color=line.get_color(), linestyle="--", alpha=0.6)
ax.set_xlabel("passes over the 8 chunks (partial_fit)")
ax.set_ylabel("test balanced accuracy")
ax.set_title("Fair table: partial_fit (lines) and one fit (dashed)")
ax.legend(loc="center right")
fig.tight_layout()

# %%
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
