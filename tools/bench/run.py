"""make bench: deterministic figures of the SPI data path, printed, never asserted.

CPython, in-process emulator: SPI bytes and CS frames for init, one command round trip, and a
1 MiB TCP receive and send (payload bytes per SPI byte clocked, CS frames per 1460-byte
segment), next to the framing-only limits computed from the spec's frame rules. The UART link
(RNWF02, AT): wire bytes each way for the same transfers and the throughput they allow at
230400 baud and at 921600. MicroPython
(tools/bench/mp_bench.py against the wincsim server): heap bytes allocated per KiB moved by
recv_into/send in the steady state, and .mpy sizes.
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "tools"), os.path.join(ROOT, "host_tests"),
                os.path.join(ROOT, "lib")]

import mp_runner  # noqa: E402
import mpy_gate  # noqa: E402
import peers  # noqa: E402

import winc  # noqa: E402
from winc import _ids  # noqa: E402
from winc import socket as ws  # noqa: E402
from wincsim import Module  # noqa: E402

MIB = 1 << 20
SEGMENT = 1460

# Bytes clocked per transaction, from the frame rules of the spec (§2.5, §2.6, §3.2, §3.3), with
# the fewest polls the protocol allows (the token on the first poll, never busy).
CMD = 11  # a CMD52 or CMD53 frame
EVENT = CMD + (CMD + 1 + 4 + 3) + CMD  # INT_ID read, mailbox word (token, 4 bytes, CRC+1), clear
DATA_RDY = 2 * CMD  # INT_ID poll that finds DATA_RDY, and its clear


def read_cost(n):
    """A DATA_RDY-gated read of n bytes from the data port: blocks, then a separate rest."""
    blocks, rest = divmod(n, 512)
    cost = DATA_RDY + CMD + blocks * (1 + 512 + 3) if blocks else 0
    return cost + (DATA_RDY + CMD + 1 + rest + 3 if rest else 0)


def write_cost(n):
    """A write of n bytes: blocks (token, data, CRC window), then a rest (packed up to 4)."""
    blocks, rest = divmod(n, 512)
    cost = CMD + blocks * (2 + 512 + 5) if blocks else 0
    return cost + (CMD + (7 + rest if rest <= 4 else 2 + rest + 5) if rest else 0)


ANNOUNCE = write_cost(4)  # one command: the mailbox word
STATUS_IN = EVENT + read_cost(20)  # a STATUS in an event of its own
PUSH_FRAME = 1496  # TCP data per SOCKRXT: the message is 1536 bytes, three blocks
ACK = ANNOUNCE + EVENT + write_cost(32) + STATUS_IN  # SOCKC(100): the window moves on


def framing_limits():
    alone = EVENT + read_cost(PUSH_FRAME + 40)
    batched = read_cost(PUSH_FRAME + 40) + 4  # one of many in an event: its length-list word
    print("%-34s %.3f (a frame per event) .. %.3f (many per event) payload/bus byte" % (
        "framing-only limit, TCP receive", PUSH_FRAME / alone, PUSH_FRAME / batched))
    for rxbuf in (4096, 8192):
        frames = (rxbuf - 1) // PUSH_FRAME  # per acknowledgement (socket._configure_push)
        print("%-34s %.3f (rxbuf %d: an ack of %d bytes per %d frames)" % (
            "  with acknowledgements", frames * PUSH_FRAME / (frames * alone + ACK), rxbuf, ACK,
            frames))
    chunk = ANNOUNCE + EVENT + write_cost(SEGMENT + 36) + STATUS_IN
    print("%-34s %.3f (%d-byte SOCKWR: %d bus bytes with its announce, TX_REQ and STATUS)" % (
        "framing-only limit, TCP send", SEGMENT / chunk, SEGMENT, chunk))


def _figure(name, counts, payload=None):
    line = "%-34s %9d SPI bytes %7d CS frames" % (name, counts["bytes"], counts["frames"])
    if payload:
        line += "   %.3f payload/bus byte   %.2f frames per %d-byte segment" % (
            payload / counts["bytes"], counts["frames"] / (payload / SEGMENT), SEGMENT)
    print(line)


def bench_link():
    with Module() as emu:
        dev = winc.WINCS02(emu.spi, emu.cs, emu.reset, emu.irq)
        dev.init()
        _figure("init (reset, handshake, version)", emu.bus_counts())
        emu.clear_bus_counts()
        dev.call(_ids.GMR)
        _figure("one command round trip (GMR)", emu.bus_counts())


def _receive(emu, sock, size):
    """Connect sock to a host source of size bytes and read them all; (bus counts, seconds).
    The counts cover the transfer only."""
    source = peers.TcpSource(size)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", source.port))
    emu.clear_bus_counts()
    t0 = time.monotonic()
    got, digest = peers.drain(sock)
    took = time.monotonic() - t0
    assert got == size and digest == source.digest, "receive corrupted"
    sock.close()
    source.close()
    return emu.bus_counts(), took


def _send(emu, sock, size):
    """Connect sock to a host sink and send size bytes; the bus counts of the transfer."""
    data = bytes(range(256)) * (size // 256)
    sink = peers.TcpSink()
    sock.settimeout(10)
    sock.connect(("127.0.0.1", sink.port))
    emu.clear_bus_counts()
    sock.sendall(data)
    sock.close()
    counts = emu.bus_counts()
    assert sink.result() == (size, hashlib.sha256(data).hexdigest()), "send corrupted"
    sink.close()
    return counts


def bench_tcp(rxbuf, link_rx, send=True):
    with Module() as emu:
        dev = winc.WINCS02(emu.spi, emu.cs, emu.reset, emu.irq, rx_buf=link_rx, tx_buf=4096)
        dev.init()
        counts, took = _receive(emu, ws.socket(rxbuf=rxbuf, txbuf=4096), MIB)
        _figure("1 MiB TCP receive (rxbuf %d)" % rxbuf, counts, MIB)
        print("%34s %.2f s wall (host-dependent, for orientation only)" % ("", took))
        if send:
            _figure("1 MiB TCP send", _send(emu, ws.socket(rxbuf=rxbuf, txbuf=4096), MIB), MIB)


UART_RATES = (230400, 921600)  # the default, and the highest rate Microchip's tools use


def _uart_figure(name, counts, payload, direction):
    """Wire bytes both ways; payload per byte in the direction that carries the data, and the
    throughput that gives at each rate (8N1: 10 bits a byte; the other direction is free)."""
    carrying = counts[direction]
    rates = "   ".join("%.1f kB/s at %d" % (r / 10 * payload / carrying / 1000, r)
                       for r in UART_RATES)
    print("%-34s %9d bytes to module %8d from module   %.3f payload/wire byte   %s" % (
        name, counts["tx"], counts["rx"], payload / carrying, rates))


def bench_uart(size=MIB // 4):
    with Module(link="uart") as emu:
        dev = winc.RNWF02(emu.uart, reset=emu.reset)
        dev.init()
        print("%-34s %9d bytes to module %8d from module" % (
            "init (banner, resync, ATE0, ATF6, version)", emu.bus_counts()["tx"],
            emu.bus_counts()["rx"]))
        dev.baudrate(UART_RATES[-1])  # AT+IPR: both ends move to the highest rate
        for mode, how in ((None, "raw # reads"), (ws.ASYNC_ACKED, "hex push events")):
            s = ws.socket(rxbuf=8192, txbuf=4096, dev=dev)
            if mode is not None:
                s.setsockopt(ws.SOL_SOCKET, ws.SO_ASYNC_MODE, mode)
            counts, _ = _receive(emu, s, size)
            _uart_figure("%d KiB TCP receive (%s)" % (size // 1024, how), counts, size, "rx")
        counts = _send(emu, ws.socket(rxbuf=8192, txbuf=4096, dev=dev), size)
        _uart_figure("%d KiB TCP send (raw #)" % (size // 1024), counts, size, "tx")


def bench_micropython():
    with tempfile.TemporaryDirectory() as tmp:
        mp_runner.precompile()
        sock = os.path.join(tmp, "wincsim.sock")
        server = mp_runner.start_server(sock)
        try:
            env = dict(os.environ, WINCSIM_SOCKET=sock,
                       MICROPYPATH=mp_runner.BUILD + os.pathsep + ".frozen")
            out = subprocess.run([mp_runner.micropython(), "-X", "heapsize=%d" % (
                mp_runner.DATA_HEAP + mp_runner.CODE_ROOM),
                os.path.join(ROOT, "tools", "bench", "mp_bench.py")], env=env,
                capture_output=True, text=True, timeout=600)
            print(out.stdout.rstrip())
            if out.returncode:
                print(out.stderr.rstrip())
                raise SystemExit("MicroPython bench failed")
        finally:
            server.terminate()
            server.wait(10)


def main():
    only = sys.argv[1:]
    if not only or "link" in only:
        print("== SPI link (CPython, in-process emulator)")
        bench_link()
    if not only or "tcp" in only:
        print("== TCP data path (CPython, in-process emulator, link rx_buf 4096)")
        bench_tcp(4096, 4096)
        bench_tcp(8192, 4096, send=False)
        framing_limits()
    if not only or "uart" in only:
        print("== UART link (RNWF02 AT, CPython, in-process emulator)")
        bench_uart()
    if only and "mp" not in only:
        return
    print("== MicroPython (wincsim server)")
    bench_micropython()
    print("== size")
    sizes = mpy_gate.compile_all()
    print("lib/winc as .mpy: %d bytes in %d modules" % (sum(sizes.values()), len(sizes)))


if __name__ == "__main__":
    main()
