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

import argparse
import os
from pathlib import Path

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
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", default=Path(__file__).stem + ".png",
                        help="PNG file for the confusion matrices "
                        "(default: %(default)s)")
    out = Path(parser.parse_known_args()[0].out).resolve()
    disp.figure_.savefig(out, dpi=100)
    weights_out = out.with_name(out.stem + "_loss_weights.png")
    axes[0].figure.savefig(weights_out, dpi=100)
    print(f"figures saved to {out} and {weights_out}")
