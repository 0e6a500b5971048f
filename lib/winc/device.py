"""device: command queue, sequence numbers, response matching, AEC fan-out and the event pump.

Link-agnostic: a link encodes bursts of `Command`s and hands back parsed messages. Everything
the module says is dispatched from `pump()`, in module order; handlers never wait.
"""

from . import _ids
from ._compat import const, print_exception, schedule, ticks_add, ticks_diff, ticks_ms

_EIO = const(5)
_EAGAIN = const(11)
_ENODEV = const(19)
_ECONNABORTED = const(103)
_ETIMEDOUT = const(110)

PENDING = const(-1)
_POLL_MS = const(10)
_MAX_EVENTS = const(16)  # per pump pass: a flooding module cannot starve the caller
CALL_TIMEOUT_MS = const(5000)
_NO_ARG = object()

_DOWN = const(0)  # never initialised
_INIT = const(1)  # init() running: commands flow, a BOOT AEC is expected
_UP = const(2)
_FAILED = const(3)  # the link failed: init() again


def describe(table, ident):
    """Name of a command or status for an error message; the tables load only when needed."""
    from . import _names

    return _names.name(getattr(_names, table), ident)


def _call(handler, a, b):
    # Two fixed arities instead of *args: no tuple per dispatched message.
    if b is _NO_ARG:
        handler(a)
    else:
        handler(a, b)


class Command:
    """One module command: ID, parameters (type code, value, ...) and what to do with replies.

    on_response(cmd, msg) runs for each RSP, on_status(cmd) once the STATUS is in; both run
    inside the pump and must not block. status is PENDING, the module's status, or -errno
    when the driver gave up on the command (module reset, link failure).
    """

    def __init__(self, cmd_id, params=(), on_response=None, on_status=None):
        self.id = cmd_id
        self.params = params
        self.seq = 0
        self.status = PENDING
        self.on_response = on_response
        self.on_status = on_status


class Device:
    """A module behind a link: `init()`, `pump()`, commands and event subscriptions."""

    default = None  # the device used where an API takes dev=None

    def __init__(self, link):
        self._link = link
        self._seq = 0
        self._pending = []  # submitted commands without a STATUS, in sequence order
        self._queue = []  # bursts the link has not taken yet
        self._aec = {}  # AEC id -> list of handler(msg); lists are replaced, never mutated
        self._reset_handlers = []
        self._state = _DOWN
        # True while the device runs an operation, and so while any handler runs: handlers
        # may queue commands but not wait, and a scheduled pump must not start.
        self._busy = False
        self.handlers = 0  # socket-service handlers running (winc.service): they must not wait
        self._cut = False
        self._deferred = False
        self._guard_gen = None  # see _run
        self._guarding = False
        self._h = self._ha = self._hb = None
        self._info = None
        self._polled = ticks_ms()  # last SPI poll of poll_events() when there is no INT pin
        # trace(event, obj): 'tx' Command, 'rx' Message, 'drop' reason, 'reset' errno.
        self.trace = None
        # Bound methods made once: they are handed out on every event.
        self._received = self._on_message
        self._dropped = self.drop
        self._scheduled = self._pump_scheduled
        Device.default = self

    def __repr__(self):
        state = ("down", "init", "up", "failed")[self._state]
        return "<%s %s>" % (type(self).__name__, state)

    # ---- lifecycle -----------------------------------------------------------------------------

    def init(self, timeout_ms=10000):
        """Reset (if a reset line exists), handshake, and read the firmware version."""
        self._enter()
        try:
            if self._state == _UP:
                self._forget(_ECONNABORTED)
            self._pending = []
            self._queue = []
            self._seq = 0
            self._info = None
            self._state = _INIT
            self._link.init(timeout_ms)
            self._cut = False
        finally:
            self._leave()  # a BusError leaves the device FAILED
        self._info = self._query_version(timeout_ms)
        self._state = _UP
        return self._info

    @property
    def busy(self):
        """True while the device runs an operation or a handler: waiting would deadlock, or
        (a socket-service handler) stall every other service."""
        return self._busy or self.handlers > 0

    def poll_events(self):
        """Pump once if the module has something to say; never waits. With an INT pin this is a
        pin read; without one, asking costs an SPI transaction, so it is asked at most every
        _POLL_MS (poll and asyncio call this about once a millisecond)."""
        if self._busy or self._state != _UP:
            return
        if not self._link.has_irq:
            now = ticks_ms()
            if ticks_diff(now, self._polled) < _POLL_MS:
                return
            self._polled = now
        if self._link.pending():
            self.pump()

    def version(self):
        """(manufacturer, model, firmware) as the module reports them (GMI, GMM, GMR)."""
        if self._info is None:
            self._info = self._query_version(CALL_TIMEOUT_MS)
        return self._info

    def _query_version(self, timeout_ms):
        texts = {}

        def keep(cmd, msg):
            texts[cmd.id] = msg.str(0) if msg.count else ""

        self.run((Command(_ids.GMI, (), keep), Command(_ids.GMM, (), keep),
                  Command(_ids.GMR, (), keep)), timeout_ms)
        return (texts.get(_ids.GMI), texts.get(_ids.GMM), texts.get(_ids.GMR))

    # ---- commands ------------------------------------------------------------------------------

    def submit(self, cmds):
        """Queue a burst (a sequence of Commands) for transmission; returns at once.

        Bad parameters raise TypeError/ValueError here, before anything is queued.
        """
        if self._state != _UP and self._state != _INIT:
            raise self._down_error()
        self._link.check(cmds)
        self._number(cmds)
        self._queue.append(cmds)
        if not self._busy:
            self._enter()
            try:
                self._kick()
                self._cut = False
            finally:
                self._leave()

    def _number(self, cmds):
        """Give each command its sequence number and put it in the pending list."""
        for cmd in cmds:
            cmd.seq = self._seq
            cmd.status = PENDING
            self._seq = (self._seq + 1) & 0xFFFF
            self._pending.append(cmd)

    @property
    def raw_reads(self):
        """True when the link moves socket data cheapest as polled raw reads (the AT link's
        `#` transfers; its push events carry data as hex, twice the bytes)."""
        return self._link.raw_reads

    @property
    def up(self):
        """True once init() has succeeded and until the module or the link is lost."""
        return self._state == _UP

    def wait(self, cmd, timeout_ms=CALL_TIMEOUT_MS):
        """Pump until cmd has its STATUS; ETIMEDOUT past timeout_ms, EAGAIN inside a callback."""
        if cmd.status == PENDING and self._busy:
            raise OSError(_EAGAIN, "cannot wait inside a handler")  # it would wait for itself
        deadline = ticks_add(ticks_ms(), timeout_ms)
        while cmd.status == PENDING:
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                raise OSError(_ETIMEDOUT, describe("COMMANDS", cmd.id))
            self.pump(left)
        if cmd.status < 0:
            raise OSError(-cmd.status, describe("COMMANDS", cmd.id))

    @staticmethod
    def layer(dev, name, make):
        """The part `name` of dev, or of the default device when dev is None (the socket
        layer, the station...): made by make(dev) on first use, one per device."""
        if dev is None:
            dev = Device.default
            if dev is None:
                raise OSError(_ENODEV, "no device: create and init() a WINCS02 first")
        part = getattr(dev, name, None)
        if part is None:
            part = make(dev)
            setattr(dev, name, part)
        return part

    def run(self, cmds, timeout_ms=CALL_TIMEOUT_MS):
        """Send cmds as one burst and wait for every STATUS; OSError for the first that failed."""
        self.submit(cmds)
        for cmd in cmds:
            self.wait(cmd, timeout_ms)
        for cmd in cmds:
            if cmd.status:
                raise self.error(cmd)

    def call(self, cmd_id, params=(), timeout_ms=CALL_TIMEOUT_MS):
        """Run one command to completion; its RSPs as lists of values. OSError on error status."""
        responses = []
        cmd = Command(cmd_id, params, lambda c, msg: responses.append(msg.values()))
        self.submit((cmd,))
        self.wait(cmd, timeout_ms)
        if cmd.status:
            raise self.error(cmd)
        return responses

    def value(self, cmd_id, params=()):
        """A configuration query's answer (§5.5): element 1 of its first RSP (id, value), or
        None when the module has no value to give."""
        for rsp in self.call(cmd_id, params):
            if len(rsp) >= 2:
                return rsp[1]
        return None

    @staticmethod
    def error(cmd):
        """OSError(EIO) naming the command and the module status it failed with."""
        return OSError(_EIO, "%s: %s" % (describe("COMMANDS", cmd.id),
                                         describe("STATUSES", cmd.status)))

    # ---- services the module answers with an event (net.py) ------------------------------------

    def ping(self, host, timeout_ms=5000):
        """Round-trip time in ms of a ping the module sends; OSError(EHOSTUNREACH) if none."""
        from . import net

        return net.ping(self, host, timeout_ms)

    def time(self):
        """The module's clock, UTC seconds since 1970."""
        from . import net

        return net.time(self)

    def settime(self, seconds):
        from . import net

        net.settime(self, seconds)

    def ntp(self, server=None, enable=True):
        """Keep the module's clock by SNTP (server None: the servers DHCP named)."""
        from . import net

        net.ntp(self, server, enable)

    # ---- events --------------------------------------------------------------------------------

    def subscribe(self, aec_id, handler):
        """Call handler(msg) for every AEC with this ID (msg is valid during the call only)."""
        self._aec[aec_id] = self._aec.get(aec_id, []) + [handler]

    def unsubscribe(self, aec_id, handler):
        handlers = [h for h in self._aec.get(aec_id, ()) if h is not handler]
        if handlers:
            self._aec[aec_id] = handlers
        else:
            self._aec.pop(aec_id, None)

    def on_reset(self, handler):
        """Call handler(errno) when the module resets (ECONNABORTED) or the link fails (EIO)."""
        self._reset_handlers = self._reset_handlers + [handler]

    def pump(self, timeout_ms=0):
        """Service pending module events; wait up to timeout_ms for the first. Returns the count."""
        if self._busy:
            return 0  # re-entered from a callback: the running pump carries on
        if self._state != _UP and self._state != _INIT:
            raise self._down_error()
        self._enter()
        try:
            return self._pump(timeout_ms)
        finally:
            self._leave()

    def _pump(self, timeout_ms):
        deadline = ticks_add(ticks_ms(), timeout_ms)
        while True:
            done = self._service()
            if done or timeout_ms <= 0:
                self._cut = False
                return done
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                self._cut = False
                return 0
            self._link.wait(left)

    def _service(self):
        """Send what is queued and take what the module has: up to _MAX_EVENTS messages."""
        link = self._link
        done = 0
        self._kick()
        while done < _MAX_EVENTS and link.pending():
            n = link.service(self._received, self._dropped)
            if n < 0:
                break
            done += n
            self._kick()
        return done

    def _kick(self):
        """Hand the next burst to the link once it is free (caller holds _busy)."""
        if self._queue and not self._link.tx_busy:
            burst = self._queue.pop(0)
            self._link.start(burst)
            if self.trace:
                for cmd in burst:
                    self.trace("tx", cmd)

    # Operations (pump, submit) run between _enter() and _leave() in a bare try/finally: an
    # except clause would put every call's frame on the MicroPython heap. _cut stays True when
    # an exception leaves the operation, so _leave() knows to clean up after it.
    def _enter(self):
        self._busy = True
        self._cut = True
        self._link.fault = None

    def _leave(self):
        self._busy = False
        if self._cut:
            self._cut = False
            self._link.idle()  # end the frame the exception cut short (e.g. Ctrl-C)
            fault = self._link.fault
            if fault is not None:
                self._link.fault = None
                self._fail(fault)
        if self._deferred:
            self._deferred = False
            self._irq(None)

    def _on_message(self, msg):
        if self.trace:
            self.trace("rx", msg)
        if msg.kind == _ids.AEC:
            if msg.id == _ids.AEC_BOOT and self._state == _UP:
                self._forget(_ECONNABORTED)
            handlers = self._aec.get(msg.id)
            if handlers:
                i = 0
                while i < len(handlers):  # not `for`: its iterator would widen the frame
                    self._run(handlers[i], msg)
                    i += 1
            return
        self._match(msg)

    def _match(self, msg):
        """Pair a STATUS/RSP with its command (§4.5): same sequence number and command ID.

        Commands older than the message whose STATUS never came were lost: they complete with
        INVALID_CMD, as the reference host does. A message older than every pending command,
        or whose ID differs at the same sequence number, is stale and dropped [INFERRED].
        """
        pending = self._pending
        seq = msg.seq
        while pending:
            cmd = pending[0]
            if cmd.seq == seq:
                if cmd.id != msg.id:
                    break
                if msg.kind == _ids.STATUS:
                    pending.pop(0)
                    self._complete(cmd, msg.status)
                elif cmd.on_response is not None:
                    self._run(cmd.on_response, cmd, msg)
                return
            if (seq - cmd.seq) & 0xFFFF >= 0x8000:
                break  # the message predates every pending command
            pending.pop(0)
            self._complete(cmd, _ids.INVALID_CMD)
        self.drop("%s 0x%04x seq %d matches no pending command" % (
            "STATUS" if msg.kind == _ids.STATUS else "RSP", msg.id, seq))

    def _complete(self, cmd, status):
        cmd.status = status
        if cmd.on_status is not None:
            self._run(cmd.on_status, cmd)

    def _run(self, handler, a, b=_NO_ARG):
        """Call handler(a) or handler(a, b); an exception it raises is printed, not raised.

        The except clause lives in a generator made once (_guard): a function with one would
        put its frame on the MicroPython heap at every dispatched message. A handler that
        dispatches again (nested) gets a plain guarded call instead.
        """
        if self._guarding:
            self._run_nested(handler, a, b)
            return
        if self._guard_gen is None:
            self._guard_gen = self._guard()
            next(self._guard_gen)
        self._h = handler
        self._ha = a
        self._hb = b
        self._guard_gen.send(None)

    def _guard(self):
        while True:
            yield
            self._guarding = True
            try:
                _call(self._h, self._ha, self._hb)
            except Exception as e:  # a handler's bug must not stop the pump
                print_exception(e)
            except BaseException:  # Ctrl-C: it ends this generator; _run makes a new one
                self._guard_gen = None
                self._guarding = False
                raise
            self._guarding = False
            self._h = self._ha = self._hb = None  # keep no message or command alive

    @staticmethod
    def _run_nested(handler, a, b):
        try:
            _call(handler, a, b)
        except Exception as e:  # a handler's bug must not stop the pump
            print_exception(e)

    def drop(self, reason):
        """Report a message (or part of one) the driver could not use, with the reason."""
        if self.trace:
            self.trace("drop", reason)

    def _forget(self, errno):
        """The module lost its state: fail every command in flight and tell the services."""
        pending = self._pending
        self._pending = []
        self._queue = []
        self._link.abandon()
        if self.trace:
            self.trace("reset", errno)
        for cmd in pending:
            self._complete(cmd, -errno)
        for handler in self._reset_handlers:
            self._run(handler, errno)

    def _fail(self, exc):
        if self._state == _FAILED:
            return
        self._state = _FAILED
        self._forget(exc.errno if exc.errno else _EIO)

    def _down_error(self):
        if self._state == _FAILED:
            return OSError(_EIO, "link failed: call init()")
        return OSError(_ENODEV, "not initialised: call init()")

    # ---- background pumping (MicroPython: INT edge -> micropython.schedule) ------------------

    def _irq(self, pin):
        # Interrupt context: only ask for a pump later; never touch the bus here.
        if schedule is not None:
            try:
                schedule(self._scheduled, None)
            except RuntimeError:  # schedule queue full: the next pump sees the INT level
                pass

    def _pump_scheduled(self, _):
        if self._busy:
            self._deferred = True  # the running operation ends by scheduling us again
            return
        if self._state != _UP:
            return
        try:
            self.pump()
        except OSError:
            pass  # already turned into device state; the next call reports it
