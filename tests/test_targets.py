"""Target columns, label codes and layer names (skweight._targets._columns)."""

import numpy as np
import pandas as pd
import pytest

from skweight._targets._columns import (
    encode_labels,
    layer_names,
    resolve_output,
    split_target_columns,
)


def test_split_keeps_each_column_dtype_and_names():
    y = pd.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "x"]})
    t = split_target_columns(y)
    assert t.names == ["a", "b"] and t.ndim == 2 and t.n_samples == 3
    assert t.columns[0].dtype.kind == "i" and t.columns[1].dtype.kind == "O"
    t1 = split_target_columns(np.array([0, 1, 1]))
    assert t1.names == ["output_0"] and t1.ndim == 1


@pytest.mark.parametrize(
    "column",
    [np.array([3, 1, 3, 2]), np.array(["b", "a", "b", "c"]),
     np.array(["b", "a", "b", "c"], dtype=object), np.array([True, False, True]),
     np.array([1.0, 0.0, 1.0])],
)
def test_encode_labels_agrees_with_np_unique(column):
    lab = encode_labels(column)
    classes, inverse, counts = np.unique(column, return_inverse=True,
                                         return_counts=True)
    assert lab.classes.tolist() == classes.tolist()
    assert lab.codes.tolist() == inverse.ravel().tolist()
    assert lab.counts.tolist() == counts.tolist()
    weights = np.arange(len(classes)) + 1.0
    np.testing.assert_array_equal(lab.take(weights), weights[inverse.ravel()])


def test_layer_names_are_valid_and_unique():
    assert layer_names(["a b", "a_b", "1x", ""]) == ["a_b", "a_b_1", "output_1x",
                                                     "output_3"]


def test_resolve_output():
    assert resolve_output("b", ["a", "b"]) == 1
    assert resolve_output(-1, ["a", "b"]) == 1
    with pytest.raises(ValueError, match=r"Got 'c' instead"):
        resolve_output("c", ["a", "b"])
