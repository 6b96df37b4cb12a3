import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalbudget.domain import nhs_number


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", " 9434765919 "])
def test_accepts_a_valid_number_with_usual_separators(text):
    assert nhs_number.normalise(text) == "9434765919"


@pytest.mark.parametrize(
    "text",
    [
        "9434765918",  # wrong check digit
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "94347659AB",
        "",
        "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits are not NHS numbers
    ],
)
def test_rejects_invalid_numbers_with_a_message(text):
    with pytest.raises(nhs_number.InvalidNhsNumber) as problem:
        nhs_number.normalise(text)
    assert "NHS number" in str(problem.value)


def test_remainder_giving_check_digit_ten_is_never_valid():
    # 000000006: total = 6*2 = 12, 12 % 11 = 1, 11 - 1 = 10 -> no valid check digit exists.
    assert nhs_number.check_digit("000000006") is None
    assert not any(nhs_number.is_valid(f"000000006{d}") for d in range(10))


def test_check_digit_eleven_becomes_zero():
    # 000000011: total = 1*3 + 1*2 = 5 ... choose digits whose total is a multiple of 11.
    # 100000001: 1*10 + 1*2 = 12 -> 11 - 1 = 10 (invalid); 010000001: 9 + 2 = 11 -> 0.
    assert nhs_number.check_digit("010000001") == 0
    assert nhs_number.is_valid("0100000010")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(0, 8))
def test_any_single_digit_typo_is_caught(first_nine, replacement, position):
    digit = nhs_number.check_digit(first_nine)
    if digit is None:
        return
    number = first_nine + str(digit)
    assert nhs_number.is_valid(number)
    if int(number[position]) != replacement:
        typo = number[:position] + str(replacement) + number[position + 1 :]
        assert not nhs_number.is_valid(typo)


def test_display_groups_three_three_four():
    assert nhs_number.display("9434765919") == "943 476 5919"
