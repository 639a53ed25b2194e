"""The training engine every skweight estimator stands on.

:class:`BaseWeightedEstimator` owns what does not depend on the kind of the
outputs, in the manner of scikit-learn's ``BaseMultilayerPerceptron``:

1. checks first (:meth:`~BaseWeightedEstimator._prepare`): parameters, ``X``,
   ``y``, ``class_weight``, ``sample_weight``, ``loss_weights``, ``loss``; the
   per-output sample weights (class weight x sample weight); the new fitted
   state. Nothing is trained or changed when an error is raised;
2. model building and compiling, through :mod:`skweight._engine._build`;
3. training on a :class:`TrainingPlan` (:meth:`_training_plan`, the one hook
   through which an estimator trains something else than the plain compiled
   model, e.g. :class:`~skweight.DynamicWeightClassifier`);
4. the transactional commit: the new state is installed at once after
   training succeeded; a failed warm start puts every variable back;
5. prediction, through :mod:`skweight._engine._predict`.

What depends on the kind of outputs lives in :mod:`skweight._targets._outputs`; the
estimators say which kinds they have (:meth:`_encode_targets`).
"""

from __future__ import annotations

from skweight import _env

# A worker process that unpickles an estimator or a search job loads this
# module first, not through skweight's lazy names: TensorFlow starts quietly
# there too (skweight/_env.py).
_env.configure_logging()

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import (
    check_consistent_length,
    validate_data,
)

from skweight import losses  # noqa: F401  (registers skweight's losses with Keras)
from skweight._engine import _backend, _trainer
from skweight._engine._build import (
    build_model,
    builtin_compile_arguments,
    compile_kwargs,
)
from skweight._engine._callbacks import StopOnNonFiniteLoss
from skweight._engine._early_stopping import (
    AtEpochs,
    BestEpochs,
    check_clonable,
    take_rows,
    validation_rows,
)
from skweight._engine._model_state import check_warm_start, fit_optimizer_params
from skweight._engine._network import build_default_network
from skweight._engine._predict import X_CHECKS, input_shape, raw_outputs
from skweight._scikeras_compat import SkweightWrapper, route_params, seeded
from skweight._targets._columns import (
    accumulate_counts,
    check_partial_classes,
    discount_outputs,
    layer_names,
    mask_missing_labels,
    score_targets,
    split_target_columns,
    zero_missing_weights,
)
from skweight._targets._outputs import OutputsEncoder
from skweight._targets._weights import (
    check_output_sample_weight,
    resolve_class_weight,
    weigh_outputs,
)
from skweight._typing import Features, SampleWeight, Targets
from skweight._validation import (
    check_numeric_features,
    check_parameter,
    per_output,
    resolve_loss_weights,
    seed_from_random_state,
)

__all__ = ["BaseWeightedEstimator", "Prepared", "TrainingPlan", "score_targets",
           "stack_columns", "training_variables"]

# Keras fit arguments that skweight computes itself; a caller's would clash.
_RESERVED_FIT_KWARGS = frozenset({"x", "y", "class_weight", "callbacks",
                                  "initial_epoch"})
_FIT_PARAMS = ("batch_size", "epochs", "verbose", "validation_split", "shuffle",
               "validation_batch_size")


@dataclasses.dataclass
class TrainingPlan:
    """What one fit trains, as an estimator's :meth:`_training_plan` returns it.

    Attributes
    ----------
    trainer : keras.Model
        The compiled model that ``fit`` runs (the network itself, or a model
        built on its graph).
    callbacks : list of keras.callbacks.Callback
        Callbacks of this fit, after the user's.
    restore : list of keras.Variable
        Variables besides the network's and its optimizer's that a failed warm
        start puts back.
    record : callable or None
        ``record(state)`` adds the plan's fitted attributes to the new state,
        once training has succeeded.
    """

    trainer: keras.Model
    callbacks: list = dataclasses.field(default_factory=list)
    restore: list = dataclasses.field(default_factory=list)
    record: Callable | None = None


@dataclasses.dataclass
class Prepared:
    """What the checks of a fit produce (no training yet).

    Attributes
    ----------
    X : ndarray
        The checked features.
    codes : list
        Per output, what Keras trains on (class codes, a standardised column).
    weights : list of ndarray or None
        Per output, the sample weights (class weights times ``sample_weight``).
    loss_weights : list of float or None
        The resolved ``loss_weights``.
    state : dict
        The new fitted attributes, installed once training succeeds.
    """

    X: Any
    codes: list
    weights: list | None
    loss_weights: list | None
    state: dict


class _FeatureProbe(BaseEstimator):
    """Receives ``n_features_in_``/``feature_names_in_`` from scikit-learn's
    ``validate_data`` during the checks, so the estimator itself changes only
    at commit."""


def training_variables(model):
    """The variables a fit changes: the network's and its optimizer's.

    Restoring the optimizer's too (step count, moments) makes a failed warm
    start leave no trace on later training.
    """
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        variables += list(optimizer.variables)
    return variables


def _rows(struct, start, stop):
    """Rows start:stop of an array or of each array in a list, tuple or dict
    (None stays)."""
    if struct is None:
        return None
    if isinstance(struct, (list, tuple)):
        return type(struct)(a[start:stop] for a in struct)
    if isinstance(struct, Mapping):
        return {k: a[start:stop] for k, a in struct.items()}
    return struct[start:stop]


def _n_rows(X):
    """The number of samples of the model's input (an array or a structure)."""
    if isinstance(X, Mapping):
        X = next(iter(X.values()))
    elif isinstance(X, (list, tuple)):
        X = X[0]
    return len(X)


def _train_network(model, X, ys, weights, callbacks, args, initial_epoch, seed):
    """Train through skweight's graph loop when it can honour the request
    (``skweight/_engine/_trainer.py``), else through Keras' ``fit``; return the logs."""
    # A model of several inputs takes a structure: Keras' fit feeds it.
    if not isinstance(X, np.ndarray) or _trainer.unsupported(
            model, callbacks=callbacks, fit_args=args,
            run_eagerly=False) is not None:
        return _keras_fit(model, X, ys, weights, callbacks, args, initial_epoch,
                          seed)
    y_in, w_in = _keras_structure(model, ys, weights)
    return _trainer.fit(
        model, X, y_in, w_in, epochs=args["epochs"], initial_epoch=initial_epoch,
        batch_size=args["batch_size"], shuffle=args.get("shuffle", True),
        seed=seed, callbacks=callbacks,
    )


def _keras_structure(model, ys, weights):
    """Targets and weights as Keras takes them: bare for a single output."""
    single = len(ys) == 1 and _single_output(model)
    y_in = ys[0] if single else ys
    w_in = None if weights is None else (weights[0] if single else weights)
    return y_in, w_in


def _keras_fit(model, X, ys, weights, callbacks, args, initial_epoch, seed):
    """Run ``model.fit`` (through skweight's ``tf.data`` pipeline on
    TensorFlow); return Keras' logs."""
    epochs = args.pop("epochs")
    val_split = args.pop("validation_split", 0.0)
    y_in, w_in = _keras_structure(model, ys, weights)
    batch_size = args.pop("batch_size")
    val_bs = args.pop("validation_batch_size", None) or batch_size
    shuffle = args.pop("shuffle", True)
    n = _n_rows(X)
    n_train = n - int(n * val_split)
    if not _backend.is_tensorflow():
        return _keras_fit_other_backend(
            model, (X, y_in, w_in), n_train, callbacks, args, initial_epoch,
            epochs, seed, batch_size=batch_size, val_bs=val_bs, shuffle=shuffle)
    validation_data = None
    if n_train < n:
        validation_data = _backend.make_tf_dataset(
            _rows(X, n_train, None), _rows(y_in, n_train, None),
            _rows(w_in, n_train, None), batch_size=val_bs, shuffle=False, seed=None,
        )
    data = _backend.make_tf_dataset(
        _rows(X, 0, n_train), _rows(y_in, 0, n_train), _rows(w_in, 0, n_train),
        batch_size=batch_size, shuffle=shuffle, seed=seed,
    )
    return _trainer.this_fit_logs(model.fit(
        data, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
        validation_data=validation_data, callbacks=callbacks,
        shuffle=False,  # the pipeline shuffles
        **args,
    ))


def _keras_fit_other_backend(model, data, n_train, callbacks, args, initial_epoch,
                             epochs, seed, *, batch_size, val_bs, shuffle):
    """``Model.fit`` on JAX or PyTorch: batches in a per-fit seeded order
    (:class:`skweight._engine._backend.SeededBatches`), on a cached twin when one can
    stand in for the network (:func:`skweight._engine._trainer.keras_fit`)."""
    X, y_in, w_in = data
    if seed is None:
        seed = int(np.random.randint(np.iinfo(np.int32).max))
    batches = _backend.SeededBatches(
        _rows(X, 0, n_train), _rows(y_in, 0, n_train), _rows(w_in, 0, n_train),
        batch_size=batch_size, shuffle=shuffle, seed=seed, first_epoch=initial_epoch,
    )
    validation_data = None
    if n_train < _n_rows(X):
        part = (_rows(X, n_train, None), _rows(y_in, n_train, None))
        if w_in is not None:
            part += (_rows(w_in, n_train, None),)
        validation_data = part
    return _trainer.keras_fit(
        model, batches, key_data=data, callbacks=[*callbacks, batches.callback()],
        epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
        validation_data=validation_data, validation_batch_size=val_bs, **args,
    )


def _keras_outputs(raw):
    """The model's raw outputs as Keras gives them: bare for one output."""
    return raw[0] if len(raw) == 1 else raw


def _feature_moments(estimator, inputs, X):
    """The built-in network's standardisation constants, from the model's
    input; with the built-in network that input must be a 2-D array."""
    if not isinstance(inputs, np.ndarray) or inputs.ndim != 2:
        if estimator._uses_builtin_network():
            raise ValueError(
                "The built-in network takes a 2-D array from feature_encoder. "
                f"Got {type(inputs).__name__} instead; pass a model with several "
                "inputs as model= (see docs/custom_models.md)."
            )
        inputs = X if X.ndim == 2 else X.reshape(len(X), -1)
    X64 = np.asarray(inputs, dtype=np.float64)
    return {"feature_mean_": X64.mean(axis=0).tolist(),
            "feature_var_": X64.var(axis=0).tolist(),
            "_n_model_features": X64.shape[1]}


def _single_output(model):
    """Whether Keras takes the model's target as one array, not a list."""
    if isinstance(model, keras.Sequential):
        return True
    return not isinstance(model.output, list | tuple | dict)


def input_dtype(a):
    """The dtype of ``X`` or ``y`` as given (scikeras' ``X_dtype_``, ``y_dtype_``)."""
    dtype = getattr(a, "dtype", None)
    return dtype if isinstance(dtype, np.dtype) else np.asarray(a).dtype


def _check_fit_kwargs(fit_kwargs):
    """Check the keyword arguments of ``fit`` (they go to Keras' fit)."""
    reserved = sorted(set(fit_kwargs) & _RESERVED_FIT_KWARGS)
    if reserved:
        raise TypeError(
            f"fit sets {reserved} itself: pass X, y and sample_weight as fit's "
            "arguments, and class_weight and callbacks as estimator parameters "
            f"(set_params). Got fit keyword argument(s) {reserved} instead."
        )
    for name in ("epochs", "validation_split", "batch_size",
                 "validation_batch_size"):
        if name in fit_kwargs:
            check_parameter(name, fit_kwargs[name])


def _check_X(estimator, probe, X, y):
    """``(X, state)``: ``X`` checked and densified (its feature names go to
    ``probe``), with the fitted attributes it sets."""
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )
    X_dtype, y_dtype = input_dtype(X), input_dtype(y)
    check_numeric_features(X)
    X = validate_data(probe, X, reset=True, **X_CHECKS)
    if X.ndim > 2 and estimator._uses_builtin_network():
        raise ValueError(
            "The built-in network takes 2-D X (n_samples, n_features). Got X "
            f"of shape {X.shape} instead; pass a Keras model that takes it as "
            "model= (see docs/custom_models.md)."
        )
    if hasattr(X, "toarray"):
        X = X.toarray()
    return X, {"n_features_in_": X.shape[1], "X_shape_": X.shape,
               "X_dtype_": X_dtype, "y_dtype_": y_dtype}


def _target_fitted_state(targets, layers, outputs, present):
    """The fitted attributes that the target columns and their outputs set."""
    return {
        "n_outputs_": targets.n_outputs,
        "n_outputs_expected_": targets.n_outputs,
        "output_names_": list(targets.names),
        "output_layer_names_": layers,
        "y_ndim_": targets.ndim,
        "target_type_": outputs.target_type,
        "n_labelled_": (np.full(targets.n_outputs, targets.n_samples)
                        if present is None
                        else np.array([p.sum() for p in present])),
        "_outputs_": outputs,
    }


def _float32_weights(weights, n_samples):
    """Per-output sample weights as float32 arrays (ones where an output has
    none); None when no output has any."""
    if all(w is None for w in weights):
        return None
    return [np.ones(n_samples, np.float32) if w is None
            else w.astype(np.float32) for w in weights]


def _fit_args(params, n_samples, fit_kwargs):
    """Keras' fit arguments: the routed ``fit__*`` parameters and ``fit``'s
    keyword arguments, with batch sizes resolved."""
    args = route_params(params, destination="fit", pass_filter=set(_FIT_PARAMS))
    args = {k: v for k, v in args.items() if not k.startswith("callbacks")}
    args.update(fit_kwargs)
    if args.get("batch_size") is None:
        args["batch_size"] = 32
    for key in ("batch_size", "validation_batch_size"):
        if args.get(key) == -1:
            args[key] = n_samples
    return args


# ``fit`` returns the estimator itself, typed as the caller's own class.
_Self = TypeVar("_Self", bound="BaseWeightedEstimator")


class BaseWeightedEstimator(SkweightWrapper):
    """The engine: checks, build, compile, train, commit, predict.

    Not for direct use: subclasses say which kinds of output they have
    (:meth:`_encode_targets`) and may train through a plan of their own
    (:meth:`_training_plan`).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------- hooks
    def _encode_targets(self, targets, layers):
        """``(OutputSet, codes, labels)`` for the columns of ``y``.

        ``codes`` holds per output what Keras trains on (class codes or a
        standardised column); ``labels`` the :class:`LabelCodes` of each
        classification output (None for others).
        """
        raise NotImplementedError

    def _target_state(self, outputs, y):
        """Fitted attributes that depend on the kinds of output."""
        return {}

    def _class_weight_entries(self, outputs, single):
        """One class-weight entry per output."""
        return resolve_class_weight(self.class_weight, outputs.names,
                                    single_output=single)

    def _check_extra_params(self):
        """Check a subclass's own parameters; return fitted attributes."""
        return {}

    def _training_plan(self, model, meta, loss_weights, steps_per_epoch):
        """Compile ``model`` and say what to train: a :class:`TrainingPlan`."""
        if not model.compiled:
            model.compile(**self._make_compile_kwargs(
                model, meta, loss_weights, steps_per_epoch))
        elif loss_weights is not None:
            # Loss weights are part of the compiled loss. The model keeps its
            # optimizer, so that a warm fit carries on with its moments and
            # step count, and a model the user compiled with its own.
            kwargs = self._make_compile_kwargs(model, meta, loss_weights,
                                               steps_per_epoch)
            model.compile(**{**kwargs, "optimizer": model.optimizer})
        return TrainingPlan(model)

    # ----------------------------------------------------------- checks
    def _check_params(self):
        """Check the plain training parameters (before any data is touched)."""
        check_parameter("epochs", getattr(self, "fit__epochs", self.epochs))
        check_parameter("validation_split", self.validation_split)
        for name in ("batch_size", "validation_batch_size"):
            check_parameter(name, getattr(self, f"fit__{name}", getattr(self, name)))
        check_parameter("random_state", self.random_state)
        check_parameter("loss", self.loss)
        check_parameter("missing_labels", self.missing_labels)
        for name in ("early_stopping", "validation_fraction", "n_iter_no_change",
                     "tol", "scoring"):
            check_parameter(name, getattr(self, name))

    def _prepare(self, X, y, sample_weight, partial=None):
        """Validate everything and compute the new fitted state (no training).

        ``partial`` is ``(classes, warm)`` for a ``partial_fit`` call: the
        outputs keep their classes (``classes``, or the fitted ones when
        ``warm``) and class-weight strategies count the labels of every call.
        """
        self._check_params()
        extra = self._check_extra_params()
        probe = _FeatureProbe()
        X, x_state = _check_X(self, probe, X, y)
        targets = split_target_columns(y)
        check_consistent_length(X, targets.columns[0])
        names, single = targets.names, targets.ndim == 1
        previous_counts = None
        if partial is not None:
            classes, warm = partial
            fitted = self._outputs_ if warm else None
            if fitted is None:
                targets.given = check_partial_classes(classes, targets)
            elif len(fitted) == targets.n_outputs and self.y_ndim_ == targets.ndim:
                targets.given = list(fitted.outputs)
                check_partial_classes(classes, targets, fitted=fitted)
                previous_counts = getattr(self, "_class_counts", None)
            # Other outputs than the fitted ones: _check_warm_start refuses
            # them, naming what differs.
        targets, present = mask_missing_labels(targets, self.missing_labels)
        layers = layer_names(names)
        # The structure of loss is checked now, its entries at compile time. A
        # user model's output names are known once it is built: a dict loss
        # naming them is checked then.
        loss_known = (not isinstance(self.loss, Mapping)
                      or self._uses_builtin_network())
        if loss_known:
            per_output(self.loss, names, param="loss", aliases=layers)
        outputs, codes, labels = self._encode_targets(targets, layers)
        if loss_known:
            # Heads and target encodings follow the loss (one rule, in
            # OutputSet); a user model's is checked again once built.
            outputs.fit_losses(self.loss, layers)
        # Class counts (for class-weight strategies and the logit-adjusted
        # loss's priors) over the labelled samples only.
        labels = discount_outputs(labels, present)
        if previous_counts is not None:
            labels = accumulate_counts(labels, previous_counts)
        outputs.record_counts(labels)
        entries = self._class_weight_entries(outputs, single)
        sw = check_output_sample_weight(sample_weight, targets.n_samples,
                                        targets.n_outputs, names=names)
        # A missing label weighs 0 for its own output only.
        sw = zero_missing_weights(sw, present)
        loss_weights = resolve_loss_weights(self.loss_weights, names)
        weights, per_class = weigh_outputs(entries, labels, sw, names)
        weights = _float32_weights(weights, targets.n_samples)
        state = {**x_state, **_target_fitted_state(targets, layers, outputs, present),
                 **outputs.fitted_state(per_class, single),
                 **self._target_state(outputs, y), **extra,
                 "_class_counts": [None if lab is None else lab.counts
                                   for lab in labels]}
        if hasattr(probe, "feature_names_in_"):
            state["feature_names_in_"] = probe.feature_names_in_
        return Prepared(X, codes, weights, loss_weights, state)

    def _check_warm_start(self, state, partial=False):
        check_warm_start(vars(self), state, partial=partial,
                         name=type(self).__name__)

    # ------------------------------------------------------- the network
    def _uses_builtin_network(self):
        """Whether ``fit`` builds skweight's network: no ``model``, no
        ``build_fn`` and no ``_keras_build_fn`` of a subclass (scikeras' way)."""
        return (self.model is None and self.build_fn is None
                and not hasattr(self, "_keras_build_fn"))

    def _network_builder(self):
        if self._uses_builtin_network():
            return build_default_network
        if self.model is not None and not (
            callable(self.model) or isinstance(self.model, keras.Model)
        ):
            raise TypeError(
                "model must be None, a keras.Model or a callable returning one. "
                f"Got {self.model!r} instead."
            )
        return self._scikeras_builder()

    def _compile_arguments(self):
        # skweight's named losses are kept from scikeras (skweight._engine._build).
        return builtin_compile_arguments(self)

    def _make_compile_kwargs(self, model, meta, loss_weights=None,
                             steps_per_epoch=None):
        """``model.compile``'s arguments
        (:func:`skweight._engine._build.compile_kwargs`)."""
        return compile_kwargs(self, model, meta, loss_weights, steps_per_epoch)

    # ---------------------------------------------------------- training
    def _fit_estimator(self, X, y, sample_weight, fit_kwargs=None, epochs=None,
                       partial=False, classes=None, **_):
        fit_kwargs = dict(fit_kwargs or {})
        _check_fit_kwargs(fit_kwargs)
        # partial_fit continues the fitted network whatever warm_start says.
        warm = (self.warm_start or partial) and hasattr(self, "model_")
        prepared = self._prepare(X, y, sample_weight,
                                 partial=(classes, warm) if partial else None)
        X, state = prepared.X, prepared.state
        if warm:
            self._check_warm_start(state, partial)
        if epochs is not None:  # initialize(): the internal epochs=0 path
            fit_kwargs["epochs"] = epochs
        seed = seed_from_random_state(self.random_state)
        self._start_callbacks()
        state.update(self._fit_encoders(X, y, warm))
        inputs = state["feature_encoder_"].transform(X)
        custom_targets = None
        if not isinstance(state["target_encoder_"], OutputsEncoder):
            custom_targets = _backend.as_list(state["target_encoder_"].transform(y))
        state["_structured_input"] = not isinstance(inputs, np.ndarray)
        state["_input_shape"] = (None if state["_structured_input"]
                                 else tuple(inputs.shape[1:]))
        meta = {**state, **_feature_moments(self, inputs, X)}
        with seeded(seed):
            model, plan, logs = self._train_transaction(
                prepared, meta, warm, fit_kwargs, seed, inputs, custom_targets,
                early_stopping=False if partial else self.early_stopping)
        history = defaultdict(list)
        if warm:
            for key, values in self.history_.items():
                history[key] = list(values)
        for key, values in state["_outputs_"].expand_logs(logs).items():
            history[key] += [float(v) for v in values]
        if plan.record is not None:
            plan.record(state)
        self._commit(state, model, history)
        return self

    def _fit_encoders(self, X, y, warm):
        """scikeras' ``feature_encoder_`` and ``target_encoder_`` (kept from the
        fitted estimator by a warm fit), with their metadata."""
        if warm and hasattr(self, "feature_encoder_"):
            feature, target = self.feature_encoder_, self.target_encoder_
        else:
            feature = self.feature_encoder.fit(X)
            target = self.target_encoder
            target = target.fit(y) if not isinstance(target, OutputsEncoder) else target
        state = {**getattr(target, "get_metadata", dict)(),
                 **getattr(feature, "get_metadata", dict)()}
        return {**state, "feature_encoder_": feature, "target_encoder_": target}

    @property
    def feature_encoder(self):
        """Return the transformer of ``X`` into the model's input (scikeras' hook).

        Fitted in ``fit`` as ``feature_encoder_``; the identity by default.
        A subclass overrides this property to return a transformer whose
        ``transform`` gives what the model takes: an array, or a list or dict
        of arrays for a model with several inputs. Metadata from its
        ``get_metadata()``, if any, reaches ``meta``.

        Returns
        -------
        sklearn transformer
        """
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer()

    @property
    def target_encoder(self):
        """Return the transformer of ``y`` into the model's targets (scikeras' hook).

        Fitted in ``fit`` as ``target_encoder_``. skweight's own per-output
        encoder by default: each output encoded as its loss needs. A subclass
        may return another transformer: ``fit(y)``, ``transform(y)`` giving
        the model's targets (an array, or one per output), and
        ``inverse_transform(raw, return_proba=False)`` giving predictions (and
        probabilities) from the model's raw outputs. Class weights still come
        from ``y``'s labels, per output.

        Returns
        -------
        sklearn transformer
        """
        return OutputsEncoder()

    def _train_transaction(self, prepared, meta, warm, fit_kwargs, seed, inputs,
                           custom_targets=None, early_stopping=False):
        """Build (or keep) the network and train its plan on ``inputs`` (``X``
        through the feature encoder; ``early_stopping``: hold out rows and
        watch each output on them); a failure puts back every variable a
        warm fit trains. ``(model, plan, logs)``."""
        codes, weights, state = prepared.codes, prepared.weights, prepared.state
        outputs = state["_outputs_"]
        model = self.model_ if warm else build_model(self, meta)
        compiled_by_user = not warm and model.compiled
        outputs.bind(model, self.loss)
        saved = training_variables(model) if warm else []
        watch = None
        every_row = (inputs, codes, weights)
        # partial_fit trains one epoch on all its rows: no early stopping (as
        # scikit-learn's MLPClassifier.partial_fit); initialize() none at all.
        if early_stopping and fit_kwargs.get("epochs") != 0:
            watch, inputs, codes, weights = self._hold_out(
                model, state, inputs, codes, weights, custom_targets, seed)
        args, plan = self._fit_plan(model, meta, prepared, inputs, fit_kwargs)
        if warm:
            known = {id(v) for v in saved}
            saved += [v for v in plan.restore if id(v) not in known]
        snapshot = [np.array(v.numpy()) for v in saved]
        state["_optimizer_params"] = fit_optimizer_params(
            self.get_params(), getattr(self, "_optimizer_params", None),
            plan.trainer, warm=warm, compiled_by_user=compiled_by_user)
        initial_epoch = len(self.history_.get("loss", [])) if warm else 0
        callbacks = self._training_callbacks(meta, plan,
                                        *([] if watch is None else [watch]))
        targets = (outputs.keras_targets(model, codes) if custom_targets is None
                   else custom_targets)
        try:
            logs = _train_network(
                plan.trainer, inputs, targets, outputs.keras_weights(weights),
                callbacks, args, initial_epoch, seed,
            )
            if watch is not None:
                best, curves = watch.result(outputs.names)
                if best and early_stopping == "refit":
                    model, plan, logs, best = self._refit(
                        model, meta, prepared, (saved, snapshot) if warm else None,
                        every_row, fit_kwargs, initial_epoch, seed, watch)
                else:
                    # The watch's forward pass serves predict too (one trace).
                    state["_forward_cache"] = watch.forward
                state.update(best)
                logs = {**logs, **curves}
        except BaseException:
            for v, value in zip(saved, snapshot, strict=True):
                v.assign(value)
            raise
        finally:
            # Keras points the callbacks at the model it trains; a private
            # trainer cannot be pickled or copied with them.
            if plan.trainer is not model:
                for callback in self._callbacks_of_fit:
                    if getattr(callback, "_model", None) is plan.trainer:
                        callback.set_model(model)
        return model, plan, logs

    def _refit(self, model, meta, prepared, warm, every_row, fit_kwargs,
               initial_epoch, seed, watch):
        """``early_stopping="refit"``: train again, on every row, for the
        outputs' best epoch counts, and keep each output's state at its own
        count. A warm fit starts again from the state it started from
        (``warm``: the saved variables and their values), a cold one from a
        new network: seeded afresh, it trains as a plain fit of the same
        ``random_state`` on every row would (the first training drew from the
        random generators that initialisation and, on JAX, training read).
        ``(model, plan, logs, fitted state)``."""
        outputs = prepared.state["_outputs_"]
        inputs, codes, weights = every_row
        with seeded(seed):
            if warm is None:
                model = build_model(self, meta)
                outputs.bind(model, self.loss)
            else:
                for v, value in zip(*warm, strict=True):
                    v.assign(value)
            args, plan = self._fit_plan(model, meta, prepared, inputs, fit_kwargs)
            # epochs counts from initial_epoch (a warm fit's history so far).
            args["epochs"] = int(watch.best_epoch.max()) - initial_epoch
            keep = AtEpochs(model, watch.best_epoch)
            logs = _train_network(
                plan.trainer, inputs, outputs.keras_targets(model, codes),
                outputs.keras_weights(weights),
                self._training_callbacks(meta, plan, keep), args, initial_epoch,
                seed)
        return model, plan, logs, keep.result(watch.best_epoch, watch.best_score)

    def _fit_plan(self, model, meta, prepared, inputs, fit_kwargs):
        """``(Keras' fit arguments, TrainingPlan)`` for training ``model`` on
        ``inputs`` (the plan's steps per epoch counted from them)."""
        n_rows = _n_rows(inputs)
        args = _fit_args(self.get_params(), n_rows, fit_kwargs)
        n_train = n_rows - int(n_rows * args.get("validation_split", 0.0))
        plan = self._training_plan(model, meta, prepared.loss_weights,
                                   -(-n_train // args["batch_size"]))
        return args, plan

    def _training_callbacks(self, meta, plan, *own):
        """A training's callbacks: StopOnNonFiniteLoss first, so that no later
        callback sees a diverged epoch; the user's; the plan's; ``own``."""
        return [StopOnNonFiniteLoss(meta["output_names_"]),
                *self._callbacks_of_fit, *plan.callbacks, *own]

    def _hold_out(self, model, state, inputs, codes, weights, custom_targets,
                  seed):
        """Hold out ``validation_fraction`` of the rows for early stopping:
        ``(callback, train inputs, train codes, train weights)``."""
        outputs = state["_outputs_"]
        if custom_targets is not None:
            raise ValueError(
                "early_stopping=True scores each output from skweight's own target "
                "encoding; a custom target_encoder hides it. Use early_stopping="
                "False, or Keras' EarlyStopping callback, with this encoder."
            )
        if len(outputs) > 1 or outputs.packed:
            check_clonable(model)
        train, val = validation_rows(codes, weights, outputs,
                                     self.validation_fraction, seed)
        watch = BestEpochs(
            model, outputs, take_rows(inputs, val), take_rows(codes, val),
            take_rows(weights, val), self.scoring, self.tol, self.n_iter_no_change,
            input_shape=None if state["_structured_input"] else input_shape(state),
        )
        return (watch, take_rows(inputs, train), take_rows(codes, train),
                take_rows(weights, train))

    def _commit(self, state, model, history):
        """Install the new fitted state at once (after training succeeded)."""
        # Everything that can fail comes before the first assignment.
        forward = state.pop("_forward_cache", None)
        if forward is None and not state["_structured_input"]:
            forward = _backend.make_forward(model, input_shape(state))
        if isinstance(state["target_encoder_"], OutputsEncoder):
            state["target_encoder_"].bind(state["_outputs_"])
        for name in ("feature_names_in_", "best_epoch_", "best_validation_score_",
                     "_snapshots"):
            self.__dict__.pop(name, None)
        self.__dict__.update(state)
        self.model_ = model
        self.history_ = history
        self._forward_cache = forward

    def fit(self: _Self, X: Features, y: Targets,
            sample_weight: SampleWeight = None, **kwargs: Any) -> _Self:
        """Fit the network; each output is weighted by its own class weights.

        All inputs are checked before any training, and none is modified. If
        training fails or is interrupted, a previously fitted estimator keeps
        its previous model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training features (sparse input is densified); a user model may
            take N-D ``X`` (images, sequences), the built-in network does not.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
            Targets; DataFrame column names become ``output_names_``.
        sample_weight : array-like of shape (n_samples,) or (n_samples, \
                n_outputs), default=None
            Multiplies the class weights; a 1-D array applies to every output,
            a 2-D array gives each output its own column.
        **kwargs
            Passed to ``keras.Model.fit`` (prefer ``fit__*`` parameters).

        Returns
        -------
        self
            The fitted estimator.

        Raises
        ------
        ValueError, TypeError
            For a bad parameter or argument, before any training.
        skweight.exceptions.NonFiniteLossError
            When a loss becomes NaN or infinite during training; the estimator
            keeps its previous fitted state (or stays unfitted).
        """
        return self._fit_estimator(X, y, sample_weight, fit_kwargs=kwargs)

    def partial_fit(self: _Self, X: Features, y: Targets, classes: Any = None,
                    sample_weight: SampleWeight = None, **kwargs: Any) -> _Self:
        """Train one epoch on ``(X, y)``, continuing the fitted network.

        The first call builds the network (as ``fit`` does, with ``X``'s
        scaling); every later call, after ``partial_fit`` or ``fit``, trains
        the fitted network and its optimizer one more epoch, whatever
        ``warm_start`` says. This is how data larger than memory trains, and
        what dask-ml's ``Incremental`` and incremental searches call.

        Class weights: a ``{label: weight}`` dict is used as given; a strategy
        (``"balanced"``, ...) is computed from the class counts of every call
        so far, so balanced weighting works incrementally (it weighs the first
        batches by their own counts: see ``docs/scikeras.md``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training features of this call.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, \
n_outputs)
            Targets of this call.
        classes : array-like, or list of (array-like or None), default=None
            Every class of each output, needed on the first call when a call
            may not show them all: an array of labels for one-dimensional
            ``y``, else one entry per output (None: the classes of this
            call's column; a regression output takes None). Later calls keep
            the first call's classes, and a label outside them is a
            ``ValueError``.
        sample_weight : array-like of shape (n_samples,) or (n_samples, \
n_outputs), default=None
            Multiplies the class weights, as in ``fit``.
        **kwargs
            Passed to ``keras.Model.fit`` (not ``epochs``: one epoch a call).

        Returns
        -------
        self
            The estimator, trained one more epoch.
        """
        for name in ("epochs", "initial_epoch"):
            if name in kwargs:
                raise TypeError(
                    f"Invalid argument {name!r} to partial_fit: it trains one "
                    "epoch per call, from the current epoch. Got the fit keyword "
                    f"argument {name}={kwargs[name]!r} instead."
                )
        return self._fit_estimator(X, y, sample_weight, fit_kwargs=kwargs,
                                   epochs=1, partial=True, classes=classes)

    def initialize(self: _Self, X: Features, y: Targets) -> _Self:
        """Build and compile the network for ``(X, y)`` without training it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training features (their shape and scaling shape the network).
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, \
n_outputs)
            Targets (their outputs and classes shape the heads).

        Returns
        -------
        self
            The estimator, with an untrained ``model_``.
        """
        return self._fit_estimator(X, y, None, epochs=0)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in self.__dict__:
            self._forward_cache = (
                None if state.get("_structured_input")
                else _backend.make_forward(self.model_, input_shape(state)))

    # -------------------------------------------------------- predicting
    def _raw_outputs(self, X, **kwargs):
        """One raw prediction array per output (:mod:`skweight._engine._predict`)."""
        return raw_outputs(self, X, kwargs)

    def _custom_target_encoder(self):
        encoder = getattr(self, "target_encoder_", None)
        return None if encoder is None or isinstance(encoder, OutputsEncoder) \
            else encoder

    def _predict_columns(self, X, **kwargs):
        """Predictions per output, each in its own kind (labels or floats)."""
        raw = self._raw_outputs(X, **kwargs)
        encoder = self._custom_target_encoder()
        if encoder is not None:
            y = np.asarray(encoder.inverse_transform(_keras_outputs(raw)))
            return [y] if y.ndim == 1 else list(y.T)
        return [o.decode(r) for o, r in zip(self._outputs_.outputs, raw,
                                            strict=True)]

    def _predict_probas(self, X, **kwargs):
        """Class probabilities per output (None for a regression output)."""
        raw = self._raw_outputs(X, **kwargs)
        encoder = self._custom_target_encoder()
        if encoder is not None:
            return encoder.inverse_transform(_keras_outputs(raw), return_proba=True)
        probas = [o.proba(r) for o, r in zip(self._outputs_.outputs, raw,
                                             strict=True)]
        return probas[0] if self.y_ndim_ == 1 else probas


def stack_columns(columns, dtype):
    """An (n_samples, n_outputs) array of ``dtype`` from per-output columns."""
    out = np.empty((len(columns[0]), len(columns)), dtype=dtype)
    for k, col in enumerate(columns):
        out[:, k] = col
    return out
