"""WeightedMultiOutputClassifier: per-output class weights for Keras models."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from skweight._docstrings import fill_doc
from skweight._engine._base import BaseWeightedEstimator, score_targets, stack_columns
from skweight._engine._parameters import estimator_init
from skweight._targets._columns import subset_accuracy
from skweight._targets._outputs import (
    CLASSIFICATION,
    OutputSet,
    classification_target_type,
    encode_output,
)
from skweight._typing import Features, SampleWeight, Targets

__all__ = ["WeightedMultiOutputClassifier"]


@fill_doc
class WeightedMultiOutputClassifier(ClassifierMixin, BaseWeightedEstimator):
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
        ``None`` builds the built-in network: a shared dense trunk on
        standardised inputs, one head per output. Otherwise a
        ``keras.Model`` (a ``Sequential`` too) or a function returning one,
        optionally taking ``meta`` (scikeras' keys: ``X_shape_``,
        ``n_outputs_expected_``, ...), ``compile_kwargs`` and routed
        ``model__*`` parameters, as in scikeras; ``None`` in a subclass that
        defines ``_keras_build_fn`` calls it instead. A user model returns one output
        per target column, in column order; an output with k units is a softmax
        over k classes (sparse categorical cross-entropy), one unit on a binary
        target is a sigmoid (binary cross-entropy), unless ``loss`` says
        otherwise. For a multilabel indicator ``y`` a user model may instead
        return one (n_samples, n_labels) sigmoid output. ``fit`` trains a copy
        of a ``keras.Model`` passed here (with its weights, and its compile
        settings if compiled), never the object itself: the trained network
        is ``model_``. A subclassed model that Keras cannot copy is refused;
        pass its class (arguments as ``model__<argument>``) instead.

        {{builtin_network_settings}}
        - ``model__label_layout`` : {"auto", "packed", "heads"},
          default="auto"; for a multilabel indicator ``y``, one sigmoid layer
          for all labels (``"packed"``, what ``"auto"`` means) or one head per
          label (``"heads"``).
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
    {{classifier_training_parameters}}
    **kwargs
        Routed parameters (``model__*``, ``fit__*``, ``compile__*``,
        ``predict__*``, ``optimizer__*``, ...), as in scikeras.

    Attributes
    ----------
    {{classifier_fitted_attributes}}

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

    __init__ = estimator_init()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _encode_targets(self, targets, layers):
        encoded = [
            encode_output(CLASSIFICATION, col, name, layer, given)
            for col, name, layer, given in zip(targets.columns, targets.names,
                                               layers, targets.given, strict=True)
        ]
        outputs = [o for o, _, _ in encoded]
        labels = [lab for _, _, lab in encoded]
        return OutputSet(outputs, classification_target_type(outputs)), [
            lab.codes for lab in labels], labels

    def predict_proba(self, X: Features,
                      **kwargs: Any) -> np.ndarray | list[np.ndarray]:
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
        {{predict_parameters}}

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or list of ndarray
            The probabilities; a list with one such array per output when
            ``y`` was two-dimensional.
        """
        return self._predict_probas(X, **kwargs)

    def predict(self, X: Features, **kwargs: Any) -> np.ndarray:
        """Predicted labels, shape (n_samples,) or (n_samples, n_outputs).

        When the outputs' labels are of different kinds (say str and bool), the
        array is of dtype object and each column keeps its own values.

        Parameters
        ----------
        {{predict_parameters}}

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted label of each output.
        """
        columns = self._predict_columns(X, **kwargs)
        if self.y_ndim_ == 1:
            return columns[0]
        kinds = {c.dtype.kind for c in columns}
        return stack_columns(columns,
                             np.result_type(*columns) if len(kinds) == 1 else object)

    def score(self, X: Features, y: Targets,
              sample_weight: SampleWeight = None) -> float:
        """Accuracy; subset accuracy (all outputs right) for multi-output ``y``.

        A missing label is not judged: a sample is right when the labels it has
        are, and a sample with no label is left out.

        ``X``, ``y`` and ``sample_weight`` are checked as ``fit`` checks them.

        {{subset_accuracy_score}}
        """
        columns, sample_weight = score_targets(self, X, y, sample_weight)
        return subset_accuracy(columns, self._predict_columns(X), sample_weight)
