"""Per-output decisions tuned by cross-validation, next to class weights.
======================================================================

Trains the built-in network without class weights on Fair's affairs table and
tunes each output's decision rule with
:class:`skweight.model_selection.MultiOutputTunedThresholdClassifierCV` on a
held-out split (``cv="prefit"``): a threshold for the binary ``had_affair``, a
logit-adjustment strength ``tau`` (predict ``argmax p_c / prior_c ** tau``) for
the multiclass ``rate_marriage`` and ``occupation``. Draws, per output, the
balanced accuracy of each candidate rule on the tuning split with the chosen
one marked, and prints the test balanced accuracy of the plain network, the
tuned rules, ``class_weight="balanced"`` and the logit-adjusted loss
(``loss="logit_adjusted"``: the same adjustment, with tau = 1, made during
training).

Run: ``python examples/plot_thresholds.py [--out FILE]``
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_fair  # noqa: E402
from skweight.model_selection import MultiOutputTunedThresholdClassifierCV  # noqa: E402
from skweight.utils import save_example_figures  # noqa: E402

X, Y = load_fair(return_X_y=True)
X_train, X_rest, Y_train, Y_rest = train_test_split(X, Y, test_size=0.4,
                                                    random_state=0)
X_tune, X_test, Y_tune, Y_test = train_test_split(X_rest, Y_rest, test_size=0.5,
                                                  random_state=0)
params = {"model__hidden_layer_sizes": (32,), "epochs": 10, "batch_size": 64,
          "random_state": 0}
plain = WeightedMultiOutputClassifier(**params).fit(X_train, Y_train)
weighted = WeightedMultiOutputClassifier(class_weight="balanced", **params).fit(
    X_train, Y_train)
adjusted = WeightedMultiOutputClassifier(loss="logit_adjusted", **params).fit(
    X_train, Y_train)
tuned = MultiOutputTunedThresholdClassifierCV(
    FrozenEstimator(plain), cv="prefit", refit=False).fit(X_tune, Y_tune)

fig, axes = plt.subplots(1, len(Y.columns), figsize=(4 * len(Y.columns), 3.5))
probas = plain.predict_proba(X_tune)
for k, (ax, output) in enumerate(zip(axes, Y.columns, strict=True)):
    y, P, classes = Y_tune[output].to_numpy(), probas[k], plain.classes_[k]
    if tuned.thresholds_[k] is not None:
        grid = np.linspace(0.05, 0.95, 91)
        curve = [balanced_accuracy_score(y, classes[(P[:, 1] >= t).astype(int)])
                 for t in grid]
        chosen, label = tuned.thresholds_[k], "threshold on p(had_affair)"
    else:
        grid = np.linspace(0, 2, 41)
        log_prior = np.log(tuned.priors_[k])
        curve = [balanced_accuracy_score(
            y, classes[np.argmax(np.log(P) - tau * log_prior, axis=1)])
            for tau in grid]
        chosen, label = tuned.tau_[k], "tau (p_c / prior_c ** tau)"
    ax.plot(grid, curve)
    ax.axvline(chosen, color="C1", linestyle="--", label=f"tuned: {chosen:.2f}")
    ax.set(title=output, xlabel=label, ylabel="balanced accuracy (tuning split)")
    ax.legend()
fig.tight_layout()

for name, model in [("plain network", plain), ("tuned rules", tuned),
                    ('class_weight="balanced"', weighted),
                    ('loss="logit_adjusted"', adjusted)]:
    pred = model.predict(X_test)
    scores = [balanced_accuracy_score(Y_test[o], pred[:, k].astype(Y_test[o].dtype))
              for k, o in enumerate(Y.columns)]
    print(f"{name:24s} test balanced accuracy: " + ", ".join(
        f"{o} {s:.3f}" for o, s in zip(Y.columns, scores, strict=True)))

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
