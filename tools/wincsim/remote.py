"""emulator client: a Module on a wincsim server, for MicroPython (and CPython).

    emu = remote.connect(path=None, **options)   # path: $WINCSIM_SOCKET by default
    emu.spi, emu.cs, emu.reset, emu.irq          # machine.SPI / machine.Pin look-alikes
    emu = remote.connect(link="uart", **options) # an RNWF02: emu.uart (machine.UART), emu.reset

The ops are listed in server.py. One module with few classes: under `micropython -X
heapsize=64k` this code shares the heap with the driver under test. Bus and pin ops reuse
buffers and allocate nothing, so the driver's heap_lock() tests can run against it.
"""

import json
import os
import socket
import struct
import sys

_TIMEOUT_S = 30  # no reply takes this long unless the server is gone
_CHUNK = 0xFFFF  # the u16 count of one transfer op

# Control methods answered by the server's Module (Module itself has the same).
CONTROL = ("configure", "bus_counts", "clear_bus_counts", "log", "log_detail", "clear_log",
           "errors", "inject", "inject_raw", "reset", "answer", "fault", "clear_faults",
           "mailbox_state", "hold", "release", "tx_stall", "counters", "next_sock_id", "dns",
           "dns_error", "dns_delay", "wifi_networks", "wifi_add", "wifi_remove", "wifi_roam",
           "wifi_station", "ap_join", "ap_leave", "ap_state", "ping_fail", "sntp_fail",
           "module_time", "fs_files", "fs_clear", "at_settings")
_ERRORS = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError,
           "OSError": OSError}


class RemoteError(Exception):
    """A control call failed on the server with an error that has no local class."""


def to_json(value):
    """bytes as {"$b": hex}, tuples as lists, recursively."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b": bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def from_json(value):
    if isinstance(value, dict):
        if "$b" in value:
            return bytes.fromhex(value["$b"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


class Link:
    """The connection: ops with a byte and a big-endian count, replies into caller buffers."""

    def __init__(self, path):
        sock = self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(_TIMEOUT_S)
        if sys.implementation.name == "micropython":  # MicroPython's unix port wants a raw sockaddr
            path = struct.pack("<H", socket.AF_UNIX) + path.encode() + b"\0"
        try:
            sock.connect(path)
        except Exception:
            sock.close()
            raise
        self.send = sock.sendall
        self._recv_into = getattr(sock, "recv_into", None) or sock.readinto
        self._head = bytearray(5)
        self._heads = {2: memoryview(self._head)[:3], 4: self._head}
        self._byte = bytearray(1)

    def send_op(self, op, count, size=2):
        head = self._head
        head[0] = op
        for i in range(size):
            head[size - i] = count >> (8 * i) & 0xFF
        self.send(self._heads[size])

    def receive_into(self, buf, n):
        got = 0
        while got < n:  # one pass unless a read comes up short (then it slices)
            more = self._recv_into(memoryview(buf)[got:] if got else buf, n - got)
            if not more:
                raise OSError("wincsim server closed the connection")
            got += more

    def reply(self, timeout_s=None):
        """The one-byte reply of an op."""
        if timeout_s:
            self.sock.settimeout(timeout_s)
        try:
            self.receive_into(self._byte, 1)
        finally:
            if timeout_s:
                self.sock.settimeout(_TIMEOUT_S)
        return self._byte[0]

    def call(self, method, args=(), kwargs=None):
        body = json.dumps({"m": method, "a": to_json(args), "k": to_json(kwargs or {})}).encode()
        self.send_op(ord("j"), len(body), 4)
        self.send(body)
        data = bytearray(4)
        self.receive_into(data, 4)
        data = bytearray(struct.unpack(">I", data)[0])
        self.receive_into(data, len(data))
        reply = json.loads(bytes(data).decode())
        if "e" in reply:
            raise _ERRORS.get(reply.get("t"), RemoteError)(reply["e"])
        return from_json(reply.get("r"))


class Spi:
    """machine.SPI: full-duplex, write-only and read-only transfers (MOSI 0xFF)."""

    def __init__(self, link):
        self._link = link

    def write_readinto(self, tx, rx):
        if len(tx) != len(rx):
            raise ValueError("write_readinto buffers differ in length")
        self._io(ord("x"), tx, rx, len(tx))

    def write(self, buf):
        self._io(ord("w"), buf, None, len(buf))

    def readinto(self, buf, write=0xFF):
        if write == 0xFF:
            self._io(ord("r"), None, buf, len(buf))
        else:
            self._io(ord("x"), bytes([write]) * len(buf), buf, len(buf))

    def read(self, nbytes, write=0xFF):
        buf = bytearray(nbytes)
        self.readinto(buf, write)
        return bytes(buf)

    def _io(self, op, tx, rx, n):
        if n > _CHUNK:  # split (and slice) only beyond one op's count
            for i in range(0, n, _CHUNK):
                m = min(_CHUNK, n - i)
                self._io(op, tx and memoryview(tx)[i:i + m], rx and memoryview(rx)[i:i + m], m)
            return
        self._link.send_op(op, n)
        if tx is not None:
            self._link.send(tx)
        if rx is not None:
            self._link.receive_into(rx, n)


class Pin:
    """machine.Pin for C (CS), R (MCLR) or I (INTOUT).

    CS has an op of its own and its level is kept here; INTOUT is read-only and the server cannot
    push its edges, so irq() only keeps the handler. Called without a level, the reset pin is
    the control method reset(sdio=True). Levels are optional arguments, not *args: a varargs
    tuple allocates on every call.
    """

    IN = 0
    OUT = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    handler = None

    def __init__(self, link, letter):
        self._link = link
        self._letter = letter
        self._set_op = bytearray(b"c\x01" if letter == b"C" else b"p" + letter + b"\x00")
        self._get_op = b"g" + letter
        self._level = 1

    def value(self, level=None):
        if level is None:
            return self._level if self._letter == b"C" else self._ask(self._get_op)
        if self._letter == b"I":
            raise ValueError("INTOUT is an input")
        self._level = self._set_op[-1] = 1 if level else 0
        self._link.send(self._set_op)

    def __call__(self, level=None, sdio=None):
        if self._letter == b"R" and level is None:
            return self._link.call("reset", (), {} if sdio is None else {"sdio": sdio})
        if sdio is not None:
            raise TypeError("reset(level) sets the pin; reset(sdio=...) resets the module")
        return self.value(level)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=2, **kwargs):
        self.handler = handler
        return self

    def wait(self, timeout_ms):
        """Wait for INTOUT to be asserted (low); True if it was within timeout_ms."""
        timeout_ms = max(0, int(timeout_ms))
        self._link.send_op(ord("i"), timeout_ms, 4)
        return self._link.reply(timeout_ms / 1000 + 30) == 1

    def _ask(self, op):
        self._link.send(op)
        return self._link.reply()


class Uart:
    """machine.UART: write(buf) -> n, read([n]) -> bytes or None, readinto(buf[, n]),
    any(), init(baudrate=..., timeout=ms, flow=...), wait(timeout_ms) -> True once input is
    waiting. Reads and waits block on the server, up to their timeout."""

    RTS = 1
    CTS = 2

    def __init__(self, link, baudrate):
        self._link = link
        self.baudrate = baudrate
        self.timeout = 0
        self._op = bytearray(b"v\x00\x00\x00\x00\x00\x00")
        self._count = bytearray(4)

    def init(self, baudrate=None, bits=8, parity=None, stop=1, timeout=None, **kwargs):
        if timeout is not None:
            self.timeout = timeout
        if baudrate is not None:
            self.baudrate = baudrate
            self._link.send_op(ord("b"), baudrate, 4)

    def deinit(self):
        pass

    def write(self, buf):
        n = len(buf)
        for i in range(0, n, _CHUNK):  # one op unless the buffer is huge
            m = min(_CHUNK, n - i)
            self._link.send_op(ord("u"), m)
            self._link.send(memoryview(buf)[i:i + m] if n > _CHUNK else buf)
        return n

    def any(self):
        self._link.send(b"a")
        self._link.receive_into(self._count, 4)
        return struct.unpack(">I", self._count)[0]

    def wait(self, timeout_ms):
        timeout_ms = max(0, int(timeout_ms))
        self._link.send_op(ord("y"), timeout_ms, 4)
        self._reply(self._count, 4, timeout_ms)
        return struct.unpack(">I", self._count)[0] > 0

    def _reply(self, buf, n, timeout_ms):
        long = timeout_ms > 20000  # beyond what the connection's own timeout allows for
        if long:
            self._link.sock.settimeout(timeout_ms / 1000 + _TIMEOUT_S)
        try:
            self._link.receive_into(buf, n)
        finally:
            if long:
                self._link.sock.settimeout(_TIMEOUT_S)

    def _ask(self, n):
        # n = 0: whatever has come (or comes first within the timeout), as read() does.
        struct.pack_into(">HI", self._op, 1, n, self.timeout)
        self._link.send(self._op)
        self._reply(self._count, 2, self.timeout)
        return self._count[0] << 8 | self._count[1]

    def readinto(self, buf, nbytes=None):
        n = min(len(buf) if nbytes is None else nbytes, _CHUNK)
        got = self._ask(n) if n else 0
        if not got:
            return None
        self._link.receive_into(buf if got == len(buf) else memoryview(buf)[:got], got)
        return got

    def read(self, nbytes=-1):
        got = self._ask(min(nbytes, _CHUNK) if nbytes >= 0 else 0) if nbytes else 0
        if not got:
            return None
        buf = bytearray(got)
        self._link.receive_into(buf, got)
        return bytes(buf)

    def flush(self):
        pass

    def txdone(self):
        return True


class Remote:
    def __init__(self, path, options):
        link = self._link = Link(path)
        self.reset = Pin(link, b"R")
        if options.get("link") == "uart":
            self.uart = Uart(link, options.get("uart_baud", 230400))
        else:
            self.spi = Spi(link)
            self.cs = Pin(link, b"C")
            self.irq = Pin(link, b"I")
        try:
            link.call("configure", (), options)
        except Exception:
            self.close()
            raise

    def close(self):
        self._link.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getattr__(self, name):
        # One forwarder for every control method rather than a method each: RAM is short.
        if name not in CONTROL:
            raise AttributeError(name)
        return lambda *args, **kwargs: self._link.call(name, args, kwargs)

    def log(self):
        return [tuple(entry) for entry in self._link.call("log")]


def connect(path=None, **options):
    """A fresh Module on the server at `path`, built with `options`."""
    path = path or os.getenv("WINCSIM_SOCKET")
    if not path:
        raise ValueError("no wincsim socket: pass path= or set WINCSIM_SOCKET")
    return Remote(path, options)
