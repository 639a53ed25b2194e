"""The weighting rules themselves: formulas, options, registry (no training)."""

import numpy as np
import pytest
from keras import ops
from numpy.testing import assert_allclose
from sklearn.base import clone

from skweight.weighting import (
    DWA,
    RULES,
    GradNorm,
    InverseLoss,
    Uncertainty,
    WeightingRule,
    check_weighting,
)


def test_registry_names_build_their_rules():
    assert set(RULES) == {"inverse_loss", "dwa", "uncertainty", "gradnorm"}
    for name, cls in RULES.items():
        rule = check_weighting(name)
        assert type(rule) is cls
        assert isinstance(rule, WeightingRule)


def test_check_weighting_copies_and_never_modifies_the_given_rule():
    given = DWA(temperature=3.0)
    rule = check_weighting(given)
    assert rule is not given
    assert rule.get_params() == {"temperature": 3.0}
    rule.start(2)
    rule.end_epoch([1.0, 2.0])
    assert not hasattr(given, "losses_")


@pytest.mark.parametrize(
    ("weighting", "error", "match"),
    [
        ("balanced", ValueError, r"weighting must be one of .* Got 'balanced'"),
        (3, TypeError, r"weighting must be a str .* Got 3 of type int"),
        (InverseLoss, TypeError, r"weighting must be a str"),
    ],
)
def test_check_weighting_rejects_bad_values(weighting, error, match):
    with pytest.raises(error, match=match):
        check_weighting(weighting)


@pytest.mark.parametrize(
    ("rule", "error", "match"),
    [
        (DWA(temperature=0.0), ValueError, r"temperature must be .*> 0. Got 0.0"),
        (DWA(temperature=-1), ValueError, r"temperature .* Got -1"),
        (DWA(temperature="2"), TypeError, r"temperature must be a real number"),
        (DWA(temperature=np.inf), ValueError, r"temperature .* Got inf"),
        (GradNorm(alpha=-0.5), ValueError, r"alpha must be .*>= 0. Got -0.5"),
        (GradNorm(learning_rate=0), ValueError, r"learning_rate must be .*> 0"),
        (GradNorm(shared_layer=3), TypeError, r"shared_layer must be None or"),
    ],
)
def test_bad_options_raise_naming_the_option(rule, error, match):
    with pytest.raises(error, match=match):
        rule.start(2)


def test_start_resets_the_state():
    rule = DWA()
    rule.start(2)
    for losses in ([1.0, 1.0], [0.5, 1.0], [0.2, 1.0]):
        rule.end_epoch(losses)
    assert len(rule.losses_) == 3
    assert_allclose(rule.start(2), [1.0, 1.0])
    assert rule.losses_ == []
    # After a reset the first two epochs have equal weights again.
    assert_allclose(rule.end_epoch([0.1, 1.0]), [1.0, 1.0])


def test_dwa_formula():
    rule = DWA(temperature=2.0)
    rule.start(3)
    history = [[1.0, 2.0, 3.0], [0.5, 1.8, 3.0], [0.4, 1.0, 2.7]]
    got = [rule.end_epoch(h) for h in history]
    assert_allclose(got[0], np.ones(3))
    for t in (1, 2):
        w = np.divide(history[t], history[t - 1])
        expected = 3 * np.exp(w / 2.0) / np.exp(w / 2.0).sum()
        assert_allclose(got[t], expected)
        assert_allclose(got[t].sum(), 3.0)
    # The output whose loss fell least gets the most weight.
    assert np.argmax(got[2]) == 2


def test_dwa_high_temperature_tends_to_equal_weights():
    rule = DWA(temperature=1e6)
    rule.start(2)
    rule.end_epoch([1.0, 1.0])
    assert_allclose(rule.end_epoch([0.1, 1.0]), [1.0, 1.0], atol=1e-5)


def test_inverse_loss_formula_prefers_validation_losses():
    rule = InverseLoss()
    assert_allclose(rule.start(2), [1.0, 1.0])
    assert_allclose(rule.end_epoch([1.0, 3.0]), [1.5, 0.5])
    assert_allclose(rule.end_epoch([1.0, 3.0], val_losses=[2.0, 2.0]), [1.0, 1.0])
    # A zero loss stays finite.
    assert np.all(np.isfinite(rule.end_epoch([0.0, 1.0])))


def test_in_step_rules_leave_epoch_updates_to_the_train_step():
    for rule in (Uncertainty(), GradNorm()):
        rule.start(2)
        assert rule.end_epoch([1.0, 2.0]) is None
    # What each rule needs from the estimator, said by the rule itself.
    assert Uncertainty.learns_log_variance and not Uncertainty.needs_grad_norms
    assert GradNorm.needs_grad_norms and not GradNorm.learns_log_variance
    assert GradNorm.backends == ("tensorflow", "torch")
    for cls in (DWA, InverseLoss):
        assert not (cls.learns_log_variance or cls.needs_grad_norms)
        assert cls.backends is None


def test_uncertainty_terms():
    s = np.array([0.0, np.log(4.0)], dtype="float32")
    assert_allclose(ops.convert_to_numpy(Uncertainty.multipliers(s, ops)),
                    [1.0, 0.25], rtol=1e-6)
    assert_allclose(float(Uncertainty.regularizer(s, ops)), 0.5 * np.log(4.0),
                    rtol=1e-6)


def _step(rule, multipliers, losses, initial, norms, base=(1.0, 1.0)):
    args = [np.asarray(a, dtype="float32")
            for a in (multipliers, base, losses, initial, norms)]
    return ops.convert_to_numpy(rule.step(*args, ops=ops))


def test_gradnorm_step_balances_gradient_norms():
    rule = GradNorm(alpha=1.5, learning_rate=0.1)
    rule.start(2)
    # Equal training rates, output 0 has 3x the gradient norm: it loses weight.
    new = _step(rule, [1.0, 1.0], [1.0, 1.0], [2.0, 2.0], [3.0, 1.0])
    assert new[0] < 1.0 < new[1]
    assert_allclose(new.sum(), 2.0, rtol=1e-6)
    # Balanced norms and rates: a fixed point up to the sign step; weights stay
    # positive and sum to n_outputs.
    same = _step(rule, [1.0, 1.0], [1.0, 1.0], [2.0, 2.0], [1.0, 1.0])
    assert_allclose(same, [1.0, 1.0], rtol=1e-6)
    # Output 1 trains more slowly (its loss ratio is higher): it gains weight.
    slow = _step(rule, [1.0, 1.0], [0.5, 1.0], [1.0, 1.0], [1.0, 1.0])
    assert slow[1] > slow[0]
    extreme = _step(GradNorm(learning_rate=100.0), [1.0, 1.0], [1.0, 1.0],
                    [2.0, 2.0], [30.0, 1.0])
    assert np.all(extreme > 0)


def test_rules_are_clonable_and_settable():
    rule = GradNorm(alpha=0.5, learning_rate=0.01, shared_layer="trunk_1")
    copy = clone(rule)
    assert copy.get_params() == rule.get_params()
    copy.set_params(alpha=2.0)
    assert copy.alpha == 2.0 and rule.alpha == 0.5


def test_a_misspelled_rule_name_gets_the_closest_ones():
    with pytest.raises(ValueError, match=r"Got 'dwaa' instead\. Did you mean 'dwa'\?$"):
        check_weighting("dwaa")
    with pytest.raises(ValueError, match=r"Got 'xyz' instead\.$"):
        check_weighting("xyz")
