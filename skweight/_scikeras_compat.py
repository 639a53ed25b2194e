"""What scikeras 0.13 needs to be right under scikit-learn >= 1.6.

Everything skweight changes about scikeras lives here, each with its reason:

1. ``BaseWrapper`` defines ``_more_tags`` and no ``__sklearn_tags__``.
   scikit-learn >= 1.6 ignores ``_more_tags``, and its
   ``check_estimator_tags_renamed`` walks the MRO and fails any class that
   defines one without the other, so no subclass can pass until the base class
   itself is mended. :func:`mend_scikeras` adds ``__sklearn_tags__`` to
   ``BaseWrapper`` carrying the same information (multi-output support).
2. ``KerasClassifier`` lists ``ClassifierMixin`` after ``BaseWrapper``, so
   ``is_classifier`` is False and cross-validation stops stratifying. skweight's
   classifiers derive from ``(ClassifierMixin, SkweightWrapper)`` instead.
3. ``BaseWrapper._validate_sample_weight`` drops zero-weight rows (changing the
   batches) and ``KerasClassifier.fit`` multiplies the caller's
   ``sample_weight`` in place. :class:`SkweightWrapper` never drops rows and
   never writes to its inputs.
4. ``tensorflow_random_state`` seeds TensorFlow only; :func:`seeded` seeds the
   active Keras backend as well, so ``random_state`` works on JAX and PyTorch.
5. scikeras routes ``model__*``/``fit__*`` parameters and inspects the model
   builder's signature with helpers of its private ``scikeras._utils`` and
   offers no public way to do either; skweight's engine builds and trains the
   model itself, so it reaches them here only (:func:`route_params`,
   :func:`builder_takes`), where a change in scikeras shows in one place.
7. scikeras' private hooks and attributes (``_check_model_param``,
   ``_get_compile_kwargs``, ``_routing_prefixes``, ``_initialize_callbacks``,
   ``_fit_callbacks``, ``_predict_callbacks``) are named here only:
   :class:`SkweightWrapper` overrides the hooks with calls to skweight's own
   (``_network_builder``, ``_compile_arguments``, ``routing_prefixes``) and
   offers the callbacks as ``_callbacks_of_fit`` / ``_callbacks_of_predict``;
   :func:`scikeras_compile_arguments` runs scikeras' conversion of the
   compile parameters with some loss entries hidden from it.
6. On JAX or PyTorch, TensorFlow is loaded only if the user loads it, even
   where it is installed: scikeras' ``random_state`` module imports it
   whenever it can (:func:`_tensorflow_hidden` hides it from that import), and
   so does Keras' saving, through which scikeras pickles Keras objects (its
   picklers run with :func:`_tensorflow_absent_while_unloaded`).
"""

import contextlib
import copy
import functools
import os
import random
import sys
import threading
from collections.abc import Mapping

import keras
import numpy as np


@contextlib.contextmanager
def _tensorflow_hidden():
    """TensorFlow unimportable for the duration, unless it is the backend.

    scikeras' ``scikeras.utils.random_state`` imports TensorFlow whenever it is
    installed, whatever the backend, for its ``tensorflow_random_state``
    (which skweight does not use: :func:`seeded` seeds the backend). On JAX or
    PyTorch that would load TensorFlow for nothing; with TensorFlow hidden,
    scikeras takes its own branch for an environment without it.
    """
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        yield
        return
    sys.modules["tensorflow"] = None  # `import tensorflow` raises ImportError
    try:
        yield
    finally:
        if sys.modules.get("tensorflow", ...) is None:
            del sys.modules["tensorflow"]


with _tensorflow_hidden():
    from scikeras import _utils as _scikeras_utils
    from scikeras.utils.transformers import _is_categorical_crossentropy
    from scikeras.wrappers import BaseWrapper

from skweight._validation import seed_from_random_state  # noqa: E402


@contextlib.contextmanager
def _tensorflow_absent_while_unloaded():
    """Keras told that TensorFlow is absent, while it is neither the backend
    nor loaded.

    Keras' serializer asks ``isinstance(obj, tf.TensorShape)`` (and DType,
    TypeSpec) of every object it saves, importing TensorFlow for the question
    wherever it is installed. With TensorFlow not loaded no object can be one
    of its types, so the answer is the same without the import.
    """
    try:
        from keras.src.utils.module_utils import tensorflow as lazy_tf
    except ImportError:  # another Keras layout: Keras' own behaviour
        lazy_tf = None
    if (lazy_tf is None or getattr(lazy_tf, "_available", True) is not None
            or keras.backend.backend() == "tensorflow"
            or "tensorflow" in sys.modules):
        yield
        return
    lazy_tf._available = False
    try:
        yield
    finally:
        lazy_tf._available = None


# For skweight's own uses of Keras' serializer (the compiled loop's cache keys
# and twins on JAX and PyTorch).
keras_config_without_tensorflow = _tensorflow_absent_while_unloaded


def _saved_without_tensorflow(pack):
    """scikeras' pickling of a Keras object (model, loss, metric, optimizer),
    run with :func:`_tensorflow_absent_while_unloaded`."""
    if getattr(pack, "_skweight_mended", False):
        return pack

    @functools.wraps(pack)
    def mended(*args):
        with _tensorflow_absent_while_unloaded():
            return pack(*args)

    mended._skweight_mended = True
    return mended

__all__ = [
    "SkweightWrapper",
    "builder_takes",
    "is_categorical_crossentropy",
    "keras_config_without_tensorflow",
    "mend_scikeras",
    "route_params",
    "seed_from_random_state",
    "seeded",
]

# scikeras' routing of "<destination>__<param>" parameters (no public API).
route_params = _scikeras_utils.route_params


def is_categorical_crossentropy(loss):
    """Whether ``loss`` is categorical cross-entropy, by scikeras' rule (its
    ``KerasClassifier`` one-hot encodes the target for such a loss), the loss
    class included (scikeras' rule misses it, though it routes its params)."""
    if isinstance(loss, type):
        return issubclass(loss, keras.losses.CategoricalCrossentropy)
    return loss is not None and _is_categorical_crossentropy(loss)


def builder_takes(fn, name):
    """Whether the model builder ``fn`` takes the argument ``name`` (scikeras'
    rule: a named parameter, or ``**kwargs``)."""
    return _scikeras_utils.has_param(fn, name) or _scikeras_utils.accepts_kwargs(fn)


def _base_wrapper_sklearn_tags(self):
    tags = super(BaseWrapper, self).__sklearn_tags__()
    tags.target_tags.multi_output = True
    return tags


def mend_scikeras():
    """Give ``BaseWrapper`` a ``__sklearn_tags__`` (idempotent).

    This also makes scikeras' own ``KerasClassifier``/``KerasRegressor`` report
    correct tags, which they do not under scikit-learn >= 1.6.
    """
    if "__sklearn_tags__" not in vars(BaseWrapper):
        BaseWrapper.__sklearn_tags__ = _base_wrapper_sklearn_tags
    # scikeras makes Keras objects picklable through Keras' saving, which
    # imports TensorFlow wherever it is installed (6. in the module docstring).
    for cls, method in [(keras.Model, "__reduce__"), (keras.Model, "__deepcopy__"),
                        (keras.losses.Loss, "__reduce__"),
                        (keras.metrics.Metric, "__reduce__"),
                        (keras.optimizers.Optimizer, "__reduce__")]:
        if method in vars(cls):
            setattr(cls, method, _saved_without_tensorflow(vars(cls)[method]))


mend_scikeras()


# Seeded fits running at once (threads: joblib's threading backend, a
# ThreadPoolExecutor) share the process-wide switches that ``seeded`` turns on:
# the first to enter turns them on and saves what was there, the last to leave
# puts it back. Each fit restoring its own entry state would switch TensorFlow's
# op determinism off under the fits still running (their kernels then change).
_SEEDED_LOCK = threading.Lock()
_seeded_fits = 0
_saved_globals = None


@contextlib.contextmanager
def seeded(seed):
    """Seed Python, NumPy and the Keras backend; restore global RNGs after.

    With TensorFlow, op determinism is switched on for the duration, as
    scikeras does, so that the same seed gives the same model. Fits that run
    at once in threads keep it on until the last of them ends, and the global
    random states are put back then.
    """
    if seed is None:
        yield
        return
    _enter_seeded()
    try:
        _set_random_seed(int(seed))
        yield
    finally:
        _leave_seeded()


def _enter_seeded():
    global _seeded_fits, _saved_globals
    with _SEEDED_LOCK:
        if _seeded_fits == 0:
            tf_config, was_deterministic = None, True
            if keras.backend.backend() == "tensorflow":
                from tensorflow.python.framework import config as tf_config

                was_deterministic = tf_config.is_op_determinism_enabled()
                if not was_deterministic:
                    tf_config.enable_op_determinism()
            _saved_globals = (random.getstate(), np.random.get_state(),
                              os.environ.get("TF_DETERMINISTIC_OPS"),
                              tf_config, was_deterministic)
            os.environ["TF_DETERMINISTIC_OPS"] = "1"
        _seeded_fits += 1


def _leave_seeded():
    global _seeded_fits, _saved_globals
    with _SEEDED_LOCK:
        _seeded_fits -= 1
        if _seeded_fits:
            return
        py_state, np_state, old_env, tf_config, was_deterministic = _saved_globals
        _saved_globals = None
        if old_env is None:
            os.environ.pop("TF_DETERMINISTIC_OPS", None)
        else:
            os.environ["TF_DETERMINISTIC_OPS"] = old_env
        if tf_config is not None and not was_deterministic:
            tf_config.disable_op_determinism()
        random.setstate(py_state)
        np.random.set_state(np_state)


def _set_random_seed(seed):
    """``keras.utils.set_random_seed``, without TensorFlow's needless parts.

    ``tf.random.set_seed`` clears TensorFlow's kernel and function caches, so
    every ``tf.function`` run afterwards is instantiated anew (about a second
    for a train function on 2 cores), even when the seed did not change.
    Repeated fits with one ``random_state`` (a search, a benchmark) set the
    same seed again: then only Keras', Python's and NumPy's seeds are reset.
    And on JAX or PyTorch, Keras' function imports TensorFlow wherever it is
    installed, to seed it too; skweight seeds the backend in use only.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from tensorflow.python.eager import context

        keep_tf_seed = context.global_seed() == seed
    else:
        keep_tf_seed = True
    if keep_tf_seed:
        try:
            from keras.src.backend.common import global_state
            from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
            from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
        except ImportError:  # another Keras layout: Keras' own function
            pass
        else:
            global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
            global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)
            random.seed(seed)
            np.random.seed(seed)
            if backend == "torch":
                import torch

                torch.manual_seed(seed)
            return
    keras.utils.set_random_seed(seed)


class SkweightWrapper(BaseWrapper):
    """``BaseWrapper`` without the behaviours that are wrong under modern
    scikit-learn (see the module docstring). Estimators derive from
    ``(ClassifierMixin, SkweightWrapper)``.

    skweight's hooks, which a subclass overrides instead of scikeras' private
    ones: ``_network_builder()`` (the model-building function; scikeras' own
    choice by default, :meth:`_scikeras_builder`), ``_compile_arguments()``
    (``model.compile``'s arguments as scikeras converts them by default,
    :func:`scikeras_compile_arguments`), and the class attribute
    ``routing_prefixes`` (prefixes routed besides scikeras' own).
    """

    routing_prefixes: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._routing_prefixes = {*BaseWrapper._routing_prefixes,
                                 *cls.routing_prefixes}

    # ------------------------------------------------ scikeras' hooks
    def _check_model_param(self):
        return self._network_builder()

    def _get_compile_kwargs(self):
        return self._compile_arguments()

    # ------------------------------------------------- skweight's hooks
    def _network_builder(self):
        """The function that builds the model (scikeras' choice)."""
        return self._scikeras_builder()

    def _scikeras_builder(self):
        return BaseWrapper._check_model_param(self)

    def _compile_arguments(self):
        """``model.compile``'s arguments (scikeras' conversion)."""
        return scikeras_compile_arguments(self)

    def _start_callbacks(self):
        """Build this fit's callbacks from ``callbacks`` / ``fit__callbacks``."""
        self._initialize_callbacks()

    @property
    def _callbacks_of_fit(self):
        """The callbacks of the current fit (after :meth:`_start_callbacks`)."""
        return self._fit_callbacks

    @property
    def _callbacks_of_predict(self):
        """The prediction callbacks of the fitted estimator (may be none)."""
        return getattr(self, "_predict_callbacks", None) or []

    @staticmethod
    def _validate_sample_weight(X, y, sample_weight):
        # scikeras drops zero-weight rows here and returns arrays that alias the
        # caller's; skweight validates sample weights itself and keeps all rows.
        return X, y, sample_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def __getstate__(self):
        # Compiled forward functions are caches, rebuilt on demand; they cannot
        # be pickled or deep-copied.
        state = self.__dict__.copy()
        state.pop("_forward_cache", None)
        model = state.get("model_")
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and model.built and not optimizer.built:
            # An initialize()d network's optimizer has no slots yet. Loading
            # builds them and Keras then warns that the saved optimizer had
            # fewer variables ("Skipping variable loading for optimizer"). Build
            # them now, as the first training step would (zeros), so that the
            # saved optimizer is the one a load rebuilds.
            optimizer.build(model.trainable_variables)
        return state


def scikeras_compile_arguments(estimator, hidden=()):
    """scikeras' ``model.compile`` arguments for ``estimator``, with the loss
    entries at ``hidden`` (keys of a dict ``loss``, positions of a list;
    ``True`` for a single loss) and the ``loss__*`` options kept from
    scikeras, which looks loss names up in Keras: the caller fills them in.
    scikeras reads the parameters from the estimator itself, so it is run on a
    shallow copy holding the parameters to convert."""
    if not hidden:
        return BaseWrapper._get_compile_kwargs(estimator)
    loss = estimator.loss
    proxy = copy.copy(estimator)
    proxy.__dict__ = {k: v for k, v in estimator.__dict__.items()
                      if not k.startswith("loss__")}
    if isinstance(loss, str):
        proxy.loss = None
    elif isinstance(loss, Mapping):
        proxy.loss = {k: None if k in hidden else v for k, v in loss.items()}
    else:
        proxy.loss = [None if k in hidden else v for k, v in enumerate(loss)]
    return BaseWrapper._get_compile_kwargs(proxy)
