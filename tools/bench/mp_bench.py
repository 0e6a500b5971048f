"""MicroPython half of make bench: heap bytes allocated per KiB by recv_into/send (steady state).

Run by tools/bench/run.py under the real interpreter against the wincsim server. The host peer is
a plain host socket driven inline; only the winc calls are inside the measured windows
(micropython.mem_total counts every byte ever allocated), and what the emulator client allocates
for its own socket traffic is metered and taken out (host_tests/heapmeter.py). The link makes one
view per message-tail length the first time it sees one (at most 128, kept); those are counted
apart, so the figure that remains is what every segment costs.
"""

import hostnet
from heapmeter import Meter, metered_device

from winc import socket as ws
from wincsim import remote

TOTAL = 256 * 1024  # enough windows for a steady-state figure, short enough for CI
WARMUP = 32 * 1024  # buffers, first acknowledgements, command objects made once
CHUNK = 1024
AHEAD = 16 * 1024  # bytes the host peer keeps in flight ahead of the reader


def _nonblocking_send(conn, view):
    try:
        return conn.send(view) or 0
    except OSError:
        return 0


def _pair():
    server, port = hostnet.listener()
    s = ws.socket()
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.setblocking(False)
    return server, s, conn


def receive(dev):
    server, s, conn = _pair()
    meter = Meter(dev)
    data = memoryview(bytearray(b"winc" * (CHUNK // 4)))
    buf = bytearray(2048)
    sent = moved = measured = 0
    while moved < TOTAL:
        while sent < TOTAL and sent - moved < AHEAD:  # bulk: the module always has data
            n = _nonblocking_send(conn, data[: min(CHUNK, TOTAL - sent)])
            if not n:
                break
            sent += n
        if moved >= sent:
            dev.pump(5)
            continue
        if moved < WARMUP:
            moved += s.recv_into(buf)
            continue
        meter.start()
        n = s.recv_into(buf)
        meter.stop()
        moved += n
        measured += n
    conn.close()
    s.close()
    server.close()
    return meter, measured


def send(dev):
    server, s, conn = _pair()
    s.setblocking(False)
    meter = Meter(dev)
    data = memoryview(bytearray(b"winc" * (CHUNK // 4)))
    drain = bytearray(8192)
    sent = received = measured = 0
    while received < TOTAL:
        if sent < TOTAL:
            view = data[: min(CHUNK, TOTAL - sent)]
            if sent >= WARMUP:
                meter.start()
            try:
                n = s.send(view)
            except OSError:
                n = 0
            if sent >= WARMUP:
                meter.stop()
                measured += n
            sent += n
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
    return meter, measured


def main():
    dev = metered_device(remote.connect())
    dev.init()
    for name, run in (("recv_into", receive), ("send", send)):
        meter, measured = run(dev)
        print("%-34s %7.1f heap bytes allocated per KiB (%d KiB measured; %d first-use tail "
              "views of %d bytes taken out)" % (
                  "MicroPython TCP " + name, meter.bytes * 1024 / measured, measured // 1024,
                  meter.views, meter.view_bytes))


if __name__ == "__main__":
    main()
