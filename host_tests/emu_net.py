"""Helpers of the emulator's socket and DNS tests: a booted module driven by the spec-built host
(emu_host.py), waits for AECs with a deadline, and real loopback peers.

Peers are plain host sockets (and one echo thread); nothing binds or connects off loopback.
"""
# cpython only: drives the in-process emulator and host threads

import socket
import time

from emu_host import Host

from winc import _ids
from wincsim import Module
from wincsim.names import AEC_NAMES

TIMEOUT_S = 5  # every wait in these tests ends in a failure after this long, never a hang
UDP, TCP = 1, 2


class Rig:
    """A Module after the SDIO handshake and its BOOT AEC; commands numbered automatically."""

    def __init__(self, **options):
        self.emu = Module(**options)
        self.host = Host(self.emu)
        self.host.init()
        self.host.drain()
        self.seq = 0
        self.aecs = []  # (name, values) of every AEC after BOOT, in arrival order
        self._codes = []  # their element codes
        self._scanned = len(self.host.inbox)
        self._taken = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.emu.close()

    def call(self, cmd, *elements):
        """(RSP value lists, STATUS) of one command."""
        self.seq += 1
        result = self.host.call(cmd, self.seq, *elements)
        self._collect()
        return result

    def status(self, cmd, *elements):
        return self.call(cmd, *elements)[1]

    def ok(self, cmd, *elements):
        rsps, status = self.call(cmd, *elements)
        assert status == _ids.OK, "status 0x%04x" % status
        return rsps

    def open(self, protocol, version=4):
        return self.ok(_ids.SOCKO, ("U1", protocol), ("U1", version))[0][0]

    def mode(self, sock, window, frame):
        """SOCKC 101 then 102, as the reference host configures a receive mode (§10.4)."""
        self.ok(_ids.SOCKC, ("U2", sock), ("U4", 101), ("U4", window))
        self.ok(_ids.SOCKC, ("U2", sock), ("U4", 102), ("U4", frame))

    def pump(self, wait_s=0.05):
        """Wait (in the module's INT wait) for an event and read everything it has."""
        if self.emu.irq.wait(int(wait_s * 1000)):
            self.host.drain()
        self._collect()

    def _collect(self):
        for message in self.host.inbox[self._scanned:]:
            if getattr(message, "kind", None) == _ids.AEC and message.rsp_id != _ids.AEC_BOOT:
                self.aecs.append((AEC_NAMES[message.rsp_id], message.values()))
                self._codes.append([el.code for el in message.elements])
        self._scanned = len(self.host.inbox)

    def codes(self, name):
        """Element codes of the AEC next() returned last, which must be `name`."""
        assert self.aecs[self._taken - 1][0] == name, self.aecs[self._taken - 1]
        return self._codes[self._taken - 1]

    def next(self, name=None, timeout_s=TIMEOUT_S):
        """The values of the next AEC not yet taken, which must be `name` if given."""
        deadline = time.monotonic() + timeout_s
        while self._taken == len(self.aecs):
            assert time.monotonic() < deadline, "no AEC within %s s" % timeout_s
            self.pump()
        got, values = self.aecs[self._taken]
        self._taken += 1
        assert name in (None, got), "%s %r where %s was due" % (got, values, name)
        return values

    def quiet(self, wait_s=0.2):
        """No AEC arrives for wait_s."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            self.pump(0.02)
            assert self._taken == len(self.aecs), "unexpected %r" % (self.aecs[self._taken:],)

    def until(self, condition, timeout_s=TIMEOUT_S):
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert time.monotonic() < deadline, "condition never held"
            self.pump(0.01)

    def pushed(self, name, sock, nbytes, fields=1):
        """Data of push-mode AECs `name` for `sock` until nbytes came: (data, frames).

        `fields` is how many elements sit between the id and DATA: 1 (LENGTH) in simple mode,
        2 (LENGTH, SEQ_NUM) when acknowledged; each frame is its element list.
        """
        data, frames = b"", []
        while len(data) < nbytes:
            values = self.next(name)
            assert values[0] == sock and len(values) == 2 + fields, values
            frames.append(values)
            data += values[-1]
        return data, frames


# -- peers -------------------------------------------------------------------------------------


def family(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def listener(address="127.0.0.1", backlog=8):
    """A listening host socket on an ephemeral port: (socket, port)."""
    s = socket.socket(family(address), socket.SOCK_STREAM)
    s.settimeout(TIMEOUT_S)
    s.bind((address, 0))
    s.listen(backlog)
    return s, s.getsockname()[1]


def datagram_peer(address="127.0.0.1"):
    s = socket.socket(family(address), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT_S)
    s.bind((address, 0))
    return s, s.getsockname()[1]


def free_port(kind=socket.SOCK_STREAM, address="127.0.0.1"):
    """A port nothing listens on (bound and released again)."""
    s = socket.socket(family(address), kind)
    s.bind((address, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def client(port, address="127.0.0.1"):
    s = socket.create_connection((address, port), TIMEOUT_S)
    s.settimeout(TIMEOUT_S)
    return s


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        assert more, "peer closed after %d of %d bytes" % (len(data), n)
        data += more
    return data


def ipv6_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
