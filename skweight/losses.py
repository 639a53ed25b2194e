"""Class-weighted and logit-adjusted Keras losses.

Class weights can reach a Keras model in two ways that give the same loss:

- as per-sample weights (what :class:`~skweight.WeightedMultiOutputClassifier`
  does with ``class_weight``): Keras multiplies each sample's loss by
  ``w[y_i]`` and divides the sum by the batch size;
- inside the loss (this module): the loss multiplies each sample's
  cross-entropy by ``w[y_i]`` itself, so the weights are part of the compiled
  model and save and load with it, and they work in any Keras training loop,
  with or without a scikit-learn wrapper.

With the default reduction (``"sum_over_batch_size"``) both give the same
number. A caller's ``sample_weight`` (a per-row importance, for instance) still
multiplies the weighted loss.

The losses take integer class codes ``0 .. n_classes - 1`` as targets (for a
binary output, 0/1), in the order of the estimator's ``classes_`` (sorted
labels), so per-class weights are given as a sequence in that order.

:class:`BatchBalancedCrossentropy` recomputes "balanced" weights from each
batch's own class counts, as some PyTorch code does; see its notes for when
that helps and when it hurts.

:class:`LogitAdjustedCrossentropy` (Menon et al., ICLR 2021) reaches balanced
decisions another way: it adds ``tau * log prior`` to the scores inside the
loss, so that the network's own outputs are the balanced scores.

Every loss here is registered with Keras (package ``"skweight"``), so a model
compiled with one saves to and loads from a ``.keras`` file once
``skweight.losses`` has been imported.
"""

from skweight import _env

# A public module imported on its own (``from skweight.losses import ...``)
# may be the first to load Keras: TensorFlow starts quietly here too.
_env.configure_logging()

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from skweight._docstrings import fill_doc  # noqa: E402
from skweight._validation import check_real  # noqa: E402

__all__ = [
    "BatchBalancedCrossentropy",
    "LogitAdjustedCrossentropy",
    "SparseCategoricalFocalCrossentropy",
    "WeightedBinaryCrossentropy",
    "WeightedSparseCategoricalCrossentropy",
]

_register = keras.saving.register_keras_serializable(package="skweight")


def _check_class_weight(class_weight, *, n_classes=None, name="class_weight"):
    """Per-class weights as a list of floats (or None), checked."""
    if class_weight is None:
        return None
    if isinstance(class_weight, (str, dict)) or not np.iterable(class_weight):
        raise TypeError(
            f"{name} must be a sequence of per-class weights, indexed by class "
            f"code (the order of the estimator's classes_). Got {class_weight!r} "
            "instead."
        )
    try:
        weights = np.asarray(class_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a sequence of numbers. Got {class_weight!r} instead."
        ) from None
    if weights.ndim != 1 or weights.size < 2:
        raise ValueError(
            f"{name} must be a 1-D sequence with one weight per class (at least "
            f"2). Got shape {weights.shape} instead."
        )
    if n_classes is not None and weights.size != n_classes:
        raise ValueError(
            f"{name} must have {n_classes} weights. Got {weights.size} instead."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"{name} must be finite and >= 0. Got {weights.tolist()} instead."
        )
    return weights.tolist()


def _non_negative(value, name):
    """``value`` as a float, refused unless a finite real >= 0."""
    check_real(value, name, low=0)
    return float(value)


def _sparse_codes(y_true, shape):
    """Integer class codes shaped like the per-sample loss."""
    return ops.reshape(ops.cast(y_true, "int32"), shape)


def _sparse_ce(y_true, y_pred, from_logits):
    """Per-sample sparse categorical cross-entropy and the class codes."""
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    codes = ops.cast(y_true, "int32")
    ce = ops.sparse_categorical_crossentropy(codes, y_pred, from_logits=from_logits)
    return ce, _sparse_codes(codes, ops.shape(ce))


def _binary_terms(y_true, y_pred, from_logits):
    """``-log p`` and ``-log(1 - p)``, element-wise, as Keras computes them."""
    if len(y_true.shape) == len(y_pred.shape) - 1:
        y_true = ops.expand_dims(y_true, -1)
    y_true = ops.cast(y_true, y_pred.dtype)
    pos = ops.binary_crossentropy(ops.ones_like(y_pred), y_pred, from_logits)
    neg = ops.binary_crossentropy(ops.zeros_like(y_pred), y_pred, from_logits)
    return y_true, pos, neg


class _ConfiguredLoss(keras.losses.Loss):
    """A Keras loss whose options (``_options``: the names of its ``__init__``
    arguments, kept as attributes of the same names) are written into its
    configuration, so that ``from_config`` rebuilds it: the ``get_config``
    of every skweight loss, once."""

    _options: tuple[str, ...] = ()

    def get_config(self):
        return {**super().get_config(),
                **{name: getattr(self, name) for name in self._options}}


@_register
@fill_doc
class WeightedSparseCategoricalCrossentropy(_ConfiguredLoss):
    """Sparse categorical cross-entropy with per-class weights.

    Each sample's cross-entropy is multiplied by ``class_weight[y]``. With the
    default reduction this equals Keras'
    :class:`~keras.losses.SparseCategoricalCrossentropy` fed sample weights
    ``class_weight[y]``, but the weights live in the loss: they save with the
    model and need no ``sample_weight`` plumbing.

    Parameters
    ----------
    class_weight : sequence of float or None, default=None
        One weight >= 0 per class, in class-code order (the estimator's
        ``classes_``); ``None`` weighs every class 1. Used as given (to mirror
        ``compute_output_sample_weight``, pass the values of
        ``clf.class_weight_`` for that output).
    {{keras_loss_parameters:weighted_sparse_categorical_crossentropy}}

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.losses import WeightedSparseCategoricalCrossentropy
    >>> loss = WeightedSparseCategoricalCrossentropy(class_weight=[1.0, 4.0])
    >>> y_true = np.array([0, 1])
    >>> y_pred = np.array([[0.5, 0.5], [0.5, 0.5]])
    >>> round(float(loss(y_true, y_pred)), 4)  # (1 + 4) * log(2) / 2
    1.7329
    """

    _options = ("class_weight", "from_logits")

    def __init__(
        self,
        class_weight=None,
        from_logits=False,
        reduction="sum_over_batch_size",
        name="weighted_sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.class_weight = _check_class_weight(class_weight)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        ce, codes = _sparse_ce(y_true, y_pred, self.from_logits)
        if self.class_weight is None:
            return ce
        weights = ops.convert_to_tensor(self.class_weight, dtype=ce.dtype)
        return ce * ops.take(weights, codes)



@_register
@fill_doc
class WeightedBinaryCrossentropy(_ConfiguredLoss):
    """Binary cross-entropy with per-class weights.

    ``-(w1 * y * log p + w0 * (1 - y) * log(1 - p))``, averaged over the last
    axis as Keras does. For 0/1 targets this is ``w[y]`` times the binary
    cross-entropy, the same as Keras' :class:`~keras.losses.BinaryCrossentropy`
    fed sample weights ``w[y]``; for soft targets each term keeps its own
    weight. ``pos_weight=a`` is ``class_weight=[1, a]`` (the ``pos_weight`` of
    PyTorch's ``BCEWithLogitsLoss``).

    Parameters
    ----------
    class_weight : sequence of 2 floats or None, default=None
        ``[w0, w1]``, weights of the negative and the positive class.
    pos_weight : float or None, default=None
        Weight of the positive class, the negative one weighing 1. Give at most
        one of ``class_weight`` and ``pos_weight``.
    {{keras_loss_parameters:weighted_binary_crossentropy}}

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.losses import WeightedBinaryCrossentropy
    >>> loss = WeightedBinaryCrossentropy(pos_weight=3.0)
    >>> y_true = np.array([[0.0], [1.0]])
    >>> y_pred = np.array([[0.5], [0.5]])
    >>> round(float(loss(y_true, y_pred)), 4)  # (1 + 3) * log(2) / 2
    1.3863
    """

    _options = ("class_weight", "from_logits")

    def __init__(
        self,
        class_weight=None,
        pos_weight=None,
        from_logits=False,
        reduction="sum_over_batch_size",
        name="weighted_binary_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if class_weight is not None and pos_weight is not None:
            raise ValueError(
                "Give at most one of class_weight and pos_weight. Got "
                f"class_weight={class_weight!r} and pos_weight={pos_weight!r}."
            )
        if pos_weight is not None:
            class_weight = [1.0, _non_negative(pos_weight, "pos_weight")]
        self.class_weight = _check_class_weight(class_weight, n_classes=2)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        y_true, pos, neg = _binary_terms(y_true, y_pred, self.from_logits)
        w0, w1 = (1.0, 1.0) if self.class_weight is None else self.class_weight
        return ops.mean(w1 * y_true * pos + w0 * (1.0 - y_true) * neg, axis=-1)



@_register
@fill_doc
class SparseCategoricalFocalCrossentropy(_ConfiguredLoss):
    """Focal loss (Lin et al., 2017) on integer class codes, per-class weights.

    ``class_weight[y] * (1 - p_y) ** gamma * -log(p_y)``. Keras'
    :class:`~keras.losses.CategoricalFocalCrossentropy` needs one-hot targets,
    which a scikit-learn estimator does not produce: fed integer codes it fails
    with a shape error, or, when the batch happens to hold as many samples as
    there are classes, broadcasts silently to a wrong loss. This loss takes
    the codes directly. ``gamma=0`` is
    :class:`WeightedSparseCategoricalCrossentropy`.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, >= 0: how much well-classified samples are
        down-weighted.
    class_weight : sequence of float or None, default=None
        One weight per class, in class-code order (the ``alpha`` of the paper,
        per class); ``None`` weighs every class 1.
    {{keras_loss_parameters:sparse_categorical_focal_crossentropy}}

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.losses import SparseCategoricalFocalCrossentropy
    >>> loss = SparseCategoricalFocalCrossentropy(gamma=2.0)
    >>> y_pred = np.array([[0.9, 0.1], [0.5, 0.5]])
    >>> per_sample = [0.1 ** 2 * -np.log(0.9), 0.5 ** 2 * -np.log(0.5)]
    >>> bool(np.isclose(float(loss(np.array([0, 1]), y_pred)),
    ...                 np.mean(per_sample), rtol=1e-5))
    True
    """

    _options = ("gamma", "class_weight", "from_logits")

    def __init__(
        self,
        gamma=2.0,
        class_weight=None,
        from_logits=False,
        reduction="sum_over_batch_size",
        name="sparse_categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.gamma = _non_negative(gamma, "gamma")
        self.class_weight = _check_class_weight(class_weight)
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        ce, codes = _sparse_ce(y_true, y_pred, self.from_logits)
        loss = ops.power(1.0 - ops.exp(-ce), self.gamma) * ce
        if self.class_weight is None:
            return loss
        weights = ops.convert_to_tensor(self.class_weight, dtype=ce.dtype)
        return loss * ops.take(weights, codes)



@_register
@fill_doc
class BatchBalancedCrossentropy(_ConfiguredLoss):
    """Cross-entropy with class weights recomputed from each batch's counts.

    In every batch, class ``c`` weighs ``(n_c + smoothing) ** -power``, with
    ``n_c`` its count in that batch, scaled so the batch's mean weight is 1.
    With the defaults this is scikit-learn's ``"balanced"`` computed per batch:
    the loss is the mean over the classes present in the batch of each
    class's mean cross-entropy, the recipe found in PyTorch code that builds
    ``weight=1 / torch.bincount(y)`` for every batch.

    The output's width picks the cross-entropy: one unit is a sigmoid (binary
    cross-entropy, 0/1 targets), ``k`` units a softmax over ``k`` classes
    (sparse categorical cross-entropy, integer targets).

    When it helps: when whole-data class counts are unavailable or stale (an
    endless stream, data too large to count before training), with large
    batches. With shuffled data every batch mirrors the whole training set and
    whole-data weights (``class_weight="balanced"``) give the same expected
    loss with less noise. Nor does it cure drift on a fixed data set: a
    sample's weight then depends on the batch it lands in, not on how rare its
    class is (``benchmarks/bench_batch_weighting.py``: on the fair data it
    never beat whole-data weights, and fell behind them with drift).

    When it hurts: with small batches, a class that appears once in a batch
    takes ``1 / n_present_classes`` of that batch's loss by itself (a
    ``batch_size / n_present_classes``-fold weight), and a class absent from a
    batch gets no weight at all; the weights, hence the gradients, jump from
    batch to batch. Use large batches, or ``smoothing`` (a pseudo-count added
    to every class count) or ``power < 1`` to damp this.

    Parameters
    ----------
    power : float, default=1.0
        Exponent, >= 0; 0 is no weighting, 1 is "balanced".
    smoothing : float, default=0.0
        Pseudo-count added to each present class's batch count, >= 0.
    {{keras_loss_parameters:batch_balanced_crossentropy}}

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.losses import BatchBalancedCrossentropy
    >>> y_true = np.array([0, 0, 0, 1])
    >>> y_pred = np.array([[0.5, 0.5]] * 3 + [[0.25, 0.75]])
    >>> class_means = [-np.log(0.5), -np.log(0.75)]
    >>> bool(np.isclose(float(BatchBalancedCrossentropy()(y_true, y_pred)),
    ...                 np.mean(class_means)))
    True
    """

    _options = ("power", "smoothing", "from_logits")

    def __init__(
        self,
        power=1.0,
        smoothing=0.0,
        from_logits=False,
        reduction="sum_over_batch_size",
        name="batch_balanced_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.power = _non_negative(power, "power")
        self.smoothing = _non_negative(smoothing, "smoothing")
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        if y_pred.shape[-1] == 1:
            y_true, pos, neg = _binary_terms(y_true, y_pred, self.from_logits)
            ce = ops.mean(y_true * pos + (1.0 - y_true) * neg, axis=-1)
            codes = _sparse_codes(ops.round(y_true), ops.shape(ce))
            n_classes = 2
        else:
            ce, codes = _sparse_ce(y_true, y_pred, self.from_logits)
            n_classes = y_pred.shape[-1]
        flat = ops.reshape(codes, (-1,))
        counts = ops.sum(ops.one_hot(flat, n_classes, dtype=ce.dtype), axis=0)
        # Classes absent from the batch get weight 0 (no sample uses it) rather
        # than the inf of 1 / 0, which would poison the gradient.
        per_class = ops.where(
            counts > 0,
            ops.power(ops.maximum(counts + self.smoothing, 1e-12), -self.power),
            0.0,
        )
        weights = ops.take(per_class, codes)
        scale = ops.cast(ops.size(weights), ce.dtype) / ops.sum(weights)
        return ce * ops.stop_gradient(weights * scale)



def _check_prior(prior):
    """Class priors as a list of floats summing to 1, checked."""
    if isinstance(prior, (str, dict)) or not np.iterable(prior):
        raise TypeError(
            "prior must be a sequence of class frequencies, indexed by class code "
            f"(the order of the estimator's classes_). Got {prior!r} instead."
        )
    try:
        values = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"prior must be a sequence of numbers. Got {prior!r} instead."
        ) from None
    if values.ndim != 1 or values.size < 2:
        raise ValueError(
            "prior must be a 1-D sequence with one frequency per class (at least "
            f"2). Got shape {values.shape} instead."
        )
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(
            f"prior must be finite and > 0. Got {values.tolist()} instead."
        )
    return (values / values.sum()).tolist()


@_register
@fill_doc
class LogitAdjustedCrossentropy(_ConfiguredLoss):
    """Logit-adjusted cross-entropy (Menon et al., ICLR 2021).

    The cross-entropy of ``softmax(f + tau * log prior)``, where ``f`` are the
    network's scores (logits, or the log of its probabilities). A network
    trained with it learns scores in which the common classes have lost their
    head start: ``argmax f`` approximates the balanced decision (the one that
    maximises balanced accuracy) for ``tau = 1``, while
    ``softmax(f + tau * log prior)`` estimates the class probabilities on the
    training distribution. ``tau = 1`` is the balanced softmax of Ren et al.
    (NeurIPS 2020); ``tau = 0`` is the plain cross-entropy.

    The output's width picks the form: ``k`` units are a softmax (sparse
    categorical targets, codes ``0 .. k - 1``), one unit a sigmoid (0/1
    targets), whose logit is shifted by ``tau * log(prior[1] / prior[0])``.
    With probabilities as ``y_pred`` the scores are their logarithms
    (``log p``; ``log p - log(1 - p)`` for a sigmoid), clipped away from 0 and
    1 as Keras clips its own cross-entropy.

    Parameters
    ----------
    prior : sequence of float
        Each class's frequency in the training data (or counts: they are
        normalised), in class-code order (the estimator's ``classes_``); two
        entries for a sigmoid output.
    tau : float, default=1.0
        Strength of the adjustment, >= 0.
    {{keras_loss_parameters:logit_adjusted_crossentropy}}

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.losses import LogitAdjustedCrossentropy
    >>> loss = LogitAdjustedCrossentropy(prior=[0.8, 0.2], tau=1.0)
    >>> y_pred = np.array([[0.5, 0.5]])
    >>> # softmax(log 0.5 + log [0.8, 0.2]) = [0.8, 0.2]: -log 0.2 for class 1
    >>> round(float(loss(np.array([1]), y_pred)), 4)
    1.6094
    """

    _options = ("prior", "tau", "from_logits")

    def __init__(
        self,
        prior,
        tau=1.0,
        from_logits=False,
        reduction="sum_over_batch_size",
        name="logit_adjusted_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.prior = _check_prior(prior)
        self.tau = _non_negative(tau, "tau")
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        width = y_pred.shape[-1]
        n_classes = 2 if width == 1 else width
        if width is not None and n_classes != len(self.prior):
            raise ValueError(
                f"prior must have one entry per class of the output ({n_classes}). "
                f"Got {len(self.prior)} instead."
            )
        log_prior = ops.log(ops.convert_to_tensor(self.prior, dtype=y_pred.dtype))
        eps = keras.config.epsilon()
        if width == 1:
            if self.from_logits:
                logits = y_pred
            else:
                p = ops.clip(y_pred, eps, 1.0 - eps)
                logits = ops.log(p) - ops.log(1.0 - p)
            logits = logits + self.tau * (log_prior[1] - log_prior[0])
            y_true, pos, neg = _binary_terms(y_true, logits, True)
            return ops.mean(y_true * pos + (1.0 - y_true) * neg, axis=-1)
        scores = y_pred if self.from_logits else ops.log(ops.clip(y_pred, eps, 1.0))
        ce, _ = _sparse_ce(y_true, scores + self.tau * log_prior, True)
        return ce

