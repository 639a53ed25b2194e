"""Metadata routing of sample_weight through Pipeline and GridSearchCV."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweight import WeightedMultiOutputClassifier
from skweight.metrics import output_scorer

TINY = {"model__hidden_layer_sizes": (8,), "epochs": 2, "random_state": 0}


def test_sample_weight_routed_through_pipeline_and_grid_search(penguins_small):
    X, Y = penguins_small
    sw = np.random.default_rng(0).uniform(0.0, 2.0, (len(X), 3))
    with sklearn.config_context(enable_metadata_routing=True):
        clf = (
            WeightedMultiOutputClassifier(**TINY)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             clf)
        routed = pipe.fit(X, Y, sample_weight=sw)
        direct = WeightedMultiOutputClassifier(**TINY).fit(
            StandardScaler().fit_transform(X), Y, sample_weight=sw
        )
        for a, b in zip(routed.predict_proba(X),
                        direct.predict_proba(StandardScaler().fit(X).transform(X)),
                        strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6)
        unweighted = WeightedMultiOutputClassifier(**TINY).fit(
            StandardScaler().fit_transform(X), Y
        )
        assert not np.allclose(
            unweighted.predict_proba(StandardScaler().fit(X).transform(X))[0],
            direct.predict_proba(StandardScaler().fit(X).transform(X))[0],
        )
        search = GridSearchCV(
            pipe,
            {"weightedmultioutputclassifier__class_weight": [None, "balanced"]},
            cv=KFold(2, shuffle=True, random_state=0),
            scoring=output_scorer("balanced_accuracy", "island"),
            error_score="raise",
        )
        search.fit(X, Y, sample_weight=sw)  # 2-D weights are split per fold
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        with pytest.raises(ValueError, match="must have 3 column"):
            search.fit(X, Y, sample_weight=sw[:, :2])
