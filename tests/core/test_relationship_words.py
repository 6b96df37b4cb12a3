"""Relationship words typed in English ("father", "Sister") read in Welsh on a Welsh screen and PDF
(issue 19); anything else is shown exactly as it was typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from personalbudget import i18n
from personalbudget.domain.vocabularies import RELATIONSHIP_WORDS, relationship_label


@pytest.fixture
def welsh() -> Iterator[None]:
    i18n.set_language("cy")
    yield
    i18n.set_language("en_GB")


def test_family_words_read_in_welsh(welsh):
    assert relationship_label("father") == "tad"
    assert relationship_label(" Sister ") == "Chwaer"
    assert relationship_label("best mate from chapel") == "best mate from chapel"


def test_every_family_word_has_its_welsh(welsh):
    untranslated = [word for word in RELATIONSHIP_WORDS if relationship_label(word) == word]
    assert untranslated == ["partner"]  # the same word in Welsh


def test_english_is_as_typed():
    assert relationship_label("Father") == "Father"
    assert relationship_label("") == ""
