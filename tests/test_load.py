"""Under load: grid searches in a process pool run to the end.

``GridSearchCV(n_jobs=2)`` uses joblib's default process pool (loky): every
candidate is pickled to a worker process, fitted there and sent back. A bad
candidate must surface its own error, not a pool failure.
"""

import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, KFold

from skweight import InverseFrequency

# Estimator factories ``f(**params) -> estimator``; every classifier of the
# package goes here (one line each).
ESTIMATORS = ALL_ESTIMATORS

# Eager Keras: on a few dozen samples, tracing the train step costs more
# than the steps themselves.
TINY = {"epochs": 2, "verbose": 0, "random_state": 0, "run_eagerly": True}

N = 60
RNG = np.random.default_rng(3)
X = RNG.normal(size=(N, 3))
Y = pd.DataFrame({
    "kind": np.array(["x", "y", "z"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.8)],
    "flag": X[:, 2] > 0.5,
})
CV = KFold(3, shuffle=True, random_state=0)

GRID = {
    "class_weight": [None, "balanced", InverseFrequency(power=0.5)],
    "loss_weights": [None, [1.0, 2.0]],
    "model__hidden_layer_sizes": [(4,), (8,)],
}


@pytest.mark.parametrize("make", ESTIMATORS)
def test_grid_search_in_a_process_pool_runs_to_the_end(make):
    search = GridSearchCV(make(**TINY), GRID, cv=CV, n_jobs=2, error_score="raise")
    search.fit(X, Y)
    results = search.cv_results_
    assert len(results["params"]) == 12
    for split in range(3):
        scores = results[f"split{split}_test_score"]
        assert np.all(np.isfinite(scores)) and np.all((scores >= 0) & (scores <= 1))
    assert search.best_estimator_.predict(X).shape == (N, 2)
    assert search.best_params_ in results["params"]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_a_failing_candidate_is_reported_with_its_message(make):
    # error_score=nan: the search goes on; the failure says what was wrong.
    grid = {"loss_weights": [None, [1.0, -2.0]]}
    search = GridSearchCV(make(**TINY, model__hidden_layer_sizes=(4,)), grid, cv=CV,
                          n_jobs=2, error_score=np.nan)
    with pytest.warns(FitFailedWarning, match=r"loss_weights for output 'flag' "
                                              r"must be a finite number >= 0\. "
                                              r"Got -2\.0 instead"):
        search.fit(X, Y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])


@pytest.mark.parametrize("make", ESTIMATORS)
def test_a_failing_candidate_raises_its_own_error(make):
    # Last in this module: a raising search shuts the worker pool down.
    grid = {"class_weight": ["balanced", {"kind": "balance"}]}
    search = GridSearchCV(make(**TINY, model__hidden_layer_sizes=(4,)), grid, cv=CV,
                          n_jobs=2, error_score="raise")
    with pytest.raises(ValueError, match=r"class_weight for output 'kind' must be "
                                         r"one of .* Got 'balance' instead"):
        search.fit(X, Y)
