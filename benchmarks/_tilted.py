"""Tilted cross-entropy, the learned per-sample weighting the quality study
measured and skweight does not ship (it did not help: docs/quality.md).

Tilted empirical risk minimisation (Li, Beirami, Sanjabi and Smith, ICLR
2021): within each batch, sample ``i``'s cross-entropy ``l_i`` is multiplied
by ``w_i = exp(t * l_i) / mean_j exp(t * l_j)``, held constant, so that the
gradient is that of the tilted risk ``(1 / t) log mean_j exp(t * l_j)``: a
distributionally robust rule that leans on the samples the network gets most
wrong, without the collapse to zero of sample weights trained by plain
gradient descent (they average 1 in every batch). ``t = 0`` is the plain
cross-entropy. Class and sample weights multiply it as Keras applies them.
"""

import keras
from keras import ops

from skweight.losses import _binary_terms, _sparse_ce


def tilt_weights(loss, tilt):
    """``exp(t * l_i) / mean_j exp(t * l_j)`` over the batch, as constants
    (from ``t * l - max(t * l)``, so that nothing overflows)."""
    z = ops.stop_gradient(loss) * tilt
    e = ops.exp(z - ops.max(z))
    return ops.stop_gradient(e / ops.mean(e))


@keras.saving.register_keras_serializable(package="skweight_benchmarks")
class TiltedCrossentropy(keras.losses.Loss):
    """Tilted cross-entropy: a softmax output (``k`` units, class codes) or a
    sigmoid one (1 unit, 0/1 targets)."""

    def __init__(self, tilt=1.0, from_logits=False,
                 reduction="sum_over_batch_size", name="tilted_crossentropy",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.tilt = float(tilt)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        if y_pred.shape[-1] == 1:
            y_true, pos, neg = _binary_terms(y_true, y_pred, self.from_logits)
            ce = ops.mean(y_true * pos + (1.0 - y_true) * neg, axis=-1)
        else:
            ce, _ = _sparse_ce(y_true, y_pred, self.from_logits)
        return ce if self.tilt == 0.0 else ce * tilt_weights(ce, self.tilt)

    def get_config(self):
        return {**super().get_config(), "tilt": self.tilt,
                "from_logits": self.from_logits}
