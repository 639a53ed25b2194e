"""Per-output early stopping (``early_stopping=True``) on every estimator.

Each output is watched on its own score over held-out rows and predicted from
the network at its own best epoch; training stops when no output has improved
for ``n_iter_no_change`` epochs. Checked on the penguin table, against
weights recorded by a callback of the user's and against scores recomputed
from ``predict_proba``.
"""

import pickle

import keras
import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight._engine import _trainer
from skweight._engine._early_stopping import validation_rows
from skweight.model_selection import WeightGridSearchCV

TINY = {"model__hidden_layer_sizes": (16,), "optimizer__learning_rate": 0.03,
        "random_state": 0, "epochs": 60, "early_stopping": True,
        "n_iter_no_change": 4}


class RecordWeights(keras.callbacks.Callback):
    """The network's weights after every epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def _held_out(est, X, Y):
    """The rows early stopping held out (as the fit drew them)."""
    outputs = est._outputs_
    codes = [np.searchsorted(o.classes, np.asarray(Y[n]))
             for o, n in zip(outputs.outputs, est.output_names_, strict=True)]
    _, val = validation_rows(codes, None, outputs, est.validation_fraction,
                             est.random_state)
    return X.iloc[val], Y.iloc[val]


def _log_loss(proba, classes, labels):
    codes = np.searchsorted(classes, np.asarray(labels))
    return float(np.mean(-np.log(np.clip(proba[np.arange(len(codes)), codes],
                                         1e-7, 1.0))))


def test_each_output_predicts_from_the_weights_of_its_own_best_epoch(penguins):
    X, Y = penguins
    record = RecordWeights()
    est = WeightedMultiOutputClassifier(callbacks=[record], **TINY).fit(X, Y)
    n_epochs = len(est.history_["loss"])
    assert len(record.weights) == n_epochs
    assert est.best_epoch_.shape == (3,) and est.best_epoch_.min() >= 1
    # The outputs peak at different epochs here: several states predict.
    assert len(set(est.best_epoch_.tolist())) > 1
    proba = est.predict_proba(X)
    for k, epoch in enumerate(est.best_epoch_):
        network = keras.models.clone_model(est.model_)
        network.set_weights(record.weights[epoch - 1])
        raw = network.predict(X.to_numpy(np.float32), verbose=0)[k]
        np.testing.assert_allclose(proba[k], est._outputs_.outputs[k].proba(raw),
                                   rtol=1e-5, atol=1e-6)
    # model_ holds the latest of the best states.
    latest = record.weights[est.best_epoch_.max() - 1]
    for got, want in zip(est.model_.get_weights(), latest, strict=True):
        np.testing.assert_array_equal(got, want)


def test_training_stops_when_no_output_improved_for_n_iter_no_change(penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(**{**TINY, "epochs": 400}).fit(X, Y)
    n_epochs = len(est.history_["loss"])
    assert n_epochs < 400
    assert n_epochs == est.best_epoch_.max() + est.n_iter_no_change
    for k, name in enumerate(est.output_names_):
        curve = np.asarray(est.history_[f"{name}_validation_score"])
        assert len(curve) == n_epochs
        best = est.best_epoch_[k]
        assert curve[best - 1] == pytest.approx(est.best_validation_score_[k])
        # Nothing later beats it by more than tol; nothing earlier reaches it.
        assert np.all(curve[best:] <= est.best_validation_score_[k] + est.tol)
        assert np.all(curve[:best - 1] < est.best_validation_score_[k])


def test_best_scores_are_the_scores_of_the_predictions_on_the_held_out_rows(
        penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(**TINY).fit(X, Y)
    X_val, Y_val = _held_out(est, X, Y)
    proba = est.predict_proba(X_val)
    for k, name in enumerate(est.output_names_):
        loss = _log_loss(proba[k], est.classes_[k], Y_val[name])
        assert -loss == pytest.approx(est.best_validation_score_[k], abs=1e-5)


def test_held_out_rows_keep_every_output_class_balance(penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(**{**TINY, "validation_fraction": 0.2,
                                           "epochs": 2}).fit(X, Y)
    _, Y_val = _held_out(est, X, Y)
    assert len(Y_val) == int(np.ceil(0.2 * len(Y)))
    for name in Y.columns:
        share = Y[name].value_counts(normalize=True)
        held = Y_val[name].value_counts(normalize=True).reindex(share.index)
        np.testing.assert_allclose(held, share, atol=0.03)


def test_a_scorer_watches_each_output_on_request(penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(
        scoring="balanced_accuracy", **TINY).fit(X, Y)
    X_val, Y_val = _held_out(est, X, Y)
    predicted = est.predict(X_val)
    for k, name in enumerate(est.output_names_):
        assert balanced_accuracy_score(Y_val[name], predicted[:, k]) == \
            pytest.approx(est.best_validation_score_[k])
    # A dict: named outputs by their scorer, the others by their loss.
    est = WeightedMultiOutputClassifier(
        scoring={"sex": "accuracy"}, **TINY).fit(X, Y)
    assert est.best_validation_score_[2] > 0
    assert np.all(est.best_validation_score_[:2] < 0)


def _count_fits(monkeypatch):
    """How many trainings run in skweight's graph loop and in Keras' fit."""
    calls = {"graph": 0, "keras": 0}
    graph_fit, keras_fit = _trainer.fit, keras.Model.fit

    def count(kind, fn):
        def wrapped(*args, **kwargs):
            calls[kind] += 1
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(_trainer, "fit", count("graph", graph_fit))
    monkeypatch.setattr(keras.Model, "fit", count("keras", keras_fit))
    return calls


@pytest.mark.parametrize("make", [
    WeightedMultiOutputClassifier,
    lambda **p: DynamicWeightClassifier(weighting="dwa", **p),
    lambda **p: DynamicWeightClassifier(weighting="uncertainty", **p),
], ids=["weighted", "dwa", "uncertainty"])
def test_it_trains_in_skweights_graph_loop_and_pickles(penguins, make,
                                                       monkeypatch):
    X, Y = penguins
    calls = _count_fits(monkeypatch)
    est = make(class_weight="balanced", **TINY).fit(X, Y)
    assert calls == {"graph": 1, "keras": 0}
    back = pickle.loads(pickle.dumps(est))
    for a, b in zip(est.predict_proba(X), back.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_array_equal(back.best_epoch_, est.best_epoch_)


def test_the_mixed_estimator_watches_its_regression_output_on_its_loss(penguins):
    X, Y = penguins
    Xm = X.drop(columns="body_mass_g")
    Ym = Y[["species", "sex"]].assign(mass=X["body_mass_g"] / 1000.0)
    est = WeightedMixedOutputEstimator(
        output_types={"mass": "regression"}, scoring="balanced_accuracy",
        **TINY).fit(Xm, Ym)
    assert est.best_epoch_.shape == (3,)
    assert np.all(est.best_validation_score_[:2] > 0)  # balanced accuracy
    assert est.best_validation_score_[2] < 0  # minus its squared error
    assert est.predict(Xm).shape == (len(Xm), 3)


def test_a_warm_fit_continues_and_watches_anew(penguins):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(warm_start=True, **TINY).fit(X, Y)
    first = len(est.history_["loss"])
    est.fit(X, Y)
    assert len(est.history_["loss"]) > first
    assert est.best_epoch_.min() > first
    assert len(est.history_["species_validation_score"]) == len(est.history_["loss"])


@pytest.mark.parametrize("mode", [True, "refit"])
def test_partial_fit_trains_every_row_without_early_stopping(penguins, mode):
    X, Y = penguins
    est = WeightedMultiOutputClassifier(**{**TINY, "early_stopping": mode}
                                        ).partial_fit(X, Y)
    assert len(est.history_["loss"]) == 1
    assert not hasattr(est, "best_epoch_")


def test_the_search_runs_early_stopping_candidates_as_separate_fits(
        penguins_small):
    X, Y = penguins_small
    search = WeightGridSearchCV(
        WeightedMultiOutputClassifier(**{**TINY, "epochs": 8}),
        {"class_weight": [None, "balanced"]}, cv=2,
    ).fit(X, Y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.n_stacked_fits_ == 0
    assert search.best_estimator_.best_epoch_.shape == (3,)


class RecordTrainings(keras.callbacks.Callback):
    """Per training a fit runs: its steps per epoch, the weights it starts
    from and those after each epoch; ``stop_second_after`` epochs, the second
    training is stopped."""

    def __init__(self, stop_second_after=None):
        super().__init__()
        self.steps, self.start, self.weights = [], [], []
        self.stop_second_after = stop_second_after

    def on_train_begin(self, logs=None):
        self.steps.append(self.params["steps"])
        self.start.append(self.model.get_weights())
        self.weights.append([])

    def on_epoch_end(self, epoch, logs=None):
        self.weights[-1].append(self.model.get_weights())
        if (len(self.weights) == 2
                and len(self.weights[1]) == self.stop_second_after):
            self.model.stop_training = True


def test_refit_trains_again_on_every_row_for_each_outputs_best_epoch_count(
        penguins):
    X, Y = penguins
    watched = WeightedMultiOutputClassifier(**TINY).fit(X, Y)
    record = RecordTrainings()
    est = WeightedMultiOutputClassifier(
        **{**TINY, "early_stopping": "refit"}, callbacks=[record]).fit(X, Y)
    # The first training is early_stopping=True's: same rows, same epochs.
    np.testing.assert_array_equal(est.best_epoch_, watched.best_epoch_)
    np.testing.assert_allclose(est.best_validation_score_,
                               watched.best_validation_score_, rtol=1e-6)
    assert len(set(est.best_epoch_.tolist())) > 1
    n, n_val = len(X), int(np.ceil(est.validation_fraction * len(X)))
    # The second sees every row, from a new network (with the same seeded
    # initial weights) and a new optimizer, for as many epochs as the latest
    # best epoch.
    assert record.steps == [-(-(n - n_val) // 32), -(-n // 32)]
    for a, b in zip(record.start[0], record.start[1], strict=True):
        np.testing.assert_array_equal(a, b)
    last = int(est.best_epoch_.max())
    assert len(record.weights[1]) == last == len(est.history_["loss"])
    assert int(est.model_.optimizer.iterations.numpy()) == last * -(-n // 32)
    assert (len(est.history_["species_validation_score"])
            == len(record.weights[0]))
    proba = est.predict_proba(X)
    for k, epoch in enumerate(est.best_epoch_):
        network = keras.models.clone_model(est.model_)
        network.set_weights(record.weights[1][epoch - 1])
        raw = network.predict(X.to_numpy(np.float32), verbose=0)[k]
        np.testing.assert_allclose(proba[k], est._outputs_.outputs[k].proba(raw),
                                   rtol=1e-5, atol=1e-6)
    back = pickle.loads(pickle.dumps(est))
    for a, b in zip(est.predict_proba(X), back.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_refit_equals_plain_fits_of_each_outputs_best_epoch_count(penguins):
    """The second training is a plain fit on every row (same seed, same
    initial weights, same batch order): output k predicts as a plain fit of
    ``best_epoch_[k]`` epochs does."""
    X, Y = penguins
    est = WeightedMultiOutputClassifier(
        **{**TINY, "early_stopping": "refit"}).fit(X, Y)
    proba = est.predict_proba(X)
    for epoch in sorted(set(est.best_epoch_.tolist())):
        plain = WeightedMultiOutputClassifier(
            **{**TINY, "early_stopping": False, "epochs": epoch}).fit(X, Y)
        for k in np.flatnonzero(est.best_epoch_ == epoch):
            np.testing.assert_allclose(proba[k], plain.predict_proba(X)[k],
                                       rtol=1e-5, atol=1e-6)


def test_refit_of_a_user_model_leaves_it_as_it_was(penguins):
    """A user's network: the refit trains copies of it (the user's object
    keeps its weights) and equals plain fits of each output's epoch count."""
    X, Y = penguins
    Xn = X.to_numpy(np.float32)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu")(keras.layers.Normalization(
        mean=Xn.mean(axis=0), variance=Xn.var(axis=0))(inputs))
    user = keras.Model(inputs, [
        keras.layers.Dense(k, activation="softmax", name=name)(hidden)
        for name, k in (("species", 3), ("island", 3), ("sex", 2))])
    before = user.get_weights()
    settings = {k: v for k, v in TINY.items() if not k.startswith("model__")}
    est = WeightedMultiOutputClassifier(
        model=user, **{**settings, "early_stopping": "refit"}).fit(Xn, Y)
    for a, b in zip(user.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.model_ is not user
    proba = est.predict_proba(Xn)
    for epoch in sorted(set(est.best_epoch_.tolist())):
        plain = WeightedMultiOutputClassifier(
            model=user, **{**settings, "early_stopping": False, "epochs": epoch}
        ).fit(Xn, Y)
        for k in np.flatnonzero(est.best_epoch_ == epoch):
            np.testing.assert_allclose(proba[k], plain.predict_proba(Xn)[k],
                                       rtol=1e-5, atol=1e-6)


def test_a_warm_refit_trains_again_from_the_state_it_started_from(penguins):
    X, Y = penguins
    record = RecordTrainings()
    est = WeightedMultiOutputClassifier(
        **{**TINY, "early_stopping": "refit"}, warm_start=True).fit(X, Y)
    first = len(est.history_["loss"])
    steps_before = int(est.model_.optimizer.iterations.numpy())
    est.set_params(callbacks=[record]).fit(X, Y)
    assert len(record.start) == 2
    for a, b in zip(record.start[0], record.start[1], strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.best_epoch_.min() > first
    last = int(est.best_epoch_.max())
    assert len(est.history_["loss"]) == last
    # The optimizer too starts again: its step count is the first fit's plus
    # the retraining's, on every row.
    assert (int(est.model_.optimizer.iterations.numpy())
            == steps_before + (last - first) * -(-len(X) // 32))


def test_refit_stopped_by_a_callback_predicts_from_where_it_stopped(penguins):
    X, Y = penguins
    record = RecordTrainings(stop_second_after=2)
    est = WeightedMultiOutputClassifier(
        **{**TINY, "early_stopping": "refit"}, callbacks=[record]).fit(X, Y)
    assert len(record.weights[1]) == 2
    assert est.best_epoch_.max() == 2 and est.best_epoch_.min() >= 1
    for got, want in zip(est.model_.get_weights(), record.weights[1][1],
                         strict=True):
        np.testing.assert_array_equal(got, want)


def test_dynamic_weighting_refits_in_the_graph_loop(penguins, monkeypatch):
    X, Y = penguins
    calls = _count_fits(monkeypatch)
    est = DynamicWeightClassifier(weighting="dwa", **{
        **TINY, "early_stopping": "refit"}).fit(X, Y)
    assert calls == {"graph": 2, "keras": 0}
    # The weights recorded are the retraining's, one row per epoch.
    assert est.loss_weights_history_.shape == (len(est.history_["loss"]), 3)
    assert len(est.history_["loss"]) == est.best_epoch_.max()


@pytest.mark.parametrize("param, value, error, words", [
    ("early_stopping", "yes", ValueError, "early_stopping must be a bool or 'refit'"),
    ("early_stopping", "refitt", ValueError, "Did you mean 'refit'"),
    ("early_stopping", 1, TypeError, "early_stopping must be a bool or 'refit'"),
    ("validation_fraction", 1.0, ValueError, "validation_fraction must be"),
    ("validation_fraction", 0, ValueError, "validation_fraction must be"),
    ("n_iter_no_change", 0, ValueError, "n_iter_no_change must be >= 1"),
    ("n_iter_no_change", 2.5, TypeError, "n_iter_no_change must be an int"),
    ("tol", -1.0, ValueError, "tol must be"),
    ("scoring", "balanced_acuracy", ValueError, "Did you mean 'balanced_accuracy'"),
    ("scoring", 3, TypeError, "scoring must be"),
])
def test_bad_settings_are_refused_before_training(penguins_small, param, value,
                                                  error, words):
    X, Y = penguins_small
    est = WeightedMultiOutputClassifier(**{**TINY, param: value})
    with pytest.raises(error, match=words):
        est.fit(X, Y)
    assert not hasattr(est, "model_")


def test_a_scoring_dict_naming_no_output_is_refused(penguins_small):
    X, Y = penguins_small
    with pytest.raises(ValueError, match=r"scoring names output\(s\) \['spieces'\]"):
        WeightedMultiOutputClassifier(scoring={"spieces": "accuracy"},
                                      **TINY).fit(X, Y)


def test_too_few_samples_for_a_validation_row_is_refused(penguins_small):
    X, Y = penguins_small
    two = [Y["sex"].eq("male").idxmax(), Y["sex"].eq("female").idxmax()]
    with pytest.raises(ValueError, match="validation_fraction=0.9 of 2 samples"):
        WeightedMultiOutputClassifier(**{**TINY, "validation_fraction": 0.9}).fit(
            X.loc[two], Y.loc[two, "sex"])


def test_a_network_keras_cannot_copy_is_refused_before_training(penguins_small):
    X, Y = penguins_small

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.trunk = keras.layers.Dense(8, activation="relu")
            self.heads = [keras.layers.Dense(k, activation="softmax")
                          for k in (3, 3, 2)]

        def call(self, x):
            h = self.trunk(x)
            return [head(h) for head in self.heads]

    def make_net(meta=None, compile_kwargs=None):
        return Net()

    est = WeightedMultiOutputClassifier(
        model=make_net, **{k: v for k, v in TINY.items() if k[:7] != "model__"})
    with pytest.raises(ValueError, match="Keras cannot copy this network"):
        est.fit(X.to_numpy(np.float32), Y)
    assert not hasattr(est, "model_")
