"""Stop each output at its own best epoch.
=========================================
One shared trunk serves outputs that learn at different speeds, so one epoch
count is the wrong knob for all of them: on the fair table the weighted loss
of ``rate_marriage`` (27:1 imbalance, weak signal) is lowest after a few
epochs, that of ``occupation`` dozens of epochs later. With
``early_stopping=True`` a stratified tenth of the training rows is held out,
each output is watched on its own score there after every epoch (its
weighted loss, the default ``scoring="loss"``; a scorer such as
``"balanced_accuracy"`` on request), each output predicts from the network at
its own best epoch, and training stops when no output has improved for
``n_iter_no_change`` epochs.

The figure shows each output's held-out curve (minus its weighted loss) with
its best epoch marked; the printout compares test balanced accuracy with a
fit of a fixed 100 epochs. ``docs/quality.md`` measures it on four tables.
"""

import matplotlib.pyplot as plt
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skweight import WeightedMultiOutputClassifier
from skweight.datasets import load_fair
from skweight.utils import save_example_figures

X, Y = load_fair(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25,
                                                    random_state=0)
settings = {"class_weight": "balanced", "model__hidden_layer_sizes": (64, 64),
            "batch_size": 128, "random_state": 0}

stopped = WeightedMultiOutputClassifier(
    epochs=300, early_stopping=True, n_iter_no_change=15,
    **settings).fit(X_train, Y_train)
fixed = WeightedMultiOutputClassifier(epochs=100, **settings).fit(X_train, Y_train)

n_epochs = len(stopped.history_["loss"])
print(f"early stopping trained {n_epochs} epochs; best epoch per output:",
      dict(zip(Y.columns, stopped.best_epoch_.tolist(), strict=True)))
for model, name in ((fixed, "100 epochs"), (stopped, "early stopping")):
    predicted = model.predict(X_test)
    scores = [balanced_accuracy_score(Y_test[c],
                                      predicted[:, k].astype(Y_test[c].dtype))
              for k, c in enumerate(Y.columns)]
    print(f"{name:<15}", "  ".join(f"{c} {s:.3f}" for c, s in
                                   zip(Y.columns, scores, strict=True)))

fig, ax = plt.subplots(figsize=(7, 3.5))
for k, name in enumerate(Y.columns):
    curve = stopped.history_[f"{name}_validation_score"]
    line, = ax.plot(range(1, n_epochs + 1), curve, label=name)
    best = stopped.best_epoch_[k]
    ax.plot([best], [curve[best - 1]], marker="*", markersize=12,
            color=line.get_color())
ax.set_xlabel("epoch")
ax.set_ylabel("held-out score (minus the weighted loss)")
ax.set_title("Fair table: each output's best epoch (stars)")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
