"""A custom Keras model with per-output class weights.
===================================================

The model function receives ``meta`` (``n_features_in_``, ``n_classes_``,
``output_names_``, ...) and routed ``model__*`` parameters; it returns one
output per target column, in column order. Here the binary ``sex`` output uses
a two-unit softmax (sparse categorical cross-entropy), and each output gets its
own class weights: a strategy, a raw ``{label: weight}`` dict, or none.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skweight import EffectiveNumber, WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_penguins  # noqa: E402


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
for k, name in enumerate(clf.output_names_):
    print(f"{name:<8} balanced accuracy "
          f"{balanced_accuracy_score(Y_test[name], pred[:, k]):.3f}")
print("class weights used:", clf.class_weight_)
print("history keys:", sorted(clf.history_))
