"""MultiOutputStratifiedKFold: K folds that keep every output's class balance.

Iterative stratification (Sechidis, Tsoumakas, Vlahavas, ECML PKDD 2011) from
the ``iterative-stratification`` package, applied to the one-hot encoding of
every output's classes: each (output, class) pair is a label, and the rarest
labels are placed first, so a rare class is spread over the folds before the
common classes fill them.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np
from iterstrat.ml_stratifiers import IterativeStratification
from sklearn.model_selection import BaseCrossValidator, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_samples

from skweight._targets._columns import (
    encode_labels,
    present_labels,
    split_target_columns,
)
from skweight._typing import Features, RandomStateLike, Targets

__all__ = ["MultiOutputStratifiedKFold"]

# Iterative stratification breaks ties at random; without shuffling, ties are
# broken by this fixed generator so that the folds are always the same.
_UNSHUFFLED_SEED = 0


def one_hot_classes(y):
    """The (n_samples, sum of n_classes) boolean one-hot of every output's
    classes; a missing label (NaN, None, ``pd.NA``) is a row of zeros in its
    output's block, so the sample is placed by its other labels."""
    targets = split_target_columns(y)
    blocks = []
    for column, name in zip(targets.columns, targets.names, strict=True):
        present = present_labels(column)
        rows = np.flatnonzero(present)
        if not rows.size:
            raise ValueError(
                f"y column {name!r} has no label: MultiOutputStratifiedKFold "
                "needs at least one labelled sample per output. Got only "
                "missing values instead."
            )
        labels = encode_labels(column[rows] if rows.size < len(column)
                               else column, name=name)
        block = np.zeros((targets.n_samples, len(labels.classes)), dtype=bool)
        block[rows, labels.codes] = True
        blocks.append(block)
    return np.hstack(blocks)


def default_cv(cv, y, *, default=5):
    """The splits an int (or None: ``default`` folds) ``cv`` stands for in a
    skweight meta-estimator: scikit-learn's ``check_cv`` for a one-dimensional
    ``y`` (or one column) with every label present (``StratifiedKFold`` for
    class labels),
    otherwise :class:`MultiOutputStratifiedKFold` (``check_cv`` would give
    multi-output ``y`` plain, unshuffled ``KFold``, which leaves every output's
    classes to the order of the rows). Other ``cv`` values go to ``check_cv``.
    """
    if cv is None:
        cv = default
    column = np.asarray(y)
    if column.ndim == 2 and column.shape[1] == 1:
        column = column[:, 0]  # one output, as scikit-learn takes (n, 1) y
    if not isinstance(cv, numbers.Integral) or isinstance(cv, bool):
        return check_cv(cv, y, classifier=True)
    if column.ndim == 1 and present_labels(column).all():
        return check_cv(cv, column, classifier=True)
    return MultiOutputStratifiedKFold(int(cv))


class MultiOutputStratifiedKFold(BaseCrossValidator):
    """K-fold splits stratified on the classes of every output at once.

    scikit-learn's :class:`~sklearn.model_selection.StratifiedKFold` refuses a
    multi-output ``y``; stratifying on one output leaves the others to chance.
    This splitter treats each (output, class) pair as a label of a multilabel
    problem and splits with iterative stratification (Sechidis et al., 2011),
    so that every output's class proportions are kept in each fold, and a rare
    class is spread over the folds: a class with at least ``n_splits`` samples
    appears in every test fold.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the samples before stratifying. Without shuffling the folds
        depend on ``y`` alone and are always the same.
    random_state : int, RandomState or None, default=None
        Seed of the shuffle and of the tie-breaking when ``shuffle=True``
        (without shuffling, ties are broken by a fixed seed). As in
        :class:`~sklearn.model_selection.KFold`, it may only be set when
        ``shuffle=True``.

    Notes
    -----
    Test folds may differ in size by a few samples: the algorithm fills each
    fold's quota of every class first and of samples second. A missing label
    (NaN, None, ``pd.NA``) is no class: the sample is placed by its other
    outputs' labels, so each output's labelled samples are spread evenly too.

    References
    ----------
    K. Sechidis, G. Tsoumakas, I. Vlahavas, "On the Stratification of
    Multi-Label Data", ECML PKDD 2011. Implementation: the
    ``iterative-stratification`` package (T. J. Bradberry).

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.model_selection import MultiOutputStratifiedKFold
    >>> Y = np.array([["a", 0]] * 6 + [["b", 0]] * 3 + [["b", 1]] * 3)
    >>> cv = MultiOutputStratifiedKFold(n_splits=3)
    >>> [np.sort(Y[test, 1]).tolist() for _, test in cv.split(Y, Y)]
    [['0', '0', '0', '1'], ['0', '0', '0', '1'], ['0', '0', '0', '1']]
    """

    n_splits: int

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False,
                 random_state: RandomStateLike = None) -> None:
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
            raise TypeError(
                f"n_splits must be an int. Got {n_splits!r} of type "
                f"{type(n_splits).__name__} instead."
            )
        if n_splits < 2:
            raise ValueError(
                "MultiOutputStratifiedKFold needs at least two folds: n_splits must "
                f"be >= 2. Got n_splits={n_splits} instead."
            )
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle must be True or False. Got {shuffle!r} instead.")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False. You "
                "should leave random_state to its default (None), or set "
                f"shuffle=True. Got random_state={random_state!r} instead."
            )
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def get_n_splits(self, X: object = None, y: object = None,
                     groups: object = None) -> int:
        """The number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored, for compatibility.

        Returns
        -------
        int
            The number of folds.
        """
        return self.n_splits

    def split(self, X: Features, y: Targets, groups: object = None,
              ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Train and test indices of each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Only its length is used.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
            The labels of every output; stratification uses all of them.
        groups : object
            Ignored, for compatibility.

        Yields
        ------
        train : ndarray of int
            The training indices of the fold.
        test : ndarray of int
            The test indices of the fold.
        """
        if y is None:
            raise ValueError(
                "MultiOutputStratifiedKFold stratifies on y: the y parameter "
                "should not be None. Got None instead."
            )
        n_samples = _num_samples(X)
        if self.n_splits > n_samples:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater "
                f"than the number of samples: n_samples={n_samples}."
            )
        yield from super().split(X, y, groups)

    def _iter_test_masks(self, X=None, y=None, groups=None):
        test_folds = self._test_folds(y, _num_samples(X))
        for i in range(self.n_splits):
            yield test_folds == i

    def _test_folds(self, y, n_samples):
        labels = one_hot_classes(y)
        if len(labels) != n_samples:
            raise ValueError(
                f"y must have one row per sample of X ({n_samples}). Got "
                f"{len(labels)} rows instead."
            )
        if self.shuffle:
            rng = check_random_state(self.random_state)
            order = rng.permutation(n_samples)
        else:
            rng = np.random.RandomState(_UNSHUFFLED_SEED)
            order = np.arange(n_samples)
        ratios = np.full(self.n_splits, 1.0 / self.n_splits)
        folds = IterativeStratification(labels[order], ratios, random_state=rng)
        test_folds = np.empty(n_samples, dtype=int)
        test_folds[order] = folds
        return test_folds
