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
