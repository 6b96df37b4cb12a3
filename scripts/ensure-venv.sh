# Sourced by ./run-app and ./run-tests: make .venv and install the project into it,
# again whenever pyproject.toml changes. Argument: the extra to install ("test"), or "app" for none.
# (Always pass one: a sourced script with no arguments sees its caller's, such as --db.)
extra="${1:-app}"
[ "$extra" = "app" ] && extra=""
python="${PYTHON:-python3}"
spec="."
[ -n "$extra" ] && spec=".[${extra}]"
stamp=".venv/.installed-${extra:-app}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing PersonalBudget into .venv (first run takes about a minute)..." >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec" >&2
  touch "$stamp"
fi
# The tests of a team caseload start a throwaway PostgreSQL server (tests/postgres_cluster.py) with
# Debian's postgresql package: installed here where it is missing and apt-get can (as root).
if [ "${1:-app}" = "test" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL (Debian's postgresql package) for the team caseload's tests..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends postgresql >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends postgresql >&2; } \
      || echo "Could not install PostgreSQL: the team caseload's tests will be skipped (or fail under CI)." >&2
  else
    echo "PostgreSQL is not installed, so the team caseload's tests will be skipped." \
      "Install it with: sudo apt-get install postgresql" >&2
  fi
fi
