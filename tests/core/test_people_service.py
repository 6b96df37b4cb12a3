from datetime import date

import pytest

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person import RepresentativeForm
from personalbudget.errors import NotFoundError, ValidationError
from tests.core.helpers import person_form


def test_adding_a_person_saves_clean_details_and_opens_a_cycle_at_step_one(services):
    person = services.people.add_person(person_form(name="  Gwen   Price ", nhs_number="943-476-5919"))
    assert person.name == "Gwen Price"
    assert person.nhs_number == "9434765919"
    assert person.age == 78  # born 14 March 1948, today 23 November 2026
    assert person.representatives[0].name == "Rhys Price"
    assert services.lifecycle.get_cycle(person.id).current_step == Step.SET_BUDGET
    assert services.people.get_person(person.id) == person


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"name": "   "}, "name", "Enter the person's name"),
        ({"date_of_birth": date(2027, 1, 1)}, "date_of_birth", "in the future"),
        ({"date_of_birth": None}, "date_of_birth", "Enter the date of birth"),
        ({"date_of_birth": date(1890, 1, 1)}, "date_of_birth", "more than 125 years"),
        ({"nhs_number": "943 476 5918"}, "nhs_number", "check digit"),
        ({"nhs_number": "12345"}, "nhs_number", "10 digits"),
        ({"locality": ""}, "locality", "locality"),
        ({"primary_support_reason": "Something else"}, "primary_support_reason", "from the list"),
        ({"representatives": [RepresentativeForm("", "carer")]}, "representatives", "has no name"),
        ({"representatives": [RepresentativeForm("Al", "boss")]}, "representatives", "has no role"),
    ],
)
def test_bad_details_are_refused_naming_the_field_and_nothing_is_saved(services, overrides, field, words):
    with pytest.raises(ValidationError) as problem:
        services.people.add_person(person_form(**overrides))
    assert any(words in message for message in problem.value.for_field(field))
    assert services.people.list_caseload() == []


def test_every_problem_is_reported_at_once(services):
    with pytest.raises(ValidationError) as problem:
        services.people.add_person(person_form(name="", nhs_number="1", locality=""))
    assert {e.field for e in problem.value.errors} == {"name", "nhs_number", "locality"}


def test_duplicate_nhs_number_is_refused_and_the_first_person_is_untouched(services):
    first = services.people.add_person(person_form())
    with pytest.raises(ValidationError) as problem:
        services.people.add_person(person_form(name="Someone Else", nhs_number="9434765919"))
    assert problem.value.for_field("nhs_number") == [
        "Another person in this caseload already has this NHS number."
    ]
    assert [r.person_id for r in services.people.list_caseload()] == [first.id]


def test_editing_keeps_own_nhs_number_but_not_anothers(services):
    first = services.people.add_person(person_form())
    second = services.people.add_person(person_form(name="Owain Bevan", nhs_number=""))
    updated = services.people.update_person(first.id, person_form(locality="Westgate"))
    assert updated.locality == "Westgate"
    with pytest.raises(ValidationError):
        services.people.update_person(second.id, person_form(name="Owain Bevan"))
    assert services.people.get_person(second.id).nhs_number is None


def test_failed_edit_changes_nothing(services):
    person = services.people.add_person(person_form())
    with pytest.raises(ValidationError):
        services.people.update_person(person.id, person_form(name="New Name", date_of_birth=date(2030, 1, 1)))
    assert services.people.get_person(person.id) == person


def test_representatives_are_replaced_in_order(services):
    person = services.people.add_person(person_form())
    reps = [
        RepresentativeForm("Mared Price", "attorney", "daughter"),
        RepresentativeForm("Iris Owen", "carer", "friend"),
    ]
    updated = services.people.update_person(person.id, person_form(representatives=reps))
    assert [(r.name, r.role) for r in updated.representatives] == [
        ("Mared Price", "attorney"),
        ("Iris Owen", "carer"),
    ]


def test_unknown_person_is_a_clear_error(services):
    with pytest.raises(NotFoundError, match="no person with id 99"):
        services.people.get_person(99)


def test_caseload_lists_everyone_by_name_with_step(services):
    services.people.add_person(person_form(name="Zofia Nowak", nhs_number=""))
    services.people.add_person(person_form(name="arthur Lewis", nhs_number=""))
    rows = services.people.list_caseload()
    assert [r.name for r in rows] == ["arthur Lewis", "Zofia Nowak"]
    assert all(r.step == Step.SET_BUDGET and r.cycle_open and not r.review_overdue for r in rows)


def test_text_that_looks_like_sql_or_is_not_latin_round_trips(services):
    name = "Robert'); DROP TABLE person;-- Ƒ 李 Ανδρέας"
    person = services.people.add_person(person_form(name=name, locality="Llanfair Pwllgwyngyll"))
    assert services.people.get_person(person.id).name == name
    assert services.people.localities() == ["Llanfair Pwllgwyngyll"]
