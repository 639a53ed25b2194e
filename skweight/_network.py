"""The built-in Keras network: a shared dense trunk and one head per output."""

import keras
import numpy as np

__all__ = ["build_default_network"]


def build_default_network(
    meta,
    hidden_layer_sizes=(64, 64),
    activation="relu",
    dropout=0.0,
):
    """Shared trunk, one head per output; inputs standardised inside the model.

    The first layer standardises each feature with the training data's mean and
    variance (a ``keras.layers.Normalization`` holding them as constants), so the
    network trains well on raw tabular features and saves with its scaling.
    Each head is a sigmoid unit for a binary output and a softmax over the
    classes otherwise.

    Routed from the estimator as ``model__hidden_layer_sizes``,
    ``model__activation`` and ``model__dropout``.

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

    Returns
    -------
    keras.Model
        Not compiled: the estimator compiles it with per-output losses.
    """
    sizes = tuple(hidden_layer_sizes)
    if not all(isinstance(s, int) and s > 0 for s in sizes):
        raise ValueError(
            "model__hidden_layer_sizes must be a sequence of positive ints. "
            f"Got {hidden_layer_sizes!r} instead."
        )
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"model__dropout must be in [0, 1). Got {dropout!r} instead.")
    inputs = keras.Input(shape=(meta["n_features_in_"],), name="features")
    h = keras.layers.Normalization(
        mean=meta["feature_mean_"], variance=meta["feature_var_"], name="standardize"
    )(inputs)
    for i, units in enumerate(sizes):
        h = keras.layers.Dense(units, activation=activation, name=f"trunk_{i}")(h)
        if dropout:
            h = keras.layers.Dropout(float(dropout), name=f"dropout_{i}")(h)
    outputs = [
        keras.layers.Dense(1, activation="sigmoid", name=name)(h)
        if n_classes == 2
        else keras.layers.Dense(n_classes, activation="softmax", name=name)(h)
        for n_classes, name in zip(
            np.atleast_1d(meta["n_classes_"]).tolist(),
            meta["output_layer_names_"],
            strict=True,
        )
    ]
    return keras.Model(inputs, outputs, name="skweight_network")
