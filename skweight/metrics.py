"""Scorers, reports and plots that evaluate each output of a multi-output estimator.

scikit-learn's scorers see a multi-output estimator as a whole (``score`` is
subset accuracy); these evaluate a single output, by index or by name, so that
``cross_val_score``, ``cross_validate`` and ``GridSearchCV(refit=...)`` can
score and select per output. Rows whose label is missing (NaN, None,
``pd.NA``) for the scored output are left out of its score. A regression output of
:class:`~skweight.WeightedMixedOutputEstimator` is seen as a regressor, so that
``"r2"`` or ``"neg_mean_squared_error"`` score it.
"""

from collections.abc import Callable, Iterable

import numpy as np
from sklearn.metrics import get_scorer, make_scorer
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from skweight._report import (
    PerOutputConfusionMatrixDisplay,
    per_output_report,
    plot_loss_weights,
)
from skweight._targets._columns import (
    present_labels,
    resolve_output,
    split_target_columns,
    unbox_labels,
)
from skweight._targets._views import _OutputView, _RegressionOutputView
from skweight._validation import did_you_mean

__all__ = [
    "PerOutputConfusionMatrixDisplay",
    "output_scorer",
    "per_output_report",
    "per_output_scorers",
    "plot_loss_weights",
]


class _OutputScorer:
    """Callable ``scorer(estimator, X, y, sample_weight=None)`` for one output."""

    def __init__(self, scoring, output):
        self.scoring = scoring
        self.output = output
        if isinstance(scoring, str):
            self._scorer = get_scorer(scoring)
        elif callable(scoring):
            self._scorer = make_scorer(scoring)
        else:
            raise TypeError(
                "scoring must be a scorer name or a metric callable. Got "
                f"{scoring!r} instead."
            )
        if not isinstance(output, (int, str)) or isinstance(output, bool):
            raise TypeError(
                "output must be an int index or a str output name. Got "
                f"{output!r} instead."
            )

    def __call__(self, estimator, X, y, sample_weight=None, **kwargs):
        while isinstance(estimator, Pipeline):
            # Score the final step on the transformed X: the per-output view
            # needs the fitted attributes (output_names_, classes_) of the step.
            X = estimator[:-1].transform(X)
            estimator = estimator[-1]
        names = estimator.output_names_
        index = self.output_index(names)
        targets = split_target_columns(y)
        if targets.n_outputs != len(names):
            raise ValueError(
                f"y has {targets.n_outputs} column(s) but the estimator has "
                f"{len(names)} output(s) {names}."
            )
        types = getattr(estimator, "output_types_", None)
        view = (
            _RegressionOutputView(estimator, index)
            if types is not None and types[index] == "regression"
            else _OutputView(estimator, index)
        )
        column = targets.columns[index]
        labelled = present_labels(column)
        if not labelled.all():
            # Rows whose label is missing for this output say nothing about it.
            if not labelled.any():
                raise ValueError(
                    f"y column {names[index]!r} has no labels to score: every "
                    "value is missing."
                )
            rows = np.flatnonzero(labelled)
            X, column = _safe_indexing(X, rows), column[rows]
            if sample_weight is not None:
                sample_weight = _safe_indexing(sample_weight, rows)
            # Numbers or booleans that were objects only to hold the missing
            # values (pandas' nullable columns): scikit-learn's metrics call an
            # object array of them "unknown".
            column = unbox_labels(column)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return self._scorer(view, X, column, **kwargs)

    def output_index(self, names):
        """The index of the scored output among ``names``; a ``ValueError``
        naming this scorer and the outputs there are when it is not one."""
        try:
            return resolve_output(self.output, names)
        except ValueError:
            raise ValueError(
                f"{self!r} scores an output the estimator does not have: its "
                f"outputs are {list(names)} (indices 0 to {len(names) - 1}). Got "
                f"output {self.output!r} instead." + did_you_mean(self.output, names)
            ) from None

    def _accept_sample_weight(self):
        # GridSearchCV.fit(sample_weight=...) asks every scorer of a dict this
        # (scikit-learn >= 1.8): the answer is the wrapped metric's.
        return self._scorer._accept_sample_weight()

    def __repr__(self):
        return f"output_scorer({self.scoring!r}, {self.output!r})"


def output_scorer(
    scoring: str | Callable[..., float], output: int | str
) -> Callable[..., float]:
    """A scikit-learn scorer that evaluates one output.

    Parameters
    ----------
    scoring : str or callable
        A scorer name (``"balanced_accuracy"``, ``"f1_macro"``, ``"roc_auc"``,
        ...; ``"r2"``, ``"neg_mean_absolute_error"``, ... for a regression
        output) or a metric ``f(y_true, y_pred)``.
    output : int or str
        The output's index, or its name in ``estimator.output_names_``.

    Returns
    -------
    callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``. An
        ``output`` the estimator does not have raises a ``ValueError`` naming
        its outputs when the scorer is called. scikit-learn's
        ``cross_validate`` and ``GridSearchCV`` turn a scorer's error into a
        NaN score and a warning unless ``error_score="raise"``;
        :class:`~skweight.model_selection.WeightGridSearchCV` checks its
        scorers' outputs before any training.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> from skweight.metrics import output_scorer
    >>> from skweight.model_selection import MultiOutputStratifiedKFold
    >>> X, Y = load_penguins(return_X_y=True)
    >>> clf = WeightedMultiOutputClassifier(epochs=3, random_state=0)
    >>> scores = cross_val_score(
    ...     clf, X, Y, cv=MultiOutputStratifiedKFold(2, shuffle=True, random_state=0),
    ...     scoring=output_scorer("balanced_accuracy", "island"),
    ... )
    >>> scores.shape
    (2,)
    """
    return _OutputScorer(scoring, output)


def per_output_scorers(
    scoring: str | Callable[..., float], outputs: int | Iterable[int | str]
) -> dict[str, Callable[..., float]]:
    """One scorer per output, named ``"<scoring>_<output>"``.

    Parameters
    ----------
    scoring : str or callable
        As in :func:`output_scorer`; a callable is named by its ``__name__``.
    outputs : int or sequence of int or str
        The outputs (an int ``n`` means ``range(n)``).

    Returns
    -------
    dict
        ``{"<scoring>_<output>": scorer}``, for ``cross_validate`` and
        ``GridSearchCV(scoring=..., refit=name)``.

    Examples
    --------
    >>> from skweight.metrics import per_output_scorers
    >>> sorted(per_output_scorers("f1_macro", 2))
    ['f1_macro_0', 'f1_macro_1']
    >>> sorted(per_output_scorers("balanced_accuracy", ["species", "island"]))
    ['balanced_accuracy_island', 'balanced_accuracy_species']
    """
    if isinstance(outputs, int) and not isinstance(outputs, bool):
        outputs = range(outputs)
    elif isinstance(outputs, (str, bytes, bool)) or not isinstance(outputs, Iterable):
        raise TypeError(
            "outputs must be an int or a sequence of output indices or names. Got "
            f"{outputs!r} instead."
        )
    label = scoring if isinstance(scoring, str) else getattr(
        scoring, "__name__", "score"
    )
    return {f"{label}_{out}": output_scorer(scoring, out) for out in outputs}
