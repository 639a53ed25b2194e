"""The built-in Keras network: a shared dense trunk and one head per output.

Multilabel targets get one sigmoid layer for all labels by default (the packed
layout, see :mod:`skweight._targets._multilabel`); regression outputs of the
mixed-output estimator get one linear unit.
"""

import keras
import numpy as np

from skweight._scikeras_compat import seed_from_random_state
from skweight._validation import check_parameter

__all__ = ["PACKED_OUTPUT_NAME", "build_default_network"]

# The name of the packed multilabel layout's single output layer.
PACKED_OUTPUT_NAME = "labels"


def build_default_network(
    meta,
    hidden_layer_sizes=(64, 64),
    activation="relu",
    dropout=0.0,
    label_layout="auto",
    params=None,
):
    """Shared trunk, one head per output; inputs standardised inside the model.

    The first layer standardises each feature with the training data's mean and
    variance (a ``keras.layers.Normalization`` holding them as constants), so the
    network trains well on raw tabular features and saves with its scaling.
    Each head is a sigmoid unit for a binary output, a softmax over the classes
    for a multiclass output and a linear unit for a regression output. A
    multilabel indicator target gets, by default, a single ``Dense(n_labels,
    sigmoid)`` output named ``"labels"`` instead of one head per label: it
    optimises the same loss and trains much faster with many labels.

    Routed from the estimator as ``model__hidden_layer_sizes``,
    ``model__activation``, ``model__dropout`` and ``model__label_layout``.

    Parameters
    ----------
    meta : dict
        ``n_features_in_``, ``n_classes_`` (one per output), ``output_layer_names_``
        and the training data's ``feature_mean_`` and ``feature_var_``.
    hidden_layer_sizes : sequence of int, default=(64, 64)
        Units of the shared dense layers.
    activation : str, default="relu"
        Activation of the shared layers.
    dropout : float, default=0.0
        Dropout rate after each shared layer.
    label_layout : {"auto", "packed", "heads"}, default="auto"
        For a multilabel indicator target: ``"packed"`` (one sigmoid layer for
        all labels) or ``"heads"`` (one sigmoid head per label). ``"auto"`` is
        ``"packed"``, the faster at every number of labels measured
        (``benchmarks/bench_label_layout.py``). Ignored for other targets.
    params : dict, default=None
        The estimator's parameters (scikeras passes them); their
        ``random_state`` seeds every layer's initializer and dropout.

    Returns
    -------
    keras.Model
        Not compiled: the estimator compiles it with per-output losses.
    """
    check_parameter("model__hidden_layer_sizes", hidden_layer_sizes)
    check_parameter("model__dropout", dropout)
    check_parameter("model__label_layout", label_layout)
    sizes = tuple(hidden_layer_sizes)
    _check_feature_scale(meta)
    seeds = _layer_seeds((params or {}).get("random_state"))
    # The columns the feature encoder gives (X's own by default).
    width = meta.get("_n_model_features", meta["n_features_in_"])
    inputs = keras.Input(shape=(width,), name="features")
    h = keras.layers.Normalization(
        mean=meta["feature_mean_"], variance=meta["feature_var_"], name="standardize"
    )(inputs)
    for i, units in enumerate(sizes):
        h = keras.layers.Dense(units, activation=activation, name=f"trunk_{i}",
                               kernel_initializer=_glorot(seeds))(h)
        if dropout:
            h = keras.layers.Dropout(float(dropout), name=f"dropout_{i}",
                                     seed=next(seeds))(h)
    output_set = meta.get("_outputs_")
    packable = output_set is None or output_set.packable
    if meta.get("target_type_") == "multilabel-indicator" and (
            label_layout == "packed" or (label_layout == "auto" and packable)):
        outputs = keras.layers.Dense(
            meta["n_outputs_"], activation="sigmoid", name=PACKED_OUTPUT_NAME,
            kernel_initializer=_glorot(seeds),
        )(h)
        return keras.Model(inputs, outputs, name="skweight_network")
    if output_set is not None:
        # Each head as its output's loss needs it (skweight._targets._outputs).
        heads = output_set.heads()
    else:
        n_classes_ = np.atleast_1d(np.asarray(meta["n_classes_"],
                                              dtype=object)).tolist()
        kinds = meta.get("output_types_") or ["classification"] * len(n_classes_)
        heads = [_head(kind, n_classes) for kind, n_classes in zip(
            kinds, n_classes_, strict=True)]
    outputs = [
        keras.layers.Dense(units, activation=activation, name=name,
                           kernel_initializer=_glorot(seeds))(h)
        for (units, activation), name in zip(
            heads, meta["output_layer_names_"], strict=True)
    ]
    return keras.Model(inputs, outputs, name="skweight_network")


def _layer_seeds(random_state):
    """One seed per layer from ``random_state`` (None: Keras' own seeding).

    Keras draws an unseeded initializer's seed from Python's process-wide
    ``random`` module, which other threads also draw from: a Dask worker's
    heartbeats do, between ``keras.utils.set_random_seed`` and the building of
    the network, so the same ``random_state`` gave a different network there.
    Seeds of the network's own make it depend on ``random_state`` alone.
    """
    if random_state is None:
        while True:
            yield None
    rng = np.random.default_rng(seed_from_random_state(random_state))
    while True:
        yield int(rng.integers(2**31 - 1))


def _glorot(seeds):
    # Keras' default Dense kernel initializer, with an explicit seed.
    return keras.initializers.GlorotUniform(seed=next(seeds))


def _head(kind, n_classes):
    """``(units, activation)`` of a head when ``meta`` has no output set."""
    if kind == "regression":
        return 1, None
    if n_classes == 2:
        return 1, "sigmoid"
    return n_classes, "softmax"


def _check_feature_scale(meta):
    """Refuse features whose variance float32, the network's dtype, cannot hold."""
    var = np.asarray(meta["feature_var_"], dtype=np.float64)
    too_big = np.flatnonzero(~(var <= np.finfo(np.float32).max))
    if too_big.size:
        names = meta.get("feature_names_in_")
        names = np.arange(len(var)) if names is None else np.asarray(names)
        raise ValueError(
            "The built-in network standardises X in float32, where the variance "
            f"of feature(s) {names[too_big].tolist()} ({var[too_big].max():.3g}) "
            f"overflows (float32 holds up to {np.finfo(np.float32).max:.3g}). Got "
            f"a spread of {np.sqrt(var[too_big].max()):.3g} instead. Rescale X "
            "(e.g. with sklearn.preprocessing.StandardScaler) before fit."
        )
