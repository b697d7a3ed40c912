#!/usr/bin/env bash
# The OpenStack integration suites (*.it-spec.ts) against a real OpenStack: the one OS_AUTH_URL points to when it
# answers, else ../shared/openstack started here and always stopped afterwards. MANO_IT_OPENSTACK=0 skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${MANO_IT_OPENSTACK:-1}" = 0 ]; then
  echo "MANO_IT_OPENSTACK=0: the OpenStack integration suites are skipped"
  exit 0
fi
shared="$(cd .. && pwd)/shared/openstack"
export OS_WORKDIR="${OS_WORKDIR:-/tmp/openstack-work}"
if ! curl -sf -o /dev/null --max-time 5 "${OS_AUTH_URL:-http://127.0.0.1:5000/v3}"; then
  # PIDs left by a run that was killed: stop those first (the script only signals processes it started)
  [ -f "$OS_WORKDIR/pids" ] && { bash "$shared/openstack-down.sh" >/dev/null 2>&1 || true; rm -f "$OS_WORKDIR/pids"; }
  trap 'bash "$shared/openstack-down.sh" >/dev/null 2>&1 || true' EXIT
  log=$(mktemp)
  echo "starting OpenStack from ../shared/openstack (log: $log)"
  started=$(date +%s)
  if ! bash "$shared/openstack-up.sh" >"$log" 2>&1; then
    tail -40 "$log"
    echo "openstack: 0 passed, 1 failed (OpenStack did not start)"
    exit 1
  fi
  echo "OpenStack up after $(($(date +%s) - started)) s"
  # shellcheck disable=SC1091
  . "$OS_WORKDIR/openrc"
fi
results="$(mktemp -d)/openstack.json"
status=0
# a real cloud's operations take minutes (the tests poll with their own limits): jest's 30 s default would cut them
npx jest --runInBand --testTimeout 300000 --testRegex 'openstack.*\.it-spec\.ts$' --json --outputFile="$results" || status=1
node -e "const r=require('$results'); console.log('openstack: ' + r.numPassedTests + ' passed, ' + (r.numFailedTests + r.numRuntimeErrorTestSuites) + ' failed')"
exit $status
