"""per_output_report and the per-output plots, on the penguins."""

import sys

import matplotlib
import numpy as np
import pytest
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweight import DynamicWeightClassifier, WeightedMultiOutputClassifier
from skweight.metrics import (
    PerOutputConfusionMatrixDisplay,
    per_output_report,
    plot_loss_weights,
)

matplotlib.use("Agg")

TINY = {"model__hidden_layer_sizes": (8,), "epochs": 3, "random_state": 0}


@pytest.fixture(scope="module")
def fitted(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(
        class_weight=[None, "balanced", {"female": 2.0, "male": 0.5}], **TINY
    ).fit(X, Y)
    return clf, X, Y


def test_report_matches_scikit_learn_per_output(fitted):
    clf, X, Y = fitted
    report = per_output_report(clf, X, Y)
    pred = clf.predict(X)
    assert list(report.columns) == [
        "output", "class", "precision", "recall", "f1", "support",
        "balanced_accuracy", "class_weight",
    ]
    assert report["output"].unique().tolist() == ["species", "island", "sex"]
    for k, name in enumerate(Y.columns):
        rows = report[report.output == name]
        classes = clf.classes_[k]
        assert rows["class"].tolist() == classes.tolist()
        p, r, f, s = precision_recall_fscore_support(
            Y[name], pred[:, k], labels=classes, zero_division=0
        )
        np.testing.assert_allclose(rows[["precision", "recall", "f1"]],
                                   np.c_[p, r, f])
        np.testing.assert_array_equal(rows["support"], s)
        assert rows["balanced_accuracy"].tolist() == pytest.approx(
            [balanced_accuracy_score(Y[name], pred[:, k])] * len(classes)
        )


def test_report_shows_the_class_weights_used(fitted):
    clf, X, Y = fitted
    report = per_output_report(clf, X, Y).set_index(["output", "class"])
    assert report.loc["species", "class_weight"].isna().all()
    island = clf.class_weight_[1]
    assert report.loc["island", "class_weight"].to_dict() == pytest.approx(island)
    assert report.loc[("sex", "female"), "class_weight"] == 2.0
    assert report.loc[("sex", "male"), "class_weight"] == 0.5


def test_report_single_output_pipeline_and_arrays(penguins_small):
    X, Y = penguins_small
    pipe = make_pipeline(
        StandardScaler(),
        WeightedMultiOutputClassifier(class_weight="balanced", **TINY),
    ).fit(X.to_numpy(), Y["island"])
    report = per_output_report(pipe, X.to_numpy(), Y["island"].to_numpy())
    assert report["output"].unique().tolist() == pipe[-1].output_names_
    assert report["class"].tolist() == ["Biscoe", "Dream", "Torgersen"]
    assert report["class_weight"].tolist() == pytest.approx(
        [pipe[-1].class_weight_[c] for c in ["Biscoe", "Dream", "Torgersen"]]
    )
    assert report["support"].sum() == len(X)


def test_report_refuses_y_of_the_wrong_width(fitted):
    clf, X, Y = fitted
    with pytest.raises(ValueError, match=r"one column per output .*\(3\). Got 2"):
        per_output_report(clf, X, Y.iloc[:, :2])


def test_confusion_matrix_display_per_output(fitted):
    clf, X, Y = fitted
    disp = PerOutputConfusionMatrixDisplay.from_estimator(clf, X, Y)
    pred = clf.predict(X)
    assert len(disp.displays_) == len(disp.axes_) == 3
    assert [ax.get_title() for ax in disp.axes_] == ["species", "island", "sex"]
    for k, d in enumerate(disp.displays_):
        np.testing.assert_array_equal(
            d.confusion_matrix,
            confusion_matrix(Y.iloc[:, k], pred[:, k], labels=clf.classes_[k]),
        )
    again = PerOutputConfusionMatrixDisplay.from_predictions(Y, pred,
                                                             normalize="true")
    assert [ax.get_title() for ax in again.axes_] == ["species", "island", "sex"]
    np.testing.assert_allclose(again.displays_[2].confusion_matrix.sum(axis=1), 1)


def test_many_outputs_wrap_into_rows_of_four():
    # The movies demo's 7 genres once made one 2940 x 400 pixel row.
    rng = np.random.default_rng(0)
    Y = rng.integers(0, 2, size=(40, 7))
    disp = PerOutputConfusionMatrixDisplay.from_predictions(Y, Y[::-1])
    assert len(disp.axes_) == len(disp.figure_.axes) == 7
    rows = sorted({round(ax.get_position().y0, 3) for ax in disp.axes_})
    assert len(rows) == 2
    width, height = disp.figure_.get_size_inches()
    assert width == pytest.approx(4.2 * 4) and height == pytest.approx(8)


def test_report_and_matrices_leave_out_missing_labels(fitted):
    # A missing label says nothing about its output: the report and the
    # matrices of that output are those of its labelled rows; the other
    # outputs keep every row.
    clf, X, Y = fitted
    holes = np.random.default_rng(3).random(len(Y)) < 0.3
    holed = Y.astype(object)
    holed.loc[holes, "island"] = None
    holed.loc[~holes & (np.arange(len(Y)) % 7 == 0), "sex"] = np.nan
    report = per_output_report(clf, X, holed)
    pred = clf.predict(X)
    for k, name in enumerate(Y.columns):
        keep = holed[name].notna().to_numpy()
        rows = report[report.output == name]
        _, _, _, support = precision_recall_fscore_support(
            Y[name][keep], pred[keep, k], labels=clf.classes_[k], zero_division=0)
        np.testing.assert_array_equal(rows["support"], support)
        assert rows["balanced_accuracy"].iloc[0] == pytest.approx(
            balanced_accuracy_score(Y[name][keep], pred[keep, k]))
    assert report[report.output == "island"]["support"].sum() == (~holes).sum()
    assert report[report.output == "species"]["support"].sum() == len(Y)
    disp = PerOutputConfusionMatrixDisplay.from_estimator(clf, X, holed)
    assert disp.displays_[1].confusion_matrix.sum() == (~holes).sum()
    again = PerOutputConfusionMatrixDisplay.from_predictions(holed, pred)
    np.testing.assert_array_equal(again.displays_[1].confusion_matrix,
                                  disp.displays_[1].confusion_matrix)
    holed["sex"] = None
    with pytest.raises(ValueError, match="'sex' has no label to report"):
        per_output_report(clf, X, holed)


def test_plot_loss_weights_draws_weights_and_losses(penguins_small):
    X, Y = penguins_small
    clf = DynamicWeightClassifier(weighting="dwa", **TINY).fit(X, Y)
    weights, losses = plot_loss_weights(clf)
    for k, line in enumerate(weights.get_lines()):
        np.testing.assert_allclose(line.get_ydata(), clf.loss_weights_history_[:, k])
    assert [line.get_label() for line in losses.get_lines()] == clf.output_names_
    key = f"{clf.output_layer_names_[0]}_loss"
    np.testing.assert_allclose(losses.get_lines()[0].get_ydata(), clf.history_[key])


def test_plot_loss_weights_needs_a_dynamic_estimator(fitted):
    clf, _, _ = fitted
    with pytest.raises(TypeError, match="Got WeightedMultiOutputClassifier"):
        plot_loss_weights(clf)


def test_plots_name_the_plot_extra_without_matplotlib(fitted, monkeypatch):
    clf, X, Y = fitted
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skweight\[plot\]"):
        PerOutputConfusionMatrixDisplay.from_estimator(clf, X, Y)


def test_demo_prints_the_report_and_saves_the_matrices(tmp_path, capsys):
    from skweight.__main__ import main

    path = tmp_path / "matrices.png"
    args = ["--dataset", "penguins", "--splits", "1", "--epochs", "1"]
    assert main([*args, "--plot", str(path)]) == 0
    out = capsys.readouterr().out
    assert "balanced_accuracy  class_weight" in out
    assert "Torgersen" in out
    assert path.read_bytes().startswith(b"\x89PNG")
