"""The kinds of output: each owns its encoding, head, loss, width check,
Keras target and decoding, in one place.

- :class:`ClassificationOutput`: labels encoded as integer codes; a softmax
  over k classes (sparse categorical cross-entropy) or, for two classes, one
  sigmoid unit (binary cross-entropy);
- :func:`loss_target`: the one rule that fits a loss to an output: what
  target encoding and head a Keras loss needs (integer codes and a softmax,
  one-hot rows and a softmax, 0/1 and one sigmoid unit, or a number), checked
  against the output's kind before anything is built;
- :class:`RegressionOutput`: a float target standardised for training; one
  linear unit (mean squared error); predictions mapped back;
- :class:`OutputSet`: the outputs of one fit, and the *packed* multilabel
  layout (one ``Dense(n_labels, sigmoid)`` output for all labels, see
  :mod:`skweight._targets._multilabel`), decided once per model by
  :meth:`OutputSet.bind` and kept in the fitted state.
"""

from collections.abc import Mapping

import keras
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from skweight._scikeras_compat import is_categorical_crossentropy
from skweight._targets._columns import LabelCodes, encode_labels
from skweight._targets._multilabel import (
    PackedBinaryCrossentropy,
    PackedLogitAdjustedCrossentropy,
    PerLabelLoss,
    expand_label_losses,
)
from skweight._validation import did_you_mean, per_output

__all__ = ["ClassificationOutput", "OutputSet", "OutputsEncoder", "RegressionOutput",
           "classification_target_type", "encode_output", "loss_target"]

CLASSIFICATION = "classification"
REGRESSION = "regression"
# Loss names skweight builds itself, per output, from what fit learnt.
LOGIT_ADJUSTED = "logit_adjusted"
NAMED_LOSSES = (LOGIT_ADJUSTED,)

# What each loss trains on, by its Keras function (a loss class wraps one):
# integer class codes and a softmax ("sparse"), one-hot rows and a softmax
# ("one_hot"), one 0/1 column and a sigmoid unit ("binary"), or a number
# ("regression"). A loss not listed (a user's function, a loss that takes
# either) keeps the output's own head and encoding.
SPARSE, ONE_HOT, BINARY, NUMBER = "sparse", "one_hot", "binary", "regression"
_KERAS_LOSS_TARGETS = {
    "sparse_categorical_crossentropy": SPARSE,
    "categorical_generalized_cross_entropy": SPARSE,
    "categorical_crossentropy": ONE_HOT,
    "categorical_focal_crossentropy": ONE_HOT,
    "categorical_hinge": ONE_HOT,
    "kl_divergence": ONE_HOT,
    "binary_crossentropy": BINARY,
    "binary_focal_crossentropy": BINARY,
    "hinge": BINARY,
    "squared_hinge": BINARY,
    "dice": BINARY,
    "tversky": BINARY,
    "mean_squared_error": NUMBER,
    "mean_absolute_error": NUMBER,
    "mean_absolute_percentage_error": NUMBER,
    "mean_squared_logarithmic_error": NUMBER,
    "huber": NUMBER,
    "log_cosh": NUMBER,
    "poisson": NUMBER,
    "cosine_similarity": NUMBER,
}
_WHAT_FITS = {
    SPARSE: "integer class codes and a softmax over the classes",
    ONE_HOT: "one-hot targets and a softmax over the classes",
    BINARY: "one 0/1 target and a sigmoid unit (a binary output)",
    NUMBER: "a numeric target (a regression output)",
}


def _skweight_loss_targets():
    from skweight import losses

    return {
        losses.WeightedSparseCategoricalCrossentropy: SPARSE,
        losses.SparseCategoricalFocalCrossentropy: SPARSE,
        losses.WeightedBinaryCrossentropy: BINARY,
    }


def loss_target(loss):
    """What ``loss`` trains on: ``"sparse"``, ``"one_hot"``, ``"binary"``,
    ``"regression"``, or None for a loss that does not say (kept as given).

    ``loss`` is one output's entry: a Keras loss name, a loss object or class,
    or a function. skweight's ``"logit_adjusted"`` takes either head.
    """
    if loss is None or (isinstance(loss, str) and loss in NAMED_LOSSES):
        return None
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            return None  # refused by check_loss_names, with the close names
    cls = loss if isinstance(loss, type) else type(loss)
    for known, target in _skweight_loss_targets().items():
        if issubclass(cls, known):
            return target
    if isinstance(loss, type):
        if not issubclass(loss, keras.losses.Loss) or loss.__module__.split(".")[0] \
                != "keras":
            return None
        try:
            loss = keras.losses.get(loss.__name__)
        except (ValueError, TypeError):
            return None
    fn = getattr(loss, "fn", loss)  # a Keras loss class wraps its function
    if getattr(fn, "__module__", "").split(".")[0] == "keras":
        return _KERAS_LOSS_TARGETS.get(getattr(fn, "__name__", None))
    # scikeras' rule: a function named categorical_crossentropy takes one-hot.
    return ONE_HOT if is_categorical_crossentropy(loss) else None


def _loss_name(loss):
    if isinstance(loss, str):
        return repr(loss)
    if isinstance(loss, type):
        return loss.__name__
    return getattr(loss, "name", None) or getattr(loss, "__name__", None) \
        or type(loss).__name__


class ClassificationOutput:
    """One classification output: its classes, head, loss, target and decoding."""

    kind = CLASSIFICATION
    # What the output's loss trains on (loss_target), once fitted to it.
    loss_target = None

    def __init__(self, name, layer_name, classes):
        self.name = name
        self.layer_name = layer_name
        self.classes = classes
        # The dtype of predicted labels, when not that of the classes.
        self.label_dtype = None
        self.counts = None

    @property
    def prior(self):
        """Each class's share of the labelled training samples."""
        return self.counts / self.counts.sum()

    @classmethod
    def encode(cls, column, name, layer_name, classes=None):
        """``(output, labels)``: the output and its :class:`LabelCodes`.

        ``classes`` (sorted, as ``classes_``), when given, are the output's
        classes whatever the column shows (``partial_fit``).
        """
        labels = encode_labels(column, name=name)
        if classes is not None:
            labels = _onto_classes(labels, classes, name)
        if len(labels.classes) < 2:
            raise ValueError(
                f"y column {name!r} must have at least 2 classes. Got "
                f"{len(labels.classes)} class {labels.classes.tolist()} instead."
            )
        return cls(name, layer_name, labels.classes), labels

    @property
    def n_classes(self):
        return len(self.classes)

    def fit_loss(self, target, loss):
        """Take the loss ``loss``, which trains on ``target`` (:func:`loss_target`),
        or say why it cannot train this output and what would."""
        k = self.n_classes
        if target == NUMBER:
            raise ValueError(
                f"loss {_loss_name(loss)} for y column {self.name!r} is a "
                f"regression loss; {self.name!r} is a classification output with "
                f"{k} classes. Use 'sparse_categorical_crossentropy' or "
                "'categorical_crossentropy'"
                + (" (or 'binary_crossentropy')" if k == 2 else "")
                + ", or give that output its own loss in a list or a dict."
            )
        if target == BINARY and k != 2:
            raise ValueError(
                f"loss {_loss_name(loss)} for y column {self.name!r} needs "
                f"{_WHAT_FITS[BINARY]}; {self.name!r} has {k} classes "
                f"{self.classes.tolist()}. Use 'sparse_categorical_crossentropy' "
                "or 'categorical_crossentropy' (a softmax over the classes), or "
                "give that output its own loss in a list or a dict."
            )
        self.loss_target = target

    def head(self):
        """``(units, activation)`` of the built-in network's head."""
        if self.loss_target in (SPARSE, ONE_HOT) or self.n_classes > 2:
            return self.n_classes, "softmax"
        return 1, "sigmoid"

    def check_width(self, width, out_name):
        k = self.n_classes
        if width is None:
            return
        target = self.loss_target
        if target in (SPARSE, ONE_HOT) and width != k:
            raise ValueError(
                f"model output {out_name!r} for y column {self.name!r} must have {k} "
                f"units (a softmax over {k} classes) for its loss, which needs "
                f"{_WHAT_FITS[target]}. Got {width} unit(s) instead"
                + ("; for 1 sigmoid unit use loss='binary_crossentropy'."
                   if width == 1 and k == 2 else ".")
            )
        if width != k and not (width == 1 and k == 2):
            raise ValueError(
                f"model output {out_name!r} for y column {self.name!r} must have {k} "
                f"units (softmax over {k} classes)"
                + (" or 1 unit (sigmoid)" if k == 2 else "")
                + f". Got {width} unit(s) instead."
            )

    def default_loss(self, width):
        if width == 1:
            return keras.losses.BinaryCrossentropy()
        return keras.losses.SparseCategoricalCrossentropy()

    def keras_target(self, codes, width):
        if width == 1 or (width is None and self.loss_target == BINARY):
            return codes.astype(np.float32).reshape(-1, 1)
        if self.loss_target in (ONE_HOT, BINARY):
            # One row per sample with a 1 for its class: what categorical
            # losses take, and a binary loss on a 2-unit output.
            return keras.utils.to_categorical(
                codes, width or self.n_classes).astype(np.float32)
        return codes.astype(np.int32)

    def named_loss(self, name, options):
        """The loss ``name`` (``"logit_adjusted"``) with this output's priors."""
        from skweight.losses import LogitAdjustedCrossentropy

        unknown = sorted(set(options) - {"tau"})
        if unknown:
            raise ValueError(
                f"loss__{unknown[0]} is not an option of loss={name!r}. Got "
                f"loss__{unknown[0]}={options[unknown[0]]!r} instead; its options "
                "are ['tau']."
            )
        return LogitAdjustedCrossentropy(prior=self.prior, **options)

    def proba(self, raw):
        p = np.asarray(raw, dtype=np.float64)
        if p.ndim == 1:
            p = p[:, None]
        if p.shape[1] == 1:
            return np.hstack([1.0 - p, p])
        # A float32 softmax misses a sum of 1 by more than scikit-learn's
        # probability checks (log_loss, brier_score_loss) allow.
        return p / p.sum(axis=1, keepdims=True)

    def decode(self, raw):
        labels = self.classes[np.argmax(self.proba(raw), axis=1)]
        return labels if self.label_dtype is None else labels.astype(self.label_dtype)


class RegressionOutput:
    """One regression output, trained on ``(y - mean) / scale``."""

    kind = REGRESSION
    classes = None
    n_classes = None
    loss_target = NUMBER

    def __init__(self, name, layer_name, mean, scale):
        self.name = name
        self.layer_name = layer_name
        self.mean = mean
        self.scale = scale

    @classmethod
    def encode(cls, column, name, layer_name, moments=None):
        """``(output, standardised column)``; ``moments`` ``(mean, scale)``
        are kept when given (``partial_fit`` after its first call)."""
        column = np.asarray(column)
        try:
            values = column.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"y column {name!r} is a regression output and needs numbers. "
                f"Got values of dtype {column.dtype} instead."
            ) from None
        if not np.all(np.isfinite(values)):
            raise ValueError(
                f"y column {name!r} is a regression output and contains NaN or "
                "infinity; targets must be finite."
            )
        if moments is None:
            moments = float(values.mean()), float(values.std()) or 1.0
        mean, scale = moments
        codes = ((values - mean) / scale).astype(np.float32)
        return cls(name, layer_name, mean, scale), codes

    def fit_loss(self, target, loss):
        """Take the loss ``loss`` (see :meth:`ClassificationOutput.fit_loss`)."""
        if target not in (None, NUMBER):
            raise ValueError(
                f"loss {_loss_name(loss)} for y column {self.name!r} needs "
                f"{_WHAT_FITS[target]}; {self.name!r} is a regression output. "
                "Give that output a regression loss ('mean_squared_error', "
                "'mean_absolute_error', 'huber', ...) in a list or a dict."
            )

    def head(self):
        """``(units, activation)`` of the built-in network's head."""
        return 1, None

    def check_width(self, width, out_name):
        if width is not None and width != 1:
            raise ValueError(
                f"model output {out_name!r} for y column {self.name!r} must have 1 "
                f"unit (regression). Got {width} unit(s) instead."
            )

    def default_loss(self, width):
        return keras.losses.MeanSquaredError()

    def keras_target(self, codes, width):
        return codes.astype(np.float32).reshape(-1, 1)

    def named_loss(self, name, options):
        raise ValueError(
            f"loss={name!r} applies to classification outputs. Got it for the "
            f"regression output {self.name!r} instead; give that output its own "
            "loss in a list or a dict."
        )

    def proba(self, raw):
        return None

    def decode(self, raw):
        return np.asarray(raw, dtype=np.float64).reshape(-1) * self.scale + self.mean


def _onto_classes(labels, classes, name):
    """``labels`` coded onto the sorted ``classes``; a label outside them is a
    ``ValueError``."""
    classes = np.asarray(classes)
    if labels.classes.dtype.kind == "O" and classes.dtype.kind != "O":
        classes = classes.astype(object)
    pos = np.clip(np.searchsorted(classes, labels.classes), 0, len(classes) - 1)
    unseen = np.asarray(classes[pos] != labels.classes, dtype=bool)
    if unseen.any():
        raise ValueError(
            f"y column {name!r} has label(s) {labels.classes[unseen].tolist()} "
            f"outside its classes {classes.tolist()}. Give every class of the "
            "output as partial_fit(..., classes=...) on the first call."
        )
    counts = np.zeros(len(classes), dtype=np.asarray(labels.counts).dtype)
    counts[pos] = labels.counts
    return LabelCodes(classes, counts, pos[labels.codes])


def encode_output(kind, column, name, layer_name, given=None):
    """``(output, codes, labels)`` of one y column of ``kind``; ``given`` is
    what :attr:`TargetColumns.given` holds for it (``partial_fit``)."""
    if kind == REGRESSION:
        moments = None if given is None else (given.mean, given.scale)
        output, codes = RegressionOutput.encode(column, name, layer_name, moments)
        return output, codes, None
    classes = getattr(given, "classes", given)
    output, labels = ClassificationOutput.encode(column, name, layer_name, classes)
    return output, labels.codes, labels


def classification_target_type(outputs):
    """scikit-learn's ``type_of_target`` of classification outputs.

    One column, whether ``y`` is (n,) or (n, 1), is binary or multiclass;
    several 0/1 columns are multilabel-indicator.
    """
    if len(outputs) == 1:
        return "binary" if outputs[0].n_classes == 2 else "multiclass"
    multilabel = all(
        o.classes.dtype.kind in "biuf" and o.classes.tolist() == [0, 1]
        for o in outputs
    )
    return "multilabel-indicator" if multilabel else "multiclass-multioutput"


def _output_names(model, layer_names):
    """The names a dict ``loss`` may use besides the output names: the
    model's own output names (Keras' keys), else skweight's layer names."""
    names = getattr(model, "output_names", None)
    return list(names) if names and len(names) == len(layer_names) else layer_names


def check_loss_names(loss):
    """Refuse a loss name Keras does not know, naming the closest ones.

    ``loss`` is the estimator's parameter in any per-output form; its names
    are checked before scikeras hands them to Keras.
    """
    if isinstance(loss, str):
        named = [("loss", loss)]
    elif isinstance(loss, Mapping):
        named = [(f"loss for output {key!r}", v) for key, v in loss.items()]
    elif isinstance(loss, (list, tuple)):
        named = [(f"loss[{k}]", v) for k, v in enumerate(loss)]
    else:
        named = []
    for where, entry in named:
        if not isinstance(entry, str) or entry in NAMED_LOSSES:
            continue
        try:
            keras.losses.get(entry)
        except ValueError:
            known = [n for n in dir(keras.losses) if n.islower()
                     and not n.startswith("_")
                     and n not in ("get", "serialize", "deserialize")]
            raise ValueError(
                f"{where} must be a Keras loss name (such as "
                "'sparse_categorical_crossentropy'), a keras Loss or a function. "
                f"Got {entry!r} instead." + did_you_mean(entry, known)
            ) from None


def _widths(model):
    outputs = getattr(model, "outputs", None)
    return None if outputs is None else [out.shape[-1] for out in outputs]


class OutputSet:
    """The outputs of one fit, and how the model lays them out.

    Parameters
    ----------
    outputs : list of ClassificationOutput or RegressionOutput
    target_type : str
        ``"binary"``, ``"multiclass"``, ``"multiclass-multioutput"``,
        ``"multilabel-indicator"`` or ``"mixed-multioutput"``.
    """

    def __init__(self, outputs, target_type):
        self.outputs = outputs
        self.target_type = target_type
        self.packed = False
        if target_type == "multilabel-indicator":
            # 0/1 indicators are predicted as integers whatever their dtype in
            # y, as scikit-learn's MLPClassifier predicts them.
            for o in outputs:
                if o.classes.dtype.kind == "f":
                    o.label_dtype = np.int64

    def __len__(self):
        return len(self.outputs)

    @property
    def names(self):
        return [o.name for o in self.outputs]

    @property
    def layer_names(self):
        return [o.layer_name for o in self.outputs]

    def record_counts(self, labels):
        """Keep each classification output's class counts (``LabelCodes``)."""
        for output, lab in zip(self.outputs, labels, strict=True):
            if lab is not None:
                output.counts = np.asarray(lab.counts)

    # ------------------------------------------------------------ the model
    def fit_losses(self, user_loss, aliases):
        """Fit each output's entry of ``user_loss`` to it (:func:`loss_target`):
        the head and target encoding follow the loss, and a loss that cannot
        train its output is refused here, before anything is built."""
        entries = per_output(user_loss, self.names, param="loss", aliases=aliases)
        for output, entry in zip(self.outputs, entries, strict=True):
            output.fit_loss(loss_target(entry), entry)
        return self

    @property
    def packable(self):
        """Whether the losses let the labels share one sigmoid layer."""
        return all(o.loss_target in (None, BINARY) for o in self.outputs)

    def heads(self):
        """``(units, activation)`` of each head of the built-in network."""
        return [o.head() for o in self.outputs]

    def bind(self, model, user_loss=None):
        """Decide the layout for ``model`` (once), after checking its outputs
        against the targets and the losses (``user_loss``, the estimator's)."""
        widths = _widths(model)
        n = len(self.outputs)
        self.packed = (
            self.target_type == "multilabel-indicator" and widths is not None
            and len(widths) == 1 and widths[0] == n
        )
        if self.packed:
            self._check_packed_loss(user_loss)
            return self
        if widths is not None and len(widths) != n:
            raise ValueError(
                f"model must return one output per y column ({n}: {self.names}), "
                f"in column order. Got {len(widths)} output(s) instead."
            )
        self.fit_losses(user_loss, _output_names(model, self.layer_names))
        if widths is None:
            return self
        for output, out, width in zip(self.outputs, model.outputs, widths,
                                      strict=True):
            output.check_width(width, out.name)
        return self

    def _check_packed_loss(self, user_loss):
        given = (list(user_loss.values()) if isinstance(user_loss, Mapping)
                 else list(user_loss) if isinstance(user_loss, (list, tuple))
                 else [user_loss])
        for entry in given:
            target = loss_target(entry)
            if target not in (None, BINARY):
                raise ValueError(
                    f"loss {_loss_name(entry)} needs {_WHAT_FITS[target]}; the "
                    "packed multilabel layout has one sigmoid layer for all "
                    "labels, which trains binary losses only. Set "
                    "model__label_layout='heads' (the built-in network then gives "
                    "each label its own softmax), return one output per label, "
                    "or use loss='binary_crossentropy'."
                )

    def compile_losses(self, model, user_loss, loss_weights, loss_options=None):
        """``(loss, loss_weights, weighted_metrics)`` for ``model.compile``.

        ``user_loss`` takes every per-output form (:func:`per_output`); outputs
        it leaves out (None entries, names not given) get their default loss,
        and entries naming a skweight loss (``"logit_adjusted"``) are built
        with the output's class priors and ``loss_options`` (``loss__*``).
        """
        if self.packed:
            return self._packed_losses(user_loss, loss_weights, loss_options)
        widths = _widths(model) or [None] * len(self)
        entries = per_output(user_loss, self.names, param="loss",
                             aliases=_output_names(model, self.layer_names))
        losses = [
            output.default_loss(width) if entry is None
            else output.named_loss(entry, loss_options or {})
            if isinstance(entry, str) and entry in NAMED_LOSSES
            else entry
            for output, width, entry in zip(self.outputs, widths, entries,
                                            strict=True)
        ]
        return losses, loss_weights, []

    def _packed_losses(self, user_loss, loss_weights, loss_options):
        """``compile_losses`` for the packed layout: one (n, L) output, so
        one loss for all labels; the loss weights go into it, and a metric
        logs ``"<label>_loss"`` per label as separate heads would."""
        given = (list(user_loss.values()) if isinstance(user_loss, dict)
                 else list(user_loss) if isinstance(user_loss, (list, tuple))
                 else [user_loss])
        named = [e for e in given if isinstance(e, str) and e in NAMED_LOSSES]
        weights = loss_weights or [1.0] * len(self)
        if not named:
            metrics = [PerLabelLoss(self.layer_names)]
            if user_loss is None:
                return PackedBinaryCrossentropy(weights), None, metrics
            return user_loss, loss_weights, metrics
        if len(named) != len(given) or len(set(named)) != 1 or (
                len(given) != 1 and len(given) != len(self)):
            raise ValueError(
                f"loss={named[0]!r} on some labels only needs one output per "
                "label: set model__label_layout='heads' for a multilabel y, or "
                f"give loss={named[0]!r} for every label. Got loss={user_loss!r} "
                "with the packed single-layer layout instead."
            )
        # Each label's loss as a head would get it (priors, checked options),
        # folded into one packed loss.
        heads = [o.named_loss(named[0], loss_options or {}) for o in self.outputs]
        loss = PackedLogitAdjustedCrossentropy(
            [h.prior for h in heads], heads[0].tau, weights)
        return loss, None, [PerLabelLoss(self.layer_names,
                                         logit_shift=loss.logit_shift)]

    # ----------------------------------------------------------- training
    def keras_targets(self, model, codes):
        """The targets Keras trains on: one array per model output, encoded
        as each output's loss needs (:meth:`fit_losses`)."""
        if self.packed:
            return [np.stack(codes, axis=1).astype(np.float32)]
        widths = _widths(model) or [None] * len(self)
        return [o.keras_target(c, w)
                for o, c, w in zip(self.outputs, codes, widths, strict=True)]

    def keras_weights(self, weights):
        """Per-output sample weights laid out as the model's outputs."""
        if weights is not None and self.packed:
            return [np.stack(weights, axis=1)]
        return weights

    def expand_logs(self, logs):
        """Per-label ``"<label>_loss"`` logs for the packed layout."""
        return expand_label_losses(logs, self.layer_names) if self.packed else logs

    # --------------------------------------------------------- predicting
    def split(self, raw):
        """One raw prediction array per output, from the model's outputs."""
        return list(raw[0].T) if self.packed else raw

    def fitted_state(self, per_class, single):
        """``classes_``, ``n_classes_`` and ``class_weight_`` as the estimators
        expose them: one value for one-dimensional ``y``, else a list."""
        classes = [o.classes for o in self.outputs]
        class_weight = [
            None if w is None
            else dict(zip(o.classes.tolist(), w.tolist(), strict=True))
            for o, w in zip(self.outputs, per_class, strict=True)
        ]
        n_classes = [o.n_classes for o in self.outputs]
        if single:
            return {"classes_": classes[0], "n_classes_": n_classes[0],
                    "class_weight_": class_weight[0]}
        return {"classes_": classes, "n_classes_": n_classes,
                "class_weight_": class_weight}


class OutputsEncoder(TransformerMixin, BaseEstimator):
    """skweight's own target encoder, as scikeras' ``target_encoder_``.

    Each output is encoded by its :class:`OutputSet` (class codes, one-hot
    rows or a standardised number, as its loss needs): ``transform`` gives
    the per-output codes, ``inverse_transform`` the labels (or, with
    ``return_proba=True``, the class probabilities) from the model's raw
    outputs. A subclass of an estimator may return a transformer of its own
    from its ``target_encoder`` property instead (scikeras' hook).
    """

    def fit(self, y=None):
        return self

    def bind(self, outputs):
        """Encode and decode with ``outputs``, the fitted :class:`OutputSet`."""
        self.outputs_ = outputs
        return self

    def get_metadata(self):
        return {}

    def transform(self, y):
        from skweight._targets._columns import split_target_columns

        targets = split_target_columns(y)
        return [encode_output(o.kind, col, o.name, o.layer_name, o)[1]
                for o, col in zip(self.outputs_.outputs, targets.columns,
                                  strict=True)]

    def inverse_transform(self, raw, return_proba=False):
        raw = self.outputs_.split(raw if isinstance(raw, list) else [raw])
        outputs = self.outputs_.outputs
        if return_proba:
            return [o.proba(r) for o, r in zip(outputs, raw, strict=True)]
        return [o.decode(r) for o, r in zip(outputs, raw, strict=True)]
