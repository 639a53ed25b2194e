import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from skweight import WeightedMultiOutputClassifier
from skweight.metrics import output_scorer, per_output_scorers

TINY = {"model__hidden_layer_sizes": (8,), "epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def fitted(penguins_small):
    X, Y = penguins_small
    return WeightedMultiOutputClassifier(**TINY).fit(X, Y), X, Y


@pytest.mark.parametrize("output", [1, "island", -2])
def test_output_scorer_scores_one_output(fitted, output):
    clf, X, Y = fitted
    score = output_scorer("balanced_accuracy", output)(clf, X, Y)
    expected = balanced_accuracy_score(Y["island"], clf.predict(X)[:, 1])
    assert score == pytest.approx(expected)


def test_output_scorer_with_probabilities_and_callables(fitted):
    clf, X, Y = fitted
    auc = output_scorer("roc_auc", "sex")(clf, X, Y)
    expected = roc_auc_score(Y["sex"], clf.predict_proba(X)[2][:, 1])
    assert auc == pytest.approx(expected)
    score = output_scorer(balanced_accuracy_score, 0)(clf, X, Y.to_numpy())
    assert score == pytest.approx(
        balanced_accuracy_score(Y["species"], clf.predict(X)[:, 0])
    )


def test_output_scorer_bad_output(fitted):
    clf, X, Y = fitted
    with pytest.raises(ValueError, match=r"its outputs are \['species', 'island', "
                                         r"'sex'\] \(indices 0 to 2\)\. Got output "
                                         r"'beak' instead\.$"):
        output_scorer("accuracy", "beak")(clf, X, Y)
    with pytest.raises(ValueError, match=r"\(indices 0 to 2\)\. Got output 3 instead"):
        output_scorer("accuracy", 3)(clf, X, Y)
    with pytest.raises(TypeError, match="output must be an int index or a str"):
        output_scorer("accuracy", 1.5)
    with pytest.raises(TypeError, match="scoring must be a scorer name"):
        output_scorer(3, 0)


def test_per_output_scorers_names():
    assert sorted(per_output_scorers("f1_macro", 2)) == ["f1_macro_0", "f1_macro_1"]
    names = per_output_scorers(balanced_accuracy_score, ["island", "sex"])
    assert sorted(names) == ["balanced_accuracy_score_island",
                             "balanced_accuracy_score_sex"]
    with pytest.raises(TypeError, match="outputs must be an int or a sequence"):
        per_output_scorers("accuracy", "island")


def test_cross_validate_and_grid_search_refit_per_output(penguins_small):
    X, Y = penguins_small
    scoring = per_output_scorers("balanced_accuracy", ["species", "island", "sex"])
    cv = KFold(2, shuffle=True, random_state=0)
    res = cross_validate(WeightedMultiOutputClassifier(**TINY), X, Y, cv=cv,
                         scoring=scoring)
    for name in scoring:
        assert res[f"test_{name}"].shape == (2,)
        assert np.all((res[f"test_{name}"] >= 0) & (res[f"test_{name}"] <= 1))
    search = GridSearchCV(
        WeightedMultiOutputClassifier(**TINY),
        {"class_weight": [None, "balanced"]},
        scoring=scoring,
        refit="balanced_accuracy_island",
        cv=cv,
    ).fit(X, Y)
    best = int(np.argmax(search.cv_results_["mean_test_balanced_accuracy_island"]))
    assert search.best_index_ == best
    assert search.best_estimator_.class_weight == search.cv_results_[
        "param_class_weight"][best]


def test_output_scorer_skips_rows_missing_that_output(fitted):
    clf, X, Y = fitted
    Y = Y.astype(object)
    Y.loc[::3, "island"] = None
    Y.loc[1::3, "island"] = np.nan
    present = Y["island"].notna().to_numpy()
    score = output_scorer("balanced_accuracy", "island")(clf, X, Y)
    expected = balanced_accuracy_score(Y["island"][present],
                                       clf.predict(X)[present, 1])
    assert score == pytest.approx(expected)
    # The other outputs keep every row.
    assert output_scorer("accuracy", "sex")(clf, X, Y) == pytest.approx(
        np.mean(clf.predict(X)[:, 2] == Y["sex"]))
    Y.loc[:, "island"] = None
    with pytest.raises(ValueError, match="'island' has no labels to score"):
        output_scorer("accuracy", "island")(clf, X, Y)
