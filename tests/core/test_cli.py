"""The command-line tool, run as a person would run it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from personalbudget.cli import run
from personalbudget.domain import nhs_number
from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS


@pytest.fixture(autouse=True)
def _keys_for_cli(keys, monkeypatch):
    """The CLI keeps keys in the OS keyring; tests use the in-memory one."""
    monkeypatch.setattr("personalbudget.cli.default_keys", lambda: keys)


def people_json(db_path, capsys):
    assert run(["people", "--db", str(db_path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_demo_builds_a_spread_caseload_that_people_lists(tmp_path, capsys):
    db_path = tmp_path / "demo.db"
    assert run(["demo", "--db", str(db_path), "--people", "300", "--seed", "4"]) == 0
    assert "Added 300 demo people" in capsys.readouterr().out
    people = people_json(db_path, capsys)
    assert len(people) == 300
    assert {p["step"] for p in people} == set(range(1, 8))
    assert all(18 <= p["age"] <= 100 for p in people)
    assert len({p["locality"] for p in people}) >= 8
    assert len({p["primary_support_reason"] for p in people}) >= 8
    assert {p["primary_support_reason"] for p in people} <= set(PRIMARY_SUPPORT_REASONS)
    numbers = [p["nhs_number"] for p in people if p["nhs_number"]]
    assert len(numbers) == len(set(numbers)) > 200
    # The 999 range is reserved for testing: no real person has one of these numbers.
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)
    assert any(p["review_overdue"] for p in people)
    assert all(isinstance(p["id"], int) and p["name"] for p in people)


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_demo_is_deterministic_for_a_seed(tmp_path, capsys):
    for name in ("a.db", "b.db", "c.db"):
        seed = "9" if name != "c.db" else "10"
        assert run(["demo", "--db", str(tmp_path / name), "--people", "40", "--seed", seed]) == 0
    capsys.readouterr()
    a, b, c = (people_json(tmp_path / n, capsys) for n in ("a.db", "b.db", "c.db"))
    key = [(p["name"], p["nhs_number"], p["step"], p["locality"]) for p in a]
    assert key == [(p["name"], p["nhs_number"], p["step"], p["locality"]) for p in b]
    assert key != [(p["name"], p["nhs_number"], p["step"], p["locality"]) for p in c]


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_people_table_for_a_person_to_read(tmp_path, capsys):
    db_path = tmp_path / "demo.db"
    run(["demo", "--db", str(db_path), "--people", "5", "--seed", "1"])
    capsys.readouterr()
    assert run(["people", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["ID", "Name", "NHS"]
    assert out[-1] == "5 people"


def test_bad_database_gives_one_clear_line_and_a_non_zero_exit(tmp_path, capsys):
    bad = tmp_path / "holiday.db"
    bad.write_text("not a database")
    assert run(["people", "--db", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a PersonalBudget database" in err[0]
    assert bad.read_text() == "not a database"


def test_invalid_demo_size_is_refused(tmp_path, capsys):
    assert run(["demo", "--db", str(tmp_path / "x.db"), "--people", "0"]) == 1
    assert "between 1 and" in capsys.readouterr().err


def test_no_command_opens_the_app_on_the_chosen_database(tmp_path):
    opened = []
    assert run(["--db", str(tmp_path / "x.db")], open_app=lambda path: opened.append(path) or 0) == 0
    assert opened == [tmp_path / "x.db"]


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_python_dash_m_runs_the_same_tool(tmp_path):
    """Headless, there is no keyring: the command line uses PERSONALBUDGET_PASSPHRASE."""
    db_path = tmp_path / "m.db"
    env = dict(os.environ, PERSONALBUDGET_PASSPHRASE="correct horse battery staple")
    result = subprocess.run(
        [sys.executable, "-m", "personalbudget", "demo", "--db", str(db_path), "--people", "3"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "recovery key is shown only this once" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "personalbudget", "people", "--db", str(db_path), "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert len(json.loads(result.stdout)) == 3
    env["PERSONALBUDGET_PASSPHRASE"] = "wrong passphrase entirely"
    result = subprocess.run(
        [sys.executable, "-m", "personalbudget", "people", "--db", str(db_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "passphrase does not open this caseload" in result.stderr


def test_a_mistyped_database_is_refused_not_created(tmp_path, capsys):
    typo = tmp_path / "dmeo.db"
    for argv in (["people"], ["check"], ["backup"], ["audit", "verify"], ["settings"]):
        assert run([*argv, "--db", str(typo)]) == 1
        assert "There is no caseload at" in capsys.readouterr().err
    assert run(["demo", "--db", str(typo), "--people", "-5"]) == 1
    assert "between 1 and" in capsys.readouterr().err
    assert not typo.exists() and not (tmp_path / "dmeo.db.key").exists()


def test_encrypt_and_recover_from_the_command_line(tmp_path, keys, secret_store, monkeypatch, capsys):
    from personalbudget.storage.database import open_database

    path = tmp_path / "plain.db"
    open_database(path).close()
    assert run(["encrypt", "--db", str(path)]) == 0
    err = capsys.readouterr().err
    recovery = next(line.strip() for line in err.splitlines() if line.strip().count("-") == 13)
    assert not path.read_bytes().startswith(b"SQLite format 3")
    secret_store.values.clear()  # the keyring entry is lost
    assert run(["people", "--db", str(path)]) == 1
    assert "recover" in capsys.readouterr().err
    monkeypatch.setenv("PERSONALBUDGET_RECOVERY_KEY", recovery)
    assert run(["recover", "--db", str(path)]) == 0
    assert "new key" in capsys.readouterr().out
    assert run(["people", "--db", str(path)]) == 0
    key_file = tmp_path / "recovery.txt"
    key_file.write_text("AAAA-BBBB")
    monkeypatch.delenv("PERSONALBUDGET_RECOVERY_KEY")
    assert run(["recover", "--db", str(path), "--recovery-key-file", str(key_file)]) == 1
    assert "not a valid recovery key" in capsys.readouterr().err


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_report_review_prints_a_persons_review(tmp_path, capsys):
    from pypdf import PdfReader

    db_path = tmp_path / "demo.db"
    assert run(["demo", "--db", str(db_path), "--people", "40", "--seed", "4"]) == 0
    capsys.readouterr()
    at_review = next(p for p in people_json(db_path, capsys) if p["step"] == 7)
    out = tmp_path / "review.pdf"
    assert (
        run(["report", "review", "--db", str(db_path), "--person", str(at_review["id"]), "--out", str(out)])
        == 0
    )
    assert "Wrote" in capsys.readouterr().out
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Review of the care and support plan" in text and at_review["name"] in text


@pytest.mark.slow  # several seconds on its own: not in the fast lane
@pytest.mark.skipif(
    not Path("/proc/self").exists(), reason="needs Linux's /proc, where nobody may create files"
)
def test_a_path_the_system_refuses_is_named_with_what_to_do(tmp_path, capsys):
    db_path = tmp_path / "demo.db"
    assert run(["demo", "--db", str(db_path), "--people", "3", "--seed", "4"]) == 0
    capsys.readouterr()
    code = run(["export", "aggregates", "--db", str(db_path), "--out", "/proc/aggregates"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and "unexpected error" not in err
    assert "/proc" in err and "Check the path" in err
