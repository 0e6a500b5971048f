"""emulator server: one Module per Unix-socket connection, driven by wincsim.remote clients.

Ops, client to server, counts big-endian:
  c level            CS, no reply               x n:u16 data   transfer, reply n MISO bytes
  w n:u16 data       write, no reply            r n:u16        read with MOSI 0xFF, reply n bytes
  p pin level        set a pin (R MCLR, C CS)   g pin          reply its level (I INTOUT, R, C)
  i ms:u32           wait for INTOUT: reply 1 if asserted in time, else 0
  u n:u16 data       UART write                 b baud:u32     the host UART's baud
  v n:u16 ms:u32     UART read(n) (n 0: read()) with a timeout: reply n:u16 and the bytes
  a                  UART any(): reply n:u32    y ms:u32       UART wait(ms): reply any()
  j n:u32 json       control call {"m": method, "a": [args], "k": {kwargs}}
                     -> n:u32 json {"r": result} or {"e": message, "t": exception type}
In JSON, bytes travel as {"$b": "hex"} and tuples as lists. A first call "configure" with
Module options (re)creates the connection's Module; otherwise a default one is made.
"""

import json
import logging
import os
import socketserver
import struct
import traceback

from .module import Module
from .remote import CONTROL, from_json, to_json

_log = logging.getLogger("wincsim")

_MAX_JSON = 16 << 20  # a control call bigger than this is a broken client


class _Closed(Exception):
    pass


class Session(socketserver.StreamRequestHandler):
    """One client connection: a Module of its own, created by `configure` or on first use."""

    def setup(self):
        super().setup()
        self._module = None

    @property
    def module(self):
        if self._module is None:
            self._module = Module()
        return self._module

    def finish(self):
        if self._module is not None:
            self._module.close()  # its host sockets close with the connection
        super().finish()

    def handle(self):
        try:
            while True:
                op = self.rfile.read(1)
                if not op:
                    return
                handler = self._OPS.get(op[0])
                if handler is None:
                    _log.error("wincsim: unknown op 0x%02x; closing the connection", op[0])
                    return
                handler(self)
        except (_Closed, ConnectionError):
            return
        except Exception:  # a broken request: this connection ends, the server goes on
            _log.exception("wincsim: connection dropped")

    def _read(self, n):
        data = self.rfile.read(n)
        if len(data) < n:
            raise _Closed()
        return data

    def _count(self, fmt):
        return struct.unpack(fmt, self._read(struct.calcsize(fmt)))[0]

    def _pin(self, letter):
        pins = {ord("R"): "reset", ord("C"): "cs", ord("I"): "irq"}  # a UART module: R only
        pin = getattr(self.module, pins.get(letter, ""), None)
        if pin is None:
            raise ValueError("unknown pin %r" % chr(letter))
        return pin

    def _op_cs(self):
        self.module.cs.value(self._read(1)[0])

    def _op_transfer(self):
        tx = self._read(self._count(">H"))
        rx = bytearray(len(tx))
        self.module.spi.write_readinto(tx, rx)
        self.wfile.write(rx)

    def _op_write(self):
        self.module.spi.write(self._read(self._count(">H")))

    def _op_read(self):
        self.wfile.write(self.module.spi.read(self._count(">H")))

    def _op_set_pin(self):
        letter, level = self._read(2)
        self._pin(letter).value(level)

    def _op_get_pin(self):
        self.wfile.write(bytes([self._pin(self._read(1)[0]).value()]))

    def _op_wait_int(self):
        self.wfile.write(b"\x01" if self.module.irq.wait(self._count(">I")) else b"\x00")

    def _op_uart_write(self):
        self.module.uart.write(self._read(self._count(">H")))

    def _op_uart_read(self):
        n = self._count(">H")
        uart = self.module.uart
        uart.timeout = self._count(">I")
        data = uart.read(n if n else -1) or b""  # 0: whatever comes first
        self.wfile.write(struct.pack(">H", len(data)) + data)

    def _op_uart_any(self):
        self.wfile.write(struct.pack(">I", self.module.uart.any()))

    def _op_uart_wait(self):
        uart = self.module.uart
        uart.wait(self._count(">I"))
        self.wfile.write(struct.pack(">I", uart.any()))

    def _op_uart_baud(self):
        self.module.uart.init(baudrate=self._count(">I"))

    def _op_control(self):
        size = self._count(">I")
        if size > _MAX_JSON:
            raise _Closed()
        try:
            call = json.loads(self._read(size))
            reply = {"r": to_json(self._control(call["m"], from_json(call.get("a", [])),
                                                from_json(call.get("k", {}))))}
        except _Closed:
            raise
        except Exception as e:  # reported to the client, which raises it there
            _log.debug("wincsim: control call failed\n%s", traceback.format_exc())
            reply = {"e": str(e), "t": type(e).__name__}
        body = json.dumps(reply).encode()
        self.wfile.write(struct.pack(">I", len(body)) + body)

    def _control(self, method, args, kwargs):
        if method not in CONTROL:
            raise ValueError("unknown control method %r" % method)
        if method == "configure":
            module = Module(**kwargs)
            if self._module is not None:
                self._module.close()
            self._module = module
            return None
        return getattr(self.module, method)(*args, **kwargs)

    _OPS = {
        ord("c"): _op_cs,
        ord("x"): _op_transfer,
        ord("w"): _op_write,
        ord("r"): _op_read,
        ord("p"): _op_set_pin,
        ord("g"): _op_get_pin,
        ord("i"): _op_wait_int,
        ord("j"): _op_control,
        ord("u"): _op_uart_write,
        ord("v"): _op_uart_read,
        ord("a"): _op_uart_any,
        ord("b"): _op_uart_baud,
        ord("y"): _op_uart_wait,
    }


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(path):
    """Serve until interrupted. The socket appears at `path` only once it accepts connections."""
    staging = "%s.%d.tmp" % (path, os.getpid())
    for stale in (staging, path):
        if os.path.exists(stale):
            os.unlink(stale)
    server = _Server(staging, Session)
    os.rename(staging, path)  # clients that see the path can connect at once
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if os.path.exists(path):
            os.unlink(path)
