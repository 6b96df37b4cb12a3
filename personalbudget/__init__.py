"""PersonalBudget core: domain rules, storage, services, reports and exports.

This package never imports Qt or the ``ui`` package (a test enforces it), so
everything here can be used from the command line and tested without a display.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("personalbudget")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

APP_NAME = "PersonalBudget"
