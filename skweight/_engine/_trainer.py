"""A training loop for small tabular fits that is not dominated by set-up.

Measured on the penguin table (333 rows, 2 cores), Keras' ``Model.fit`` spends
most of a short fit tracing its train function (its multi-step loop traces the
train step twice, and every new model is traced anew), and a long fit pays a
``tf.data`` iterator, callbacks and a host sync per epoch. With TensorFlow this
module trains instead with:

* one ``tf.function`` call for all the epochs (one per epoch when callbacks
  other than skweight's must run between them) that loops over the batches in
  the graph (``tf.while_loop`` over slices of a permutation drawn with a
  stateless, seeded shuffle of the whole table held as tensors), calling the
  model's own ``train_step``: the same loss, sample weights, loss weights,
  optimizer update and logged metrics as ``Model.fit``;
* a cache of these functions across fits: a functional or ``Sequential``
  network whose architecture and compile settings were seen before trains on
  a private twin already traced (its variables loaded from the new network
  before training and copied back after), so a repeated fit (a search, a
  cross-validation, a benchmark loop) traces nothing.

:func:`unsupported` says when Keras' ``fit`` must run instead (validation data,
progress display, a callback with batch-level hooks, a model with its own
``train_step``, another backend, ...).
"""

import collections
import json
import threading

import keras
import numpy as np

from skweight._engine._callbacks import StopOnNonFiniteLoss
from skweight._scikeras_compat import keras_config_without_tensorflow

# Keras fit arguments this loop honours; any other sends the fit to Keras.
_HANDLED_FIT_ARGS = frozenset({"batch_size", "epochs", "shuffle", "verbose",
                               "validation_split", "validation_batch_size"})
# Trainer methods a model may not override (its own step would be bypassed or
# would need Keras' fit loop).
_TRAINER_METHODS = ("train_step", "compute_loss", "compute_metrics",
                    "make_train_function", "fit")
_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end",
                "on_batch_begin", "on_batch_end")
_CACHE_SIZE = 16

_cache = collections.OrderedDict()
_cache_lock = threading.Lock()


def unsupported(model, *, callbacks, fit_args, run_eagerly):
    """Why ``model`` cannot train in the graph loop, or None when it can.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    callbacks : list of keras.callbacks.Callback
        All callbacks of the fit.
    fit_args : dict
        The Keras fit arguments (``batch_size``, ``epochs``, ...).
    run_eagerly : bool
        The estimator's ``run_eagerly``.
    """
    if keras.backend.backend() != "tensorflow":
        return "backend is not TensorFlow"
    import tensorflow as tf

    if run_eagerly or getattr(model, "run_eagerly", False):
        return "run_eagerly=True"
    if getattr(model, "jit_compile", False):
        return "jit_compile=True"
    if tf.distribute.has_strategy():
        return "a tf.distribute strategy is active"
    unknown = sorted(set(fit_args) - _HANDLED_FIT_ARGS)
    if unknown:
        return f"fit argument(s) {unknown}"
    if fit_args.get("verbose", 0):
        return "verbose > 0"
    if fit_args.get("validation_split", 0.0):
        return "validation_split > 0"
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return "model is not compiled with an optimizer"
    # skweight's own trainers (skweight/_dynamic.py) override the loss or the
    # step with graph-safe code meant for a compiled loop.
    if not getattr(type(model), "_graph_loop_safe", False):
        for name in _TRAINER_METHODS:
            if getattr(type(model), name) is not getattr(keras.Model, name):
                return f"model overrides {name}"
    for cb in callbacks:
        if isinstance(cb, StopOnNonFiniteLoss):
            continue
        for hook in _BATCH_HOOKS:
            if getattr(type(cb), hook) is not getattr(keras.callbacks.Callback, hook):
                return f"callback {type(cb).__name__} has batch-level hooks"
    return None


def fit(model, x, y, sample_weight, *, epochs, initial_epoch, batch_size,
        shuffle, seed, callbacks):
    """Train ``model`` like ``Model.fit`` and return its history dict.

    ``y`` and ``sample_weight`` are arrays, or lists with one array per
    output; ``sample_weight`` may be None. Batches follow a permutation drawn
    per epoch from ``seed`` (row order when ``shuffle`` is False).
    """
    import tensorflow as tf

    if epochs == 0:
        return {}
    data = (
        tf.constant(x),
        tf.nest.map_structure(tf.constant, _as_tuple(y)),
        None if sample_weight is None
        else tf.nest.map_structure(tf.constant, _as_tuple(sample_weight)),
    )
    n = len(x)
    int32_max = np.iinfo(np.int32).max
    seed = int(np.random.randint(int32_max)) if seed is None else seed % int32_max
    runner = _runner_for(model, data)
    try:
        return _train(runner, model, data, n, epochs=epochs,
                      initial_epoch=initial_epoch, batch_size=batch_size,
                      shuffle=shuffle, seed=seed, callbacks=callbacks)
    finally:
        runner.lock.release()


def _train(runner, model, data, n, *, epochs, initial_epoch, batch_size, shuffle,
           seed, callbacks):
    stop_checks = [cb for cb in callbacks if isinstance(cb, StopOnNonFiniteLoss)]
    # Callbacks other than skweight's may read or write the network and stop
    # training: run them between epochs, with the network kept current.
    # Without them, all epochs run in one call.
    # Callbacks that need nothing between epochs but values the loop records
    # at each epoch's end, the model's epoch-end update running in the graph
    # (graph_loop_batchable: skweight's dynamic weighting with a shipped
    # rule) do not split the call either.
    per_epoch = any(
        not isinstance(cb, StopOnNonFiniteLoss)
        and not getattr(cb, "graph_loop_batchable", False) for cb in callbacks
    )
    # Keras' History records the logs as the callbacks leave them (a
    # LearningRateScheduler adds "learning_rate").
    cb_list = keras.callbacks.CallbackList(
        callbacks, add_history=True, model=model, epochs=initial_epoch + epochs,
        steps=-(-n // batch_size), verbose=0,
    )
    history = next(cb for cb in cb_list.callbacks
                   if isinstance(cb, keras.callbacks.History))
    model.stop_training = False
    # Between epochs only what the callbacks touch is copied (all of it for
    # a callback that does not say).
    synced = _epoch_sync(model, callbacks)
    cb_list.on_train_begin()
    logs = {}
    epoch, stop = initial_epoch, initial_epoch + epochs
    try:
        while epoch < stop and not model.stop_training:
            count = 1 if per_epoch else stop - epoch
            if per_epoch:
                cb_list.on_epoch_begin(epoch)
            runner.load(model, only=None if epoch == initial_epoch else synced)
            epoch_logs, batch_losses = runner.run(
                data, seed=seed, first_epoch=epoch, epochs=count, shuffle=shuffle,
                batch_size=batch_size,
            )
            runner.store(model, only=synced)
            for i, logs in enumerate(epoch_logs):
                if not per_epoch:
                    cb_list.on_epoch_begin(epoch + i)
                _hand_recorded(runner, callbacks, epoch + i, logs)
                if not all(np.isfinite(v).all() for v in logs.values()):
                    _first_bad_batch(stop_checks, batch_losses[i], epoch + i)
                cb_list.on_epoch_end(epoch + i, logs)
            epoch += count
    finally:
        runner.store(model)
    cb_list.on_train_end(logs)
    return this_fit_logs(history)


def this_fit_logs(history):
    """The logs of the fit that just ended, from Keras' ``History``.

    A ``History`` the user passes among the callbacks (Keras then records into
    it instead of a fresh one) keeps the logs of its earlier fits too: only
    the last ``len(history.epoch)`` entries, the epochs of this fit (Keras
    resets ``epoch`` when training begins), are this fit's.
    """
    n = len(history.epoch)
    return {key: list(values)[len(values) - n:] if n else []
            for key, values in history.history.items()}


def _hand_recorded(runner, callbacks, epoch, logs):
    """Take the values the model records at each epoch's end
    (``graph_loop_epoch_values``) out of the logs, to the callbacks that
    read them (``graph_loop_record``)."""
    if not runner.recorded:
        return
    values = {key: logs.pop(key) for key in runner.recorded}
    for cb in callbacks:
        record = getattr(cb, "graph_loop_record", None)
        if record is not None:
            record(epoch, values)


def _first_bad_batch(stop_checks, batch_losses, epoch):
    """Let StopOnNonFiniteLoss see the logs of the first diverged batch."""
    for batch in range(len(next(iter(batch_losses.values())))):
        logs = {k: float(v[batch]) for k, v in batch_losses.items()}
        if not all(np.isfinite(list(logs.values()))):
            for cb in stop_checks:
                cb.on_epoch_begin(epoch)
                cb.on_train_batch_end(batch, logs)
            return


def _as_tuple(struct):
    return tuple(struct) if isinstance(struct, list) else struct


class _Traced:
    """A function as an object, traced on its own.

    TensorFlow counts the traces of a ``tf.function`` per Python function, by
    its code when it has one: each runner's ``run`` closure shares one code
    object, so the first trace of each new runner counted as a retrace of the
    others, and a loop of fits of uncached networks drew TensorFlow's
    "triggered tf.function retracing" warning. An object has no code, so each
    runner's traces are counted apart (as ``_backend._InferenceCall``).
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


class _Runner:
    """A training function traced on ``twin`` and its variables."""

    def __init__(self, twin, data, private):
        import tensorflow as tf

        self.twin = twin
        self.private = private
        self.lock = threading.Lock()
        _build(twin, data)
        self.variables = _state_variables(twin) if private else None
        self.constants = []
        if private:
            for layer in _normalizations(twin):
                layer.mean = tf.Variable(layer.mean, trainable=False)
                layer.variance = tf.Variable(layer.variance, trainable=False)
                self.constants += [layer.mean, layer.variance]
        log_keys = list(_flat_logs(twin.get_metrics_result()))
        # The running losses after each batch, for StopOnNonFiniteLoss.
        loss_keys = [k for k in log_keys if k.endswith("loss")]
        # Values the model records at each epoch's end, beside its logs.
        recorder = getattr(twin, "graph_loop_epoch_values", None)
        self.recorded = [] if recorder is None else sorted(recorder())

        run = _epochs_loop(twin, log_keys + self.recorded, loss_keys,
                           data[2] is not None, recorder,
                           getattr(twin, "graph_loop_end_epoch", None))
        # Any number of rows, one trace: a search's folds share it.
        scalar = [tf.TensorSpec([], tf.int32)] * 4 + [tf.TensorSpec([], tf.bool)]
        signature = [
            _spec(t) for t in (data[0], data[1], data[2]) if t is not None
        ] + scalar
        self._run = tf.function(_Traced(run), input_signature=signature)
        # One call copies every variable (an eager assign each would cost
        # about 0.1 ms, 3 ms an epoch for a small network and its optimizer).
        self._copy = tf.function(_Traced(_assign_all))

    def load(self, model, only=None):
        """Copy the training state of ``model`` into the twin; ``only``: the
        positions (in :func:`_state_variables` order) to copy, None for all
        and the standardisation constants."""
        if self.private and only != []:
            targets, sources = _pairs(self.variables, _state_variables(model), only)
            self._copy(targets, sources)
            if only is None:
                constants = [t for layer in _normalizations(model)
                             for t in (layer.mean, layer.variance)]
                for target, value in zip(self.constants, constants, strict=True):
                    target.assign(value)

    def store(self, model, only=None):
        """Copy the twin's training state back into ``model`` (``only`` as in
        :meth:`load`)."""
        if self.private and only != []:
            sources, targets = _pairs(self.variables, _state_variables(model), only)
            self._copy(targets, sources)

    def run(self, data, *, seed, first_epoch, epochs, shuffle, batch_size):
        """Train ``epochs`` epochs; per-epoch logs and per-batch running losses."""
        import tensorflow as tf

        logs, losses = self._run(
            *(t for t in data if t is not None), tf.constant(seed, tf.int32),
            tf.constant(first_epoch, tf.int32), tf.constant(epochs, tf.int32),
            tf.constant(batch_size, tf.int32), tf.constant(bool(shuffle)),
        )
        logs = {k: v.numpy() for k, v in logs.items()}
        losses = {k: v.numpy() for k, v in losses.items()}
        done = len(next(iter(logs.values())))
        return (
            [{k: _pythonify(v[i]) for k, v in logs.items()} for i in range(done)],
            [{k: v[i] for k, v in losses.items()} for i in range(done)],
        )


def _epochs_loop(twin, log_keys, loss_keys, has_weights, recorder=None,
                 end_epoch=None):
    """The function traced for a runner: ``epochs`` epochs over the batches
    of a seeded shuffle (row order when ``shuffle`` is False), in the graph,
    calling ``twin.train_step``; per-epoch logs and per-batch running losses
    (for StopOnNonFiniteLoss). A diverged network trains no further.

    ``recorder()`` gives values recorded at each epoch's end beside the logs;
    ``end_epoch(logs, state) -> state`` then runs in the graph (a dynamic
    weighting rule's epoch-end update), ``state`` carried from epoch to epoch
    within the call, starting from ``end_epoch(None, None)``."""
    import tensorflow as tf

    def run(x, y, *rest):
        sw = rest[0] if has_weights else None
        seed, first_epoch, epochs, batch_size, shuffle = rest[has_weights:]
        n = tf.shape(x)[0]
        n_batches = (n + batch_size - 1) // batch_size
        epoch_logs = {k: tf.TensorArray(tf.float32, size=epochs,
                                        element_shape=None)
                      for k in log_keys}
        batch_losses = {
            k: tf.TensorArray(tf.float32, size=epochs,
                              element_shape=tf.TensorShape([None]))
            for k in loss_keys
        }
        done = tf.constant(0)
        carried = () if end_epoch is None else end_epoch(None, None)
        for e in tf.range(epochs):
            for metric in twin.metrics:
                metric.reset_state()
            order = tf.range(n)
            if shuffle:
                order = tf.random.experimental.stateless_shuffle(
                    order, seed=tf.stack([seed, first_epoch + e]))
            trace = {k: tf.TensorArray(tf.float32, size=n_batches)
                     for k in loss_keys}
            for b in tf.range(n_batches):
                rows = order[b * batch_size:tf.minimum((b + 1) * batch_size, n)]
                batch = tf.nest.map_structure(
                    lambda t, rows=rows: None if t is None
                    else tf.gather(t, rows),
                    (x, y, sw),
                )
                step_logs = _flat_logs(twin.train_step(batch))
                trace = {k: trace[k].write(b, tf.cast(step_logs[k], tf.float32))
                         for k in loss_keys}
            results = _flat_logs(twin.get_metrics_result())
            if recorder is not None:
                results.update(recorder())
            if end_epoch is not None:
                carried = end_epoch(results, carried)
            epoch_logs = {k: epoch_logs[k].write(e, tf.cast(results[k],
                                                            tf.float32))
                          for k in log_keys}
            batch_losses = {k: batch_losses[k].write(e, trace[k].stack())
                            for k in loss_keys}
            done = e + 1
            # A diverged network trains no further (the fit will raise).
            if not tf.reduce_all([tf.reduce_all(tf.math.is_finite(
                    tf.cast(results[k], tf.float32))) for k in loss_keys]):
                break
        return (
            {k: v.stack()[:done] for k, v in epoch_logs.items()},
            {k: v.stack()[:done] for k, v in batch_losses.items()},
        )

    return run


def _assign_all(targets, sources):
    for target, source in zip(targets, sources, strict=True):
        target.assign(source)


def _pairs(twin_variables, model_variables, only):
    """The twin's and the model's backend variables, at positions ``only``
    (all when None)."""
    pairs = list(zip(twin_variables, model_variables, strict=True))
    if only is not None:
        pairs = [pairs[i] for i in only]
    return [t.value for t, _ in pairs], [m.value for _, m in pairs]


def _epoch_sync(model, callbacks):
    """The positions of the variables the callbacks read or write between
    epochs (``graph_loop_syncs``, skweight's own callbacks), or None (all)
    when a callback does not say."""
    names = []
    for cb in callbacks:
        syncs = getattr(cb, "graph_loop_syncs", None)
        if syncs is None:
            return None
        names += [id(v) for v in syncs()]
    return [i for i, v in enumerate(_state_variables(model)) if id(v) in set(names)]


def _flat_logs(logs):
    """Logs as Keras' fit gives them: sorted by key, nested dicts flattened."""
    flat = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            flat.update(_flat_logs(value))
        else:
            flat[key] = value
    return flat


def _spec(struct):
    """The TensorSpec structure of ``struct`` with any number of rows."""
    import tensorflow as tf

    return tf.nest.map_structure(
        lambda t: tf.TensorSpec([None, *t.shape[1:]], t.dtype), struct
    )


def _pythonify(value):
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


def _build(model, data):
    """Create every variable of a training step before it is traced.

    Keras creates the optimizer's slots and the loss trackers on the first
    step; inside the graph loop that first step would be a loop body.
    """
    import tensorflow as tf

    x, y, sw = tf.nest.map_structure(
        lambda t: None if t is None else t[:1], data
    )
    y_pred = model(x, training=False)
    model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sw)
    model.compute_metrics(x, y, y_pred, sample_weight=sw)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.reset_metrics()


def _state_variables(model):
    """The network's and its optimizer's variables, in a fixed order."""
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return [*model.trainable_variables, *model.non_trainable_variables,
            *optimizer.variables]


def _cache_key(model, data):
    """A key that equals only for networks a traced twin can stand in for.

    None unless the network is a functional or ``Sequential`` model of
    Keras' own layers (not ``Lambda``) compiled with Keras' or skweight's
    losses, metrics and optimizer: their configurations describe them whole, so a
    clone from the configuration computes the same function. A model that
    describes itself (``graph_loop_key``, with ``graph_loop_twin`` to make its
    twin: skweight's dynamic-weighting trainers) gives its own. Other networks
    train on their own, traced anew.
    """
    describe = getattr(model, "graph_loop_key", None)
    if describe is not None:
        text = describe()
    else:
        arch = architecture_config(model)
        try:
            compiled = None if arch is None else model.get_compile_config()
        except (NotImplementedError, TypeError, ValueError):
            compiled = None
        text = None if compiled is None else config_text(arch, compiled)
    if text is None:
        return None
    specs = tuple(
        None if t is None else (t.dtype.name, tuple(t.shape[1:]))
        for t in _flatten(data)
    )
    return (type(model).__name__, text, specs, _tree_structure(data))


def architecture_config(model):
    """The configuration of a functional or ``Sequential`` model of Keras'
    own layers (standardisation constants left out: the twin loads them from
    each network), or None when it does not describe the model whole."""
    if not model.built or type(model) not in (_functional_class(), keras.Sequential):
        return None
    for layer in model._flatten_layers(include_self=False):
        if not type(layer).__module__.startswith("keras.") or isinstance(
            layer, keras.layers.Lambda
        ):
            return None
    try:
        arch = model.get_config()
    except (NotImplementedError, TypeError, ValueError):
        return None
    return {**arch, "layers": [
        _without_constants(layer) for layer in arch.get("layers", [])
    ]}


def config_text(*configs):
    """``configs`` as one JSON text, or None when one cannot be written or
    holds an object of neither Keras nor skweight (its configuration may not
    describe it whole)."""
    # skweight's own losses and metrics are registered and round-trip through
    # their configuration (tests/test_persistence.py).
    if not all(m.startswith(("keras", "skweight")) for m in _modules(configs)):
        return None
    configs = [_without_optimizer_name(c) for c in configs]
    try:
        return json.dumps(configs, sort_keys=True)
    except (TypeError, ValueError):
        return None


def _without_optimizer_name(config):
    """Keras numbers optimizer names ("adam_3"); the name changes nothing."""
    if not isinstance(config, dict):
        return config
    optimizer = config.get("optimizer")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        return {**config, "optimizer": {**optimizer, "config": {
            k: v for k, v in optimizer["config"].items() if k != "name"}}}
    return config


def _modules(config):
    """The ``module`` of every serialized object in ``config``."""
    if isinstance(config, dict):
        if isinstance(config.get("module"), str):
            yield config["module"]
        for value in config.values():
            yield from _modules(value)
    elif isinstance(config, (list, tuple)):
        for value in config:
            yield from _modules(value)


def _without_constants(layer_config):
    if layer_config.get("class_name") != "Normalization":
        return layer_config
    config = dict(layer_config.get("config", {}))
    for name in ("mean", "variance"):
        config[name] = config.get(name) is not None
    return {**layer_config, "config": config}


def _normalizations(model):
    """Top-level Normalization layers given their mean and variance."""
    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.Normalization)
            and layer.input_mean is not None]


def _functional_class():
    from keras.src.models.functional import Functional

    return Functional


def _flatten(data):
    x, y, sw = data
    parts = [x]
    for part in (y, sw):
        parts += list(part) if isinstance(part, tuple) else [part]
    return parts


def _tree_structure(data):
    x, y, sw = data
    return tuple(
        len(p) if isinstance(p, tuple) else (None if p is None else 1)
        for p in (x, y, sw)
    )


class _TwinStandardize(keras.layers.Layer):
    """A ``Normalization`` layer's arithmetic, its mean and variance held in
    variables: a twin's compiled step then serves networks of other data
    (JAX bakes a ``Normalization``'s given constants into the step)."""

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.mean_ = self.add_weight(shape=(width,), initializer="zeros",
                                     trainable=False, name="mean")
        self.variance_ = self.add_weight(shape=(width,), initializer="ones",
                                         trainable=False, name="variance")

    def call(self, inputs):
        return keras.ops.divide(
            keras.ops.subtract(inputs, self.mean_),
            keras.ops.maximum(keras.ops.sqrt(self.variance_),
                              keras.backend.epsilon()),
        )


def clone_network(model):
    """A clone of ``model`` for a twin: on JAX and PyTorch its standardisation
    in variables (:class:`_TwinStandardize`); on TensorFlow as it is (the
    compiled loop holds the constants in variables itself)."""
    if keras.backend.backend() == "tensorflow":
        return keras.models.clone_model(model)
    return keras.models.clone_model(model, clone_function=_twin_layer)


def _twin_layer(layer):
    """``clone_model``'s clone of ``layer`` for a Keras-fit twin."""
    if isinstance(layer, keras.layers.Normalization) and layer.input_mean is not None:
        return _TwinStandardize(int(np.size(layer.input_mean)), name=layer.name)
    return layer.__class__.from_config(layer.get_config())


class _KerasRunner:
    """A twin trained by Keras' own ``fit`` (JAX, PyTorch): its compiled
    train function outlives the fit, so a network of the same architecture
    compiles nothing (on JAX a new network's fit spends seconds compiling)."""

    def __init__(self, twin):
        self.twin = twin
        self.lock = threading.Lock()
        self.standardizers = [layer for layer in twin.layers
                              if isinstance(layer, _TwinStandardize)]
        own = {id(v) for layer in self.standardizers for v in layer.variables}
        self.variables = [v for v in _state_variables(twin) if id(v) not in own]

    def load(self, model):
        for target, source in zip(self.variables, _state_variables(model),
                                  strict=True):
            target.assign(source.value)
        for target, layer in zip(self.standardizers, _normalizations(model),
                                 strict=True):
            target.mean_.assign(np.reshape(np.asarray(layer.input_mean,
                                                      dtype="float32"), -1))
            target.variance_.assign(np.reshape(np.asarray(
                layer.input_variance, dtype="float32"), -1))

    def store(self, model):
        for source, target in zip(self.variables, _state_variables(model),
                                  strict=True):
            target.assign(source.value)


def keras_fit(model, data, *, key_data, callbacks, **fit_args):
    """``model.fit(data, callbacks=..., **fit_args)`` on a cached twin when
    ``model`` is a network a twin can stand in for (as in :func:`fit`), else
    on ``model`` itself; Keras' logs. ``key_data`` is ``(x, y, sample_weight)``
    as arrays (or lists of them), for the cache key."""
    with keras_config_without_tensorflow():
        runner = _keras_runner_for(model, key_data)
    if runner is None:
        _prebuild(model, key_data)
        return this_fit_logs(model.fit(data, callbacks=callbacks, **fit_args))
    try:
        runner.load(model)
        _prebuild(runner.twin, key_data)
        if any(getattr(cb, "reads_network", False) for cb in callbacks):
            # A callback reads the network between epochs: keep it current.
            callbacks = [_StoreEachEpoch(runner, model), *callbacks]
        try:
            history = this_fit_logs(
                runner.twin.fit(data, callbacks=callbacks, **fit_args))
        finally:
            runner.store(model)
            # Keras pointed the callbacks at the twin.
            for callback in callbacks:
                callback.set_model(model)
        model.stop_training = runner.twin.stop_training
        return history
    finally:
        runner.lock.release()


class _StoreEachEpoch(keras.callbacks.Callback):
    """Copy a Keras-fit twin's state into the network after every epoch."""

    def __init__(self, runner, network):
        super().__init__()
        self.runner = runner
        self.network = network

    def on_epoch_end(self, epoch, logs=None):
        self.runner.store(self.network)


def _keras_runner_for(model, key_data):
    """The cached Keras-fit twin of ``model`` (locked), or None."""
    x, y, sample_weight = key_data
    key = _cache_key(model, (x, _as_tuple(y), _as_tuple(sample_weight)))
    if key is None:
        return None
    key = ("keras-fit", *key)
    runner, _ = _take_cached(key)
    if runner is None:
        twin = _make_twin(model)
        if twin is not None:
            runner = _remember(key, _KerasRunner(twin))
    return runner


def _prebuild(model, key_data):
    """Build a model's loss, metrics and optimizer on one row before ``fit``.

    Keras' ``fit`` builds an unbuilt model by reading the first batch of the
    epoch it is about to train, a batch a ``PyDataset``'s epoch then loses:
    a new network's first fit trained on other batches than a built twin's.
    """
    x, y, sample_weight = key_data
    batch = (x, _as_tuple(y)) if sample_weight is None else (
        x, _as_tuple(y), _as_tuple(sample_weight))
    model._symbolic_build(data_batch=keras.tree.map_structure(
        lambda a: a[:1], batch))
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def _take_cached(key):
    """``(runner, busy)``: the runner cached under ``key``, locked for this fit
    (None when there is none, or it is busy in another thread's fit)."""
    with _cache_lock:
        runner = _cache.get(key)
        if runner is None:
            return None, False
        if not runner.lock.acquire(blocking=False):
            return None, True
        _cache.move_to_end(key)
        return runner, False


def _make_twin(model):
    """A compiled twin of ``model``: its own (``graph_loop_twin``) or a clone
    (:func:`clone_network`) compiled alike; None when its configuration does
    not round-trip."""
    try:
        make_twin = getattr(model, "graph_loop_twin", None)
        if make_twin is not None:
            return make_twin()
        twin = clone_network(model)
        twin.compile_from_config(model.get_compile_config())
        return twin
    except (TypeError, ValueError, KeyError, NotImplementedError):
        return None


def _remember(key, runner):
    """Cache ``runner`` under ``key``, locked for this fit."""
    runner.lock.acquire()
    with _cache_lock:
        _cache[key] = runner
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return runner


def _runner_for(model, data):
    key = _cache_key(model, data)
    twin = None
    if key is not None:
        runner, busy = _take_cached(key)
        if runner is not None:
            return runner
        # A twin busy in another thread's fit is not shared.
        if not busy:
            twin = _make_twin(model)
    if twin is None:
        runner = _Runner(model, data, private=False)
        runner.lock.acquire()
        return runner
    return _remember(key, _Runner(twin, data, private=True))
