#!/usr/bin/env bash
# Smoke test of the installers' bundle (CI runs it on Linux after the tests; `.ci/run`):
# installs PyInstaller into .venv (the "build" extra), builds the one-folder bundle, then starts
# the frozen app headless with `--self-test`, from outside the source tree and with a bare
# environment, and checks its exit code and JSON report. Prints the bundle size and start time.
# Usage: installer/smoke_test.sh        (works on a fresh clone; the first run makes .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source scripts/ensure-venv.sh build

started=$(date +%s)
.venv/bin/python installer/build.py
build_seconds=$(( $(date +%s) - started ))

bundle="$root/dist/personalbudget"
app="$bundle/personalbudget"
[ -x "$app" ] || { echo "smoke_test: no executable at $app" >&2; exit 1; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# The frozen app must need nothing from the checkout or the venv: run it from / with only a
# home folder, a PATH for the system tools and a UTF-8 locale.
frozen() {
  (cd / && env -i HOME="$scratch/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$app" "$@")
}
mkdir -p "$scratch/home"

version="$(.venv/bin/python installer/build.py --print-version)"
[ "$(frozen --version)" = "PersonalBudget $version" ] || { echo "smoke_test: --version is wrong" >&2; exit 1; }
frozen --help | grep -q -- "--self-test" || { echo "smoke_test: --help lacks --self-test" >&2; exit 1; }

self_test_started=$(date +%s%N)
if ! frozen --self-test >"$scratch/report.json" 2>"$scratch/stderr.txt"; then
  echo "smoke_test: the frozen app's --self-test failed:" >&2
  cat "$scratch/stderr.txt" >&2
  exit 1
fi
self_test_ms=$(( ($(date +%s%N) - self_test_started) / 1000000 ))

.venv/bin/python - "$scratch/report.json" "$bundle" "$version" <<'EOF'
import importlib.util
import json
import sys

report_file, bundle, version = sys.argv[1:]
report = json.load(open(report_file, encoding="utf-8"))
internal = f"{bundle}/_internal/"
checks = {
    "ok": report["ok"] is True,
    "frozen": report["app"]["frozen"] is True,
    "version from the bundled metadata": report["app"]["version"] == version,
    "resources inside the bundle": report["paths"]["resources"].startswith(internal),
    "migrations ran": bool(report["database"]["schema"]),
    "plan approved": report["journey"]["plan_status"] == "agreed",
    "plan PDF written": report["journey"]["plan_pdf_bytes"] > 1000,
    "keyring back end discoverable": report["keyring"]["native"] in report["keyring"]["discoverable"],
    # Bundled exactly when the build environment has it (it is a dependency once encryption lands).
    "sqlcipher bundled": report["sqlcipher"]["available"] == (importlib.util.find_spec("sqlcipher3") is not None),
    "every supported locale formats": all("£1,234.56" in text for text in report["translations"]["formats"].values()),
    "main window shown": report["front_end"]["platform"] == "offscreen",
    "Linux platform plugin shipped": any(p.startswith("libqxcb") for p in report["front_end"]["platform_plugins"]),
}
failed = [name for name, passed in checks.items() if not passed]
if failed:
    print("smoke_test: the self-test report is wrong: " + "; ".join(failed), file=sys.stderr)
    print(json.dumps(report, indent=2), file=sys.stderr)
    sys.exit(1)
timings = report["timings_ms"]
print(
    f"smoke_test: self-test report checked ({len(checks)} checks); in-process total {timings['total']} ms, "
    f"main window shown {report['front_end']['timings_ms']['main_window_shown']} ms"
)
EOF

find "$bundle" -name __pycache__ | grep -q . && { echo "smoke_test: the frozen app wrote __pycache__" >&2; exit 1; }
echo "smoke_test: passed. Bundle $(du -sh "$bundle" | cut -f1) at $bundle; built in ${build_seconds} s;" \
  "frozen --self-test took ${self_test_ms} ms (wall clock, process start to exit)"
