#!/bin/sh
# Day-1/2 primitives of the web server, run by OpenCloudEdge MANO's script execution environment:
#   sh scripts/webserver.sh <primitive>
# with the parameters as PARAM_<NAME> variables (and as JSON on stdin). It runs in the web server's working
# directory (on the emulator: the VM's sandbox) and serves www/index.html.
set -eu
primitive="${1:?usage: webserver.sh <primitive>}"

write_page() {
  mkdir -p www
  printf '<!doctype html>\n<html><body><h1>%s</h1></body></html>\n' "$1" > www/index.html
}

case "$primitive" in
  configure)
    write_page "${PARAM_GREETING:-Hello from OpenCloudEdge MANO}"
    echo "configured: www/index.html"
    ;;
  set-greeting)
    if [ -z "${PARAM_GREETING:-}" ]; then
      echo "greeting must not be empty" >&2
      exit 1
    fi
    write_page "$PARAM_GREETING"
    echo "greeting set to: $PARAM_GREETING"
    ;;
  health-check)
    if [ ! -s www/index.html ]; then
      echo "unhealthy: www/index.html is missing (run configure or set-greeting)" >&2
      exit 1
    fi
    echo "healthy: www/index.html has $(wc -c < www/index.html) bytes"
    ;;
  stop)
    rm -f www/index.html
    echo "stopped serving"
    ;;
  *)
    echo "unknown primitive: $primitive" >&2
    exit 2
    ;;
esac
