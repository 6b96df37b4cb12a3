"""The command-line tool: ``personalbudget [--db PATH] [COMMAND ...]``.

With no command it opens the desktop app. Every command takes ``--db PATH``
(default: the database in the PersonalBudget data folder). Errors print one
clear line to stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from personalbudget import APP_NAME, __version__
from personalbudget.clock import SystemClock
from personalbudget.domain.dates_and_amounts import parse_date
from personalbudget.domain.nhs_number import display as display_nhs
from personalbudget.domain.roles import Role
from personalbudget.domain.statement_parsing import StatementError
from personalbudget.errors import PersonalBudgetError
from personalbudget.export import hub_commands
from personalbudget.i18n import (
    LANGUAGE_ENV,
    N_,
    SUPPORTED_LOCALES,
    _,
    default_language,
    format_date,
    format_time,
    ngettext,
    set_language,
    supported_locale,
)
from personalbudget.paths import default_database_path
from personalbudget.services import Services, build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.demo_service import MAX_DEMO_PEOPLE, build_demo_caseload
from personalbudget.services.statement_import_service import NearDuplicatesFound
from personalbudget.services.team_caseload import is_team_caseload, open_team_caseload, team_username
from personalbudget.services.user_service import AccountView, SignedInUser, UserService
from personalbudget.storage import audit
from personalbudget.storage.backup import (
    AFTER_CLOSE_COMMAND,
    check_database,
    make_backup,
    restore_backup,
    run_after_close,
)
from personalbudget.storage.database import Database, encrypt_database, open_database, recover_database
from personalbudget.storage.keys import DatabaseKeys, KeyringSecretStore, passphrase_from_environment

if TYPE_CHECKING:  # self_test pulls in every service and the PDFs: imported when --self-test runs
    from sqlalchemy import URL

    from personalbudget import self_test

OpenApp = Callable[[Path | None], int]
RECOVERY_KEY_ENV = "PERSONALBUDGET_RECOVERY_KEY"
USER_ENV = "PERSONALBUDGET_USER"
PASSWORD_ENV = "PERSONALBUDGET_PASSWORD"
NEW_PASSWORD_ENV = "PERSONALBUDGET_NEW_PASSWORD"
EXIT_ERROR = 1
# Commands about the caseload file itself (its copies, key and pages): not for a team caseload.
FILE_ONLY_COMMANDS = frozenset({"backup", "restore", "check", "encrypt", "recover"})


def _actor() -> str:
    return os.environ.get("PERSONALBUDGET_USER") or getpass.getuser()


def _db_location(value: str) -> Path | str:
    """--db: a caseload file, or a team caseload's postgresql://host/dbname address (kept as given)."""
    return value.strip() if is_team_caseload(value) else Path(value)  # (checked when it is opened)


def _db_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        type=_db_location,
        default=default,
        metavar="PATH",
        help=_(
            "the caseload database file (default: {path}), or a team caseload's postgresql://host/dbname"
        ).format(path=default_database_path()),
    )
    _language_option(parser, default)  # every command takes --language too


def _language(value: str) -> str:
    locale = supported_locale(value)
    if locale is None:
        raise argparse.ArgumentTypeError(
            _("unknown language '{value}' (use one of: {languages})").format(
                value=value, languages=", ".join(SUPPORTED_LOCALES)
            )
        )
    return locale


def _language_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--language",
        type=_language,
        default=default,
        metavar="LOCALE",
        help=_("the language of messages and documents: {languages} (default: {env} or the system's)").format(
            languages=", ".join(SUPPORTED_LOCALES), env=LANGUAGE_ENV
        ),
    )


def _language_asked_for(argv: Sequence[str]) -> str | None:
    """--language, wherever it is on the line, read before the help texts are made (they follow it)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--language")
    known, _rest = early.parse_known_args(list(argv))
    return supported_locale(known.language)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="personalbudget",
        description=_("{app}: personal budget and support planning. With no command, opens the app.").format(
            app=APP_NAME
        ),
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_("check this installation on a temporary database (never your caseload), print a JSON report"),
    )
    _db_option(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help=_("add a synthetic demo caseload (no real person's data)"))
    _db_option(demo, argparse.SUPPRESS)
    demo.add_argument("--people", type=int, default=200, help=_("how many people (default 200)"))
    demo.add_argument(
        "--seed", type=int, default=1, help=_("random seed; the same seed gives the same caseload")
    )

    people = commands.add_parser("people", help=_("list the caseload"))
    _db_option(people, argparse.SUPPRESS)
    people.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    report = commands.add_parser("report", help=_("print a document as PDF"))
    reports = report.add_subparsers(dest="report", metavar="DOCUMENT", required=True)
    plan = reports.add_parser("plan", help=_("the person's care and support plan"))
    _db_option(plan, argparse.SUPPRESS)
    plan.add_argument(
        "--person", type=int, required=True, metavar="ID", help=_("the person's id (see 'people')")
    )
    plan.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help=_("where to write the PDF"))
    plan.add_argument(
        "--plan-version", type=int, metavar="N", help=_("which plan version (default: the newest)")
    )
    plan.add_argument(
        "--easy-read",
        action="store_true",
        help=_("the easy read plan: pictures, short sentences, large type (default: the agreed plan)"),
    )
    statement = reports.add_parser("statement", help=_("the budget statement for a period (for audit)"))
    _db_option(statement, argparse.SUPPRESS)
    statement.add_argument(
        "--person", type=int, required=True, metavar="ID", help=_("the person's id (see 'people')")
    )
    statement.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="DATE",
        help=_("first day, e.g. 2026-04-01 or 01/04/2026"),
    )
    statement.add_argument("--to", dest="end", required=True, metavar="DATE", help=_("last day"))
    statement.add_argument(
        "--out", type=Path, required=True, metavar="FILE.pdf", help=_("where to write the PDF")
    )
    review = reports.add_parser(
        "review", help=_("a review of the person's plan (outcomes, spending, decision)")
    )
    _db_option(review, argparse.SUPPRESS)
    review.add_argument(
        "--person", type=int, required=True, metavar="ID", help=_("the person's id (see 'people')")
    )
    review.add_argument(
        "--review", type=int, metavar="N", help=_("which review, 1 = the first (default: the newest)")
    )
    review.add_argument(
        "--out", type=Path, required=True, metavar="FILE.pdf", help=_("where to write the PDF")
    )
    imports = commands.add_parser(
        "import-statement",
        help=_("import a bank or prepaid-card statement (CSV, OFX, QIF) into a person's ledger"),
    )
    _db_option(imports, argparse.SUPPRESS)
    imports.add_argument(
        "--person", type=int, required=True, metavar="ID", help=_("the person's id (see 'people')")
    )
    imports.add_argument(
        "--mapping",
        metavar="NAME",
        help=_("the saved CSV column mapping to use (default: the one saved for the file's columns)"),
    )
    imports.add_argument(
        "--near-duplicates",
        choices=("keep", "skip"),
        help=_(
            "rows with the same amount and payee as a transaction already held, a few days apart: "
            "import them (keep) or leave them out (skip); without this they are listed and nothing is imported"
        ),
    )
    imports.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help=_("the statement file (.csv, .ofx, .qif, or Santander's .txt)"),
    )
    audit_parser = commands.add_parser("audit", help=_("check the audit trail"))
    audit_commands = audit_parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_commands.add_parser(
        "verify", help=_("check no audit event was changed, removed or cut off")
    )
    _db_option(verify, argparse.SUPPRESS)

    export = commands.add_parser("export", help=_("export anonymised aggregates (or other exports)"))
    export_commands = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    aggregates = export_commands.add_parser(
        "aggregates",
        help=_("the anonymised aggregate tables: CSV, datapackage.json and an Excel workbook"),
    )
    _db_option(aggregates, argparse.SUPPRESS)
    aggregates.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help=_("a new or empty folder for the export")
    )
    aggregates.add_argument(
        "--from", dest="start", metavar="DATE", help=_("first day (default: 1 April of this financial year)")
    )
    aggregates.add_argument(
        "--to", dest="end", metavar="DATE", help=_("last day (default: 31 March of this financial year)")
    )
    hub_commands.add_contribution_parser(export_commands, _db_option)  # export contribution
    hub_commands.add_hub_parser(commands)  # hub init, hub merge

    backup = commands.add_parser("backup", help=_("make a checked backup copy of the caseload"))
    _db_option(backup, argparse.SUPPRESS)
    backup.add_argument(
        "--out", type=Path, metavar="FOLDER", help=_("where to put it (default: the backups folder)")
    )
    restore = commands.add_parser("restore", help=_("replace the caseload with a backup"))
    _db_option(restore, argparse.SUPPRESS)
    restore.add_argument("backup", type=Path, metavar="BACKUP", help=_("the backup file to restore"))
    check = commands.add_parser("check", help=_("integrity check, broken links and the audit trail"))
    _db_option(check, argparse.SUPPRESS)
    check.add_argument(
        "--rebuild-totals",
        action="store_true",
        help=_("first work out the ledger totals kept for the anonymised export again from the ledger"),
    )

    settings = commands.add_parser(
        "settings", help=_("show or change the caseload's settings (security, reviews)")
    )
    _db_option(settings, argparse.SUPPRESS)
    settings.add_argument(
        "--lock-minutes", type=int, metavar="N", help=_("lock the app after N minutes without use")
    )
    settings.add_argument(
        "--backups-kept", type=int, metavar="N", help=_("keep the newest N automatic backups")
    )
    settings.add_argument(
        "--first-review-weeks",
        type=int,
        metavar="N",
        help=_("first, light-touch review N weeks after agreement (6-8)"),
    )
    settings.add_argument(
        "--review-interval-months", type=int, metavar="N", help=_("then review at least every N months")
    )
    settings.add_argument(
        "--export-threshold",
        type=int,
        metavar="N",
        help=_("anonymised exports: suppress counts of 1 to N-1 people (8 or more)"),
    )
    settings.add_argument(
        "--export-rounding",
        type=int,
        metavar="N",
        help=_("anonymised exports: round other counts to N (5 or more)"),
    )

    accounts = commands.add_parser(
        "accounts",
        help=_(
            "who may sign in: list, add, disable, enable, change role, reset password (passwords are asked for)"
        ),
    )
    _db_option(accounts, argparse.SUPPRESS)
    account_commands = accounts.add_subparsers(dest="accounts", required=True, metavar="ACTION")
    account_commands.add_parser("list", help=_("every account, its role, state and last sign-in"))
    add = account_commands.add_parser(
        "add", help=_("add an account; its password comes from PERSONALBUDGET_NEW_PASSWORD or is asked for")
    )
    add.add_argument("username")
    add.add_argument("--name", required=True, help=_("their name as records show it"))
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument(
        "--person",
        type=int,
        action="append",
        help=_("the id of the person a person, carer or broker account is for"),
    )
    add.add_argument("--team", default="", help=_("the practitioner's team"))
    add.add_argument("--manager", action="store_true", help=_("can manage accounts"))
    for action, words in (
        ("disable", _("stop an account signing in")),
        ("enable", _("let a disabled account sign in again")),
        ("reset-password", _("a one-time password; a new one is chosen at the next sign-in")),
    ):
        account_commands.add_parser(action, help=words).add_argument("username")
    change = account_commands.add_parser("role", help=_("change an account's role"))
    change.add_argument("username")
    change.add_argument("role", choices=[r.value for r in Role])
    change.add_argument(
        "--manager",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_("whether it manages accounts"),
    )
    for action_parser in account_commands.choices.values():  # --db after the action too
        _db_option(action_parser, argparse.SUPPRESS)

    encrypt = commands.add_parser("encrypt", help=_("encrypt an existing plain caseload database"))
    _db_option(encrypt, argparse.SUPPRESS)
    recover = commands.add_parser(
        "recover", help=_("open an encrypted caseload with its recovery key and give it a new key")
    )
    _db_option(recover, argparse.SUPPRESS)
    recover.add_argument(
        "--recovery-key-file",
        type=Path,
        metavar="FILE",
        help=_("read the recovery key from FILE (or set {env})").format(env=RECOVERY_KEY_ENV),
    )
    team = commands.add_parser(
        "team", help=_("a team caseload on a PostgreSQL server: set it up, upload a laptop's caseload to it")
    )
    team_commands = team.add_subparsers(dest="team", metavar="ACTION", required=True)
    setup = team_commands.add_parser(
        "setup",
        help=_("create the caseload's schema, roles and policies on an empty database (the DBA runs this)"),
    )
    upload = team_commands.add_parser(
        "upload",
        help=_("copy a laptop's caseload, with its history and audit trail, to an empty team caseload"),
    )
    for team_parser in (setup, upload):
        team_parser.add_argument("--yes", action="store_true", help=_("do it without asking first"))
    setup.add_argument(
        "--db",
        type=_db_location,
        required=True,
        metavar="URL",
        help=_("the team caseload: postgresql://host/dbname"),
    )
    upload.add_argument(
        "--db", type=Path, default=None, metavar="PATH", help=_("the laptop's caseload file to upload")
    )
    upload.add_argument(
        "--to",
        type=_db_location,
        required=True,
        metavar="URL",
        help=_("the team caseload: postgresql://host/dbname"),
    )
    # Offline visits (issue 22): a practitioner's, signed in as themselves.
    take = team_commands.add_parser(
        "take-offline",
        help=_("copy people from the team caseload to this laptop's caseload and hold them there"),
    )
    take.add_argument(
        "--db",
        type=_db_location,
        required=True,
        metavar="URL",
        help=_("the team caseload: postgresql://host/dbname"),
    )
    take.add_argument("--to", type=Path, required=True, metavar="PATH", help=_("the laptop's caseload file"))
    take.add_argument(
        "people", nargs="+", type=int, metavar="PERSON_ID", help=_("the people to take offline")
    )
    sync = team_commands.add_parser(
        "sync", help=_("send the laptop's changes back to the team caseload and release its holds")
    )
    sync.add_argument("--db", type=Path, required=True, metavar="PATH", help=_("the laptop's caseload file"))
    sync.add_argument(
        "--to",
        type=_db_location,
        required=True,
        metavar="URL",
        help=_("the team caseload: postgresql://host/dbname"),
    )
    sync.add_argument(
        "--keep",
        choices=("mine", "theirs"),
        default=None,
        help=_("settle every conflict this way (the laptop's or the server's values) and sync again"),
    )
    holds = team_commands.add_parser("holds", help=_("who holds which people offline, on which laptop"))
    holds.add_argument(
        "--db",
        type=_db_location,
        required=True,
        metavar="URL",
        help=_("the team caseload: postgresql://host/dbname"),
    )
    revoke = team_commands.add_parser(
        "revoke", help=_("revoke every hold of a lost or stolen laptop (a manager's)")
    )
    revoke.add_argument(
        "--db",
        type=_db_location,
        required=True,
        metavar="URL",
        help=_("the team caseload: postgresql://host/dbname"),
    )
    revoke.add_argument(
        "--laptop", required=True, metavar="NAME", help=_("the laptop's name, as 'team holds' shows it")
    )
    _language_everywhere(parser)
    return parser


# The words argparse shows people (Python 3.11), so that they are extracted and translated.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("can't open '%(filename)s': %(error)s"),
)


def _language_everywhere(parser: argparse.ArgumentParser) -> None:
    """Every command and sub-command takes --language, including those without a caseload (hub)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if not any("--language" in a.option_strings for a in sub._actions):
                    _language_option(sub, argparse.SUPPRESS)
                _language_everywhere(sub)


def default_keys() -> DatabaseKeys:
    """The OS keyring if there is one; otherwise the passphrase in PERSONALBUDGET_PASSPHRASE."""
    return DatabaseKeys(KeyringSecretStore(), passphrase_from_environment)


def run(
    argv: Sequence[str],
    open_app: OpenApp | None = None,
    keys: DatabaseKeys | None = None,
    check_front_end: self_test.FrontEndCheck | None = None,
) -> int:
    if argv and argv[0] == AFTER_CLOSE_COMMAND:  # the installed app's detached backup on closing
        return run_after_close(list(argv[1:]))
    set_language(_language_asked_for(argv) or default_language())
    # argparse's own words ("usage:", "options", its errors) come from our catalogue too.
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.self_test:
        if args.command is not None:
            parser.error(_("--self-test runs on its own, without a command"))
        from personalbudget import self_test

        return self_test.main(check_front_end)
    args.keys = keys or default_keys()
    try:
        if args.command is None:
            if args.language:  # the app reads its language itself; --language overrides the saved one
                os.environ[LANGUAGE_ENV] = args.language
            return (open_app or _installed_front_end())(args.db)
        if args.command in FILE_ONLY_COMMANDS:
            _caseload_file(args)  # a team caseload is refused in words, before anything is opened
        handler = _COMMANDS[args.command]
        return handler(args)
    except PersonalBudgetError as problem:
        print(f"personalbudget: {problem}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as problem:  # a path the user gave: name it (the path is theirs, not a record's)
        if os.environ.get("PERSONALBUDGET_DEBUG"):
            raise
        where = problem.filename if problem.filename is not None else ""
        print(
            "personalbudget: "
            + _("cannot use {path}: {reason}. Check the path and that you may write there.").format(
                path=where, reason=problem.strerror or type(problem).__name__
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
    except Exception as problem:
        if os.environ.get("PERSONALBUDGET_DEBUG"):
            raise
        # No details: an exception's text can carry personal data from a record.
        print(
            "personalbudget: "
            + _(
                "unexpected error ({kind}); nothing was half-saved. Run again with PERSONALBUDGET_DEBUG=1 for details."
            ).format(kind=type(problem).__name__),
            file=sys.stderr,
        )
        return EXIT_ERROR


def _installed_front_end() -> OpenApp:
    """The desktop front end, found through its entry point so the core never imports Qt."""
    for entry in entry_points(group="personalbudget.frontends"):
        return entry.load()
    raise PersonalBudgetError(
        _("The desktop app is not installed. Install PersonalBudget with its front end, or use a command.")
    )


def _existing_database(args: argparse.Namespace) -> Database:
    return _services(args).context.db.database


def _services(args: argparse.Namespace, *, create: bool = False) -> Services:
    """Open the caseload for a command. Only commands that make a caseload (demo) may create one:
    a mistyped --db must not quietly become a new, empty caseload."""
    if is_team_caseload(args.db):
        return _team_services(args)
    path = _caseload_file(args)
    if not create and (not path.exists() or (path.is_file() and path.stat().st_size == 0)):
        raise PersonalBudgetError(
            _(
                "There is no caseload at {file}. Check the path; to start a new caseload, open the app "
                "or build a demo with 'personalbudget demo'."
            ).format(file=path)
        )
    database = open_database(path, args.keys)
    if database.new_recovery_key and database.created:  # one never acknowledged waits for the app
        _announce_recovery_key(database.path, database.new_recovery_key)
        database.acknowledge_recovery_key()  # printed: the command line has shown it
    user = _sign_in(database)
    if user is None:  # a caseload without accounts: nobody signs in, only roles apply
        return build_services(database, SystemClock(), _actor())
    return build_services(database, SystemClock(), user.username, role=user.role)


def _caseload_file(args: argparse.Namespace) -> Path:
    """--db as a caseload file (what file-only commands work on: backups, keys, checks of the file)."""
    if is_team_caseload(args.db):
        raise PersonalBudgetError(
            _(
                "'{command}' works on a caseload file on this computer, and {db} is a team caseload on a "
                "server. Its backups and checks are the database administrator's (pg_dump): see docs/team.md."
            ).format(command=args.command, db=args.db)
        )
    return Path(args.db) if args.db else default_database_path()


def _team_sign_in(args: argparse.Namespace) -> tuple[Database, SignedInUser]:
    """A team caseload: the person signs in as themselves (their PostgreSQL login role); the password
    from PERSONALBUDGET_PASSWORD or asked at the terminal goes to the server only. With neither (no
    terminal), libpq uses what the council set up (Kerberos, a .pgpass)."""
    name = os.environ.get(USER_ENV, "")
    password = os.environ.get(PASSWORD_ENV, "")
    if sys.stdin.isatty():
        if not name:
            name = input(_("User name: "))
        if not password:
            password = getpass.getpass(_("Password (empty to use the sign-in set up on this computer): "))
    name = name or team_username(str(args.db)) or _actor()
    return open_team_caseload(str(args.db), name, password, SystemClock())


def _team_services(args: argparse.Namespace) -> Services:
    database, user = _team_sign_in(args)
    return build_services(database, SystemClock(), user.username, role=user.role)


def _sign_in(database: Database) -> SignedInUser | None:
    """On a caseload with accounts, every command acts as one: PERSONALBUDGET_USER and
    PERSONALBUDGET_PASSWORD, or asked for at the terminal (never an argument)."""
    users = UserService(ActingDatabase(database, "sign-in"), SystemClock())
    if not users.has_users():
        return None
    name, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if not (name and password) and not sys.stdin.isatty():
        database.close()
        raise PersonalBudgetError(
            _(
                "This caseload has accounts: sign in with {user} and {password} set, or run the command at a terminal."
            ).format(user=USER_ENV, password=PASSWORD_ENV)
        )
    if not name:
        name = input(_("User name: "))
    if not password:
        password = getpass.getpass(_("Password: "))
    try:
        user = users.sign_in(name, password)
    except PersonalBudgetError:
        database.close()
        raise
    if user.must_change_password:
        database.close()
        raise PersonalBudgetError(
            _("{name} must choose a new password first: sign in to the app, which asks for one.").format(
                name=user.username
            )
        )
    return user


def _new_password(confirm: bool = True) -> str:
    """A new password from PERSONALBUDGET_NEW_PASSWORD, or typed twice at the terminal; never an argument."""
    password = os.environ.get(NEW_PASSWORD_ENV, "")
    if password:
        return password
    if not sys.stdin.isatty():
        raise PersonalBudgetError(
            _("Give the new password in {env}, or run the command at a terminal.").format(
                env=NEW_PASSWORD_ENV
            )
        )
    password = getpass.getpass(_("New password: "))
    if confirm and getpass.getpass(_("The same password again: ")) != password:
        raise PersonalBudgetError(_("The two passwords are not the same. Nothing was changed."))
    return password


def _accounts(args: argparse.Namespace) -> int:
    """``personalbudget accounts list | add | disable | enable | role | reset-password``."""
    team_user: SignedInUser | None = None
    if is_team_caseload(args.db):  # signed in to the server as their own login role first
        database, team_user = _team_sign_in(args)
    else:
        path = _caseload_file(args)
        if not path.exists():
            raise PersonalBudgetError(_("There is no caseload at {file}. Check the path.").format(file=path))
        database = open_database(path, args.keys)
    try:
        users = UserService(
            ActingDatabase(database, team_user.username if team_user else "accounts"), SystemClock()
        )
        first = not users.has_users()
        if first and args.accounts == "add":
            made = users.create_user(
                args.username, args.name, _new_password(), Role(args.role), team=args.team
            )
            print(_("Added {name}, the first account: it manages accounts.").format(name=made.username))
            return 0
        if first:
            print(_("This caseload has no accounts yet. Add the first with 'personalbudget accounts add'."))
            return 0
        manager = team_user or _sign_in(database)
        assert manager is not None
        users = UserService(ActingDatabase(database, manager.username), SystemClock())
        if args.accounts == "list":
            _print_accounts(users.accounts(manager))
        elif args.accounts == "add":
            made = users.create_user(
                args.username,
                args.name,
                _new_password(),
                Role(args.role),
                can_manage_users=args.manager,
                by=manager,
                people=tuple(args.person or ()),
                team=args.team,
            )
            print(_("Added {name} ({role}).").format(name=made.username, role=made.role.label))
        elif args.accounts in ("disable", "enable"):
            users.set_active(args.username, args.accounts == "enable", manager)
            done = (
                _("Enabled {name}.")
                if args.accounts == "enable"
                else _("Disabled {name}: it can no longer sign in.")
            )
            print(done.format(name=args.username))
        elif args.accounts == "role":
            users.set_role(args.username, Role(args.role), manager, can_manage_users=args.manager)
            print(_("{name} is now {role}.").format(name=args.username, role=Role(args.role).label))
        elif args.accounts == "reset-password":
            users.reset_password(args.username, _new_password(), manager)
            print(
                _("Reset the password of {name}: they choose a new one when they next sign in.").format(
                    name=args.username
                )
            )
        return 0
    finally:
        database.close()


def _print_accounts(accounts: list[AccountView]) -> None:
    header = (
        _("User name"),
        _("Name"),
        _("Role"),
        _("Manages accounts"),
        _("State"),
        _("Last sign-in"),
        _("People"),
    )
    lines = [header]
    now = SystemClock().now()
    for a in accounts:
        state = _("active") if a.active else _("disabled")
        if a.locked_until is not None and a.locked_until > now:
            state = _("locked until {time}").format(time=format_time(a.locked_until))
        elif a.must_change_password:
            state = _("new password at next sign-in")
        last = (
            format_date(a.last_sign_in_at.date()) + " " + format_time(a.last_sign_in_at)
            if a.last_sign_in_at
            else _("never")
        )
        lines.append(
            (
                a.username,
                a.display_name,
                a.role.label,
                _("yes") if a.can_manage_users else _("no"),
                state,
                last,
                ", ".join(str(p) for p in a.people),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _announce_recovery_key(path: Path, recovery_key: str) -> None:
    print(
        _(
            "Created the encrypted caseload {file}. Its recovery key is shown only this once: write it down "
            "and keep it somewhere safe, away from this computer. Without it, a lost keyring or passphrase "
            "means the caseload cannot be opened.\n\n    {key}\n"
        ).format(file=path, key=recovery_key),
        file=sys.stderr,
    )


def _encrypt(args: argparse.Namespace) -> int:
    path = _caseload_file(args)
    recovery = encrypt_database(path, args.keys)
    print(_("Encrypted {file}.").format(file=path))
    _announce_recovery_key(path, recovery)
    return 0


def _recover(args: argparse.Namespace) -> int:
    """Open an encrypted caseload with its recovery key and give it a new key kept on this computer."""
    path = _caseload_file(args)
    text = os.environ.get(RECOVERY_KEY_ENV, "")
    if args.recovery_key_file:
        text = args.recovery_key_file.read_text(encoding="utf-8")
    if not text and sys.stdin.isatty():
        text = getpass.getpass(_("Recovery key: "))
    if not text.strip():
        raise PersonalBudgetError(
            _("Give the recovery key: in {env}, with --recovery-key-file, or when asked.").format(
                env=RECOVERY_KEY_ENV
            )
        )
    new_recovery = recover_database(path, text, args.keys)
    print(
        _("{file} now has a new key, kept on this computer. The old recovery key no longer opens it.").format(
            file=path
        )
    )
    _announce_recovery_key(path, new_recovery)
    return 0


def _demo(args: argparse.Namespace) -> int:
    if not 1 <= args.people <= MAX_DEMO_PEOPLE:  # before anything is created
        raise PersonalBudgetError(_("Choose between 1 and {n} demo people.").format(n=MAX_DEMO_PEOPLE))
    services = _services(args, create=True)
    try:
        added = build_demo_caseload(services.context, people=args.people, seed=args.seed)
    finally:
        services.context.db.close()
    print(
        ngettext("Added {n} demo person to {file}.", "Added {n} demo people to {file}.", added).format(
            n=added, file=services.context.db.path
        )
    )
    return 0


def _people(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        rows = services.people.list_caseload()
    finally:
        services.context.db.close()
    if args.json:
        json.dump(
            [
                {
                    "id": r.person_id,
                    "name": r.name,
                    "step": int(r.step) if r.step else None,
                    "step_title": r.step.title if r.step else None,
                    "cycle_open": r.cycle_open,
                    "nhs_number": r.nhs_number,
                    "age": r.age,
                    "locality": r.locality,
                    "primary_support_reason": r.primary_support_reason,
                    "next_review_due": r.next_review_due.isoformat() if r.next_review_due else None,
                    "review_overdue": r.review_overdue,
                }
                for r in rows
            ],
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        print()
        return 0
    header = (_("ID"), _("Name"), _("NHS number"), _("Age"), _("Locality"), _("Step"), _("Next review"))
    lines = [header]
    for r in rows:
        review = format_date(r.next_review_due)
        if r.review_overdue:
            review += " " + _("(overdue)")
        step = f"{int(r.step)} {r.step.title}" if r.step else ""
        if not r.cycle_open:
            step = _("Budget ended")
        nhs = display_nhs(r.nhs_number) if r.nhs_number else ""
        lines.append((str(r.person_id), r.name, nhs, str(r.age), r.locality, step, review))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    print(ngettext("{n} person", "{n} people", len(rows)).format(n=len(rows)))
    return 0


def _report(args: argparse.Namespace) -> int:
    if args.report == "statement":
        return _report_statement(args)
    if args.report == "review":
        return _report_review(args)
    services = _services(args)
    try:
        write = services.reports.write_easy_read_plan if args.easy_read else services.reports.write_plan
        path = write(args.person, args.out, args.plan_version)
    finally:
        services.context.db.close()
    print(_("Wrote {file}.").format(file=path))
    return 0


def _day(text: str, option: str) -> date:
    try:
        return parse_date(text)
    except ValueError as problem:
        raise PersonalBudgetError(f"{option}: {problem}") from None


def _report_review(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        path = services.reports.write_review(args.person, args.out, args.review)
    finally:
        services.context.db.close()
    print(_("Wrote {file}.").format(file=path))
    return 0


def _report_statement(args: argparse.Namespace) -> int:
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    services = _services(args)
    try:
        path = services.reports.write_statement(args.person, start, end, args.out)
    finally:
        services.context.db.close()
    print(_("Wrote {file}.").format(file=path))
    return 0


def _import_statement(args: argparse.Namespace) -> int:
    services = _services(args)
    choice = {"keep": True, "skip": False}.get(args.near_duplicates or "")
    try:
        report = services.statement_imports.import_file(
            args.person, args.file, args.mapping, keep_near_duplicates=choice
        )
    except StatementError as problem:
        # One line: what is wrong, and the first place it is wrong.
        where = problem.problems[0].describe() if problem.problems else ""
        more = problem.total_problems - 1
        line = " ".join(part for part in (problem.summary.replace("\n", " "), where) if part)
        if more > 0:
            line += " " + _("(and {n} more)").format(n=more)
        if isinstance(problem, NearDuplicatesFound):
            line += " " + _("Run it again with --near-duplicates keep or --near-duplicates skip.")
        print(f"personalbudget: {line}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        services.context.db.close()
    for line in report.lines():
        print(line)
    return 0


def _audit(args: argparse.Namespace) -> int:
    database = _existing_database(args)
    try:
        connection = database.connect_raw(read_only=True)
        try:
            report = audit.verify(connection)
        finally:
            connection.close()
    finally:
        database.close()
    if report.ok:
        print(
            ngettext(
                "Audit trail OK: {n} event; latest hash {hash}",
                "Audit trail OK: {n} events; latest hash {hash}",
                report.events,
            ).format(n=report.events, hash=report.head)
        )
        return 0
    return _problems(report.problems)


def _problems(problems: list[str]) -> int:
    """Each problem on its own line on stderr, and the error exit code."""
    for problem in problems:
        print(f"personalbudget: {problem}", file=sys.stderr)
    return EXIT_ERROR


def _backup(args: argparse.Namespace) -> int:
    database = _existing_database(args)
    try:
        path = make_backup(database, "manual", args.out)
    finally:
        database.close()
    print(_("Backed up to {file}.").format(file=path))
    return 0


def _restore(args: argparse.Namespace) -> int:
    target = _caseload_file(args)
    restore_backup(args.backup, target, args.keys)
    print(_("Restored {file} from {backup}.").format(file=target, backup=args.backup))
    return 0


def _check(args: argparse.Namespace) -> int:
    services = _services(args)
    database = services.context.db.database
    try:
        if args.rebuild_totals:
            services.ledger.rebuild_kept_totals()
        report = check_database(database)
        impossible = services.ledger.impossible_figures() + services.ledger.kept_totals_disagreeing()
    finally:
        database.close()
    if impossible:
        return _problems([*report.problems, *impossible])
    if report.ok:
        events = report.audit.events if report.audit else 0
        print(
            ngettext(
                "Check OK: integrity ok, no broken links, audit trail of {n} event intact.",
                "Check OK: integrity ok, no broken links, audit trail of {n} events intact.",
                events,
            ).format(n=events)
        )
        return 0
    return _problems(report.problems)


def _settings(args: argparse.Namespace) -> int:
    """Show, and change where asked, the caseload's settings (kept in the caseload, shared by its users)."""
    services = _services(args)
    try:
        security = services.settings.security()
        if args.lock_minutes is not None or args.backups_kept is not None:
            security = services.settings.save_security(
                replace(
                    security,
                    lock_minutes=security.lock_minutes if args.lock_minutes is None else args.lock_minutes,
                    backups_kept=security.backups_kept if args.backups_kept is None else args.backups_kept,
                )
            )
        review = services.settings.review()
        if args.first_review_weeks is not None or args.review_interval_months is not None:
            weeks, months = args.first_review_weeks, args.review_interval_months
            review = services.settings.save_review(
                replace(
                    review,
                    first_review_weeks=review.first_review_weeks if weeks is None else weeks,
                    review_interval_months=review.review_interval_months if months is None else months,
                )
            )
        disclosure = services.settings.disclosure()
        if args.export_threshold is not None or args.export_rounding is not None:
            threshold, base = args.export_threshold, args.export_rounding
            disclosure = services.settings.save_disclosure(
                replace(
                    disclosure,
                    threshold=disclosure.threshold if threshold is None else threshold,
                    min_contributors=disclosure.min_contributors if threshold is None else threshold,
                    base=disclosure.base if base is None else base,
                )
            )
    finally:
        services.context.db.close()
    print(
        (
            ngettext(
                "Lock after {m} minute without use; ",
                "Lock after {m} minutes without use; ",
                security.lock_minutes,
            )
            + ngettext("keep {n} automatic backup.", "keep {n} automatic backups.", security.backups_kept)
        ).format(m=security.lock_minutes, n=security.backups_kept)
    )
    print(
        (
            ngettext(
                "First review {w} week after agreement, ",
                "First review {w} weeks after agreement, ",
                review.first_review_weeks,
            )
            + ngettext(
                "then at least every {i} month.",
                "then at least every {i} months.",
                review.review_interval_months,
            )
        ).format(w=review.first_review_weeks, i=review.review_interval_months)
    )
    print(
        _(
            "Anonymised exports: counts of 1 to {s} people suppressed, others rounded to {b}; totals and "
            "medians from {n} people."
        ).format(s=disclosure.threshold - 1, b=disclosure.base, n=disclosure.min_contributors)
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    handler = _EXPORT_COMMANDS.get(args.export_command)
    if handler is None:
        raise PersonalBudgetError(_("Unknown export '{what}'.").format(what=args.export_command))
    return handler(args)


def _export_aggregates(args: argparse.Namespace) -> int:
    from personalbudget.services.export_service import financial_year

    start = _day(args.start, "--from") if args.start else None
    end = _day(args.end, "--to") if args.end else None
    services = _services(args)
    try:
        default_start, default_end = financial_year(services.context.clock.today())
        result = services.export.export(start or default_start, end or default_end, args.out)
    finally:
        services.context.db.close()
    assert result is not None  # nothing cancels a command-line export
    print(
        ngettext(
            "Wrote {n} file of anonymised aggregates to {folder} (content hash {hash}).",
            "Wrote {n} files of anonymised aggregates to {folder} (content hash {hash}).",
            len(result.files),
        ).format(n=len(result.files), folder=result.out_dir, hash=result.content_hash[:16])
    )
    return 0


# Other exports ('export contribution') add their handler here.
_EXPORT_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "aggregates": _export_aggregates,
    "contribution": lambda args: hub_commands.export_contribution(args, _services),
}


def _server_address(value: object, option: str) -> str:
    if not is_team_caseload(value):
        raise PersonalBudgetError(
            _("{option} must be a team caseload's address, postgresql://host/dbname.").format(option=option)
        )
    return str(value)


def _go_ahead(args: argparse.Namespace, plan: list[str]) -> bool:
    """Print what will be done; go on with --yes, or when the person at the terminal says so."""
    for line in plan:
        print(line)
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise PersonalBudgetError(_("Nothing was done: run it at a terminal to be asked, or add --yes."))
    answer = input(_("Go ahead? [y/N] ")).strip().lower()
    if answer not in (_("y"), _("yes"), "y", "yes"):
        print(_("Nothing was done."))
        return False
    return True


def _team(args: argparse.Namespace) -> int:
    """``personalbudget team ACTION``: each action is its own function in ``_TEAM_COMMANDS``."""
    return _TEAM_COMMANDS[args.team](args)


def _team_setup(args: argparse.Namespace) -> int:
    """``team setup``: run by the council's database administrator, who connects with their own role
    (the URL's user; the password from PGPASSWORD, a .pgpass, Kerberos, or asked at the terminal)."""
    from personalbudget.storage import server

    address = _server_address(args.db, "--db")
    url = server.server_url(address)
    plan = [
        _("On {server}, as {user}:").format(server=server.describe(url), user=url.username or _actor()),
        _("  1. create the caseload's tables (the migrations, up to schema {head});").format(
            head=_head_revision()
        ),
        _("  2. apply the server's security: the login roles' groups, grants, row-level security policies"),
        _("     and the audit trigger that writes the audit trail on the server;"),
        _("  all in one transaction. The database must be empty. Nothing else is changed."),
    ]
    if not _go_ahead(args, plan):
        return 0
    where = server.set_up_team_caseload(_with_dba_password(address))
    print(
        _("{server} is set up as a team caseload (schema {head}).").format(
            server=where, head=_head_revision()
        )
    )
    print(
        _(
            "Next: add the team's accounts (each is a PostgreSQL login role), or upload a laptop's "
            "caseload with 'personalbudget team upload --db FILE --to {address}'."
        ).format(address=address)
    )
    return 0


def _team_upload(args: argparse.Namespace) -> int:
    """``team upload``: the database administrator's, as ``team setup``."""
    from personalbudget.storage import server, upload

    address = _server_address(args.to, "--to")
    url = server.server_url(address)
    source_path = _caseload_file(args)
    if not source_path.exists():
        raise PersonalBudgetError(
            _("There is no caseload at {file}. Check the path.").format(file=source_path)
        )
    plan = [
        _("Copy the caseload {file} to the team caseload {server}:").format(
            file=source_path, server=server.describe(url)
        ),
        _("  every record with its history and the audit trail, in one transaction (all or nothing);"),
        _("  the team caseload must hold no records yet (an empty database is set up first)."),
        _("  The file on this computer is not changed."),
    ]
    if not _go_ahead(args, plan):
        return 0
    database = open_database(source_path, args.keys)
    try:
        report = upload.upload_caseload(database, _with_dba_password(address))
    finally:
        database.close()
    print(
        ngettext("Uploaded {n} row to {server}:", "Uploaded {n} rows to {server}:", report.total).format(
            n=report.total, server=report.target
        )
    )
    for table, count in report.rows.items():
        if count:
            print(f"  {table}: {count}")
    print(_("Check it: personalbudget audit verify --db {address}").format(address=address))
    return 0


def _signed_in_to_team(
    args: argparse.Namespace, option: str, action: Callable[[argparse.Namespace, Database], int]
) -> int:
    """Offline visits (issue 22): the team caseload at ``option`` (--db or --to) opened as the person
    signed in (``_team_sign_in``), ``action`` run on it, and the connection closed however it ends."""
    address = _server_address(getattr(args, option.removeprefix("--")), option)
    server, _user = _team_sign_in(argparse.Namespace(db=address))
    try:
        return action(args, server)
    finally:
        server.close()


def _take_offline(args: argparse.Namespace, server: Database) -> int:
    from personalbudget.services import offline_service

    taken = offline_service.take_offline(server, args.to, args.keys, args.people)
    print(
        ngettext(
            "Took {n} person offline to {file}: their records are read-only on the team caseload until you sync.",
            "Took {n} people offline to {file}: their records are read-only on the team caseload until you sync.",
            len(taken.people),
        ).format(n=len(taken.people), file=taken.laptop)
    )
    return 0


def _holds(args: argparse.Namespace, server: Database) -> int:
    from personalbudget.services import offline_service

    for hold in offline_service.holds(server):
        state = _(" (revoked)") if hold.revoked else ""
        print(
            _("Person {id}: held by {holder} on {laptop} since {since}{state}").format(
                id=hold.person_id, holder=hold.holder, laptop=hold.laptop, since=hold.since, state=state
            )
        )
    return 0


def _revoke(args: argparse.Namespace, server: Database) -> int:
    from personalbudget.services import offline_service

    count = offline_service.revoke_laptop_holds(server, args.laptop)
    print(
        ngettext("Revoked {n} hold of {laptop}.", "Revoked {n} holds of {laptop}.", count).format(
            n=count, laptop=args.laptop
        )
    )
    return 0


def _sync(args: argparse.Namespace, server: Database) -> int:
    from personalbudget.services import offline_service

    laptop = open_database(args.db, args.keys)
    try:
        report = offline_service.sync(laptop, server)
        if args.keep and report.with_conflicts:
            choice = offline_service.KEEP_MINE if args.keep == "mine" else offline_service.KEEP_THEIRS
            for person in report.with_conflicts:
                offline_service.resolve(
                    laptop, person, {(c.table, c.row_id): {"*": choice} for c in person.conflicts}
                )
            report = offline_service.sync(laptop, server)
    finally:
        laptop.close()
    print(
        ngettext("Synced {n} person.", "Synced {n} people.", len(report.applied)).format(
            n=len(report.applied)
        )
    )
    for person in report.with_conflicts:
        print(
            _("Person {id}: nothing sent yet, these differ from the team caseload:").format(
                id=person.person_id
            )
        )
        for view in report.conflicts_of(person.person_id):
            print(f"  {view.record} ({view.row_id}): {view.reason}")
            for f in view.fields:
                print(
                    "    "
                    + _("{field}: yours {mine}; the server's {theirs}; when taken offline {original}").format(
                        field=f.field, mine=f.mine, theirs=f.theirs, original=f.original
                    )
                )
    if report.unsent:
        print(
            _("Not sent (kept on this laptop): {what}. Make these changes on the team caseload.").format(
                what=", ".join(f"{table} ({count})" for table, count in sorted(report.unsent.items()))
            )
        )
    if report.with_conflicts:
        print(_("Settle them in the app, or run this again with --keep mine or --keep theirs."))
        return EXIT_ERROR
    return 0


_TEAM_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "setup": _team_setup,
    "upload": _team_upload,
    # A practitioner's (revoke: a manager's), signed in to the team caseload as themselves.
    "take-offline": lambda args: _signed_in_to_team(args, "--db", _take_offline),
    "sync": lambda args: _signed_in_to_team(args, "--to", _sync),
    "holds": lambda args: _signed_in_to_team(args, "--db", _holds),
    "revoke": lambda args: _signed_in_to_team(args, "--db", _revoke),
}


def _head_revision() -> str:
    from personalbudget.storage.database import head_revision

    return head_revision()


def _with_dba_password(address: str) -> URL:
    """The URL as the DBA's connection: libpq's own password sources first; asked at a terminal when
    the server wants one and none was found."""
    from personalbudget.storage import server

    url = server.server_url(address)
    if url.password or os.environ.get("PGPASSWORD") or not sys.stdin.isatty():
        return url
    engine = server.make_server_engine(url)
    try:
        server.check_reachable(engine, url)
        return url
    except server.ServerConnectionError:
        password = getpass.getpass(
            _("Password for {user} on {server}: ").format(
                user=url.username or _actor(), server=server.describe(url)
            )
        )
        return server.server_url(address, password=password)
    finally:
        engine.dispose()


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "team": _team,
    "export": _export,
    "hub": hub_commands.run_hub,
    "settings": _settings,
    "backup": _backup,
    "restore": _restore,
    "check": _check,
    "audit": _audit,
    "demo": _demo,
    "people": _people,
    "report": _report,
    "import-statement": _import_statement,
    "encrypt": _encrypt,
    "recover": _recover,
    "accounts": _accounts,
}


def main() -> int:
    return run(sys.argv[1:])
