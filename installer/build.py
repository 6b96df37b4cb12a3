"""Build the PersonalBudget bundle with PyInstaller: the one step every platform's installer starts from.

    python installer/build.py            # dist/personalbudget/ (and dist/PersonalBudget.app on macOS)
    python installer/build.py --clean    # throw away PyInstaller's cache first
    python installer/build.py --print-version

Run it with the project's environment, which needs the build extra: `pip install -e ".[build]"`
(installer/smoke_test.sh and the per-OS scripts do this). It prints where the bundle is and its size.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "personalbudget.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clean", action="store_true", help="empty PyInstaller's cache and work folder first"
    )
    parser.add_argument("--print-version", action="store_true", help="print the version from pyproject.toml")
    args = parser.parse_args()
    meta = project()
    if args.print_version:
        print(meta["version"])
        return 0
    if importlib.util.find_spec("PyInstaller") is None:
        print(
            'build.py: PyInstaller is not installed in this environment: pip install -e ".[build]"',
            file=sys.stderr,
        )
        return 1
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={DIST}",
        f"--workpath={WORK}",
    ]
    if args.clean:
        command.append("--clean")
    command.append(str(SPEC))
    started = time.perf_counter()
    # PYTHONNOUSERSITE: nothing from the builder's own site-packages may slip into the bundle.
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONNOUSERSITE": "1"})
    if result.returncode != 0:
        print(f"build.py: PyInstaller failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode
    bundle = DIST / meta["name"]
    print(
        f"build.py: built {meta['name']} {meta['version']} in {time.perf_counter() - started:.0f} s: "
        f"{bundle} ({folder_size(bundle) / 1e6:.0f} MB)"
    )
    app = DIST / "PersonalBudget.app"
    if sys.platform == "darwin" and app.is_dir():
        print(f"build.py: macOS app: {app}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
