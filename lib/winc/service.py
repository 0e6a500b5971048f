"""winc.service: Zephyr's socket services in Python (socket-semantics B, C.11).

A Service calls its handler for each of its registered sockets that is ready; one dispatcher
serves every service: run_once(), run(), or `await serve()` as an asyncio task.
"""

from ._compat import const, ticks_add, ticks_diff, ticks_ms
from .select import POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, wait  # noqa: F401 (POLL*)

_MP_STREAM_POLL = const(3)
_ALWAYS = const(0x38)  # POLLERR | POLLHUP | POLLNVAL: reported whether asked for or not
_GONE = const(0x18)  # POLLERR | POLLHUP: a dead socket (module reset, reset connection)
_EBADF = const(9)
_ENOMEM = const(12)
_WAIT_SLICE_MS = const(1000)  # longest single device wait: run_once re-reads readiness after
_RUN_SLICE_MS = const(50)  # run(until): how often the predicate is asked while idle
_SERVE_IDLE_MS = const(5)  # serve(): the asyncio task's nap when no handler ran

MAX_ENTRIES = 32  # entries over all live services (Zephyr: CONFIG_ZVFS_POLL_MAX); may be set

_services = []  # live services in creation order; replaced, never changed in place
_doomed = []  # sockets of services closed during a round: closed when the round ends
_dispatching = False


class Event:
    """What a handler gets: a copy of its entry as polled. Changing it changes nothing."""

    def __init__(self, fd, events, revents, user_data, service):
        self.fd = fd
        self.events = events
        self.revents = revents
        self.user_data = user_data
        self.service = service

    def __repr__(self):
        return "<Event fd=%r events=%d revents=%d>" % (self.fd, self.events, self.revents)


class Service:
    """Service(handler, count, name=None) ~ NET_SOCKET_SERVICE_SYNC_DEFINE(name, handler, count).

    handler(ev) is called with an Event for each ready entry. `count` entries at most; the total
    over all live services is bounded by MAX_ENTRIES (OSError(ENOMEM) past it).
    """

    def __init__(self, handler, count, name=None):
        if not callable(handler):
            raise TypeError("handler must be callable")
        if not isinstance(count, int) or count < 1:
            raise ValueError("count must be an int >= 1")
        self.handler = handler
        self.count = count
        self.name = name
        self._entries = []  # [sock, events, user_data, spent] of enabled entries, index order
        self._generation = 0  # bumped by every (re)configuration
        self._live = False
        self._join()

    def __repr__(self):
        return "<Service %s %d/%d>" % (self.name or hex(id(self)), len(self._entries), self.count)

    def _join(self):
        global _services
        used = 0
        for svc in _services:
            used += svc.count
        if used + self.count > MAX_ENTRIES:
            raise OSError(_ENOMEM, "%d of %d service entries in use" % (used, MAX_ENTRIES))
        _services = _services + [self]
        self._live = True

    def register(self, pollfds, user_data=None):
        """Replace the whole set with pollfds: (sock, events) pairs or objects with .fd and
        .events; a sock of None or -1 is a disabled entry. user_data goes with every entry.

        More entries than count: OSError(ENOMEM); a closed socket: OSError(EBADF). Either
        leaves the previous set as it was. Allowed inside a handler: it applies from the next
        round, and no event reaches an entry that is gone.
        """
        if len(pollfds) > self.count:
            raise OSError(_ENOMEM, "%d entries for a service of %d" % (len(pollfds), self.count))
        entries = []
        for item in pollfds:
            if isinstance(item, (tuple, list)):
                sock, events = item
            else:
                sock, events = item.fd, item.events
            if sock is None or (isinstance(sock, int) and sock < 0):
                continue
            if not isinstance(events, int):
                raise TypeError("events must be an int")
            if sock.ioctl(_MP_STREAM_POLL, 0) & POLLNVAL:
                raise OSError(_EBADF, "a closed socket cannot be registered")
            entries.append([sock, events, user_data, False])
        if not self._live:
            self._join()
        self._configure(entries)

    def unregister(self):
        """Disable every entry; always succeeds."""
        self._configure([])

    def close(self):
        """Unregister, then close the sockets that were registered: now, or when the running
        round ends if called from a handler. The service's capacity is released; register()
        takes it again."""
        global _services
        socks = [entry[0] for entry in self._entries]
        self._configure([])
        if self._live:
            _services = [svc for svc in _services if svc is not self]
            self._live = False
        if _dispatching:
            _doomed.extend(socks)
        else:
            _close_all(socks)

    def _configure(self, entries):
        self._entries = entries  # a new list: a running round keeps iterating the old one
        self._generation += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _close_all(socks):
    for sock in socks:
        sock.close()


def foreach(cb, user_data=None):
    """cb(service, user_data) for each live service, in creation order."""
    for svc in _services:
        cb(svc, user_data)


def _round():
    """Dispatch every ready entry once; returns the number of handlers called."""
    global _dispatching, _doomed
    called = 0
    _dispatching = True
    try:
        for svc in _services:
            generation = svc._generation
            for entry in svc._entries:
                if svc._generation != generation:
                    break  # reconfigured by a handler: the new set applies from the next round
                sock, events, user_data, spent = entry
                if spent:
                    continue
                mask = events | _ALWAYS
                revents = sock.ioctl(_MP_STREAM_POLL, mask) & mask
                if not revents:
                    continue
                if revents & POLLNVAL or revents & _GONE == _GONE:
                    entry[3] = True  # reported once, not every round (C.11)
                called += 1
                _dispatch(svc, Event(sock, events, revents, user_data, svc))
    finally:
        _dispatching = False
        if _doomed:
            socks, _doomed = _doomed, []
            _close_all(socks)
    return called


def _dispatch(svc, ev):
    # A blocking socket call inside a handler acts as non-blocking (C.6, C.11): the device
    # says it is busy while the handler runs, so waits turn into EAGAIN instead of stalling
    # every service.
    dev = _device(ev.fd)
    if dev is None:
        svc.handler(ev)
        return
    dev.handlers += 1
    try:
        svc.handler(ev)
    finally:
        dev.handlers -= 1


def _device(sock):
    stack = getattr(sock, "_stack", None)
    return stack.dev if stack is not None else None


def run_once(timeout_ms=-1):
    """One dispatch round, waiting up to timeout_ms (-1: forever) for a ready entry.
    Returns the number of handlers called. Not from inside a handler (RuntimeError)."""
    if _dispatching:
        raise RuntimeError("the dispatcher is not re-entrant")
    deadline = ticks_add(ticks_ms(), timeout_ms) if timeout_ms > 0 else 0
    while True:
        called = _round()
        if called or timeout_ms == 0:
            return called
        left = _WAIT_SLICE_MS
        if timeout_ms > 0:
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                return 0
        wait(entry[0] for svc in _services for entry in svc._entries)(
            left if left < _WAIT_SLICE_MS else _WAIT_SLICE_MS)


def run(until=None):
    """Dispatch forever, or until until() returns true (asked between rounds)."""
    if until is None:
        while True:
            run_once(-1)
    while not until():
        run_once(_RUN_SLICE_MS)


async def serve(idle_ms=_SERVE_IDLE_MS):
    """The dispatcher as an asyncio task: rounds without waiting, a nap of idle_ms when
    nothing was ready, so other tasks run."""
    import asyncio

    nap = getattr(asyncio, "sleep_ms", None)
    while True:
        if run_once(0):
            await asyncio.sleep(0)
        elif nap is not None:
            await nap(idle_ms)
        else:
            await asyncio.sleep(idle_ms / 1000)
