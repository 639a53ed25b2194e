"""How strongly to rebalance, per output: a stacked grid search over weights.
==========================================================================

``InverseFrequency(power=p)`` moves from no weighting (p=0) to full inverse
frequency (p=1). ``WeightGridSearchCV`` tries five powers x 5 stratified folds
(``MultiOutputStratifiedKFold``, every output's classes kept in every fold)
as one stacked network, and draws each output's balanced accuracy against the
power, with the fold-to-fold spread.

Run: ``python examples/plot_weight_search.py [--out FILE]``
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skweight import InverseFrequency, WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_penguins  # noqa: E402
from skweight.metrics import per_output_scorers  # noqa: E402
from skweight.model_selection import WeightGridSearchCV  # noqa: E402
from skweight.utils import save_example_figures  # noqa: E402

X, Y = load_penguins(return_X_y=True)
powers = [0.0, 0.25, 0.5, 0.75, 1.0]
scoring = per_output_scorers("balanced_accuracy", list(Y.columns))
search = WeightGridSearchCV(
    WeightedMultiOutputClassifier(class_weight=InverseFrequency(), epochs=30,
                                  random_state=0),
    {"class_weight__power": powers},
    scoring=scoring,
    refit="balanced_accuracy_island",
).fit(X, Y)

results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
print("power  " + "  ".join(f"{name:>26}" for name in scoring))
for name in scoring:
    ax.errorbar(powers, results[f"mean_test_{name}"], yerr=results[f"std_test_{name}"],
                marker="o", capsize=3, label=name.removeprefix("balanced_accuracy_"))
for i, power in enumerate(powers):
    cells = "  ".join(f"{results[f'mean_test_{name}'][i]:>26.3f}" for name in scoring)
    print(f"{power:<5}  {cells}")
ax.set_xlabel("class_weight__power (0: no weights, 1: inverse frequency)")
ax.set_ylabel("balanced accuracy (5-fold mean, sd)")
ax.set_title(f"{len(powers)} candidates x {search.n_splits_} folds, "
             f"{search.n_stacked_fits_} stacked network")
ax.legend(title="output")
fig.tight_layout()
print("best for the island:", search.best_params_,
      f"({search.best_score_:.3f})")

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
