"""Per-output reports and plots of a fitted multi-output classifier.

Built on the estimator's public API only (``predict``, ``classes_``,
``output_names_``, ``class_weight_``, ``loss_weights_history_``,
``history_``), so that any skweight classifier, or a pipeline ending in one,
is reported the same way. matplotlib is imported inside the plotting
functions: it stays an optional dependency (the ``plot`` extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from skweight._docstrings import fill_doc
from skweight._targets._columns import present_labels

__all__ = [
    "PerOutputConfusionMatrixDisplay",
    "per_output_report",
    "plot_loss_weights",
]

REPORT_COLUMNS = [
    "output",
    "class",
    "precision",
    "recall",
    "f1",
    "support",
    "balanced_accuracy",
    "class_weight",
]


def _pyplot(caller: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which skweight does not install by "
            'default. Install it with: pip install "skweight[plot]"'
        ) from exc
    return plt


def _final_step(estimator: Any, X: Any) -> tuple[Any, Any]:
    """The last step of (nested) pipelines, and ``X`` transformed for it."""
    while isinstance(estimator, Pipeline):
        X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    return estimator, X


def _columns(y: Any, n_outputs: int) -> list[np.ndarray]:
    """The target's columns, each as a 1-D array of its own dtype."""
    if hasattr(y, "toarray"):
        y = y.toarray()
    if isinstance(y, pd.Series):
        columns = [y.to_numpy()]
    elif isinstance(y, pd.DataFrame):
        columns = [y.iloc[:, k].to_numpy() for k in range(y.shape[1])]
    else:
        y = np.asarray(y)
        columns = [y] if y.ndim == 1 else list(y.T)
    if len(columns) != n_outputs:
        raise ValueError(
            f"y must have one column per output of the estimator ({n_outputs}). "
            f"Got {len(columns)} column(s) instead."
        )
    return columns


def _per_output(estimator: Any, X: Any, y: Any) -> list[dict[str, Any]]:
    """For each classification output: name, classes, truth, prediction, weights."""
    estimator, X = _final_step(estimator, X)
    check_is_fitted(estimator, "classes_")
    names = list(estimator.output_names_)
    single = len(names) == 1 and not isinstance(estimator.classes_, list)
    classes = [estimator.classes_] if single else list(estimator.classes_)
    weights = estimator.class_weight_
    weights = [weights] if single else (weights or [None] * len(names))
    truth = _columns(y, len(names))
    predicted = np.asarray(estimator.predict(X))
    pred = [predicted] if predicted.ndim == 1 else list(predicted.T)
    outputs = []
    for k, name in enumerate(names):
        if classes[k] is None:  # a regression output of a mixed estimator
            continue
        dtype = np.asarray(classes[k]).dtype
        # Rows whose label is missing for this output say nothing about it, as
        # in the per-output scorers.
        labelled = present_labels(truth[k])
        if not labelled.any():
            raise ValueError(
                f"y column {name!r} has no label to report: every value is "
                "missing (NaN, None or pd.NA). Got only missing values instead."
            )
        outputs.append({
            "name": name,
            "classes": np.asarray(classes[k]),
            "y_true": np.asarray(truth[k])[labelled].astype(dtype, copy=False),
            "y_pred": np.asarray(pred[k])[labelled].astype(dtype, copy=False),
            "class_weight": weights[k],
        })
    return outputs


def per_output_report(estimator: Any, X: Any, y: Any) -> pd.DataFrame:
    """Precision, recall, F1 and the class weight of every class of every output.

    A tidy table with one row per (output, class), for a fitted
    multi-output classifier (or a :class:`~sklearn.pipeline.Pipeline` ending
    in one). Regression outputs of a mixed estimator are left out.

    Parameters
    ----------
    estimator : estimator
        A fitted skweight classifier, e.g.
        :class:`~skweight.WeightedMultiOutputClassifier`.
    X : array-like of shape (n_samples, n_features)
        The samples to predict.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The true labels, one column per output in the estimator's order; a
        missing one (NaN, None, ``pd.NA``) leaves its row out of that
        output's figures, as in the per-output scorers.

    Returns
    -------
    pandas.DataFrame
        Columns ``output``, ``class``, ``precision``, ``recall``, ``f1``,
        ``support`` (true samples of the class), ``balanced_accuracy`` (of
        the whole output, repeated on each of its rows) and ``class_weight``
        (the weight in ``estimator.class_weight_``; NaN when the output was
        not class-weighted).

    See Also
    --------
    PerOutputConfusionMatrixDisplay : One confusion matrix per output.
    sklearn.metrics.classification_report : The same for one output.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> from skweight.metrics import per_output_report
    >>> X, Y = load_penguins(return_X_y=True)
    >>> clf = WeightedMultiOutputClassifier(
    ...     class_weight="balanced", epochs=3, random_state=0
    ... ).fit(X, Y)
    >>> report = per_output_report(clf, X, Y)
    >>> report.shape
    (8, 8)
    >>> report[report.output == "sex"]["class"].tolist()
    ['female', 'male']
    >>> int(report["support"].sum()) == 3 * len(X)
    True
    """
    rows = []
    for out in _per_output(estimator, X, y):
        labels = out["classes"]
        precision, recall, f1, support = precision_recall_fscore_support(
            out["y_true"], out["y_pred"], labels=labels, zero_division=0
        )
        balanced = balanced_accuracy_score(out["y_true"], out["y_pred"])
        weights = out["class_weight"] or {}
        for j, label in enumerate(labels):
            rows.append({
                "output": out["name"],
                "class": label.item() if hasattr(label, "item") else label,
                "precision": float(precision[j]),
                "recall": float(recall[j]),
                "f1": float(f1[j]),
                "support": int(support[j]),
                "balanced_accuracy": float(balanced),
                "class_weight": float(weights.get(label, np.nan)),
            })
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


# The most confusion matrices a new figure holds side by side.
_MAX_COLUMNS = 4


@fill_doc
class PerOutputConfusionMatrixDisplay:
    """One confusion matrix per output, on one figure.

    One scikit-learn :class:`~sklearn.metrics.ConfusionMatrixDisplay` per
    classification output, at most four to a row. Create it with
    :meth:`from_estimator` or :meth:`from_predictions`; matplotlib is needed
    to plot (the ``plot`` extra).

    Parameters
    ----------
    confusion_matrices : list of ndarray
        One (n_classes, n_classes) matrix per output.
    display_labels : list of ndarray
        The class labels of each output.
    output_names : list of str
        The outputs' names, used as subplot titles.

    Attributes
    ----------
    displays_ : list of sklearn.metrics.ConfusionMatrixDisplay
        The display of each output.
    axes_ : ndarray of matplotlib Axes
        The axes of the outputs.
    figure_ : matplotlib Figure
        The figure holding them.

    See Also
    --------
    per_output_report : The same predictions as a table.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.datasets import load_penguins
    >>> from skweight.metrics import PerOutputConfusionMatrixDisplay
    >>> X, Y = load_penguins(return_X_y=True)
    >>> clf = WeightedMultiOutputClassifier(epochs=3, random_state=0).fit(X, Y)
    >>> disp = PerOutputConfusionMatrixDisplay.from_estimator(clf, X, Y)
    >>> [d.confusion_matrix.shape for d in disp.displays_]
    [(3, 3), (3, 3), (2, 2)]
    """

    def __init__(
        self,
        confusion_matrices: list[np.ndarray],
        display_labels: list[np.ndarray],
        output_names: list[str],
    ) -> None:
        self.confusion_matrices = confusion_matrices
        self.display_labels = display_labels
        self.output_names = output_names

    def plot(
        self,
        *,
        axes: Any = None,
        cmap: str = "viridis",
        values_format: str | None = None,
        colorbar: bool = False,
    ) -> PerOutputConfusionMatrixDisplay:
        """Draw the confusion matrices.

        Parameters
        ----------
        axes : array-like of matplotlib Axes, default=None
            One axes per output; None makes a new figure, at most four
            matrices to a row (7 outputs: rows of 4 and 3).
        cmap : str, default="viridis"
            The colour map.
        values_format : str, default=None
            Format of the cell values (scikit-learn's default when None).
        colorbar : bool, default=False
            Draw a colour bar next to each matrix.

        Returns
        -------
        PerOutputConfusionMatrixDisplay
            ``self``, with ``displays_``, ``axes_`` and ``figure_`` set.
        """
        plt = _pyplot("PerOutputConfusionMatrixDisplay.plot")
        n = len(self.confusion_matrices)
        if axes is None:
            n_cols = min(n, _MAX_COLUMNS)
            n_rows = -(-n // n_cols)
            _, grid = plt.subplots(n_rows, n_cols, figsize=(4.2 * n_cols, 4 * n_rows),
                                   squeeze=False, layout="constrained")
            for ax in grid.ravel()[n:]:  # the last row's empty places
                ax.remove()
            axes = grid.ravel()[:n]
        axes = np.ravel(axes)
        if len(axes) != n:
            raise ValueError(
                f"axes must hold one Axes per output ({n}). Got {len(axes)} "
                "instead."
            )
        self.displays_ = []
        for matrix, labels, name, ax in zip(
            self.confusion_matrices, self.display_labels, self.output_names, axes,
            strict=True,
        ):
            disp = ConfusionMatrixDisplay(matrix, display_labels=labels)
            disp.plot(ax=ax, cmap=cmap, values_format=values_format,
                      colorbar=colorbar)
            ax.set_title(name)
            self.displays_.append(disp)
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_pred: Any,
        *,
        output_names: list[str] | None = None,
        normalize: str | None = None,
        **plot_kwargs: Any,
    ) -> PerOutputConfusionMatrixDisplay:
        """Plot one confusion matrix per output from true and predicted labels.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels; a missing one (NaN, None, ``pd.NA``) leaves its row
            out of that output's matrix.
        y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Predicted labels.
        output_names : list of str, default=None
            Subplot titles; the DataFrame column names of ``y_true`` or
            ``"output_<k>"`` when None.
        {{display_options_and_returns}}
        """
        truth = _columns(y_true, np.shape(y_true)[1] if np.ndim(y_true) == 2 else 1)
        pred = _columns(y_pred, len(truth))
        if output_names is None:
            output_names = (
                [str(c) for c in y_true.columns] if hasattr(y_true, "columns")
                else [f"output_{k}" for k in range(len(truth))]
            )
        matrices, labels = [], []
        for t, p in zip(truth, pred, strict=True):
            labelled = present_labels(t)  # a missing true label is left out
            t, p = np.asarray(t)[labelled], np.asarray(p)[labelled]
            classes = np.unique(np.concatenate([t, p.astype(t.dtype, copy=False)]))
            matrices.append(confusion_matrix(t, p, labels=classes,
                                             normalize=normalize))
            labels.append(classes)
        return cls(matrices, labels, list(output_names)).plot(**plot_kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        normalize: str | None = None,
        **plot_kwargs: Any,
    ) -> PerOutputConfusionMatrixDisplay:
        """Plot one confusion matrix per classification output of an estimator.

        Parameters
        ----------
        estimator : estimator
            A fitted skweight classifier (or a pipeline ending in one).
        X : array-like of shape (n_samples, n_features)
            The samples to predict.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The true labels; a missing one (NaN, None, ``pd.NA``) leaves its
            row out of that output's matrix.
        {{display_options_and_returns}}
        """
        outputs = _per_output(estimator, X, y)
        matrices = [
            confusion_matrix(o["y_true"], o["y_pred"], labels=o["classes"],
                             normalize=normalize)
            for o in outputs
        ]
        return cls(
            matrices, [o["classes"] for o in outputs], [o["name"] for o in outputs]
        ).plot(**plot_kwargs)


def _output_losses(estimator: Any) -> list[np.ndarray] | None:
    """Each output's logged training loss per epoch, when ``history_`` has it."""
    history = getattr(estimator, "history_", {}) or {}
    layers = getattr(estimator, "output_layer_names_", None)
    if layers is None:
        layers = getattr(getattr(estimator, "model_", None), "output_names", None)
    if not layers:
        return None
    keys = [f"{layer}_loss" for layer in layers]
    if not all(key in history for key in keys):
        return None
    return [np.asarray(history[key], dtype=float) for key in keys]


def plot_loss_weights(estimator: Any, *, axes: Any = None) -> np.ndarray:
    """Plot the loss weights of a dynamic weighting run, and each output's loss.

    The left panel draws ``loss_weights_history_`` (the weight of each
    output's loss in every epoch), the right one each output's unweighted
    training loss as logged in ``history_``.

    Parameters
    ----------
    estimator : DynamicWeightClassifier
        A fitted estimator with ``loss_weights_history_``.
    axes : array-like of two matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ndarray of matplotlib Axes
        The two axes (weights, losses).

    Examples
    --------
    >>> from skweight.datasets import load_penguins
    >>> from skweight import DynamicWeightClassifier
    >>> clf = DynamicWeightClassifier(epochs=4, random_state=0).fit(
    ...     *load_penguins(return_X_y=True))
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skweight.metrics import plot_loss_weights
    >>> axes = plot_loss_weights(clf)
    >>> [len(ax.get_lines()) for ax in axes]
    [3, 3]
    """
    check_is_fitted(estimator)
    if not hasattr(estimator, "loss_weights_history_"):
        raise TypeError(
            "plot_loss_weights needs an estimator with loss_weights_history_ "
            "(a fitted DynamicWeightClassifier). Got "
            f"{type(estimator).__name__} instead."
        )
    plt = _pyplot("plot_loss_weights")
    history = np.asarray(estimator.loss_weights_history_, dtype=float)
    losses = _output_losses(estimator)
    if losses is None:
        raise ValueError(
            "plot_loss_weights needs each output's loss in estimator.history_ "
            "(keys '<output layer name>_loss'). Got keys "
            f"{sorted(getattr(estimator, 'history_', {}))} instead."
        )
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    axes = np.ravel(axes)
    if len(axes) != 2:
        raise ValueError(f"axes must hold two Axes. Got {len(axes)} instead.")
    epochs = np.arange(1, len(history) + 1)
    names = list(estimator.output_names_)
    for k, name in enumerate(names):
        axes[0].plot(epochs, history[:, k], marker=".", label=name)
        axes[1].plot(np.arange(1, len(losses[k]) + 1), losses[k], label=name)
    axes[0].set(xlabel="epoch", ylabel="loss weight", title="Output loss weights")
    axes[1].set(xlabel="epoch", ylabel="training loss (unweighted)",
                title="Output losses", yscale="log")
    for ax in axes:
        ax.legend()
    return axes
