"""Utilities: scikit-learn's estimator checks, and the examples' script tail."""

from __future__ import annotations

import argparse
from pathlib import Path

from sklearn.base import BaseEstimator

__all__ = ["expected_failed_checks", "save_example_figures"]

_MINIBATCH = (
    "minibatch training by gradient descent: weighting a row is not the same as "
    "repeating it, nor a zero weight the same as removing the row (scikit-learn "
    "declares the same for SGDClassifier)"
)

_SAMPLE_WEIGHT_EQUIVALENCE = {
    "check_sample_weight_equivalence_on_dense_data": _MINIBATCH,
    "check_sample_weight_equivalence_on_sparse_data": _MINIBATCH,
}
# Estimator class name -> {check name: reason}; looked up along the MRO, so a
# user's subclass inherits its parent's entries.
_EXPECTED_FAILED_CHECKS = {
    "WeightedMultiOutputClassifier": _SAMPLE_WEIGHT_EQUIVALENCE,
    "DynamicWeightClassifier": _SAMPLE_WEIGHT_EQUIVALENCE,
    "WeightedMixedOutputEstimator": _SAMPLE_WEIGHT_EQUIVALENCE,
}


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The scikit-learn estimator checks an estimator is known to fail, and why.

    For ``expected_failed_checks=`` of
    :func:`sklearn.utils.estimator_checks.check_estimator` and
    :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`: the checks
    named here are reported as expected failures, and every other check must
    pass.

    Parameters
    ----------
    estimator : estimator instance
        A skweight estimator (or a subclass of one). Any other estimator has
        no declared failures.

    Returns
    -------
    dict
        ``{check name: reason}``.

    Examples
    --------
    >>> from skweight import WeightedMultiOutputClassifier
    >>> from skweight.utils import expected_failed_checks
    >>> for check in sorted(expected_failed_checks(WeightedMultiOutputClassifier())):
    ...     print(check)
    check_sample_weight_equivalence_on_dense_data
    check_sample_weight_equivalence_on_sparse_data
    """
    for cls in type(estimator).__mro__:
        if cls.__module__.startswith("skweight") and (
            cls.__name__ in _EXPECTED_FAILED_CHECKS
        ):
            return dict(_EXPECTED_FAILED_CHECKS[cls.__name__])
    return {}


def save_example_figures(script, figure, *, argv=None, **others):
    """Save an example's figures where its ``--out`` option says, and print where.

    The one "run as a script" tail of skweight's examples
    (``examples/plot_*.py``): ``python examples/plot_x.py [--out FILE]`` saves
    ``figure`` to ``FILE`` (default: ``plot_x.png`` in the working folder) and
    each figure of ``others`` beside it, as ``FILE``'s stem, ``_``, its keyword
    and ``.png``. Arguments other than ``--out`` are ignored, so a test runner's
    own ``sys.argv`` does no harm. sphinx-gallery, which draws the figures in
    the docs, runs the examples without a ``__file__``: guard the call with
    ``if __name__ == "__main__" and "__file__" in globals():``.

    Parameters
    ----------
    script : str or path-like
        The example's ``__file__``: names the default figure file and the
        command in ``--help``.
    figure : matplotlib.figure.Figure
        The example's figure.
    argv : list of str, default=None
        The command-line arguments to read; None reads ``sys.argv[1:]``.
    **others : matplotlib.figure.Figure
        More figures, saved beside the first one.

    Returns
    -------
    list of pathlib.Path
        The absolute paths of the saved files, ``figure``'s first.

    Examples
    --------
    >>> import os, tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from skweight.utils import save_example_figures
    >>> fig, ax = plt.subplots()
    >>> folder = tempfile.mkdtemp()
    >>> paths = save_example_figures("plot_demo.py", fig, loss_weights=fig,
    ...     argv=["--out", os.path.join(folder, "a.png")])  # doctest: +ELLIPSIS
    figures saved to ...a.png and ...a_loss_weights.png
    >>> [p.name for p in paths]
    ['a.png', 'a_loss_weights.png']
    """
    parser = argparse.ArgumentParser(
        prog=Path(script).name, description="Run the example and save its figure.")
    parser.add_argument("--out", default=Path(script).stem + ".png",
                        help="PNG file for the figure (default: %(default)s)")
    out = Path(parser.parse_known_args(argv)[0].out).resolve()
    paths = [out] + [out.with_name(f"{out.stem}_{name}.png") for name in others]
    for path, fig in zip(paths, [figure, *others.values()], strict=True):
        fig.savefig(path, dpi=100)
    saved = " and ".join(str(p) for p in paths)
    print(f"figure{'s' if others else ''} saved to {saved}")
    return paths
