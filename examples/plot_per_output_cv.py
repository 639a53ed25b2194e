"""Cross-validate each output of a multi-output classifier on its own.
===================================================================
``score`` of a multi-output classifier is subset accuracy (all outputs right);
``skweight.metrics.per_output_scorers`` gives one scorer per output, by name,
for ``cross_validate``. The figure shows each score's mean and standard
deviation over the folds, without and with ``"balanced"`` class weights.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import cross_validate

from skweight import WeightedMultiOutputClassifier
from skweight.datasets import load_penguins
from skweight.metrics import output_scorer, per_output_scorers
from skweight.model_selection import MultiOutputStratifiedKFold
from skweight.utils import save_example_figures

X, Y = load_penguins(return_X_y=True)
scoring = {
    **per_output_scorers("balanced_accuracy", list(Y.columns)),
    "roc_auc_sex": output_scorer("roc_auc", "sex"),
}
results = {}
for class_weight in (None, "balanced"):
    res = cross_validate(
        WeightedMultiOutputClassifier(
            class_weight=class_weight, epochs=15, random_state=0
        ),
        X, Y, cv=MultiOutputStratifiedKFold(4, shuffle=True, random_state=0),
        scoring=scoring,
    )
    results[class_weight] = res
    print(f"class_weight={class_weight!r}")
    for name in scoring:
        s = res[f"test_{name}"]
        print(f"  {name:<28} {s.mean():.3f} +/- {s.std():.3f}")

fig, ax = plt.subplots(figsize=(7, 3.5))
x = np.arange(len(scoring))
for i, (class_weight, res) in enumerate(results.items()):
    scores = [res[f"test_{name}"] for name in scoring]
    ax.bar(x + (i - 0.5) * 0.4, [s.mean() for s in scores], 0.4,
           yerr=[s.std() for s in scores], capsize=3,
           label=f"class_weight={class_weight!r}")
ax.set_xticks(x, list(scoring), rotation=15)
ax.set_ylabel("score (4-fold CV)")
ax.set_ylim(0, 1.25)  # room for the legend above the bars
ax.set_title("Penguins: one score per output")
ax.legend(loc="upper center", ncol=2)
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
