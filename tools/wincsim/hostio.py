"""emulator: host I/O without threads: timers and one select() over the features' host sockets.

The model runs only when it is called: every bus or pin call polls with a zero timeout, and the
INT-pin wait blocks here until a host socket or a timer has something to do.
"""

import heapq
import itertools
import select
import time


class HostIO:
    """Timers on the module's clock and the sources of host-socket readiness.

    A source answers interest() -> (sockets to read, sockets to write) and
    service(readable, writable), which is called on every poll (with empty sets too): it is
    also where a source moves buffered data on.
    """

    def __init__(self, now):
        self._now = now
        self._timers = []  # heap of (due, order, fn)
        self._order = itertools.count()  # timers due together run in the order they were set
        self.sources = []

    def clear(self):
        """Forget every timer and source (a module reset; the sources closed their sockets)."""
        self._timers = []
        self.sources = []

    def later(self, delay_s, fn):
        """Run fn() at the first poll at least delay_s from now (0: the next poll)."""
        heapq.heappush(self._timers, (self._now() + delay_s, next(self._order), fn))

    def poll(self, timeout_s=0):
        """Run due timers; wait up to timeout_s for host-socket activity; service the sources.

        The wait ends early when a timer falls due, so a delayed answer is never late.
        """
        self._run_timers()
        reads, writes = [], []
        for source in self.sources:
            r, w = source.interest()
            reads += r
            writes += w
        if self._timers:
            timeout_s = min(timeout_s, max(0.0, self._timers[0][0] - self._now()))
        if reads or writes:
            try:
                readable, writable, _ = select.select(reads, writes, [], timeout_s)
            except (OSError, ValueError):  # a socket closed under us: look again next poll
                readable, writable = [], []
        else:
            if timeout_s > 0:
                time.sleep(timeout_s)
            readable = writable = []
        readable, writable = set(readable), set(writable)
        for source in list(self.sources):
            source.service(readable, writable)
        self._run_timers()

    def _run_timers(self):
        now = self._now()
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            fn()
