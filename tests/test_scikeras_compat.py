"""What skweight mends in scikeras for scikit-learn >= 1.6."""

import numpy as np
from factories import FROZEN
from scikeras.wrappers import BaseWrapper
from sklearn.base import is_classifier
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_estimator_tags_renamed,
    check_mixin_order,
)

from skweight import WeightedMultiOutputClassifier
from skweight._scikeras_compat import seed_from_random_state


def test_base_wrapper_is_mended_at_its_source():
    assert "__sklearn_tags__" in vars(BaseWrapper)
    check_estimator_tags_renamed("WeightedMultiOutputClassifier",
                                 WeightedMultiOutputClassifier())
    check_mixin_order("WeightedMultiOutputClassifier",
                      WeightedMultiOutputClassifier())


def test_tags():
    est = WeightedMultiOutputClassifier()
    tags = get_tags(est)
    assert is_classifier(est)
    assert tags.estimator_type == "classifier"
    assert tags.target_tags.multi_output
    assert tags.target_tags.required
    assert tags.classifier_tags.multi_label


def test_zero_sample_weights_keep_their_rows(penguins_small):
    """scikeras drops zero-weight rows; skweight keeps them (weight 0 in the
    mean), so the frozen network's logged loss averages over every row."""
    X, Y = penguins_small
    sw = np.ones(len(X))
    sw[::3] = 0.0
    sw_before = sw.copy()
    clf = WeightedMultiOutputClassifier(**FROZEN).fit(
        X, Y["species"], sample_weight=sw
    )
    np.testing.assert_array_equal(sw, sw_before)
    p = clf.predict_proba(X)[np.arange(len(X)),
                            np.searchsorted(clf.classes_, Y["species"])]
    ce = -np.log(p)
    np.testing.assert_allclose(clf.history_["loss"][-1], np.mean(sw * ce), rtol=2e-5)
    assert not np.isclose(clf.history_["loss"][-1], np.mean(ce[sw > 0]), rtol=1e-3)


def test_seed_from_random_state_leaves_the_generator_alone():
    rs = np.random.RandomState(3)
    state = rs.get_state()[1].copy()
    assert seed_from_random_state(rs) == seed_from_random_state(rs)
    np.testing.assert_array_equal(rs.get_state()[1], state)
    assert seed_from_random_state(None) is None
    assert seed_from_random_state(7) == 7

