"""DynamicWeightClassifier: output loss weights that change during training.

Keras freezes ``compile(loss_weights=...)`` into the compiled train step, so a
callback that assigns new values to them may change nothing (with JAX the
compiled step never sees them). Here the weights live in variables that the
train step reads:

- the estimator trains a thin functional *trainer* model built on the user's
  model graph (same layers, same variables, same output names), whose
  ``compute_loss`` adds ``sum_k (lambda_k - 1) * L_k`` to Keras' own
  unweighted total ``sum_k L_k``. ``lambda`` is computed from variables of a
  small ``_LossWeights`` layer tracked by the trainer, so every backend threads
  them through its compiled step (JAX passes them in as state);
- each output's loss is wrapped in a ``_RecordingLoss`` that hands its value to
  ``compute_loss`` unchanged, so Keras still logs the *unweighted*
  ``<output>_loss`` while the logged total ``loss`` is the weighted sum;
- a callback asks the rule for the next epoch's multipliers at each epoch's
  end and assigns them (loss-only rules); rules that say so in their
  interface update the variables inside the train step
  (``learns_log_variance``: trainable log-variances; ``needs_grad_norms``: a
  train step with per-output gradients).

The estimator hands all this to the engine as its training plan
(:meth:`DynamicWeightClassifier._training_plan`). ``model_`` is the user's
model itself (its variables are the trained ones); the trainer is a private
helper, rebuilt when needed.
"""

from __future__ import annotations

from skweight import _env

# A worker process that unpickles an estimator or a search job loads this
# module first, not through skweight's lazy names: TensorFlow starts quietly
# there too (skweight/_env.py).
_env.configure_logging()

import functools
from typing import NamedTuple

import keras
import numpy as np
from keras import ops

from skweight._classifier import WeightedMultiOutputClassifier
from skweight._docstrings import fill_doc
from skweight._engine._base import TrainingPlan, training_variables
from skweight._engine._model_state import restore_trainer_state, trainer_state
from skweight._engine._network import build_default_network
from skweight._engine._parameters import estimator_init, keyword_parameter
from skweight.weighting import WeightingRule, check_weighting, graph_end_epoch

__all__ = ["DynamicWeightClassifier"]


class _LossWeights(keras.layers.Layer):
    """The loss-weight state: ``lambda = base * multipliers * f(log_vars)``.

    ``log_vars`` exists (trainable) only for rules that learn log-variances
    (``f`` is the rule's ``multipliers``); ``initial_losses`` (0 until the
    first step) matters to rules that need gradient norms.
    """

    def __init__(self, n_outputs, learn_log_variance, **kwargs):
        super().__init__(**kwargs)
        self.n_outputs = n_outputs
        self.learn_log_variance = learn_log_variance

        def weight(name, trainable=False):
            return self.add_weight(
                shape=(n_outputs,), initializer="zeros", trainable=trainable,
                name=name,
            )

        self.base = weight("base")
        self.multipliers = weight("multipliers")
        self.initial_losses = weight("initial_losses")
        self.log_vars = weight("log_vars", True) if learn_log_variance else None
        self.rule = None  # set by the training plan of each fit
        self.built = True

    def reset(self, base, multipliers):
        self.base.assign(np.asarray(base, dtype="float32"))
        self.multipliers.assign(np.asarray(multipliers, dtype="float32"))
        self.initial_losses.assign(np.zeros(self.n_outputs, dtype="float32"))
        if self.log_vars is not None:
            self.log_vars.assign(np.zeros(self.n_outputs, dtype="float32"))

    def lambdas(self):
        lam = self.base * self.multipliers
        if self.log_vars is not None:
            lam = lam * self.rule.multipliers(self.log_vars, ops)
        return lam

    def current(self):
        """The weights now in force, as a NumPy array."""
        return np.asarray(ops.convert_to_numpy(self.lambdas()), dtype=np.float64)


class _RecordingLoss(keras.losses.Loss):
    """An output's loss, unchanged, whose last value is kept for ``compute_loss``."""

    def __init__(self, loss, sink, index):
        super().__init__(name=loss.name, dtype=loss.dtype)
        self.loss = loss
        self.sink = sink
        self.index = index

    def __call__(self, y_true, y_pred, sample_weight=None):
        value = self.loss(y_true, y_pred, sample_weight)
        self.sink[self.index] = value
        return value


class _WeightedTrainer(keras.Model):
    """A functional model on the user's graph that optimises the weighted loss."""

    # Its loss and step are plain graph code: skweight's compiled training
    # loop (skweight/_engine/_trainer.py) runs them as Keras' fit would.
    _graph_loop_safe = True

    def __init__(self, inputs, outputs, *, learn_log_variance, name=None):
        super().__init__(inputs=inputs, outputs=outputs, name=name)
        n_outputs = len(self.outputs)
        self.loss_weighting = _LossWeights(n_outputs, learn_log_variance)
        # Filled by the _RecordingLoss wrappers during each loss computation.
        self._sink = dict.fromkeys(range(n_outputs))
        # The weights of the last shared layer (rules needing gradient norms).
        self._shared_weights = None
        self._shared_layer = None

    def recording_losses(self, losses):
        return [_RecordingLoss(loss, self._sink, k) for k, loss in enumerate(losses)]

    def compile_on(self, network, kwargs, shared_layer=None):
        """Compile with ``kwargs`` (their losses wrapped), remembering what
        describes this trainer to skweight's compiled loop."""
        self._network = network
        self._compile_args = dict(kwargs)
        self._shared_layer = shared_layer
        self.compile(**{**kwargs, "loss": self.recording_losses(kwargs["loss"])})

    def graph_loop_key(self):
        """What the compiled training loop (skweight/_engine/_trainer.py) keys its
        cache on: the network's architecture, the losses, optimizer and
        metrics, and the rule with its parameters (the constants it puts in
        the traced step); None when one of them does not describe itself."""
        from skweight._engine import _trainer

        network = getattr(self, "_network", None)
        rule = self.loss_weighting.rule
        arch = None if network is None else _trainer.architecture_config(network)
        if arch is None or not type(rule).__module__.startswith("skweight."):
            return None
        losses = [_describe_loss(loss) for loss in self._compile_args["loss"]]
        if any(loss is None for loss in losses):
            return None
        try:
            metrics = [keras.metrics.serialize(keras.metrics.get(m))
                       if isinstance(m, str) else keras.metrics.serialize(m)
                       for m in self._compile_args.get("metrics") or []]
            optimizer = keras.optimizers.serialize(self.optimizer)
            params = {k: repr(v) for k, v in rule.get_params().items()}
        except (TypeError, ValueError, AttributeError):
            return None
        return _trainer.config_text(arch, {
            "losses": losses, "metrics": metrics, "optimizer": optimizer,
            "rule": [type(rule).__qualname__, params],
            "learn_log_variance": self.loss_weighting.learn_log_variance,
            "shared_layer": self._shared_layer,
            "steps_per_execution": self._compile_args.get("steps_per_execution"),
        })

    def graph_loop_twin(self):
        """A trainer of the same kind on a clone of the network, compiled
        alike: the compiled loop trains it in this trainer's stead."""
        from skweight._engine import _trainer

        network = _trainer.clone_network(self._network)
        twin = type(self)(network.inputs, network.outputs,
                          learn_log_variance=self.loss_weighting.learn_log_variance,
                          name=self.name)
        kwargs = dict(self._compile_args)
        kwargs["loss"] = [keras.losses.deserialize(keras.losses.serialize(loss))
                          if not isinstance(loss, _FunctionLoss)
                          else _FunctionLoss(loss.fn)
                          for loss in kwargs["loss"]]
        kwargs["optimizer"] = keras.optimizers.deserialize(
            keras.optimizers.serialize(self.optimizer))
        twin.compile_on(network, kwargs, self._shared_layer)
        twin.loss_weighting.rule = self.loss_weighting.rule
        if self._shared_layer is not None:
            twin._shared_weights = list(
                twin.get_layer(self._shared_layer).trainable_weights)
        return twin

    def graph_loop_epoch_values(self):
        """What the compiled loop records at each epoch's end: the loss
        weights then in force (read by the weighting callback)."""
        return {_RECORDED_WEIGHTS: self.loss_weighting.lambdas()}

    @property
    def graph_loop_end_epoch(self):
        """The rule's epoch-end update in the compiled loop, for loss-only
        rules written in Keras ops (``weighting.graph_end_epoch``), else None.

        As a function ``(logs, state) -> state``: the state is the last
        epoch's losses and the number of epochs seen in this call; ``(None,
        None)`` gives the first. The weighting callback still runs the rule's
        ``end_epoch`` on the logs afterwards (its state, the multipliers left
        after the fit; after each epoch where the loop runs one epoch a call).
        """
        rule = self.loss_weighting.rule
        update = None if rule is None else graph_end_epoch(rule)
        if update is None:
            return None
        n_outputs = len(self.outputs)
        keys = ([f"{name}_loss" for name in self.output_names]
                if n_outputs > 1 else ["loss"])

        def end_epoch(logs, state):
            if logs is None:
                return ops.zeros((n_outputs,)), ops.zeros((), "int32")
            previous, seen = state
            losses = ops.stack([ops.cast(logs[k], "float32") for k in keys])
            self.loss_weighting.multipliers.assign(
                ops.cast(update(losses, previous, seen, ops), "float32"))
            return losses, seen + 1

        return end_epoch

    def _unweighted_losses(self):
        return [ops.cast(self._sink[k], "float32") for k in range(len(self._sink))]

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        # Keras' total is sum_k L_k (compiled without loss_weights) plus the
        # layers' own losses; it also logs each unweighted L_k.
        total = super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training
        )
        losses = ops.stack(self._unweighted_losses())
        weighting = self.loss_weighting
        total = total + ops.sum((weighting.lambdas() - 1.0) * losses)
        if weighting.log_vars is not None:
            total = total + weighting.rule.regularizer(weighting.log_vars, ops)
        return total


def _first_input(x):
    """The first array of a (possibly nested) batch of inputs."""
    return keras.tree.flatten(x)[0]


class _GradNormTrainer(_WeightedTrainer):
    """The trainer whose train step hands the rule per-output gradient norms
    (TensorFlow and PyTorch).

    GradNorm needs, inside the train step, the gradient of each output's loss
    with respect to the last shared layer: only the backend's own autodiff
    gives it (``tf.GradientTape``, ``torch.autograd.grad``); ``keras.ops`` has
    no gradient op. Keras' JAX train step is a pure function of the whole
    training state, and a GradNorm version of it would re-implement Keras' JAX
    trainer; skweight refuses GradNorm on JAX instead.
    """

    def train_step(self, data):
        if keras.backend.backend() == "torch":
            return self._torch_train_step(data)
        return self._tf_train_step(data)

    def _gradnorm_update(self, per_output, norms):
        state = self.loss_weighting
        losses = ops.stack(per_output)
        initial = ops.where(state.initial_losses > 0, state.initial_losses, losses)
        state.initial_losses.assign(initial)
        state.multipliers.assign(
            state.rule.step(state.multipliers, state.base, losses, initial,
                                norms, ops)
        )

    def _log_loss(self, loss, batch_size):
        # As Keras' own train steps: the epoch's loss is a per-sample mean.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=batch_size)

    def _tf_train_step(self, data):
        import tensorflow as tf

        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape(persistent=True) as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
            )
            per_output = self._unweighted_losses()
            scaled = self.optimizer.scale_loss(loss)
        weights = self.trainable_weights
        self.optimizer.apply(tape.gradient(scaled, weights), weights)
        norms = ops.stack([
            tf.linalg.global_norm(tape.gradient(value, self._shared_weights))
            for value in per_output
        ])
        del tape
        self._gradnorm_update(per_output, norms)
        self._log_loss(loss, tf.shape(tf.nest.flatten(x)[0])[0])
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def _torch_train_step(self, data):
        import torch

        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        self.zero_grad()
        loss = self.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
        )
        per_output = self._unweighted_losses()
        shared = [v.value for v in self._shared_weights]
        norms = []
        for value in per_output:
            grads = torch.autograd.grad(value, shared, retain_graph=True)
            norms.append(torch.sqrt(sum(torch.sum(g * g) for g in grads)))
        self.optimizer.scale_loss(loss).backward()
        weights = self.trainable_weights[:]
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in weights], weights)
            self._gradnorm_update([v.detach() for v in per_output],
                                  torch.stack(norms))
        self._log_loss(loss.detach(), _first_input(x).shape[0])
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def _ancestor_layers(tensor):
    """Every layer that ``tensor`` depends on in a functional graph."""
    seen, stack = set(), [tensor]
    while stack:
        history = getattr(stack.pop(), "_keras_history", None)
        if history is None or id(history.operation) in seen:
            continue
        seen.add(id(history.operation))
        node = history.operation._inbound_nodes[history.node_index]
        stack.extend(node.input_tensors)
    return seen


def _shared_layer(model, name, rule):
    """The last shared layer: named, or the last one all outputs depend on."""
    if name is not None:
        try:
            return model.get_layer(name)
        except ValueError:
            raise ValueError(
                f"weighting__shared_layer names no layer of the model. Got {name!r} "
                f"instead; the layers are {[lay.name for lay in model.layers]}."
            ) from None
    common = set.intersection(*(_ancestor_layers(t) for t in model.outputs))
    candidates = [
        lay for lay in model.layers if id(lay) in common and lay.trainable_weights
    ]
    if not candidates:
        raise ValueError(
            f"weighting={rule!r} needs a layer with weights shared by all outputs. "
            "Got a model with none instead."
        )
    return candidates[-1]


# The key of the loss weights the compiled loop records at each epoch's end.
_RECORDED_WEIGHTS = "skweight_loss_weights"


class _WeightingCallback(keras.callbacks.Callback):
    """Starts the rule, logs the weights in force, applies loss-only updates."""

    def __init__(self, rule, trainer, base, loss_keys, rows):
        super().__init__()
        self.rule = rule
        self.trainer = trainer
        self.base = base
        self.loss_keys = loss_keys
        self.rows = rows
        self._recorded = {}

    def _weighting(self):
        # The weights of the model in training: the trainer, or the twin that
        # Keras' fit trains in its stead on JAX and PyTorch (_trainer.keras_fit).
        weighting = getattr(self.model, "loss_weighting", None)
        return weighting if weighting is not None else self.trainer.loss_weighting

    def graph_loop_syncs(self):
        """The variables it reads or writes between epochs: the weights'."""
        return list(self._weighting().variables)

    @property
    def graph_loop_batchable(self):
        """An in-step rule (its ``end_epoch`` that of the base class, which
        changes no weight) needs nothing between epochs but the weights at
        each epoch's end, which the compiled loop records; a loss-only rule
        written in Keras ops too (the loop runs its update): all epochs then
        run in one call."""
        return (type(self.rule).end_epoch is WeightingRule.end_epoch
                or graph_end_epoch(self.rule) is not None)

    def graph_loop_record(self, epoch, values):
        self._recorded[epoch] = np.asarray(values[_RECORDED_WEIGHTS],
                                           dtype=np.float64)

    def on_train_begin(self, logs=None):
        multipliers = self.rule.start(len(self.base))
        self._weighting().reset(self.base, multipliers)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        state = self._weighting()
        recorded = self._recorded.pop(epoch, None)
        self.rows.append(state.current() if recorded is None else recorded)
        losses = [logs[key] for key in self.loss_keys]
        val_keys = [f"val_{key}" for key in self.loss_keys]
        val = [logs[key] for key in val_keys] if all(
            key in logs for key in val_keys
        ) else None
        multipliers = self.rule.end_epoch(losses, val)
        if multipliers is not None:
            state.multipliers.assign(np.asarray(multipliers, dtype="float32"))


@fill_doc
class DynamicWeightClassifier(WeightedMultiOutputClassifier):
    """Keras classifier whose output loss weights change during training.

    Everything :class:`~skweight.WeightedMultiOutputClassifier` does
    (per-output ``class_weight``, ``sample_weight``, every scikeras parameter),
    plus a ``weighting`` rule that sets the weight ``lambda_k`` of each
    output's loss while training. The weights are really in the optimised loss
    ``sum_k lambda_k * L_k`` on every backend (they are variables read by the
    train step, not the frozen ``compile(loss_weights=...)``), Keras still logs
    each output's *unweighted* ``"<output layer name>_loss"``, and for the
    loss-only rules the logged total ``"loss"`` of an epoch equals
    ``sum_k loss_weights_history_[epoch, k] * <output>_loss`` (exactly when
    the batches have equal sizes).

    Parameters
    ----------
    model : None, keras.Model or callable, default=None
        As in :class:`~skweight.WeightedMultiOutputClassifier`; the model must
        be functional or sequential (a graph of layers).

        The built-in network's settings, given to the estimator as routed
        parameters (``DynamicWeightClassifier(model__dropout=0.2)``, or
        ``model__<name>`` in a ``GridSearchCV`` grid); any other
        ``model__*`` key is refused with the list of these:

        - ``model__hidden_layer_sizes`` : tuple of int, default=(64, 64); the
          units of the shared dense layers;
        - ``model__activation`` : str, default="relu"; their activation;
        - ``model__dropout`` : float in [0, 1), default=0.0; the dropout rate
          after each shared layer;
        - ``model__label_layout`` : {"auto", "packed", "heads"},
          default="heads" here: a multilabel indicator ``y`` gets one head per
          label, as the rules weigh one loss term per output.
    weighting : str or skweight.weighting.WeightingRule, default="dwa"
        ``"inverse_loss"``, ``"dwa"``, ``"uncertainty"``, ``"gradnorm"`` or a
        rule object from :mod:`skweight.weighting`. Its options are set as
        ``weighting__<option>`` (e.g. ``weighting__temperature=1.0``, with a
        name or an object; ``GridSearchCV`` tunes them). A copy is trained,
        started afresh at every ``fit`` (also with ``warm_start=True``);
        ``weighting_`` is that copy.
        ``"gradnorm"`` needs the TensorFlow or PyTorch backend.
    class_weight : None, str, strategy, callable, dict or list, default=None
        As in :class:`~skweight.WeightedMultiOutputClassifier`.
    loss_weights : None, list of float or dict, default=None
        Fixed per-output factors ``c_k`` (1 when None): the weight in the loss
        is ``lambda_k = c_k * m_k`` with ``m_k`` the rule's multiplier.
    {{classifier_training_parameters}}
    **kwargs
        Routed parameters (``model__*``, ``fit__*``, ``weighting__*``, ...), as
        in :class:`~skweight.WeightedMultiOutputClassifier`.

    Attributes
    ----------
    loss_weights_history_ : ndarray of shape (n_epochs, n_outputs)
        ``lambda`` of each epoch (``c_k * m_k``): for ``"inverse_loss"`` and
        ``"dwa"`` the weights in force during the whole epoch (the first row is
        ``c``); for ``"uncertainty"`` (``c_k * exp(-s_k)``) and
        ``"gradnorm"``, which change them at every step, the weights after the
        epoch's last step. With ``warm_start=True`` the rows of each ``fit``
        are appended.
    weighting_ : skweight.weighting.WeightingRule
        The rule object used in the last ``fit``, with its state
        (``losses_``: the epoch-mean unweighted training losses it saw).
    {{classifier_fitted_attributes}}

    Examples
    --------
    >>> from skweight.datasets import load_penguins
    >>> from skweight import DynamicWeightClassifier
    >>> X, Y = load_penguins(return_X_y=True)
    >>> clf = DynamicWeightClassifier(
    ...     weighting="dwa", epochs=4, random_state=0
    ... ).fit(X, Y)
    >>> clf.loss_weights_history_.shape
    (4, 3)
    >>> clf.loss_weights_history_[:2].tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    >>> bool(abs(clf.loss_weights_history_[3].sum() - 3) < 1e-5)
    True
    """

    __init__ = estimator_init(
        keyword_parameter("weighting", "dwa", str | WeightingRule))

    # weighting__<option> is stored on the estimator (as scikeras stores
    # model__*) and applied to the rule's copy in fit, so it works whether
    # weighting is a name or an object.
    routing_prefixes = ("weighting",)

    def _network_builder(self):
        build_fn = super()._network_builder()
        if build_fn is build_default_network:
            # The rules weigh one loss term per output: a multilabel target gets
            # one head per label, not the packed single layer.
            return functools.partial(build_default_network, label_layout="heads")
        return build_fn

    def _check_extra_params(self):
        rule = check_weighting(self.weighting)
        options = {
            key[len("weighting__"):]: value for key, value in vars(self).items()
            if key.startswith("weighting__")
        }
        valid = rule.get_params()
        for key in options:
            if key not in valid:
                raise ValueError(
                    f"weighting__{key} is not an option of {rule!r}. Got "
                    f"weighting__{key}={options[key]!r} instead; its options are "
                    f"{sorted(valid)}."
                )
        rule.set_params(**options)
        rule._validate_params()
        backend = keras.backend.backend()
        if rule.backends is not None and backend not in rule.backends:
            name = self.weighting if isinstance(self.weighting, str) else rule
            raise ValueError(
                f"weighting={name!r} needs one of the Keras backends "
                f"{list(rule.backends)}. Got the Keras backend {backend!r} instead."
            )
        return {"weighting_": rule}

    def _trainer_for(self, model, meta, rule, steps_per_epoch):
        learn = bool(rule.learns_log_variance)
        cls = _GradNormTrainer if rule.needs_grad_norms else _WeightedTrainer
        kept = getattr(self, "_trainer", None)
        if (
            kept is not None and kept.network is model and type(kept.trainer) is cls
            and kept.trainer.loss_weighting.learn_log_variance == learn
        ):
            return kept.trainer
        if getattr(model, "outputs", None) is None:
            raise TypeError(
                "DynamicWeightClassifier needs a functional or sequential model "
                "(its loss weights are applied on the model's graph). Got a "
                f"subclassed {type(model).__name__} instead."
            )
        if meta["_outputs_"].packed:
            raise ValueError(
                "DynamicWeightClassifier weighs one loss term per output. Got a "
                "model with one packed output for all labels instead; return one "
                "output per label."
            )
        trainer = cls(
            model.inputs, model.outputs, learn_log_variance=learn, name=model.name
        )
        kwargs = self._make_compile_kwargs(model, meta, None, steps_per_epoch)
        kwargs["loss"] = [_as_loss(e) for e in kwargs["loss"]]
        trainer.compile_on(model, kwargs)
        if model is getattr(self, "model_", None):
            # Unpickled: the trainer's state (its optimizer's) came without it.
            restore_trainer_state(trainer, model,
                                  getattr(self, "_trainer_state", None))
        return trainer

    def _training_plan(self, model, meta, loss_weights, steps_per_epoch):
        rule = meta["weighting_"]
        trainer = self._trainer_for(model, meta, rule, steps_per_epoch)
        trainer.loss_weighting.rule = rule
        if rule.needs_grad_norms or rule.learns_log_variance:
            if rule.needs_grad_norms:
                layer = _shared_layer(model, getattr(rule, "shared_layer", None),
                                      rule)
                trainer._shared_weights = list(layer.trainable_weights)
                trainer._shared_layer = layer.name
            # The rule's formulas are constants of the traced step: retrace.
            trainer.train_function = None
        n_outputs = meta["n_outputs_"]
        base = loss_weights or [1.0] * n_outputs
        loss_keys = ([f"{name}_loss" for name in model.output_names]
                     if n_outputs > 1 else ["loss"])
        rows = []
        callback = _WeightingCallback(rule, trainer, base, loss_keys, rows)
        warm = model is getattr(self, "model_", None)

        def record(state):
            # Kept for the next warm fit once this one is committed.
            state["_trainer"] = _KeptTrainer(model, trainer)
            state["_trainer_state"] = None
            new = np.asarray(rows, dtype=np.float64).reshape(-1, n_outputs)
            previous = getattr(self, "loss_weights_history_", None)
            if warm and previous is not None and previous.shape[1:] == (n_outputs,):
                new = np.concatenate([previous, new])
            state["loss_weights_history_"] = new

        return TrainingPlan(trainer, [callback], training_variables(trainer), record)

    def __getstate__(self):
        # The trainer model is rebuilt by fit; the fitted network is model_.
        state = super().__getstate__()
        kept = state.pop("_trainer", None)
        if kept is not None and kept.network is state.get("model_"):
            state["_trainer_state"] = trainer_state(kept.trainer, kept.network)
        return state


class _KeptTrainer(NamedTuple):
    """The training model built on a fitted network, kept for warm fits."""

    network: keras.Model
    trainer: keras.Model


class _FunctionLoss(keras.losses.Loss):
    """A loss function (``f(y_true, y_pred)``) as a ``keras.losses.Loss``."""

    def __init__(self, fn):
        super().__init__(name=getattr(fn, "__name__", "loss"))
        self.fn = fn

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred)


def _describe_loss(loss):
    """A loss's configuration, or None when it does not describe it whole."""
    if isinstance(loss, _FunctionLoss):
        fn = loss.fn
        if getattr(fn, "__module__", "").split(".")[0] not in ("keras", "skweight"):
            return None
        return {"function": f"{fn.__module__}.{fn.__qualname__}"}
    try:
        return keras.losses.serialize(loss)
    except (TypeError, ValueError):
        return None


def _as_loss(entry):
    """A ``keras.losses.Loss`` from a loss name, object or function."""
    loss = keras.losses.get(entry) if isinstance(entry, str) else entry
    if isinstance(loss, keras.losses.Loss):
        return loss
    if isinstance(loss, type) and issubclass(loss, keras.losses.Loss):
        return loss()
    return _FunctionLoss(loss)
