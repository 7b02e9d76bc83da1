#!/usr/bin/env bash
# The whole test suite on a fresh machine (Debian, Python 3.11, root): starts the
# services the tests use when they are down, installs Chromium for the browser tests and
# the project with its test extras,
# then runs ruff, mypy --strict, import-linter and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

start_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
}

install_chromium() {
  # the browser tests drive Debian's Chromium through Playwright (never `playwright install`)
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  # the report tests render exported PDFs to PNG with pdftoppm (and read them with pdftotext)
  if ! command -v pdftoppm >/dev/null 2>&1; then
    echo "installing poppler-utils"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils
  fi
}

start_services
install_chromium
python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# The model flavors are tested against every optional library; torch only as this pin.
python -m pip install --quiet --disable-pip-version-check 'torch==2.13.0'

echo "== ruff";          python -m ruff check src tests benchmarks
echo "== ruff format";   python -m ruff format --check src tests benchmarks
echo "== mypy --strict"; python -m mypy
echo "== import-linter"; lint-imports
echo "== pytest";        python -m pytest "$@"
