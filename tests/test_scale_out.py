"""Grid search through joblib on Dask and Ray worker processes.

A 4-candidate x 3-fold search on the penguins runs locally, then through
joblib's ``"dask"`` backend on a ``LocalCluster`` of two worker processes,
then through Ray's joblib backend on ``ray.init(num_cpus=2)``; the
``cv_results_`` scores must be the same for the same seeds. The workers are
fresh (spawned) processes that import TensorFlow themselves, after the parent
has trained: the estimator, its scorer and a fitted Keras model travel to
them by pickling. The engines are optional (``pip install ".[dask]"`` /
``".[ray]"``); without them these tests are skipped. They take minutes, so
they are deselected by default: ``python -m pytest -m scale_out
tests/test_scale_out.py`` runs them.
"""

import os
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold

import skweight
from skweight import WeightedMultiOutputClassifier
from skweight.metrics import output_scorer
from skweight.model_selection import MultiOutputStratifiedKFold, WeightGridSearchCV

TINY = {"model__hidden_layer_sizes": (8,), "epochs": 2, "batch_size": 64,
        "random_state": 0}
GRID = {"class_weight": [None, "balanced"], "loss_weights": [None, [1.0, 2.0, 1.0]]}
# Where the workers find this checkout's skweight when it is not installed.
SOURCE_ROOT = str(Path(skweight.__file__).resolve().parent.parent)
pytestmark = pytest.mark.scale_out
SCORE_KEYS = ["split0_test_score", "split1_test_score", "split2_test_score",
              "mean_test_score"]


def _search():
    return GridSearchCV(
        WeightedMultiOutputClassifier(**TINY), GRID,
        scoring=output_scorer("balanced_accuracy", "island"),
        cv=KFold(3, shuffle=True, random_state=0), refit=False, n_jobs=-1,
    )


def _pid(estimator, X, y):
    """A scorer that says which process scored."""
    return float(os.getpid())


def _weight_search():
    """Two stacked networks (one per epoch count), one joblib job each."""
    return WeightGridSearchCV(
        WeightedMultiOutputClassifier(**TINY),
        {"class_weight": [None, "balanced"], "epochs": [1, 2]},
        scoring={"ba": output_scorer("balanced_accuracy", "island"), "pid": _pid},
        cv=MultiOutputStratifiedKFold(3), refit=False, n_jobs=-1,
    )


def _same_weight_search(results, expected, worker_pids):
    assert results["params"] == expected["params"]
    np.testing.assert_array_equal(results["mean_test_ba"], expected["mean_test_ba"])
    pids = {results[f"split{s}_test_pid"][i] for s in range(3) for i in range(4)}
    assert pids <= worker_pids and os.getpid() not in pids


@pytest.fixture(scope="module")
def local_weight_results(penguins):
    X, Y = penguins
    with joblib.parallel_backend("sequential"):
        return _weight_search().fit(X, Y).cv_results_


@pytest.fixture(scope="module")
def local_results(penguins):
    X, Y = penguins
    with joblib.parallel_backend("sequential"):
        search = _search().fit(X, Y)
    return search.cv_results_


def _same_scores(results, expected):
    assert len(results["params"]) == 4
    assert results["params"] == expected["params"]
    for key in SCORE_KEYS:
        np.testing.assert_array_equal(results[key], expected[key], err_msg=key)


def _predict_remotely(model_bytes, X):
    import pickle

    return pickle.loads(model_bytes).predict(X)


def test_grid_search_on_dask_worker_processes(penguins, local_results,
                                             local_weight_results):
    distributed = pytest.importorskip(
        "distributed", reason="Dask is an extra: pip install 'skweight[dask]'"
    )
    X, Y = penguins
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1,
        dashboard_address=None, env={"PYTHONPATH": SOURCE_ROOT},
    ) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            search = _search().fit(X, Y)
        _same_scores(search.cv_results_, local_results)
        # Fresh worker processes, not forks of this one (TensorFlow is not
        # fork-safe, and this process has trained already).
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        # WeightGridSearchCV's stacked networks are joblib jobs too.
        with joblib.parallel_backend("dask"):
            weights = _weight_search().fit(X, Y)
        _same_weight_search(weights.cv_results_, local_weight_results,
                            {float(p) for p in pids})
        methods = client.run(_start_method)
        assert set(methods.values()) == {"spawn"}
        # A fitted estimator (its Keras model inside) pickles to a worker and
        # predicts there as here.
        fitted = clone(_search().estimator).fit(X, Y)
        remote = client.submit(_predict_remotely, _pickled(fitted), X).result()
        np.testing.assert_array_equal(remote, fitted.predict(X))


def _start_method():
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=True)


def _pickled(estimator):
    import pickle

    return pickle.dumps(estimator)


def test_grid_search_on_ray(penguins, local_results, local_weight_results):
    ray = pytest.importorskip("ray", reason="Ray is an extra: pip install "
                              "'skweight[ray]'")
    from ray.util.joblib import register_ray

    X, Y = penguins
    # Ray's workers do not inherit sys.path: they import skweight and this
    # module (for _predict_remotely) from PYTHONPATH.
    path = os.pathsep.join([SOURCE_ROOT, str(Path(__file__).resolve().parent)])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path,
                                       "TF_CPP_MIN_LOG_LEVEL": "3"}})
    try:
        register_ray()
        with joblib.parallel_backend("ray"):
            search = _search().fit(X, Y)
            weights = _weight_search().fit(X, Y)
        _same_scores(search.cv_results_, local_results)
        # WeightGridSearchCV's stacked networks ran in Ray's worker processes.
        worker_pids = {weights.cv_results_[f"split{s}_test_pid"][i]
                       for s in range(3) for i in range(4)}
        _same_weight_search(weights.cv_results_, local_weight_results,
                            worker_pids)
        fitted = clone(_search().estimator).fit(X, Y)
        remote = ray.get(
            ray.remote(_predict_remotely).remote(_pickled(fitted), X)
        )
        np.testing.assert_array_equal(remote, fitted.predict(X))
    finally:
        ray.shutdown()
