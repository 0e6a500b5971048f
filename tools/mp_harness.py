"""Runs one test module's test_* functions under MicroPython; prints PASS/FAIL/SKIP per test.

Invoked by tools/mp_runner.py as: micropython mp_harness.py <module> <data heap bytes> <path>...
On a board winc is frozen: its code sits in flash and the heap holds only data. Here the code
is loaded from .mpy into the heap, so the harness sets <data heap bytes> aside in one piece,
imports all code, ties up whatever else is free, then releases the piece: the tests run with
exactly that much room for their data.
"""

import gc
import os
import sys

name = sys.argv[1]
data_heap = int(sys.argv[2])
sys.path[:0] = sys.argv[3:]

gc.collect()
start_free = gc.mem_free()
data = bytearray(data_heap - 32)  # less its own header: released for the tests below
for path in sys.argv[3:]:  # every winc module, even those a test imports on an error path
    try:
        modules = os.listdir(path + "/winc")
    except OSError:
        continue
    for file in modules:
        if file.endswith(".mpy"):
            __import__("winc." + file[:-4])
    break
from support import SkipTest  # noqa: E402

module = __import__(name)
try:
    import wincsim.remote  # noqa: F401  the emulator client, when the server is up
except (ImportError, OSError):
    pass
gc.collect()
code = start_free - len(data) - gc.mem_free()
ballast = []
crumbs = [None] * 4096  # for the one-block holes, one boxed float each
chunk = 1 << 16
while chunk >= 16:  # tie up all free space, however fragmented
    try:
        ballast.append(bytearray(chunk))
    except MemoryError:
        chunk //= 2
try:
    for i in range(len(crumbs)):
        crumbs[i] = i + 0.5
except MemoryError:
    pass
data = None
gc.collect()
print("HEAP code %d bytes, data %d bytes free" % (code, gc.mem_free()))

for test in sorted(n for n in dir(module) if n.startswith("test_")):
    gc.collect()
    try:
        getattr(module, test)()
        print("PASS", test)
    except SkipTest as e:
        print("SKIP", test, e.args[0] if e.args else "")
    except Exception as e:  # report and carry on with the next test
        print("FAIL", test)
        sys.print_exception(e)
