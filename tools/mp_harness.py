"""Runs one test module's test_* functions under MicroPython; prints PASS/FAIL/SKIP per test.

Invoked by tools/mp_runner.py as: micropython mp_harness.py <module> <path>...
"""

import sys

name = sys.argv[1]
sys.path[:0] = sys.argv[2:]
from support import SkipTest  # noqa: E402

module = __import__(name)
for test in sorted(n for n in dir(module) if n.startswith("test_")):
    try:
        getattr(module, test)()
        print("PASS", test)
    except SkipTest as e:
        print("SKIP", test, e.args[0] if e.args else "")
    except Exception as e:  # report and carry on with the next test
        print("FAIL", test)
        sys.print_exception(e)
