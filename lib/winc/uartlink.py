"""link: RNWF02 over UART — AT lines, one command in flight, raw '#' writes (AT spec §1-§5).

A burst of Commands goes out one line at a time; each ends at its final result (OK/ERROR), which
becomes the command's STATUS. Responses and events are converted by atcodec into the messages
the SPI link delivers. Bytes are read into one preallocated line buffer; every wait has a
deadline, and a module that stops answering fails the link with ETIMEDOUT.
"""

from . import _ids, atcodec
from ._buf import Span, Views
from ._compat import const, sleep_ms, ticks_add, ticks_diff, ticks_ms

_EIO = const(5)
_ECONNABORTED = const(103)
_ETIMEDOUT = const(110)

_IDLE = const(0)
_LINE = const(1)  # a line sent: responses, then its final result
_RAW = const(2)  # a raw write's header sent: waiting for '#'
_READ = const(3)  # a raw read (SOCKRD mode 2) sent: waiting for '#'
_READING = const(4)  # taking its data bytes

_RESET_PULSE_MS = const(100)
_RESYNC_MS = const(500)  # one `!` + `AT` attempt of the resync (§4)
_QUIET_MS = const(50)
_SHORT_MS = const(100)  # a raw read whose bytes end in OK and then pause: it stopped short
_WRITE_MS = const(2000)  # a UART that takes nothing for this long (CTS held) has failed
_ROOM = const(512)  # less free space than this at the end: the partial line moves to the front
_NL = b"\n"

_NVMER = const(0x1D01)
# Commands slower than the link's deadline: NVM erase (§12), reset (its OK may never come).
_SLOW_MS = {_NVMER: 30000, _ids.RST: 10000}
_RD_MODES = (_ids.SOCKRD, _ids.SOCKRDBUF)


class UartLink:
    """The AT link: sends bursts of Commands as lines, hands converted messages upward."""

    raw_reads = True  # TCP data: SOCKRD mode 2 moves it as bytes, push events as hex

    def __init__(self, bus, rx_buf=4096, tx_buf=2560, msg_buf=None, cmd_timeout_ms=5000,
                 boot_ms=3000, flow=False):
        if not 256 <= rx_buf <= 32768 or not 128 <= tx_buf <= 32768:
            raise ValueError("rx_buf 256..32768, tx_buf 128..32768 bytes")
        if flow and not bus.has_flow:
            raise ValueError("flow: this UART cannot switch RTS/CTS")
        self._bus = bus
        self.fault = None  # the OSError last raised as a link failure (see Device._leave)
        self.rx = bytearray(rx_buf)
        self._rxv = memoryview(self.rx)
        self._start = 0  # first byte not yet taken
        self._fill = 0  # end of the bytes read
        self._scan = 0  # where the search for the next \n resumes
        self._discard = False  # dropping the rest of an overlong line
        self.tx = bytearray(tx_buf)
        self._txv = Views(self.tx, 8)  # the lines sent: a view per length, kept
        self._txn = 0  # length of the line in flight (its echo is dropped)
        self._name_end = 0  # its NAME is tx[3:_name_end]
        self.parser = atcodec.Parser(msg_buf or rx_buf // 2 + 512)
        self._timeout_ms = cmd_timeout_ms
        self._boot_ms = boot_ms
        self._flow = flow
        self._burst = None
        self._next = 0
        self._cmd = None  # the Command in flight; None: a setup line (_setup)
        self._setup = []  # basic commands to send before the next command (after +BOOT)
        self._state = _IDLE
        self._deadline = 0
        self._raw = None  # the data of the raw write in flight
        self._want = 0  # raw read: the bytes asked for, and where they go in the message
        self._got = 0
        self._at = 0
        self._took_at = 0  # when its last bytes came
        self._ring = self._ring_view = None
        self._last = {}  # command id -> params of its last success, for FAILURE lines
        self._received = None
        self._dropped = None
        self._work = False

    # ---- bursts (host -> module) -------------------------------------------------------------

    def check(self, cmds):
        """Raise TypeError/ValueError if a command of the burst cannot be sent; sends nothing."""
        if not len(cmds):
            raise ValueError("an empty burst")
        i = 0
        while i < len(cmds):
            cmd = cmds[i]
            data = atcodec.raw_data(cmd.id, cmd.params)
            if data is not None and atcodec.raw_length(cmd.id, cmd.params) != len(data):
                raise ValueError("LENGTH is not the length of DATA")
            if cmd.id in _RD_MODES and len(cmd.params) >= 6 and cmd.params[3] == 2 and (
                    cmd.id != _ids.SOCKRD or cmd.params[5] > len(self.parser.out) - 64):
                raise ValueError("raw reads: SOCKRD of at most %d bytes"
                                 % (len(self.parser.out) - 64))
            if atcodec.encode(None, cmd.id, cmd.params, data is not None) > len(self.tx):
                raise ValueError("AT line exceeds tx_buf (%d bytes)" % len(self.tx))
            i += 1

    @property
    def tx_busy(self):
        return self._burst is not None

    def start(self, cmds):
        """Take a burst: its commands go out one after another, each after the last's result."""
        self._burst = cmds
        self._next = 0
        self._send_next()

    def _send_next(self):
        """Put the next line on the wire: setup lines first, then the burst's next command."""
        if self._state != _IDLE:
            return
        if self._setup:
            line = self._setup.pop(0)
            n = len(line)
            self.tx[:n] = line
            self.tx[n] = 13
            self.tx[n + 1] = 10
            self._cmd = None
            self._transmit(n + 2, _LINE, self._timeout_ms)
            return
        burst = self._burst
        if burst is None:
            return
        if self._next >= len(burst):
            self._burst = None
            return
        cmd = burst[self._next]
        self._next += 1
        self._cmd = cmd
        self._raw = atcodec.raw_data(cmd.id, cmd.params)
        n = atcodec.encode(self.tx, cmd.id, cmd.params, self._raw is not None)
        state = _RAW if self._raw is not None else _LINE
        if cmd.id == _ids.SOCKRD and cmd.params[3] == 2:
            state = _READ  # '#', then exactly LENGTH bytes (asked for no more than announced)
            self._want = cmd.params[5]
        self._transmit(n, state, _SLOW_MS.get(cmd.id, self._timeout_ms))

    def _transmit(self, n, state, timeout_ms):
        self._txn = n
        i = 3
        while i < n and self.tx[i] != 0x3D and self.tx[i] != 13:  # '=' or CR ends the name
            i += 1
        self._name_end = i
        self._write(self._txv.get(0, n))
        self._state = state
        self._deadline = ticks_add(ticks_ms(), timeout_ms)

    def _write(self, data):
        """Write all of data; ETIMEDOUT if the UART takes nothing for _WRITE_MS."""
        n = len(data)
        done = self._bus.write(data)
        if done >= n:
            return
        deadline = ticks_add(ticks_ms(), _WRITE_MS)
        while done < n:
            took = self._bus.write(data[done:])
            done += took
            if not took:
                if ticks_diff(deadline, ticks_ms()) <= 0:
                    raise self._fault(OSError(_ETIMEDOUT, "UART write stalled"))
                sleep_ms(1)

    def _send_raw(self):
        """'#' came: the data of the raw write, exactly LENGTH bytes (§5.5); then its OK."""
        data = self._raw
        if isinstance(data, Span):
            if data.buf is not self._ring:  # a socket's TX ring: its view is kept
                self._ring = data.buf
                self._ring_view = memoryview(data.buf)
            view = self._ring_view
            first = min(data.n, len(data.buf) - data.off)
            self._write(view[data.off : data.off + first])
            if first < data.n:
                self._write(view[: data.n - first])
        else:
            self._write(memoryview(data))
        self._raw = None
        self._state = _LINE
        self._deadline = ticks_add(ticks_ms(), self._timeout_ms)

    def _begin_read(self):
        """'#' came for a raw read: its bytes go straight into the message being built."""
        self._at = self.parser.begin_read(self._cmd.params[1], self._want)
        self._got = 0
        self._state = _READING

    def _take_read(self):
        """Move the raw read's bytes from the line buffer into the message; once all are in,
        deliver it as SOCKRD's RSP and wait for the final result. True when delivered."""
        n = min(self._fill - self._start, self._want - self._got)
        if n > 0:
            at = self._at + self._got
            self.parser.out[at : at + n] = self._rxv[self._start : self._start + n]
            self._start += n
            self._scan = self._start
            self._got += n
            self._work = True
            self._took_at = ticks_ms()
        if self._got < self._want:
            return False
        cmd = self._cmd
        self._state = _LINE
        self._deadline = ticks_add(ticks_ms(), self._timeout_ms)
        why = self.parser.end_read(cmd.id, cmd.seq, self._want)
        if why is not None:
            self._dropped(why)
            return False
        self._received(self.parser.msg)
        return True

    def _short(self):
        """True when a raw read's bytes so far end in OK\r\n and nothing followed for a while:
        the module had fewer bytes than asked for (§5.5: it stops early, and says OK)."""
        if self._state != _READING or self._got < 4 or self._fill > self._start:
            return False
        end = self._at + self._got
        return (self.parser.out[end - 4 : end] == b"OK\r\n"
                and ticks_diff(ticks_ms(), self._took_at) >= _SHORT_MS)

    def _end_short_read(self):
        """Deliver the short read (its bytes without the OK) and the OK as its result."""
        self._want = self._got = self._got - 4
        self._dropped("SOCKRD stopped short: %d bytes" % self._got)
        self._take_read()
        return self._final(_ids.OK) + 1

    def idle(self):
        """Nothing to end: a UART has no frame an exception could leave open."""

    def abandon(self):
        """Forget the burst and the line in flight (module reset, link failure)."""
        self._burst = None
        self._next = 0
        self.abandon_line()

    def abandon_line(self):
        self._cmd = None
        self._raw = None
        self._state = _IDLE

    # ---- events (module -> host) -------------------------------------------------------------

    @property
    def has_irq(self):
        return True  # pending() is a local check, as cheap as reading an INT pin

    def pending(self):
        """True when there is input to take, or the line in flight is overdue."""
        if self._state != _IDLE and ticks_diff(ticks_ms(), self._deadline) >= 0:
            return True
        if self._short():
            return True
        return self._bus.any() > 0 or self._buffered()

    def _buffered(self):
        """True when the buffer holds a complete line, or the '#' a raw write waits for."""
        rx = self.rx
        s = self._start
        f = self._fill
        while s < f and (rx[s] == 0 or rx[s] == 0x3E):  # NULs and '>' prompts (§1)
            s += 1
        if self._state == _READING:
            return self._start < f  # data bytes, NULs and '>' included
        if s >= f:
            return False
        if (self._state == _RAW or self._state == _READ) and rx[s] == 0x23 and not self._discard:
            return True
        return rx.find(_NL, max(s, self._scan), f) >= 0

    def wait(self, timeout_ms):
        if self._state != _IDLE:
            timeout_ms = max(0, min(timeout_ms, ticks_diff(self._deadline, ticks_ms())))
        if self._state == _READING:
            timeout_ms = min(timeout_ms, _SHORT_MS)
        if self._buffered():
            return
        self._bus.wait_readable(timeout_ms)

    def service(self, received, dropped):
        """Take the input there is and handle its complete lines. Returns -1 if there was
        nothing to do, else the messages delivered (at least 1 when any input was taken).

        received(msg) gets each message; dropped(reason) each line that could not be used.
        """
        self._received = received
        self._dropped = dropped
        self._work = False
        if self._short():
            return self._end_short_read()
        if self._state != _IDLE and ticks_diff(ticks_ms(), self._deadline) >= 0:
            raise self._overdue()
        self._read()
        done = self._lines()
        if done:
            return done
        return 1 if self._work else -1

    def _overdue(self):
        what = "setup" if self._cmd is None else atcodec.command_name(self._cmd.id)
        waited = ("'#'" if self._state == _RAW or self._state == _READ else
                  "raw read data" if self._state == _READING else "final result")
        return self._fault(OSError(_ETIMEDOUT, "RNWF02: %s: no %s in time" % (what, waited)))

    def _fault(self, exc):
        """Remember a link failure being raised: the device fails once the raise unwinds."""
        self.fault = exc
        return exc

    def _read(self):
        """Move what the UART holds into the line buffer; returns the bytes taken."""
        rx = self.rx
        size = len(rx)
        if self._start and (self._start == self._fill or size - self._fill < _ROOM):
            n = self._fill - self._start  # keep the partial line, at the front
            rx[:n] = rx[self._start : self._fill]
            self._scan = max(0, self._scan - self._start)
            self._start = 0
            self._fill = n
        if self._fill == size:  # one line fills the buffer: drop it up to its end
            if self._buffered():
                return 0  # complete lines first
            if not self._discard and self._dropped is not None:
                self._dropped("line over %d bytes" % size)
            self._discard = True
            self._start = self._fill = self._scan = 0
        n = self._bus.any()
        if n <= 0:
            return 0
        n = min(n, size - self._fill)
        n = self._bus.readinto(self._rxv[self._fill : self._fill + n])  # one view per read
        self._fill += n
        if n:
            self._work = True
        return n

    def _lines(self):
        """Handle the complete lines in the buffer (and a '#' awaited); returns messages sent."""
        rx = self.rx
        done = 0
        while True:
            if self._state == _READING:
                if not self._take_read():
                    return done
                done += 1
                continue
            s = self._start
            f = self._fill
            while s < f and (rx[s] == 0 or rx[s] == 0x3E):  # NULs and '>' prompts (§1)
                s += 1
            self._start = s
            if s < f and rx[s] == 0x23 and not self._discard and (
                    self._state == _RAW or self._state == _READ):
                self._start = s + 1
                self._scan = s + 1
                self._work = True
                if self._state == _RAW:
                    self._send_raw()
                else:
                    self._begin_read()
                continue
            nl = rx.find(_NL, max(s, self._scan), f)
            if nl < 0:
                self._scan = f
                return done
            self._start = self._scan = nl + 1
            self._work = True
            if self._discard:
                self._discard = False  # the end of an overlong line
                continue
            done += self._line(s, nl)

    def _line(self, s, e):
        """One line: echo, final result, response, event or noise (§3.3). Returns messages."""
        parser = self.parser
        kind = parser.scan(self.rx, s, e)
        if kind == atcodec.EMPTY:
            return 0
        if kind == atcodec.BOOT:
            return self._boot()
        busy = self._state != _IDLE
        if busy and parser.equals(self.tx, self._txn - 2):
            return 0  # the echo of the line in flight (ATE1)
        if kind == atcodec.OK or kind == atcodec.ERROR:
            if not busy:
                self._dropped("a final result with no command in flight")
                return 0
            return self._final(_ids.OK if kind == atcodec.OK else parser.status)
        if kind == atcodec.RESPONSE or kind == atcodec.EVENT:
            if busy and parser.named(self.tx, 3, self._name_end - 3):
                aec = parser.event_id() if kind == atcodec.EVENT else -1
                if aec < 0:
                    return self._response()
            return self._event()
        if kind == atcodec.FAILURE:
            return self._failure()
        self._dropped("not an AT line: %r" % bytes(self.rx[s : min(e, s + 40)]))
        return 0

    def _response(self):
        cmd = self._cmd
        if cmd is None:
            return 0  # a setup line's answer
        why = self.parser.convert(_ids.RSP, cmd.id, cmd.seq)
        if why is not None:
            self._dropped(why)
            return 0
        self._received(self.parser.msg)
        return 1

    def _event(self):
        parser = self.parser
        aec = parser.event_id()
        if aec < 0:
            self._dropped("unknown event +%s" % parser.name())
            return 0
        why = parser.convert(_ids.AEC, aec)
        if why is not None:
            self._dropped(why)
            return 0
        self._received(parser.msg)
        return 1

    def _failure(self):
        """`\\r+NAME:ERROR:m.c`: the AEC the layers above wait for, made from the command's
        last parameters (FAILURES); without them the line is dropped."""
        parser = self.parser
        cmd_id = parser.command_id()
        recipe = atcodec.FAILURES.get(cmd_id)
        params = self._last.get(cmd_id)
        if recipe is None or params is None:
            self._dropped("+%s failed: status 0x%04x" % (parser.name(), parser.status))
            return 0
        why = parser.failure(recipe[0], recipe[1], params, parser.status)
        if why is not None:
            self._dropped(why)
            return 0
        self._received(parser.msg)
        return 1

    def _final(self, status):
        """The final result of the line in flight: the command's STATUS, then the next line."""
        cmd = self._cmd
        self._state = _IDLE
        self._raw = None
        self._cmd = None
        done = 0
        if cmd is not None:
            if status == _ids.OK and cmd.id in atcodec.FAILURES:
                self._last[cmd.id] = cmd.params
            self._received(self.parser.status_message(cmd.id, cmd.seq, status))
            done = 1
        self._send_next()
        return done

    def _boot(self):
        """+BOOT: the module restarted. A reset command is done; anything else in flight is
        lost: the device learns it from the BOOT event (as on SPI), or, if it still waits for
        the command (init), the link fails with ECONNABORTED. Echo and format are set again."""
        cmd = self._cmd
        self.abandon_line()
        self._setup = self._setup_lines()
        parser = self.parser
        done = 1
        if cmd is not None and cmd.id == _ids.RST:
            self._received(parser.status_message(cmd.id, cmd.seq, _ids.OK))
            done = 2
            cmd = None
        why = parser.convert(_ids.AEC, _ids.AEC_BOOT)
        if why is not None:  # a banner broken over lines (§13.2): the event without it
            parser.end = parser.name_end
            parser.convert(_ids.AEC, _ids.AEC_BOOT)
        self._received(parser.msg)
        if cmd is not None and self._burst is not None:  # nobody forgot the command
            self.abandon()
            raise self._fault(OSError(_ECONNABORTED, "RNWF02 restarted during %s" %
                                      atcodec.command_name(cmd.id)))
        self._send_next()
        return done

    def _setup_lines(self):
        lines = [b"ATE0", b"ATF6"]
        if self._flow:
            lines.append(b"AT&K3")
        return lines

    # ---- initialisation (§4) -----------------------------------------------------------------

    def init(self, timeout_ms=10000):
        """Reset (if there is a reset line) and wait for +BOOT, resynchronise with `!`/`AT`,
        then echo off (ATE0), hex byte arrays and escaped strings (ATF6), RTS/CTS if asked."""
        bus = self._bus
        self.abandon()
        self._setup = []
        self._start = self._fill = self._scan = 0
        self._discard = False
        deadline = ticks_add(ticks_ms(), timeout_ms)
        if bus.has_reset:
            bus.set_reset(0)
            sleep_ms(_RESET_PULSE_MS)
            bus.flush_input()
            bus.set_reset(1)
            self._await_boot(_earlier(deadline, ticks_add(ticks_ms(), self._boot_ms)))
        self._resync(deadline)
        for line in self._setup_lines():
            if not self._sync(line, deadline) and line != b"ATF6":  # ATF is new in 3.2.0
                raise self._fault(OSError(_EIO, "RNWF02 refused %s" % line.decode()))
        if self._flow:
            bus.flow_control(True)

    def _await_boot(self, deadline):
        """Wait for the +BOOT line; False if the deadline came first."""
        while True:
            kind = self._next_line(deadline)
            if kind is None:
                return False
            if kind == atcodec.BOOT:
                return True

    def _resync(self, deadline):
        """`!` then `AT` until an OK: a partial line in the module is flushed by the `!`."""
        tries = 0
        while True:
            self._bus.flush_input()
            self._start = self._fill = self._scan = 0
            self._write(b"!\r\nAT\r\n")
            until = _earlier(deadline, ticks_add(ticks_ms(), _RESYNC_MS))
            while True:
                kind = self._next_line(until)
                if kind is None:
                    break
                if kind == atcodec.OK:
                    if tries:
                        self._quiet(deadline)  # late answers to earlier tries
                    return
            if ticks_diff(deadline, ticks_ms()) <= 0:
                raise self._fault(OSError(_ETIMEDOUT, "RNWF02 does not answer AT"))
            tries += 1

    def _quiet(self, deadline):
        """Drop input until the UART has been silent for _QUIET_MS."""
        while ticks_diff(deadline, ticks_ms()) > 0:
            if not self._bus.wait_readable(_QUIET_MS):
                break
            self._bus.flush_input()
        self._start = self._fill = self._scan = 0

    def _sync(self, line, deadline):
        """Send a basic command and wait for its result: True for OK, False for ERROR."""
        n = len(line)
        self.tx[:n] = line
        self.tx[n] = 13
        self.tx[n + 1] = 10
        self._write(self._txv.get(0, n + 2))
        while True:
            kind = self._next_line(deadline)
            if kind is None:
                raise self._fault(OSError(_ETIMEDOUT, "RNWF02: no answer to %s" % line.decode()))
            if kind == atcodec.OK:
                return True
            if kind == atcodec.ERROR:
                return False
            if kind == atcodec.BOOT:
                raise self._fault(OSError(_ECONNABORTED, "RNWF02 restarted during init"))

    def _next_line(self, deadline):
        """The kind of the next complete line (scanned by the parser); None at the deadline.
        Used by init, where events are not delivered yet."""
        rx = self.rx
        while True:
            s = self._start
            nl = rx.find(_NL, max(s, self._scan), self._fill)
            if nl >= 0:
                self._start = self._scan = nl + 1
                if self._discard:
                    self._discard = False
                    continue
                return self.parser.scan(rx, s, nl)
            self._scan = self._fill
            if self._read():
                continue
            left = ticks_diff(deadline, ticks_ms())
            if left <= 0:
                return None
            self._bus.wait_readable(min(left, 10))

    # ---- line speed --------------------------------------------------------------------------

    @property
    def baudrate(self):
        return self._bus.baudrate

    def retune(self, rate):
        """The module now runs at rate (its IPR OK came): follow it, dropping what arrived
        meanwhile at the old rate."""
        sleep_ms(10)
        self._bus.baudrate = rate
        self._bus.flush_input()
        self._start = self._fill = self._scan = 0
        self._discard = False


def _earlier(a, b):
    return a if ticks_diff(b, a) > 0 else b
