"""The backend fast paths (skweight._engine._backend)."""

import keras
import numpy as np
import pytest

from skweight._engine import _backend


def _model():
    inputs = keras.Input(shape=(3,))
    return keras.Model(inputs, [keras.layers.Dense(2, activation="softmax")(inputs),
                                keras.layers.Dense(1)(inputs)])


def test_forward_matches_the_model_call():
    model = _model()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    out = _backend.make_forward(model, (3,))(x)
    expected = [keras.ops.convert_to_numpy(o) for o in model(x)]
    assert len(out) == 2
    for a, b in zip(out, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not _backend.is_tensorflow(), reason="tf.data pipeline")
def test_dataset_batches_every_row_once():
    x = np.arange(10, dtype="float32").reshape(5, 2)
    y = [np.arange(5), np.arange(5) * 2]
    ds = _backend.make_tf_dataset(x, y, None, batch_size=2, shuffle=True, seed=0)
    rows = np.concatenate([b[0].numpy() for b in ds])
    assert sorted(rows[:, 0].tolist()) == x[:, 0].tolist()
    assert [len(b[0]) for b in ds] == [2, 2, 1]
