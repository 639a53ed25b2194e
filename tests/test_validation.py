"""The parameter tables and the one per-output resolver (skweight._validation)."""

import inspect

import numpy as np
import pytest

from skweight import EffectiveNumber, InverseFrequency
from skweight._validation import (
    CheckedParams,
    check_parameter,
    per_output,
    resolve_loss_weights,
    seed_from_random_state,
)

NAMES = ["species", "sex"]


def test_per_output_forms():
    assert per_output(None, NAMES, param="p", default=1.0) == [1.0, 1.0]
    assert per_output("x", NAMES, param="p") == ["x", "x"]
    assert per_output(["a", None], NAMES, param="p") == ["a", None]
    assert per_output({"sex": 2}, NAMES, param="p", default=1) == [1, 2]
    # Keras layer names are accepted as aliases of the output names.
    assert per_output({"sex_1": 3}, NAMES, param="p",
                      aliases=["species_0", "sex_1"]) == [None, 3]


@pytest.mark.parametrize(
    ("value", "exc", "match"),
    [
        (["a"], ValueError, r"number of elements in p should match number of "
                            r"outputs\. Got 1 element\(s\) while having 2"),
        ({"island": 1}, ValueError, r"p as a dict maps output names to entries; "
                                    r"the output names are \['species', 'sex'\]\. "
                                    r"Got unknown output name\(s\) \['island'\]"),
    ],
)
def test_per_output_refuses_with_one_wording(value, exc, match):
    with pytest.raises(exc, match=match):
        per_output(value, NAMES, param="p")


def test_loss_weights():
    assert resolve_loss_weights({"sex": 0.5}, NAMES) == [1.0, 0.5]
    assert resolve_loss_weights(None, NAMES) is None
    with pytest.raises(ValueError, match=r"at least one output"):
        resolve_loss_weights([0, 0], NAMES)


@pytest.mark.parametrize(
    ("name", "value", "exc"),
    [("epochs", 0, ValueError), ("epochs", 2.0, TypeError),
     ("batch_size", 0, ValueError), ("validation_split", 1.0, ValueError),
     ("random_state", "abc", TypeError), ("random_state", 1.5, TypeError),
     ("random_state", -1, ValueError), ("loss", 3, TypeError),
     ("missing_labels", "drop", ValueError), ("missing_labels", None, ValueError),
     ("output_types", 3, TypeError), ("model__hidden_layer_sizes", [0], ValueError),
     ("model__dropout", 1.0, ValueError), ("model__label_layout", "flat", ValueError)],
)
def test_parameter_table_refuses(name, value, exc):
    with pytest.raises(exc, match=name):
        check_parameter(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("epochs", 1), ("batch_size", -1), ("batch_size", None),
     ("random_state", None), ("random_state", 0),
     ("random_state", np.random.RandomState(0)),
     ("random_state", np.random.default_rng(0)), ("loss", ["mse", None]),
     ("loss", {"a": "mse"}), ("missing_labels", "mask"), ("output_types", None),
     ("output_types", {"a": "regression"}), ("model__hidden_layer_sizes", (8, 4)),
     ("model__dropout", 0.5), ("model__label_layout", "heads")],
)
def test_parameter_table_accepts(name, value):
    check_parameter(name, value)


@pytest.mark.parametrize("make", [np.random.RandomState, np.random.default_rng])
def test_seed_from_a_generator_leaves_it_alone(make):
    rng = make(0)
    before = make(0)
    seed = seed_from_random_state(rng)
    assert seed == seed_from_random_state(rng) == seed_from_random_state(make(0))
    draw = rng.random() if hasattr(rng, "random") else rng.random_sample()
    expected = before.random() if hasattr(before, "random") else before.random_sample()
    assert draw == expected


def _classes_with_parameter_tables():
    from skweight.calibration import CalibratedMultiOutputClassifier
    from skweight.ensemble import SeedEnsembleClassifier
    from skweight.model_selection import (
        MultiOutputTunedThresholdClassifierCV,
        WeightGridSearchCV,
    )
    from skweight.weighting import DWA, GradNorm

    return [InverseFrequency, EffectiveNumber, DWA, GradNorm,
            CalibratedMultiOutputClassifier, MultiOutputTunedThresholdClassifierCV,
            SeedEnsembleClassifier, WeightGridSearchCV]


@pytest.mark.parametrize("cls", _classes_with_parameter_tables(),
                         ids=lambda c: c.__name__)
def test_every_parameter_has_one_checker(cls):
    """One table per class, naming exactly its parameters, run by the one
    _validate_params."""
    assert issubclass(cls, CheckedParams)
    assert cls._validate_params is CheckedParams._validate_params
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert set(cls._parameter_checks) == params


def test_scikit_learn_parameters_keep_scikit_learn_checks():
    from skweight import WeightedMultiOutputClassifier
    from skweight.model_selection import WeightGridSearchCV

    search = WeightGridSearchCV(WeightedMultiOutputClassifier(), {}, n_jobs="two")
    with pytest.raises(ValueError, match=r"The 'n_jobs' parameter of "
                       r"WeightGridSearchCV must be .* Got 'two' instead"):
        search._validate_params()
    with pytest.raises(ValueError, match=r"power must be a finite number in "
                       r"\[0, inf\]\. Got -1 instead"):
        InverseFrequency(power=-1)._validate_params()
