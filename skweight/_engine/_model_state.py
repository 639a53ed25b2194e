"""What a fit may change, and what it must leave as it found it.

- :func:`copy_user_model`: ``fit`` trains a copy of a Keras model passed as
  ``model=``, never the caller's object, so that ``warm_start=False`` starts
  afresh and a failed refit cannot leave ``model_`` half trained.
- :func:`check_warm_start`: a warm fit continues the fitted network only on
  data that keeps the meaning of its inputs and units (feature names in order,
  output names and kinds, each output's classes).
- :func:`optimizer_params` / :func:`apply_optimizer_params`: optimizer
  parameters changed with ``set_params`` take effect on a warm fit, or an error
  says why they cannot.
- :func:`trainer_state` / :func:`restore_trainer_state`: the state of a
  private training model (its optimizer's moments and step count) across
  pickling.
"""

import keras
import numpy as np

__all__ = [
    "apply_optimizer_params",
    "check_warm_start",
    "copy_user_model",
    "fit_optimizer_params",
    "optimizer_params",
    "restore_trainer_state",
    "trainer_state",
]

_NEW_NETWORK = "set warm_start=False to fit a new network."


def copy_user_model(model):
    """A copy of ``model`` to train: same layers, weights and compile settings.

    Functional and sequential models, and subclassed models with a
    ``get_config``, are copied with :func:`keras.models.clone_model`. Other
    subclassed models cannot be copied by Keras: the error says to pass the
    class (or a function building the model) instead, which skweight calls
    for every new network.
    """
    try:
        copy = keras.models.clone_model(model)
        if model.built and not copy.built:
            copy.build_from_config(model.get_build_config())
        copy.set_weights(model.get_weights())
        if model.compiled:
            copy.compile_from_config(model.get_compile_config())
    except (NotImplementedError, TypeError, ValueError) as exc:
        name = type(model).__name__
        # Keras' message, to its first full stop.
        reason = " ".join(str(exc).split()).split(". ")[0].rstrip(".")
        raise TypeError(
            f"fit trains a copy of model, so that the model passed stays as it "
            f"is, and Keras cannot copy this {name}: "
            f"{reason or type(exc).__name__}. Pass the class or a function that "
            "builds the model instead "
            f"(model={name}, with its arguments as model__<argument>=...), or "
            "give the class a get_config() method."
        ) from exc
    return copy


def _as_list(values):
    return None if values is None else np.asarray(values).tolist()


def check_warm_start(fitted, state, *, partial=False, name="the estimator"):
    """Refuse a warm fit on data that would retarget the fitted network.

    Parameters
    ----------
    fitted : dict
        The fitted estimator's attributes (``vars(estimator)``).
    state : dict
        The fitted attributes the new data gives (``_outputs_`` is the
        :class:`~skweight._targets._outputs.OutputSet`).
    partial : bool, default=False
        Whether ``partial_fit`` asks (the messages name it).
    name : str, default="the estimator"
        The estimator's class name, for scikit-learn's wording of a change in
        the number of features.

    Raises
    ------
    ValueError
        Naming what differs: the number of features, the feature names or
        their order, the dimensions of ``y``, the output names, the output
        kinds, or an output's classes.
    """
    who = "partial_fit" if partial else "warm_start=True"
    remedy = ("call fit to train a new network." if partial else _NEW_NETWORK)
    old_ndim, new_ndim = fitted.get("y_ndim_"), state["y_ndim_"]
    if old_ndim is not None and old_ndim != new_ndim:
        raise ValueError(
            f"y has {new_ndim} dimension{'s' if new_ndim != 1 else ''}, but this "
            f"estimator was fitted with {old_ndim}-dimensional y, and {who} "
            f"continues training the fitted network; {remedy}"
        )
    if state["n_features_in_"] != fitted["n_features_in_"]:
        if partial:  # scikit-learn's wording (check_n_features_in_after_fitting)
            raise ValueError(
                f"X has {state['n_features_in_']} features, but {name} is "
                f"expecting {fitted['n_features_in_']} features as input: "
                f"partial_fit continues training the fitted network; {remedy}"
            )
        raise ValueError(
            f"{who} continues training the fitted network, which takes "
            f"{fitted['n_features_in_']} feature(s). Got X with "
            f"{state['n_features_in_']} feature(s) instead; {remedy}"
        )
    old = _as_list(fitted.get("feature_names_in_"))
    new = _as_list(state.get("feature_names_in_"))
    if old is not None and new is not None and old != new:
        raise ValueError(
            f"{who} continues training the fitted network, which needs "
            f"the feature names it was fitted on, in the same order: {old}. Got "
            f"feature names {new} instead; {remedy}"
        )
    if list(state["output_names_"]) != list(fitted["output_names_"]):
        raise ValueError(
            f"{who} continues training the fitted network, which needs "
            f"the same output names {list(fitted['output_names_'])}. Got output "
            f"names {list(state['output_names_'])} instead; {remedy}"
        )
    before, after = fitted["_outputs_"].outputs, state["_outputs_"].outputs
    kinds = [o.kind for o in before]
    if [o.kind for o in after] != kinds:
        raise ValueError(
            f"{who} continues training the fitted network, which needs "
            f"the same output types {kinds}. Got output types "
            f"{[o.kind for o in after]} instead; {remedy}"
        )
    for old_output, new_output in zip(before, after, strict=True):
        old_classes, new_classes = old_output.classes, new_output.classes
        if old_classes is None:
            continue
        if not (len(old_classes) == len(new_classes)
                and np.array_equal(old_classes, new_classes)):
            raise ValueError(
                f"{who} continues training the fitted network, whose "
                f"units for output {old_output.name!r} stand for the classes "
                f"{_as_list(old_classes)}. Got classes {_as_list(new_classes)} "
                f"instead; {remedy}"
            )


def optimizer_params(params):
    """What ``get_params()`` says about the optimizer: ``optimizer`` and the
    ``optimizer__*`` parameters, for comparison between fits."""
    return {key: value for key, value in params.items()
            if key == "optimizer" or key.startswith("optimizer__")}


def _differs(a, b):
    try:
        return bool(a != b)
    except (TypeError, ValueError):
        return a is not b


def apply_optimizer_params(optimizer, before, after):
    """Make the optimizer parameters ``after`` take effect on ``optimizer``,
    trained so far with ``before``, keeping its state.

    The learning rate (a variable of the optimizer) is set in place. Any
    other change would need a new optimizer and lose its state (moments, step
    count): a ``ValueError`` says so.
    """
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if _differs(before.get(k), after.get(k))]
    if not changed:
        return
    if changed != ["optimizer__learning_rate"] or isinstance(
        optimizer.learning_rate, keras.optimizers.schedules.LearningRateSchedule
    ) or not isinstance(after.get("optimizer__learning_rate"), (int, float)):
        shown = {k: after.get(k) for k in changed}
        raise ValueError(
            "warm_start=True continues training with the fitted optimizer and its "
            "state (moments, step count), of which a warm fit can change the "
            "learning rate (a number) only. Got changed optimizer parameters "
            f"{shown} instead; {_NEW_NETWORK}"
        )
    optimizer.learning_rate = float(after["optimizer__learning_rate"])


def fit_optimizer_params(params, before, trainer, *, warm, compiled_by_user):
    """The optimizer parameters a fit trains with, for the next warm fit to
    compare (None: the user compiled the model). A warm fit applies them to
    ``trainer``'s kept optimizer, trained so far with ``before``."""
    opt_params = optimizer_params(params)
    if warm:
        if before is not None:
            apply_optimizer_params(trainer.optimizer, before, opt_params)
        else:
            opt_params = None
    elif compiled_by_user:
        opt_params = None
    return opt_params


def trainer_state(trainer, network):
    """The values of ``trainer``'s own variables (those not of ``network``,
    its optimizer's included), to keep a private training model's state
    through pickling."""
    known = {id(v) for v in network.variables}
    return {
        "kind": type(trainer).__name__,
        "values": [np.array(v.numpy()) for v in _trainer_variables(trainer)
                   if id(v) not in known],
    }


def restore_trainer_state(trainer, network, saved):
    """Put back what :func:`trainer_state` saved, if ``trainer`` is of the
    same kind and shape (else it starts afresh, as a new trainer does)."""
    if saved is None or saved["kind"] != type(trainer).__name__:
        return
    optimizer = trainer.optimizer
    if not optimizer.built:
        optimizer.build(trainer.trainable_variables)
    known = {id(v) for v in network.variables}
    own = [v for v in _trainer_variables(trainer) if id(v) not in known]
    values = saved["values"]
    if len(own) != len(values) or any(
        tuple(v.shape) != a.shape for v, a in zip(own, values, strict=True)
    ):
        return
    for v, a in zip(own, values, strict=True):
        v.assign(a)


def _trainer_variables(trainer):
    variables = list(trainer.variables)
    optimizer = getattr(trainer, "optimizer", None)
    if optimizer is not None and optimizer.built:
        variables += list(optimizer.variables)
    return variables
