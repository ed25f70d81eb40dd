# Shared by scripts/run and scripts/test: make sure .venv exists and holds
# the project with its development tools.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 eller senare krävs (hittade: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installerar python3-venv …"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv .venv
    else
      echo "Paketet python3-venv saknas: kör 'sudo apt-get install python3-venv' och försök igen." >&2
      exit 1
    fi
  fi
fi

# Reinstall only when pyproject.toml changed since the last install.
stamp=.venv/.installed-pyproject
if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
  echo "Installerar Python-paket i .venv …"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  cp pyproject.toml "$stamp"
fi

# The load-test tools (pyproject's [load] extra: locust) in .venv-load, apart
# from the test venv: locust brings a pytest plugin of its own and gevent's
# monkey-patching. Only for the callers that set RATTINSATS_LOAD_VENV=1
# (scripts/test and CI, for tests/test_two_servers_pg.py, which runs locust
# as a process of its own); reinstalled when pyproject.toml changed.
if [ "${RATTINSATS_LOAD_VENV:-0}" = 1 ]; then
  load_stamp=.venv-load/.installed-pyproject
  if [ ! -x .venv-load/bin/locust ] || [ ! -f "$load_stamp" ] || ! cmp -s pyproject.toml "$load_stamp"; then
    echo "Installerar locust i .venv-load …"
    [ -x .venv-load/bin/python ] || "$PYTHON" -m venv .venv-load
    mapfile -t load_requirements < <(.venv/bin/python -c 'import tomllib
for r in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["load"]:
    print(r)')
    .venv-load/bin/python -m pip install -q --upgrade pip
    .venv-load/bin/python -m pip install -q "${load_requirements[@]}"
    cp pyproject.toml "$load_stamp"
  fi
fi
