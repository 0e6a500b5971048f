"""portability: every difference between MicroPython, CircuitPython and CPython lives here."""

import sys

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


try:
    from micropython import schedule
except ImportError:  # CPython, and CircuitPython builds without it
    schedule = None

try:
    from time import sleep_ms, ticks_add, ticks_diff, ticks_ms
except ImportError:  # CircuitPython and CPython: ticks with MicroPython's wrap-around rules
    import time

    _TICKS_PERIOD = const(1 << 29)
    _TICKS_MAX = const(_TICKS_PERIOD - 1)
    _TICKS_HALF = const(_TICKS_PERIOD // 2)

    try:
        from supervisor import ticks_ms
    except ImportError:

        def ticks_ms():
            return (time.monotonic_ns() // 1000000) & _TICKS_MAX

    def ticks_add(ticks, delta):
        return (ticks + delta) & _TICKS_MAX

    def ticks_diff(end, start):
        return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF

    def sleep_ms(ms):
        time.sleep(ms / 1000)


MICROPYTHON = sys.implementation.name in ("micropython", "circuitpython")

if MICROPYTHON:
    try:
        from io import IOBase
    except ImportError:  # CircuitPython without CIRCUITPY_IO_IOBASE: not pollable, still usable
        IOBase = object
else:
    # CPython's io.IOBase brings a read-only `closed`, a closing __del__ and its own readline:
    # none of that matches MicroPython's stream protocol, so host sockets stand on object.
    IOBase = object


def print_exception(exc):
    """Print a traceback the way the running interpreter does, without raising."""
    try:
        sys.print_exception(exc)
    except AttributeError:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
