"""Where PersonalBudget keeps its files.

The data folder comes from platformdirs; setting ``PERSONALBUDGET_HOME``
redirects everything (tests, portable installs, a USB stick).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_path

HOME_ENV = "PERSONALBUDGET_HOME"
DATABASE_FILENAME = "personalbudget.db"


def data_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    path = Path(override).expanduser() if override else user_data_path("PersonalBudget", False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / DATABASE_FILENAME


def backups_dir(database_path: Path) -> Path:
    """Backups sit beside the database they belong to."""
    path = database_path.parent / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """The shipped resources (RAS definitions, translations, icons)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
