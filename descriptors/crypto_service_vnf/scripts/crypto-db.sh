#!/bin/sh
# Day-1/2 primitives of the crypto service's database (OpenCloudEdge MANO script execution environment), run on the
# PostgreSQL VDU: in its container (Kubernetes pod exec; PGDATA under the PVC at /data/0) or on its VM (SSH; the
# data volume at /srv/postgres). Backups are pg_dump custom-format files next to the data, with size and SHA-256.
set -eu
if [ -d /data/0 ]; then
  backups=/data/0/backups
  as_pg() { su postgres -s /bin/sh -c "$1"; }
  user="${POSTGRES_USER:-crypto}" db="${POSTGRES_DB:-crypto}"
elif [ -d /srv/postgres ]; then
  backups=/srv/postgres/backups
  as_pg() { sudo -u postgres sh -c "$1"; }
  user=crypto db=crypto
else
  # neither: a test API server running the script locally, the database named by libpq's PG* variables
  backups="$PWD/crypto-backups"
  as_pg() { sh -c "$1"; }
  user="${POSTGRES_USER:-crypto}" db="${POSTGRES_DB:-crypto}"
fi
mkdir -p "$backups"
chown postgres "$backups" 2>/dev/null || true
name="${PARAM_NAME:-latest}"
case "$name" in '' | *[!A-Za-z0-9._-]*) echo "name must be letters, digits, '.', '_' or '-'" >&2; exit 2 ;; esac
dump="$backups/$name.dump"

case "${1:-}" in
  create-schema)
    as_pg "psql -v ON_ERROR_STOP=1 -d $db" <<SQL
CREATE TABLE IF NOT EXISTS validations (
  id BIGSERIAL PRIMARY KEY,
  algorithm TEXT NOT NULL,
  valid BOOLEAN NOT NULL,
  message_sha256 TEXT NOT NULL,
  created TIMESTAMPTZ NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON validations TO $user;
GRANT USAGE ON SEQUENCE validations_id_seq TO $user;
SQL
    echo "schema ready: table validations"
    ;;
  backup)
    as_pg "pg_dump -Fc -d $db -f $dump.new" && mv "$dump.new" "$dump"
    echo "{\"backup\": \"$dump\", \"bytes\": $(wc -c < "$dump"), \"sha256\": \"$(sha256sum "$dump" | cut -d' ' -f1)\"}"
    ;;
  restore)
    [ -s "$dump" ] || { echo "no backup $name ($dump)" >&2; exit 4; }
    as_pg "pg_restore --clean --if-exists -d $db $dump"
    echo "restored $name into $db"
    ;;
  rotate-credentials)
    pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
    as_pg "psql -v ON_ERROR_STOP=1 -d $db -c \"ALTER ROLE $user PASSWORD '$pw'\"" >/dev/null
    umask 077
    printf 'DB_PASSWORD=%s\n' "$pw" > /srv/postgres/credentials.env
    echo "password of $user rotated; new value in /srv/postgres/credentials.env (copy it to the web VMs' /etc/crypto.env)"
    ;;
  *)
    echo "unknown primitive: ${1:-}" >&2
    exit 2
    ;;
esac
