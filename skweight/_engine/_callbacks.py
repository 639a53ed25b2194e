"""Keras callbacks that the estimators add to every fit."""

import math

import keras

from skweight.exceptions import NonFiniteLossError

__all__ = ["StopOnNonFiniteLoss"]

_ADVICE = (
    "Try a lower learning rate (optimizer__learning_rate), gradient clipping "
    "(optimizer__clipnorm=1.0), smaller class or sample weights, and check X "
    "for extreme values (the built-in network standardises each feature, a "
    "user model may not)."
)


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise :class:`~skweight.exceptions.NonFiniteLossError` on a NaN loss.

    Keras' ``TerminateOnNaN`` stops quietly and leaves a NaN network behind;
    this callback raises, so that the estimator keeps its previous state, and
    says which output diverged. It looks at the logged losses after every
    logged batch and every epoch.

    Parameters
    ----------
    output_names : list of str
        The estimator's output names, in the model's output order.
    """

    def graph_loop_syncs(self):
        """The variables it reads or writes between epochs: none."""
        return []

    def __init__(self, output_names):
        super().__init__()
        self.output_names = list(output_names)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, f"batch {batch} of epoch {self._epoch}")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, f"the end of epoch {epoch}")

    def _output_of(self, key):
        """The estimator's output name for a log key such as ``sex_loss``."""
        layers = list(getattr(self.model, "output_names", None) or [])
        base = key.removeprefix("val_").removesuffix("_loss")
        if base in layers and len(layers) == len(self.output_names):
            return self.output_names[layers.index(base)]
        return None

    def _check(self, logs, when):
        bad = {}
        for key, value in (logs or {}).items():
            if key.endswith("loss"):
                value = float(keras.ops.convert_to_numpy(value))
                if not math.isfinite(value):
                    bad[key] = value
        if not bad:
            return
        # Name an output's loss rather than the total when one is at fault.
        per_output = [k for k in bad if self._output_of(k) is not None]
        key = per_output[0] if per_output else next(iter(bad))
        output = self._output_of(key)
        what = f"the loss of output {output!r} ({key!r})" if output else repr(key)
        raise NonFiniteLossError(
            f"Training diverged: {what} became {bad[key]} at {when}. The "
            f"estimator was not updated. {_ADVICE}",
            output=output, key=key, epoch=self._epoch,
        )
