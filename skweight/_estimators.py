"""WeightedMultiOutputClassifier: per-output class weights for Keras models."""

import numbers
from collections import defaultdict
from collections.abc import Mapping, Sequence

import keras
import numpy as np
from scikeras._utils import route_params
from sklearn.base import ClassifierMixin
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import (
    _get_feature_names,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from skweight import _backend, _trainer
from skweight._callbacks import StopOnNonFiniteLoss
from skweight._multilabel import (
    PackedBinaryCrossentropy,
    PerLabelLoss,
    expand_label_losses,
)
from skweight._network import build_default_network
from skweight._scikeras_compat import SkweightWrapper, seed_from_random_state, seeded
from skweight._targets import encode_labels, layer_names, split_target_columns
from skweight._weights import (
    check_output_sample_weight,
    class_weights_for_output,
    resolve_class_weight,
)

__all__ = ["WeightedMultiOutputClassifier"]

_STEPS_PER_EXECUTION = 32

# Keras fit arguments that skweight computes itself; a caller's would clash.
_RESERVED_FIT_KWARGS = frozenset({"x", "y", "class_weight", "callbacks",
                                  "initial_epoch"})


def _never(_):
    return False


class WeightedMultiOutputClassifier(ClassifierMixin, SkweightWrapper):
    """Keras classifier with per-output class weights and loss weights.

    A scikeras estimator for single- and multi-output classification. Each
    output's class weights become that output's own sample weights inside
    ``fit``: they reach only that output's loss term and are never multiplied
    across outputs (as :func:`sklearn.utils.class_weight.compute_sample_weight`
    and scikeras' ``KerasClassifier`` do). Keras itself refuses ``class_weight``
    for multi-output models.

    A multilabel indicator ``y`` (a 0/1 or boolean matrix with two or more
    columns, as an array, a DataFrame or a scipy sparse matrix) is a
    multi-output target whose outputs are the labels: every ``class_weight``
    form applies per label. The built-in network then has one
    ``Dense(n_labels, sigmoid)`` output trained with the per-label weighted
    binary cross-entropy ``sum_k loss_weights[k] * mean_n(w_nk * bce_nk)``: the
    loss of one sigmoid head per label, computed at once (many times faster
    with many labels; ``model__label_layout="heads"`` builds separate heads).

    Parameters
    ----------
    model : None, keras.Model or callable, default=None
        ``None`` builds the built-in network (a shared dense trunk on
        standardised inputs, one head per output; options routed as
        ``model__hidden_layer_sizes``, ``model__activation``,
        ``model__dropout``, ``model__label_layout``). Otherwise a
        ``keras.Model`` or a function returning one, optionally taking
        ``meta``, ``compile_kwargs`` and routed ``model__*`` parameters, as in
        scikeras. A user model returns one output
        per target column, in column order; an output with k units is a softmax
        over k classes (sparse categorical cross-entropy), one unit on a binary
        target is a sigmoid (binary cross-entropy), unless ``loss`` says
        otherwise. For a multilabel indicator ``y`` a user model may instead
        return one (n_samples, n_labels) sigmoid output.
    class_weight : None, str, strategy, callable, dict or list, default=None
        ``None``; a strategy for every output: ``"balanced"``, ``"inverse"``,
        ``"sqrt_inverse"``, ``"effective_number"``, a strategy object such as
        :class:`~skweight.InverseFrequency`, or ``f(classes, counts) ->
        weights``; for one-dimensional ``y`` a ``{label: weight}`` dict; for
        two-dimensional ``y`` a list with one entry per output or a
        ``{output_name: entry}`` dict (outputs not named get ``None``).
        Strategies are scaled to mean sample weight 1 per output; dicts are
        used as given.
    loss_weights : None, list of float or dict, default=None
        Weight of each output's loss in the optimised total
        ``sum_k loss_weights[k] * loss_k``; a list with one float >= 0 per output
        or ``{output_name: float}`` (outputs not named weigh 1).
    optimizer : str, keras.optimizers.Optimizer or class, default="adam"
        As in scikeras; routed parameters as ``optimizer__learning_rate``.
    loss : None, str, keras.losses.Loss, list or dict, default=None
        ``None`` picks each output's cross-entropy from its width.
    metrics : list, default=None
        Keras metrics, as in scikeras.
    batch_size : int, default=None
        Samples per gradient step (Keras' 32 when None; -1 for all samples).
    validation_batch_size : int, default=None
        Batch size of the validation data.
    verbose : int, default=0
        Keras' progress display (0 silent, 1 progress bar, 2 one line per
        epoch).
    callbacks : list of keras.callbacks.Callback, default=None
        As in scikeras.
    validation_split : float, default=0.0
        Fraction of the training data (the last samples, as in Keras) held out
        to compute ``val_*`` logs.
    shuffle : bool, default=True
        Shuffle the training samples every epoch.
    run_eagerly : bool, default=False
        Run Keras eagerly (for debugging).
    epochs : int, default=100
        Passes over the training data.
    warm_start : bool, default=False
        Keep training the fitted network on the next ``fit``.
    random_state : int, RandomState or None, default=None
        Seed of weight initialisation and shuffling; the same seed gives the
        same model.
    **kwargs
        Routed parameters (``model__*``, ``fit__*``, ``compile__*``,
        ``predict__*``, ``optimizer__*``, ...), as in scikeras.

    Attributes
    ----------
    model_ : keras.Model
        The trained network. The estimator pickles whole (pickle, joblib);
        ``model_.save("net.keras")`` saves the network alone in Keras' format
        (see ``docs/persistence.md``).
    history_ : dict of list
        Keras' logs per epoch, including ``"<output layer name>_loss"`` for each
        output of a multi-output model. With the packed multilabel layout these
        per-label entries come from a metric that logs each label's
        ``mean_n(w_nk * bce_nk)``, the value a separate head would log.
    classes_ : ndarray or list of ndarray
        The classes of each output (a list for two-dimensional ``y``).
    n_classes_ : int or list of int
        The number of classes of each output.
    n_outputs_ : int
        Number of outputs.
    output_names_ : list of str
        Output names: DataFrame column names when given, else ``"output_<k>"``.
    output_layer_names_ : list of str
        The names of the built-in network's output layers (valid Keras names
        derived from ``output_names_``).
    class_weight_ : dict, or list of (dict or None), or None
        The per-class weights actually used.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Feature names seen during ``fit``, when ``X`` has column names.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> X, Y = load_penguins(return_X_y=True)
    >>> clf = WeightedMultiOutputClassifier(
    ...     class_weight="balanced", epochs=5, random_state=0
    ... ).fit(X, Y)
    >>> clf.predict(X.iloc[:2]).shape
    (2, 3)
    >>> sorted(clf.class_weight_[1])
    ['Biscoe', 'Dream', 'Torgersen']
    """

    def __init__(
        self,
        model=None,
        *,
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
        self.class_weight = class_weight
        self.loss_weights = loss_weights

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    # scikeras' partial_fit trains on one batch with class weights from that
    # batch alone; skweight computes class weights from the whole training set,
    # so it offers warm_start=True with fit instead.
    partial_fit = available_if(_never)(SkweightWrapper.partial_fit)

    # ------------------------------------------------------- checking inputs
    def _check_params(self):
        """Check the plain training parameters (before any data is touched)."""
        _check_training_args({
            "epochs": getattr(self, "fit__epochs", self.epochs),
            "validation_split": self.validation_split,
            **{name: getattr(self, f"fit__{name}", getattr(self, name))
               for name in ("batch_size", "validation_batch_size")},
        })

    def _check_fit_kwargs(self, fit_kwargs):
        """Check the keyword arguments of ``fit`` (they go to Keras' fit)."""
        reserved = sorted(set(fit_kwargs) & _RESERVED_FIT_KWARGS)
        if reserved:
            raise TypeError(
                f"fit sets {reserved} itself: pass X, y and sample_weight as fit's "
                "arguments, and class_weight and callbacks as estimator parameters "
                f"(set_params). Got fit keyword argument(s) {reserved} instead."
            )
        _check_training_args(fit_kwargs)

    def _check_X(self, X, *, reset):
        kwargs = {
            "accept_sparse": ("csr", "csc", "coo"),
            "dtype": np.float32,
            "ensure_min_samples": 1,
        }
        if reset:
            X = check_array(X, input_name="X", **kwargs)
        else:
            X = validate_data(self, X, reset=False, **kwargs)
        if hasattr(X, "toarray"):
            # Dense Keras layers need dense input; sparse X is densified.
            X = X.toarray()
        return X

    def _check_loss_weights(self, names):
        lw = self.loss_weights
        if lw is None:
            return None
        if isinstance(lw, Mapping):
            unknown = [k for k in lw if k not in names]
            if unknown:
                raise ValueError(
                    f"loss_weights must name outputs among {list(names)}. Got "
                    f"unknown output name(s) {unknown} instead."
                )
            values = [lw.get(name, 1.0) for name in names]
        elif isinstance(lw, Sequence) and not isinstance(lw, str):
            if len(lw) != len(names):
                raise ValueError(
                    f"loss_weights must have one weight per output ({len(names)}). "
                    f"Got {len(lw)} instead."
                )
            values = list(lw)
        else:
            raise TypeError(
                "loss_weights must be None, a list of floats or a dict "
                f"{{output_name: float}}. Got {lw!r} instead."
            )
        for name, v in zip(names, values, strict=True):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(
                    f"loss_weights for output {name!r} must be a real number. "
                    f"Got {v!r} instead."
                )
            if not np.isfinite(v) or v < 0:
                raise ValueError(
                    f"loss_weights for output {name!r} must be a finite number "
                    f">= 0. Got {v!r} instead."
                )
        values = [float(v) for v in values]
        if not any(values):
            raise ValueError(
                "loss_weights must give a positive weight to at least one output. "
                f"Got {values} instead."
            )
        return values

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
        check_consistent_length(X, targets.columns[0])
        names = targets.names
        labels = [
            encode_labels(col, name=name)
            for col, name in zip(targets.columns, names, strict=True)
        ]
        for name, lab in zip(names, labels, strict=True):
            if len(lab.classes) < 2:
                raise ValueError(
                    f"y column {name!r} must have at least 2 classes. Got "
                    f"{len(lab.classes)} class {lab.classes.tolist()} instead."
                )
        single = targets.ndim == 1
        multilabel = not single and targets.n_outputs > 1 and all(
            lab.classes.dtype.kind in "biuf" and lab.classes.tolist() == [0, 1]
            for lab in labels
        )
        entries = resolve_class_weight(self.class_weight, names, single_output=single)
        per_class = [
            class_weights_for_output(e, lab.classes, lab.counts, output_name=name)
            for e, lab, name in zip(entries, labels, names, strict=True)
        ]
        sw = check_output_sample_weight(
            sample_weight, targets.n_samples, targets.n_outputs, names=names
        )
        loss_weights = self._check_loss_weights(names)
        weights = []
        for k, (lab, w) in enumerate(zip(labels, per_class, strict=True)):
            column = None if w is None else lab.take(w)
            if sw is not None:
                column = sw[:, k] if column is None else column * sw[:, k]
            weights.append(column)
        empty = [name for name, w in zip(names, weights, strict=True)
                 if w is not None and not w.any()]
        if empty:
            raise ValueError(
                "class_weight and sample_weight give no weight to any sample of "
                f"output(s) {empty}: nothing to train on. Got all zeros instead."
            )
        if all(w is None for w in weights):
            weights = None
        else:
            weights = [
                np.ones(targets.n_samples, np.float32) if w is None
                else w.astype(np.float32) for w in weights
            ]
        class_weight_ = [
            None if w is None else dict(zip(lab.classes.tolist(), w.tolist(),
                                            strict=True))
            for lab, w in zip(labels, per_class, strict=True)
        ]
        classes = [lab.classes for lab in labels]
        n_classes = [len(c) for c in classes]
        state = {
            "n_features_in_": X.shape[1],
            "n_outputs_": targets.n_outputs,
            "output_names_": list(names),
            "output_layer_names_": layer_names(names),
            "classes_": classes[0] if single else classes,
            "n_classes_": n_classes[0] if single else n_classes,
            "class_weight_": class_weight_[0] if single else class_weight_,
            "y_ndim_": targets.ndim,
            "target_type_": (
                "multilabel-indicator" if multilabel
                else "multiclass-multioutput" if not single
                else "binary" if n_classes[0] == 2 else "multiclass"
            ),
        }
        if feature_names is not None:
            state["feature_names_in_"] = feature_names
        return X, [lab.codes for lab in labels], weights, loss_weights, state

    # --------------------------------------------------------- the network
    def _check_model_param(self):
        if self.model is None and self.build_fn is None:
            return build_default_network
        if self.model is not None and not (
            callable(self.model) or isinstance(self.model, keras.Model)
        ):
            raise TypeError(
                "model must be None, a keras.Model or a callable returning one. "
                f"Got {self.model!r} instead."
            )
        return super()._check_model_param()

    def _build_model(self, meta):
        """Build the Keras model from ``model`` with ``meta`` (scikeras routing)."""
        from scikeras._utils import accepts_kwargs, has_param

        build_fn = self._check_model_param()
        params = self.get_params()
        build_params = route_params(
            params,
            destination="model",
            pass_filter=getattr(self, "_user_params", set()),
            strict=True,
        )
        if has_param(build_fn, "meta") or accepts_kwargs(build_fn):
            build_params["meta"] = meta
        if has_param(build_fn, "compile_kwargs") or accepts_kwargs(build_fn):
            build_params["compile_kwargs"] = self._make_compile_kwargs(None, meta)
        if has_param(build_fn, "params") or accepts_kwargs(build_fn):
            build_params["params"] = params
        model = build_fn(**build_params)
        if not isinstance(model, keras.Model):
            raise TypeError(
                "model must build a keras.Model. Got "
                f"{type(model).__name__} instead."
            )
        return model

    def _check_model_outputs(self, model, meta):
        """Refuse, before training, a model whose input or outputs do not fit."""
        inputs = getattr(model, "inputs", None) or []
        n_features = meta["n_features_in_"]
        if len(inputs) == 1 and inputs[0].shape[-1] not in (None, n_features):
            raise ValueError(
                f"model input must take {n_features} feature(s), the columns of X. "
                f"Got an input of width {inputs[0].shape[-1]} instead."
            )
        outputs = getattr(model, "outputs", None)
        if outputs is None or (
            meta["target_type_"] == "multilabel-indicator"
            and _is_packed(model, meta["n_outputs_"])
        ):
            return
        n_out = meta["n_outputs_"]
        if len(outputs) != n_out:
            raise ValueError(
                f"model must return one output per y column ({n_out}: "
                f"{meta['output_names_']}), in column order. Got {len(outputs)} "
                "output(s) instead."
            )
        n_classes = np.atleast_1d(meta["n_classes_"]).tolist()
        for out, name, k in zip(outputs, meta["output_names_"], n_classes,
                                strict=True):
            width = out.shape[-1]
            if width is not None and width != k and not (width == 1 and k == 2):
                raise ValueError(
                    f"model output {out.name!r} for y column {name!r} must have {k} "
                    f"units (softmax over {k} classes)"
                    + (" or 1 unit (sigmoid)" if k == 2 else "")
                    + f". Got {width} unit(s) instead."
                )

    def _default_losses(self, model):
        return [
            keras.losses.BinaryCrossentropy()
            if out.shape[-1] == 1
            else keras.losses.SparseCategoricalCrossentropy()
            for out in model.outputs
        ]

    def _make_compile_kwargs(self, model, meta, loss_weights=None,
                             steps_per_epoch=None):
        kwargs = self._get_compile_kwargs()
        if model is not None and _is_packed(model, meta["n_outputs_"]):
            # One (n, L) output: the loss weights go into the packed loss, and a
            # metric logs "<label>_loss" per label as separate heads would.
            if self.loss is None:
                kwargs["loss"] = PackedBinaryCrossentropy(
                    loss_weights or [1.0] * meta["n_outputs_"]
                )
                loss_weights = None
            weighted = kwargs.get("weighted_metrics") or []
            kwargs["weighted_metrics"] = [
                *weighted, PerLabelLoss(meta["output_layer_names_"])
            ]
        elif self.loss is None and model is not None:
            kwargs["loss"] = self._default_losses(model)
        kwargs["loss_weights"] = loss_weights
        # Several steps per call cut Keras' per-step overhead; never more than an
        # epoch holds, or the progress display counts past the end. Keras' torch
        # trainer runs one step per call only.
        if keras.backend.backend() != "torch":
            kwargs.setdefault(
                "steps_per_execution",
                max(1, min(_STEPS_PER_EXECUTION,
                           steps_per_epoch or _STEPS_PER_EXECUTION)),
            )
        return kwargs

    def _compile(self, model, meta, loss_weights, steps_per_epoch=None):
        if model.compiled and loss_weights is None:
            return
        model.compile(
            **self._make_compile_kwargs(model, meta, loss_weights, steps_per_epoch)
        )

    # -------------------------------------------------------------- fitting
    def _keras_targets(self, model, codes):
        if _is_packed(model, len(codes)):
            return [np.stack(codes, axis=1).astype(np.float32)]
        ys = []
        for out, c in zip(model.outputs, codes, strict=True):
            if out.shape[-1] == 1:
                ys.append(c.astype(np.float32).reshape(-1, 1))
            else:
                ys.append(c.astype(np.int32))
        return ys

    def _fit_args(self, n_samples):
        params = self.get_params()
        args = route_params(
            params,
            destination="fit",
            pass_filter={"batch_size", "epochs", "verbose", "validation_split",
                         "shuffle", "validation_batch_size"},
        )
        args = {k: v for k, v in args.items() if not k.startswith("callbacks")}
        if args.get("batch_size") is None:
            args["batch_size"] = 32
        for key in ("batch_size", "validation_batch_size"):
            if args.get(key) == -1:
                args[key] = n_samples
        return args

    def _make_callbacks(self, meta):
        """Keras callbacks of this fit; subclasses add their own."""
        # First, so that no later callback sees a diverged epoch.
        return [StopOnNonFiniteLoss(meta["output_names_"]), *self._fit_callbacks]

    def _train(self, model, X, ys, weights, meta, initial_epoch, fit_kwargs):
        args = self._fit_args(len(X))
        args.update(fit_kwargs)
        epochs = args.pop("epochs")
        val_split = args.pop("validation_split", 0.0)
        callbacks = self._make_callbacks(meta)
        seed = self._seed
        single = len(ys) == 1 and not isinstance(model.output, list)
        y_in = ys[0] if single else ys
        w_in = None if weights is None else (weights[0] if single else weights)
        why_not = _trainer.unsupported(
            model, callbacks=callbacks,
            fit_args={**args, "epochs": epochs, "validation_split": val_split},
            run_eagerly=self.run_eagerly,
        )
        if why_not is None:
            return _trainer.fit(
                model, X, y_in, w_in, epochs=epochs, initial_epoch=initial_epoch,
                batch_size=args["batch_size"], shuffle=args.get("shuffle", True),
                seed=seed, callbacks=callbacks,
            )
        if _backend.is_tensorflow():
            batch_size = args.pop("batch_size")
            val_bs = args.pop("validation_batch_size", None) or batch_size
            shuffle = args.pop("shuffle", True)
            n_train = len(X) - int(len(X) * val_split)
            validation_data = None
            if n_train < len(X):
                validation_data = _backend.make_tf_dataset(
                    X[n_train:], _rows(y_in, n_train, None),
                    _rows(w_in, n_train, None),
                    batch_size=val_bs, shuffle=False, seed=None,
                )
            data = _backend.make_tf_dataset(
                X[:n_train], _rows(y_in, 0, n_train), _rows(w_in, 0, n_train),
                batch_size=batch_size, shuffle=shuffle, seed=seed,
            )
            hist = model.fit(
                data, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
                validation_data=validation_data, callbacks=callbacks,
                shuffle=False,  # the pipeline shuffles
                **args,
            )
        else:
            hist = model.fit(
                X, y_in, sample_weight=w_in, epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch, validation_split=val_split,
                callbacks=callbacks, **args,
            )
        return hist.history

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Fit the network; each output is weighted by its own class weights.

        All inputs are checked before any training, and none is modified. If
        training fails or is interrupted, a previously fitted estimator keeps
        its previous model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training features (sparse input is densified).
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
            Labels (int, str, bool, ...); DataFrame column names become
            ``output_names_``.
        sample_weight : array-like of shape (n_samples,) or (n_samples, \
                n_outputs), default=None
            Multiplies the class weights; a 1-D array applies to every output,
            a 2-D array gives each output its own column.
        **kwargs
            Passed to ``keras.Model.fit`` (prefer ``fit__*`` parameters).

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For a bad parameter or argument, before any training.
        skweight.exceptions.NonFiniteLossError
            When a loss becomes NaN or infinite during training; the estimator
            keeps its previous fitted state (or stays unfitted).
        """
        return self._fit(X, y, sample_weight, fit_kwargs=kwargs)

    def _fit(self, X, y, sample_weight, fit_kwargs=None, epochs=None, **_):
        self._check_fit_kwargs(fit_kwargs or {})
        X, codes, weights, loss_weights, state = self._prepare(X, y, sample_weight)
        fit_kwargs = dict(fit_kwargs or {})
        warm = self.warm_start and hasattr(self, "model_")
        if warm:
            self._check_warm_start(state)
        self._seed = seed_from_random_state(self.random_state)
        self._initialize_callbacks()
        X64 = X.astype(np.float64)
        meta = {
            **state,
            "feature_mean_": X64.mean(axis=0).tolist(),
            "feature_var_": X64.var(axis=0).tolist(),
        }
        with seeded(self._seed):
            if warm:
                model = self.model_
                saved = self._variables_to_restore(model)
                snapshot = [np.array(v.numpy()) for v in saved]
                initial_epoch = len(self.history_.get("loss", []))
            else:
                model = self._build_model(meta)
                self._check_model_outputs(model, meta)
                initial_epoch = 0
            args = self._fit_args(len(X))
            n_train = len(X) - int(len(X) * args.get("validation_split", 0.0))
            self._compile(model, meta, loss_weights,
                          steps_per_epoch=-(-n_train // args["batch_size"]))
            ys = self._keras_targets(model, codes)
            if weights is not None and _is_packed(model, len(codes)):
                weights = [np.stack(weights, axis=1)]
            if epochs is not None:
                fit_kwargs["epochs"] = epochs
            try:
                logs = self._train(model, X, ys, weights, meta, initial_epoch,
                                   fit_kwargs)
            except BaseException:
                if warm:
                    for v, value in zip(saved, snapshot, strict=True):
                        v.assign(value)
                raise
        if _is_packed(model, len(codes)):
            logs = expand_label_losses(logs, state["output_layer_names_"])
        history = defaultdict(list)
        if warm:
            for key, values in self.history_.items():
                history[key] = list(values)
        for key, values in logs.items():
            history[key] += [float(v) for v in values]
        self._commit(state, model, history)
        return self

    def _variables_to_restore(self, model):
        """What a failed warm start puts back: the network's and its optimizer's
        variables (step count and moments too, so that it leaves no trace)."""
        return _training_variables(model)

    def _check_warm_start(self, state):
        same = state["n_features_in_"] == self.n_features_in_ and (
            state["output_names_"] == self.output_names_
        ) and all(
            np.array_equal(a, b) for a, b in zip(
                np.atleast_1d(self.n_classes_), np.atleast_1d(state["n_classes_"]),
                strict=True,
            )
        )
        if not same:
            raise ValueError(
                "warm_start=True continues training the fitted network, which needs "
                "the same features, outputs and classes. Got data of another shape "
                "instead; set warm_start=False to fit a new network."
            )

    def _commit(self, state, model, history):
        """Install the new fitted state at once (after training succeeded)."""
        # Everything that can fail comes before the first assignment.
        forward = _backend.make_forward(model, state["n_features_in_"])
        self.__dict__.pop("feature_names_in_", None)
        self.__dict__.update(state)
        self.model_ = model
        self.history_ = history
        self._forward_cache = forward

    def initialize(self, X, y):
        """Build and compile the network for ``(X, y)`` without training it."""
        return self._fit(X, y, None, epochs=0)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in self.__dict__:
            self._forward_cache = _backend.make_forward(self.model_,
                                                        self.n_features_in_)

    # ----------------------------------------------------------- predicting
    def _raw_outputs(self, X):
        check_is_fitted(self, "model_")
        X = self._check_X(X, reset=False)
        raw = self._forward_cache(X)
        if _is_packed(self.model_, self.n_outputs_):
            return list(raw[0].T)
        return raw

    def _probas(self, raw):
        out = []
        for p in raw:
            p = np.asarray(p, dtype=np.float64)
            if p.ndim == 1:
                p = p[:, None]
            out.append(np.hstack([1.0 - p, p]) if p.shape[1] == 1 else p)
        return out

    def predict_proba(self, X):
        """Class probabilities.

        For a multilabel ``y`` this follows scikit-learn's multi-output
        convention (:class:`~sklearn.multioutput.MultiOutputClassifier`,
        random forests): a list with one (n_samples, 2) array per label, whose
        column 1 is the probability of the label. It keeps one contract for
        every two-dimensional ``y``, lets per-output scorers treat a label like
        any output, and scikit-learn's own scorers (``"roc_auc"``, ...) accept
        it; ``np.stack([p[:, 1] for p in proba], axis=1)`` gives the
        (n_samples, n_labels) array of
        :class:`~sklearn.neural_network.MLPClassifier`.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or a list with one such array
        per output when ``y`` was two-dimensional.
        """
        probas = self._probas(self._raw_outputs(X))
        return probas[0] if self.y_ndim_ == 1 else probas

    def _predict_columns(self, X):
        """Predicted labels per output, each column in its own classes' dtype."""
        probas = self._probas(self._raw_outputs(X))
        classes = [self.classes_] if self.y_ndim_ == 1 else self.classes_
        return [c[np.argmax(p, axis=1)] for c, p in zip(classes, probas,
                                                       strict=True)]

    def predict(self, X):
        """Predicted labels, shape (n_samples,) or (n_samples, n_outputs).

        When the outputs' labels are of different kinds (say str and bool), the
        array is of dtype object and each column keeps its own values.
        """
        columns = self._predict_columns(X)
        if self.y_ndim_ == 1:
            return columns[0]
        kinds = {c.dtype.kind for c in columns}
        dtype = np.result_type(*columns) if len(kinds) == 1 else object
        out = np.empty((len(columns[0]), len(columns)), dtype=dtype)
        for k, col in enumerate(columns):
            out[:, k] = col
        return out

    def score(self, X, y, sample_weight=None):
        """Accuracy; subset accuracy (all outputs right) for multi-output ``y``."""
        y_pred = self.predict(X)
        targets = split_target_columns(y)
        correct = np.ones(len(y_pred), dtype=bool)
        pred_cols = [y_pred] if self.y_ndim_ == 1 else list(y_pred.T)
        if len(pred_cols) != targets.n_outputs:
            raise ValueError(
                f"y has {targets.n_outputs} column(s) but the model was fitted on "
                f"{self.n_outputs_} output(s)."
            )
        for true, pred in zip(targets.columns, pred_cols, strict=True):
            correct &= np.asarray(true) == pred
        if sample_weight is not None:
            sample_weight = check_array(sample_weight, ensure_2d=False,
                                        dtype=np.float64)
            if sample_weight.ndim != 1:
                raise ValueError(
                    "score takes a sample_weight of shape (n_samples,). Got shape "
                    f"{sample_weight.shape} instead."
                )
        return float(np.average(correct, weights=sample_weight))


def _check_training_args(args):
    """Check those of epochs, validation_split and batch sizes in ``args``."""
    epochs = args.get("epochs", 0)
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise TypeError(f"epochs must be an int. Got {epochs!r} instead.")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0. Got {epochs!r} instead.")
    vs = args.get("validation_split", 0.0)
    if isinstance(vs, bool) or not isinstance(vs, numbers.Real) or not (
        0.0 <= vs < 1.0
    ):
        raise ValueError(
            f"validation_split must be a float in [0, 1). Got {vs!r} instead."
        )
    for name in ("batch_size", "validation_batch_size"):
        bs = args.get(name)
        if bs is not None and (
            isinstance(bs, bool)
            or not isinstance(bs, numbers.Integral)
            or (bs < 1 and bs != -1)
        ):
            raise ValueError(
                f"{name} must be None, -1 or a positive int. Got {bs!r} instead."
            )


def _training_variables(model):
    """The variables a fit changes: the network's and its optimizer's.

    Restoring the optimizer's too (step count, moments) makes a failed warm
    start leave no trace on later training.
    """
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        variables += list(optimizer.variables)
    return variables


def _is_packed(model, n_outputs):
    """Whether ``model`` has the packed multilabel layout: one (n, L) output."""
    outputs = getattr(model, "outputs", None)
    return (
        n_outputs > 1 and outputs is not None and len(outputs) == 1
        and outputs[0].shape[-1] == n_outputs
    )


def _rows(struct, start, stop):
    """Rows start:stop of an array or of each array in a list (None stays)."""
    if struct is None:
        return None
    if isinstance(struct, list):
        return [a[start:stop] for a in struct]
    return struct[start:stop]
