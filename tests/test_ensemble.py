"""SeedEnsembleClassifier: members against separate fits of their seeds, the
two votes against votes computed here, pipelines, 1-D targets, threads,
pickling, search, bad input, scikit-learn's estimator checks."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight.ensemble import SeedEnsembleClassifier

TINY = {"epochs": 4, "batch_size": 32, "model__hidden_layer_sizes": (8,)}


@pytest.fixture(scope="module")
def fitted(penguins_small):
    X, Y = penguins_small
    return SeedEnsembleClassifier(
        WeightedMultiOutputClassifier(class_weight="balanced", **TINY),
        n_estimators=3, random_state=0,
    ).fit(X, Y)


def test_each_member_is_the_fit_of_its_seed(fitted, penguins_small):
    X, Y = penguins_small
    assert len(fitted.estimators_) == 3
    assert len(set(fitted.random_states_)) == 3
    for member, seed in zip(fitted.estimators_, fitted.random_states_, strict=True):
        assert member.random_state == seed
        alone = WeightedMultiOutputClassifier(
            class_weight="balanced", random_state=seed, **TINY).fit(X, Y)
        for p, q in zip(member.predict_proba(X), alone.predict_proba(X),
                        strict=True):
            np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-7)
    # The members differ: the seeds reach the networks.
    first, second = (m.predict_proba(X)[0] for m in fitted.estimators_[:2])
    assert np.abs(first - second).max() > 1e-3
    assert fitted.output_names_ == ["species", "island", "sex"]
    assert fitted.n_outputs_ == 3 and fitted.n_features_in_ == X.shape[1]
    assert list(fitted.feature_names_in_) == list(X.columns)


def test_soft_vote_is_the_mean_of_the_members_probabilities(fitted, penguins_small):
    X, _ = penguins_small
    probas = fitted.predict_proba(X)
    pred = fitted.predict(X)
    for k in range(3):
        mean = np.mean([m.predict_proba(X)[k] for m in fitted.estimators_], axis=0)
        np.testing.assert_allclose(probas[k], mean, rtol=1e-12)
        assert pred[:, k].tolist() == fitted.classes_[k][
            np.argmax(mean, axis=1)].tolist()


def test_hard_vote_is_the_members_majority(fitted, penguins_small):
    X, _ = penguins_small
    hard = clone(fitted).set_params(voting="hard")
    hard.__dict__.update({key: value for key, value in fitted.__dict__.items()
                          if key.endswith("_")})
    assert not hasattr(hard, "predict_proba")
    members = [np.asarray(m.predict(X)) for m in fitted.estimators_]
    pred = hard.predict(X)
    for k, classes in enumerate(fitted.classes_):
        for i in range(len(X)):
            labels = [m[i, k] for m in members]
            counts = [labels.count(c) for c in classes]
            # A tie goes to the first of the tied classes.
            assert pred[i, k] == classes[int(np.argmax(counts))]


def test_hard_vote_ties_go_to_the_first_class(penguins_small):
    X, Y = penguins_small
    ensemble = SeedEnsembleClassifier(
        WeightedMultiOutputClassifier(**TINY), n_estimators=2, voting="hard",
        random_state=1).fit(X, Y)
    a, b = (np.asarray(m.predict(X))[:, 0] for m in ensemble.estimators_)
    classes = ensemble.classes_[0]
    position = {c: i for i, c in enumerate(classes)}
    expected = [x if position[x] <= position[y] else y
                for x, y in zip(a, b, strict=True)]
    assert ensemble.predict(X)[:, 0].tolist() == expected
    assert (a != b).any(), "the two members never disagree: no tie was tested"


def test_random_state_fixes_the_members(fitted, penguins_small):
    X, Y = penguins_small
    again = clone(fitted).fit(X, Y)
    assert again.random_states_ == fitted.random_states_
    np.testing.assert_allclose(again.predict_proba(X)[1],
                               fitted.predict_proba(X)[1], rtol=1e-5)
    other = clone(fitted).set_params(random_state=1, n_estimators=1).fit(X, Y)
    assert other.random_states_[0] not in fitted.random_states_
    rng = np.random.RandomState(3)
    state = rng.get_state()[1].copy()
    seeded = clone(fitted).set_params(random_state=rng, n_estimators=1).fit(X, Y)
    np.testing.assert_array_equal(rng.get_state()[1], state)  # not consumed
    assert seeded.random_states_ == clone(seeded).fit(X, Y).random_states_


def test_pipeline_members_seed_the_steps_and_y_may_be_one_column(penguins_small):
    X, Y = penguins_small
    pipe = make_pipeline(StandardScaler(),
                         WeightedMultiOutputClassifier(random_state=7, **TINY))
    ensemble = SeedEnsembleClassifier(pipe, n_estimators=2, random_state=0)
    ensemble.fit(X, Y["sex"])
    for member, seed in zip(ensemble.estimators_, ensemble.random_states_,
                            strict=True):
        assert member[-1].random_state == seed
    proba = ensemble.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(
        proba, np.mean([m.predict_proba(X) for m in ensemble.estimators_], axis=0))
    pred = ensemble.predict(X)
    assert pred.shape == (len(X),)
    assert set(pred) <= {"female", "male"}
    assert ensemble.score(X, Y["sex"]) == np.mean(pred == Y["sex"].to_numpy())


def test_dynamic_members_with_early_stopping(penguins_small):
    X, Y = penguins_small
    ensemble = SeedEnsembleClassifier(
        DynamicWeightClassifier(weighting="dwa", early_stopping=True,
                                n_iter_no_change=2, **{**TINY, "epochs": 6}),
        n_estimators=2, random_state=0).fit(X, Y)
    assert all(hasattr(m, "best_epoch_") for m in ensemble.estimators_)
    restored = pickle.loads(pickle.dumps(ensemble))
    for p, q in zip(restored.predict_proba(X), ensemble.predict_proba(X),
                    strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="under JAX and PyTorch Keras shuffles with NumPy's "
                           "global generator, shared by the threads")
def test_threads_give_the_members_they_give_one_at_a_time(fitted, penguins_small):
    X, Y = penguins_small
    threaded = clone(fitted).set_params(n_jobs=2).fit(X, Y)
    assert threaded.random_states_ == fitted.random_states_
    for a, b in zip(threaded.estimators_, fitted.estimators_, strict=True):
        for p, q in zip(a.predict_proba(X), b.predict_proba(X), strict=True):
            np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-7)


def test_sample_weight_reaches_every_member_and_is_left_alone(penguins_small):
    X, Y = penguins_small
    sw = np.linspace(0.5, 2.0, len(X))
    before = sw.copy()
    ensemble = SeedEnsembleClassifier(
        WeightedMultiOutputClassifier(**TINY), n_estimators=2,
        random_state=0).fit(X, Y, sample_weight=sw)
    np.testing.assert_array_equal(sw, before)
    seed = ensemble.random_states_[1]
    alone = WeightedMultiOutputClassifier(random_state=seed, **TINY).fit(
        X, Y, sample_weight=sw)
    np.testing.assert_allclose(ensemble.estimators_[1].predict_proba(X)[2],
                               alone.predict_proba(X)[2], rtol=1e-5, atol=1e-7)
    unweighted = WeightedMultiOutputClassifier(random_state=seed, **TINY).fit(X, Y)
    assert np.abs(unweighted.predict_proba(X)[2]
                  - alone.predict_proba(X)[2]).max() > 1e-4


def test_search_and_cross_validation_see_a_classifier(penguins_small):
    X, Y = penguins_small
    ensemble = SeedEnsembleClassifier(
        WeightedMultiOutputClassifier(**{**TINY, "epochs": 2}), n_estimators=2,
        random_state=0)
    assert is_classifier(ensemble)
    search = GridSearchCV(
        ensemble, {"estimator__class_weight": [None, "balanced"]}, cv=2).fit(X, Y)
    assert search.best_estimator_.estimator.class_weight in (None, "balanced")
    scores = cross_val_score(ensemble, X, Y["sex"], cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_bad_input_is_refused_before_training(penguins_small):
    X, Y = penguins_small
    base = WeightedMultiOutputClassifier(**TINY)
    for params, error, match in [
        ({"n_estimators": 0}, ValueError, "'n_estimators' parameter"),
        ({"n_estimators": 2.5}, ValueError, "'n_estimators' parameter"),
        ({"voting": "mean"}, ValueError, "'voting' parameter"),
        ({"n_jobs": "2"}, ValueError, "'n_jobs' parameter"),
        ({"random_state": "0"}, ValueError, "'random_state' parameter"),
        ({"estimator": "net"}, ValueError, "'estimator' parameter"),
        ({"estimator": WeightedMixedOutputEstimator(**TINY)}, TypeError,
         "estimator must be a classifier"),
        ({"estimator": KNeighborsClassifier()}, TypeError,
         "has no random_state parameter"),
        ({"estimator": LinearSVC()}, TypeError, "has no predict_proba"),
    ]:
        ensemble = SeedEnsembleClassifier(base).set_params(**params)
        with pytest.raises(error, match=match):
            ensemble.fit(X, Y)
        assert not hasattr(ensemble, "estimators_")
    with pytest.raises(ValueError, match="requires y to be passed"):
        SeedEnsembleClassifier(base).fit(X, None)
    # Hard voting takes a classifier without predict_proba.
    hard = SeedEnsembleClassifier(LinearSVC(), n_estimators=2, voting="hard")
    assert hard.fit(X, Y["sex"]).predict(X).shape == (len(X),)


def test_score_checks_its_arguments_as_the_networks_do(penguins_small):
    """Subset accuracy, with score's arguments checked by the networks' own
    checks (skweight._targets._columns.score_targets)."""
    X, Y = penguins_small
    ensemble = SeedEnsembleClassifier(
        MultiOutputClassifier(make_pipeline(StandardScaler(), LogisticRegression())),
        n_estimators=2, random_state=0)
    with pytest.raises(NotFittedError):
        ensemble.score(X, Y)
    ensemble.fit(X, Y)
    pred = ensemble.predict(X)
    assert ensemble.score(X, Y) == pytest.approx(
        np.mean(np.all(pred == Y.to_numpy(), axis=1)))
    for args, match in [
        ((X, Y[["species", "sex"]]), "y has 2 column"),
        ((X, Y, np.ones((len(X), 3))), "sample_weight of shape"),
        ((X, Y, np.ones(len(X) - 1)), "inconsistent numbers of samples"),
    ]:
        with pytest.raises(ValueError, match=match):
            ensemble.score(*args)


@parametrize_with_checks([
    SeedEnsembleClassifier(LogisticRegression(), n_estimators=2, random_state=0),
    SeedEnsembleClassifier(LogisticRegression(), n_estimators=3, voting="hard",
                           random_state=0),
])
def test_sklearn_compatible_meta_estimator(estimator, check):
    check(estimator)


def test_multilabel_indicator_targets():
    """River's Yeast as an indicator matrix (one packed sigmoid layer): the
    members' mean, per label."""
    datasets = pytest.importorskip("river.datasets")
    X, Y = map(list, zip(*datasets.Yeast(), strict=True))
    X = np.array([list(x.values()) for x in X], dtype=np.float32)
    Y = np.array([[int(v) for v in y.values()] for y in Y])
    ensemble = SeedEnsembleClassifier(
        WeightedMultiOutputClassifier(class_weight="balanced", **TINY),
        n_estimators=2, random_state=0).fit(X, Y)
    probas = ensemble.predict_proba(X)
    assert len(probas) == Y.shape[1]
    for k, p in enumerate(probas):
        np.testing.assert_allclose(
            p, np.mean([m.predict_proba(X)[k] for m in ensemble.estimators_],
                       axis=0))
    pred = ensemble.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}


def test_missing_labels_masked_in_every_member(penguins_small):
    X, Y = penguins_small
    holed = Y.astype(object)
    holed.loc[::4, "island"] = None
    ensemble = SeedEnsembleClassifier(
        WeightedMultiOutputClassifier(missing_labels="mask", **TINY),
        n_estimators=2, random_state=0).fit(X, holed)
    assert [list(c) for c in ensemble.classes_] == [
        sorted(Y[c].unique()) for c in Y.columns]
    assert all(m.n_labelled_[1] == (~holed["island"].isna()).sum()
               for m in ensemble.estimators_)
    # A row is judged on the labels it has.
    assert 0 <= ensemble.score(X, holed) <= 1
