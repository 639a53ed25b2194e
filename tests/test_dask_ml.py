"""dask-ml trains skweight block by block through partial_fit: its
``Incremental`` wrapper and ``HyperbandSearchCV`` over ``class_weight``, on a
dask array of several chunks. dask-ml is optional (``pip install ".[dask]"``);
these tests start a Dask client, so they run with the scale-out tests:
``python -m pytest -m scale_out tests/test_dask_ml.py``."""

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, make_scorer

from skweight import WeightedMultiOutputClassifier

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
dask_ml_selection = pytest.importorskip("dask_ml.model_selection")

pytestmark = pytest.mark.scale_out
SMALL = {"model__hidden_layer_sizes": (16,), "optimizer__learning_rate": 0.01,
         "random_state": 0}


@pytest.fixture(scope="module")
def blocks(penguins):
    X, Y = penguins
    order = np.random.default_rng(0).permutation(len(X))
    Xn = X.to_numpy(dtype="float32")[order]
    yn = Y["island"].to_numpy().astype(str)[order]
    return Xn, yn, da.from_array(Xn, chunks=84), da.from_array(yn, chunks=84)


@pytest.fixture(scope="module")
def client():
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=None) as c:
        yield c


def test_incremental_trains_block_by_block(blocks, client):
    Xn, yn, dX, dy = blocks
    assert dX.numblocks[0] == 4
    inc = dask_ml_wrappers.Incremental(
        WeightedMultiOutputClassifier(class_weight="balanced", **SMALL))
    for _ in range(5):  # five passes over the four blocks
        inc.partial_fit(dX, dy, classes=np.unique(yn))
    est = inc.estimator_
    assert len(est.history_["loss"]) == 20  # one epoch per block
    # Balanced weights from the counts of every block seen (5 passes).
    counts = np.unique(yn, return_counts=True)[1]
    np.testing.assert_array_equal(est._class_counts[0], 5 * counts)
    np.testing.assert_allclose(list(est.class_weight_.values()),
                               len(yn) / (3 * counts))
    assert balanced_accuracy_score(yn, est.predict(Xn)) > 0.6


def test_hyperband_searches_class_weight(blocks, client):
    Xn, yn, dX, dy = blocks
    search = dask_ml_selection.HyperbandSearchCV(
        WeightedMultiOutputClassifier(**SMALL),
        {"class_weight": [None, "balanced", "sqrt_inverse"]},
        max_iter=9, random_state=0,
        scoring=make_scorer(balanced_accuracy_score),
    )
    search.fit(dX, dy, classes=np.unique(yn))
    assert search.best_params_["class_weight"] in (None, "balanced", "sqrt_inverse")
    assert 0.3 < search.best_score_ <= 1.0
    assert len(search.best_estimator_.history_["loss"]) >= 1
