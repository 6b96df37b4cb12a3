"""The RAS file's Welsh texts (``text_cy`` beside ``text``): shown in Welsh, English otherwise."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator

import pytest

from personalbudget import i18n
from personalbudget.domain.ras import calculate, default_ras_path, explain, load_ras, parse_ras
from personalbudget.errors import DefinitionError
from personalbudget.i18n import _


@pytest.fixture
def welsh() -> Iterator[None]:
    i18n.set_language("cy_GB")
    yield
    i18n.set_language("en_GB")


def _raw() -> dict:
    with default_ras_path().open("rb") as handle:
        return tomllib.load(handle)


def test_every_text_in_the_default_ras_has_welsh() -> None:
    raw = _raw()
    missing = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key in ("name", "council", "title", "text", "help", "label"):
                if isinstance(node.get(key), str) and not node.get(f"{key}_cy"):
                    missing.append(f"{where}.{key}")
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(raw, "ras")
    assert not missing


def test_the_ras_speaks_welsh_when_the_app_does(welsh: None) -> None:
    ras = load_ras()
    nutrition = ras.domains[0]
    assert _(nutrition.title) == "Bwyta ac yfed"
    assert _(nutrition.questions[0].text) == "Paratoi bwyd a diod"
    assert _(nutrition.questions[0].answers[0].text) == "Gallaf wneud hyn fy hun"
    assert _(ras.budget_types["personal_budget"].label) == "Cyllideb bersonol (gofal cymdeithasol)"
    # The ids and the English stay as they are: they are what a budget is saved with.
    assert nutrition.title == "Eating and drinking"
    budget = calculate(ras, "personal_budget", {"nutrition.meals": "prompting"})
    lines = explain(budget)
    assert any("Y gyllideb wythnosol leiaf" in line for line in lines), lines
    assert budget.adjustments[0].label.startswith("Smallest weekly budget")


def test_english_when_the_app_is_in_english() -> None:
    i18n.set_language("en_GB")
    ras = load_ras()
    assert _(ras.domains[0].title) == "Eating and drinking"
    assert _(ras.domains[0].questions[0].answers[0].text) == "I can do this myself"


def test_english_where_a_text_has_no_welsh(welsh: None) -> None:
    raw = _raw()
    raw["domains"][0]["questions"][0]["text"] = "A question only in English"
    del raw["domains"][0]["questions"][0]["text_cy"]
    ras = parse_ras(raw)
    assert _(ras.domains[0].questions[0].text) == "A question only in English"


@pytest.mark.parametrize("value", ["", "   ", 3])
def test_an_empty_welsh_text_is_named_on_load(value: object) -> None:
    raw = copy.deepcopy(_raw())
    raw["domains"][1]["title_cy"] = value
    with pytest.raises(DefinitionError) as error:
        parse_ras(raw)
    assert "domain 'hygiene': 'title_cy' must be a text, not empty" in str(error.value)


def test_two_welsh_texts_for_the_same_english_are_named() -> None:
    raw = copy.deepcopy(_raw())
    raw["domains"][0]["questions"][1]["answers"][0]["text_cy"] = "Rwy'n gallu"
    with pytest.raises(DefinitionError) as error:
        parse_ras(raw)
    assert "'text_cy' differs from the translation of 'I can do this myself'" in str(error.value)
