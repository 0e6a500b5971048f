"""Run the MicroPython-runnable test modules under the real `micropython` with a 64 KB heap.

Everything is precompiled with mpy-cross first (winc, the tests, the emulator client): the
heap holds what runs, not the compiler. A board runs winc frozen in flash, while the unix port
loads .mpy code into its (64-bit) heap; so the interpreter gets 64 KB plus room for the code,
and mp_harness.py ties up all but 64 KB once the code is loaded (it prints both figures).
A module opts out with a line `# cpython only: <reason>` near its top. The wincsim server is
started once on a Unix socket for tests that need the emulator, and the host servers of the
ecosystem tests with it (tools/mplib.py, which also fetches the pinned third-party libraries).
Arguments select test modules by name (`mp_runner.py test_aio`). Prints "N passed, N failed".
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

import mplib
import mpy_gate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "host_tests")
BUILD = os.path.join(ROOT, "build", "mp")
CLIENT = ("__init__.py", "remote.py")  # wincsim on MP
RUN_ONLY = ("demo.py",)  # examples that do their work on import: not importable by tests
DATA_HEAP = int(os.environ.get("MP_DATA_HEAP", 64 * 1024))  # bytes the tests' data may use
CODE_ROOM = 336 * 1024  # winc (both links), the tests and the emulator client, from .mpy
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


def precompile():
    """Compile winc, the tests and the emulator client into BUILD."""
    shutil.rmtree(BUILD, ignore_errors=True)
    mpy_gate.compile_all(os.path.join(BUILD, "winc"))
    mpy_gate.compile_dir(TESTS, BUILD, [f for f in os.listdir(TESTS) if f.endswith(".py")
                                        and not opt_out(os.path.join(TESTS, f))])
    mpy_gate.compile_dir(os.path.join(ROOT, "tools", "wincsim"), os.path.join(BUILD, "wincsim"),
                         CLIENT, "wincsim/")
    examples = os.path.join(ROOT, "examples")  # beside the tests (support.example)
    mpy_gate.compile_dir(examples, BUILD, [f for f in os.listdir(examples)
                                           if f.endswith(".py") and f not in RUN_ONLY])


def precompile_mplib():
    """Fetch the pinned third-party libraries and compile them into BUILD, beside the tests."""
    for module in mplib.fetch():
        package, name = os.path.split(module)
        mpy_gate.compile_dir(os.path.join(mplib.DEST, package), os.path.join(BUILD, package),
                             [name], package + "/")


def run_module(path, env):
    name = os.path.splitext(os.path.basename(path))[0]
    paths = [BUILD]
    cmd = [micropython(), "-X", "heapsize=%d" % (DATA_HEAP + CODE_ROOM),
           os.path.join(ROOT, "tools", "mp_harness.py"), name, str(DATA_HEAP)] + paths
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=FILE_TIMEOUT_S)
        text, code = out.stdout + out.stderr, out.returncode
    except subprocess.TimeoutExpired as e:
        text, code = (e.stdout or b"").decode() + "\nTIMEOUT after %d s" % FILE_TIMEOUT_S, -1
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "HEAP": ""}
    for line in text.splitlines():
        if line.startswith("HEAP "):
            counts["HEAP"] = line[5:]
        word = line.split(" ", 1)[0]
        if word in ("PASS", "FAIL", "SKIP"):
            counts[word] += 1
    if code != 0 or not (counts["PASS"] or counts["FAIL"] or counts["SKIP"]):
        counts["FAIL"] += 1  # the module itself crashed, timed out or ran nothing
    return counts, text


def main(selected=()):
    files = sorted(f for f in os.listdir(TESTS) if f.startswith("test_") and f.endswith(".py")
                   and (not selected or f[:-3] in selected or f in selected))
    totals = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    precompile()
    precompile_mplib()
    with tempfile.TemporaryDirectory() as tmp, mplib.Peers(tmp) as peers:
        sock_path = os.path.join(tmp, "wincsim.sock")
        server = start_server(sock_path)
        env = dict(os.environ, WINCSIM_SOCKET=sock_path, **peers.env)
        try:
            for f in files:
                path = os.path.join(TESTS, f)
                reason = opt_out(path)
                if reason:
                    print("%-26s skipped module (%s)" % (f, reason))
                    continue
                counts, text = run_module(path, env)
                for k in totals:
                    totals[k] += counts[k]
                print("%-26s %2d passed, %d failed, %d skipped   %s" % (
                    f, counts["PASS"], counts["FAIL"], counts["SKIP"], counts["HEAP"]))
                if counts["FAIL"]:
                    print(text)
        finally:
            server.terminate()
            server.wait(10)
    print("micropython, %d KB heap for data: %d passed, %d failed, %d skipped" % (
        DATA_HEAP // 1024, totals["PASS"], totals["FAIL"], totals["SKIP"]))
    return 1 if totals["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
