import os

# Quiet TensorFlow's C++ logging; must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skweight.datasets import load_penguins  # noqa: E402


@pytest.fixture(scope="session")
def penguins():
    """(X, Y): 4 numeric features; species, island, sex (imbalanced)."""
    return load_penguins(return_X_y=True)


@pytest.fixture(scope="session")
def penguins_small(penguins):
    """A stratified-ish 120-row subset for fast tests."""
    X, Y = penguins
    rng = np.random.default_rng(0)
    idx = np.sort(rng.choice(len(X), 120, replace=False))
    return X.iloc[idx].reset_index(drop=True), Y.iloc[idx].reset_index(drop=True)
