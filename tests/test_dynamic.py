"""DynamicWeightClassifier: the weights it reports are the weights it optimises.

Runs under any Keras backend (``KERAS_BACKEND=jax`` / ``torch`` in a separate
process); GradNorm is refused on JAX and its tests say so.
"""

import pickle

import keras
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skweight import DynamicWeightClassifier
from skweight.weighting import DWA, GradNorm, Uncertainty, WeightingRule

JAX = keras.backend.backend() == "jax"
needs_gradnorm = pytest.mark.skipif(JAX, reason="GradNorm is refused on JAX")

# 333 penguins = 3 batches of 111: equal batches, so the epoch-mean total loss
# is exactly the weighted sum of the epoch-mean output losses.
SMALL = {"model__hidden_layer_sizes": (8,), "batch_size": 111, "random_state": 0}


def _output_losses(clf):
    return np.array(
        [clf.history_[f"{name}_loss"] for name in clf.output_layer_names_]
    ).T


def test_dwa_weights_recomputed_from_history(penguins):
    X, Y = penguins
    clf = DynamicWeightClassifier(weighting="dwa", epochs=6, **SMALL).fit(X, Y)
    losses = _output_losses(clf)
    expected = np.ones((6, 3))
    for t in range(2, 6):
        w = losses[t - 1] / losses[t - 2]
        expected[t] = 3 * np.exp(w / 2.0) / np.exp(w / 2.0).sum()
    assert clf.loss_weights_history_.shape == (6, 3)
    assert_allclose(clf.loss_weights_history_, expected, rtol=1e-5)
    assert not np.allclose(clf.loss_weights_history_[2:], 1.0)


@pytest.mark.parametrize(
    "params",
    [
        {"weighting": "dwa"},
        {"weighting": DWA(temperature=0.5), "loss_weights": [2.0, 1.0, 0.5]},
        {"weighting": "inverse_loss"},
        {"weighting": "inverse_loss", "class_weight": "balanced"},
    ],
    ids=["dwa", "dwa-T0.5-loss_weights", "inverse_loss", "inverse_loss-balanced"],
)
def test_total_loss_is_the_weighted_sum_every_epoch(penguins, params):
    X, Y = penguins
    clf = DynamicWeightClassifier(epochs=5, **SMALL, **params).fit(X, Y)
    lam = clf.loss_weights_history_
    assert_allclose(clf.history_["loss"], (lam * _output_losses(clf)).sum(axis=1),
                    rtol=1e-5)
    base = np.asarray(params.get("loss_weights", [1.0, 1.0, 1.0]))
    assert_allclose(lam[0], base)
    # The rule's multipliers sum to n_outputs.
    assert_allclose((lam / base).sum(axis=1), 3.0, rtol=1e-5)
    assert not np.allclose(lam[-1], lam[0])


def test_inverse_loss_uses_validation_losses(penguins):
    X, Y = penguins
    clf = DynamicWeightClassifier(
        weighting="inverse_loss", epochs=3, validation_split=0.2, **SMALL
    ).fit(X, Y)
    val = np.array(
        [clf.history_[f"val_{name}_loss"] for name in clf.output_layer_names_]
    ).T
    inverse = 1.0 / val[:-1]
    expected = 3 * inverse / inverse.sum(axis=1, keepdims=True)
    assert_allclose(clf.loss_weights_history_[1:], expected, rtol=1e-5)


class _FirstOutputOnly(WeightingRule):
    """After the first epoch, only output 0 is in the loss."""

    def end_epoch(self, losses, val_losses=None):
        super().end_epoch(losses, val_losses)
        return np.array([1.0, 0.0, 0.0])


class _Snapshots(keras.callbacks.Callback):
    def __init__(self, names):
        super().__init__()
        self.names = names
        self.kernels = []

    def _snapshot(self):
        self.kernels.append(
            [np.array(self.model.get_layer(n).kernel.numpy()) for n in self.names]
        )

    def on_train_begin(self, logs=None):
        self._snapshot()

    def on_epoch_end(self, epoch, logs=None):
        self._snapshot()


def test_assigned_weights_reach_the_gradients(penguins):
    # The failure this estimator exists to avoid: new weights assigned by a
    # callback that the compiled train step never sees. With plain SGD a head
    # whose weight is 0 gets no update at all.
    X, Y = penguins
    names = ["species", "island", "sex"]
    snaps = _Snapshots(names)
    clf = DynamicWeightClassifier(
        weighting=_FirstOutputOnly(), optimizer="sgd", epochs=3,
        callbacks=[snaps], **SMALL,
    ).fit(X, Y)
    assert clf.output_layer_names_ == names
    assert_allclose(clf.loss_weights_history_[1:], [[1, 0, 0], [1, 0, 0]])
    start, *ends = snaps.kernels
    # Epoch 0 trained every head; epochs 1 and 2 only the first.
    for k in range(3):
        assert not np.allclose(start[k], ends[0][k])
    for k in (1, 2):
        assert_allclose(ends[0][k], ends[2][k], rtol=0, atol=0)
    assert not np.allclose(ends[0][0], ends[2][0])
    # The logged output losses stay unweighted.
    assert clf.history_["island_loss"][-1] > 0.1
    assert_allclose(clf.history_["loss"][1:], clf.history_["species_loss"][1:],
                    rtol=1e-5)


def test_uncertainty_weights_move(penguins):
    X, Y = penguins
    clf = DynamicWeightClassifier(
        weighting="uncertainty", epochs=4, optimizer__learning_rate=0.05, **SMALL
    ).fit(X, Y)
    lam = clf.loss_weights_history_
    assert lam.shape == (4, 3)
    assert np.all(lam > 0)
    assert np.abs(np.diff(lam, axis=0)).max() > 1e-3
    assert isinstance(clf.weighting_, Uncertainty)


@needs_gradnorm
def test_gradnorm_weights_move_and_sum_to_n_outputs(penguins):
    X, Y = penguins
    clf = DynamicWeightClassifier(
        weighting=GradNorm(learning_rate=0.05), epochs=3, **SMALL
    ).fit(X, Y)
    lam = clf.loss_weights_history_
    assert_allclose(lam.sum(axis=1), 3.0, rtol=1e-5)
    assert np.abs(lam - 1.0).max() > 1e-2
    assert np.all(lam > 0)


@needs_gradnorm
def test_gradnorm_bad_shared_layer(penguins):
    X, Y = penguins
    clf = DynamicWeightClassifier(
        weighting="gradnorm", weighting__shared_layer="nope", epochs=1, **SMALL
    )
    with pytest.raises(ValueError, match=r"weighting__shared_layer .* Got 'nope'"):
        clf.fit(X, Y)


@pytest.mark.skipif(not JAX, reason="checks the refusal on JAX")
def test_gradnorm_refused_outside_tensorflow(penguins):
    X, Y = penguins
    with pytest.raises(ValueError, match=r"weighting='gradnorm' needs .* backend"):
        DynamicWeightClassifier(weighting="gradnorm", epochs=1, **SMALL).fit(X, Y)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"weighting": "balanced"}, ValueError, r"weighting must be one of"),
        ({"weighting": None}, TypeError, r"weighting must be a str"),
        ({"weighting": "dwa", "weighting__temperature": -1.0}, ValueError,
         r"temperature must be a finite number > 0. Got -1.0"),
        ({"weighting": "uncertainty", "weighting__temperature": 1.0}, ValueError,
         r"weighting__temperature is not an option of Uncertainty\(\)"),
        ({"weighting": DWA(temperature="hot")}, TypeError,
         r"temperature must be a real number"),
        ({"loss_weights": [1.0, -1.0, 1.0]}, ValueError, r"loss_weights"),
    ],
)
def test_bad_parameters_raise_before_training(penguins, params, error, match):
    X, Y = penguins
    clf = DynamicWeightClassifier(epochs=1, **SMALL)
    clf.set_params(**params)
    with pytest.raises(error, match=match):
        clf.fit(X, Y)
    assert not hasattr(clf, "model_")


def test_grid_search_chooses_rule_and_temperature(penguins):
    X, Y = penguins
    grid = GridSearchCV(
        DynamicWeightClassifier(epochs=3, **SMALL),
        [
            {"weighting": ["inverse_loss"]},
            {"weighting": ["dwa"], "weighting__temperature": [0.5, 4.0]},
        ],
        cv=2,
    ).fit(X, Y)
    params = grid.cv_results_["params"]
    assert [p["weighting"] for p in params] == ["inverse_loss", "dwa", "dwa"]
    assert [p.get("weighting__temperature") for p in params] == [None, 0.5, 4.0]
    best = grid.best_estimator_
    assert best.loss_weights_history_.shape == (3, 3)
    if "weighting__temperature" in grid.best_params_:
        assert best.weighting_.temperature == grid.best_params_[
            "weighting__temperature"]


def test_weighting_options_work_with_names_and_objects(penguins):
    X, Y = penguins
    by_name = DynamicWeightClassifier(
        weighting="dwa", weighting__temperature=0.5, epochs=4, **SMALL
    ).fit(X, Y)
    given = DWA(temperature=0.5)
    by_object = DynamicWeightClassifier(weighting=given, epochs=4, **SMALL).fit(X, Y)
    assert by_name.weighting_.temperature == 0.5
    assert given.get_params() == {"temperature": 0.5} and given is not (
        by_object.weighting_)
    assert_allclose(by_name.loss_weights_history_, by_object.loss_weights_history_,
                    rtol=1e-6)


def test_pickle_clone_and_warm_start(penguins):
    X, Y = penguins
    clf = DynamicWeightClassifier(weighting="dwa", epochs=3, **SMALL).fit(X, Y)
    copy = pickle.loads(pickle.dumps(clf))
    assert_allclose(copy.loss_weights_history_, clf.loss_weights_history_)
    assert_allclose(copy.predict_proba(X)[0], clf.predict_proba(X)[0], rtol=1e-6)
    assert np.array_equal(copy.predict(X), clf.predict(X))

    fresh = clone(clf)
    assert fresh.get_params()["weighting"] == "dwa"
    assert not hasattr(fresh, "loss_weights_history_")

    # warm_start continues the network (also after unpickling); the rule
    # starts afresh and the history grows.
    copy.set_params(warm_start=True, epochs=2)
    copy.fit(X, Y)
    assert copy.loss_weights_history_.shape == (5, 3)
    assert len(copy.history_["loss"]) == 5
    assert_allclose(copy.loss_weights_history_[3:], 1.0)


def test_sample_weight_and_single_output(penguins):
    X, Y = penguins
    sw = np.linspace(0.5, 1.5, len(X))
    clf = DynamicWeightClassifier(weighting="inverse_loss", epochs=2, **SMALL)
    clf.fit(X, Y, sample_weight=sw)
    assert clf.loss_weights_history_.shape == (2, 3)
    single = DynamicWeightClassifier(weighting="dwa", epochs=3, **SMALL)
    single.fit(X, Y["species"])
    assert_allclose(single.loss_weights_history_, np.ones((3, 1)))
    assert single.predict(X).shape == (len(X),)


def test_a_rule_written_by_the_user_plugs_in(penguins):
    """A WeightingRule subclass skweight does not know trains as the shipped ones."""

    class FirstCountsTwice(WeightingRule):
        def end_epoch(self, losses, val_losses=None):
            super().end_epoch(losses, val_losses)
            return np.r_[2.0, np.ones(self.n_outputs_ - 1)]

    X, Y = penguins
    clf = DynamicWeightClassifier(weighting=FirstCountsTwice(), epochs=3,
                                  **SMALL).fit(X, Y)
    assert_allclose(clf.loss_weights_history_,
                    [[1.0, 1.0, 1.0], [2.0, 1.0, 1.0], [2.0, 1.0, 1.0]])
    # The weights are in the optimised loss, not only logged.
    assert_allclose(clf.history_["loss"],
                    (clf.loss_weights_history_ * _output_losses(clf)).sum(axis=1),
                    rtol=1e-5)
    assert isinstance(clf.weighting_, FirstCountsTwice)
    assert len(clf.weighting_.losses_) == 3


def test_a_user_rule_learning_log_variances_gets_them(penguins):
    """``learns_log_variance`` is read from the rule, not from its class."""

    class HalfUncertainty(WeightingRule):
        learns_log_variance = True

        @staticmethod
        def multipliers(log_vars, ops):
            return ops.exp(-0.5 * log_vars)

    X, Y = penguins
    clf = DynamicWeightClassifier(weighting=HalfUncertainty(), epochs=2,
                                  **SMALL).fit(X, Y)
    assert not np.allclose(clf.loss_weights_history_[-1], 1.0)


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy",
                                  keras.losses.sparse_categorical_crossentropy])
def test_loss_given_by_name_or_function(penguins, loss):
    """A loss name or function (not a Loss object) trains: it used to raise
    AttributeError (keras.losses.LossFunctionWrapper is not public)."""
    X, Y = penguins
    Y = Y[["species", "island"]]
    clf = DynamicWeightClassifier(loss=loss, epochs=2, **SMALL).fit(X, Y)
    assert clf.loss_weights_history_.shape == (2, 2)
    assert np.all(np.isfinite(clf.history_["loss"]))
