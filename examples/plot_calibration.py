"""Honest probabilities after class weights: a reliability diagram per output.
===========================================================================

Trains the built-in network with ``class_weight="balanced"`` on Fair's affairs
table (rate_marriage, occupation, had_affair), then corrects its probabilities
output by output with :class:`skweight.calibration.CalibratedMultiOutputClassifier`:
``method="prior"`` divides the class weights out (no data needed) and
``method="temperature"`` fits scikit-learn's temperature scaling on a held-out
calibration split. Each panel plots, for one output, the accuracy of the
predicted class against the model's confidence in it (top-label reliability,
test split): a calibrated model follows the diagonal. Prints each output's
expected calibration error.

Run: ``python examples/plot_calibration.py [--out FILE]``
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight.calibration import CalibratedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair  # noqa: E402
from skweight.utils import save_example_figures  # noqa: E402

X, Y = load_fair(return_X_y=True)
X_train, X_rest, Y_train, Y_rest = train_test_split(X, Y, test_size=0.4,
                                                    random_state=0)
X_cal, X_test, Y_cal, Y_test = train_test_split(X_rest, Y_rest, test_size=0.5,
                                                random_state=0)
weighted = WeightedMultiOutputClassifier(
    class_weight="balanced", model__hidden_layer_sizes=(32,), epochs=10,
    batch_size=64, random_state=0,
).fit(X_train, Y_train)
models = {
    "class weights alone": weighted,
    'method="prior"': CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted)).fit(X_cal, Y_cal),
    'method="temperature"': CalibratedMultiOutputClassifier(
        FrozenEstimator(weighted), method="temperature").fit(X_cal, Y_cal),
}

fig, axes = plt.subplots(1, len(Y.columns), figsize=(4 * len(Y.columns), 4))
# Where a correction barely moves an output, its curve lies on the
# uncorrected one: that one is drawn wide and pale underneath, the
# corrections thin, dashed and with open markers on top, so each stays seen.
styles = dict(zip(models, [
    {"marker": "o", "linestyle": "-", "linewidth": 5, "markersize": 9,
     "alpha": 0.35},
    {"marker": "s", "linestyle": "--", "linewidth": 1.5, "markerfacecolor": "none"},
    {"marker": "^", "linestyle": ":", "linewidth": 2, "markerfacecolor": "none",
     "markersize": 8},
], strict=True))
for name, model in models.items():
    probas = model.predict_proba(X_test)
    eces = []
    for ax, output, proba, classes in zip(axes, Y.columns, probas,
                                          weighted.classes_, strict=True):
        confidence = proba.max(axis=1)
        correct = classes[proba.argmax(axis=1)] == Y_test[output].to_numpy()
        accuracy, mean_confidence = calibration_curve(
            correct, confidence, n_bins=10, strategy="quantile")
        ax.plot(mean_confidence, accuracy, label=name, **styles[name])
        # Expected calibration error over the same quantile bins.
        edges = np.quantile(confidence, np.linspace(0, 1, 11))
        bins = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, 9)
        eces.append(sum(
            (bins == b).mean() * abs(correct[bins == b].mean()
                                     - confidence[bins == b].mean())
            for b in np.unique(bins)
        ))
    print(f"{name:22s} ECE per output: " + ", ".join(
        f"{o} {e:.3f}" for o, e in zip(Y.columns, eces, strict=True)))
for ax, output in zip(axes, Y.columns, strict=True):
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set(title=output, xlabel="confidence in the predicted class",
           ylabel="accuracy of the predicted class", xlim=(0, 1), ylim=(0, 1))
axes[0].legend(loc="upper left")
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
