"""Run the MicroPython-runnable test modules under the real `micropython` (-X heapsize=64k).

A module opts out with a line `# cpython only: <reason>` near its top. The wincsim server is
started once on a Unix socket for tests that need the emulator. Prints "N passed, N failed".
"""

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "host_tests")
HEAP = "64k"
FILE_TIMEOUT_S = 300


def micropython():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    return exe if os.path.exists(exe) else "micropython"


def opt_out(path):
    with open(path) as f:
        for line in f.read(2000).splitlines():
            if line.startswith("# cpython only:"):
                return line.split(":", 1)[1].strip()
    return None


def start_server(sock_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
    server = subprocess.Popen([sys.executable, "-m", "wincsim", "--unix", sock_path], env=env)
    for _ in range(200):
        if os.path.exists(sock_path):
            return server
        if server.poll() is not None:
            break
        time.sleep(0.05)
    server.kill()
    raise SystemExit("wincsim server did not start")


def run_module(path, env):
    name = os.path.splitext(os.path.basename(path))[0]
    paths = [os.path.join(ROOT, "lib"), TESTS, os.path.join(ROOT, "tools")]
    cmd = [micropython(), "-X", "heapsize=" + HEAP, os.path.join(ROOT, "tools", "mp_harness.py"),
           name] + paths
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=FILE_TIMEOUT_S)
        text, code = out.stdout + out.stderr, out.returncode
    except subprocess.TimeoutExpired as e:
        text, code = (e.stdout or b"").decode() + "\nTIMEOUT after %d s" % FILE_TIMEOUT_S, -1
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for line in text.splitlines():
        word = line.split(" ", 1)[0]
        if word in counts:
            counts[word] += 1
    if code != 0 or (not any(counts.values())):
        counts["FAIL"] += 1  # the module itself crashed, timed out or ran nothing
    return counts, text


def main():
    files = sorted(f for f in os.listdir(TESTS) if f.startswith("test_") and f.endswith(".py"))
    totals = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    with tempfile.TemporaryDirectory() as tmp:
        sock_path = os.path.join(tmp, "wincsim.sock")
        server = start_server(sock_path)
        env = dict(os.environ, WINCSIM_SOCKET=sock_path)
        try:
            for f in files:
                path = os.path.join(TESTS, f)
                reason = opt_out(path)
                if reason:
                    print("%-34s skipped module (%s)" % (f, reason))
                    continue
                counts, text = run_module(path, env)
                for k in totals:
                    totals[k] += counts[k]
                print("%-34s %d passed, %d failed, %d skipped" % (
                    f, counts["PASS"], counts["FAIL"], counts["SKIP"]))
                if counts["FAIL"]:
                    print(text)
        finally:
            server.terminate()
            server.wait(10)
    print("micropython -X heapsize=%s: %d passed, %d failed, %d skipped" % (
        HEAP, totals["PASS"], totals["FAIL"], totals["SKIP"]))
    return 1 if totals["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
