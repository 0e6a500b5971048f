"""Put winc on a MicroPython board without rebuilding its firmware: compile lib/winc with mpy-cross
into build/deploy/, then copy the .mpy files to the board's /lib/winc with mpremote.

    python tools/deploy.py --port /dev/ttyACM0                       # winc only
    python tools/deploy.py --port /dev/ttyACM0 --board SAME54_XPLAINED_PRO   # + winc_board
    python tools/deploy.py --dry-run --board SAME54_XPLAINED_PRO     # print the commands only
    python tools/deploy.py --package-json                            # print package.json for mip

Firmware with winc frozen in finds the frozen copy first ('.frozen' precedes '/lib' in sys.path):
deploy to a board whose firmware has no frozen winc, or rebuild it.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "lib", "winc")
BOARDS = os.path.join(ROOT, "boards", "micropython")
OUT = os.path.join(ROOT, "build", "deploy")
VERSION = "0.1.0"  # pyproject.toml's
MIP_BOARD = "SAME54_XPLAINED_PRO"  # the board module package.json installs


def mpy_cross():
    exe = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    return exe if os.path.exists(exe) else "mpy-cross"


def mpremote():
    exe = os.path.join(os.path.dirname(sys.executable), "mpremote")
    return exe if os.path.exists(exe) else "mpremote"


def modules():
    """The file names of lib/winc's modules, sorted."""
    return sorted(name for name in os.listdir(PACKAGE) if name.endswith(".py"))


def boards():
    """Board directories under boards/micropython that have a winc_board.py."""
    return sorted(name for name in os.listdir(BOARDS)
                  if os.path.exists(os.path.join(BOARDS, name, "winc_board.py")))


def plan(port="auto", board=None, out=OUT, clean=False, compiler=None, remote=None):
    """[(kind, argv)]: 'compile' steps, then 'mkdir' steps (a directory that exists is fine), then
    'rm' (clean: a missing directory is fine), then 'cp' steps."""
    compiler = compiler or mpy_cross()
    remote = remote or mpremote()
    lib_out = os.path.join(out, "lib")
    pkg_out = os.path.join(lib_out, "winc")
    steps = []
    targets = []
    for name in modules():
        target = os.path.join(pkg_out, name[:-3] + ".mpy")
        steps.append(("compile", [compiler, "-o", target, "-s", "winc/" + name,
                                  os.path.join(PACKAGE, name)]))
        targets.append(target)
    board_target = None
    if board is not None:
        source = os.path.join(BOARDS, board, "winc_board.py")
        board_target = os.path.join(lib_out, "winc_board.mpy")
        steps.append(("compile", [compiler, "-o", board_target, "-s", "winc_board.py", source]))
    connect = [remote, "connect", port]
    if clean:
        steps.append(("rm", connect + ["rm", "-r", ":lib/winc"]))
    steps.append(("mkdir", connect + ["mkdir", ":lib"]))
    steps.append(("mkdir", connect + ["mkdir", ":lib/winc"]))
    steps.append(("cp", connect + ["cp"] + targets + [":lib/winc/"]))
    if board_target is not None:
        steps.append(("cp", connect + ["cp", board_target, ":lib/winc_board.mpy"]))
    return steps


def package_json(board=MIP_BOARD):
    """package.json for mip (mpremote mip install ...): URLs relative to the repository root."""
    urls = [["winc/" + name, "lib/winc/" + name] for name in modules()]
    if board is not None:
        urls.append(["winc_board.py", "boards/micropython/%s/winc_board.py" % board])
    return {"urls": urls, "version": VERSION}


def format_package_json(package):
    """package.json text: one [target, source] pair per line."""
    urls = ",\n".join("    " + json.dumps(pair) for pair in package["urls"])
    return '{\n  "urls": [\n%s\n  ],\n  "version": %s\n}\n' % (urls, json.dumps(package["version"]))


def _tolerated(kind, output):
    # mpremote reports os errors as "<command>: <path>: <strerror>." and exits with 1.
    if kind == "mkdir":
        return "File exists" in output or "EEXIST" in output
    if kind == "rm":
        return "No such file" in output or "ENOENT" in output
    return False


def run(steps):
    for kind, argv in steps:
        print("$ " + shlex.join(argv), flush=True)
        if kind == "compile":
            os.makedirs(os.path.dirname(argv[2]), exist_ok=True)
        result = subprocess.run(argv, capture_output=True, text=True)
        output = result.stdout + result.stderr
        if result.returncode and not _tolerated(kind, output):
            sys.stdout.write(output)
            raise SystemExit("%s failed (exit status %d)" % (kind, result.returncode))
        if kind != "compile" and output.strip():
            sys.stdout.write(output)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default="auto",
                        help="mpremote device: /dev/ttyACM0, COM3, auto (default), ...")
    parser.add_argument("--board", choices=boards(),
                        help="also deploy boards/micropython/BOARD/winc_board.py")
    parser.add_argument("--clean", action="store_true",
                        help="remove :lib/winc first (stale .py files there shadow .mpy ones)")
    parser.add_argument("--out", default=OUT, help="where the .mpy files go (build/deploy)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--compile-only", action="store_true",
                        help="compile into --out, touch no board")
    parser.add_argument("--package-json", action="store_true",
                        help="print the package.json for mip and exit")
    args = parser.parse_args(argv)
    if args.package_json:
        sys.stdout.write(format_package_json(package_json()))
        return
    steps = plan(args.port, args.board, os.path.abspath(args.out), args.clean)
    if args.compile_only:
        steps = [step for step in steps if step[0] == "compile"]
    if args.dry_run:
        for _kind, command in steps:
            print(shlex.join(command))
        return
    run(steps)


if __name__ == "__main__":
    main()
