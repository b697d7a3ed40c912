#!/usr/bin/env bash
# The long runs, outside the default suite: 200 clients for 60 s on SQLite and on PostgreSQL (test/soak/load.soak.ts),
# then PostgreSQL stopped and restarted during 50 instantiations on a private cluster (test/soak/pg-restart.soak.ts).
# LOAD_SECONDS shortens the load runs. Needs the build (npm run test:soak builds first), PostgreSQL on 5432 for the
# PostgreSQL load run, and root for the private cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
run() { echo "=== $*"; "$@" || status=1; }
run env BENCH_DB=sqlite npx ts-node --transpile-only test/soak/load.soak.ts
run env BENCH_DB=postgres npx ts-node --transpile-only test/soak/load.soak.ts
run npx ts-node --transpile-only test/soak/pg-restart.soak.ts
exit $status
