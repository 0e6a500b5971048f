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


def compile_all(out=OUT):
    """{module file: .mpy size} of lib/winc compiled into out; SystemExit on any rejection."""
    return compile_dir(PACKAGE, out, [n for n in os.listdir(PACKAGE) if n.endswith(".py")],
                       "winc/")


def compile_dir(src, out, names, prefix=""):
    """Compile src/<name> for each name into out/<name>.mpy; SystemExit listing every error."""
    os.makedirs(out, exist_ok=True)
    sizes, errors = {}, []
    for name in sorted(names):
        target = os.path.join(out, name[:-3] + ".mpy")
        run = subprocess.run([mpy_cross(), "-o", target, "-s", prefix + name,
                              os.path.join(src, name)], capture_output=True, text=True)
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
