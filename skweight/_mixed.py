"""WeightedMixedOutputEstimator: classification and regression heads together.

One network, a shared trunk, and per output either a classification head
(class-weighted cross-entropy) or a regression head (mean squared error on the
standardised target), on the engine of :mod:`skweight._engine._base`; the kinds of
output are :mod:`skweight._targets._outputs`' classes. It is not a classifier: its tags
say neither classifier nor regressor.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target

from skweight._docstrings import fill_doc
from skweight._engine._base import BaseWeightedEstimator, score_targets, stack_columns
from skweight._engine._parameters import estimator_init, keyword_parameter
from skweight._targets._columns import mean_output_score
from skweight._targets._outputs import (
    CLASSIFICATION,
    REGRESSION,
    OutputSet,
    classification_target_type,
    encode_output,
)
from skweight._targets._weights import is_strategy_entry
from skweight._typing import Features, SampleWeight, Targets
from skweight._validation import (
    check_parameter,
    check_per_output_choice,
    describe,
    per_output,
)

__all__ = ["WeightedMixedOutputEstimator"]

_KINDS = (CLASSIFICATION, REGRESSION, "auto")
# An integer output inferred as classification with more classes than this,
# and more distinct values than this share of its rows, is more likely a
# quantity (a price in whole dollars, a count) than a set of labels.
_MAX_PLAIN_CLASSES = 20
_MAX_PLAIN_DISTINCT_SHARE = 0.1


def infer_output_type(column):
    """``"regression"`` for continuous floats, ``"classification"`` otherwise.

    As :func:`sklearn.utils.multiclass.type_of_target`: floats with a
    non-integer value are continuous; integer-valued floats, ints, bools and
    strings are labels.
    """
    column = np.asarray(column)
    if column.dtype.kind == "f" and np.all(np.isfinite(column)):
        if type_of_target(column) == "continuous":
            return REGRESSION
    return CLASSIFICATION


def _warn_if_quantity(name, column):
    """Warn when an integer column inferred as labels looks like a quantity."""
    column = np.asarray(column)
    if column.dtype.kind not in "iuf" or len(column) == 0:
        return
    n_distinct = len(np.unique(column))
    if (n_distinct > _MAX_PLAIN_CLASSES
            and n_distinct > _MAX_PLAIN_DISTINCT_SHARE * len(column)):
        warnings.warn(
            f"Output {name!r} holds whole numbers with {n_distinct} distinct values "
            f"in {len(column)} rows, so it is trained as a classification output "
            f"with {n_distinct} classes. If it is a quantity, declare it a "
            f"regression output: output_types={{{name!r}: 'regression'}}.",
            UserWarning,
            stacklevel=4,
        )


def _has_classification_output(est):
    return not hasattr(est, "output_types_") or CLASSIFICATION in est.output_types_


@fill_doc
class WeightedMixedOutputEstimator(ClassifierMixin, BaseWeightedEstimator):
    """Keras network with classification and regression outputs side by side.

    Each output of ``y`` is a classification output (a softmax, or a sigmoid
    unit for two classes, trained with cross-entropy and its own class
    weights) or a regression output (one linear unit trained with mean
    squared error). Outputs share a dense trunk; the optimised loss is
    ``sum_k loss_weights[k] * loss_k``. Class weights reach only the
    classification losses.

    Regression targets are standardised inside ``fit`` (the network learns
    ``(y - target_mean_) / target_scale_``; ``predict`` maps back), so that a
    price in thousands and a cross-entropy near 1 are on comparable scales and
    ``loss_weights`` mean what they say. The logged regression loss is the
    mean squared error in standard-deviation units.

    Parameters
    ----------
    model : None, keras.Model or callable, default=None
        ``None`` builds the built-in network (see
        :class:`WeightedMultiOutputClassifier`); a regression output gets one
        linear unit. A user model returns one output per target column, in
        column order; a regression output must have 1 unit (and is trained on
        the standardised target).

        {{builtin_network_settings}}
        - ``model__label_layout`` : {"auto", "packed", "heads"},
          default="auto"; ignored here (no multilabel indicator ``y``).
    output_types : None, str, list or dict, default=None
        The kind of each output: ``"classification"``, ``"regression"`` or
        ``"auto"``; one value for every output, a list with one per output, or
        ``{output_name: kind}`` (outputs not named are ``"auto"``). ``"auto"``
        (and ``None``) makes continuous float columns regression outputs and
        everything else (int, bool, str, integer-valued floats)
        classification outputs. Integer-valued quantities such as a price in
        whole dollars need ``"regression"`` said explicitly.
    class_weight : None, str, strategy, callable, dict or list, default=None
        As in :class:`WeightedMultiOutputClassifier`, for the classification
        outputs only: a strategy given once applies to every classification
        output; a list entry or a ``{output_name: entry}`` value for a
        regression output must be None (a ValueError says so otherwise).
    loss_weights : None, list of float or dict, default=None
        Weight of each output's loss in the optimised total; a list with one
        float >= 0 per output or ``{output_name: float}`` (outputs not named
        weigh 1).
    {{missing_labels}}
    {{optimizer}}
    loss : None, str, keras.losses.Loss, list or dict, default=None
        ``None`` gives each classification output its cross-entropy and each
        regression output :class:`keras.losses.MeanSquaredError`. A list (one
        entry per output) or a dict keyed by output name (or output layer
        name) overrides some outputs; ``None`` entries and outputs not named
        keep their default. A single loss applies to every output, as in Keras.
    {{training_parameters}}
    {{early_stopping_parameters}}
    **kwargs
        Routed parameters (``model__*``, ``optimizer__*``, ``fit__*``, ...), as
        in :class:`WeightedMultiOutputClassifier`.

    Attributes
    ----------
    output_types_ : list of str
        ``"classification"`` or ``"regression"``, one per output.
    classes_ : ndarray, None or list of (ndarray or None)
        The classes of each classification output; None for a regression
        output (a list for two-dimensional ``y``).
    n_classes_ : int, None or list of (int or None)
        The number of classes of each output (None for regression).
    class_weight_ : dict, None or list of (dict or None)
        The per-class weights actually used (None for regression outputs and
        unweighted classification outputs).
    target_mean_ : ndarray of shape (n_outputs,)
        Mean of each regression target (NaN for classification outputs).
    target_scale_ : ndarray of shape (n_outputs,)
        Standard deviation of each regression target (1 where it is 0; NaN for
        classification outputs).
    {{network_attributes}}
    {{output_attributes}}
    {{n_labelled_}}
    {{feature_attributes}}

    See Also
    --------
    WeightedMultiOutputClassifier : Every output a classification output.

    Examples
    --------
    >>> from skweight import WeightedMixedOutputEstimator
    >>> from skweight.datasets import load_fair
    >>> fair = load_fair()
    >>> y = fair.target[["rate_marriage"]].assign(affairs=fair.affairs)
    >>> est = WeightedMixedOutputEstimator(
    ...     class_weight="balanced", loss_weights=[1.0, 0.5], epochs=2,
    ...     random_state=0,
    ... ).fit(fair.data, y)
    >>> est.output_types_
    ['classification', 'regression']
    >>> pred = est.predict(fair.data.iloc[:3])
    >>> list(pred.columns), pred["affairs"].dtype.kind
    (['rate_marriage', 'affairs'], 'f')
    >>> sorted(est.history_)
    ['affairs_loss', 'loss', 'rate_marriage_loss']
    """

    __init__ = estimator_init(keyword_parameter(
        "output_types", None, str | Sequence[str] | Mapping[str, str] | None))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Neither a classifier nor a regressor: some outputs are each. The
        # classifier tags stay: they describe the classification outputs, and
        # scikit-learn's checks read them wherever predict_proba exists.
        tags.estimator_type = None
        return tags

    def _output_kinds(self, targets):
        check_parameter("output_types", self.output_types)
        given = per_output(self.output_types, targets.names, param="output_types",
                           default="auto")
        check_per_output_choice(given, targets.names, param="output_types",
                                options=_KINDS)
        # partial_fit keeps each output's kind: that of the fitted output, or
        # classification where classes were given.
        given = [getattr(g, "kind", CLASSIFICATION) if g is not None else kind
                 for kind, g in zip(given, targets.given, strict=True)]
        kinds = [infer_output_type(col) if kind == "auto" else kind
                 for kind, col in zip(given, targets.columns, strict=True)]
        for name, kind, given_kind, col in zip(targets.names, kinds, given,
                                               targets.columns, strict=True):
            if given_kind == "auto" and kind == CLASSIFICATION:
                _warn_if_quantity(name, col)
        return kinds

    def _encode_targets(self, targets, layers):
        # An object array mixing labels and floats (np.asarray of such a
        # table) holds each column's values as Python objects: recover their
        # kinds (bool, float, str) before telling labels from quantities.
        targets.columns = [
            pd.Series(col).infer_objects().to_numpy() if col.dtype.kind == "O"
            else col
            for col in targets.columns
        ]
        outputs, codes, labels = [], [], []
        for col, name, layer, kind, given in zip(
                targets.columns, targets.names, layers, self._output_kinds(targets),
                targets.given, strict=True):
            output, code, lab = encode_output(kind, col, name, layer, given)
            outputs.append(output)
            codes.append(code)
            labels.append(lab)
        return OutputSet(outputs, _target_type(outputs)), codes, labels

    def _class_weight_entries(self, outputs, single):
        cw = self.class_weight
        entries = super()._class_weight_entries(outputs, single)
        kinds = [o.kind for o in outputs.outputs]
        if cw is not None and is_strategy_entry(cw):
            if CLASSIFICATION not in kinds:
                raise ValueError(
                    "class_weight applies to classification outputs only, and y "
                    f"has none (output types {kinds}). Got {describe(cw)} instead."
                )
            return [e if k == CLASSIFICATION else None
                    for e, k in zip(entries, kinds, strict=True)]
        for name, kind, entry in zip(outputs.names, kinds, entries, strict=True):
            if kind == REGRESSION and entry is not None:
                raise ValueError(
                    "class_weight applies to classification outputs only; output "
                    f"{name!r} is a regression output. Got {describe(entry)} for "
                    "it instead."
                )
        return entries

    def _target_state(self, outputs, y):
        regression = [o if o.kind == REGRESSION else None for o in outputs.outputs]
        return {
            "output_types_": [o.kind for o in outputs.outputs],
            "target_mean_": np.array([np.nan if o is None else o.mean
                                      for o in regression]),
            "target_scale_": np.array([np.nan if o is None else o.scale
                                       for o in regression]),
            "y_columns_": outputs.names if isinstance(y, pd.DataFrame) else None,
        }

    def predict(self, X: Features, **kwargs: Any) -> np.ndarray:
        """Predict every output: labels for classification, floats for regression.

        Parameters
        ----------
        {{predict_parameters}}

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs), or DataFrame
            A DataFrame with the output names as columns (each in its own
            dtype) when ``y`` was one, indexed as ``X`` when ``X`` is one;
            otherwise an array (``object`` dtype when labels and floats mix).
        """
        columns = self._predict_columns(X, **kwargs)
        if self.y_ndim_ == 1:
            return columns[0]
        if self.y_columns_ is not None:
            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(
                dict(zip(self.y_columns_, columns, strict=True)), index=index
            )
        numeric = {c.dtype.kind for c in columns} <= set("biuf")
        return stack_columns(columns,
                             np.result_type(*columns) if numeric else object)

    @available_if(_has_classification_output)
    def predict_proba(self, X: Features,
                      **kwargs: Any) -> np.ndarray | list[np.ndarray]:
        """Class probabilities of the classification outputs.

        Parameters
        ----------
        {{predict_parameters}}

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or list
            For one-dimensional ``y``, one array; otherwise a list with one
            (n_samples, n_classes) array per output and None at each regression
            output, so that ``predict_proba(X)[k]`` is output ``k``'s.
        """
        return self._predict_probas(X, **kwargs)

    def score(self, X: Features, y: Targets,
              sample_weight: SampleWeight = None) -> float:
        """Mean over outputs of accuracy (classification) and R² (regression).

        Each output contributes a score whose best value is 1: the accuracy of
        a classification output, the coefficient of determination of a
        regression output. Use :func:`skweight.metrics.output_scorer` to score
        one output with another metric.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, \
n_outputs)
            The true targets, one column per output.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, for every output.

        Returns
        -------
        float
            The mean of the outputs' scores.
        """
        columns, sample_weight = score_targets(self, X, y, sample_weight)
        return mean_output_score(columns, self._predict_columns(X),
                                 self.output_types_, sample_weight)


def _target_type(outputs):
    """As ``type_of_target`` where it has a name for ``y``; else
    ``"mixed-multioutput"`` (labels and quantities side by side)."""
    kinds = {o.kind for o in outputs}
    if kinds == {REGRESSION}:
        return "continuous" if len(outputs) == 1 else "continuous-multioutput"
    target_type = classification_target_type(outputs) if kinds == {
        CLASSIFICATION} else "mixed-multioutput"
    # The packed multilabel layout is the classifier's; here each label keeps
    # its own head.
    return "mixed-multioutput" if target_type == "multilabel-indicator" else target_type
