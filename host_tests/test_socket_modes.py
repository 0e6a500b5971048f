"""The three receive modes of SO_ASYNC_MODE (§8.5) carry the same bytes, on both runtimes.

0: polled (SOCKRXT announces, SOCKRD fetches), 1: simple push, 2: acknowledged push (default,
window = rxbuf, NEXT_SN acknowledgements as the application reads).
"""

import hostnet
from support import device, emulator

from winc import socket as ws

SIZE = 12000


def _transfer(mode, rxbuf=4096, chunk=1024):
    emu = emulator()
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    server, port = hostnet.listener()
    s = ws.socket(rxbuf=rxbuf)
    s.settimeout(5)
    if mode != ws.ASYNC_ACKED:
        s.setsockopt(ws.SOL_SOCKET, ws.SO_ASYNC_MODE, mode)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    # The stream is i % 251 at position i: chunks are checked against one small pattern.
    pattern = memoryview(bytes(i % 251 for i in range(4096 + 251)))
    conn.setblocking(False)
    sent = got = 0
    same = True
    buf = bytearray(chunk)
    while got < SIZE:
        if sent < SIZE:
            try:
                sent += conn.send(pattern[sent % 251:sent % 251 + min(4096, SIZE - sent)]) or 0
            except OSError:
                pass
        n = s.recv_into(buf) if sent > got else 0
        same = same and memoryview(buf)[:n] == pattern[got % 251:got % 251 + n]
        got += n
    conn.close()
    server.close()
    assert s.recv(10) == b""  # EOF after everything
    s.close()
    return same, emu


def _sockc(emu, param):
    return [p[2] for name, p in emu.log() if name == "SOCKC" and p[1] == param]


def test_polled_mode_reads_with_sockrd():
    same, emu = _transfer(ws.ASYNC_OFF)
    assert same
    assert _sockc(emu, 101)[-1] == 0 and _sockc(emu, 102)[-1] == 0
    reads = [p for name, p in emu.log() if name == "SOCKRD"]
    assert reads and all(p[1] == 3 and 0 < p[2] <= 1460 for p in reads)


def test_simple_push_mode_needs_no_acknowledgements():
    # No window: the ring must outrun what the module pushes between two reads.
    same, emu = _transfer(ws.ASYNC_SIMPLE, rxbuf=12288, chunk=4096)
    assert same
    assert _sockc(emu, 101)[-1] == 0 and _sockc(emu, 102)[-1] == 1496
    assert _sockc(emu, 100) == []


def test_acknowledged_push_mode_acks_in_half_windows():
    same, emu = _transfer(ws.ASYNC_ACKED, rxbuf=4096)
    assert same
    assert _sockc(emu, 101) == [4096] and _sockc(emu, 102) == [1496]
    acks = _sockc(emu, 100)
    assert acks == sorted(acks) and acks[-1] <= SIZE
    steps = [b - a for a, b in zip([0] + acks, acks)]
    assert all(step >= 2048 for step in steps)  # batched: one SOCKC per half window or more
    assert len(acks) <= SIZE // 2048


def test_simple_push_overflow_fails_the_stream_instead_of_losing_bytes():
    emu = emulator()
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    server, port = hostnet.listener()
    s = ws.socket(rxbuf=1536)
    s.settimeout(5)
    s.setsockopt(ws.SOL_SOCKET, ws.SO_ASYNC_MODE, ws.ASYNC_SIMPLE)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.send(bytes(6000))
    got = 0
    while True:  # what fitted arrives whole, then the error instead of a silent hole
        try:
            n = len(s.recv(4096))
        except OSError as e:
            assert e.errno == 105  # ENOBUFS
            break
        assert n, "EOF instead of ENOBUFS"
        got += n
    assert got < 6000
    conn.close()
    server.close()
    s.close()
