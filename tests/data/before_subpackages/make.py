"""Write the pickles of tests/test_old_pickles.py.

Run once, at commit 0b4d99c (before the engine moved into subpackages), from
the repository root: ``python tests/data/before_subpackages/make.py``. Each
estimator is pickled with the predictions it gave then; the test loads the
pickles with today's code and compares.
"""

import pickle
from pathlib import Path

import numpy as np

from skweight import (
    DynamicWeightClassifier,
    WeightedMixedOutputEstimator,
    WeightedMultiOutputClassifier,
)
from skweight.datasets import load_penguins

HERE = Path(__file__).parent


def main():
    X, Y = load_penguins(return_X_y=True)
    X_mixed = X.drop(columns="body_mass_g")
    Y_mixed = Y[["species", "sex"]].assign(mass=X["body_mass_g"] / 1000.0)
    tiny = {"epochs": 3, "model__hidden_layer_sizes": (8,), "random_state": 0}
    cases = {
        "weighted": (WeightedMultiOutputClassifier(class_weight="balanced", **tiny),
                     X, Y),
        "early_stopping": (WeightedMultiOutputClassifier(
            early_stopping=True, n_iter_no_change=2, **{**tiny, "epochs": 20}), X, Y),
        "dynamic": (DynamicWeightClassifier(weighting="dwa", **tiny), X, Y),
        "mixed": (WeightedMixedOutputEstimator(output_types={"mass": "regression"},
                                               **tiny), X_mixed, Y_mixed),
    }
    for name, (est, Xc, Yc) in cases.items():
        est.fit(Xc, Yc)
        rows = Xc.iloc[:40]
        (HERE / f"{name}.pkl").write_bytes(pickle.dumps(est))
        expected = {"predict": np.asarray(est.predict(rows), dtype=str)}
        if name != "mixed":
            for k, p in enumerate(est.predict_proba(rows)):
                expected[f"proba_{k}"] = p
        np.savez(HERE / f"{name}.npz", **expected)
        print(name, "written")


# Run as a script only: pytest imports every module under tests/ for its
# doctests, and the pickles must stay those of the commit named above.
if __name__ == "__main__":
    main()
