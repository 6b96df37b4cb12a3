"""The command-line side of contributions and the strategic hub (used by ``personalbudget.cli``).

- ``personalbudget export contribution --db PATH --out FILE --hub-key FILE [--from --to]``
- ``personalbudget hub init --dir HUBDIR [--use-passphrase]``
- ``personalbudget hub merge FILES... --hub-dir HUBDIR --out DIR [--from --to] [thresholds]``

Kept here so ``cli.py`` only registers the parsers and dispatches.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from personalbudget.clock import SystemClock
from personalbudget.domain.dates_and_amounts import parse_date
from personalbudget.domain.monitoring import budget_year
from personalbudget.errors import PersonalBudgetError
from personalbudget.export.contribution import (
    ANONYMISED_NOTICE,
    PSEUDONYMISED_NOTICE,
    SUFFIX,
)
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub import (
    HUB_PASSPHRASE_ENV,
    PUBLIC_KEY_FILE,
    HubPublicKey,
    create_hub,
    open_hub,
)
from personalbudget.export.hub_publish import check_rules, publish_merge
from personalbudget.i18n import _, ngettext
from personalbudget.storage.keys import KeyringSecretStore, SecretStore

OpenServices = Callable[[argparse.Namespace], Any]  # cli._services: the caseload for a command


def default_hub_secrets() -> SecretStore:
    """The operating system's keyring (tests replace this with an in-memory one)."""
    return KeyringSecretStore()


def hub_passphrase(creating: bool) -> str | None:
    """PERSONALBUDGET_HUB_PASSPHRASE, else ask on the terminal (twice when choosing a new one)."""
    value = os.environ.get(HUB_PASSPHRASE_ENV)
    if value or not sys.stdin.isatty():
        return value or None
    if not creating:
        return getpass.getpass(_("Hub passphrase: ")) or None
    first = getpass.getpass(_("Choose a passphrase for the hub's private key: "))
    if first != getpass.getpass(_("Type it again: ")):
        raise PersonalBudgetError(_("The two passphrases differ. Nothing has been created."))
    return first or None


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as problem:
        raise PersonalBudgetError(f"{option}: {problem}") from None


def _period_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--from", dest="start", metavar="DATE", help=what)
    parser.add_argument("--to", dest="end", metavar="DATE", help=_("last day of the period"))


# -- export contribution (on a laptop) -----------------------------------------------------------


def add_contribution_parser(
    export_commands: Any, db_option: Callable[[argparse.ArgumentParser, object], None]
) -> None:
    """``export contribution`` under the ``export`` command's subparsers."""
    contribution = export_commands.add_parser(
        "contribution",
        help=_("the caseload's records for the strategic hub, pseudonymised and encrypted to the hub"),
        description=_(
            "Writes this caseload's unsuppressed minimum dataset for the strategic hub, pseudonymised with "
            "the hub's keyed hash and encrypted to the hub's public key: only the hub can open it, not this "
            "laptop. "
        )
        + _(PSEUDONYMISED_NOTICE)
        + " "
        + _(ANONYMISED_NOTICE),
    )
    db_option(contribution, argparse.SUPPRESS)
    contribution.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help=_("where to write it (e.g. laptop{suffix})").format(suffix=SUFFIX),
    )
    contribution.add_argument(
        "--hub-key",
        type=Path,
        required=True,
        metavar="FILE",
        help=_("the hub's {file}, from the strategic hub").format(file=PUBLIC_KEY_FILE),
    )
    _period_options(contribution, _("first day of the period (default: this financial year)"))


def export_contribution(args: argparse.Namespace, open_services: OpenServices) -> int:
    hub_public = HubPublicKey.read(args.hub_key)  # before the caseload is opened
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    services = open_services(args)
    try:
        default_from, default_to = budget_year(services.context.clock.today())  # the financial year
        start, end = start or default_from, end or default_to
        summary = services.export.contribution(args.out, hub_public, start, end)
    finally:
        services.context.db.close()
    print(
        ngettext(
            "Wrote {file}: {n} person, {start} to {end}, encrypted for hub {hub}.",
            "Wrote {file}: {n} people, {start} to {end}, encrypted for hub {hub}.",
            summary.people,
        ).format(
            file=summary.path,
            n=summary.people,
            start=start.isoformat(),
            end=end.isoformat(),
            hub=summary.hub_id[:8],
        )
    )
    if summary.fallback_keys:
        print(
            _(
                "{n} of them have no NHS number: the hub can match them only on name and date of birth."
            ).format(n=summary.fallback_keys)
        )
    print(_(PSEUDONYMISED_NOTICE))
    return 0


# -- hub init / hub merge (at the strategic hub) -------------------------------------------------


def add_hub_parser(commands: Any) -> None:
    hub = commands.add_parser(
        "hub",
        help=_("the strategic hub: make its keys, merge contributions into published tables"),
        description=_(PSEUDONYMISED_NOTICE) + " " + _(ANONYMISED_NOTICE),
    )
    actions = hub.add_subparsers(dest="hub_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help=_("make the hub's key pair and pseudonymisation key in a new hub folder"),
        description=_(
            "Makes the hub's keys. Give {file} to the laptops that contribute; the private key stays on "
            "this computer, in its keyring or (where there is none) in a file protected by a passphrase "
            "({env})."
        ).format(file=PUBLIC_KEY_FILE, env=HUB_PASSPHRASE_ENV),
    )
    init.add_argument("--dir", type=Path, required=True, metavar="HUBDIR", help=_("the new hub folder"))
    init.add_argument(
        "--use-passphrase",
        action="store_true",
        help=_("keep the private key in a passphrase-protected file even if there is a keyring"),
    )
    defaults = DisclosureRules()
    merge = actions.add_parser(
        "merge",
        help=_("open contributions, count each person once, apply disclosure control, write the tables"),
        description=_(
            "Opens and checks every contribution first (one bad file stops the merge, and nothing is "
            "written), counts people found on several laptops once (the latest plan wins), then applies "
            "disclosure control once and writes the published tables. "
        )
        + _(ANONYMISED_NOTICE),
    )
    merge.add_argument("files", type=Path, nargs="+", metavar="FILE", help=_("contribution files"))
    merge.add_argument(
        "--hub-dir", type=Path, required=True, metavar="HUBDIR", help=_("the hub folder made by 'hub init'")
    )
    merge.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help=_("the folder for the published tables")
    )
    _period_options(merge, _("first day of the period (default: the contributions' own)"))
    merge.add_argument(
        "--threshold",
        type=int,
        default=defaults.threshold,
        metavar="N",
        help=_("suppress counts from 1 to N-1 (default {n}; only stricter rules are allowed)").format(
            n=defaults.threshold
        ),
    )
    merge.add_argument(
        "--rounding-base",
        type=int,
        default=defaults.base,
        metavar="N",
        help=_("round other counts to a multiple of N (default {n})").format(n=defaults.base),
    )
    merge.add_argument(
        "--min-contributors",
        type=int,
        default=defaults.min_contributors,
        metavar="N",
        help=_("sums and medians only from at least N people (default {n})").format(
            n=defaults.min_contributors
        ),
    )
    merge.add_argument(
        "--dominance",
        default=str(float(defaults.dominance)),
        metavar="SHARE",
        help=_("suppress a sum where the two largest exceed this share (default {n})").format(
            n=float(defaults.dominance)
        ),
    )


def _rules(args: argparse.Namespace) -> DisclosureRules:
    try:
        dominance = Fraction(args.dominance)
    except (ValueError, ZeroDivisionError):
        dominance = Fraction(-1)
    if not 0 < dominance <= 1:
        raise PersonalBudgetError(_("--dominance: give a share between 0 and 1, such as 0.9."))
    return check_rules(
        DisclosureRules(
            threshold=args.threshold,
            base=args.rounding_base,
            min_contributors=args.min_contributors,
            dominance=dominance,
        )
    )


def run_hub(args: argparse.Namespace) -> int:
    if args.hub_command == "init":
        return _hub_init(args)
    return _hub_merge(args)


def _hub_init(args: argparse.Namespace) -> int:
    hub = create_hub(
        args.dir,
        default_hub_secrets(),
        hub_passphrase,
        SystemClock().now(),
        use_keyring=not args.use_passphrase,
    )
    print(_("Made hub {hub} in {folder}.").format(hub=hub.public.hub_id[:8], folder=args.dir))
    print(
        _(
            "Give {file} to every laptop that contributes. It holds no private key, but keep it within the "
            "council: it holds the key that pseudonymises people."
        ).format(file=args.dir / PUBLIC_KEY_FILE)
    )
    print(_(PSEUDONYMISED_NOTICE))
    return 0


def _hub_merge(args: argparse.Namespace) -> int:
    rules = _rules(args)
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    hub = open_hub(args.hub_dir, default_hub_secrets(), hub_passphrase)
    outcome = publish_merge(args.files, hub, args.out, rules, SystemClock(), start, end)
    for line in outcome.lines:
        print(line)
    print(_(ANONYMISED_NOTICE))
    return 0
