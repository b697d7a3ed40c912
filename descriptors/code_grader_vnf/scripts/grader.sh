#!/bin/sh
# Day-2 "grade" of the code grader, run by OpenCloudEdge MANO's script execution environment:
#   sh scripts/grader.sh grade   (parameters as JSON on stdin: {"params": {"language", "source", "tests", ...}})
# Needs sh and python3 (and cc for C). It compiles the submission in a fresh work directory, runs it once per test
# case with CPU, memory, output and wall-time limits, compares stdout (trailing white space ignored), stops at the
# first failure, removes the work directory, and prints one JSON verdict per test case and a summary.
# On Kubernetes it runs in the web app's pod, under the same limits (isolated grading pods: see the README);
# on the emulator in the compute's sandbox, as an unprivileged user.
set -eu
case "${1:-}" in
  grade) ;;
  health-check) command -v python3 >/dev/null && echo "grader ready: $(python3 --version 2>&1), $(cc --version 2>/dev/null | head -n 1 || echo 'no C compiler')"; exit 0 ;;
  *) echo "unknown primitive: ${1:-}" >&2; exit 2 ;;
esac
exec python3 -c '
import json, os, resource, shutil, signal, subprocess, sys, time

req = json.load(sys.stdin)
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
