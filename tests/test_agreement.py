"""Agreement statistics checked against published worked examples."""

from __future__ import annotations

import pytest

from cctv_review.agreement import cohen_kappa, confusion_table, measure, percent_agreement

# Agresti, A. (2002) Categorical Data Analysis, 2nd ed., Wiley, section 10.5.1, Table 10.5:
# diagnoses of carcinoma by two pathologists (Holmquist et al. 1967), 118 slides, 5 ordered
# categories.  Agresti reports p_o = 0.636, p_e = 0.273, kappa = 0.498 and, with weights
# w_ij = 1 - (i - j)^2 / (I - 1)^2, weighted kappa = 0.779.
AGRESTI_CARCINOMA = [
    [22, 2, 2, 0, 0],
    [5, 7, 14, 0, 0],
    [0, 2, 36, 0, 0],
    [0, 1, 14, 7, 0],
    [0, 0, 3, 0, 3],
]


def test_kappa_matches_agresti_worked_example():
    assert percent_agreement(AGRESTI_CARCINOMA) == pytest.approx(0.636, abs=5e-4)
    assert cohen_kappa(AGRESTI_CARCINOMA) == pytest.approx(0.498, abs=5e-4)


def test_quadratic_weighted_kappa_matches_agresti_worked_example():
    assert cohen_kappa(AGRESTI_CARCINOMA, "quadratic") == pytest.approx(0.779, abs=5e-4)


# Cohen's kappa, worked examples of the Wikipedia article "Cohen's kappa" (section "Examples"):
# 50 grant applications read by two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> 0.4;
# and the two tables with the same 60% agreement: 45/15/25/15 -> 0.1304, 25/35/5/35 -> 0.2593.
@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ([[20, 5], [10, 15]], 0.4),
        ([[45, 15], [25, 15]], 0.1304),
        ([[25, 35], [5, 35]], 0.2593),
    ],
)
def test_kappa_matches_two_by_two_worked_examples(table, expected):
    assert cohen_kappa(table) == pytest.approx(expected, abs=5e-5)


def test_weights_make_no_difference_with_two_categories():
    table = [[20, 5], [10, 15]]
    assert cohen_kappa(table, "linear") == pytest.approx(cohen_kappa(table))
    assert cohen_kappa(table, "quadratic") == pytest.approx(cohen_kappa(table))


def test_near_misses_count_partly_in_the_linear_weighted_kappa():
    grades = ["no", "some", "significant"]
    near = measure([("no", "some")] * 2 + [("no", "no")] * 4 + [("significant", "significant")] * 4, grades)
    far = measure(
        [("no", "significant")] * 2 + [("no", "no")] * 4 + [("significant", "significant")] * 4, grades
    )
    assert near.percent == far.percent == pytest.approx(0.8)
    assert near.weighted_kappa > far.weighted_kappa
    # Linear weights: a one-step miss is worth half an agreement.
    assert near.weighted_kappa == pytest.approx(cohen_kappa(list(map(list, near.table)), "linear"))


def test_confusion_table_orders_rows_by_first_review():
    table = confusion_table([("no", "some"), ("some", "some"), ("no", "no")], ["no", "some", "significant"])
    assert table == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="maybe"):
        confusion_table([("no", "maybe")], ["no", "some"])


def test_undefined_kappa_is_said_not_invented():
    everyone_no = measure([("no", "no")] * 5, ["no", "some", "significant"])
    assert everyone_no.percent == 1.0
    assert everyone_no.kappa is None
    assert "cannot be computed" in everyone_no.describe()
    empty = measure([], ["no", "some"])
    assert empty.cases == 0 and empty.percent is None and empty.kappa is None
    assert empty.describe() == "no cases were reviewed twice"


def test_describe_gives_counts_and_kappas():
    text = measure([("no", "no")] * 9 + [("no", "some")], ["no", "some", "significant"]).describe()
    assert text.startswith("agreed on 9 of 10 cases (90%)")
    assert "Cohen's kappa" in text and "weighted (linear)" in text
