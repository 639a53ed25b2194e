import numpy as np
import pandas as pd
import pytest
from sklearn.utils.class_weight import compute_sample_weight

from skweight import compute_output_sample_weight


def test_balanced_equals_sklearn_column_by_column(penguins):
    _, Y = penguins
    ours = compute_output_sample_weight("balanced", Y)
    for k, name in enumerate(Y):
        np.testing.assert_allclose(ours[:, k], compute_sample_weight("balanced",
                                                                      Y[name]))


def test_never_the_product(penguins):
    _, Y = penguins
    ours = compute_output_sample_weight("balanced", Y)
    product = compute_sample_weight("balanced", Y)
    assert not np.allclose(ours.prod(axis=1), ours[:, 0])
    np.testing.assert_allclose(ours.prod(axis=1), product)


def test_forms_and_sample_weight(penguins):
    _, Y = penguins
    sw = np.linspace(0.1, 1.0, len(Y))
    by_name = compute_output_sample_weight(
        {"island": {"Torgersen": 4.0}}, Y, sample_weight=sw
    )
    np.testing.assert_allclose(by_name[:, 0], sw)
    np.testing.assert_allclose(
        by_name[:, 1], np.where(Y["island"] == "Torgersen", 4.0, 1.0) * sw
    )
    as_list = compute_output_sample_weight([None, {"Torgersen": 4.0}, None], Y,
                                           sample_weight=sw)
    np.testing.assert_array_equal(as_list, by_name)
    two_d = np.column_stack([sw, 2 * sw, 3 * sw])
    out = compute_output_sample_weight(None, Y, sample_weight=two_d)
    np.testing.assert_array_equal(out, two_d)


def test_single_output_dict_and_label_kinds():
    y = pd.Series([True, False, False, False])
    np.testing.assert_array_equal(
        compute_output_sample_weight({True: 3.0}, y)[:, 0], [3.0, 1.0, 1.0, 1.0]
    )
    strings = np.array(["b", "a", "a", "a"])
    np.testing.assert_allclose(
        compute_output_sample_weight("balanced", strings)[:, 0],
        compute_sample_weight("balanced", strings),
    )


def test_errors_name_the_parameter(penguins):
    _, Y = penguins
    with pytest.raises(ValueError, match="number of elements in class_weight"):
        compute_output_sample_weight([None, None], Y)
    with pytest.raises(ValueError, match=r"unknown output name\(s\) \['beak'\]"):
        compute_output_sample_weight({"beak": "balanced"}, Y)
    with pytest.raises(
        ValueError, match=r"must name labels of y.*Got label\(s\) \['Atlantis'\]"
    ):
        compute_output_sample_weight({"island": {"Atlantis": 2.0}}, Y)
    with pytest.raises(ValueError, match="Got 'balance' instead"):
        compute_output_sample_weight("balance", Y)
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        compute_output_sample_weight(None, Y, sample_weight=-np.ones(len(Y)))


def test_missing_labels_mask_weighs_zero_and_counts_the_labelled(penguins):
    _, Y = penguins
    holes = np.random.default_rng(0).random(len(Y)) < 0.3
    holed = Y.astype(object)
    holed.loc[holes, "island"] = None
    with pytest.raises(ValueError, match="'island' has missing labels"):
        compute_output_sample_weight("balanced", holed)
    with pytest.raises(ValueError, match="missing_labels must be 'raise' or 'mask'"):
        compute_output_sample_weight("balanced", holed, missing_labels="drop")
    sw = np.linspace(0.5, 1.5, len(Y))
    ours = compute_output_sample_weight("balanced", holed, sample_weight=sw,
                                        missing_labels="mask")
    # The holed output: sklearn's balanced weights of its labelled rows, 0 on
    # the holes; the other outputs as without holes.
    np.testing.assert_array_equal(ours[holes, 1], 0.0)
    np.testing.assert_allclose(
        ours[~holes, 1], compute_sample_weight("balanced", Y["island"][~holes])
        * sw[~holes])
    for k in (0, 2):
        np.testing.assert_allclose(
            ours[:, k], compute_sample_weight("balanced", Y.iloc[:, k]) * sw)
    assert holed["island"].isna().sum() == holes.sum()  # input untouched
    plain = compute_output_sample_weight(None, holed, missing_labels="mask")
    np.testing.assert_array_equal(plain[:, 1], (~holes).astype(float))


@pytest.mark.parametrize(
    "column",
    [
        np.array([3, 1, 3, 2]),
        np.array([True, False, True]),
        np.array([1.0, 0.0, 1.0]),
        np.array([0.5, 1.0, 0.5]),  # continuous
        np.array([1.0, np.inf, 1.0]),
        np.array(["b", "a", "b"]),
        np.array(["b", "a", "b"], dtype=object),
        np.array([2, 1, 2], dtype=object),
        np.array([2.0, 1, 2.5], dtype=object),  # continuous, as objects
        np.array([1 + 1j, 2 + 0j, 1 + 1j]),  # complex
        np.array([b"b", b"a", b"b"], dtype=object),  # bytes
        np.array([b"b", b"a", b"b"]),
        np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
        pd.array([1, 2, 1]).to_numpy(dtype=object),
    ],
    ids=lambda c: str(c.dtype),
)
# type_of_target casts the infinite label to int on its way to refusing it.
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")
def test_label_check_judges_the_classes_as_type_of_target_the_column(column):
    # The check runs on the classes the encoding found (no np.unique of every
    # sample): it must accept and refuse exactly what type_of_target on the
    # whole column accepts and refuses, and the weights stay scikit-learn's.
    from sklearn.utils.multiclass import type_of_target

    from skweight._targets._columns import unbox_labels

    try:
        verdict = type_of_target(unbox_labels(column))
    except (TypeError, ValueError) as exc:
        verdict = type(exc)
    if verdict in ("binary", "multiclass"):
        np.testing.assert_allclose(
            compute_output_sample_weight("balanced", column)[:, 0],
            compute_sample_weight("balanced", column))
    else:
        expected = verdict if isinstance(verdict, type) else ValueError
        with pytest.raises(expected):
            compute_output_sample_weight("balanced", column)
