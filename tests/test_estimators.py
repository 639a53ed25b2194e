import pickle

import keras
import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS, FROZEN
from sklearn.base import clone, is_classifier
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils.class_weight import compute_class_weight

from skweight import InverseFrequency, WeightedMultiOutputClassifier

TINY = {"model__hidden_layer_sizes": (8,), "random_state": 0}


def frozen(**kwargs):
    """A network that cannot move: SGD at learning rate 0, one full batch."""
    return WeightedMultiOutputClassifier(**FROZEN, **kwargs)


def expected_output_losses(clf, X, Y, weights):
    """mean(weight * cross-entropy) per output, from the frozen network."""
    probas = clf.predict_proba(X)
    losses = []
    for k, name in enumerate(clf.output_names_):
        codes = np.searchsorted(clf.classes_[k], Y[name].to_numpy())
        p = probas[k][np.arange(len(X)), codes]
        losses.append(np.mean(weights[:, k] * -np.log(p)))
    return np.array(losses)


def logged_output_losses(clf):
    return np.array(
        [clf.history_[f"{name}_loss"][-1] for name in clf.output_layer_names_]
    )


def balanced_oracle(Y):
    """scikit-learn's per-column balanced class weights, column by column."""
    cols = []
    for name in Y:
        classes = np.unique(Y[name])
        w = compute_class_weight("balanced", classes=classes, y=Y[name])
        cols.append(w[np.searchsorted(classes, Y[name])])
    return np.column_stack(cols)


@pytest.mark.parametrize(
    "case",
    ["dict", "balanced", "sample_weight_1d", "sample_weight_2d", "balanced_times_2d"],
)
def test_frozen_network_each_output_gets_only_its_own_weights(penguins_small, case):
    X, Y = penguins_small
    n = len(X)
    rng = np.random.default_rng(1)
    sw1 = rng.uniform(0.2, 3.0, n)
    sw2 = rng.uniform(0.2, 3.0, (n, 3))
    cw_dict = {"species": {"Chinstrap": 3.0}, "island": {"Torgersen": 5.0,
                                                        "Dream": 0.5}}
    loss_weights = [1.0, 0.5, 2.0]
    if case == "dict":
        kwargs, sw = {"class_weight": cw_dict}, None
        expected_w = np.ones((n, 3))
        expected_w[:, 0] = np.where(Y["species"] == "Chinstrap", 3.0, 1.0)
        expected_w[:, 1] = Y["island"].map({"Torgersen": 5.0, "Dream": 0.5,
                                            "Biscoe": 1.0})
    elif case == "balanced":
        kwargs, sw = {"class_weight": "balanced"}, None
        expected_w = balanced_oracle(Y)
    elif case == "sample_weight_1d":
        kwargs, sw = {}, sw1
        expected_w = np.repeat(sw1[:, None], 3, axis=1)
    elif case == "sample_weight_2d":
        kwargs, sw = {}, sw2
        expected_w = sw2
    else:
        kwargs, sw = {"class_weight": "balanced"}, sw2
        expected_w = balanced_oracle(Y) * sw2
    clf = frozen(loss_weights=loss_weights, **kwargs).fit(X, Y, sample_weight=sw)
    logged = logged_output_losses(clf)
    expected = expected_output_losses(clf, X, Y, expected_w)
    np.testing.assert_allclose(logged, expected, rtol=2e-5)
    # The optimised total is the loss-weighted sum of the per-output terms.
    np.testing.assert_allclose(
        clf.history_["loss"][-1], np.dot(loss_weights, logged), rtol=2e-5
    )


def test_frozen_network_product_weights_differ_from_per_output(penguins_small):
    """The product of per-output weights (scikit-learn, scikeras) is another loss."""
    from sklearn.utils.class_weight import compute_sample_weight

    X, Y = penguins_small
    per_output = frozen(class_weight="balanced").fit(X, Y)
    product = frozen().fit(X, Y, sample_weight=compute_sample_weight("balanced", Y))
    assert not np.allclose(
        logged_output_losses(per_output), logged_output_losses(product), rtol=1e-3
    )


def test_fitted_attributes_multi_output(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(
        class_weight={"island": "balanced"}, epochs=2, **TINY
    ).fit(X, Y)
    assert clf.n_outputs_ == 3
    assert clf.output_names_ == ["species", "island", "sex"]
    assert clf.n_features_in_ == 4
    assert list(clf.feature_names_in_) == list(X.columns)
    assert [list(c) for c in clf.classes_] == [
        sorted(Y[c].unique()) for c in Y.columns
    ]
    assert clf.n_classes_ == [3, 3, 2]
    assert clf.class_weight_[0] is None and clf.class_weight_[2] is None
    island = Y["island"].value_counts()
    expected = {k: len(Y) / (3 * v) for k, v in island.items()}
    assert clf.class_weight_[1] == pytest.approx(expected)
    for name in ("species", "island", "sex"):
        assert len(clf.history_[f"{name}_loss"]) == 2
    proba = clf.predict_proba(X)
    assert [p.shape for p in proba] == [(len(X), 3), (len(X), 3), (len(X), 2)]
    for p in proba:
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    pred = clf.predict(X)
    assert pred.shape == (len(X), 3)
    for k, p in enumerate(proba):
        np.testing.assert_array_equal(pred[:, k], clf.classes_[k][p.argmax(axis=1)])
    assert 0.0 <= clf.score(X, Y) <= 1.0


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["b", "a", "c"]),
        np.array([10, -3, 7]),
        np.array([True, False, True]),
    ],
    ids=["str", "int", "bool"],
)
def test_single_output_label_kinds(penguins_small, labels):
    X, Y = penguins_small
    codes = pd.factorize(Y["species"], sort=True)[0] % len(np.unique(labels))
    y = np.unique(labels)[codes]
    cw = {np.unique(labels)[0].item(): 2.0}
    clf = WeightedMultiOutputClassifier(class_weight=cw, epochs=2, **TINY).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    assert clf.n_outputs_ == 1
    assert clf.class_weight_[np.unique(labels)[0].item()] == 2.0
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(clf.classes_))
    pred = clf.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == y.dtype
    assert set(np.unique(pred)) <= set(np.unique(y))


def test_mixed_label_kinds_in_a_dataframe(penguins_small):
    X, Y = penguins_small
    Y2 = pd.DataFrame({"island": Y["island"], "is_male": Y["sex"] == "male",
                       "code": pd.factorize(Y["species"])[0] * 7})
    clf = WeightedMultiOutputClassifier(epochs=1, **TINY).fit(X, Y2)
    pred = clf.predict(X)
    assert pred.dtype == object
    assert isinstance(pred[0, 1], (bool, np.bool_))
    assert isinstance(pred[0, 2], (int, np.integer))


def test_is_classifier_and_cross_validation_stratifies(penguins):
    est = WeightedMultiOutputClassifier()
    assert is_classifier(est)
    X, Y = penguins
    assert isinstance(check_cv(3, Y["species"], classifier=is_classifier(est)),
                      StratifiedKFold)


def test_inputs_are_not_modified(penguins_small):
    X, Y = penguins_small
    X0, Y0 = X.copy(), Y.copy()
    sw = np.linspace(0.5, 2.0, len(X))
    sw0 = sw.copy()
    cw = [{"Adelie": 2.0}, "balanced", InverseFrequency(power=0.5)]
    cw0 = [dict(cw[0]), cw[1], cw[2].get_params()]
    WeightedMultiOutputClassifier(class_weight=cw, epochs=1, **TINY).fit(
        X, Y, sample_weight=sw
    )
    pd.testing.assert_frame_equal(X, X0)
    pd.testing.assert_frame_equal(Y, Y0)
    np.testing.assert_array_equal(sw, sw0)
    assert cw[0] == cw0[0] and cw[1] == cw0[1] and cw[2].get_params() == cw0[2]


def test_same_random_state_same_model_and_pickle_clone(penguins_small):
    X, Y = penguins_small
    a = WeightedMultiOutputClassifier(class_weight="balanced", epochs=3, **TINY)
    b = clone(a)
    pa = a.fit(X, Y).predict_proba(X)
    pb = b.fit(X, Y).predict_proba(X)
    for u, v in zip(pa, pb, strict=True):
        np.testing.assert_array_equal(u, v)
    restored = pickle.loads(pickle.dumps(a))
    for u, v in zip(pa, restored.predict_proba(X), strict=True):
        np.testing.assert_array_equal(u, v)
    assert restored.class_weight_ == a.class_weight_
    assert clone(restored).get_params()["class_weight"] == "balanced"


def test_fast_predict_path_matches_keras_predict(penguins_small):
    """One compiled forward serves every batch size; it agrees with Keras'
    Model.predict up to float32 rounding (oneDNN picks kernels by batch shape)."""
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(epochs=2, **TINY).fit(X, Y)
    ours = clf.predict_proba(X)
    keras_out = clf.model_.predict(X.to_numpy(np.float32), verbose=0)
    np.testing.assert_allclose(ours[0], keras_out[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours[2][:, 1], keras_out[2][:, 0], rtol=1e-6,
                               atol=1e-7)
    one_row = clf.predict_proba(X.iloc[[5]])
    for full, single in zip(ours, one_row, strict=True):
        np.testing.assert_allclose(single[0], full[5], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(clf.predict(X.iloc[[5]])[0], clf.predict(X)[5])


def test_user_model_callable_gets_meta(penguins_small):
    X, Y = penguins_small
    seen = {}

    def build(meta, hidden=4):
        seen.update(meta)
        inputs = keras.Input((meta["n_features_in_"],))
        h = keras.layers.Dense(hidden, activation="relu")(inputs)
        outputs = [
            keras.layers.Dense(k, activation="softmax", name=f"head_{i}")(h)
            for i, k in enumerate(meta["n_classes_"])
        ]
        return keras.Model(inputs, outputs)

    clf = WeightedMultiOutputClassifier(
        build, class_weight="balanced", model__hidden=6, epochs=1, random_state=0
    ).fit(X, Y)
    for key in ("n_features_in_", "n_outputs_", "output_names_", "n_classes_",
                "classes_"):
        assert key in seen
    assert seen["output_names_"] == ["species", "island", "sex"]
    assert clf.model_.layers[1].units == 6
    assert "head_2_loss" in clf.history_
    # A two-unit softmax head on the binary output gives (n, 2) probabilities.
    assert clf.predict_proba(X)[2].shape == (len(X), 2)


def test_prebuilt_user_model(penguins_small):
    X, Y = penguins_small
    inputs = keras.Input((4,))
    h = keras.layers.Dense(4, activation="relu")(inputs)
    model = keras.Model(
        inputs,
        [keras.layers.Dense(3, activation="softmax")(h),
         keras.layers.Dense(1, activation="sigmoid")(h)],
    )
    clf = WeightedMultiOutputClassifier(model, epochs=1, random_state=0)
    clf.fit(X, Y[["species", "sex"]])
    assert clf.predict(X).shape == (len(X), 2)


def test_warm_start_continues_training(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(epochs=2, warm_start=True, **TINY).fit(X, Y)
    model = clf.model_
    clf.fit(X, Y)
    assert clf.model_ is model
    assert len(clf.history_["loss"]) == 4


def test_warm_fit_with_loss_weights_keeps_the_optimizer_state(penguins_small):
    """Loss weights are compiled into the loss, so a warm fit recompiles; it
    keeps the fitted optimizer (Adam's moments and step count): two warm fits
    of 2 epochs train as one fit of 4."""
    X, Y = penguins_small
    params = {"epochs": 2, "loss_weights": [1.0, 2.0, 0.5], "shuffle": False,
              **TINY}
    warm = WeightedMultiOutputClassifier(warm_start=True, **params).fit(X, Y)
    steps = int(warm.model_.optimizer.iterations.numpy())
    warm.fit(X, Y)
    assert int(warm.model_.optimizer.iterations.numpy()) == 2 * steps
    once = WeightedMultiOutputClassifier(**{**params, "epochs": 4}).fit(X, Y)
    np.testing.assert_allclose(warm.history_["loss"], once.history_["loss"],
                               rtol=1e-5)
    for a, b in zip(warm.predict_proba(X), once.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_validation_split_logs_validation_losses(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(
        epochs=2, validation_split=0.25, **TINY
    ).fit(X, Y)
    assert len(clf.history_["val_loss"]) == 2
    assert "val_island_loss" in clf.history_


def test_column_vector_y_is_one_output(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(epochs=1, **TINY).fit(X, Y[["species"]])
    assert clf.predict(X).shape == (len(X), 1)
    assert isinstance(clf.predict_proba(X), list)


@pytest.mark.parametrize("make", ALL_ESTIMATORS)
def test_one_loss_dict_works_the_same_on_every_estimator(make, penguins_small):
    """A dict naming some outputs (others keep their default loss) used to be
    refused by DynamicWeightClassifier and accepted by the others."""
    X, Y = penguins_small
    loss = {"species": keras.losses.SparseCategoricalCrossentropy(),
            "sex": "binary_crossentropy"}
    est = make(loss=loss, epochs=1, batch_size=-1, run_eagerly=True,
               **TINY).fit(X, Y)
    assert set(est.output_layer_names_) == {"species", "island", "sex"}
    assert np.all(np.isfinite(est.history_["loss"]))


def test_fit_weights_are_compute_output_sample_weight(penguins_small):
    """fit and the public function compute the per-output weights in one place."""
    from skweight import compute_output_sample_weight

    X, Y = penguins_small
    sw = np.linspace(0.5, 1.5, len(X))
    clf = WeightedMultiOutputClassifier(class_weight=[None, "balanced", {"male": 2}],
                                        **TINY)
    weights = clf._prepare(X, Y, sw).weights
    expected = compute_output_sample_weight(clf.class_weight, Y, sample_weight=sw)
    np.testing.assert_allclose(np.column_stack(weights), expected, rtol=1e-6)
