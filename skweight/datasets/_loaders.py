"""Loaders for the small tabular data sets shipped with skweight.

The CSV files live in ``skweight/datasets/data`` and are read with
:mod:`importlib.resources`, so the loaders work offline and from a zipped or
installed package. See ``data/LICENSES.txt`` for sources and licences.

The rows come in a fixed shuffled order (``numpy.random.default_rng(0)``'s
permutation of the source's rows): the sources group their rows by class, and
an unshuffled split (scikit-learn's ``cv=3`` with a 2-D y is a plain
``KFold``) would then train folds without a class.
"""

from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from skweight._docstrings import fill_doc

__all__ = ["load_penguins", "load_fair"]

_PENGUINS_FILE = "penguins.csv"
_PENGUINS_FEATURES = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
]
_PENGUINS_TARGETS = ["species", "island", "sex"]
_PENGUINS_DTYPES = {
    **dict.fromkeys(_PENGUINS_FEATURES, "float64"),
    "year": "int64",
}

_FAIR_FILE = "fair.csv"
_FAIR_FEATURES = [
    "age",
    "yrs_married",
    "children",
    "religious",
    "educ",
    "occupation_husb",
]
_FAIR_TARGETS = ["rate_marriage", "occupation", "had_affair"]
_FAIR_DTYPES = {
    "rate_marriage": "int64",
    **dict.fromkeys(_FAIR_FEATURES, "float64"),
    "occupation": "int64",
    "affairs": "float64",
}


def _check_bool(value, name):
    """Raise a ``TypeError`` unless ``value`` is a (Python or NumPy) bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool. Got {value!r} instead.")
    return bool(value)


def _read_csv(name, dtype):
    """Read one of the shipped CSV files into a DataFrame."""
    resource = files("skweight.datasets") / "data" / name
    with resource.open("rb") as fh:
        return pd.read_csv(fh, dtype=dtype)


def _counts(series, *, by_label=False):
    """Format the class counts of ``series`` as ``'a: 3, b: 2'``."""
    counts = series.value_counts()
    if by_label:
        counts = counts.sort_index()
    return ", ".join(f"{label}: {count}" for label, count in counts.items())


@fill_doc
def load_penguins(
    *, as_frame: bool = True, return_X_y: bool = False
) -> Bunch | tuple[Any, Any]:
    """Load the Palmer penguins data (multi-output classification).

    333 adult penguins from the Palmer Archipelago, Antarctica (the 344 rows
    of the original data minus the 11 with a missing value, in a fixed
    shuffled order: the original groups them by species). The features are
    four body measurements; the three targets are ``species``, ``island`` and
    ``sex``, each an imbalanced classification problem.

    ================  =========================================
    Samples           333
    Features          4 (real, positive)
    Targets           3 (species: 3 classes, island: 3 classes,
                      sex: 2 classes)
    Licence           CC0 1.0 (data), see ``data/LICENSES.txt``
    ================  =========================================

    Parameters
    ----------
    as_frame : bool, default=True
        If True, ``data`` and ``target`` are pandas DataFrames and ``frame``
        holds the full table (including the ``year`` column). If False,
        ``data`` is a float64 ndarray of shape (333, 4), ``target`` an object
        ndarray of str of shape (333, 3) and ``frame`` is None.
    {{loader_returns}}

        data : DataFrame or ndarray of shape (333, 4)
            ``bill_length_mm``, ``bill_depth_mm``, ``flipper_length_mm`` and
            ``body_mass_g`` as float64.
        target : DataFrame or ndarray of shape (333, 3)
            String labels of ``species``, ``island`` and ``sex``.
        frame : DataFrame of shape (333, 8) or None
            The full table; None when ``as_frame=False``.
        {{loader_names}}
    {{loader_tuple_and_raises}}

    Notes
    -----
    Data by Dr. Kristen Gorman and the Palmer Station Long Term Ecological
    Research Program, released under CC0 through the ``palmerpenguins``
    package (Horst, Hill and Gorman, 2020).

    Examples
    --------
    >>> from skweight.datasets import load_penguins
    >>> X, Y = load_penguins(return_X_y=True)
    >>> X.shape, Y.shape
    ((333, 4), (333, 3))
    >>> list(Y.columns)
    ['species', 'island', 'sex']
    >>> Y["species"].value_counts().to_dict()
    {'Adelie': 146, 'Gentoo': 119, 'Chinstrap': 68}
    >>> bunch = load_penguins(as_frame=False)
    >>> bunch.data.dtype, bunch.target.dtype, bunch.frame is None
    (dtype('float64'), dtype('O'), True)
    """
    as_frame = _check_bool(as_frame, "as_frame")
    return_X_y = _check_bool(return_X_y, "return_X_y")

    frame = _read_csv(_PENGUINS_FILE, _PENGUINS_DTYPES)
    X = frame[_PENGUINS_FEATURES].copy()
    Y = frame[_PENGUINS_TARGETS].copy()

    if not as_frame:
        X = X.to_numpy(dtype=np.float64)
        Y = Y.to_numpy(dtype=object)

    if return_X_y:
        return X, Y

    descr = (
        "Palmer penguins\n"
        "---------------\n\n"
        "Body measurements of 333 adult Adelie, Chinstrap and Gentoo penguins\n"
        "observed on three islands of the Palmer Archipelago, Antarctica,\n"
        "2007-2009 (the 344 rows of the original minus 11 with missing values).\n\n"
        f"Features: {', '.join(_PENGUINS_FEATURES)} (float64).\n"
        "Targets (multi-output, imbalanced classification):\n"
        f"  species: {_counts(frame['species'])}\n"
        f"  island:  {_counts(frame['island'])}\n"
        f"  sex:     {_counts(frame['sex'])}\n\n"
        "Source: the palmerpenguins package (Horst, A. M., Hill, A. P. and\n"
        "Gorman, K. B., 2020); data collected by Dr. Kristen Gorman and the\n"
        "Palmer Station Long Term Ecological Research (LTER) Program.\n"
        "Licence: data CC0 1.0 (public domain); palmerpenguins code MIT.\n"
    )
    return Bunch(
        data=X,
        target=Y,
        frame=frame if as_frame else None,
        feature_names=list(_PENGUINS_FEATURES),
        target_names=list(_PENGUINS_TARGETS),
        DESCR=descr,
    )


@fill_doc
def load_fair(
    *, as_frame: bool = True, return_X_y: bool = False
) -> Bunch | tuple[Any, Any]:
    """Load Fair's extramarital affairs data (multi-output classification).

    Answers of 6,366 married women to a 1974 *Redbook* magazine survey, as
    used by Fair (1978). Six features describe the respondent; the three
    classification targets are the rating of the marriage (1-5), the
    respondent's occupation (1-6) and whether she had any affair. The
    continuous ``affairs`` measure (time spent in affairs) is returned
    separately as a regression target. The rows come in a fixed shuffled
    order (see the module's notes).

    ================  =========================================
    Samples           6366
    Features          6 (ordinal codes, float64)
    Targets           3 (rate_marriage: 5 classes, occupation:
                      6 classes, had_affair: 2 classes)
    Licence           public domain, see ``data/LICENSES.txt``
    ================  =========================================

    Parameters
    ----------
    as_frame : bool, default=True
        If True, ``data`` and ``target`` are pandas DataFrames, ``affairs`` a
        Series and ``frame`` the full table. If False, ``data`` is a float64
        ndarray of shape (6366, 6), ``target`` an int64 ndarray of shape
        (6366, 3) (``had_affair`` as 0/1), ``affairs`` a float64 ndarray and
        ``frame`` is None.
    {{loader_returns}}

        data : DataFrame or ndarray of shape (6366, 6)
            ``age``, ``yrs_married``, ``children``, ``religious``, ``educ``
            and ``occupation_husb`` as float64.
        target : DataFrame or ndarray of shape (6366, 3)
            ``rate_marriage`` (int, 1-5), ``occupation`` (int, 1-6) and
            ``had_affair`` (bool, ``affairs > 0``).
        affairs : Series or ndarray of shape (6366,)
            Time spent in extramarital affairs (float64, regression target).
        frame : DataFrame of shape (6366, 10) or None
            All original columns plus ``had_affair``; None when
            ``as_frame=False``.
        {{loader_names}}
    {{loader_tuple_and_raises}}

    Notes
    -----
    Fair, R. C. (1978). "A Theory of Extramarital Affairs". *Journal of
    Political Economy* 86(1), 45-61. Copied from statsmodels (BSD-3-Clause);
    the data are in the public domain.

    Examples
    --------
    >>> from skweight.datasets import load_fair
    >>> X, Y = load_fair(return_X_y=True)
    >>> X.shape, Y.shape
    ((6366, 6), (6366, 3))
    >>> list(Y.columns)
    ['rate_marriage', 'occupation', 'had_affair']
    >>> Y["had_affair"].value_counts().to_dict()
    {False: 4313, True: 2053}
    >>> bunch = load_fair(as_frame=False)
    >>> bunch.data.dtype, bunch.target.dtype, bunch.affairs.shape
    (dtype('float64'), dtype('int64'), (6366,))
    """
    as_frame = _check_bool(as_frame, "as_frame")
    return_X_y = _check_bool(return_X_y, "return_X_y")

    frame = _read_csv(_FAIR_FILE, _FAIR_DTYPES)
    frame["had_affair"] = frame["affairs"] > 0
    X = frame[_FAIR_FEATURES].copy()
    Y = frame[_FAIR_TARGETS].copy()
    affairs = frame["affairs"].copy()

    if not as_frame:
        X = X.to_numpy(dtype=np.float64)
        Y = Y.to_numpy(dtype=np.int64)
        affairs = affairs.to_numpy(dtype=np.float64)

    if return_X_y:
        return X, Y

    descr = (
        "Fair's extramarital affairs data\n"
        "--------------------------------\n\n"
        "Survey of 6,366 married women (Redbook magazine, 1974) analysed by\n"
        "Fair (1978). Most columns are ordinal codes of binned answers.\n\n"
        f"Features: {', '.join(_FAIR_FEATURES)} (float64).\n"
        "Targets (multi-output, imbalanced classification):\n"
        f"  rate_marriage: {_counts(frame['rate_marriage'], by_label=True)}\n"
        f"  occupation:    {_counts(frame['occupation'], by_label=True)}\n"
        f"  had_affair:    {_counts(frame['had_affair'])}\n"
        "Regression target (Bunch field 'affairs'): time spent in affairs.\n\n"
        "Source: Fair, R. C. (1978). 'A Theory of Extramarital Affairs',\n"
        "Journal of Political Economy 86(1), 45-61; copied from statsmodels.\n"
        "Licence: data public domain; statsmodels code BSD-3-Clause.\n"
    )
    return Bunch(
        data=X,
        target=Y,
        affairs=affairs,
        frame=frame if as_frame else None,
        feature_names=list(_FAIR_FEATURES),
        target_names=list(_FAIR_TARGETS),
        DESCR=descr,
    )
