#!/usr/bin/env python3
"""Extract, update, compile and check PersonalBudget's message catalogues (Babel's pybabel).

Run with the project's environment, from anywhere:

    .venv/bin/python scripts/translations.py extract   # the code -> resources/translations/personalbudget.pot
    .venv/bin/python scripts/translations.py update    # the .pot -> the Welsh .po (new messages untranslated)
    .venv/bin/python scripts/translations.py compile   # the Welsh .po -> the .mo the app loads (committed)
    .venv/bin/python scripts/translations.py check     # what tests/core/test_translations.py checks

After changing any user-facing text: ``extract``, ``update``, translate the new messages in the .po
(leave none empty or fuzzy), then ``compile``. ``all`` does extract, update and compile in one go.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages import Catalog
from babel.messages.catalog import Message
from babel.messages.checkers import num_plurals, python_format
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "resources" / "translations"
DOMAIN = "personalbudget"
TEMPLATE = TRANSLATIONS / f"{DOMAIN}.pot"
LANGUAGES = ("cy",)
KEYWORDS = ("_", "N_", "ngettext:1,2")
PROJECT = "PersonalBudget"
COPYRIGHT = "PersonalBudget developers"


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else "0"


def pybabel(*args: str) -> None:
    """Run a pybabel command through Babel's own command-line front end."""
    CommandLineInterface().run(["pybabel", *args])


def extract() -> None:
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    pybabel(
        "extract",
        "-F", str(MAPPING),
        *keywords,
        "--no-location",
        "--sort-output",
        f"--project={PROJECT}",
        f"--version={version()}",
        f"--copyright-holder={COPYRIGHT}",
        "-o", str(TEMPLATE),
        str(ROOT),
    )  # fmt: skip


def update() -> None:
    for language in LANGUAGES:
        pybabel(
            "update",
            "-i", str(TEMPLATE),
            "-o", str(po_path(language)),
            "-l", language,
            "-D", DOMAIN,
            "--no-fuzzy-matching",
            "--init-missing",
        )  # fmt: skip


def compile_catalogues() -> None:
    for language in LANGUAGES:
        pybabel(
            "compile",
            "-i", str(po_path(language)),
            "-o", str(mo_path(language)),
            "-l", language,
            "-D", DOMAIN,
            "--statistics",
        )  # fmt: skip


# -- checks (tests/core/test_translations.py runs these) --------------------------------------


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def extract_in_memory() -> Catalog:
    """What ``extract`` would write now, without writing it."""
    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords: dict[str, tuple[int, ...] | None] = {}
    for keyword in KEYWORDS:
        name, _, spec = keyword.partition(":")
        keywords[name] = tuple(int(i) for i in spec.split(",")) if spec else None
    catalogue = Catalog(project=PROJECT, version=version())
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalogue.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalogue


def _key(message: Message) -> tuple[object, str | None]:
    message_id = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
    return (message_id, message.context)


def _ids(catalogue: Catalog) -> set[tuple[object, str | None]]:
    return {_key(m) for m in catalogue if m.id}


def _short(message_id: object) -> str:
    text = message_id[0] if isinstance(message_id, tuple) else str(message_id)
    return repr(text if len(text) <= 70 else text[:67] + "...")


def template_problems() -> list[str]:
    """Messages in the code but not in the committed .pot, and the other way round."""
    current, committed = _ids(extract_in_memory()), _ids(read_catalogue(TEMPLATE))
    problems = [f"not in the .pot: {_short(i)}" for i, _ in sorted(current - committed, key=str)]
    problems += [
        f"in the .pot but no longer in the code: {_short(i)}" for i, _ in sorted(committed - current, key=str)
    ]
    return problems


def missing_translations(language: str) -> list[str]:
    """Messages of the .pot without a finished translation in the language's .po."""
    template = read_catalogue(TEMPLATE)
    catalogue = read_catalogue(po_path(language), locale=language)
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None:
            problems.append(f"not in the .po (run 'update'): {_short(message.id)}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {_short(message.id)}")
        elif isinstance(translated.string, tuple):
            if len(translated.string) != catalogue.num_plurals or not all(
                s.strip() for s in translated.string
            ):
                problems.append(
                    f"plural forms missing ({catalogue.num_plurals} needed): {_short(message.id)}"
                )
        elif not translated.string.strip():
            problems.append(f"untranslated: {_short(message.id)}")
    return problems


_BRACES = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_MNEMONIC = re.compile(r"&(?!&)(?![a-z]+;)(?=\w)")  # "&File", not "A & B" or "&amp;"


def _surrounding_space(text: str) -> tuple[str, str]:
    return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]


def text_problems(original: str, translated: str) -> list[str]:
    """How a translation differs from its original in what must stay the same."""
    problems = []
    if sorted(_BRACES.findall(original)) != sorted(_BRACES.findall(translated)):
        problems.append(
            f"placeholders {sorted(set(_BRACES.findall(original)))} became {sorted(set(_BRACES.findall(translated)))}"
        )
    if sorted(_PERCENT.findall(original)) != sorted(_PERCENT.findall(translated)):
        problems.append("%-placeholders differ")
    if len(_MNEMONIC.findall(original.replace("&&", ""))) != len(
        _MNEMONIC.findall(translated.replace("&&", ""))
    ):
        problems.append("the & (keyboard shortcut) marker is missing or doubled")
    if _surrounding_space(original) != _surrounding_space(translated):
        problems.append("leading or trailing spaces/new lines differ")
    if original.count("\n") and not translated.count("\n"):
        problems.append("the new lines are gone")
    return problems


def consistency_problems(language: str) -> list[str]:
    """Placeholders, & markers and surrounding white space that a translation changed (and Babel's checks)."""
    catalogue = read_catalogue(po_path(language), locale=language)
    problems = []
    for message in catalogue:
        if not message.id or message.fuzzy or not message.string:
            continue
        for checker in (num_plurals, python_format):
            try:
                checker(catalogue, message)
            except Exception as error:  # babel's TranslationError
                problems.append(f"{_short(message.id)}: {error}")
        originals = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            if not string:
                continue
            # Plural forms are checked against the plural original, except the "one" forms.
            original = originals[min(index, len(originals) - 1)]
            for problem in text_problems(original, string):
                # A plural form may say "one" or "two" in words instead of {n}.
                if (
                    isinstance(message.id, tuple)
                    and "placeholders" in problem
                    and set(_BRACES.findall(string)) <= set(_BRACES.findall(originals[-1]))
                ):
                    continue
                problems.append(f"{_short(message.id)}: {problem}")
    return problems


def _translations_of(catalogue: Catalog) -> dict[tuple[object, str | None], object]:
    return {
        _key(m): tuple(m.string) if isinstance(m.string, list | tuple) else m.string
        for m in catalogue
        if m.id and m.string and not m.fuzzy
    }


def compiled_problems(language: str) -> list[str]:
    """Whether the committed .mo holds exactly what compiling the .po gives now."""
    path = mo_path(language)
    if not path.exists():
        return [f"{path.relative_to(ROOT)} is missing (run 'compile')"]
    catalogue = read_catalogue(po_path(language), locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    fresh = _translations_of(read_mo(buffer))
    with path.open("rb") as handle:
        committed = _translations_of(read_mo(handle))
    if fresh == committed:
        return []
    changed = [k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k)]
    return [f"{len(changed)} messages differ from the .po, e.g. {_short(changed[0][0])} (run 'compile')"]


def check() -> int:
    sections: list[tuple[str, Iterable[str]]] = [("template", template_problems())]
    for language in LANGUAGES:
        sections += [
            (f"{language}: missing", missing_translations(language)),
            (f"{language}: consistency", consistency_problems(language)),
            (f"{language}: compiled", compiled_problems(language)),
        ]
    failed = False
    for title, problems in sections:
        problems = list(problems)
        print(f"{title}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems[:20]:
            print(f"    {problem}")
        if len(problems) > 20:
            print(f"    ... and {len(problems) - 20} more")
        failed = failed or bool(problems)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("extract", "update", "compile", "check", "all"))
    action = parser.parse_args(argv).action
    if action in ("extract", "all"):
        extract()
    if action in ("update", "all"):
        update()
    if action in ("compile", "all"):
        compile_catalogues()
    if action == "check":
        return check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
