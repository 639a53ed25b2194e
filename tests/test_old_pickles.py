"""Estimators pickled before the engine moved into subpackages still load.

A pickle records the module of every class it holds (``skweight._classifier``,
``skweight._outputs``, ...): those paths stay importable. The pickles were
written at commit 0b4d99c by ``tests/data/before_subpackages/make.py``, with
the predictions they gave then.
"""

import pickle
from pathlib import Path

import numpy as np
import pytest

from skweight.datasets import load_penguins

DATA = Path(__file__).parent / "data" / "before_subpackages"


@pytest.mark.parametrize("name", ["weighted", "early_stopping", "dynamic", "mixed"])
def test_a_pickle_of_the_previous_layout_loads_and_predicts_as_it_did(name):
    X, Y = load_penguins(return_X_y=True)
    if name == "mixed":
        Y = Y[["species", "sex"]].assign(mass=X["body_mass_g"] / 1000.0)
        X = X.drop(columns="body_mass_g")
    rows = X.iloc[:40]
    est = pickle.loads((DATA / f"{name}.pkl").read_bytes())
    expected = np.load(DATA / f"{name}.npz")
    np.testing.assert_array_equal(np.asarray(est.predict(rows), dtype=str),
                                  expected["predict"])
    if name != "mixed":
        for k, proba in enumerate(est.predict_proba(rows)):
            np.testing.assert_allclose(proba, expected[f"proba_{k}"], rtol=1e-6)
    # It still trains: a warm fit continues the loaded network.
    epochs = len(est.history_["loss"])
    est.set_params(warm_start=True, epochs=1, early_stopping=False).fit(X, Y)
    assert len(est.history_["loss"]) == epochs + 1
