"""WeightedMixedOutputEstimator: classification and regression heads together.

One network, a shared trunk, and per output either a classification head
(class-weighted cross-entropy) or a regression head (mean squared error on the
standardised target). It reuses :class:`WeightedMultiOutputClassifier`'s
machinery (validation, routing, training, warm start) and changes what depends
on the kind of each output: target encoding, heads, losses, predictions and
score. It is not a classifier: its tags say neither classifier nor regressor.
"""

from collections.abc import Mapping, Sequence

import keras
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils._available_if import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _get_feature_names,
    check_array,
    check_consistent_length,
    check_is_fitted,
)

from skweight._estimators import WeightedMultiOutputClassifier
from skweight._targets import encode_labels, layer_names, split_target_columns
from skweight._weights import (
    _describe,
    _is_strategy_entry,
    check_output_sample_weight,
    class_weights_for_output,
    resolve_class_weight,
)

__all__ = ["WeightedMixedOutputEstimator"]

CLASSIFICATION = "classification"
REGRESSION = "regression"
_KINDS = (CLASSIFICATION, REGRESSION, "auto")


def infer_output_type(column):
    """``"regression"`` for continuous floats, ``"classification"`` otherwise.

    As :func:`sklearn.utils.multiclass.type_of_target`: floats with a
    non-integer value are continuous; integer-valued floats, ints, bools and
    strings are labels.
    """
    column = np.asarray(column)
    if column.dtype.kind == "f" and np.all(np.isfinite(column)):
        if type_of_target(column) == "continuous":
            return REGRESSION
    return CLASSIFICATION


def _has_classification_output(est):
    return not hasattr(est, "output_types_") or CLASSIFICATION in est.output_types_


class WeightedMixedOutputEstimator(WeightedMultiOutputClassifier):
    """Keras network with classification and regression outputs side by side.

    Each output of ``y`` is a classification output (a softmax, or a sigmoid
    unit for two classes, trained with cross-entropy and its own class
    weights) or a regression output (one linear unit trained with mean
    squared error). Outputs share a dense trunk; the optimised loss is
    ``sum_k loss_weights[k] * loss_k``. Class weights reach only the
    classification losses.

    Regression targets are standardised inside ``fit`` (the network learns
    ``(y - target_mean_) / target_scale_``; ``predict`` maps back), so that a
    price in thousands and a cross-entropy near 1 are on comparable scales and
    ``loss_weights`` mean what they say. The logged regression loss is the
    mean squared error in standard-deviation units.

    Parameters
    ----------
    model : None, keras.Model or callable, default=None
        ``None`` builds the built-in network (see
        :class:`WeightedMultiOutputClassifier`); a regression output gets one
        linear unit. A user model returns one output per target column, in
        column order; a regression output must have 1 unit (and is trained on
        the standardised target).
    output_types : None, str, list or dict, default=None
        The kind of each output: ``"classification"``, ``"regression"`` or
        ``"auto"``; one value for every output, a list with one per output, or
        ``{output_name: kind}`` (outputs not named are ``"auto"``). ``"auto"``
        (and ``None``) makes continuous float columns regression outputs and
        everything else (int, bool, str, integer-valued floats)
        classification outputs. Integer-valued quantities such as a price in
        whole dollars need ``"regression"`` said explicitly.
    class_weight : None, str, strategy, callable, dict or list, default=None
        As in :class:`WeightedMultiOutputClassifier`, for the classification
        outputs only: a strategy given once applies to every classification
        output; a list entry or a ``{output_name: entry}`` value for a
        regression output must be None (a ValueError says so otherwise).
    loss_weights : None, list of float or dict, default=None
        Weight of each output's loss in the optimised total; a list with one
        float >= 0 per output or ``{output_name: float}`` (outputs not named
        weigh 1).
    loss : None, str, keras.losses.Loss, list or dict, default=None
        ``None`` gives each classification output its cross-entropy and each
        regression output :class:`keras.losses.MeanSquaredError`. A list (one
        entry per output) or a dict keyed by output name (or output layer
        name) overrides some outputs; ``None`` entries and outputs not named
        keep their default. A single loss applies to every output, as in Keras.
    **kwargs
        Every other parameter of :class:`WeightedMultiOutputClassifier`
        (``optimizer``, ``metrics``, ``batch_size``, ``epochs``,
        ``validation_split``, ``callbacks``, ``random_state``, ``warm_start``,
        ``verbose``, ``model__*``, ``optimizer__*``, ``fit__*``, ...).

    Attributes
    ----------
    output_types_ : list of str
        ``"classification"`` or ``"regression"``, one per output.
    classes_ : ndarray, None or list of (ndarray or None)
        The classes of each classification output; None for a regression
        output (a list for two-dimensional ``y``).
    n_classes_ : int, None or list of (int or None)
        The number of classes of each output (None for regression).
    class_weight_ : dict, None or list of (dict or None)
        The per-class weights actually used (None for regression outputs and
        unweighted classification outputs).
    target_mean_ : ndarray of shape (n_outputs,)
        Mean of each regression target (NaN for classification outputs).
    target_scale_ : ndarray of shape (n_outputs,)
        Standard deviation of each regression target (1 where it is 0; NaN for
        classification outputs).
    model_, history_, n_outputs_, output_names_, output_layer_names_, \
n_features_in_, feature_names_in_
        As in :class:`WeightedMultiOutputClassifier`; ``history_`` holds
        ``"<output layer name>_loss"`` for every output.

    See Also
    --------
    WeightedMultiOutputClassifier : every output a classification output.

    Examples
    --------
    >>> from skweight import WeightedMixedOutputEstimator
    >>> from skweight.datasets import load_fair
    >>> fair = load_fair()
    >>> y = fair.target[["rate_marriage"]].assign(affairs=fair.affairs)
    >>> est = WeightedMixedOutputEstimator(
    ...     class_weight="balanced", loss_weights=[1.0, 0.5], epochs=2,
    ...     random_state=0,
    ... ).fit(fair.data, y)
    >>> est.output_types_
    ['classification', 'regression']
    >>> pred = est.predict(fair.data.iloc[:3])
    >>> list(pred.columns), pred["affairs"].dtype.kind
    (['rate_marriage', 'affairs'], 'f')
    >>> sorted(est.history_)
    ['affairs_loss', 'loss', 'rate_marriage_loss']
    """

    def __init__(
        self,
        model=None,
        *,
        output_types=None,
        class_weight=None,
        loss_weights=None,
        optimizer="adam",
        loss=None,
        metrics=None,
        batch_size=None,
        validation_batch_size=None,
        verbose=0,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        run_eagerly=False,
        epochs=100,
        warm_start=False,
        random_state=None,
        **kwargs,
    ):
        super().__init__(
            model=model,
            class_weight=class_weight,
            loss_weights=loss_weights,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            warm_start=warm_start,
            random_state=random_state,
            **kwargs,
        )
        self.output_types = output_types

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Neither a classifier nor a regressor: some outputs are each. The
        # classifier tags stay: they describe the classification outputs, and
        # scikit-learn's checks read them wherever predict_proba exists.
        tags.estimator_type = None
        return tags

    # ------------------------------------------------------- checking inputs
    def _resolve_output_types(self, targets):
        names, ot = targets.names, self.output_types
        if ot is None or isinstance(ot, str):
            given = [ot or "auto"] * len(names)
        elif isinstance(ot, Mapping):
            unknown = [k for k in ot if k not in names]
            if unknown:
                raise ValueError(
                    f"output_types names unknown output(s) {unknown}; the output "
                    f"names are {names}."
                )
            given = [ot.get(name, "auto") for name in names]
        elif isinstance(ot, Sequence):
            if len(ot) != len(names):
                raise ValueError(
                    f"output_types must have one entry per output ({len(names)}). "
                    f"Got {len(ot)} instead."
                )
            given = list(ot)
        else:
            raise TypeError(
                "output_types must be None, a str, a list or a dict "
                f"{{output_name: kind}}. Got {_describe(ot)} instead."
            )
        for name, kind in zip(names, given, strict=True):
            if kind not in _KINDS:
                raise ValueError(
                    f"output_types for output {name!r} must be one of "
                    f"{list(_KINDS)}. Got {kind!r} instead."
                )
        return [
            infer_output_type(col) if kind == "auto" else kind
            for kind, col in zip(given, targets.columns, strict=True)
        ]

    def _resolve_class_weight(self, names, kinds, single):
        cw = self.class_weight
        entries = resolve_class_weight(cw, names, single_output=single)
        if cw is None:
            return entries
        if _is_strategy_entry(cw):
            if CLASSIFICATION not in kinds:
                raise ValueError(
                    "class_weight applies to classification outputs only, and y "
                    f"has none (output types {kinds}). Got {_describe(cw)} instead."
                )
            return [e if k == CLASSIFICATION else None
                    for e, k in zip(entries, kinds, strict=True)]
        for name, kind, entry in zip(names, kinds, entries, strict=True):
            if kind == REGRESSION and entry is not None:
                raise ValueError(
                    "class_weight applies to classification outputs only; output "
                    f"{name!r} is a regression output. Got {_describe(entry)} for "
                    "it instead."
                )
        return entries

    @staticmethod
    def _regression_column(column, name):
        column = np.asarray(column)
        if column.dtype.kind not in "biuf":
            try:
                column = column.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"y column {name!r} is a regression output and needs numbers. "
                    f"Got values of dtype {column.dtype} instead."
                ) from None
        column = column.astype(np.float64)
        if not np.all(np.isfinite(column)):
            raise ValueError(
                f"y column {name!r} is a regression output and contains NaN or "
                "infinity; targets must be finite."
            )
        return column

    def _prepare(self, X, y, sample_weight):
        """Validate everything and compute the new fitted state (no training)."""
        self._check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        feature_names = _get_feature_names(X)
        X = self._check_X(X, reset=True)
        targets = split_target_columns(y)
        # An object array mixing labels and floats (np.asarray of such a
        # table) holds each column's values as Python objects: recover their
        # kinds (bool, float, str) before telling labels from quantities.
        targets.columns = [
            pd.Series(col).infer_objects().to_numpy() if col.dtype.kind == "O"
            else col
            for col in targets.columns
        ]
        check_consistent_length(X, targets.columns[0])
        names, n = targets.names, targets.n_samples
        single = targets.ndim == 1
        kinds = self._resolve_output_types(targets)
        entries = self._resolve_class_weight(names, kinds, single)
        sw = check_output_sample_weight(sample_weight, n, targets.n_outputs,
                                        names=names)
        loss_weights = self._check_loss_weights(names)
        codes, weights, classes, class_weight_ = [], [], [], []
        mean = np.full(targets.n_outputs, np.nan)
        scale = np.full(targets.n_outputs, np.nan)
        for k, (col, name, kind, entry) in enumerate(
            zip(targets.columns, names, kinds, entries, strict=True)
        ):
            if kind == REGRESSION:
                values = self._regression_column(col, name)
                mean[k] = values.mean()
                scale[k] = values.std() or 1.0
                codes.append(((values - mean[k]) / scale[k]).astype(np.float32))
                classes.append(None)
                class_weight_.append(None)
                column = None
            else:
                lab = encode_labels(col, name=name)
                if len(lab.classes) < 2:
                    raise ValueError(
                        f"y column {name!r} has one class {lab.classes.tolist()}; "
                        "a classification output needs at least 2 classes."
                    )
                w = class_weights_for_output(entry, lab.classes, lab.counts,
                                             output_name=name)
                codes.append(lab.codes)
                classes.append(lab.classes)
                class_weight_.append(
                    None if w is None
                    else dict(zip(lab.classes.tolist(), w.tolist(), strict=True))
                )
                column = None if w is None else lab.take(w)
            if sw is not None:
                column = sw[:, k] if column is None else column * sw[:, k]
            weights.append(column)
        if all(w is None for w in weights):
            weights = None
        else:
            weights = [
                np.ones(n, np.float32) if w is None else w.astype(np.float32)
                for w in weights
            ]
        n_classes = [None if c is None else len(c) for c in classes]
        state = {
            "n_features_in_": X.shape[1],
            "n_outputs_": targets.n_outputs,
            "output_names_": list(names),
            "output_layer_names_": layer_names(names),
            "output_types_": kinds,
            "classes_": classes[0] if single else classes,
            "n_classes_": n_classes[0] if single else n_classes,
            "class_weight_": class_weight_[0] if single else class_weight_,
            "target_mean_": mean,
            "target_scale_": scale,
            "y_ndim_": targets.ndim,
            "y_columns_": names if isinstance(y, pd.DataFrame) else None,
            "target_type_": "mixed-multioutput",
        }
        if feature_names is not None:
            state["feature_names_in_"] = feature_names
        return X, codes, weights, loss_weights, state

    def _check_warm_start(self, state):
        if state["output_types_"] != self.output_types_:
            raise ValueError(
                "warm_start=True continues training the fitted network, which needs "
                f"the same output types {self.output_types_}. Got "
                f"{state['output_types_']} instead; set warm_start=False to fit a "
                "new network."
            )
        super()._check_warm_start(state)

    # --------------------------------------------------------- the network
    def _check_model_outputs(self, model, meta):
        outputs = getattr(model, "outputs", None)
        if outputs is None:
            return
        n_out = meta["n_outputs_"]
        if len(outputs) != n_out:
            raise ValueError(
                f"The model has {len(outputs)} output(s) but y has {n_out} "
                f"column(s) {meta['output_names_']}; a user model must return one "
                "output per target column, in column order."
            )
        n_classes = np.atleast_1d(np.asarray(meta["n_classes_"], dtype=object))
        for out, name, kind, k in zip(outputs, meta["output_names_"],
                                      meta["output_types_"], n_classes, strict=True):
            width = out.shape[-1]
            if width is None:
                continue
            if kind == REGRESSION and width != 1:
                raise ValueError(
                    f"Model output {out.name!r} for regression output {name!r} has "
                    f"{width} units; expected 1."
                )
            if kind == CLASSIFICATION and width != k and not (width == 1 and k == 2):
                raise ValueError(
                    f"Model output {out.name!r} for y column {name!r} has {width} "
                    f"unit(s) but the column has {k} classes; expected {k} units "
                    "(softmax)" + (" or 1 unit (sigmoid)." if k == 2 else ".")
                )

    def _output_losses(self, model, meta, user_loss):
        """One loss per output: the defaults, overridden by the user's."""
        losses = [
            keras.losses.MeanSquaredError() if kind == REGRESSION
            else keras.losses.BinaryCrossentropy() if out.shape[-1] == 1
            else keras.losses.SparseCategoricalCrossentropy()
            for out, kind in zip(model.outputs, meta["output_types_"], strict=True)
        ]
        names, layers = meta["output_names_"], meta["output_layer_names_"]
        if user_loss is None:
            return losses
        if isinstance(user_loss, Mapping):
            for key, value in user_loss.items():
                if key in names:
                    k = names.index(key)
                elif key in layers:
                    k = layers.index(key)
                else:
                    raise ValueError(
                        f"loss names unknown output {key!r}; the output names are "
                        f"{names}."
                    )
                if value is not None:
                    losses[k] = value
            return losses
        if isinstance(user_loss, Sequence) and not isinstance(user_loss, str):
            if len(user_loss) != len(losses):
                raise ValueError(
                    f"loss must have one entry per output ({len(losses)}). Got "
                    f"{len(user_loss)} instead."
                )
            return [d if u is None else u
                    for d, u in zip(losses, user_loss, strict=True)]
        return user_loss

    def _make_compile_kwargs(self, model, meta, loss_weights=None,
                             steps_per_epoch=None):
        kwargs = super()._make_compile_kwargs(model, meta, loss_weights,
                                              steps_per_epoch)
        if model is not None:
            user_loss = None if self.loss is None else kwargs["loss"]
            kwargs["loss"] = self._output_losses(model, meta, user_loss)
        return kwargs

    # ----------------------------------------------------------- predicting
    def _predict_columns(self, X):
        """One 1-D prediction array per output: labels, or floats."""
        raw = self._raw_outputs(X)
        classes = [self.classes_] if self.y_ndim_ == 1 else self.classes_
        columns = []
        for k, (p, kind) in enumerate(zip(raw, self.output_types_, strict=True)):
            p = np.asarray(p, dtype=np.float64)
            if kind == REGRESSION:
                columns.append(p.reshape(-1) * self.target_scale_[k]
                               + self.target_mean_[k])
            else:
                proba = self._probas([p])[0]
                columns.append(classes[k][np.argmax(proba, axis=1)])
        return columns

    def predict(self, X):
        """Predict every output: labels for classification, floats for regression.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs), or DataFrame
            A DataFrame with the output names as columns (each in its own
            dtype) when ``y`` was one, indexed as ``X`` when ``X`` is one;
            otherwise an array (``object`` dtype when labels and floats mix).
        """
        columns = self._predict_columns(X)
        if self.y_ndim_ == 1:
            return columns[0]
        if self.y_columns_ is not None:
            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(
                dict(zip(self.y_columns_, columns, strict=True)), index=index
            )
        kinds = {c.dtype.kind for c in columns}
        numeric = kinds <= set("biuf")
        dtype = np.result_type(*columns) if numeric else object
        out = np.empty((len(columns[0]), len(columns)), dtype=dtype)
        for k, col in enumerate(columns):
            out[:, k] = col
        return out

    @available_if(_has_classification_output)
    def predict_proba(self, X):
        """Class probabilities of the classification outputs.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or list
            For one-dimensional ``y``, one array; otherwise a list with one
            (n_samples, n_classes) array per output and None at each regression
            output, so that ``predict_proba(X)[k]`` is output ``k``'s.
        """
        check_is_fitted(self, "model_")
        probas = self._probas(self._raw_outputs(X))
        probas = [p if kind == CLASSIFICATION else None
                  for p, kind in zip(probas, self.output_types_, strict=True)]
        return probas[0] if self.y_ndim_ == 1 else probas

    def score(self, X, y, sample_weight=None):
        """Mean over outputs of accuracy (classification) and R² (regression).

        Each output contributes a score whose best value is 1: the accuracy of
        a classification output, the coefficient of determination of a
        regression output. Use :func:`skweight.metrics.output_scorer` to score
        one output with another metric.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, \
n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        predicted = self._predict_columns(X)
        targets = split_target_columns(y)
        if targets.n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {targets.n_outputs} column(s) but the model was fitted on "
                f"{self.n_outputs_} output(s)."
            )
        if sample_weight is not None:
            sample_weight = check_array(sample_weight, ensure_2d=False,
                                        dtype=np.float64)
            if sample_weight.ndim != 1:
                raise ValueError(
                    "score takes a sample_weight of shape (n_samples,). Got shape "
                    f"{sample_weight.shape} instead."
                )
        scores = [
            r2_score(true, pred, sample_weight=sample_weight) if kind == REGRESSION
            else accuracy_score(true, pred, sample_weight=sample_weight)
            for true, pred, kind in zip(targets.columns, predicted,
                                        self.output_types_, strict=True)
        ]
        return float(np.mean(scores))
