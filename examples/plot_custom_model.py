"""A custom Keras model with per-output class weights.
===================================================

The model function receives ``meta`` (``n_features_in_``, ``n_classes_``,
``output_names_``, ...) and routed ``model__*`` parameters; it returns one
output per target column, in column order. Here the binary ``sex`` output uses
a two-unit softmax (sparse categorical cross-entropy), and each output gets its
own class weights: a strategy, a raw ``{label: weight}`` dict, or none. The
figure shows each output's own training loss per epoch (``history_`` keeps
them apart), next to the balanced accuracy on held-out rows.
"""

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet.
from skweight import EffectiveNumber, WeightedMultiOutputClassifier

# isort: split
import keras
import matplotlib.pyplot as plt
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweight.datasets import load_penguins
from skweight.utils import save_example_figures


def two_towers(meta, width=32):
    """A shared layer, then a small tower per output."""
    inputs = keras.Input((meta["n_features_in_"],))
    h = keras.layers.Dense(width, activation="relu")(inputs)
    outputs = []
    for name, n_classes in zip(meta["output_names_"], meta["n_classes_"],
                               strict=True):
        t = keras.layers.Dense(width // 2, activation="relu")(h)
        outputs.append(keras.layers.Dense(n_classes, activation="softmax",
                                          name=name)(t))
    return keras.Model(inputs, outputs)


X, Y = load_penguins(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
clf = WeightedMultiOutputClassifier(
    two_towers,
    model__width=32,
    class_weight={"island": EffectiveNumber(beta=0.99), "sex": {"female": 1.2}},
    loss_weights={"island": 2.0},
    epochs=30,
    random_state=0,
)
# The built-in network standardises its inputs itself; a custom one gets
# standardised features from a Pipeline.
pipe = make_pipeline(StandardScaler(), clf).fit(X_train, Y_train)
pred = pipe.predict(X_test)
scores = {name: balanced_accuracy_score(Y_test[name], pred[:, k])
          for k, name in enumerate(clf.output_names_)}
for name, score in scores.items():
    print(f"{name:<8} balanced accuracy {score:.3f}")
print("class weights used:", clf.class_weight_)
print("history keys:", sorted(clf.history_))

fig, ax = plt.subplots(figsize=(6, 3.5))
for name, layer in zip(clf.output_names_, clf.output_layer_names_, strict=True):
    losses = clf.history_[f"{layer}_loss"]
    ax.plot(range(1, len(losses) + 1), losses,
            label=f"{name} (held-out balanced accuracy {scores[name]:.2f})")
ax.set_xlabel("epoch")
ax.set_ylabel("weighted training loss of the output")
ax.set_title("Two towers on the penguins: one loss per output")
ax.legend()
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
