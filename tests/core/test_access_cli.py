"""The command line signs in and follows the account's access; `personalbudget accounts` runs accounts.
Passwords come from the environment or a prompt, never from an argument."""

from __future__ import annotations

import json

import pytest

from personalbudget.cli import run


@pytest.fixture(autouse=True)
def _keys_for_cli(keys, monkeypatch):
    monkeypatch.setattr("personalbudget.cli.default_keys", lambda: keys)
    for name in ("PERSONALBUDGET_USER", "PERSONALBUDGET_PASSWORD", "PERSONALBUDGET_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def as_user(monkeypatch, name: str, password: str) -> None:
    monkeypatch.setenv("PERSONALBUDGET_USER", name)
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", password)


@pytest.mark.slow  # a CLI demo (accounts, sign-ins, several commands): not in the fast lane
def test_a_carer_account_on_the_command_line_reaches_one_person(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "caseload.db")
    assert run(["demo", "--db", db, "--people", "6", "--seed", "2"]) == 0
    monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "manager password")
    assert run(["accounts", "--db", db, "add", "meg", "--name", "Meg Manager", "--role", "practitioner"]) == 0
    assert "first account" in capsys.readouterr().out
    # The caseload has accounts now: a command without a sign-in is refused (no terminal to ask at).
    assert run(["people", "--db", db]) == 1
    assert "sign in" in capsys.readouterr().err
    as_user(monkeypatch, "meg", "manager password")
    assert run(["people", "--db", db, "--json"]) == 0
    everyone = json.loads(capsys.readouterr().out)
    mine, other = everyone[0], everyone[1]
    monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "carer password")
    assert (
        run(
            [
                "accounts",
                "--db",
                db,
                "add",
                "carys",
                "--name",
                "Carys",
                "--role",
                "individual",
                "--person",
                str(mine["id"]),
            ]
        )
        == 0
    )
    assert run(["accounts", "--db", db, "list"]) == 0
    listed = capsys.readouterr().out
    assert "carys" in listed and "never" in listed

    as_user(monkeypatch, "carys", "carer password")
    assert run(["people", "--db", db, "--json"]) == 0
    assert [p["name"] for p in json.loads(capsys.readouterr().out)] == [mine["name"]]
    out = tmp_path / "plan.pdf"
    assert run(["report", "plan", "--db", db, "--person", str(other["id"]), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "you cannot see people's records for person" in error and other["name"] not in error
    assert not out.exists()
    assert run(["accounts", "--db", db, "list"]) == 1  # not a manager
    assert "manages accounts" in capsys.readouterr().err


@pytest.mark.slow  # a CLI demo (accounts, sign-ins, several commands): not in the fast lane
def test_accounts_disable_enable_role_and_reset_password(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "caseload.db")
    assert run(["demo", "--db", db, "--people", "2", "--seed", "2"]) == 0
    monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "manager password")
    run(["accounts", "--db", db, "add", "meg", "--name", "Meg Manager", "--role", "practitioner"])
    as_user(monkeypatch, "meg", "manager password")
    monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "sams password")
    assert run(["accounts", "--db", db, "add", "sam", "--name", "Sam Worker", "--role", "practitioner"]) == 0
    assert run(["accounts", "--db", db, "disable", "meg"]) == 1
    assert "last account that can manage accounts" in capsys.readouterr().err
    assert run(["accounts", "--db", db, "disable", "sam"]) == 0
    as_user(monkeypatch, "sam", "sams password")
    assert run(["people", "--db", db]) == 1
    as_user(monkeypatch, "meg", "manager password")
    assert run(["accounts", "--db", db, "enable", "sam"]) == 0
    assert run(["accounts", "--db", db, "role", "sam", "approver"]) == 0
    monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "one time password")
    assert run(["accounts", "--db", db, "reset-password", "sam"]) == 0
    capsys.readouterr()
    as_user(monkeypatch, "sam", "one time password")
    assert run(["people", "--db", db]) == 1
    assert "must choose a new password" in capsys.readouterr().err


def test_a_password_is_never_an_argument(tmp_path, capsys):
    db = str(tmp_path / "caseload.db")
    with pytest.raises(SystemExit):
        run(
            ["accounts", "--db", db, "add", "meg", "--name", "M", "--role", "practitioner", "--password", "x"]
        )
    assert "unrecognized arguments" in capsys.readouterr().err
