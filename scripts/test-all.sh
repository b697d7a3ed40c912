#!/usr/bin/env bash
# Every check CI runs: format, lint, type check, the whole test suite on SQLite and on PostgreSQL, then the
# OpenStack integration suites against a real OpenStack (scripts/test-openstack.sh; MANO_IT_OPENSTACK=0 skips).
# PostgreSQL: MANO_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) must accept CREATE DATABASE.
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# the emulator runs day-1/2 scripts only under bubblewrap (its sandbox tests fail without it): install it when missing
if ! command -v bwrap >/dev/null; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  { DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q bubblewrap >/dev/null 2>&1 ||
    { $sudo_ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q bubblewrap >/dev/null; }; } &&
    echo "bubblewrap: installed $(bwrap --version) (apt-get install bubblewrap)" ||
    echo "bubblewrap: could not install it (apt-get install bubblewrap failed): the script sandbox tests will fail"
fi

npx prettier --check . >/dev/null || { echo "prettier: files need formatting (npm run format)"; exit 1; }
npx eslint . --max-warnings 0
npx tsc -p tsconfig.json --noEmit

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
