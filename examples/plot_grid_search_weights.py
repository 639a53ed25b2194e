"""Tune how strongly to rebalance, per output, with Pipeline + GridSearchCV.
=========================================================================
``InverseFrequency(power=p)`` moves from no weighting (p=0) to full inverse
frequency (p=1); ``GridSearchCV`` tunes ``class_weight__power`` and refits on
the balanced accuracy of the output we care about (the island, whose smallest
class is 3.5 times rarer than its largest). The figure shows each output's
cross-validated balanced accuracy against the power.
"""

import matplotlib.pyplot as plt
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweight import InverseFrequency, WeightedMultiOutputClassifier
from skweight.datasets import load_penguins
from skweight.metrics import per_output_scorers
from skweight.model_selection import MultiOutputStratifiedKFold
from skweight.utils import save_example_figures

X, Y = load_penguins(return_X_y=True)
pipe = make_pipeline(
    StandardScaler(),
    WeightedMultiOutputClassifier(
        class_weight=InverseFrequency(), epochs=15, random_state=0
    ),
)
scoring = per_output_scorers("balanced_accuracy", ["species", "island", "sex"])
search = GridSearchCV(
    pipe,
    {"weightedmultioutputclassifier__class_weight__power": [0.0, 0.5, 1.0]},
    scoring=scoring,
    refit="balanced_accuracy_island",
    # scikit-learn's cv=3 would be unshuffled KFold for a multi-output y.
    cv=MultiOutputStratifiedKFold(3, shuffle=True, random_state=0),
).fit(X, Y)

print("power   " + "  ".join(f"{name:>26}" for name in scoring))
for i, params in enumerate(search.cv_results_["params"]):
    power = params["weightedmultioutputclassifier__class_weight__power"]
    cells = "  ".join(
        f"{search.cv_results_[f'mean_test_{name}'][i]:>26.3f}" for name in scoring
    )
    print(f"{power:<6}  {cells}")
print("best:", search.best_params_)
print("class weights used:", search.best_estimator_[-1].class_weight_[1])

powers = [p["weightedmultioutputclassifier__class_weight__power"]
          for p in search.cv_results_["params"]]
fig, ax = plt.subplots(figsize=(6, 3.5))
for name in scoring:
    mean = search.cv_results_[f"mean_test_{name}"]
    std = search.cv_results_[f"std_test_{name}"]
    ax.errorbar(powers, mean, yerr=std, marker="o", capsize=3,
                label=name.removeprefix("balanced_accuracy_"))
ax.set_xlabel("InverseFrequency power (0: no weights, 1: inverse frequency)")
ax.set_ylabel("balanced accuracy (3-fold CV)")
ax.set_title("Penguins: how strongly to rebalance")
ax.set_ylim(0.4, 1.02)  # room for the legend below the curves
ax.legend(title="output", loc="lower center", ncol=3)
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
