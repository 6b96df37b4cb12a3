"""``personalbudget --self-test``: prove that an installed copy works, without touching real data.

Everything happens in a temporary folder that ``PERSONALBUDGET_HOME`` points at while the test
runs: a new database is opened (and migrated), a fictional person is added, the RAS is answered,
the budget agreed, a support plan written, submitted and approved, and the plan PDF written.
The shipped resources (RAS definition, fonts, icons, demo data, translations) and the keyring
back end are checked too. The result is a JSON report (timings, paths, versions) and exit code 0,
or one line saying what failed and exit code 1.

The installers' smoke test runs it on the frozen app, and IT can run it after a silent install.
It goes through the public services only, like the UI and the CLI do. The front end (the Qt
window) is checked by a function handed in by the caller, so this module stays free of Qt.
"""

from __future__ import annotations

import gettext
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import personalbudget
from personalbudget.clock import SystemClock
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person import PersonForm, RepresentativeForm
from personalbudget.domain.plan import (
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    PlanStatus,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.domain.ras import default_ras_path
from personalbudget.domain.roles import Role
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, SUPPORT_CATEGORIES
from personalbudget.i18n import DOMAIN, SUPPORTED_LOCALES, format_date, format_money, locale_dir
from personalbudget.paths import HOME_ENV, resources_dir
from personalbudget.services import Services, build_services
from personalbudget.storage.database import head_revision, open_database
from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore

FrontEndCheck = Callable[[Services], dict[str, Any]]
"""Checks the front end on the self-test's services and returns what it found (raises if broken)."""

ACTOR = "self-test"
EXIT_FAILED = 1

# Files the app cannot work without, relative to the resources folder.
REQUIRED_RESOURCES = (
    "ras/default.toml",
    "fonts/DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf",
    "demo_names.toml",
    "demo_plans.toml",
    "icons/personalbudget-256.png",
    "translations/cy/LC_MESSAGES/personalbudget.mo",
)

# The keyring back end each platform's credential store is reached through.
NATIVE_KEYRING_BACKENDS = {
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
}
DEFAULT_KEYRING_BACKEND = "keyring.backends.SecretService"  # Linux and other Unixes


class SelfTestFailure(Exception):
    """A check failed; the message names the check and what went wrong, on one line."""


class _Timer:
    """Times each step and turns any error inside it into a one-line ``SelfTestFailure``."""

    def __init__(self) -> None:
        self.timings_ms: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, what: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except SelfTestFailure as failure:
            raise SelfTestFailure(f"{what}: {failure}") from failure
        except Exception as problem:
            detail = " ".join(str(problem).split())  # one line, whatever the error's text looks like
            raise SelfTestFailure(f"{what}: {type(problem).__name__}: {detail}") from problem
        finally:
            self.timings_ms[name] = _ms(started)


def main(check_front_end: FrontEndCheck | None = None) -> int:
    """Run the self-test, print the JSON report (exit 0) or one line saying what failed (exit 1)."""
    try:
        report = run_self_test(check_front_end)
    except SelfTestFailure as failure:
        print(f"personalbudget: self-test failed: {failure}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(report, indent=2))
    return 0


def run_self_test(check_front_end: FrontEndCheck | None = None) -> dict[str, Any]:
    """Run every check in a temporary folder and return the report; raise ``SelfTestFailure`` if one fails."""
    started = time.perf_counter()
    timer = _Timer()
    with (
        tempfile.TemporaryDirectory(prefix="personalbudget-self-test-", ignore_cleanup_errors=True) as temp,
        _data_folder(Path(temp) / "home"),
    ):
        folder = Path(temp)
        with timer.step("resources", "the shipped resources"):
            resources = _check_resources()
        with timer.step("translations", "the translations and formats"):
            translations = _check_translations()
        with timer.step("keyring", "the keyring back end"):
            keyring_report = _check_keyring()
        with timer.step("sqlcipher", "the SQLCipher driver"):
            sqlcipher = _check_sqlcipher(folder / "sqlcipher-check.db")
        with timer.step("open_database", "opening a new database"):
            schema = _schema_revision()
            database_path = folder / "self-test.db"
            # Encrypted, as every caseload is; its throwaway key lives in memory only.
            db = open_database(database_path, DatabaseKeys(MemorySecretStore(), lambda _creating: None))
            if not db.encrypted:
                raise SelfTestFailure("the new database is not encrypted")
        try:
            with timer.step("services", "starting the services"):
                services = build_services(db, SystemClock(), ACTOR)
            journey = _walk_the_steps(services, folder, timer)
            front_end: dict[str, Any] | str = "skipped (no front end given)"
            if check_front_end is not None:
                with timer.step("front_end", "the desktop window"):
                    front_end = check_front_end(services)
        finally:
            db.close()
        timer.timings_ms["total"] = _ms(started)
        return {
            "ok": True,
            "app": {
                "name": personalbudget.APP_NAME,
                "version": personalbudget.__version__,
                "frozen": bool(getattr(sys, "frozen", False)),
                "executable": sys.executable,
            },
            "platform": {
                "system": platform.system(),
                "release": platform.release(),
                "machine": platform.machine(),
                "python": platform.python_version(),
            },
            "versions": _library_versions(),
            "paths": {
                "temporary_folder": str(folder),
                "database": str(database_path),
                "plan_pdf": journey.pop("plan_pdf"),
                "resources": str(resources_dir()),
                "translations": str(locale_dir()),
            },
            "database": {"schema": schema},
            "resources": resources,
            "translations": translations,
            "keyring": keyring_report,
            "sqlcipher": sqlcipher,
            "journey": journey,
            "front_end": front_end,
            "timings_ms": timer.timings_ms,
        }


@contextmanager
def _data_folder(path: Path) -> Iterator[None]:
    """Point ``PERSONALBUDGET_HOME`` at ``path`` while the test runs, so backups and settings land there."""
    before = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = before


def _walk_the_steps(services: Services, folder: Path, timer: _Timer) -> dict[str, Any]:
    """Steps 1 to 3 for a fictional person, through the services, ending with the plan PDF."""
    with timer.step("person", "adding a person"):
        person = services.people.add_person(
            PersonForm(
                name="Self Test",
                date_of_birth=date(1950, 1, 1),
                locality="Self-test",
                primary_support_reason="Physical Support: Personal care support",
                nhs_number="999 000 0018",  # the 999 range is never issued to a real person
                representatives=[RepresentativeForm("Carer Test", "carer", "friend", "07700 900000")],
            )
        )
    with timer.step("budget", "answering the RAS and agreeing the budget"):
        ras = services.budget.ras
        budget_type = next(iter(ras.budget_types))
        # The highest-scoring answer to every question, so any council's RAS gives a budget.
        answers = {q.id: max(q.answers, key=lambda a: a.points).id for q in ras.questions.values()}
        services.budget.save_answers(person.id, budget_type, answers)
        agreed = services.budget.agree_budget(person.id).agreed
        if agreed is None or agreed.annual_pence <= 0:
            raise SelfTestFailure("no budget was agreed")
    with timer.step("plan", "writing, submitting and approving the plan"):
        draft = PlanDraft(
            what_matters="Checking that PersonalBudget works on this computer",
            outcomes=[OutcomeEntry(next(iter(CARE_ACT_OUTCOMES)), "Every step of the self-test passes")],
            support_items=[
                SupportItemEntry(
                    next(iter(SUPPORT_CATEGORIES)),
                    "Support costed at exactly the agreed budget",
                    f"{Decimal(agreed.annual_pence) / 100:.2f}",
                    "1",
                    "year",
                )
            ],
            informal_support=[InformalSupportEntry("Carer Test", "Reads the report")],
            risks=[RiskEntry("The self-test fails", "It says which check failed")],
            contingency="Reinstall PersonalBudget",
        )
        services.plans.save_draft(person.id, draft)
        services.plans.submit(person.id)
        ctx = services.context
        approver = build_services(
            ctx.db.database, ctx.clock, "self-test approver", services.budget.ras, role=Role.APPROVER
        )
        plan = approver.plans.decide(person.id, Decision.APPROVE, "", "Team manager")
        step = services.lifecycle.get_cycle(person.id).current_step
        if plan.status != PlanStatus.AGREED or step != Step.MANAGE_BUDGET:
            raise SelfTestFailure(f"the approved plan is {plan.status} at step {int(step)}")
    with timer.step("pdf", "writing the plan PDF"):
        pdf = services.reports.write_plan(person.id, folder / "plan.pdf")
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise SelfTestFailure(f"{pdf} was not written")
        with pdf.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise SelfTestFailure(f"{pdf} is not a PDF")
    return {
        "person_id": person.id,
        "ras": f"{ras.name} {ras.version}",
        "agreed_annual_pence": agreed.annual_pence,
        "plan_status": str(plan.status),
        "step": int(step),
        "plan_pdf": str(pdf),
        "plan_pdf_bytes": pdf.stat().st_size,
    }


def _schema_revision() -> str:
    """The newest migration: Alembic reads them from disk, so a copy without them finds none."""
    try:
        head = head_revision()
    except AssertionError:
        head = None
    if not head:
        raise SelfTestFailure("Alembic found no migrations in personalbudget/storage/migrations/versions")
    return head


def _check_resources() -> dict[str, Any]:
    # The easy-read plan's pictures: one per support category and one per section.
    from personalbudget.reports.easy_read_report import SECTION_PICTURES  # after the services (a cycle)

    pictures = tuple(f"easy_read/{name}.png" for name in (*SUPPORT_CATEGORIES, *SECTION_PICTURES))
    root = resources_dir()
    required = (*REQUIRED_RESOURCES, *pictures)
    missing = [name for name in required if not (root / name).is_file()]
    if missing:
        raise SelfTestFailure(f"missing from {root}: {', '.join(missing)}")
    return {"folder": str(root), "ras": str(default_ras_path()), "checked": list(required)}


def _check_translations() -> dict[str, Any]:
    """Every compiled catalogue shipped loads, and money and dates format in every supported locale
    (Babel's data for them is shipped)."""
    compiled = sorted(locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    for catalogue in compiled:
        with catalogue.open("rb") as handle:
            gettext.GNUTranslations(handle)
    formats = {
        locale: f"{format_money(123456, locale)}, {format_date(date(2026, 4, 1), locale)}"
        for locale in SUPPORTED_LOCALES
    }
    return {"compiled": [c.parent.parent.name for c in compiled], "formats": formats}


def _check_keyring() -> dict[str, Any]:
    """The platform's keyring back end is shipped and discoverable; the one in use is reported."""
    import keyring
    import keyring.backend

    native = NATIVE_KEYRING_BACKENDS.get(sys.platform, DEFAULT_KEYRING_BACKEND)
    importlib.import_module(native)
    # keyring finds its back ends through entry points: without its metadata it silently has none.
    discoverable = sorted(ep.value for ep in importlib.metadata.entry_points(group="keyring.backends"))
    if native not in discoverable:
        raise SelfTestFailure(f"{native} is not among the discoverable back ends {discoverable}")
    active = keyring.get_keyring()
    name = f"{type(active).__module__}.{type(active).__qualname__}"
    usable = not name.startswith(("keyring.backends.fail.", "keyring.backends.null."))
    # Windows and macOS always have a credential store; a Linux session may have none running
    # (a server, a build machine), which is reported rather than failed.
    if not usable and sys.platform in NATIVE_KEYRING_BACKENDS:
        raise SelfTestFailure(f"no usable keyring: {name} is in use instead of {native}")
    return {"native": native, "discoverable": discoverable, "active": name, "usable": usable}


def _check_sqlcipher(path: Path) -> dict[str, Any]:
    """The SQLCipher driver (for encrypted databases), if installed, writes a file that is really
    encrypted and reads it back with the key."""
    if importlib.util.find_spec("sqlcipher3") is None:
        return {"available": False}
    module = importlib.import_module("sqlcipher3")
    key = f"PRAGMA key = \"x'{secrets.token_hex(32)}'\""
    connection = module.connect(str(path))
    try:
        version = connection.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise SelfTestFailure("sqlcipher3 is installed but its SQLite library has no encryption")
        connection.execute(key)
        connection.execute("CREATE TABLE check_row (value TEXT)")
        connection.execute("INSERT INTO check_row VALUES ('encrypted')")
        connection.commit()
    finally:
        connection.close()
    with path.open("rb") as handle:
        if handle.read(16) == b"SQLite format 3\x00":
            raise SelfTestFailure(f"{path.name} was written in plain text")
    connection = module.connect(str(path))
    try:
        connection.execute(key)
        (value,) = connection.execute("SELECT value FROM check_row").fetchone()
    finally:
        connection.close()
    if value != "encrypted":
        raise SelfTestFailure(f"{path.name} read back wrong")
    return {"available": True, "cipher_version": version[0], "sqlite_version": module.sqlite_version}


def _library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for module_name in ("sqlalchemy", "sqlmodel", "alembic", "reportlab", "babel", "platformdirs", "keyring"):
        module = importlib.import_module(module_name)
        version = getattr(module, "__version__", None) or getattr(module, "Version", None)
        if version is None:
            try:
                version = importlib.metadata.version(module_name)
            except importlib.metadata.PackageNotFoundError:
                version = None
        versions[module_name] = version
    return versions


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
