#!/usr/bin/env bash
# Every check CI runs: format, lint, type check, the whole test suite on SQLite and on PostgreSQL, then the
# OpenStack integration suites against a real OpenStack (scripts/test-openstack.sh; MANO_IT_OPENSTACK=0 skips).
# PostgreSQL: MANO_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) must accept CREATE DATABASE.
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# What the tests need on this machine, installed or started when missing (root or sudo, Debian), then said in one
# line: bubblewrap (the emulator runs day-1/2 scripts only under it), openssh-server (the SSH executor's tests start
# an sshd on 127.0.0.1), chromium (the web UI's browser tests, test/ui), PostgreSQL on 127.0.0.1:5432 (the
# PostgreSQL pass). The OpenStack suites start their own cloud.
sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
setup=()
apt_install() { # <package> <command that shows it is there>
  if eval "$2" >/dev/null 2>&1; then setup+=("$1 present"); return 0; fi
  if { DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q "$1" >/dev/null 2>&1 ||
    { $sudo_ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q "$1" >/dev/null 2>&1; }; }; then
    setup+=("$1 installed (apt-get)")
  else
    setup+=("$1 NOT installed (apt-get failed: tests that need it will fail)")
  fi
}
apt_install bubblewrap 'command -v bwrap'
apt_install openssh-server 'test -x /usr/sbin/sshd'
apt_install chromium 'test -x /usr/bin/chromium'
if [ -n "${MANO_TEST_PG_URL:-}" ]; then
  setup+=("PostgreSQL from MANO_TEST_PG_URL")
elif ! command -v pg_isready >/dev/null; then
  setup+=("PostgreSQL NOT found (no pg_isready): the PostgreSQL pass will fail")
elif pg_isready -h 127.0.0.1 -p 5432 -q; then
  setup+=("PostgreSQL already running on 127.0.0.1:5432")
else
  $sudo_ pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort | tail -1)" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  if pg_isready -h 127.0.0.1 -p 5432 -q; then setup+=("PostgreSQL started on 127.0.0.1:5432"); else setup+=("PostgreSQL did NOT start"); fi
fi
joined=$(printf '%s, ' "${setup[@]}")
echo "setup: ${joined%, }"

npx prettier --check . >/dev/null || { echo "prettier: files need formatting (npm run format)"; exit 1; }
npx eslint . --max-warnings 0
npx tsc -p tsconfig.json --noEmit
npx tsc -p ui/tsconfig.json

status=0
for db in sqlite postgres; do
  echo "=== test suite on $db"
  MANO_TEST_DB=$db npx jest --json --outputFile="$results/$db.json" || status=1
done
# one plain summary line per database, for readers and CI alike
for db in sqlite postgres; do
  if [ -f "$results/$db.json" ]; then
    node -e "const r=require('$results/$db.json'); console.log('$db: ' + r.numPassedTests + ' passed, ' + (r.numFailedTests + r.numRuntimeErrorTestSuites) + ' failed')"
  else
    echo "$db: 0 passed, 1 failed"
  fi
done
echo "=== OpenStack integration suites"
bash scripts/test-openstack.sh || status=1
exit $status
