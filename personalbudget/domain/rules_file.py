"""Reading the council-replaceable rules files (the RAS, charging rules, PA rates): TOML read once,
every mistake named, a missing or unreadable file a DefinitionError rather than a crash."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from personalbudget.errors import DefinitionError
from personalbudget.i18n import _


def read_rules_file(path: Path) -> dict[str, Any]:
    """The file's TOML, or a DefinitionError naming the file and what is wrong with it."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise DefinitionError(str(path), [_("the file does not exist")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as problem:
        raise DefinitionError(
            path.name, [_("it is not valid TOML: {problem}").format(problem=problem)]
        ) from None


def section(data: dict[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    """The ``[name]`` table, or {} with the problem noted."""
    value = data.get(name)
    if not isinstance(value, dict):
        problems.append(_("the [{name}] section is missing").format(name=name))
        return {}
    return value


def validity_dates(head: dict[str, Any], where: str, problems: list[str]) -> dict[str, date]:
    """``valid_from`` and ``valid_to`` of the file's head table (a placeholder date where wrong)."""
    dates = {}
    for key in ("valid_from", "valid_to"):
        value = head.get(key)
        if not isinstance(value, date):
            problems.append(_("{where}.{key}: a date such as 2026-04-06").format(where=where, key=key))
            value = date(2000, 1, 1)
        dates[key] = value
    return dates
