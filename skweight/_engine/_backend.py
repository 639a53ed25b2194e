"""Backend-specific fast paths: the input pipeline of fit, the forward of predict.

On small tabular data Keras' per-epoch and per-call overheads dominate:
``Model.fit`` on NumPy arrays builds a new ``tf.data`` iterator with an index
shuffle every epoch, and ``Model.predict`` costs tens of milliseconds per call
whatever the batch. With TensorFlow, skweight feeds ``fit`` a ``tf.data``
pipeline of its own and predicts through a compiled ``tf.function``; on the
other backends it uses Keras' own paths (jitted on JAX). The numbers produced
are the same either way; only the overhead differs.
"""

import keras
import numpy as np

# Below this many samples the whole rows are shuffled (cheapest per epoch);
# above it, indices are shuffled and rows gathered per batch (less copying).
_ROW_SHUFFLE_MAX_SAMPLES = 10_000
_PREDICT_CHUNK = 65_536


def is_tensorflow():
    return keras.backend.backend() == "tensorflow"


def make_tf_dataset(x, y, sample_weight, *, batch_size, shuffle, seed):
    """A ``tf.data`` pipeline yielding ``(x, y, sample_weight)`` batches.

    ``y`` and ``sample_weight`` are arrays, or lists with one array per output;
    ``sample_weight`` may be None.
    """
    import tensorflow as tf

    if isinstance(x, list):  # several inputs; a list would be stacked
        x = tuple(x)
    n = len(tf.nest.flatten(x)[0])
    if isinstance(y, list):
        y = tuple(y)
    if isinstance(sample_weight, list):
        sample_weight = tuple(sample_weight)
    parts = (x, y) if sample_weight is None else (x, y, sample_weight)
    if shuffle and seed is not None:
        constants = tf.nest.map_structure(tf.constant, parts)
        return (
            _epoch_orders(n, seed).batch(batch_size)
            .map(lambda idx: tf.nest.map_structure(lambda t: tf.gather(t, idx),
                                                   constants))
            .prefetch(2)
        )
    if not shuffle or n <= _ROW_SHUFFLE_MAX_SAMPLES:
        ds = tf.data.Dataset.from_tensor_slices(parts)
        if shuffle:
            ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size).prefetch(2)
    constants = tf.nest.map_structure(tf.constant, parts)
    ds = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True)
    return (
        ds.batch(batch_size)
        .map(lambda idx: tf.nest.map_structure(lambda t: tf.gather(t, idx), constants))
        .prefetch(2)
    )


class SeededBatches(keras.utils.PyDataset):
    """``(x, y, sample_weight)`` batches for Keras' ``fit`` on JAX and PyTorch,
    in an order drawn from ``(seed, epoch)`` alone.

    Keras' own shuffle there draws from process-wide generators, which other
    threads' fits and a network's first compilation also draw from: the same
    ``random_state`` gave other batches. ``y`` and ``sample_weight`` are arrays
    or lists (one per output); ``sample_weight`` may be None.
    """

    def __init__(self, x, y, sample_weight, *, batch_size, shuffle, seed,
                 first_epoch=0):
        super().__init__()
        self.parts = (x, y) if sample_weight is None else (x, y, sample_weight)
        self.n = len(keras.tree.flatten(x)[0])
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = first_epoch
        self._order()

    def _order(self):
        self.rows = (np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
                     if self.shuffle else np.arange(self.n))

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, index):
        rows = self.rows[index * self.batch_size:(index + 1) * self.batch_size]
        return keras.tree.map_structure(lambda a: a[rows], self.parts)

    def set_epoch(self, epoch):
        """Order the rows for ``epoch`` (Keras' count: a network's first fit
        reads a batch to build itself, which ``on_epoch_end`` counts too)."""
        if epoch != self.epoch:
            self.epoch = epoch
            self._order()

    def callback(self):
        """A callback that gives the batches Keras' epoch."""
        batches = self

        class _Epochs(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                batches.set_epoch(epoch)

        return _Epochs()


def _epoch_orders(n, seed):
    """Row indices in a new order at each iteration (each epoch of Keras'
    ``fit``), drawn from ``(seed, epoch)`` alone.

    ``Dataset.shuffle(seed=...)`` combines its seed with TensorFlow's global
    seed, which is one per process: a fit in another thread that seeds it
    between this fit's seeding and the pipeline's making changed this fit's
    batches. The orders here are stateless shuffles of ``(seed, epoch)``, as
    skweight's trainer draws them (``skweight/_engine/_trainer.py``), with the epoch
    counted by the pipeline itself.
    """
    import tensorflow as tf

    seed = seed % np.iinfo(np.int32).max
    epoch = tf.Variable(0, dtype=tf.int32, trainable=False)

    def order(_):
        e = epoch.assign_add(1) - 1
        return tf.random.experimental.stateless_shuffle(
            tf.range(n), seed=tf.stack([tf.constant(seed, tf.int32), e]))

    return tf.data.Dataset.range(1).map(order).unbatch()


def make_forward(model, input_shape):
    """A function ``x -> list of output arrays`` for inference.

    TensorFlow: a ``tf.function`` with a fixed input signature, traced once
    for all batch sizes. JAX: a jitted stateless call. PyTorch: a direct call
    under ``torch.no_grad``.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        fn = tf.function(
            _InferenceCall(model),
            input_signature=[tf.TensorSpec([None, *input_shape], tf.float32)],
        )
    elif backend == "jax":
        import jax

        jitted = jax.jit(
            lambda tv, ntv, x: model.stateless_call(tv, ntv, x, training=False)[0]
        )

        def fn(x):
            return jitted(
                [v.value for v in model.trainable_variables],
                [v.value for v in model.non_trainable_variables],
                x,
            )
    else:
        import torch

        def fn(x):
            with torch.no_grad():
                return model(x, training=False)

    def forward(x):
        x = np.asarray(x, dtype=np.float32)
        chunks = [
            as_list(fn(x[start : start + _PREDICT_CHUNK]))
            for start in range(0, max(len(x), 1), _PREDICT_CHUNK)
        ]
        return [
            np.concatenate([keras.ops.convert_to_numpy(c[k]) for c in chunks])
            for k in range(len(chunks[0]))
        ]

    return forward


class _InferenceCall:
    """``model(x, training=False)`` as an object, one per model.

    TensorFlow counts the traces of a ``tf.function`` per Python function, by
    its code when it has one: with a ``lambda`` here, the first trace of each
    newly fitted model counted as a retrace of the previous ones, and a loop
    of fits drew TensorFlow's "triggered tf.function retracing" warning. An
    object has no code, so each model's forward is counted on its own (weakly
    referenced: it goes with the estimator).
    """

    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        return self.model(x, training=False)


def as_list(outputs):
    if isinstance(outputs, dict):
        return list(outputs.values())
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [outputs]
