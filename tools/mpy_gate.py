"""Compile every module of lib/winc with mpy-cross; fail on any error, print the .mpy sizes."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "lib", "winc")
OUT = os.path.join(ROOT, "build", "mpy", "winc")


def mpy_cross():
    exe = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    return exe if os.path.exists(exe) else "mpy-cross"


def compile_all():
    """{module file: .mpy size}; raises SystemExit listing every module mpy-cross rejects."""
    os.makedirs(OUT, exist_ok=True)
    sizes, errors = {}, []
    for name in sorted(os.listdir(PACKAGE)):
        if not name.endswith(".py"):
            continue
        target = os.path.join(OUT, name[:-3] + ".mpy")
        run = subprocess.run([mpy_cross(), "-o", target, "-s", "winc/" + name,
                              os.path.join(PACKAGE, name)], capture_output=True, text=True)
        if run.returncode:
            errors.append("%s: %s" % (name, (run.stderr or run.stdout).strip()))
        else:
            sizes[name] = os.path.getsize(target)
    if errors:
        raise SystemExit("mpy-cross rejected:\n" + "\n".join(errors))
    return sizes


def main():
    sizes = compile_all()
    for name, size in sizes.items():
        print("%-24s %6d" % (name, size))
    print("mpy-cross: %d modules, %d bytes of .mpy" % (len(sizes), sum(sizes.values())))


if __name__ == "__main__":
    main()
