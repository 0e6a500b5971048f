"""MicroPython half of make bench: heap bytes allocated per KiB by recv_into/send (steady state).

Run by tools/bench/run.py under the real interpreter against the wincsim server. The host peer is
a plain host socket driven inline; only the winc calls are inside the measured windows
(micropython.mem_total counts every byte ever allocated), and what the emulator client allocates
for its own socket traffic (a board's machine.SPI/Pin allocate nothing) is metered and taken out.
The link makes one view per message-tail length the first time it sees one (at most 128, kept);
those are counted apart, so the figure that remains is what every segment costs.
"""

import hostnet
from micropython import mem_total

import winc
from winc import socket as ws
from wincsim import remote

TOTAL = 256 * 1024  # enough windows for a steady-state figure, short enough for CI
WARMUP = 32 * 1024  # buffers, first acknowledgements, command objects made once
CHUNK = 1024
AHEAD = 16 * 1024  # bytes the host peer keeps in flight ahead of the reader
CLIENT = [0]  # bytes allocated inside the emulator client's bus and pin calls


class MeteredSpi:
    def __init__(self, spi):
        self._spi = spi

    def write_readinto(self, tx, rx):
        before = mem_total()
        self._spi.write_readinto(tx, rx)
        CLIENT[0] += mem_total() - before

    def write(self, tx):
        before = mem_total()
        self._spi.write(tx)
        CLIENT[0] += mem_total() - before

    def readinto(self, rx, value=0xFF):
        before = mem_total()
        self._spi.readinto(rx, value)
        CLIENT[0] += mem_total() - before


class MeteredPin:
    IRQ_FALLING = 2

    def __init__(self, pin):
        self._pin = pin

    def value(self, level=None):
        before = mem_total()
        result = self._pin.value(level)
        CLIENT[0] += mem_total() - before
        return result

    def wait(self, timeout_ms):
        before = mem_total()
        result = self._pin.wait(timeout_ms)
        CLIENT[0] += mem_total() - before
        return result

    def irq(self, handler=None, trigger=2):
        return self._pin.irq(handler, trigger)


def _spent(before, client_before):
    return mem_total() - before - (CLIENT[0] - client_before)


def _view_bytes():
    """Heap bytes one memoryview slice takes on this build."""
    buf = memoryview(bytearray(8))
    before = mem_total()
    view = buf[:4]
    spent = mem_total() - before
    return spent if view else 0


def _nonblocking_send(conn, view):
    try:
        return conn.send(view) or 0
    except OSError:
        return 0


def receive(dev):
    server, port = hostnet.listener()
    s = ws.socket()
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.setblocking(False)
    data = memoryview(bytearray(b"winc" * (CHUNK // 4)))
    buf = bytearray(2048)
    sent = moved = allocated = measured = 0
    tails = dev._link._tails
    made = 0
    while moved < TOTAL:
        while sent < TOTAL and sent - moved < AHEAD:  # bulk: the module always has data
            n = _nonblocking_send(conn, data[: min(CHUNK, TOTAL - sent)])
            if not n:
                break
            sent += n
        if moved >= sent:
            dev.pump(5)
            continue
        before, client, views = mem_total(), CLIENT[0], tails.made
        n = s.recv_into(buf)
        spent = _spent(before, client)
        moved += n
        if moved > WARMUP:
            allocated += spent
            measured += n
            made += tails.made - views
    conn.close()
    s.close()
    server.close()
    return allocated, measured, made


def send(dev):
    server, port = hostnet.listener()
    s = ws.socket()
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.setblocking(False)
    s.setblocking(False)
    data = memoryview(bytearray(b"winc" * (CHUNK // 4)))
    drain = bytearray(8192)
    sent = received = allocated = measured = made = 0
    tails = dev._link._tails
    while received < TOTAL:
        if sent < TOTAL:
            view = data[: min(CHUNK, TOTAL - sent)]
            before, client, views = mem_total(), CLIENT[0], tails.made
            try:
                n = s.send(view)
            except OSError:
                n = 0
            spent = _spent(before, client)
            sent += n
            if sent > WARMUP and n:
                allocated += spent
                measured += n
                made += tails.made - views
        try:
            got = conn.readinto(drain)
        except OSError:
            got = None
        if got:
            received += got
        else:
            dev.pump(5)
    s.close()
    conn.close()
    server.close()
    return allocated, measured, made


def main():
    emu = remote.connect()
    dev = winc.WINCS02(MeteredSpi(emu.spi), MeteredPin(emu.cs), emu.reset, MeteredPin(emu.irq))
    dev.init()
    view = _view_bytes()
    for name, run in (("recv_into", receive), ("send", send)):
        allocated, measured, made = run(dev)
        print("%-34s %7.1f heap bytes allocated per KiB (%d KiB measured; %d first-use tail "
              "views of %d bytes taken out of %d bytes)" % (
                  "MicroPython TCP " + name, (allocated - made * view) * 1024 / measured,
                  measured // 1024, made, view, allocated))


if __name__ == "__main__":
    main()
