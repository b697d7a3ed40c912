#!/bin/sh
# Day-1/2 primitives of the registry, run by OpenCloudEdge MANO's script execution environment:
#   sh scripts/registry.sh <primitive>      (parameters as PARAM_<NAME> variables)
# Where it runs decides where the registry's files are:
#   - in the registry container (Kubernetes pod exec): /data/0 (the PVC); the container is restarted to reload users
#   - on the VM (SSH): /srv/registry, the registry runs in Docker as "registry"
# Passwords are hashed with bcrypt (the only scheme the registry accepts): htpasswd -B, else python3's crypt;
# in the registry's Alpine image htpasswd comes from apache2-utils (apk, needs egress to the Alpine mirror).
set -eu
primitive="${1:?usage: registry.sh <primitive>}"

if [ -f /etc/docker/registry/config.yml ] && [ -d /data/0 ]; then
  where=container root=/data/0
elif command -v docker >/dev/null 2>&1 && [ -d /srv/registry ]; then
  where=vm root=/srv/registry
else
  # neither: a plain directory (a test API server running the script locally); no registry process to reload
  where=dir root="$PWD/registry-files"
fi
auth="$root/auth"
file="$auth/htpasswd"
mkdir -p "$auth"
chmod 700 "$auth"

valid_name() {
  case "$1" in
    '' | *[!A-Za-z0-9._-]*) echo "username must be letters, digits, '.', '_' or '-': '$1'" >&2; exit 2 ;;
  esac
}

bcrypt_line() { # user password → "user:$2y$…" on stdout
  if ! command -v htpasswd >/dev/null 2>&1 && [ "$where" = container ]; then
    apk add --no-cache apache2-utils >/dev/null 2>&1 || { echo "cannot install apache2-utils (no egress to the Alpine mirror?)" >&2; exit 3; }
  fi
  if command -v htpasswd >/dev/null 2>&1; then
    htpasswd -nbB "$1" "$2" | head -n 1
  elif command -v python3 >/dev/null 2>&1; then
    PW="$2" python3 -c 'import crypt,os,sys,warnings; warnings.simplefilter("ignore"); print(sys.argv[1]+":"+crypt.crypt(os.environ["PW"], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$1"
  else
    echo "no bcrypt tool here (htpasswd or python3)" >&2
    exit 3
  fi
}

reload() { # the registry reads its users at start
  case "$where" in
    vm) docker restart registry >/dev/null && echo "registry restarted" ;;
    container) (sleep 1; kill 1) >/dev/null 2>&1 & echo "registry container restarting" ;;
    dir) echo "no registry process here: users take effect at its next start" ;;
  esac
}

put_user() { # user password
  touch "$file"
  line=$(bcrypt_line "$1" "$2")
  grep -v "^$1:" "$file" > "$file.new" || true
  echo "$line" >> "$file.new"
  chmod 600 "$file.new"
  mv "$file.new" "$file"
}

case "$primitive" in
  create-first-user)
    user="${PARAM_USERNAME:-admin}"
    valid_name "$user"
    if [ -s "$file" ] && grep -q "^$user:" "$file"; then
      echo "user $user exists already: nothing to do"
      exit 0
    fi
    # a random password, kept on the volume for the operator (never printed: operation outputs are records)
    pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')
    umask 077
    printf '%s\n' "$pw" > "$auth/$user.password"
    put_user "$user" "$pw"
    echo "user $user created; its password is in $auth/$user.password"
    reload
    ;;
  add-user)
    valid_name "${PARAM_USERNAME:-}"
    if [ ${#PARAM_PASSWORD} -lt 8 ]; then echo "password must have at least 8 characters" >&2; exit 2; fi
    put_user "$PARAM_USERNAME" "$PARAM_PASSWORD"
    echo "user $PARAM_USERNAME added ($(wc -l < "$file") user(s))"
    reload
    ;;
  remove-user)
    valid_name "${PARAM_USERNAME:-}"
    if ! grep -q "^$PARAM_USERNAME:" "$file" 2>/dev/null; then echo "no user $PARAM_USERNAME" >&2; exit 4; fi
    grep -v "^$PARAM_USERNAME:" "$file" > "$file.new" || true
    chmod 600 "$file.new"
    mv "$file.new" "$file"
    rm -f "$auth/$PARAM_USERNAME.password"
    echo "user $PARAM_USERNAME removed ($(wc -l < "$file") user(s) left)"
    reload
    ;;
  garbage-collect)
    flags=--delete-untagged
    [ "${PARAM_DRY_RUN:-false}" = true ] && flags="$flags --dry-run"
    case "$where" in
      container) registry garbage-collect $flags /etc/docker/registry/config.yml ;;
      vm) docker exec registry registry garbage-collect $flags /etc/docker/registry/config.yml ;;
      dir) echo "no registry here to collect garbage of" >&2; exit 5 ;;
    esac
    du -sh "$root" | awk '{print "storage now: " $1}'
    ;;
  *)
    echo "unknown primitive: $primitive" >&2
    exit 2
    ;;
esac
