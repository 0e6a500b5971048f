"""winc.select: poll() over winc sockets that works under CPython too (socket-semantics C.10).

On MicroPython `select.poll` also works on winc sockets through their ioctl; this one pumps the
device while it waits, has no limit on entries and accepts any timeout.
"""

from ._compat import const, sleep_ms, ticks_add, ticks_diff, ticks_ms

POLLIN = const(1)
POLLOUT = const(4)
POLLERR = const(8)
POLLHUP = const(16)
POLLNVAL = const(32)

_MP_STREAM_POLL = const(3)
_ALWAYS = const(POLLERR | POLLHUP | POLLNVAL)


class poll:
    def __init__(self):
        self._entries = {}  # id(obj) -> [obj, mask]

    def register(self, obj, mask=POLLIN | POLLOUT):
        self._entries[id(obj)] = [obj, mask]

    def modify(self, obj, mask):
        entry = self._entries.get(id(obj))
        if entry is None:
            raise OSError(2, "not registered")  # ENOENT, as MicroPython's poll
        entry[1] = mask

    def unregister(self, obj):
        self._entries.pop(id(obj), None)

    def poll(self, timeout_ms=-1):
        """[(obj, revents)] of the ready entries; waits up to timeout_ms (-1: forever)."""
        return list(self.ipoll(timeout_ms))

    def ipoll(self, timeout_ms=-1, flags=0):
        deadline = ticks_add(ticks_ms(), timeout_ms) if timeout_ms > 0 else 0
        while True:
            ready = []
            for obj, mask in list(self._entries.values()):
                revents = obj.ioctl(_MP_STREAM_POLL, mask | _ALWAYS) & (mask | _ALWAYS)
                if revents:
                    ready.append((obj, revents))
                    if flags & 1:  # one-shot: disarm until modify()
                        self._entries[id(obj)][1] = 0
            if ready or timeout_ms == 0:
                return ready
            left = 1000
            if timeout_ms > 0:
                left = ticks_diff(deadline, ticks_ms())
                if left <= 0:
                    return ready
            wait(entry[0] for entry in self._entries.values())(min(left, 1000))


def wait(objs):
    """A wait(timeout_ms) for the first winc socket among objs: its device's pump, which
    returns at the module's first event; a plain sleep when there is none. (Also used by
    winc.service.)"""
    for obj in objs:
        stack = getattr(obj, "_stack", None)
        if stack is not None and stack.dev.up:
            return stack.dev.pump
    return sleep_ms
