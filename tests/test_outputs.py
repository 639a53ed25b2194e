"""The kinds of output and the packed layout (skweight._targets._outputs)."""

import keras
import numpy as np
import pytest

from skweight._targets._multilabel import PackedBinaryCrossentropy
from skweight._targets._outputs import (
    ClassificationOutput,
    OutputSet,
    RegressionOutput,
    classification_target_type,
    loss_target,
)


def _model(widths):
    inputs = keras.Input(shape=(2,))
    return keras.Model(inputs, [keras.layers.Dense(w)(inputs) for w in widths])


def _labels(n_outputs):
    col = np.array([0, 1, 1, 0])
    return [ClassificationOutput.encode(col, f"l{k}", f"l{k}")[0]
            for k in range(n_outputs)]


def test_classification_output_round_trip():
    out, lab = ClassificationOutput.encode(np.array(["b", "a", "b"]), "y", "y")
    assert out.classes.tolist() == ["a", "b"] and lab.codes.tolist() == [1, 0, 1]
    assert out.keras_target(lab.codes, 1).shape == (3, 1)
    assert out.keras_target(lab.codes, 2).dtype == np.int32
    # Categorical cross-entropy takes one-hot targets (scikeras' rule).
    out.fit_loss(loss_target("categorical_crossentropy"), "categorical_crossentropy")
    np.testing.assert_array_equal(out.keras_target(lab.codes, 2),
                                  [[0, 1], [1, 0], [0, 1]])
    assert out.head() == (2, "softmax")
    assert out.decode(np.array([[0.9], [0.2]])).tolist() == ["b", "a"]
    assert out.proba(np.array([0.25])).tolist() == [[0.75, 0.25]]
    with pytest.raises(ValueError, match=r"must have 2 units \(a softmax over 2 "
                       r"classes\) for its loss, which needs one-hot targets"):
        out.check_width(3, "head")
    fresh = ClassificationOutput.encode(np.array(["b", "a"]), "y", "y")[0]
    with pytest.raises(ValueError, match=r"must have 2 units .* or 1 unit"):
        fresh.check_width(3, "head")


def test_regression_output_standardises_and_maps_back():
    out, codes = RegressionOutput.encode(np.array([1.0, 3.0]), "p", "p")
    np.testing.assert_allclose(codes, [-1.0, 1.0])
    np.testing.assert_allclose(out.decode(codes), [1.0, 3.0])
    assert out.proba(codes) is None
    with pytest.raises(ValueError, match=r"must have 1 unit \(regression\)"):
        out.check_width(2, "head")
    with pytest.raises(ValueError, match="needs numbers"):
        RegressionOutput.encode(np.array(["a"]), "p", "p")


def test_packed_layout_is_decided_once_by_bind():
    outputs = OutputSet(_labels(3), "multilabel-indicator")
    assert outputs.bind(_model([3])).packed
    loss, lw, metrics = outputs.compile_losses(_model([3]), None, [1.0, 2.0, 1.0])
    assert isinstance(loss, PackedBinaryCrossentropy) and lw is None
    assert len(metrics) == 1
    raw = [np.arange(6.0).reshape(2, 3)]
    assert [r.tolist() for r in outputs.split(raw)] == [[0, 3], [1, 4], [2, 5]]
    assert not outputs.bind(_model([1, 1, 1])).packed


def test_losses_default_per_output_and_user_overrides():
    outputs = OutputSet(_labels(2), "multiclass-multioutput")
    model = _model([1, 2])
    outputs.bind(model)
    losses, _, _ = outputs.compile_losses(model, {"l1": "mse"}, None)
    assert isinstance(losses[0], keras.losses.BinaryCrossentropy)
    assert losses[1] == "mse"
    with pytest.raises(ValueError, match=r"one output per y column \(2"):
        outputs.bind(_model([1]))


def test_classification_target_type_as_type_of_target():
    assert classification_target_type(_labels(1)) == "binary"
    assert classification_target_type(_labels(3)) == "multilabel-indicator"
    three = ClassificationOutput.encode(np.array([0, 1, 2]), "c", "c")[0]
    assert classification_target_type([three]) == "multiclass"
    assert classification_target_type([three, three]) == "multiclass-multioutput"
