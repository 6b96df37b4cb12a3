"""Contributions to the strategic hub and the hub's merge (issue #6 part 2, PRIVACY.md).

Three laptops' caseloads -> three encrypted contributions -> one merge, which must publish
exactly what one caseload holding the same (de-duplicated) people would publish.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from personalbudget.cli import run
from personalbudget.clock import FixedClock
from personalbudget.domain.lifecycle import ReviewDecision
from personalbudget.domain.management import ShareEntry
from personalbudget.domain.plan import Decision
from personalbudget.domain.review import MarketGap, OutcomeRating
from personalbudget.errors import PersonalBudgetError
from personalbudget.export import contribution as contrib
from personalbudget.export.contribution import (
    ContributionError,
    merge_contributions,
)
from personalbudget.export.dataset import extract_records
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    Hub,
    HubKeyError,
    HubPublicKey,
    LedgerHeadStore,
    create_hub,
    open_hub,
)
from personalbudget.export.hub_publish import publish_merge
from personalbudget.export.pseudonymise import (
    FALLBACK_PREFIX,
    NHS_PREFIX,
    Pseudonymiser,
    normalise_name,
    transit_identifier,
)
from personalbudget.export.release_register import DifferencingRefusedError
from personalbudget.services import Services, build_services
from personalbudget.services.dto import ReviewForm
from personalbudget.services.export_service import ExportService
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore, WrongKeyError
from tests.core.helpers import person_form
from tests.core.money_helpers import (
    BUDGET,
    arrange_everything,
    as_approver,
    direct_payment,
    item_ids,
    money_plan,
)

PERIOD = (date(2026, 4, 1), date(2027, 3, 31))
EXPORT_AT = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
LOCALITIES = ("Millbrook", "Eastfield", "Hartside")
REASONS = (
    "Physical Support: Personal care support",
    "Support with Memory & Cognition",
    "Learning Disability Support",
)


# -- building caseloads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One person as a laptop holds them."""

    nhs: str | None
    name: str
    born: date
    locality: str
    reason: str
    at: datetime  # when their budget and plan were agreed
    depth: str  # budget | living | reviewed
    extra: int = 0  # pence added to the budget


def nhs_from(n: int) -> str:
    """A valid NHS number in the 999 range (never issued to anyone)."""
    first = f"999{n:06d}"
    total = sum(int(d) * w for d, w in zip(first, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10:
        return nhs_from(n + 500_000)
    return first + str(check)


def _reason_ok(reason: str) -> str:
    from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS

    return reason if reason in PRIMARY_SUPPORT_REASONS else PRIMARY_SUPPORT_REASONS[0]


def make_specs(start: int, count: int) -> list[Spec]:
    specs = []
    for i in range(start, start + count):
        specs.append(
            Spec(
                nhs=nhs_from(i),
                name=f"Person {i:03d}",
                born=date(1940 + (i * 7) % 60, 1 + i % 12, 1 + i % 28),
                locality=LOCALITIES[i % 3],
                reason=_reason_ok(REASONS[(i // 3) % 3]),
                at=datetime(2026, 4, 6, 9, tzinfo=UTC) + timedelta(days=i % 90, minutes=i),
                depth=("budget", "living", "reviewed", "living")[i % 4],
                extra=(i % 5) * 10_000,
            )
        )
    return specs


def add_spec(services: Services, clock: FixedClock, spec: Spec) -> None:
    clock.set(spec.at)
    form = person_form(
        nhs_number=spec.nhs or "",
        name=spec.name,
        date_of_birth=spec.born,
        locality=spec.locality,
        primary_support_reason=spec.reason,
    )
    pid = services.people.add_person(form).id
    answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": BUDGET + spec.extra}, reason="Panel agreed")
    if spec.depth == "budget":
        return
    services.plans.save_draft(pid, money_plan())
    services.plans.submit(pid)
    as_approver(services).plans.decide(pid, Decision.APPROVE, "", "Team manager")
    management = direct_payment(first=spec.at.date())
    if spec.extra:
        total = BUDGET + spec.extra
        management = replace(management, shares=[ShareEntry("direct_payment", f"{total / 100:.2f}")])
    services.management.record_management(pid, management)
    arrange_everything(services, pid)
    services.support.confirm_support_arranged(pid)
    clock.set(spec.at + timedelta(days=40))
    ids = item_ids(services, pid)
    for days, amount, item in (
        (3, "150.00", "PA hours"),
        (10, "30.00", "Gym membership"),
        (20, "12.34", None),
    ):
        form = TransactionForm(spec.at.date() + timedelta(days=days), amount, False, "spend", ids.get(item))
        services.ledger.add_transaction(pid, form)
    if spec.depth == "reviewed":
        view = services.reviews.open_review(pid)
        ratings = ("Fully Met", "Partially Met", "Not Met")
        services.reviews.complete(
            view.review_id,
            ReviewForm(
                outcomes=[
                    OutcomeRating(o.outcome_code, o.description, ratings[spec.extra // 10_000 % 3], "")
                    for o in view.form.outcomes
                ],
                method="Service user and carer",
                market_gaps=[MarketGap("personal_assistant", spec.locality, "No PAs free at weekends")],
                decision=ReviewDecision.CONTINUE,
            ),
        )


def build_caseload(path: Path, specs: list[Spec], secret_store: MemorySecretStore) -> Services:
    keys = DatabaseKeys(secret_store, passphrase=lambda _creating: None)
    clock = FixedClock(EXPORT_AT)
    services = build_services(open_database(path, keys), clock, actor="test.practitioner")
    for spec in sorted(specs, key=lambda s: s.at):
        add_spec(services, clock, spec)
    clock.set(EXPORT_AT)
    return services


# -- fixtures -------------------------------------------------------------------------------------


def no_passphrase(_creating: bool) -> None:
    return None


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A hub, three laptops' caseloads and their contributions, and one caseload of the merged people.

    Three people are on two laptops: X (a later plan, after moving locality, on laptop B),
    Y (the later plan on laptop B, an older one on C) and Z (no NHS number, matched on name
    and date of birth; the later plan on C).
    """
    root = tmp_path_factory.mktemp("hub-world")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSONALBUDGET_HOME", str(root / "pb-home"))
        built = _build_world(root)
        yield built
        built["single"].context.db.close()


def _build_world(root: Path) -> dict:
    store = MemorySecretStore()
    hub = create_hub(root / "hub", MemorySecretStore(), no_passphrase, EXPORT_AT)
    a, b, c = make_specs(0, 14), make_specs(14, 14), make_specs(28, 14)
    x_old = a[2]
    x_new = replace(x_old, locality="Hartside", at=x_old.at + timedelta(days=30), extra=30_000)
    y_new = b[5]
    y_old = replace(y_new, at=y_new.at - timedelta(days=3), depth="budget")
    z_old = Spec(
        None,
        "Zoë  O'Neill",
        date(1950, 5, 5),
        "Eastfield",
        REASONS[0],
        datetime(2026, 4, 20, tzinfo=UTC),
        "living",
    )
    z_new = replace(z_old, name="zoe o neill", at=datetime(2026, 6, 1, tzinfo=UTC), depth="reviewed")
    laptops = {"a": [*a, z_old], "b": [*b, x_new], "c": [*c, y_old, z_new]}
    merged_people = [*a, *b, *c, z_new, x_new]
    merged_people.remove(x_old)
    paths = {}
    for name, specs in laptops.items():
        services = build_caseload(root / f"{name}.db", specs, store)
        paths[name] = root / f"laptop-{name}.pbcontrib"
        services.export.contribution(paths[name], hub.public, *PERIOD)
        services.context.db.close()
    single = build_caseload(root / "single.db", merged_people, store)
    return {
        "root": root,
        "hub": hub,
        "paths": paths,
        "laptops": laptops,
        "single": single,
        "merged_people": merged_people,
        "store": store,
    }


@pytest.fixture
def hub(tmp_path):
    return create_hub(tmp_path / "hub", MemorySecretStore(), no_passphrase, EXPORT_AT)


def contribution_files(world):
    return [world["paths"][n] for n in ("a", "b", "c")]


def single_records(world):
    services = world["single"]
    hub = world["hub"]
    key_fn = contrib.hub_key_function(services.context.db, hub.public)
    pseudonymiser = hub.pseudonymiser()
    rekeyed = [  # as the hub keys them when it opens a file
        replace(r, key=pseudonymiser.person_key(r.key))
        for r in extract_records(services.context.db, *PERIOD, key_fn=key_fn, today=EXPORT_AT.date())
    ]
    return sorted(rekeyed, key=lambda r: r.key)


# -- the keyed hash -------------------------------------------------------------------------------


HUB_ID = "7d1f0c4e-0000-4000-8000-000000000001"


def test_the_person_key_is_a_keyed_hash_of_the_nhs_number_however_it_is_written():
    one, other = Pseudonymiser(b"k" * 32), Pseudonymiser(b"j" * 32)

    def key(nhs, name, born, p=one):
        return p.person_key(transit_identifier(nhs, name, born, HUB_ID))

    gwen = key("943 476 5919", "Gwen Price", date(1948, 3, 14))
    assert gwen.startswith(NHS_PREFIX) and len(gwen) == 2 + 64
    assert gwen == key("943-476-5919", "Someone Else", date(1990, 1, 1))
    assert gwen == key("9434765919", "", date(1990, 1, 1))
    assert "9434765919" not in gwen and gwen != key("9434765919", "", date(1990, 1, 1), other)
    assert gwen != key("9990000026", "Gwen Price", date(1948, 3, 14))
    # The transit identifier differs from the pseudonym, and from one hub to another.
    transit = transit_identifier("9434765919", "", date(1990, 1, 1), HUB_ID)
    assert transit != gwen and transit != transit_identifier("9434765919", "", date(1990, 1, 1), "x")


def test_without_a_valid_nhs_number_the_key_falls_back_to_name_and_birth_date():
    def key(nhs, name, born):
        return transit_identifier(nhs, name, born, HUB_ID)

    zoe = key(None, "Zoë  O'Neill", date(1950, 5, 5))
    assert zoe.startswith(FALLBACK_PREFIX)
    assert Pseudonymiser(b"k" * 32).person_key(zoe).startswith(FALLBACK_PREFIX)
    assert zoe == key("", "zoe o neill", date(1950, 5, 5))
    assert zoe == key("123", "ZOE O-NEILL", date(1950, 5, 5))  # an invalid number is not used
    assert zoe != key(None, "Zoe O'Neill", date(1950, 5, 6))
    assert normalise_name("  Siân   ap-Rhys ") == "sian ap rhys"


# -- hub keys -------------------------------------------------------------------------------------


def test_hub_init_keeps_the_private_key_in_the_keyring_and_publishes_the_rest(tmp_path):
    store = MemorySecretStore()
    hub = create_hub(tmp_path / "hub", store, no_passphrase, EXPORT_AT)
    public = json.loads((tmp_path / "hub" / PUBLIC_KEY_FILE).read_text())
    assert public["format"] == "personalbudget-hub-public-key" and public["version"] == 2
    assert "pseudonymisation_key" not in public  # nothing secret in the file laptops get
    assert public["hub_id"] == hub.public.hub_id and public["key_id"] == hub.public.key_id
    private_raw = hub.private_key.private_bytes_raw()
    everything = b"".join(f.read_bytes() for f in (tmp_path / "hub").iterdir())
    assert private_raw.hex().encode() not in everything and private_raw not in everything
    assert json.loads((tmp_path / "hub" / PRIVATE_KEY_FILE).read_text())["mode"] == "keyring"
    assert [v for k, v in store.values.items() if "private" in str(k)] == [
        private_raw.hex() + hub.secret.hex()
    ]
    again = open_hub(tmp_path / "hub", store, no_passphrase)
    assert again.private_key.private_bytes_raw() == private_raw
    assert HubPublicKey.read(tmp_path / "hub" / PUBLIC_KEY_FILE) == hub.public


def test_hub_init_without_a_keyring_uses_a_passphrase_protected_file(tmp_path):
    headless = MemorySecretStore(available=False)
    hub = create_hub(tmp_path / "hub", headless, lambda _c: PASSPHRASE, EXPORT_AT)
    key_file = json.loads((tmp_path / "hub" / PRIVATE_KEY_FILE).read_text())
    assert key_file["mode"] == "passphrase" and key_file["wrapped"]
    raw = hub.private_key.private_bytes_raw()
    assert raw.hex() not in json.dumps(key_file)
    assert open_hub(tmp_path / "hub", headless, lambda _c: PASSPHRASE).public == hub.public
    with pytest.raises(WrongKeyError, match="does not open the hub"):
        open_hub(tmp_path / "hub", headless, lambda _c: "not the passphrase")
    with pytest.raises(PersonalBudgetError, match="PERSONALBUDGET_HUB_PASSPHRASE"):
        open_hub(tmp_path / "hub", headless, no_passphrase)
    with pytest.raises(PersonalBudgetError, match="too short"):
        create_hub(tmp_path / "other", headless, lambda _c: "short", EXPORT_AT)
    assert not (tmp_path / "other").exists()


def test_hub_init_never_replaces_existing_hub_keys(tmp_path, hub):
    before = {f.name: f.read_bytes() for f in (tmp_path / "hub").iterdir()}
    with pytest.raises(HubKeyError, match="already has hub keys"):
        create_hub(tmp_path / "hub", MemorySecretStore(), no_passphrase, EXPORT_AT)
    assert {f.name: f.read_bytes() for f in (tmp_path / "hub").iterdir()} == before


def test_a_damaged_or_foreign_hub_key_file_is_refused_by_name(tmp_path, hub):
    path = tmp_path / "hub" / PUBLIC_KEY_FILE
    data = json.loads(path.read_text())
    data["public_key"] = data["public_key"][:-4] + "AAA="
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(HubKeyError, match=r"bad\.json is damaged"):
        HubPublicKey.read(tmp_path / "bad.json")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(HubKeyError, match=r"notes\.txt is not a hub public key file"):
        HubPublicKey.read(tmp_path / "notes.txt")
    with pytest.raises(HubKeyError, match="Ask the strategic hub"):
        HubPublicKey.read(tmp_path / "missing.json")


# -- contributions --------------------------------------------------------------------------------


def test_merging_three_contributions_gives_the_records_of_one_caseload_holding_those_people(world):
    result = merge_contributions(contribution_files(world), world["hub"])
    expected = single_records(world)
    assert len(expected) == len(world["merged_people"]) == 14 * 3 + 1
    assert result.records == tuple(expected)
    assert (result.period_from, result.period_to) == PERIOD


def test_people_on_two_laptops_are_counted_once_the_latest_plan_winning_and_reported(world):
    result = merge_contributions(contribution_files(world), world["hub"])
    assert result.duplicate_people == 3
    assert dict(result.shared_by) == {
        ("laptop-a.pbcontrib", "laptop-b.pbcontrib"): 1,
        ("laptop-a.pbcontrib", "laptop-c.pbcontrib"): 1,
        ("laptop-b.pbcontrib", "laptop-c.pbcontrib"): 1,
    }
    assert result.fallback_keys == 1
    hub = world["hub"]
    x = next(s for s in world["laptops"]["b"] if s.locality == "Hartside" and s.extra == 30_000)
    x_key = hub.pseudonymiser().person_key(transit_identifier(x.nhs, x.name, x.born, hub.public.hub_id))
    x_record = next(r for r in result.records if r.key == x_key)
    assert x_record.locality == "Hartside"  # laptop B's later plan, not laptop A's
    report = "\n".join(result.report_lines())
    assert "3 people were in more than one contribution and are counted once" in report
    assert "1 person in laptop-a.pbcontrib, laptop-b.pbcontrib" in report
    assert "matched on name and date of birth" in report
    assert "n:" not in report and "d:" not in report and "Person" not in report


def test_a_contribution_holds_no_names_nhs_numbers_birth_dates_or_free_text(world):
    hub = world["hub"]
    for name, specs in world["laptops"].items():
        plaintext = contrib.unseal(world["paths"][name], hub).decode("utf-8")
        payload = json.loads(plaintext)
        assert payload["record_count"] == len(specs) and payload["hub_id"] == hub.public.hub_id
        assert payload["audit_head"] and payload["schema_version"] == 1
        assert payload["period"] == {"from": "2026-04-01", "to": "2027-03-31"}
        sentinels = ["Rhys Price", "07700", "Cook a hot meal", "Sam Jones", "Employed PA", "Pendant alarm",
                     "Sister covers", "No PAs free", "Panel agreed", "Team manager", "Zo", "Neill", "G Price",
                     "4821", "Person 0"]  # fmt: skip
        for spec in specs:
            sentinels += [spec.name, spec.born.isoformat(), spec.born.strftime("%d/%m/%Y")]
            if spec.nhs:
                sentinels += [spec.nhs, f"{spec.nhs[:3]} {spec.nhs[3:6]} {spec.nhs[6:]}"]
        # Keyed hashes and the audit head are random-looking hex, in which a digit sentinel such
        # as "4821" turns up by chance: check their form, then search everything else.
        assert all(contrib._KEY_PATTERN.match(record["key"]) for record in payload["records"])
        assert re.fullmatch(r"\d+:[0-9a-f]{64}", payload["audit_head"])
        for record in payload["records"]:
            record["key"] = ""
        payload["audit_head"] = ""
        searchable = json.dumps(payload, ensure_ascii=False)
        for sentinel in sentinels:
            assert sentinel not in searchable, sentinel


def test_the_laptop_cannot_read_its_own_contribution(world, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    path = world["paths"]["a"]
    data = path.read_bytes()
    assert data.startswith(contrib.MAGIC)
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600  # readable only by whoever made it
    assert b"Millbrook" not in data and b"personal_budget" not in data and b"records" not in data
    # What the laptop has is the public key file: it is not a hub and opens nothing.
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    (laptop / PUBLIC_KEY_FILE).write_bytes((world["root"] / "hub" / PUBLIC_KEY_FILE).read_bytes())
    with pytest.raises(HubKeyError, match="not a hub folder"):
        open_hub(laptop, MemorySecretStore(), no_passphrase)
    # Any other private key fails, even with the right hub id in hand.
    impostor = replace(world["hub"], private_key=X25519PrivateKey.generate())
    with pytest.raises(ContributionError, match="fails its integrity check"):
        contrib.unseal(path, impostor)
    # The same payload sealed twice differs (a fresh ephemeral key each time).
    public = world["hub"].public
    assert contrib.seal(b"{}", public) != contrib.seal(b"{}", public)


def _merge_refused(world, tmp_path, bad: Path, message: str) -> None:
    out = tmp_path / "published"
    files = [*contribution_files(world)[:2], bad]
    with pytest.raises(ContributionError, match=message) as problem:
        merge_contributions(files, world["hub"])
    assert bad.name in str(problem.value) and "Nothing was merged" in str(problem.value)
    assert not out.exists()


def test_a_tampered_contribution_is_rejected_naming_the_file(world, tmp_path):
    data = bytearray(world["paths"]["c"].read_bytes())
    data[-40] ^= 0x01
    bad = tmp_path / "tampered.pbcontrib"
    bad.write_bytes(bytes(data))
    _merge_refused(world, tmp_path, bad, "changed or damaged since it was made")


def test_a_changed_header_is_rejected(world, tmp_path):
    data = world["paths"]["c"].read_bytes()
    bad = tmp_path / "header.pbcontrib"
    bad.write_bytes(data.replace(b"pseudonymised personal data", b"pseudonymised personal dat4", 1))
    _merge_refused(world, tmp_path, bad, "changed or damaged since it was made")


def test_a_truncated_contribution_is_rejected(world, tmp_path):
    data = world["paths"]["c"].read_bytes()
    for size in (len(data) - 1, len(data) // 2, len(contrib.MAGIC) + 3, 60):
        bad = tmp_path / f"cut-{size}.pbcontrib"
        bad.write_bytes(data[:size])
        _merge_refused(world, tmp_path, bad, "changed or damaged since it was made")


def test_a_contribution_for_another_hub_is_rejected(world, tmp_path):
    other = create_hub(tmp_path / "other-hub", MemorySecretStore(), no_passphrase, EXPORT_AT)
    bad = tmp_path / "other.pbcontrib"
    bad.write_bytes(contrib.seal(contrib.unseal(world["paths"]["a"], world["hub"]), other.public))
    _merge_refused(world, tmp_path, bad, "encrypted for another hub")


def test_a_file_that_is_not_a_contribution_is_rejected(world, tmp_path):
    bad = tmp_path / "aggregates.csv"
    bad.write_text("age_band,count\n18-24,5\n")
    _merge_refused(world, tmp_path, bad, "is not a PersonalBudget contribution")
    empty = tmp_path / "empty.pbcontrib"
    empty.write_bytes(b"")
    _merge_refused(world, tmp_path, empty, "is not a PersonalBudget contribution")


def test_a_contribution_in_a_newer_format_is_rejected(world, tmp_path):
    data = bytearray(world["paths"]["a"].read_bytes())
    data[len(contrib.MAGIC) + 1] = contrib.FORMAT_VERSION + 1
    bad = tmp_path / "newer.pbcontrib"
    bad.write_bytes(bytes(data))
    _merge_refused(world, tmp_path, bad, f"contribution format version {contrib.FORMAT_VERSION + 1}")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(schema_version=99), "dataset schema version 99"),
        (lambda p: p.update(kind="something"), "not a contribution payload"),
        (lambda p: p.update(record_count=p["record_count"] + 1), "record count does not match"),
        (lambda p: p["records"][3].update(age_band="42"), "record 4 is not valid"),
        (lambda p: p["records"][0].update(key="local-1"), "record 1 is not keyed"),
        (lambda p: p["records"][0].update(name="Gwen Price"), "record 1 is not valid"),
    ],
)
def test_a_contribution_with_malformed_content_is_rejected(world, tmp_path, change, message):
    payload = json.loads(contrib.unseal(world["paths"]["b"], world["hub"]))
    change(payload)
    bad = tmp_path / "malformed.pbcontrib"
    bad.write_bytes(contrib.seal(json.dumps(payload).encode(), world["hub"].public))
    _merge_refused(world, tmp_path, bad, message)
    not_json = tmp_path / "garbled.pbcontrib"
    not_json.write_bytes(contrib.seal(b"\xff{", world["hub"].public))
    _merge_refused(world, tmp_path, not_json, "not JSON")


def test_contributions_for_different_periods_are_not_merged(world, tmp_path):
    services = build_caseload(tmp_path / "d.db", make_specs(60, 2), MemorySecretStore())
    other = tmp_path / "d.pbcontrib"
    services.export.contribution(other, world["hub"].public, date(2025, 4, 1), date(2026, 3, 31))
    services.context.db.close()
    with pytest.raises(ContributionError, match=r"d\.pbcontrib covers 2025-04-01 to 2026-03-31"):
        merge_contributions([*contribution_files(world), other], world["hub"])
    with pytest.raises(ContributionError, match=r"laptop-a\.pbcontrib covers 2026-04-01"):
        merge_contributions(contribution_files(world), world["hub"], date(2026, 4, 1), date(2026, 9, 30))


def test_the_same_file_twice_is_refused(world, tmp_path):
    path = world["paths"]["a"]
    with pytest.raises(ContributionError, match="more than once"):
        merge_contributions([path, path], world["hub"])
    # A copy under another name is the same contribution, not 14 people on two laptops.
    copy = tmp_path / "laptop-a-again.pbcontrib"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(ContributionError, match="are the same contribution"):
        merge_contributions([path, world["paths"]["b"], copy], world["hub"])


def test_a_contribution_is_not_written_into_a_folder_that_does_not_exist(world, tmp_path):
    services = world["single"]
    out = tmp_path / "no-such-folder" / "laptop.pbcontrib"
    with pytest.raises(ContributionError, match="does not exist"):
        services.export.contribution(out, world["hub"].public, *PERIOD)
    assert not out.parent.exists()


# -- publishing at the hub ------------------------------------------------------------------------


def hub_copy(world, tmp_path) -> Hub:
    """The world's hub with its own folder, so each test starts with an empty release ledger."""
    folder = tmp_path / "hub-copy"
    folder.mkdir()
    for name in (PUBLIC_KEY_FILE, PRIVATE_KEY_FILE):
        (folder / name).write_bytes((world["hub"].folder / name).read_bytes())
    hub = world["hub"]
    copy = replace(hub, folder=folder, heads=LedgerHeadStore(hub.public.hub_id, MemorySecretStore()))
    copy.ledger_store().create()  # its own empty ledger and head, as hub init makes them
    return copy


def test_the_hub_publishes_exactly_the_tables_one_caseload_of_those_people_publishes(world, tmp_path):
    hub = hub_copy(world, tmp_path)
    release = publish_merge(
        contribution_files(world), hub, tmp_path / "hub-out", DisclosureRules(), FixedClock(EXPORT_AT)
    )
    single = world["single"]
    exporter = ExportService(single.context, single.settings)
    assert exporter.rules() == DisclosureRules()
    result = exporter.export(*PERIOD, tmp_path / "caseload-out")
    assert result is not None and result.content_hash == release.content_hash
    csvs = sorted(p.name for p in (tmp_path / "caseload-out").glob("*.csv"))
    assert csvs == sorted(p.name for p in (tmp_path / "hub-out").glob("*.csv")) and len(csvs) >= 9
    for name in csvs:
        assert (tmp_path / "hub-out" / name).read_bytes() == (tmp_path / "caseload-out" / name).read_bytes()
    # Real figures, not only stars: 43 people are published as 45.
    assert any(r.value == 45 for t in release.tables for r in t.rows if r.dims == ("All", "All"))
    meta = json.loads((tmp_path / "hub-out" / "datapackage.json").read_text())["personalbudget"]
    assert meta["source"] == "hub" and meta["contributions"] == "3" and meta["hub_id"] == hub.public.hub_id
    assert len(meta["contribution_audit_heads"].split()) == 3
    ledger = json.loads(hub.ledger_path.read_text())
    assert [r["status"] for r in ledger["releases"]] == ["published"]
    assert ledger["releases"][0]["content_hash"] == release.content_hash
    text = "\n".join(release.lines)
    assert "Merged 3 contributions: 43 people." in text


def test_publishing_a_small_change_to_a_published_period_is_refused_and_recorded(world, tmp_path):
    hub = hub_copy(world, tmp_path)
    files = contribution_files(world)
    publish_merge(files, hub, tmp_path / "first", DisclosureRules(), FixedClock(EXPORT_AT))
    services = build_caseload(tmp_path / "d.db", make_specs(70, 2), MemorySecretStore())
    extra = tmp_path / "d.pbcontrib"
    services.export.contribution(extra, hub.public, *PERIOD)
    services.context.db.close()
    with pytest.raises(DifferencingRefusedError, match="differencing"):
        publish_merge([*files, extra], hub, tmp_path / "second", DisclosureRules(), FixedClock(EXPORT_AT))
    assert not (tmp_path / "second").exists()
    statuses = [r["status"] for r in json.loads(hub.ledger_path.read_text())["releases"]]
    assert statuses == ["published", "refused"]


def test_a_bad_contribution_stops_the_publication_before_anything_is_written(world, tmp_path):
    hub = hub_copy(world, tmp_path)
    bad = tmp_path / "bad.pbcontrib"
    bad.write_bytes(world["paths"]["a"].read_bytes()[:-1])
    with pytest.raises(ContributionError, match=r"bad\.pbcontrib has been changed or damaged"):
        publish_merge(
            [*contribution_files(world), bad], hub, tmp_path / "out", DisclosureRules(), FixedClock(EXPORT_AT)
        )
    assert not (tmp_path / "out").exists() and hub.ledger_store().entries() == []  # nothing recorded


def test_hub_rules_may_be_stricter_never_looser(world, tmp_path):
    hub = hub_copy(world, tmp_path)
    for looser in (
        DisclosureRules(threshold=5),
        DisclosureRules(base=1),
        DisclosureRules(min_contributors=3),
    ):
        with pytest.raises(PersonalBudgetError, match="only be stricter"):
            publish_merge(contribution_files(world), hub, tmp_path / "out", looser, FixedClock(EXPORT_AT))
    strict = publish_merge(
        contribution_files(world), hub, tmp_path / "out", DisclosureRules(threshold=10), FixedClock(EXPORT_AT)
    )
    assert (
        json.loads((tmp_path / "out" / "datapackage.json").read_text())["personalbudget"]["thresholds"][
            "threshold"
        ]
        == 10
    )
    assert strict.content_hash


# -- the command line -----------------------------------------------------------------------------


def test_command_line_round_trip_without_a_keyring(world, tmp_path, monkeypatch, capsys):
    headless = MemorySecretStore(available=False)
    monkeypatch.setattr("personalbudget.export.hub_commands.default_hub_secrets", lambda: headless)
    monkeypatch.setenv("PERSONALBUDGET_HUB_PASSPHRASE", PASSPHRASE)
    hub_dir = tmp_path / "hub"
    assert run(["hub", "init", "--dir", str(hub_dir)]) == 0
    out = capsys.readouterr().out
    assert "pseudonymised personal data for the strategic hub's eyes only" in out
    assert json.loads((hub_dir / PRIVATE_KEY_FILE).read_text())["mode"] == "passphrase"

    keys = DatabaseKeys(world["store"], passphrase=no_passphrase)
    made = []
    for name in ("a", "b"):
        made.append(tmp_path / f"{name}.pbcontrib")
        argv = ["export", "contribution", "--db", str(world["root"] / f"{name}.db"), "--out", str(made[-1])]
        argv += ["--hub-key", str(hub_dir / PUBLIC_KEY_FILE), "--from", "2026-04-01", "--to", "31/03/2027"]
        assert run(argv, keys=keys) == 0
        out = capsys.readouterr().out
        assert "Wrote" in out and "15 people" in out and "for the strategic hub's eyes only" in out

    published = tmp_path / "published"
    assert run(["hub", "merge", *map(str, made), "--hub-dir", str(hub_dir), "--out", str(published)]) == 0
    out = capsys.readouterr().out
    assert "Merged 2 contributions: 29 people." in out and "Published tables are anonymised." in out
    assert (published / "datapackage.json").exists() and (hub_dir / "release-ledger.json").exists()

    # A wrong passphrase, and a tampered file: one line each, nothing written.
    monkeypatch.setenv("PERSONALBUDGET_HUB_PASSPHRASE", "not the passphrase at all")
    assert run(["hub", "merge", str(made[0]), "--hub-dir", str(hub_dir), "--out", str(tmp_path / "x")]) == 1
    assert "does not open the hub's private key" in capsys.readouterr().err
    monkeypatch.setenv("PERSONALBUDGET_HUB_PASSPHRASE", PASSPHRASE)
    data = bytearray(made[1].read_bytes())
    data[-5] ^= 0xFF
    made[1].write_bytes(bytes(data))
    assert (
        run(["hub", "merge", *map(str, made), "--hub-dir", str(hub_dir), "--out", str(tmp_path / "y")]) == 1
    )
    err = capsys.readouterr().err
    assert "b.pbcontrib has been changed or damaged" in err and err.count("\n") == 1
    assert not (tmp_path / "y").exists()
    # hub init never replaces a hub's keys.
    assert run(["hub", "init", "--dir", str(hub_dir)]) == 1
    assert "already has hub keys" in capsys.readouterr().err


def test_command_line_refuses_a_wrong_hub_key_file_before_opening_the_caseload(tmp_path, capsys):
    (tmp_path / "key.json").write_text("{}")
    argv = ["export", "contribution", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "c")]
    assert run([*argv, "--hub-key", str(tmp_path / "key.json")]) == 1
    assert "is not a hub public key file" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "c").exists()


def test_people_sharing_a_fallback_key_within_one_contribution_are_all_kept(world, tmp_path):
    payload = json.loads(contrib.unseal(world["paths"]["a"], world["hub"]))
    twin = next(r for r in payload["records"] if r["key"].startswith(FALLBACK_PREFIX))
    payload["records"].append(dict(twin))
    payload["record_count"] += 1
    twins = tmp_path / "twins.pbcontrib"
    twins.write_bytes(contrib.seal(json.dumps(payload).encode(), world["hub"].public))
    alone = merge_contributions([twins], world["hub"])
    assert len(alone.records) == 16 and alone.duplicate_people == 0
    assert "twins.pbcontrib: 2 records share their name and date of birth" in "\n".join(alone.report_lines())
    # Across contributions the key is still one person (or two): the latest plan's contribution wins.
    merged = merge_contributions([twins, world["paths"]["c"]], world["hub"])
    twin_key = world["hub"].pseudonymiser().person_key(twin["key"])
    assert sum(1 for r in merged.records if r.key == twin_key) == 1


def test_a_contribution_is_recorded_in_the_audit_trail_with_counts_only(tmp_path, hub):
    store = MemorySecretStore()
    services = build_caseload(tmp_path / "audited.db", make_specs(0, 3), store)
    try:
        out = tmp_path / "audited.pbcontrib"
        services.export.contribution(out, hub.public, *PERIOD)
        with services.context.db.session() as session:
            rows = (
                session.connection()
                .exec_driver_sql(
                    "SELECT actor, table_name, row_id, summary FROM audit_event WHERE action = 'export_contribution'"
                )
                .all()
            )
        assert len(rows) == 1
        actor, table, row_id, summary = rows[0]
        assert (actor, table, row_id) == ("test.practitioner", "contribution", hub.public.hub_id)
        assert json.loads(summary) == {"people": 3, "period_from": "2026-04-01", "period_to": "2027-03-31"}
    finally:
        services.context.db.close()


def test_the_analyst_role_may_publish_aggregates_but_not_send_person_level_contributions(tmp_path, hub):
    from personalbudget.domain.roles import Role
    from personalbudget.errors import PermissionDeniedError

    store = MemorySecretStore()
    services = build_caseload(tmp_path / "roles.db", make_specs(0, 2), store)
    try:
        analyst = build_services(
            services.context.db.database, FixedClock(EXPORT_AT), "test.analyst", role=Role.ANALYST
        )
        out = tmp_path / "analyst.pbcontrib"
        with pytest.raises(PermissionDeniedError):
            analyst.export.contribution(out, hub.public, *PERIOD)
        assert not out.exists()
    finally:
        services.context.db.close()


def test_the_hub_refuses_other_rules_for_a_published_period_and_records_the_rules(world, tmp_path):
    hub = hub_copy(world, tmp_path)
    files = contribution_files(world)
    publish_merge(files, hub, tmp_path / "first", DisclosureRules(), FixedClock(EXPORT_AT))
    again = publish_merge(files, hub, tmp_path / "again", DisclosureRules(), FixedClock(EXPORT_AT))
    assert again.identical_to_earlier
    with pytest.raises(DifferencingRefusedError, match="Use the same rules as the release of 2026-04-01"):
        publish_merge(files, hub, tmp_path / "second", DisclosureRules(base=10), FixedClock(EXPORT_AT))
    assert not (tmp_path / "second").exists()
    releases = json.loads(hub.ledger_path.read_text())["releases"]
    assert [r["status"] for r in releases] == ["published", "published", "refused"]
    assert [r["rules"].split(",")[1] for r in releases] == ["base=5", "base=5", "base=10"]
