"""Prediction of a fitted estimator: the fast forward pass, or Keras'
``Model.predict`` when scikeras' prediction settings ask for it."""

import keras
import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from skweight._engine import _backend
from skweight._scikeras_compat import route_params
from skweight._validation import check_numeric_features

__all__ = ["X_CHECKS", "input_shape", "raw_outputs"]

# The checks X gets in fit and predict. N-D X is for user models; fit refuses
# it for the built-in network.
X_CHECKS = {"dtype": np.float32, "accept_sparse": ("csr", "csc", "coo"),
            "ensure_min_samples": 1, "allow_nd": True}

_PREDICT_HOOKS = ("on_predict_begin", "on_predict_end", "on_predict_batch_begin",
                  "on_predict_batch_end")


def input_shape(state):
    """The shape of one row of the model's input (``X`` through the feature
    encoder, when it gives one array), from a fitted state."""
    return tuple(state.get("_input_shape") or state["X_shape_"][1:])


def raw_outputs(estimator, X, kwargs):
    """One raw prediction array per output of a fitted ``estimator``.

    Through Keras' ``Model.predict`` when a callback (``callbacks``,
    ``predict__callbacks``) acts on prediction, or with ``predict__*``
    parameters or keyword arguments, as in scikeras; otherwise through the
    fast path (a fit-only callback such as ``EarlyStopping`` keeps it).
    """
    check_is_fitted(estimator, "model_")
    check_numeric_features(X)
    X = validate_data(estimator, X, reset=False, **X_CHECKS)
    if X.shape[1:] != tuple(estimator.X_shape_[1:]):
        raise ValueError(
            f"X must be of shape (n_samples, "
            f"{', '.join(map(str, estimator.X_shape_[1:]))}) as in fit. Got X of "
            f"shape {X.shape} instead."
        )
    if hasattr(X, "toarray"):
        X = X.toarray()
    n_samples = len(X)
    encoder = getattr(estimator, "feature_encoder_", None)
    if encoder is not None:
        X = encoder.transform(X)
    args, callbacks = _keras_predict_args(estimator, n_samples, kwargs)
    def predict(model, forward):
        if args is None and forward is not None:
            return estimator._outputs_.split(forward(X))
        return estimator._outputs_.split(_backend.as_list(model.predict(
            X, callbacks=callbacks, **(args or {"verbose": 0}))))

    raw = predict(estimator.model_, estimator._forward_cache)
    snapshots = getattr(estimator, "_snapshots", None)
    if snapshots:
        # early_stopping: each output from the network at its own best epoch.
        networks = snapshots.networks(
            estimator.model_, None if estimator._forward_cache is None
            else input_shape(vars(estimator)))
        raw = snapshots.combine(raw, lambda j: predict(*networks[j]))
    return raw


def _keras_predict_args(estimator, n_samples, kwargs):
    """``(args, callbacks)`` for Keras' ``predict``; ``args`` is None when the
    fast path serves."""
    params = estimator.get_params()
    routed = route_params(params, destination="predict", pass_filter=set(),
                          strict=True)
    callbacks = [cb for cb in estimator._callbacks_of_predict
                 if _acts_on_prediction(cb)]
    if not (callbacks or kwargs
            or any(not k.startswith("callbacks") for k in routed)):
        return None, callbacks
    args = route_params(params, destination="predict",
                        pass_filter={"batch_size", "verbose", "steps"},
                        strict=True)
    args = {k: v for k, v in args.items()
            if v is not None and not k.startswith("callbacks")}
    args = {"verbose": 0, **args, **kwargs}
    if args.get("batch_size") == -1:
        args["batch_size"] = n_samples
    return args, callbacks


def _acts_on_prediction(callback):
    """Whether ``callback`` overrides one of Keras' prediction hooks."""
    return any(
        getattr(type(callback), hook, None) is not getattr(keras.callbacks.Callback,
                                                           hook)
        for hook in _PREDICT_HOOKS
    )
