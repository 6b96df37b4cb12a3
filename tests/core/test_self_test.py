"""`personalbudget --self-test`, run in-process (the frozen app's run is installer/smoke_test.sh)."""

import json
import os
from pathlib import Path

import pytest

from personalbudget import self_test
from personalbudget.cli import run
from personalbudget.paths import HOME_ENV, resources_dir
from personalbudget.storage.database import head_revision


@pytest.mark.slow  # the whole self-test, steps 1-3 in a new caseload: not in the fast lane
def test_the_self_test_walks_steps_one_to_three_in_a_temporary_folder():
    home_before = os.environ[HOME_ENV]
    report = self_test.run_self_test()
    assert report["ok"] is True
    assert report["app"]["name"] == "PersonalBudget" and report["app"]["frozen"] is False
    journey = report["journey"]
    assert (journey["plan_status"], journey["step"]) == ("agreed", 4)
    assert journey["agreed_annual_pence"] > 0 and journey["plan_pdf_bytes"] > 1000
    assert report["database"]["schema"] == head_revision()
    assert report["resources"]["folder"] == str(resources_dir())
    checked = report["resources"]["checked"]
    assert "translations/cy/LC_MESSAGES/personalbudget.mo" in checked  # the Welsh catalogue ships
    assert "easy_read/personal_care.png" in checked and "easy_read/my_money.png" in checked
    assert report["translations"]["compiled"] == ["cy"]
    assert report["keyring"]["native"] in report["keyring"]["discoverable"]
    assert all("£1,234.56" in text for text in report["translations"]["formats"].values())
    assert report["front_end"].startswith("skipped")
    assert {"open_database", "person", "budget", "plan", "pdf", "total"} <= set(report["timings_ms"])
    # Nothing is left behind, and the caller's data folder setting is as it was.
    assert not Path(report["paths"]["temporary_folder"]).exists()
    assert os.environ[HOME_ENV] == home_before


def test_the_front_end_check_runs_on_the_test_database_inside_the_temporary_home():
    seen = {}

    def check(services):
        seen["home"] = os.environ[HOME_ENV]
        return {"people": len(services.people.list_caseload())}

    report = self_test.run_self_test(check)
    assert report["front_end"] == {"people": 1}
    assert Path(seen["home"]).parent == Path(report["paths"]["temporary_folder"])


def test_a_failure_is_one_line_naming_the_check_and_exit_code_one(capsys):
    def broken_window(_services):
        raise RuntimeError("no display\nat all")

    assert self_test.main(broken_window) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "personalbudget: self-test failed: the desktop window: RuntimeError: no display at all\n"


def test_a_missing_resource_is_named(tmp_path, monkeypatch):
    (tmp_path / "fonts").mkdir()
    monkeypatch.setattr(self_test, "resources_dir", lambda: tmp_path)
    with pytest.raises(
        self_test.SelfTestFailure, match=r"the shipped resources: missing from .*ras/default\.toml"
    ):
        self_test.run_self_test()


def test_the_command_line_flag_prints_the_json_report(capsys):
    assert run(["--self-test"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["journey"]["plan_status"] == "agreed"


def test_the_flag_does_not_go_with_a_command(capsys):
    with pytest.raises(SystemExit) as stopped:
        run(["--self-test", "people"])
    assert stopped.value.code == 2
    assert "--self-test runs on its own" in capsys.readouterr().err
