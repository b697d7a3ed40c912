#!/bin/sh
# Day-2 primitives of the detector (OpenCloudEdge MANO script execution environment, PARAM_<NAME> variables).
# They run beside the service (its pod, or its VM over SSH) and change $DETECTOR_STATE/config.json, which it reads
# at each request, or call it on localhost:8080.
set -eu
state="${DETECTOR_STATE:-/var/lib/detector}"
[ -d "$state" ] || state=/tmp/detector
mkdir -p "$state"
set_key() { # key json-value
  python3 - "$state/config.json" "$1" "$2" <<'PY'
import json, sys
path, key, value = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    config = json.load(open(path))
except (OSError, ValueError):
    config = {}
config[key] = value
json.dump(config, open(path + ".new", "w"))
import os; os.replace(path + ".new", path)
print(json.dumps(config))
PY
}
case "${1:-}" in
  set-threshold)
    set_key threshold "$PARAM_THRESHOLD"
    ;;
  set-model)
    # loaded (downloaded once) before it is switched to, so a bad model never reaches the service
    python3 -c 'import ultralytics' 2>/dev/null ||
      { echo "set-model needs the ultralytics package of the detection service (its image or VM); python3 here has none" >&2; exit 3; }
    (cd "$state" && python3 -c 'import sys; from ultralytics import YOLO; YOLO(sys.argv[1])' "$PARAM_MODEL") >/dev/null
    set_key model "\"$PARAM_MODEL\""
    ;;
  detect)
    python3 - "$PARAM_URL" "${PARAM_TOP:-5}" <<'PY'
import collections, json, os, sys, urllib.request
url, top = sys.argv[1], int(sys.argv[2])
if not url.startswith(("http://", "https://")):
    sys.exit("url must be http(s)")
try:
    image = urllib.request.urlopen(url, timeout=60).read(20 << 20)
except Exception as e:
    sys.exit("cannot fetch the image %s: %s" % (url, e))
service = "http://127.0.0.1:%s/detect" % os.environ.get("DETECTOR_PORT", "8080")
req = urllib.request.Request(service, data=image, headers={"Content-Type": "application/octet-stream"})
try:
    result = json.load(urllib.request.urlopen(req, timeout=120))
except Exception as e:
    sys.exit("the detection service at %s did not answer: %s" % (service, e))
best = collections.OrderedDict()
for b in sorted(result["boxes"], key=lambda b: -b["probability"]):
    best.setdefault(b["class"], b["probability"])
print(json.dumps({"model": result["model"], "threshold": result["threshold"], "boxes": len(result["boxes"]),
                  "top": [{"class": c, "probability": p} for c, p in list(best.items())[:top]]}))
PY
    ;;
  *)
    echo "unknown primitive: ${1:-}" >&2
    exit 2
    ;;
esac
