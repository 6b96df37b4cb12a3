"""Property-based tests (Hypothesis) over the boundaries where people and files give us input."""

from __future__ import annotations

import copy
import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personalbudget.domain.person import PersonForm, RepresentativeForm, validate_person
from personalbudget.domain.plan import (
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.domain.ras import parse_ras
from personalbudget.errors import DefinitionError, ValidationError
from tests.core.test_ras import raw_default

TODAY = date(2026, 11, 23)
# Text people might type: any script, SQL-looking fragments, quotes, very long runs.
TRICKY = st.one_of(
    st.text(min_size=1, max_size=60),
    st.sampled_from(
        [
            "Robert'); DROP TABLE person;--",
            "' OR '1'='1",
            "李小龍",
            "Αλέξανδρος",
            "Siân Ŵyn-Jôns",
            "محمد",
            "😀 emoji",
            "x" * 190,
            '"double" and \\back\\slash',
        ]
    ),
)


@pytest.mark.slow  # many generated examples (hypothesis): not in the fast lane
@settings(max_examples=200, deadline=None)
@given(
    name=st.text(max_size=300),
    born=st.one_of(st.none(), st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 1, 1))),
    nhs=st.text(alphabet=string.digits + " -abc", max_size=14),
    locality=st.text(max_size=250),
    reason=st.sampled_from(["Unknown", "Learning Disability Support", "Not a reason", ""]),
)
def test_person_validation_either_cleans_or_names_each_problem(name, born, nhs, locality, reason):
    form = PersonForm(
        name=name, date_of_birth=born, locality=locality, primary_support_reason=reason, nhs_number=nhs
    )
    try:
        clean = validate_person(form, TODAY)
    except ValidationError as problem:
        assert problem.errors and all(e.field and e.message for e in problem.errors)
        return
    assert clean.name and clean.name == " ".join(clean.name.split())
    assert clean.date_of_birth <= TODAY
    assert clean.nhs_number == "" or (len(clean.nhs_number) == 10 and clean.nhs_number.isdigit())


def _mutations():
    leaf = st.one_of(
        st.integers(-5, 10**6),
        st.text(max_size=8),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    )
    return st.lists(st.tuples(st.integers(0, 10**6), leaf), min_size=1, max_size=4)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


@pytest.mark.slow  # many generated examples (hypothesis): not in the fast lane
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_a_mangled_ras_file_is_refused_with_reasons_or_loads_sound(mutations):
    data = copy.deepcopy(raw_default())
    for pick, value in mutations:
        paths = list(_paths(data))
        if not paths:
            break
        path = paths[pick % len(paths)]
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if value is None and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    try:
        ras = parse_ras(data, source="mangled.toml")
    except DefinitionError as problem:
        assert problem.problems and all(isinstance(p, str) and p for p in problem.problems)
        return
    assert all(a.points >= 0 for q in ras.questions.values() for a in q.answers)
    assert all(price >= 0 for price in ras.price_per_point.values())


@pytest.mark.slow  # many generated examples (hypothesis): not in the fast lane
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TRICKY, locality=TRICKY, carer=TRICKY, words=TRICKY)
def test_any_text_round_trips_unchanged_through_every_field(services, name, locality, carer, words):
    clean_name = " ".join(name.split()) or "x"
    clean_locality = " ".join(locality.split()) or "y"
    person = services.people.add_person(
        PersonForm(
            name=clean_name[:200],
            date_of_birth=date(1960, 1, 1),
            locality=clean_locality[:200],
            representatives=[
                RepresentativeForm(" ".join(carer.split()) or "z", "carer", relationship=words[:200])
            ],
        )
    )
    stored = services.people.get_person(person.id)
    assert stored.name == clean_name[:200] and stored.locality == clean_locality[:200]
    assert stored.representatives[0].relationship == words[:200].strip()
    budget_answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(person.id, "personal_budget", budget_answers)
    services.budget.agree_budget(person.id)
    text = words.strip() or "w"
    draft = PlanDraft(
        what_matters=text,
        outcomes=[OutcomeEntry("a", text)],
        support_items=[SupportItemEntry("other", text, "1.00", "1", "week", text)],
        informal_support=[InformalSupportEntry(text, text)],
        risks=[RiskEntry(text, text)],
        contingency=text,
    )
    saved = services.plans.save_draft(person.id, draft).content
    assert saved.what_matters == text and saved.contingency == text
    assert saved.outcomes[0].description == text and saved.risks[0].how_managed == text
    assert saved.support_items[0].description == text and saved.support_items[0].provider == text
    assert saved.informal_support[0].who == text


# -- statements: whatever a bank (or a mistake) produces, the parser reports or reads it -----------

from personalbudget.domain.statement_parsing import (  # noqa: E402
    ColumnMapping,
    ParsedStatement,
    StatementError,
    parse_amount,
    parse_csv,
    parse_date,
    parse_ofx,
)

MAPPING = ColumnMapping(date_column="Date", description_column="Description", amount_column="Amount")
CELL = st.one_of(
    st.text(alphabet=string.printable, max_size=12),
    st.sampled_from(
        ["01/05/2026", "2026-05-01", "31/02/2026", "(12.00)", "1,234.50", "-5", "£3", "", '"', ";"]
    ),
)


@pytest.mark.slow  # many generated examples (hypothesis): not in the fast lane
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=8), st.sampled_from([",", ";", "\t"]))
def test_any_csv_is_read_or_refused_with_reasons(rows, delimiter):
    text = "Date,Description,Amount\n" + "\n".join(delimiter.join(r) for r in rows)
    try:
        parsed = parse_csv(text.encode("utf-8"), MAPPING)
    except StatementError as problem:
        assert str(problem)
        return
    assert isinstance(parsed, ParsedStatement)
    assert all(isinstance(row.amount_pence, int) for row in parsed.rows)


@pytest.mark.slow  # many generated examples (hypothesis): not in the fast lane
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_ofx_or_csv_never_crash(data):
    for parse in (lambda d: parse_ofx(d), lambda d: parse_csv(d, MAPPING)):
        try:
            parse(data)
        except StatementError as problem:
            assert str(problem)


@given(st.text(max_size=20))
def test_dates_and_amounts_are_read_exactly_or_refused(text):
    for parse in (parse_date, parse_amount):
        try:
            value = parse(text)
        except ValueError:
            continue
        assert value is not None
