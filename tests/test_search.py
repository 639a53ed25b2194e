"""WeightGridSearchCV: stacked copies train as separate fits, GridSearchCV's face."""

import dataclasses
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight._engine import _trainer
from skweight._engine._network import build_default_network
from skweight.metrics import per_output_scorers
from skweight.model_selection import MultiOutputStratifiedKFold, WeightGridSearchCV
from skweight.model_selection._search import _copy_view, train_group
from skweight.model_selection._search_plan import plan_search

TINY = {"model__hidden_layer_sizes": (8,), "random_state": 0}
CV2 = MultiOutputStratifiedKFold(2)


def _initial_weights(search, X, Y):
    """The initial weights every copy starts from (a fixed random_state)."""
    plan = plan_search(search, X, Y, {})
    group = plan.groups[0]
    untrained = train_group(
        dataclasses.replace(group, params={**group.params, "epochs": 0}), plan.Xc
    )
    return plan, group, untrained.copy_weights(0)


def _network_from(weights, hidden_layer_sizes):
    """A model callable: the built-in network, starting from ``weights``."""

    def build(meta, **_routed):  # model__* options are fixed here
        model = build_default_network(meta, hidden_layer_sizes=hidden_layer_sizes)
        for name, values in weights.items():
            model.get_layer(name).set_weights(values)
        return model

    return build


def test_stacked_copy_trains_as_a_separate_fit(penguins_small):
    """One copy and a separate network, same start, full batch: equal for 5 epochs."""
    X, Y = penguins_small
    est = WeightedMultiOutputClassifier(epochs=5, batch_size=-1, shuffle=False, **TINY)
    grid = {"class_weight": [None, "balanced"], "loss_weights": [[1.0, 2.0, 0.5]]}
    search = WeightGridSearchCV(est, grid, cv=CV2)
    plan, group, start = _initial_weights(search, X, Y)
    network = train_group(group, plan.Xc)
    c = next(i for i, copy in enumerate(group.copies)
             if copy.candidate == 1 and copy.split == 1)
    train, test = plan.splits[1]
    separate = WeightedMultiOutputClassifier(
        _network_from(start, (8,)), class_weight="balanced",
        loss_weights=[1.0, 2.0, 0.5], epochs=5, batch_size=-1, shuffle=False,
    ).fit(X.iloc[train], Y.iloc[train])
    moved = 0.0
    for name, values in network.copy_weights(c).items():
        for mine, theirs, first in zip(
            values, separate.model_.get_layer(name).get_weights(), start[name],
            strict=True,
        ):
            np.testing.assert_allclose(mine, theirs, atol=1e-4, rtol=0)
            moved = max(moved, np.abs(theirs - first).max())
    assert moved > 1e-3  # training did move the weights
    probas = [p[:, c] for p in network.forward(plan.Xc[test])]
    for mine, theirs in zip(probas, separate.predict_proba(X.iloc[test]),
                            strict=True):
        np.testing.assert_allclose(mine[:, -1], theirs[:, -1], atol=1e-4)


def _separate(make, start, params, X, y, **settings):
    """A separate fit of ``params`` from the copies' start."""
    return make(_network_from(start, (8,)), **params, **settings).fit(X, y)


@pytest.mark.parametrize("make", [WeightedMultiOutputClassifier,
                                  WeightedMixedOutputEstimator])
def test_every_copy_trains_as_its_own_separate_fit(make, penguins_small):
    """Candidates that differ in class weights and in loss weights, full
    batch: each copy equals the separate fit of its own candidate on its own
    fold, in weights and in predict_proba, which the search's view of the copy
    computes with the estimator's own decoding."""
    X, Y = penguins_small
    settings = {"epochs": 4, "batch_size": -1, "shuffle": False}
    est = make(**settings, **TINY)
    grid = {"class_weight": [None, "balanced"],
            "loss_weights": [None, [1.0, 2.0, 0.5], {"island": 3.0}]}
    search = WeightGridSearchCV(est, grid, cv=CV2)
    plan, group, start = _initial_weights(search, X, Y)
    network = train_group(group, plan.Xc)
    full = network.forward(plan.Xc)
    assert len(group.copies) == 12
    for c, copy in enumerate(group.copies):
        params = plan.candidates[copy.candidate]
        train, test = plan.splits[copy.split]
        separate = _separate(make, start, params, X.iloc[train], Y.iloc[train],
                             **settings)
        for name, values in network.copy_weights(c).items():
            for mine, theirs in zip(
                    values, separate.model_.get_layer(name).get_weights(),
                    strict=True):
                np.testing.assert_allclose(mine, theirs, atol=1e-4, rtol=0)
        X_test = X.iloc[test]
        view = _copy_view(group.template, network, c,
                          ([(X_test, test)], full), None)
        for mine, theirs in zip(view.predict_proba(X_test),
                                separate.predict_proba(X_test), strict=True):
            np.testing.assert_allclose(mine, theirs, atol=1e-4)
            np.testing.assert_allclose(mine.sum(axis=1), 1.0, rtol=1e-12)
        assert type(view.predict(X_test)) is type(separate.predict(X_test))


def test_mini_batch_copies_move_as_their_separate_fits(penguins_small):
    """Mini-batches and plain SGD: a copy's batches differ from a separate
    fit's, but with the rescaling of its weights each copy moves as far as its
    own separate fit (a rescaling of 1 would move the copies about twice as
    far with 2 folds)."""
    X, Y = penguins_small
    settings = {"epochs": 3, "batch_size": 10, "shuffle": False,
                "optimizer": "sgd", "optimizer__learning_rate": 0.02}
    est = WeightedMultiOutputClassifier(**settings, **TINY)
    grid = {"class_weight": [None, "balanced"],
            "loss_weights": [None, [1.0, 4.0, 0.25]]}
    search = WeightGridSearchCV(est, grid, cv=CV2)
    plan, group, start = _initial_weights(search, X, Y)
    network = train_group(group, plan.Xc)
    for c, copy in enumerate(group.copies):
        params = plan.candidates[copy.candidate]
        train, _ = plan.splits[copy.split]
        separate = _separate(WeightedMultiOutputClassifier, start, params,
                             X.iloc[train], Y.iloc[train], **settings)
        mine, theirs = [], []
        for name, values in network.copy_weights(c).items():
            for v, t, s0 in zip(values, separate.model_.get_layer(name).get_weights(),
                                start[name], strict=True):
                mine.append((v - s0).ravel())
                theirs.append((t - s0).ravel())
        mine, theirs = np.concatenate(mine), np.concatenate(theirs)
        ratio = np.linalg.norm(mine) / np.linalg.norm(theirs)
        error = np.linalg.norm(mine - theirs) / np.linalg.norm(theirs)
        assert 0.8 < ratio < 1.25, (copy, ratio)
        assert error < 0.35, (copy, error)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the compiled loop is TensorFlow's")
def test_a_second_search_of_one_shape_traces_nothing(penguins_small):
    """The stacked network trains in skweight's compiled loop, cached per
    (architecture, number of copies): another search of that shape reuses it."""
    X, Y = penguins_small
    est = WeightedMultiOutputClassifier(epochs=2, **TINY)
    _trainer._cache.clear()
    WeightGridSearchCV(est, {"class_weight": [None, "balanced"]}, cv=CV2,
                       refit=False).fit(X, Y)
    stacked = [r for key, r in _trainer._cache.items() if key[0] == "_StackedModel"]
    assert len(stacked) == 1
    search = WeightGridSearchCV(est, {"class_weight": ["sqrt_inverse", {
        "species": "balanced"}]}, cv=CV2, refit=False).fit(X, Y)
    assert stacked[0]._run.experimental_get_tracing_count() == 1
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the fused Adam is TensorFlow's kernel")
@pytest.mark.parametrize("config", [
    {},
    {"learning_rate": 0.05, "beta_1": 0.8, "epsilon": 1e-3, "weight_decay": 0.01},
    {"learning_rate": keras.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5),
     "clipvalue": 0.5},
], ids=["default", "decay", "schedule-clip"])
def test_fused_adam_moves_weights_as_keras_adam(config):
    """The stacked network's Adam (TensorFlow's fused kernel) against Keras'
    own, same gradients, 50 steps in a compiled function."""
    import tensorflow as tf

    from skweight.model_selection._stacked import _fused, _FusedAdam

    rng = np.random.default_rng(0)
    shapes = [(60, 4, 16), (60, 16), (60, 16, 3)]
    start = [rng.normal(size=s).astype("float32") for s in shapes]
    grads = [[tf.constant(rng.normal(size=s).astype("float32")) for s in shapes]
             for _ in range(5)]

    def train(optimizer):
        variables = [keras.Variable(a) for a in start]
        optimizer.build(variables)

        @tf.function
        def run():
            for step in range(50):
                optimizer.apply(grads[step % 5], variables)

        run()
        return optimizer, [v.numpy() for v in variables]

    _, keras_moved = train(keras.optimizers.Adam(**config))
    optimizer, fused_moved = train(_fused(keras.optimizers.Adam(**config)))
    moved = [keras_moved, fused_moved]
    assert type(optimizer) is _FusedAdam
    for keras_own, fused, first in zip(*moved, start, strict=True):
        assert np.abs(keras_own - first).max() > 0.01
        # The same formula; float32 rounding apart (a few units in the last
        # place a step), the same weights: within 1e-5 of their scale.
        scale = np.abs(keras_own).max()
        np.testing.assert_allclose(fused, keras_own, rtol=0, atol=1e-5 * scale)
    # AMSGrad, another optimizer, a built one: left as they are.
    for other in (keras.optimizers.Adam(amsgrad=True), keras.optimizers.SGD()):
        assert _fused(other) is other


def test_missing_labels_masked_copy_trains_as_a_separate_fit(penguins_small):
    """missing_labels="mask": a copy gives the holed rows zero weight on that
    output only, and counts the labelled rows for "balanced", as fit does; the
    subset-accuracy score judges each row on the labels it has."""
    X, Y = penguins_small
    holed = Y.astype(object)
    holed.loc[np.random.default_rng(0).random(len(Y)) < 0.3, "island"] = None
    est = WeightedMultiOutputClassifier(epochs=5, batch_size=-1, shuffle=False,
                                        missing_labels="mask", **TINY)
    search = WeightGridSearchCV(est, {"class_weight": ["balanced"]}, cv=2)
    plan, group, start = _initial_weights(search, X, holed)
    assert isinstance(plan.splits, list) and len(plan.splits) == 2
    network = train_group(group, plan.Xc)
    train, test = plan.splits[1]
    separate = WeightedMultiOutputClassifier(
        _network_from(start, (8,)), class_weight="balanced", epochs=5,
        batch_size=-1, shuffle=False, missing_labels="mask",
    ).fit(X.iloc[train], holed.iloc[train])
    for name, values in network.copy_weights(1).items():
        for mine, theirs in zip(values, separate.model_.get_layer(name).get_weights(),
                                strict=True):
            np.testing.assert_allclose(mine, theirs, atol=1e-4, rtol=0)
    search.fit(X, holed)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.n_labelled_[1] == holed["island"].notna().sum()
    labelled = holed["island"].notna().to_numpy()
    pred = search.predict(X)
    right = (pred[:, 0] == Y["species"]) & (pred[:, 2] == Y["sex"]) & (
        ~labelled | (pred[:, 1] == Y["island"]))
    assert search.score(X, holed) == pytest.approx(right.mean())


def test_agrees_with_grid_search_on_imbalanced_penguins(penguins):
    """None vs "balanced" on the island output (163/123/47), mini-batches and
    shuffling as usual: the same winner, mean scores within the fold-to-fold
    spread, and GridSearchCV's cv_results_ keys.

    Both searches start every fit from the same initial weights, so that the
    comparison measures the training, not the luck of one draw of initial
    weights (after 25 epochs a draw moves a score by up to 0.2).
    """
    X, Y = penguins
    est = WeightedMultiOutputClassifier(epochs=25, model__hidden_layer_sizes=(16,),
                                        random_state=2)
    grid = {"class_weight": [None, "balanced"]}
    kwargs = {"scoring": per_output_scorers("balanced_accuracy", ["island", "sex"]),
              "refit": False, "cv": MultiOutputStratifiedKFold(3),
              "return_train_score": True}
    ours = WeightGridSearchCV(est, grid, **kwargs)
    _, _, start = _initial_weights(ours, X, Y)
    ours.fit(X, Y)
    theirs = GridSearchCV(clone(est).set_params(model=_network_from(start, (16,))),
                          grid, **kwargs).fit(X, Y)
    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    assert ours.n_splits_ == theirs.n_splits_ == 3
    assert ours.multimetric_ and sorted(ours.scorer_) == sorted(kwargs["scoring"])
    assert ours.n_stacked_fits_ == 1
    key = "balanced_accuracy_island"
    mean_ours = ours.cv_results_[f"mean_test_{key}"]
    mean_theirs = theirs.cv_results_[f"mean_test_{key}"]
    assert np.argmax(mean_ours) == np.argmax(mean_theirs) == 1
    spread = np.maximum(ours.cv_results_[f"std_test_{key}"],
                        theirs.cv_results_[f"std_test_{key}"])
    assert np.all(np.abs(mean_ours - mean_theirs) <= spread)


def test_groups_and_mixed_outputs(penguins_small):
    X, Y = penguins_small
    y = Y[["species", "sex"]].assign(mass=X["body_mass_g"] / 1000.0)
    X = X.drop(columns="body_mass_g")
    est = WeightedMixedOutputEstimator(epochs=1, **TINY)
    grid = {"class_weight": [None, "balanced"], "epochs": [1, 2]}
    search = WeightGridSearchCV(est, grid, cv=2).fit(X, y)  # stratified on labels
    assert search.n_stacked_fits_ == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.output_types_[2] == "regression"


def test_dynamic_falls_back_to_separate_fits(penguins_small):
    X, Y = penguins_small
    est = DynamicWeightClassifier(epochs=1, **TINY)
    search = WeightGridSearchCV(est, {"weighting": ["dwa"]}, cv=CV2,
                                refit=False).fit(X, Y)
    assert search.n_stacked_fits_ == 0
    assert np.isfinite(search.cv_results_["split1_test_score"][0])


def test_sample_weight_routed_and_pickled(penguins_small):
    X, Y = penguins_small
    est = WeightedMultiOutputClassifier(epochs=1, **TINY)
    weight = np.where(Y["sex"] == "male", 2.0, 1.0)
    search = WeightGridSearchCV(est, {"class_weight": [None, "balanced"]}, cv=CV2,
                                scoring=per_output_scorers("accuracy", ["sex"]),
                                refit="accuracy_sex")
    search.fit(X, Y, sample_weight=weight)
    assert np.all(np.isfinite(search.cv_results_["mean_test_accuracy_sex"]))
    assert type(search.best_estimator_) is WeightedMultiOutputClassifier
    assert search.best_estimator_.class_weight == search.best_params_["class_weight"]
    assert search.refit_time_ > 0
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))
    assert restored.cv_results_["params"] == search.cv_results_["params"]


def _spy_on_training(monkeypatch):
    """The epochs of every training that starts: Keras' fit and skweight's
    own loops (the graph loop, Keras' fit on a cached twin). Spies: they
    still train."""
    epochs = []

    def spy(owner, name):
        original = getattr(owner, name)

        def recording(*args, **kwargs):
            epochs.append(kwargs.get("epochs"))
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, recording)

    spy(_trainer, "fit")
    spy(_trainer, "keras_fit")
    original_fit = keras.Model.fit
    monkeypatch.setattr(keras.Model, "fit", lambda self, *args, **kwargs: (
        epochs.append(kwargs.get("epochs")) or original_fit(self, *args, **kwargs)))
    return epochs


def test_the_training_spy_sees_a_search_train(penguins_small, monkeypatch):
    """The spy of the refusal tests below sees the stacked network train (it
    trains in skweight's loop, not through keras.Model.fit)."""
    X, Y = penguins_small
    epochs = _spy_on_training(monkeypatch)
    WeightGridSearchCV(WeightedMultiOutputClassifier(epochs=2, **TINY),
                       {"class_weight": [None, "balanced"]}, cv=CV2,
                       refit=False).fit(X, Y)
    assert 2 in epochs


@pytest.mark.parametrize(
    "estimator, grid, error, match",
    [
        (WeightedMultiOutputClassifier(**TINY), {"class_weight": ["balance"]},
         ValueError, "Got 'balance' instead"),
        (WeightedMultiOutputClassifier(**TINY), {"loss_weights": [[1.0]]},
         ValueError, "loss_weights.*Got 1"),
        (WeightedMultiOutputClassifier(**TINY), {"nonsense": [1]}, ValueError,
         "Invalid parameter nonsense"),
        (WeightedMultiOutputClassifier(loss="mse", **TINY), {}, ValueError,
         "cannot reproduce loss='mse'"),
        (WeightedMultiOutputClassifier(validation_split=0.2, **TINY), {},
         ValueError, "cannot reproduce validation_split=0.2"),
        (WeightedMultiOutputClassifier(optimizer__clipnorm=1.0, **TINY), {},
         ValueError, "clipnorm"),
        (WeightedMultiOutputClassifier(
            lambda meta: build_default_network(meta), **TINY), {},
         ValueError, "only the built-in network"),
        (WeightedMultiOutputClassifier(**TINY), {"model__hidden_layer_sizes": [(0,)]},
         ValueError, "hidden_layer_sizes"),
        (GridSearchCV, {}, TypeError, "estimator must be a skweight estimator"),
    ],
)
def test_bad_input_refused_before_training(penguins_small, monkeypatch, estimator,
                                           grid, error, match):
    X, Y = penguins_small
    if estimator is GridSearchCV:
        estimator = GridSearchCV(WeightedMultiOutputClassifier(), {})
    epochs = _spy_on_training(monkeypatch)
    search = WeightGridSearchCV(estimator, grid, cv=CV2)
    with pytest.raises(error, match=match):
        search.fit(X, Y)
    assert not any(epochs)  # at most initialize's zero-epoch build ran
    assert not hasattr(search, "cv_results_")


def test_scorer_of_an_unknown_output_refused_before_training(penguins_small,
                                                            monkeypatch):
    X, Y = penguins_small
    epochs = _spy_on_training(monkeypatch)
    search = WeightGridSearchCV(WeightedMultiOutputClassifier(**TINY),
                                {"class_weight": [None]}, cv=CV2,
                                scoring=per_output_scorers("accuracy", ["iland"]),
                                refit=False)
    with pytest.raises(ValueError, match=r"^output_scorer\('accuracy', 'iland'\) "
                       r"scores an output the estimator does not have: its outputs "
                       r"are \['species', 'island', 'sex'\] .*Did you mean "
                       r"'island'\?$"):
        search.fit(X, Y)
    assert not any(epochs)


def test_fold_without_a_class_is_refused(penguins_small):
    X, Y = penguins_small
    order = np.argsort(Y["species"].to_numpy(), kind="stable")
    with pytest.raises(ValueError, match="has no sample of class"):
        WeightGridSearchCV(WeightedMultiOutputClassifier(**TINY),
                           {"class_weight": [None]}, cv=KFold(2)).fit(
            X.iloc[order], Y.iloc[order]
        )


def test_single_output_y_and_default_cv(penguins_small):
    X, Y = penguins_small
    est = WeightedMultiOutputClassifier(epochs=1, **TINY)
    search = WeightGridSearchCV(est, {"class_weight": [None, "balanced"]},
                                scoring="balanced_accuracy").fit(X, Y["island"])
    assert search.n_splits_ == 5  # StratifiedKFold(5)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(X.iloc[:2]).shape == (2,)


def _pid(estimator, X, y):
    """A scorer that says which process scored (one per job)."""
    import os

    return float(os.getpid())


def test_n_jobs_runs_each_network_as_a_joblib_job(penguins_small):
    """n_jobs=2: each stacked network (one per group: here two epoch counts)
    and each separate Dynamic fit is a joblib job in a worker process; the
    scores are those of the sequential search."""
    import os

    X, Y = penguins_small
    scoring = {"ba": per_output_scorers("balanced_accuracy", ["island"])[
        "balanced_accuracy_island"], "pid": _pid}
    grids = [
        (WeightedMultiOutputClassifier(**TINY),
         {"class_weight": [None, "balanced"], "epochs": [1, 2]}),
        (DynamicWeightClassifier(epochs=1, **TINY),
         {"weighting": ["dwa", "inverse_loss"]}),
    ]
    for est, grid in grids:
        kwargs = {"scoring": scoring, "refit": False, "cv": CV2}
        serial = WeightGridSearchCV(est, grid, **kwargs).fit(X, Y)
        parallel = WeightGridSearchCV(est, grid, n_jobs=2, **kwargs).fit(X, Y)
        assert parallel.cv_results_["params"] == serial.cv_results_["params"]
        np.testing.assert_array_equal(parallel.cv_results_["mean_test_ba"],
                                      serial.cv_results_["mean_test_ba"])
        pids = {parallel.cv_results_[f"split{s}_test_pid"][i]
                for s in range(2) for i in range(len(serial.cv_results_["params"]))}
        assert os.getpid() not in pids
        assert set(serial.cv_results_["mean_test_pid"]) == {os.getpid()}
