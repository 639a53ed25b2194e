"""
Per-sample importance times class weights
=========================================

Class weights say how much each *class* counts; ``sample_weight`` says how much
each *row* counts. skweight multiplies the two, output by output: the weight
of row ``i`` in output ``k``'s loss is ``class_weight_k[y_ik] * importance_ik``.

Here the importance of a row is its closeness to the decision boundary of a
simple model (a logistic regression for ``had_affair`` on the fair data):
rows the simple model finds ambiguous weigh more, clear-cut rows less. The
importance is given to the ``had_affair`` output only (a 2-D ``sample_weight``,
one column per output); the other outputs keep plain class weights.

The script prints the effective weights of a few rows (class weight x
importance, computed by :func:`skweight.compute_output_sample_weight`, the
same product the estimator forms in ``fit``), then each output's balanced
accuracy on held-out rows with class weights alone and with class weights
times importance. The figure shows the effective weight of every training row
of ``had_affair`` against the simple model's margin (left) and the balanced
accuracies (right).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweight import WeightedMultiOutputClassifier, compute_output_sample_weight
from skweight.datasets import load_fair
from skweight.utils import save_example_figures

X, Y = load_fair(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=1 / 3,
                                                    random_state=0)

# Importance: 1 / (1 + |margin|) of a balanced logistic regression, scaled to
# mean 1 so the loss keeps its scale.
simple = make_pipeline(StandardScaler(),
                       LogisticRegression(class_weight="balanced"))
margin = simple.fit(X_train, Y_train["had_affair"]).decision_function(X_train)
importance = 1.0 / (1.0 + np.abs(margin))
importance /= importance.mean()

# One column per output: importance for had_affair, 1 for the others.
sample_weight = np.ones((len(X_train), Y.shape[1]))
sample_weight[:, list(Y.columns).index("had_affair")] = importance

effective = compute_output_sample_weight("balanced", Y_train,
                                         sample_weight=sample_weight)
class_only = compute_output_sample_weight("balanced", Y_train)
rows = pd.DataFrame({
    "had_affair": Y_train["had_affair"].to_numpy()[:5],
    "class weight": class_only[:5, 2],
    "importance": importance[:5],
    "effective": effective[:5, 2],
})
print("effective weight of the had_affair output = class weight x importance")
print(rows.round(3).to_string(index=False))
assert np.allclose(effective, class_only * sample_weight)

print(f"\nbalanced accuracy on {len(X_test)} held-out rows, mean over 3 seeds")
print(f"{'':<34}" + "".join(f"{n:>15}" for n in Y.columns))
results = {}
for label, sw in [("class weights", None),
                  ("class weights x importance", sample_weight)]:
    scores = []
    for seed in range(3):
        clf = WeightedMultiOutputClassifier(
            class_weight="balanced", epochs=30, batch_size=128, random_state=seed,
            model__hidden_layer_sizes=(32, 32),
        ).fit(X_train, Y_train, sample_weight=sw)
        pred = clf.predict(X_test)
        scores.append([
            balanced_accuracy_score(Y_test[n], pred[:, k].astype(Y_test[n].dtype))
            for k, n in enumerate(Y.columns)
        ])
    results[label] = np.mean(scores, axis=0)
    print(f"{label:<34}" + "".join(f"{s:15.3f}" for s in results[label]))

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
affair = Y_train["had_affair"].to_numpy().astype(bool)
for value, color in ((False, "tab:blue"), (True, "tab:orange")):
    left.scatter(margin[affair == value], effective[affair == value, 2], s=4,
                 color=color, alpha=0.5, label=f"had_affair={value}")
left.set_xlabel("margin of the balanced logistic regression")
left.set_ylabel("effective weight in the had_affair loss")
left.legend()
x = np.arange(Y.shape[1])
for i, (label, scores) in enumerate(results.items()):
    right.bar(x + (i - 0.5) * 0.4, scores, 0.4, label=label)
right.set_xticks(x, Y.columns)
right.set_ylabel(f"balanced accuracy ({len(X_test)} held-out rows)")
right.set_ylim(0, 1)
right.legend(loc="upper left")
fig.suptitle("Fair data: class weight x per-row importance")
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
