"""emulator: the model behind the RNWF02 UART: Module(link="uart") is a UartModule.

Same feature modules, command handlers, holds, faults and control methods as the SPI front end;
only the front end differs: the AT terminal (terminal.py) on a UART (Wire here, faces.Uart for
the host's side) instead of the SDIO slave and mailbox. serve_pty() puts it on a pseudo-terminal.
"""

import math
import os
import select
import termios
import time
import tty
from collections import deque

from winc import _ids

from . import faces
from .commands import CommandError, expect_count, integer
from .module import Module
from .names import command_id
from .terminal import Terminal

BANNER = "RNWF - AT Command Interface 3.2.0 (c) 2026 Microchip Technology Inc"
_BAUDS = (1200, 4000000)  # [INFERRED] what AT+IPR accepts
_GARBLED = 0xFF  # a byte read at the wrong baud (a framing error)
IPR = command_id("IPR")  # winc._ids has no constant for it: no binary function


class Wire:
    """The module -> host direction: bytes sent and not yet read, the baud each went at, when
    each arrives (wire time, an option) and marks: callbacks run once the bytes before them
    left the module, which is when they fit the host's receive buffer (rxbuf bytes).

    [INFERRED] The module never overruns the host: what does not fit waits in the module, as
    under RTS/CTS flow control, so a host that stops reading holds back socket data.
    """

    def __init__(self, now, baud, wire_time, rxbuf):
        self._now = now
        self.baud = baud  # the module's rate; AT+IPR changes it
        self.wire_time = wire_time
        self.rxbuf = rxbuf
        self.sent = 0  # bytes sent since the last clear_bus_counts()
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._runs = deque([(0, baud)])  # (stream offset, baud) where each rate began
        self._marks = deque()  # (stream offset, fn)
        self._busy_until = 0.0

    def emit(self, data, on_read=None):
        end = self._base + len(self._buf)
        if data:
            if self._runs[-1][1] != self.baud:
                self._runs.append((end, self.baud))
            self._buf += data
            self.sent += len(data)
            if self.wire_time:  # 10 bits a byte (8N1), back to back
                start = max(self._now(), self._busy_until)
                self._busy_until = start + len(data) * 10 / self.baud
        if on_read is not None:
            self._marks.append((end + len(data), on_read))

    def unread(self):
        return len(self._buf)

    def peek(self, n):
        return bytes(self._buf[:n])

    def available(self):
        """Bytes that reached the host and wait to be read."""
        n = len(self._buf)
        if self.wire_time and n:
            left = self._busy_until - self._now()
            if left > 0:
                n -= min(n, math.ceil(left * self.baud / 10))
        return n

    def take(self, n, host_baud):
        """Up to n arrived bytes, as a host at host_baud reads them; marks passed run."""
        n = min(n, self.available())
        data = bytearray(self._buf[:n])
        del self._buf[:n]
        start, self._base = self._base, self._base + n
        runs = list(self._runs) + [(self._base, None)]
        for (begin, baud), (stop, _) in zip(runs, runs[1:]):
            low, high = max(begin, start) - start, min(stop, self._base) - start
            if baud != host_baud and high > low:
                data[low:high] = bytes([_GARBLED]) * (high - low)
        while len(self._runs) > 1 and self._runs[1][0] <= self._base:
            self._runs.popleft()
        self.run_marks()
        return bytes(data)

    def run_marks(self):
        sent = self._base + min(self.available(), self.rxbuf)
        while self._marks and self._marks[0][0] <= sent:
            self._marks.popleft()[1]()

    def power_off(self, baud):
        """A reset: bytes on their way are lost (those that arrived stay in the host's
        buffer), the marks with the firmware, and the rate is the configured one again."""
        lost = len(self._buf) - self.available()
        if lost:
            del self._buf[-lost:]
        self._marks.clear()
        self._busy_until = 0.0
        self.baud = baud


def _ipr(module, request, reply):
    """AT+IPR (RNWF02 only, no binary function): query or set the UART rate (§4)."""
    expect_count(request, 0, 1)
    if not request.elements:
        reply.rsp(("U4", module._wire.baud))
        return
    baud = integer(request.elements[0])
    if not _BAUDS[0] <= baud <= _BAUDS[1]:
        raise CommandError(_ids.INVALID_PARAMETER, "baud %d" % baud)
    module._terminal.baud_after = baud  # once the OK went out at the old rate


def _positive(options, name, kind=(int, float)):
    value = options[name]
    if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
        raise ValueError("option %s=%r out of range" % (name, value))


class UartModule(Module):
    """One emulated RNWF02: the WINCS02 model behind the AT front end.

    Faces: uart (machine.UART shaped) and reset (MCLR, as for SPI). Options, besides the
    model's: uart_baud (230400), uart_wire_time (False: bytes arrive at once; True: at the
    baud's pace), uart_rxbuf (4096: the host's receive buffer, see Wire), at_echo (True),
    at_prompt (False: no '>' idle prompt), at_banner (the +BOOT text), at_boot_nuls (0 NUL
    bytes before it), at_guard_ms (1000: silence after '+++'), at_flush_ms (20: persistent
    raw mode writes what it has after this much silence).
    """

    _LINK = "uart"
    _LINK_OPTIONS = {"uart_baud": 230400, "uart_wire_time": False, "uart_rxbuf": 4096,
                     "at_echo": True,
                     "at_prompt": False, "at_banner": BANNER, "at_boot_nuls": 0,
                     "at_guard_ms": 1000, "at_flush_ms": 20}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("model", "RNWF02")
        super().__init__(*args, **kwargs)

    def __repr__(self):
        return "<wincsim.Module uart %d%s>" % (self._wire.baud,
                                               "" if self._firmware_up else " booting")

    def _check_link_options(self, options):
        baud = options["uart_baud"]
        if isinstance(baud, bool) or not isinstance(baud, int) or not (
                _BAUDS[0] <= baud <= _BAUDS[1]):
            raise ValueError("option uart_baud=%r out of range" % (baud,))
        for name in ("uart_wire_time", "at_echo", "at_prompt"):
            if not isinstance(options[name], bool):
                raise ValueError("option %s=%r: True or False" % (name, options[name]))
        if not isinstance(options["at_banner"], str):
            raise ValueError("option at_banner=%r is not a string" % (options["at_banner"],))
        _positive(options, "at_boot_nuls", int)
        _positive(options, "uart_rxbuf", int)
        _positive(options, "at_guard_ms")
        _positive(options, "at_flush_ms")

    # -- the front end -------------------------------------------------------------------------

    def _open_link(self):
        options = self.options
        self._wire = Wire(self._now, options["uart_baud"], options["uart_wire_time"],
                          options["uart_rxbuf"])
        self._terminal = Terminal(self, self._wire)
        self._received = 0
        self.commands[IPR] = _ipr
        self.uart = faces.Uart(self)

    def _post(self, message, on_read=None):
        self._terminal.deliver(message, on_read)

    def _link_down(self, sdio):
        self._link_off()

    def _link_off(self):
        self._terminal.power_off()
        self._wire.power_off(self.options["uart_baud"])

    def _link_up(self):
        self._terminal.power_on()

    def _boot_elements(self):
        return (("STR", self.options["at_banner"]),)  # §4: +BOOT:<BANNER>

    def _settle(self):
        self._terminal.pump()
        # A UART has no transaction to wait for: a pending reset happens now (for AT+RST,
        # once its OK went out), whatever command or raw transfer is under way.
        if self._pending_restart is not None:
            self._power_up(self._pending_restart)
            self._terminal.pump()

    # -- what faces.Uart calls -----------------------------------------------------------------

    def _uart_write(self, data, baud):
        self._tick()
        self._received += len(data)
        if self.options["uart_wire_time"]:
            time.sleep(len(data) * 10 / baud)  # a write returns once the bytes are out
        if baud != self._wire.baud:
            self._error("%d bytes sent at %d baud to a module at %d: lost" % (
                len(data), baud, self._wire.baud))
        else:
            self._terminal.receive(data)
        self._settle()
        return len(data)

    def _uart_available(self):
        return self._wire.available()

    def _uart_take(self, n, baud):
        self._tick()
        data = self._wire.take(n, baud)
        self._settle()
        return data

    # -- control methods ---------------------------------------------------------------------

    def bus_counts(self):
        """UART bytes each way: tx host -> module, rx module -> host."""
        return {"tx": self._received, "rx": self._wire.sent}

    def clear_bus_counts(self):
        self._received = self._wire.sent = 0

    def mailbox_state(self):
        """The AT front end: mode (line/raw), command in flight (id), host bytes waiting (rx),
        bytes the host has not read (tx), AECs held back behind a command."""
        self._service()
        return self._terminal.snapshot()

    def at_settings(self):
        """{"echo", "verbosity", "format", "numeric", "flow", "baud", "prompt"} in force."""
        self._service()
        return self._terminal.settings()

    def inject_raw(self, data):
        """Bytes straight onto the UART, as if the module had sent them."""
        self._tick()
        self._wire.emit(bytes(data))
        self._settle()


# -- a pseudo-terminal for pyserial, picocom and people --------------------------------------------

_SPEEDS = {getattr(termios, "B%d" % b): b for b in (
    1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000,
    921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000)
    if hasattr(termios, "B%d" % b)}


def open_pty():
    """(master fd, slave fd, slave path) of a new pseudo-terminal in raw mode."""
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line editing: bytes pass as they are
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)


def serve_pty(module, master, slave, strict_baud=False, poll_s=0.005):
    """Carry bytes between the pty and module.uart until interrupted.

    The pty's own speed setting is ignored unless strict_baud: then the host's UART runs at
    the speed the client set (pyserial's baudrate), and a mismatch garbles as on a wire.
    """
    uart, pending = module.uart, b""
    while True:
        readable, _, _ = select.select([master], [], [], poll_s)
        if strict_baud:
            speed = _SPEEDS.get(termios.tcgetattr(slave)[5])
            if speed and speed != uart.baudrate:
                uart.init(baudrate=speed)
        if readable:
            try:
                data = os.read(master, 4096)
            except (BlockingIOError, OSError):
                data = b""
            if data:
                uart.write(data)
        if not pending:
            pending = uart.read() or b""
        else:
            uart.any()  # the model runs on while the client is slow to read
        if pending:
            try:
                pending = pending[os.write(master, pending):]
            except BlockingIOError:
                pass
