"""Many copies of the built-in network, trained as one Keras model.

A grid search over class weights and loss weights fits the same network
(candidates x folds) times on the same rows, differing only in per-sample
weights. Here the ``K`` copies live side by side in one model: every dense
layer holds a kernel of shape ``(K, in, out)`` applied with one einsum, every
output gets a target of shape ``(n_samples, K)`` with one sample-weight column
per copy, and a row outside a copy's training fold weighs 0 for that copy.

The optimised loss is the *sum* of the copies' losses, so that the gradient
with respect to copy ``k``'s weights is exactly the gradient of copy ``k``'s
own loss; with a per-parameter optimizer (Adam, SGD, RMSprop, ...) each copy
then follows the path of a separate fit. Gradient clipping by norm would couple
the copies through a shared norm, and is refused.
"""

import keras
import numpy as np
from keras import ops

from skweight._engine import _backend, _trainer

__all__ = ["StackedNetwork"]

# Keras' compiled train step runs this many batches per call at most.
_STEPS_PER_EXECUTION = 32
_PREDICT_CHUNK = 65_536

# Output kinds: the head's activation and the element-wise loss of each.
BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"


class _Standardize(keras.layers.Layer):
    """``(n, F) -> (K, n, F)``: each copy standardises with its own fold's moments.

    The arithmetic is that of ``keras.layers.Normalization`` with a given mean
    and variance, so a copy sees the inputs a separate fit would see.
    """

    def __init__(self, mean, variance, **kwargs):
        super().__init__(**kwargs)
        self.mean = self.add_weight(shape=mean.shape, initializer="zeros",
                                    trainable=False, name="mean")
        self.variance = self.add_weight(shape=variance.shape, initializer="zeros",
                                        trainable=False, name="variance")
        self.mean.assign(mean.astype("float32"))
        self.variance.assign(variance.astype("float32"))
        self.built = True

    def call(self, inputs):
        scale = ops.maximum(ops.sqrt(self.variance), keras.backend.epsilon())
        return ops.divide(ops.subtract(inputs[None], self.mean[:, None]),
                          scale[:, None])


class _StackedDense(keras.layers.Layer):
    """``K`` independent dense layers, ``(K, n, in) -> (K, n, out)``.

    Copies lead, so that the product is one batched matmul with no transposes.
    """

    def __init__(self, kernel, bias, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)
        self.kernel = self.add_weight(shape=kernel.shape, initializer="zeros",
                                      name="kernel")
        self.bias = self.add_weight(shape=bias.shape, initializer="zeros",
                                    name="bias")
        self.kernel.assign(kernel.astype("float32"))
        self.bias.assign(bias.astype("float32"))
        self.built = True

    def call(self, inputs):
        x = ops.matmul(inputs, self.kernel)
        return self.activation(ops.add(x, self.bias[:, None]))


class _SamplesFirst(keras.layers.Layer):
    """``(K, n, width) -> (n, K, width)``, then the head's activation.

    Keras' losses see the samples first. The activation comes last, so that a
    backend that reads the logits of a softmax or sigmoid output (TensorFlow)
    computes the cross-entropy as it does for a separate fit.
    """

    def __init__(self, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)

    def call(self, inputs):
        return self.activation(ops.transpose(inputs, (1, 0, 2)))


class _StackedLoss(keras.losses.Loss):
    """One output's loss summed over copies: ``sum_k sum_n w_nk * l_nk / batch``.

    ``y_true`` has shape (n, K, 2): the target of each copy, then its sample
    weight (class weight x sample weight x loss weight x batch rescaling, 0
    outside the copy's training fold). Keras' ``"sum_over_batch_size"``
    reduction divides the per-row sums by the batch size, as a separate fit's
    weighted loss does.
    """

    def __init__(self, kind, name="stacked_loss"):
        super().__init__(name=name, reduction="sum_over_batch_size")
        self.kind = kind

    def call(self, y_true, y_pred):
        target, weight = y_true[..., 0], y_true[..., 1]
        if self.kind == MULTICLASS:
            values = ops.sparse_categorical_crossentropy(
                ops.cast(target, "int32"), y_pred
            )
        elif self.kind == BINARY:
            values = ops.binary_crossentropy(target[..., None], y_pred)[..., 0]
        else:
            values = ops.square(ops.subtract(target, y_pred[..., 0]))
        return ops.sum(ops.multiply(weight, values), axis=1)


class _StackedModel(keras.Model):
    """The stacked network's Keras model, which describes itself to skweight's
    compiled training loop (skweight/_engine/_trainer.py): a second search of the same
    shape trains on a twin already traced."""

    def graph_loop_key(self):
        spec = self._stacked_spec
        try:
            optimizer = keras.optimizers.serialize(self.optimizer)
        except (TypeError, ValueError):
            return None
        return _trainer.config_text({**spec, "n_copies": int(spec["n_copies"])},
                                    {"optimizer": optimizer})

    def graph_loop_twin(self):
        spec = self._stacked_spec
        zeros = np.zeros((spec["n_copies"], spec["n_features"]))
        twin = StackedNetwork(
            zeros, zeros, hidden_layer_sizes=tuple(spec["hidden_layer_sizes"]),
            activation=spec["activation"], dropout=spec["dropout"],
            heads=[tuple(h) for h in spec["heads"]], seed=spec["seed"],
        )
        twin.compile(keras.optimizers.deserialize(
            keras.optimizers.serialize(self.optimizer)), spec["steps"])
        return twin.model


@keras.saving.register_keras_serializable(package="skweight")
class _FusedAdam(keras.optimizers.Adam):
    """Keras' Adam whose per-variable update is TensorFlow's fused kernel.

    Keras writes Adam's update as about ten element-wise operations per
    variable, each a pass over the variable's memory; TensorFlow's
    ``ResourceApplyAdam`` computes the same formula (the bias-corrected step
    ``lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)``, ``m += (g - m)(1 - beta_1)``,
    ``v += (g^2 - v)(1 - beta_2)``, ``w -= step * m / (sqrt(v) + epsilon)``) in
    one pass. On the stacked copies' weights (300,000 for 60 copies of the
    default network on the penguins) that is most of the optimizer's time: see
    docs/speed.md. Weight decay, clipping, EMA and gradient accumulation stay
    Keras' (they happen outside ``update_step``). Made by :func:`_fused`
    only, which keeps Keras' own Adam for AMSGrad and the other backends.
    """

    def update_step(self, gradient, variable, learning_rate):
        import tensorflow as tf

        dtype = variable.dtype
        step = ops.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=ops.power(ops.cast(self.beta_1, dtype), step),
            beta2_power=ops.power(ops.cast(self.beta_2, dtype), step),
            lr=ops.cast(learning_rate, dtype),
            beta1=ops.cast(self.beta_1, dtype),
            beta2=ops.cast(self.beta_2, dtype),
            epsilon=ops.cast(self.epsilon, dtype),
            grad=ops.cast(gradient, dtype),
        )


def _fused(optimizer):
    """A fresh Keras ``Adam`` as :class:`_FusedAdam` (TensorFlow); any other
    optimizer as it is."""
    if (type(optimizer) is keras.optimizers.Adam and not optimizer.amsgrad
            and not optimizer.built and keras.backend.backend() == "tensorflow"):
        return _FusedAdam.from_config(optimizer.get_config())
    return optimizer


def _glorot_uniform(rng, n_copies, fan_in, fan_out, same):
    """Keras' default kernel initialiser, drawn per copy (or once for all)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    draws = 1 if same else n_copies
    kernel = rng.uniform(-limit, limit, size=(draws, fan_in, fan_out))
    return np.broadcast_to(kernel, (n_copies, fan_in, fan_out))


class StackedNetwork:
    """``K`` copies of the built-in network (shared-trunk MLP, one head per output).

    Parameters
    ----------
    mean, variance : ndarray of shape (K, n_features)
        Each copy's input standardisation (its training fold's moments).
    hidden_layer_sizes : tuple of int
    activation : str
    dropout : float
    heads : list of (kind, width, name)
        One per output: ``kind`` is ``"binary"`` (1 sigmoid unit),
        ``"multiclass"`` (softmax over ``width`` classes) or ``"regression"``
        (1 linear unit).
    seed : int or None
        Seed of the initial weights (and of dropout).
    same_init : bool
        Start every copy from the same initial weights, as separate fits with
        one fixed ``random_state`` do.
    """

    def __init__(self, mean, variance, *, hidden_layer_sizes, activation, dropout,
                 heads, seed=None, same_init=False):
        self.n_copies = len(mean)
        self.heads = list(heads)
        self.layer_names = [f"trunk_{i}" for i in range(len(hidden_layer_sizes))]
        self.layer_names += [name for _, _, name in self.heads]
        rng = np.random.default_rng(seed)
        k, n_features = mean.shape
        inputs = keras.Input(shape=(n_features,), name="features")
        h = _Standardize(mean, variance, name="standardize")(inputs)
        fan_in = n_features
        for i, units in enumerate(hidden_layer_sizes):
            h = _StackedDense(
                _glorot_uniform(rng, k, fan_in, units, same_init),
                np.zeros((k, units)), activation, name=f"trunk_{i}",
            )(h)
            if dropout:
                h = keras.layers.Dropout(dropout, seed=seed, name=f"dropout_{i}")(h)
            fan_in = units
        outputs = []
        for kind, width, name in self.heads:
            act = {BINARY: "sigmoid", MULTICLASS: "softmax", REGRESSION: None}[kind]
            head = _StackedDense(
                _glorot_uniform(rng, k, fan_in, width, same_init),
                np.zeros((k, width)), None, name=name,
            )(h)
            outputs.append(_SamplesFirst(act, name=f"{name}_output")(head))
        self.model = _StackedModel(inputs, outputs, name="stacked_network")
        self.model._stacked_spec = {
            "n_features": int(n_features), "n_copies": int(k),
            "hidden_layer_sizes": [int(u) for u in hidden_layer_sizes],
            "activation": activation, "dropout": float(dropout),
            "heads": [[kind, int(width), name] for kind, width, name in self.heads],
            # Dropout's seed is a constant of the traced step.
            "seed": None if not dropout or seed is None else int(seed),
        }

    def compile(self, optimizer, steps):
        """Compile the copies' summed losses (``steps`` per epoch)."""
        kwargs = {}
        if keras.backend.backend() != "torch":
            kwargs["steps_per_execution"] = max(1, min(_STEPS_PER_EXECUTION, steps))
        self.model._stacked_spec["steps"] = steps
        self.model.compile(
            optimizer=_fused(optimizer),
            loss=[_StackedLoss(kind, name=f"{name}_loss")
                  for kind, _, name in self.heads],
            **kwargs,
        )

    def fit(self, X, targets, weights, *, optimizer, epochs, batch_size, shuffle,
            seed=None):
        """Train all copies at once.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features), float32
        targets : list of ndarray of shape (n_samples, K)
            Per output: class codes, or each copy's standardised target.
        weights : list of ndarray of shape (n_samples, K)
            Per output: each copy's sample weights (0 outside its fold).
        optimizer : keras.optimizers.Optimizer
        epochs, batch_size : int
        shuffle : bool
        seed : int or None
            Seed of the shuffle.

        Returns
        -------
        dict
            Keras' history (the summed loss).
        """
        ys = [np.stack([t, w], axis=-1).astype("float32")
              for t, w in zip(targets, weights, strict=True)]
        steps = -(-len(X) // batch_size)
        self.compile(optimizer, steps)
        fit_args = {"epochs": epochs, "batch_size": batch_size, "shuffle": shuffle}
        if _trainer.unsupported(self.model, callbacks=[], fit_args=fit_args,
                                run_eagerly=False) is None:
            # All epochs in one traced call, cached per shape (TensorFlow).
            return _trainer.fit(
                self.model, np.asarray(X, dtype="float32"),
                ys if len(ys) > 1 else ys[0], None, epochs=epochs,
                initial_epoch=0, batch_size=batch_size, shuffle=shuffle,
                seed=seed, callbacks=[],
            )
        if keras.backend.backend() == "tensorflow":
            history = self.model.fit(
                # skweight's pipeline: seeded per fit, as the loop's shuffle.
                _backend.make_tf_dataset(X, ys, None, batch_size=batch_size,
                                         shuffle=shuffle, seed=seed),
                epochs=epochs,
                shuffle=False, verbose=0,  # the pipeline shuffles
            )
            return history.history
        # JAX, PyTorch: Keras' fit on a twin cached per shape (no new
        # compilation), batches in an order drawn from the seed alone.
        X = np.asarray(X, dtype="float32")
        y = ys if len(ys) > 1 else ys[0]
        if seed is None:
            seed = int(np.random.randint(np.iinfo(np.int32).max))
        batches = _backend.SeededBatches(X, y, None, batch_size=batch_size,
                                         shuffle=shuffle, seed=seed)
        return _trainer.keras_fit(self.model, batches, key_data=(X, y, None),
                                  callbacks=[batches.callback()], epochs=epochs,
                                  verbose=0)

    def forward(self, X):
        """Outputs of every copy: a list with one (n_samples, K, width) array."""
        X = np.asarray(X, dtype="float32")
        chunks = []
        for start in range(0, max(len(X), 1), _PREDICT_CHUNK):
            out = self.model(X[start:start + _PREDICT_CHUNK], training=False)
            if not isinstance(out, (list, tuple)):  # a one-output model
                out = [out]
            chunks.append([keras.ops.convert_to_numpy(o) for o in out])
        return [np.concatenate([c[j] for c in chunks]) for j in range(len(self.heads))]

    def finite_copies(self):
        """Whether every weight of each copy is finite, shape (K,)."""
        ok = np.ones(self.n_copies, dtype=bool)
        for name in self.layer_names:
            for v in self.model.get_layer(name).get_weights():
                ok &= np.isfinite(v.reshape(self.n_copies, -1)).all(axis=1)
        return ok

    def copy_weights(self, k):
        """Copy ``k``'s dense weights, ``{layer name: [kernel, bias]}``.

        The layer names are those of the built-in network
        (:func:`skweight._engine._network.build_default_network`), so that
        ``model.get_layer(name).set_weights(...)`` installs them there.
        """
        return {
            name: [v[k] for v in self.model.get_layer(name).get_weights()]
            for name in self.layer_names
        }

    def set_copy_weights(self, k, weights):
        """Install ``{layer name: [kernel, bias]}`` as copy ``k``'s weights."""
        for name, values in weights.items():
            layer = self.model.get_layer(name)
            current = layer.get_weights()
            for v, new in zip(current, values, strict=True):
                v[k] = new
            layer.set_weights(current)
