"""make bench: deterministic figures of the SPI data path, printed, never asserted.

CPython, in-process emulator: SPI bytes and CS frames for init, one command round trip, and a
1 MiB TCP receive and send (payload bytes per SPI byte clocked, CS frames per 1460-byte
segment). MicroPython (tools/bench/mp_bench.py against the wincsim server): heap bytes
allocated per KiB moved by recv_into/send in the steady state, and .mpy sizes.
"""

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


def bench_tcp(rxbuf, link_rx):
    with Module() as emu:
        dev = winc.WINCS02(emu.spi, emu.cs, emu.reset, emu.irq, rx_buf=link_rx, tx_buf=4096)
        dev.init()
        source = peers.TcpSource(MIB)
        s = ws.socket(rxbuf=rxbuf, txbuf=4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", source.port))
        emu.clear_bus_counts()
        t0 = time.monotonic()
        got, digest = peers.drain(s)
        took = time.monotonic() - t0
        assert got == MIB and digest == source.digest, "receive corrupted"
        _figure("1 MiB TCP receive (rxbuf %d)" % rxbuf, emu.bus_counts(), got)
        print("%34s %.2f s wall (host-dependent, for orientation only)" % ("", took))
        s.close()
        source.close()

        sink = peers.TcpSink()
        s = ws.socket(rxbuf=rxbuf, txbuf=4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", sink.port))
        emu.clear_bus_counts()
        s.sendall(source.data)
        s.close()
        counts = emu.bus_counts()
        assert sink.result() == (MIB, source.digest), "send corrupted"
        _figure("1 MiB TCP send", counts, MIB)
        sink.close()


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
        bench_tcp(8192, 4096)
    if only and "mp" not in only:
        return
    print("== MicroPython (wincsim server)")
    bench_micropython()
    print("== size")
    sizes = mpy_gate.compile_all()
    print("lib/winc as .mpy: %d bytes in %d modules" % (sum(sizes.values()), len(sizes)))


if __name__ == "__main__":
    main()
