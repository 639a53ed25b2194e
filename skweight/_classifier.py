"""WeightedMultiOutputClassifier: per-output class weights for Keras models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from skweight._base import BaseWeightedEstimator, score_targets, stack_columns
from skweight._outputs import (
    CLASSIFICATION,
    OutputSet,
    classification_target_type,
    encode_output,
)
from skweight._targets import subset_accuracy
from skweight._typing import (
    Features,
    KerasLoss,
    KerasModel,
    LossWeights,
    RandomStateLike,
    SampleWeight,
    Targets,
)
from skweight._weights import ClassWeight

__all__ = ["WeightedMultiOutputClassifier"]


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

        The built-in network's settings, given to the estimator as routed
        parameters (``WeightedMultiOutputClassifier(model__dropout=0.2)``, or
        ``model__<name>`` in a ``GridSearchCV`` grid); any other
        ``model__*`` key is refused with the list of these:

        - ``model__hidden_layer_sizes`` : tuple of int, default=(64, 64); the
          units of the shared dense layers;
        - ``model__activation`` : str, default="relu"; their activation;
        - ``model__dropout`` : float in [0, 1), default=0.0; the dropout rate
          after each shared layer;
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
    missing_labels : {"raise", "mask"}, default="raise"
        What a missing label (NaN, None, ``pd.NA``) in ``y`` means. ``"raise"``
        refuses it. ``"mask"`` gives that sample zero weight for that output
        alone: the sample still trains the other outputs, class-weight
        strategies count only the labelled samples, and ``n_labelled_`` gives
        each output's labelled count. An output with no label left is refused.
    optimizer : str, keras.optimizers.Optimizer or class, default="adam"
        As in scikeras; routed parameters as ``optimizer__learning_rate``.
    loss : None, str, keras.losses.Loss, list or dict, default=None
        ``None`` picks each output's cross-entropy from its width.
    metrics : list, default=None
        Keras metrics, as in scikeras.
    batch_size : int, default=None
        Samples per gradient step (Keras' 32 when None; -1 for all samples).
    validation_batch_size : int, default=None
        Batch size of the validation data.
    verbose : int, default=0
        Keras' progress display (0 silent, 1 progress bar, 2 one line per
        epoch).
    callbacks : list of keras.callbacks.Callback, default=None
        As in scikeras.
    validation_split : float, default=0.0
        Fraction of the training data (the last samples, as in Keras) held out
        to compute ``val_*`` logs.
    shuffle : bool, default=True
        Shuffle the training samples every epoch.
    run_eagerly : bool, default=False
        Run Keras eagerly (for debugging).
    epochs : int, default=100
        Passes over the training data (>= 1).
    warm_start : bool, default=False
        Keep training the fitted network (and its optimizer's state) on the
        next ``fit``. Data with other feature names or order, other outputs or
        output kinds, or other classes for an output is refused with a
        ``ValueError``; a changed ``optimizer__learning_rate`` takes effect,
        other optimizer changes are refused.
    random_state : None, int, RandomState or Generator, default=None
        Seed of weight initialisation and shuffling; the same seed gives the
        same model.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified on
        every output's classes), watch each output on its own score there
        after every epoch, predict each output from the network at its own
        best epoch, and stop when no output has improved by more than ``tol``
        for ``n_iter_no_change`` epochs (``epochs`` is then the most).
        ``model_`` holds the latest of the outputs' best states; the others
        are kept beside it (one copy of the weights per distinct best epoch,
        one forward pass each in ``predict``). ``partial_fit`` ignores it, as
        scikit-learn's ``MLPClassifier`` does. See ``docs/quality.md``.
    validation_fraction : float in (0, 1), default=0.1
        The share of the training rows held out when ``early_stopping``.
    n_iter_no_change : int, default=10
        Epochs without improvement of any output before training stops.
    tol : float, default=1e-4
        The least improvement of an output's score that counts.
    scoring : "loss", str, callable or dict, default="loss"
        Each output's validation score (higher is better): ``"loss"``, minus
        its weighted loss (cross-entropy with its class and sample weights;
        squared error of a regression output); a scikit-learn scorer name
        (``"balanced_accuracy"``, ``"f1_macro"``, ...) or callable
        ``scorer(estimator, X, y)``, applied to each classification output
        on its labelled held-out rows; or ``{output_name: one of those}``
        (outputs not named use ``"loss"``).
    **kwargs
        Routed parameters (``model__*``, ``fit__*``, ``compile__*``,
        ``predict__*``, ``optimizer__*``, ...), as in scikeras.

    Attributes
    ----------
    model_ : keras.Model
        The trained network (a copy of a ``keras.Model`` passed as ``model``,
        which stays as it was). The estimator pickles whole, with the
        optimizer's state (pickle, joblib);
        ``model_.save("net.keras")`` saves the network alone in Keras' format
        (see ``docs/persistence.md``).
    history_ : dict of list
        Keras' logs per epoch, including ``"<output layer name>_loss"`` for each
        output of a multi-output model. With the packed multilabel layout these
        per-label entries come from a metric that logs each label's
        ``mean_n(w_nk * bce_nk)``, the value a separate head would log.
    best_epoch_ : ndarray of shape (n_outputs,)
        With ``early_stopping``: the epoch (counted as in ``history_``, from
        1) whose network predicts each output.
    best_validation_score_ : ndarray of shape (n_outputs,)
        With ``early_stopping``: each output's score at its best epoch;
        ``history_["<output>_validation_score"]`` holds its curve.
    classes_ : ndarray or list of ndarray
        The classes of each output (a list for two-dimensional ``y``).
    n_classes_ : int or list of int
        The number of classes of each output.
    n_outputs_ : int
        Number of outputs.
    output_names_ : list of str
        Output names: DataFrame column names when given, else ``"output_<k>"``.
    output_layer_names_ : list of str
        The names of the built-in network's output layers (valid Keras names
        derived from ``output_names_``).
    class_weight_ : dict, or list of (dict or None), or None
        The per-class weights actually used.
    n_labelled_ : ndarray of shape (n_outputs,)
        The number of labelled samples of each output (all of them unless
        ``missing_labels="mask"`` met missing labels).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Feature names seen during ``fit``, when ``X`` has column names.

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

    def __init__(
        self,
        model: KerasModel = None,
        *,
        class_weight: ClassWeight = None,
        loss_weights: LossWeights = None,
        missing_labels: str = "raise",
        optimizer: Any = "adam",
        loss: KerasLoss = None,
        metrics: Sequence[Any] | Mapping[str, Any] | None = None,
        batch_size: int | None = None,
        validation_batch_size: int | None = None,
        verbose: int = 0,
        callbacks: Sequence[Any] | None = None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        run_eagerly: bool = False,
        epochs: int = 100,
        warm_start: bool = False,
        random_state: RandomStateLike = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        scoring: Any = "loss",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model=model,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            warm_start=warm_start,
            random_state=random_state,
            **kwargs,
        )
        self.class_weight = class_weight
        self.loss_weights = loss_weights
        self.missing_labels = missing_labels
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring

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
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Or of the N-D shape a user model takes, as in ``fit``.
        **kwargs
            Passed to ``keras.Model.predict`` (prefer ``predict__*``
            parameters); prediction then goes through ``Model.predict``, as
            with prediction callbacks.

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
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Or of the N-D shape a user model takes, as in ``fit``.
        **kwargs
            Passed to ``keras.Model.predict`` (prefer ``predict__*``
            parameters); prediction then goes through ``Model.predict``, as
            with prediction callbacks.

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

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, \
n_outputs)
            The true labels, one column per output.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        float
            The fraction of samples whose every labelled output is right.
        """
        columns, sample_weight = score_targets(self, X, y, sample_weight)
        return subset_accuracy(columns, self._predict_columns(X), sample_weight)
