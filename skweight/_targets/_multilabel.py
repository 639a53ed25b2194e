"""The packed multilabel layout: one sigmoid layer for all labels.

With L labels, one ``Dense(L, sigmoid)`` output is far cheaper to train than L
one-unit heads (one matrix product and one loss instead of L of each). It
optimises the same loss: Keras gives each head's loss as
``mean_n(w_nk * bce_nk)`` and the total as ``sum_k lambda_k * loss_k``;
:class:`PackedBinaryCrossentropy` computes exactly that sum from an (n, L)
output, with the per-label sample weights handed to Keras as an (n, L)
``sample_weight``. :class:`PerLabelLoss` logs each label's loss under the same
``"<label>_loss"`` key a separate head would have.

Backend-neutral: only ``keras.ops``.
"""

import math

import keras
from keras import ops

__all__ = [
    "LOG_KEY",
    "PackedBinaryCrossentropy",
    "PackedLogitAdjustedCrossentropy",
    "PerLabelLoss",
    "expand_label_losses",
]

# The Keras log key of the per-label loss vector.
LOG_KEY = "label_losses"


@keras.saving.register_keras_serializable(package="skweight")
class PackedBinaryCrossentropy(keras.losses.Loss):
    """``sum_k loss_weights[k] * mean_n(w_nk * bce_nk)`` over an (n, L) output.

    Keras multiplies the elementwise values returned by :meth:`call` by the
    (n, L) ``sample_weight`` and divides their sum by ``n * L``; the factor
    ``L`` folded into :meth:`call` turns that into a sum over labels of
    per-label means over samples, as L separate heads give.

    Parameters
    ----------
    loss_weights : list of float
        One weight per label (the estimator's ``loss_weights``; all 1 when it
        has none).
    """

    def __init__(self, loss_weights, name="packed_binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss_weights = [float(v) for v in loss_weights]

    def call(self, y_true, y_pred):
        n_labels = len(self.loss_weights)
        scale = ops.convert_to_tensor(self.loss_weights, dtype=y_pred.dtype)
        # y_pred is passed whole: on TensorFlow the sigmoid's logits ride on it
        # and Keras computes the cross-entropy from them, as for a single head.
        bce = ops.binary_crossentropy(ops.cast(y_true, y_pred.dtype), y_pred)
        return bce * (scale * n_labels)

    def get_config(self):
        return {**super().get_config(), "loss_weights": self.loss_weights}


@keras.saving.register_keras_serializable(package="skweight")
class PackedLogitAdjustedCrossentropy(PackedBinaryCrossentropy):
    """The logit-adjusted loss of every label of an (n, L) sigmoid output.

    Label ``k``'s logit is shifted by ``tau * log(prior_k[1] / prior_k[0])``
    before the binary cross-entropy, as
    :class:`~skweight.losses.LogitAdjustedCrossentropy` does for one sigmoid
    head; the per-label terms are weighted and summed as in
    :class:`PackedBinaryCrossentropy`. The logits are recovered from the
    probabilities, clipped as Keras clips its own cross-entropy.

    Parameters
    ----------
    priors : list of (float, float)
        Each label's class frequencies ``(p(0), p(1))`` in the training data.
    tau : float
        Strength of the adjustment, >= 0.
    loss_weights : list of float
        One weight per label.
    """

    def __init__(self, priors, tau, loss_weights,
                 name="packed_logit_adjusted_crossentropy", **kwargs):
        super().__init__(loss_weights, name=name, **kwargs)
        self.priors = [[float(v) for v in prior] for prior in priors]
        self.tau = float(tau)

    @property
    def logit_shift(self):
        """``tau * log(prior[1] / prior[0])`` per label."""
        return [self.tau * (math.log(p1) - math.log(p0)) for p0, p1 in self.priors]

    def call(self, y_true, y_pred):
        n_labels = len(self.loss_weights)
        scale = ops.convert_to_tensor(self.loss_weights, dtype=y_pred.dtype)
        shift = ops.convert_to_tensor(self.logit_shift, dtype=y_pred.dtype)
        logits = adjusted_logits(y_pred, shift)
        bce = ops.binary_crossentropy(ops.cast(y_true, y_pred.dtype), logits,
                                      from_logits=True)
        return bce * (scale * n_labels)

    def get_config(self):
        return {**super().get_config(), "priors": self.priors, "tau": self.tau}


def adjusted_logits(y_pred, shift):
    """The logits of sigmoid probabilities ``y_pred``, plus ``shift``."""
    eps = keras.config.epsilon()
    p = ops.clip(y_pred, eps, 1.0 - eps)
    return ops.log(p) - ops.log(1.0 - p) + shift


@keras.saving.register_keras_serializable(package="skweight")
class PerLabelLoss(keras.metrics.Metric):
    """Each label's loss ``mean_n(w_nk * bce_nk)``, as one (L,) vector.

    The epoch value is the sample-count-weighted mean of the batch values, as
    Keras logs a separate head's loss; like Keras, it excludes the loss weight.
    Keras logs it as one vector under :data:`LOG_KEY` (a dict of L scalars
    would make TensorFlow's compiled train step slow to build with hundreds of
    labels); :func:`expand_label_losses` turns it into ``"<label>_loss"``
    entries.

    Parameters
    ----------
    label_names : list of str
        One name per label (the Keras output names the heads layout would use).
    logit_shift : list of float or None, default=None
        Per label, the shift of a logit-adjusted loss
        (:class:`PackedLogitAdjustedCrossentropy`), so that the logged loss is
        the one trained, as a logit-adjusted head logs it.
    """

    def __init__(self, label_names, name=None, logit_shift=None, **kwargs):
        name = LOG_KEY if name is None else name
        super().__init__(name=name, **kwargs)
        self.label_names = list(label_names)
        self.logit_shift = (None if logit_shift is None
                            else [float(v) for v in logit_shift])
        n = len(self.label_names)
        self.totals = self.add_variable(shape=(n,), initializer="zeros", name="totals")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.cast(y_true, self.dtype)
        if self.logit_shift is None:
            bce = ops.binary_crossentropy(y_true, y_pred)
        else:
            shift = ops.convert_to_tensor(self.logit_shift, dtype=self.dtype)
            bce = ops.binary_crossentropy(
                y_true, adjusted_logits(y_pred, shift), from_logits=True)
        if sample_weight is not None:
            bce = bce * ops.cast(sample_weight, self.dtype)
        self.totals.assign_add(ops.sum(bce, axis=0))
        self.count.assign_add(ops.cast(ops.shape(bce)[0], self.dtype))

    def result(self):
        return ops.divide_no_nan(self.totals, self.count)

    def get_config(self):
        return {**super().get_config(), "label_names": self.label_names,
                "logit_shift": self.logit_shift}


def expand_label_losses(logs, label_names):
    """Replace the vector logs of :class:`PerLabelLoss` by one entry per label.

    ``logs`` maps keys to per-epoch lists; ``"label_losses"`` and
    ``"val_label_losses"`` (lists of (L,) vectors) become ``"<label>_loss"`` and
    ``"val_<label>_loss"`` lists of floats, the keys separate heads would log.
    """
    out = {}
    for key, values in logs.items():
        if key in (LOG_KEY, f"val_{LOG_KEY}"):
            prefix = key[: -len(LOG_KEY)]
            matrix = [list(map(float, ops.convert_to_numpy(v))) for v in values]
            for k, name in enumerate(label_names):
                out[f"{prefix}{name}_loss"] = [row[k] for row in matrix]
        else:
            out[key] = values
    return out
