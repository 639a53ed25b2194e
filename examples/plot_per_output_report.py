"""Per-output report and confusion matrices.
=========================================

Fits :class:`skweight.WeightedMultiOutputClassifier` with per-output
``"balanced"`` class weights on the shipped penguins table (species, island
and sex from four body measurements), then shows on held-out data what a
data scientist looks at first: :func:`skweight.metrics.per_output_report`,
one row per output and class with precision, recall, F1, support, the
output's balanced accuracy and the class weight that was used, and
:class:`skweight.metrics.PerOutputConfusionMatrixDisplay`, one confusion
matrix per output on one figure. The last figure is
:func:`skweight.metrics.plot_loss_weights` for a
:class:`skweight.DynamicWeightClassifier`: its output loss weights per epoch
next to each output's loss.

Run: ``python examples/plot_per_output_report.py [--out FILE]``: the
confusion matrices are saved to ``FILE`` (default
``plot_per_output_report.png`` in the working folder) and the loss-weight plot
beside it, as ``<FILE stem>_loss_weights.png``.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skweight import DynamicWeightClassifier, WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_penguins  # noqa: E402
from skweight.metrics import (  # noqa: E402
    PerOutputConfusionMatrixDisplay,
    per_output_report,
    plot_loss_weights,
)
from skweight.utils import save_example_figures  # noqa: E402

X, Y = load_penguins(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(
    X, Y, test_size=0.3, random_state=0
)

# %%
# The report: one row per (output, class)
# ---------------------------------------
# Torgersen, the rarest island, gets the largest weight; its recall is what
# the weight buys, at the price of precision.
clf = WeightedMultiOutputClassifier(
    class_weight="balanced", epochs=40, random_state=0
).fit(X_train, Y_train)
report = per_output_report(clf, X_test, Y_test)
with pd.option_context("display.width", 120, "display.precision", 3):
    print(report.to_string(index=False))

# %%
# One confusion matrix per output
# -------------------------------
disp = PerOutputConfusionMatrixDisplay.from_estimator(clf, X_test, Y_test)

# %%
# Dynamic loss weights next to the output losses
# ----------------------------------------------
dyn = DynamicWeightClassifier(
    weighting="dwa", class_weight="balanced", epochs=30, random_state=0
).fit(X_train, Y_train)
axes = plot_loss_weights(dyn)

# %%
# Run as a script, the example also saves its figures (sphinx-gallery, which
# draws them in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, disp.figure_, loss_weights=axes[0].figure)
