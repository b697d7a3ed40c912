#!/bin/sh
# Day-2 "grade" of the code grader, run by OpenCloudEdge MANO's script execution environment:
#   sh scripts/grader.sh grade   (parameters as JSON on stdin: {"params": {"language", "source", "tests", ...}})
# Needs sh and python3 (and cc for C). GRADE_PY compiles the submission in a fresh work directory, runs it once per
# test case with CPU, memory, output and wall-time limits, compares stdout (trailing white space ignored), stops at
# the first failure, removes the work directory, and prints one JSON verdict per test case and a summary.
# Where it runs:
#   - Kubernetes (a ServiceAccount token is mounted): KUBE_PY runs GRADE_PY in a throw-away pod of the web app's
#     image in its namespace (label grader.mano.io/eval=true: the deny-all NetworkPolicy isolates it), non-root,
#     CPU/memory limits, an active deadline; reads its log, deletes it. `grader.sh pod-manifest` prints that pod.
#   - elsewhere (a VM, the emulator's sandbox as an unprivileged user): GRADE_PY here, under the same rlimits.
# GRADER_ISOLATION=local grades in place even on Kubernetes; GRADER_SA_DIR names the token's directory.
set -eu
case "${1:-}" in
  grade | pod-manifest) ;;
  health-check) command -v python3 >/dev/null && echo "grader ready: $(python3 --version 2>&1), $(cc --version 2>/dev/null | head -n 1 || echo 'no C compiler')"; exit 0 ;;
  *) echo "unknown primitive: ${1:-}" >&2; exit 2 ;;
esac
GRADE_PY='
import json, os, resource, shutil, signal, subprocess, sys, time

# in an evaluation pod the request comes in its environment, else on stdin
req = json.loads(os.environ["GRADE_REQUEST"]) if "GRADE_REQUEST" in os.environ else json.load(sys.stdin)
p = req.get("params", {})
language = str(p.get("language", "")).strip().lower()
source = str(p.get("source", ""))
limit_s = float(p.get("time-limit", 2))
memory_mb = int(p.get("memory-limit", 256))
LANGS = {"python3": "main.py", "python": "main.py", "c": "main.c"}
if language not in LANGS:
    print("unknown language %r: python3 or c" % language, file=sys.stderr); sys.exit(2)
try:
    tests = json.loads(str(p.get("tests", "[]")))
    assert isinstance(tests, list) and tests and all(isinstance(t, dict) and "output" in t for t in tests)
except Exception:
    print("tests must be a JSON list of {\"input\": ..., \"output\": ...} (at least one)", file=sys.stderr); sys.exit(2)
if len(source.encode()) > 256 * 1024:
    print("source is larger than 256 KiB", file=sys.stderr); sys.exit(2)

def limits():
    os.setsid()
    cpu = int(limit_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try: resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))
    except Exception: pass

def run(cmd, stdin, cwd, timeout):
    """(status, stdout, stderr): status ok | timeout | error <code>"""
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limits, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "."})
    try:
        out, err = proc.communicate(stdin.encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        try: os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError: pass
        proc.communicate()
        return "timeout", "", ""
    if proc.returncode == -signal.SIGXCPU or proc.returncode == -signal.SIGKILL:
        return "timeout", "", ""
    status = "ok" if proc.returncode == 0 else "error %d" % proc.returncode
    return status, out.decode("utf-8", "replace")[:65536], err.decode("utf-8", "replace")[-2000:]

# relative to the working directory: on the emulator its parents may not be traversable by this user
work = "grade-" + os.urandom(6).hex()
os.mkdir(work, 0o700)
verdicts = []
try:
    path = os.path.join(work, LANGS[language])  # relative, see above
    with open(path, "w") as f: f.write(source)
    if language == "c":
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            print("no C compiler here", file=sys.stderr); sys.exit(3)
        status, _, err = run([cc, "-O2", "-std=c11", "-o", "main", "main.c", "-lm"], "", work, 30)
        if status != "ok":
            verdicts.append({"test": 0, "verdict": "compile-error", "detail": err.strip()[-1000:]})
        cmd = ["./main"]
    else:
        status, _, err = run([sys.executable, "-m", "py_compile", "main.py"], "", work, 30)
        if status != "ok":
            verdicts.append({"test": 0, "verdict": "compile-error", "detail": err.strip()[-1000:]})
        # read relative to the work directory (python would open an absolute path, see above)
        cmd = [sys.executable, "-I", "-S", "-c", "__name__ = \"__main__\"; exec(compile(open(\"main.py\").read(), \"main.py\", \"exec\"))"]
    if not verdicts:
        for i, t in enumerate(tests, 1):
            started = time.monotonic()
            status, out, err = run(cmd, str(t.get("input", "")), work, limit_s)
            took = round(time.monotonic() - started, 3)
            if status == "timeout":
                v = {"test": i, "verdict": "timeout", "seconds": limit_s}
            elif status != "ok":
                v = {"test": i, "verdict": "runtime-error", "detail": (status + ": " + err.strip())[-1000:], "seconds": took}
            elif out.rstrip() == str(t["output"]).rstrip():
                v = {"test": i, "verdict": "passed", "seconds": took}
            else:
                v = {"test": i, "verdict": "wrong-answer", "expected": str(t["output"])[:200], "got": out[:200], "seconds": took}
            verdicts.append(v)
            if v["verdict"] != "passed":
                break
finally:
    shutil.rmtree(work, ignore_errors=True)
for v in verdicts:
    print(json.dumps(v))
passed = sum(1 for v in verdicts if v["verdict"] == "passed")
print(json.dumps({"summary": "passed" if passed == len(tests) else "failed", "passed": passed, "tests": len(tests)}))
'

KUBE_PY='
import json, os, ssl, sys, time, urllib.error, urllib.parse, urllib.request

sa = os.environ.get("GRADER_SA_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")
req = json.loads(os.environ["GRADE_REQUEST"])
p = req.get("params", {})
limit_s = float(p.get("time-limit", 2))
memory_mb = int(p.get("memory-limit", 256))
try:
    count = len(json.loads(str(p.get("tests", "[]"))))
except ValueError:
    count = 1
ns = open(os.path.join(sa, "namespace")).read().strip()
host = os.environ.get("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")
base = "https://%s:%s" % ("[%s]" % host if ":" in host else host, os.environ.get("KUBERNETES_SERVICE_PORT", "443"))
ctx = ssl.create_default_context(cafile=os.path.join(sa, "ca.crt"))

def call(method, path, body=None, raw=False):
    token = open(os.path.join(sa, "token")).read().strip()  # re-read: projected tokens rotate
    r = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                               headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(r, context=ctx, timeout=30) as res:
        data = res.read().decode("utf-8", "replace")
    return data if raw else json.loads(data)

pods = "/api/v1/namespaces/%s/pods" % urllib.parse.quote(ns)
image = os.environ.get("GRADER_IMAGE") or call("GET", pods + "/" + os.environ["HOSTNAME"])["spec"]["containers"][0]["image"]
# compile (30 s) and every test case, with room to start the container
deadline = int(60 + count * (limit_s + 1))
memory = "%dMi" % (memory_mb + 64)
name = "grade-" + os.urandom(5).hex()
pod = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": name, "namespace": ns,
                 "labels": {"grader.mano.io/eval": "true", "app.kubernetes.io/part-of": "code-grader"}},
    "spec": {
        "restartPolicy": "Never", "automountServiceAccountToken": False, "enableServiceLinks": False,
        "activeDeadlineSeconds": deadline, "terminationGracePeriodSeconds": 0,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "grade", "image": image, "command": ["python3", "-c", os.environ["GRADE_PY"]], "workingDir": "/work",
            "env": [{"name": "GRADE_REQUEST", "value": json.dumps(req)}, {"name": "TMPDIR", "value": "/work"}],
            "resources": {"requests": {"cpu": "1", "memory": memory}, "limits": {"cpu": "1", "memory": memory}},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "work", "mountPath": "/work"}],
        }],
        "volumes": [{"name": "work", "emptyDir": {"sizeLimit": "64Mi"}}],
    },
}
if sys.argv[1:] == ["pod-manifest"]:
    print(json.dumps(pod)); sys.exit(0)
try:
    call("POST", pods, pod)
except urllib.error.HTTPError as e:
    sys.exit("cannot create the evaluation pod in namespace %s: %s %s" % (ns, e.code, e.read().decode()[:500]))
try:
    until = time.monotonic() + deadline + 60
    while True:
        status = call("GET", pods + "/" + name).get("status", {})
        if status.get("phase") in ("Succeeded", "Failed") or time.monotonic() > until:
            break
        time.sleep(0.5)
    phase = status.get("phase")
    if phase not in ("Succeeded", "Failed") or status.get("reason") == "DeadlineExceeded":
        print(json.dumps({"test": 1, "verdict": "timeout", "seconds": deadline, "detail": "evaluation pod %s" % (phase or "not started")}))
        print(json.dumps({"summary": "failed", "passed": 0, "tests": count}))
        sys.exit(0)
    log = call("GET", pods + "/" + name + "/log", raw=True)
    if phase == "Failed":
        sys.exit("grading failed in pod %s: %s" % (name, log[-1000:]))
    sys.stdout.write(log)
finally:
    try:
        call("DELETE", pods + "/" + name + "?gracePeriodSeconds=0")
    except Exception as e:
        print("could not delete the evaluation pod %s: %s" % (name, e), file=sys.stderr)
'
if [ "${GRADER_ISOLATION:-pod}" != local ] && [ -r "${GRADER_SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}/token" ]; then
  GRADE_REQUEST=$(cat) GRADE_PY="$GRADE_PY" exec python3 -c "$KUBE_PY" "$1"
fi
[ "$1" = grade ] || { echo "pod-manifest: no ServiceAccount token here (not in a Kubernetes pod)" >&2; exit 2; }
exec python3 -c "$GRADE_PY"
