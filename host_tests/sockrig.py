"""The socket tests' rig: an initialised device on a fresh emulator, every socket event recorded.

Used on both runtimes; `sent`/`types` read the emulator's log of decoded commands.
"""

import gc
import time

from support import device, emulator

from winc import socket as ws
from winc.device import Device


class Net:
    def __init__(self, **options):
        # Let go of the previous test's rig (callback -> rig -> device, sockets, buffers) and
        # default device first: under MicroPython both would still be in the 64 KB heap.
        ws.set_event_callback(None)
        Device.default = None
        gc.collect()
        self.emu = emulator(**options)
        self.dev = device(self.emu, rx_buf=4096, tx_buf=4096)
        self.dev.init(5000)
        self.events = []
        ws.set_event_callback(self.record)

    def record(self, ctx, sock, event, status):
        self.events.append((sock, event, status))

    def sent(self, name):
        """Parameters of every command `name` the driver sent, in order."""
        return [params for cmd, params in self.emu.log() if cmd == name]

    def types(self, name):
        """Element codes ("U2", "IPV6"...) of every command `name` the driver sent."""
        return [e["types"] for e in self.emu.log_detail() if e["name"] == name]

    def of(self, sock):
        """(event, status) of every event for sock, in order."""
        return [(ev, st) for s, ev, st in self.events if s is sock]

    def pump_until(self, condition, timeout_s=5):
        deadline = time.time() + timeout_s
        while not condition():
            assert time.time() < deadline, "condition never held"
            self.dev.pump(20)

    def pump_for(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.dev.pump(20)


def recv_exactly(s, n):
    """n bytes from a winc socket (blocking recv until they are all in); fails at EOF."""
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        assert chunk, "EOF after %d of %d bytes" % (len(out), n)
        out += chunk
    return out
