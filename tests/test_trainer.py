"""The graph training loop (skweight/_engine/_trainer.py) against Keras' own fit.

Each comparison trains the same network twice from the same initial weights
(same ``random_state``) over the same batches (``shuffle=False``): once
through the graph loop, once through ``Model.fit`` (forced by making the loop
report itself unsupported, which is how any unsupported request reaches Keras).
"""

import keras
import numpy as np
import pytest

from skweight import DynamicWeightClassifier, WeightedMultiOutputClassifier, _trainer
from skweight._engine._callbacks import StopOnNonFiniteLoss
from skweight.weighting import DWA

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the graph loop is TensorFlow's; other backends use Keras' fit",
)

SMALL = {"model__hidden_layer_sizes": (8,), "random_state": 0, "shuffle": False}


def _fit_both(monkeypatch, make, X, Y, **fit_params):
    ours = make().fit(X, Y, **fit_params)
    with monkeypatch.context() as m:
        m.setattr(_trainer, "unsupported", lambda *a, **k: "forced in a test")
        theirs = make().fit(X, Y, **fit_params)
    return ours, theirs


def _assert_same_fit(ours, theirs):
    assert list(ours.history_) == list(theirs.history_)
    for key in theirs.history_:
        np.testing.assert_allclose(ours.history_[key], theirs.history_[key],
                                   rtol=1e-5, atol=1e-6, err_msg=key)
    for a, b in zip(ours.model_.get_weights(), theirs.model_.get_weights(),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_same_losses_as_keras_fit_with_per_output_weights(monkeypatch,
                                                          penguins_small):
    """Class weights, 2-D sample weights, loss weights, a short last batch."""
    X, Y = penguins_small
    sw = np.random.default_rng(0).uniform(0.2, 2.0, size=Y.shape)

    def make():
        return WeightedMultiOutputClassifier(
            class_weight=["balanced", None, "sqrt_inverse"],
            loss_weights=[1.0, 0.5, 2.0], epochs=4, batch_size=50, **SMALL,
        )

    ours, theirs = _fit_both(monkeypatch, make, X, Y, sample_weight=sw)
    assert set(ours.history_) == {"loss", "species_loss", "island_loss",
                                  "sex_loss"}
    assert len(ours.history_["loss"]) == 4
    _assert_same_fit(ours, theirs)


def test_same_losses_and_metrics_single_output(monkeypatch, penguins_small):
    X, Y = penguins_small

    def make():
        return WeightedMultiOutputClassifier(
            class_weight="balanced", metrics=["accuracy"], epochs=3,
            batch_size=32, **SMALL,
        )

    ours, theirs = _fit_both(monkeypatch, make, X, Y["island"])
    assert "accuracy" in ours.history_
    _assert_same_fit(ours, theirs)


def test_warm_start_continues_like_keras(monkeypatch, penguins_small):
    """The optimizer's state comes back from the loop: a second fit goes on."""
    X, Y = penguins_small

    def make():
        return WeightedMultiOutputClassifier(epochs=2, warm_start=True,
                                             batch_size=40, **SMALL)

    def twice(est):
        return est.fit(X, Y).fit(X, Y)

    ours = twice(make())
    with monkeypatch.context() as m:
        m.setattr(_trainer, "unsupported", lambda *a, **k: "forced in a test")
        theirs = twice(make())
    assert len(ours.history_["loss"]) == 4
    _assert_same_fit(ours, theirs)


def _second_fit_and_fresh_fit(make, X, Y):
    """``(reused, fresh)``: a fit on half the rows after a fit on the other
    half (asserting it traced nothing new), and the same fit in an empty
    cache."""
    halves = [(X.iloc[i::2], Y.iloc[i::2]) for i in (0, 1)]
    _trainer._cache.clear()
    make().fit(*halves[0])
    (runner,) = _trainer._cache.values()
    reused = make().fit(*halves[1])
    assert runner._run.experimental_get_tracing_count() == 1
    _trainer._cache.clear()
    return reused, make().fit(*halves[1])


def test_traced_once_for_folds_of_one_architecture(penguins):
    """Fits on other rows reuse the traced loop and give what a fresh one gives
    (the standardisation constants are the new data's)."""
    X, Y = penguins
    reused, fresh = _second_fit_and_fresh_fit(
        lambda: WeightedMultiOutputClassifier(epochs=2, **SMALL), X, Y)
    assert reused.history_ == fresh.history_
    for a, b in zip(reused.predict_proba(X), fresh.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)


def test_learning_rate_schedule_applies_at_epoch_begin(monkeypatch,
                                                     penguins_small):
    """A callback that changes the optimizer before an epoch, as under Keras."""
    X, Y = penguins_small

    def make():
        schedule = keras.callbacks.LearningRateScheduler(
            lambda epoch, lr: 0.05 / (epoch + 1)
        )
        return WeightedMultiOutputClassifier(epochs=3, batch_size=40,
                                             callbacks=[schedule], **SMALL)

    ours, theirs = _fit_both(monkeypatch, make, X, Y)
    assert float(ours.model_.optimizer.learning_rate) == pytest.approx(0.05 / 3)
    _assert_same_fit(ours, theirs)


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs, self.kernels = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))
        self.kernels.append(keras.ops.convert_to_numpy(self.model.layers[-1].kernel))


def test_epoch_callbacks_see_logs_and_current_network(penguins_small):
    X, Y = penguins_small
    recorder = _Recorder()
    stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10.0,
                                            patience=1)
    clf = WeightedMultiOutputClassifier(
        epochs=20, callbacks=[recorder, stopper], **SMALL
    ).fit(X, Y)
    # min_delta=10 never counts as progress: stops after patience + 1 epochs.
    assert len(clf.history_["loss"]) == len(recorder.logs) == 2
    assert [r["loss"] for r in recorder.logs] == clf.history_["loss"]
    np.testing.assert_array_equal(recorder.kernels[-1],
                                  clf.model_.layers[-1].kernel)
    assert not np.array_equal(recorder.kernels[0], recorder.kernels[1])


class _BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def test_requests_the_loop_cannot_honour_go_to_keras(penguins_small):
    X, Y = penguins_small
    counter = _BatchCounter()
    clf = WeightedMultiOutputClassifier(
        epochs=2, batch_size=60, callbacks=[counter], **SMALL
    ).fit(X, Y)
    assert counter.batches >= 2  # Keras ran the batch hooks
    clf = WeightedMultiOutputClassifier(
        epochs=2, validation_split=0.25, **SMALL
    ).fit(X, Y)
    assert "val_loss" in clf.history_


def test_unsupported_names_its_reason(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(epochs=1, **SMALL).fit(X, Y)
    model, ok = clf.model_, [StopOnNonFiniteLoss(clf.output_names_)]

    def why(callbacks=ok, run_eagerly=False, **fit_args):
        return _trainer.unsupported(model, callbacks=callbacks,
                                    fit_args=fit_args, run_eagerly=run_eagerly)

    assert why(batch_size=32, epochs=3, shuffle=True) is None
    assert why(verbose=1) == "verbose > 0"
    assert why(validation_split=0.1) == "validation_split > 0"
    assert why(run_eagerly=True) == "run_eagerly=True"
    assert why(steps_per_epoch=2) == "fit argument(s) ['steps_per_epoch']"
    assert why(callbacks=[_BatchCounter()]) == (
        "callback _BatchCounter has batch-level hooks"
    )
    # A model with its own compute_loss goes to Keras' fit; skweight's
    # dynamic-weighting trainers (graph-safe) train in the loop.
    dyn = DynamicWeightClassifier(epochs=1, **SMALL).fit(X, Y)
    trainer = dyn._trainer.trainer
    assert _trainer.unsupported(trainer, callbacks=ok, fit_args={},
                                run_eagerly=False) is None

    class OwnLoss(keras.Model):
        def compute_loss(self, *args, **kwargs):
            return super().compute_loss(*args, **kwargs)

    own = OwnLoss(model.inputs, model.outputs)
    own.compile(optimizer="adam", loss="mse")
    assert _trainer.unsupported(own, callbacks=ok, fit_args={},
                                run_eagerly=False) == "model overrides compute_loss"


@pytest.mark.parametrize("rule", ["inverse_loss", "dwa", "uncertainty",
                                  "gradnorm"])
def test_dynamic_rules_train_in_the_loop_as_in_keras_fit(monkeypatch,
                                                         penguins_small, rule):
    """Each rule's weights are the ones in force, in the loop as in Keras' fit:
    the same losses, weights in force and network, a short last batch too."""
    X, Y = penguins_small

    def make():
        return DynamicWeightClassifier(
            weighting=rule, class_weight="balanced", loss_weights=[1.0, 2.0, 0.5],
            epochs=4, batch_size=50, **SMALL)

    ours, theirs = _fit_both(monkeypatch, make, X, Y)
    _assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.loss_weights_history_,
                               theirs.loss_weights_history_, rtol=1e-5)
    assert not np.allclose(ours.loss_weights_history_[-1],
                           ours.loss_weights_history_[0])


@pytest.mark.parametrize("rule", ["dwa", "uncertainty", "gradnorm"])
def test_dynamic_fits_of_one_architecture_trace_once(penguins, rule):
    """A second dynamic fit of the same shape trains on the cached twin (no
    new trace) and gives what a fresh trace gives."""
    X, Y = penguins
    reused, fresh = _second_fit_and_fresh_fit(
        lambda: DynamicWeightClassifier(weighting=rule, epochs=3, **SMALL), X, Y)
    for key in fresh.history_:
        np.testing.assert_allclose(reused.history_[key], fresh.history_[key],
                                   rtol=1e-6, err_msg=key)
    np.testing.assert_allclose(reused.loss_weights_history_,
                               fresh.loss_weights_history_, rtol=1e-6)


def _count_runs(monkeypatch):
    """The epochs of each call of the compiled loop, as the calls come."""
    runs = []
    original = _trainer._Runner.run

    def counted(self, *args, **kwargs):
        runs.append(kwargs["epochs"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_trainer._Runner, "run", counted)
    return runs


class _HalfFirst(DWA):
    """A user's rule that changes DWA's end_epoch but not its graph version."""

    def end_epoch(self, losses, val_losses=None):
        multipliers = super().end_epoch(losses, val_losses)
        multipliers[0] *= 0.5
        return multipliers


@pytest.mark.parametrize("rule, calls", [("uncertainty", 1), ("gradnorm", 1),
                                         ("dwa", 1), ("inverse_loss", 1),
                                         (_HalfFirst(), 4)])
def test_dynamic_rules_run_every_epoch_in_one_call(monkeypatch, penguins_small,
                                                   rule, calls):
    """Rules that change the weights inside the step need nothing between
    epochs but the weights at each epoch's end, which the loop records; the
    shipped loss-only rules update in the graph too: the 4 epochs run in one
    call. A user's rule that rewrites end_epoch alone runs it between epochs,
    and its own multipliers are the ones in force."""
    X, Y = penguins_small
    runs = _count_runs(monkeypatch)
    est = DynamicWeightClassifier(weighting=rule, epochs=4, **SMALL).fit(X, Y)
    assert len(runs) == calls and sum(runs) == 4
    assert est.loss_weights_history_.shape == (4, 3)
    if isinstance(rule, _HalfFirst):
        history = est.loss_weights_history_
        assert history[1, 0] == pytest.approx(0.5 * history[1, 1])
    assert "skweight_loss_weights" not in est.history_


class _EpochHook(keras.callbacks.Callback):
    """A user's callback with an epoch hook: the loop runs an epoch a call."""

    def on_epoch_end(self, epoch, logs=None):
        self.last = epoch


@pytest.mark.parametrize("rule", ["dwa", "inverse_loss"])
def test_loss_only_rules_agree_in_one_call_and_per_epoch(monkeypatch,
                                                        penguins_small, rule):
    """With a user's callback the loop runs one epoch a call and the rule's
    NumPy end_epoch sets the weights; without, the graph's update does: the
    same weights and losses, in a first and a warm second fit."""
    X, Y = penguins_small

    def fit(**kwargs):
        # A warm second fit too: each fit starts the rule anew.
        est = DynamicWeightClassifier(weighting=rule, epochs=3, batch_size=50,
                                      warm_start=True, **SMALL, **kwargs)
        return est.fit(X, Y).fit(X, Y)

    runs = _count_runs(monkeypatch)
    batched = fit()
    assert runs == [3, 3]
    per_epoch = fit(callbacks=[_EpochHook()])
    assert runs[2:] == [1] * 6
    assert batched.loss_weights_history_.shape == (6, 3)
    np.testing.assert_allclose(batched.loss_weights_history_,
                               per_epoch.loss_weights_history_, rtol=1e-5)
    for key in batched.history_:
        np.testing.assert_allclose(batched.history_[key],
                                   per_epoch.history_[key], rtol=1e-5)
    assert len(np.unique(batched.loss_weights_history_.round(6), axis=0)) > 2


@pytest.mark.parametrize("path", ["loop", "keras_fit"])
def test_a_users_history_callback_does_not_repeat_earlier_fits(
        monkeypatch, penguins_small, path):
    """Keras records into a History the user passes, which keeps its earlier
    fits' logs: history_ holds this fit's epochs only (a refit: 3; a warm
    fit: 3 more), in the loop and in Keras' fit."""
    X, Y = penguins_small
    if path == "keras_fit":
        monkeypatch.setattr(_trainer, "unsupported", lambda *a, **k: "forced")
    history = keras.callbacks.History()
    est = WeightedMultiOutputClassifier(epochs=3, callbacks=[history], **SMALL)
    first = list(est.fit(X, Y).history_["loss"])
    second = list(est.fit(X, Y).history_["loss"])
    assert len(first) == len(second) == 3
    np.testing.assert_allclose(first, second, rtol=1e-6)
    est.set_params(warm_start=True)
    assert len(est.fit(X, Y).history_["loss"]) == 6
