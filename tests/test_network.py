"""The built-in network (skweight._engine._network)."""

import random

import numpy as np
import pytest

from skweight._engine._network import PACKED_OUTPUT_NAME, build_default_network

META = {"n_features_in_": 3, "feature_mean_": [0.0] * 3, "feature_var_": [1.0] * 3,
        "n_classes_": [3, 2], "n_outputs_": 2, "output_layer_names_": ["a", "b"]}


def test_one_head_per_output():
    model = build_default_network(META, hidden_layer_sizes=(4,))
    assert [out.shape[-1] for out in model.outputs] == [3, 1]
    assert model.output_names == ["a", "b"]
    assert not model.compiled


def test_packed_and_regression_heads():
    packed = build_default_network({**META, "n_classes_": [2, 2],
                                    "target_type_": "multilabel-indicator"})
    assert len(packed.outputs) == 1 and packed.outputs[0].shape[-1] == 2
    assert packed.output_names == [PACKED_OUTPUT_NAME]
    mixed = build_default_network({**META, "n_classes_": [3, None],
                                   "output_types_": ["classification",
                                                     "regression"]})
    assert mixed.layers[-1].activation.__name__ == "linear"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
     ({"dropout": 1.0}, "dropout"), ({"label_layout": "flat"}, "label_layout")],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_default_network(META, **kwargs)


def test_random_state_alone_fixes_the_network():
    # Keras seeds unseeded initializers from Python's process-wide random
    # module, which other threads (a Dask worker's heartbeats) also draw from.
    first = build_default_network(META, hidden_layer_sizes=(4,),
                                  params={"random_state": 0})
    random.random()
    again = build_default_network(META, hidden_layer_sizes=(4,),
                                  params={"random_state": 0})
    other = build_default_network(META, hidden_layer_sizes=(4,),
                                  params={"random_state": 1})
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.get_weights()[2], other.get_weights()[2])
