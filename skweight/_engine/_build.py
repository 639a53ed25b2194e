"""The network of a fit: building it from ``model`` (scikeras' routing of
``model__*``), checking its input width, and the compile arguments (with
skweight's named losses built per output)."""

import inspect
from collections.abc import Mapping

import keras

from skweight._engine._model_state import copy_user_model
from skweight._engine._network import build_default_network
from skweight._scikeras_compat import (
    builder_takes,
    route_params,
    scikeras_compile_arguments,
)
from skweight._targets._outputs import NAMED_LOSSES, check_loss_names
from skweight._validation import did_you_mean

__all__ = ["build_model", "builtin_compile_arguments", "compile_kwargs"]

_STEPS_PER_EXECUTION = 32


def _named_loss_entries(loss):
    """Where ``loss`` names a skweight loss: list indices or dict keys (for a
    single name, ``[None]``); empty when it names none."""
    if isinstance(loss, str):
        return [None] if loss in NAMED_LOSSES else []
    if isinstance(loss, Mapping):
        return [k for k, v in loss.items() if isinstance(v, str) and v in NAMED_LOSSES]
    if isinstance(loss, (list, tuple)):
        return [k for k, v in enumerate(loss)
                if isinstance(v, str) and v in NAMED_LOSSES]
    return []


def _own_params(estimator):
    """The estimator's own parameter names (its ``__init__``'s)."""
    parameters = inspect.signature(type(estimator).__init__).parameters.values()
    return [p.name for p in parameters if p.name != "self"
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _check_network_settings(settings, estimator):
    """Refuse a ``model__*`` key the built-in network does not take.

    A bare keyword argument (``epoch=5``) reaches here through scikeras'
    routing; it is most likely a misspelled estimator parameter, so it is
    named as a parameter and matched against the estimator's own names first.
    """
    # meta and params are scikeras' own arguments, not settings.
    valid = [p for p in inspect.signature(build_default_network).parameters
             if p not in ("meta", "params")]
    unknown = [key for key in settings if key not in valid]
    bare = [key for key in unknown if key in getattr(estimator, "_user_params", ())]
    if bare:
        own = _own_params(estimator)
        raise ValueError(
            f"{type(estimator).__name__} got unknown parameter(s) {bare}: they "
            f"are neither its own parameters ({', '.join(own)}) nor settings of "
            f"the built-in network (model__{', model__'.join(valid)})."
            + (did_you_mean(bare[0], own) or did_you_mean(bare[0], valid))
        )
    if unknown:
        raise ValueError(
            "The built-in network (model=None) takes "
            f"{', '.join('model__' + p for p in valid)}. Got unknown setting(s) "
            f"{['model__' + k for k in unknown]} instead."
            + did_you_mean(f"model__{unknown[0]}", [f"model__{p}" for p in valid])
        )


def build_model(estimator, meta):
    """Build the Keras model from ``estimator.model`` with ``meta`` (scikeras
    routing); a user's model object is copied, its input width checked."""
    build_fn = estimator._network_builder()
    params = estimator.get_params()
    build_params = route_params(
        params, destination="model",
        pass_filter=getattr(estimator, "_user_params", set()), strict=True,
    )
    if getattr(build_fn, "func", build_fn) is build_default_network:
        _check_network_settings(build_params, estimator)
    if builder_takes(build_fn, "meta"):
        build_params["meta"] = meta
    if builder_takes(build_fn, "compile_kwargs"):
        build_params["compile_kwargs"] = estimator._make_compile_kwargs(None, meta)
    if builder_takes(build_fn, "params"):
        build_params["params"] = params
    model = build_fn(**build_params)
    if not isinstance(model, keras.Model):
        raise TypeError(
            "model must build a keras.Model. Got "
            f"{type(model).__name__} instead."
        )
    if model is estimator.model:
        # The caller's object stays as passed; the fit trains a copy.
        model = copy_user_model(model)
    if isinstance(model, keras.Sequential) and not model.built:
        # A Sequential without keras.Input has no outputs until built.
        model.build((None, *meta["X_shape_"][1:]))
    inputs = getattr(model, "inputs", None) or []
    n_features = meta.get("_n_model_features", meta["n_features_in_"])
    if len(meta["X_shape_"]) == 2 and len(inputs) == 1 and (
        inputs[0].shape[-1] not in (None, n_features)
    ):
        raise ValueError(
            f"model input must take {n_features} feature(s), the columns of X. "
            f"Got an input of width {inputs[0].shape[-1]} instead."
        )
    return model


def builtin_compile_arguments(estimator):
    """scikeras' compile arguments for ``estimator``, with skweight's named
    losses kept from it."""
    # scikeras looks loss names up in Keras, which does not know skweight's
    # "logit_adjusted": those entries, and the loss__* options that go to
    # them, are kept from it and built per output by
    # OutputSet.compile_losses, with each output's class priors.
    loss = estimator.loss
    named = _named_loss_entries(loss)
    kwargs = scikeras_compile_arguments(estimator, hidden=named)
    if named:
        if isinstance(loss, str):
            kwargs["loss"] = loss
        else:
            for key in named:
                kwargs["loss"][key] = loss[key]
    return kwargs


def compile_kwargs(estimator, model, meta, loss_weights=None,
                   steps_per_epoch=None):
    """``model.compile``'s arguments: the losses per output (``model`` None:
    as scikeras gives them to a builder), loss weights, steps per call."""
    check_loss_names(estimator.loss)
    kwargs = estimator._compile_arguments()
    if model is not None:
        options = route_params(estimator.get_params(), destination="loss",
                               pass_filter=set(), strict=True)
        loss, loss_weights, metrics = meta["_outputs_"].compile_losses(
            model, kwargs.get("loss"), loss_weights, loss_options=options)
        kwargs["loss"] = loss
        if metrics:
            kwargs["weighted_metrics"] = [
                *(kwargs.get("weighted_metrics") or []), *metrics]
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
