"""MultiOutputStratifiedKFold: every output's classes kept in every fold."""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from skweight.datasets import load_fair
from skweight.model_selection import MultiOutputStratifiedKFold


def _test_folds(cv, X, Y):
    return [test for _, test in cv.split(X, Y)]


def _max_proportion_deviation(folds, column):
    """Largest |class share in a test fold - overall share| over folds and classes."""
    classes, overall = np.unique(column, return_counts=True)
    overall = overall / len(column)
    worst = 0.0
    for test in folds:
        share = np.array([(column[test] == c).mean() for c in classes])
        worst = max(worst, np.abs(share - overall).max())
    return worst


def test_rare_class_in_every_test_fold():
    # 63:1 on the first output, a balanced second output.
    rng = np.random.default_rng(0)
    y0 = np.array([0] * 630 + [1] * 10)
    y1 = rng.integers(0, 2, size=640)
    Y = np.column_stack([y0, y1])
    X = np.zeros((640, 1))
    for n_splits in (5, 10):
        folds = _test_folds(MultiOutputStratifiedKFold(n_splits), X, Y)
        assert [int(y0[t].sum()) >= 1 for t in folds] == [True] * n_splits
        assert np.array_equal(np.sort(np.concatenate(folds)), np.arange(640))


def test_deterministic_and_seeded():
    X, Y = load_fair(return_X_y=True)
    a = _test_folds(MultiOutputStratifiedKFold(3), X, Y)
    b = _test_folds(MultiOutputStratifiedKFold(3), X, Y)
    assert all(np.array_equal(s, t) for s, t in zip(a, b, strict=True))
    c = _test_folds(MultiOutputStratifiedKFold(3, shuffle=True, random_state=1), X, Y)
    d = _test_folds(MultiOutputStratifiedKFold(3, shuffle=True, random_state=1), X, Y)
    assert all(np.array_equal(s, t) for s, t in zip(c, d, strict=True))
    assert not all(np.array_equal(s, t) for s, t in zip(a, c, strict=True))


def test_keeps_proportions_better_than_shuffled_kfold_on_fair():
    X, Y = load_fair(return_X_y=True)
    ours = _test_folds(MultiOutputStratifiedKFold(5), X, Y)
    theirs = _test_folds(KFold(5, shuffle=True, random_state=0), X, Y)
    for name in Y.columns:
        column = Y[name].to_numpy()
        assert _max_proportion_deviation(ours, column) < _max_proportion_deviation(
            theirs, column
        )


def test_single_output_and_dataframe():
    X, Y = load_fair(return_X_y=True)
    folds = _test_folds(MultiOutputStratifiedKFold(4), X, Y["occupation"])
    assert len(folds) == 4
    assert MultiOutputStratifiedKFold(4).get_n_splits() == 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_splits": 1}, ValueError, "n_splits must be >= 2. Got n_splits=1"),
        ({"n_splits": 2.5}, TypeError, "n_splits must be an int. Got 2.5"),
        ({"random_state": 0}, ValueError, "shuffle is False"),
        ({"shuffle": "yes"}, TypeError, "shuffle must be True or False. Got 'yes'"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        MultiOutputStratifiedKFold(**kwargs)


def test_bad_split_arguments():
    cv = MultiOutputStratifiedKFold(3)
    with pytest.raises(ValueError, match="should not be None"):
        next(cv.split(np.zeros((6, 1)), None))
    with pytest.raises(ValueError, match="greater than the number of samples"):
        next(cv.split(np.zeros((2, 1)), np.array([0, 1])))


def test_missing_labels_are_placed_by_the_other_outputs():
    """A missing label is no class: each output's labelled samples, and its
    classes, are spread over the folds; the holed rows are still split."""
    X, Y = load_fair(return_X_y=True)
    holed = Y.astype(object)
    rows = np.random.default_rng(0).random(len(holed)) < 0.3
    holed.loc[rows, "occupation"] = None
    folds = _test_folds(MultiOutputStratifiedKFold(5), X, holed)
    assert np.array_equal(np.sort(np.concatenate(folds)), np.arange(len(X)))
    labelled = ~rows
    shares = [labelled[test].mean() for test in folds]
    assert max(shares) - min(shares) < 0.02
    occupation = Y["occupation"].to_numpy()
    kept = [test[labelled[test]] for test in folds]
    assert _max_proportion_deviation(kept, occupation) < 0.01
    assert _max_proportion_deviation(folds, Y["rate_marriage"].to_numpy()) < 0.01
    empty = holed.assign(occupation=None)
    with pytest.raises(ValueError, match="'occupation' has no label"):
        next(MultiOutputStratifiedKFold(3).split(X, empty))


def test_default_cv_of_the_meta_estimators(penguins):
    """An int cv: StratifiedKFold for 1-D y, multi-output stratification for
    2-D y or missing labels (check_cv's unshuffled KFold would follow the
    order of the rows); other values as check_cv gives them."""
    from sklearn.model_selection import StratifiedKFold

    from skweight.model_selection._split import default_cv

    _, Y = penguins
    assert isinstance(default_cv(3, Y["island"]), StratifiedKFold)
    assert isinstance(default_cv(None, Y), MultiOutputStratifiedKFold)
    assert default_cv(None, Y).n_splits == 5
    assert isinstance(default_cv(3, Y["island"].astype(object).where(
        Y["island"] != "Dream")), MultiOutputStratifiedKFold)
    given = KFold(4, shuffle=True, random_state=0)
    assert default_cv(given, Y) is given
