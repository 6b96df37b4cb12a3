"""Money in words: what co-production mode and the easy-read plan say beside the figures."""

import pytest

from personalbudget.plain_language import money_in_words


@pytest.mark.parametrize(
    ("pence", "words"),
    [
        (0, "zero pounds"),
        (1, "one penny"),
        (100, "one pound"),
        (12345, "one hundred and twenty-three pounds and forty-five pence"),
        (200000, "two thousand pounds"),
        (50, "fifty pence"),
        (-250, "minus two pounds and fifty pence"),
    ],
)
def test_english_money_in_words(pence, words):
    assert money_in_words(pence, "en_GB") == words


@pytest.mark.parametrize(
    ("pence", "words"),
    [
        (1, "un geiniog"),
        (100, "un bunt"),
        (200, "dwy bunt"),
        (200000, "dwy fil o bunnoedd"),
        (12345, "cant a thair ar hugain o bunnoedd a pump ceiniog a deugain"),
    ],
)
def test_welsh_money_in_words(pence, words):
    assert money_in_words(pence, "cy_GB") == words


def test_money_in_words_refuses_floats():
    with pytest.raises(TypeError):
        money_in_words(1.5)  # type: ignore[arg-type]
