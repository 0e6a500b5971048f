"""End to end on both runtimes: winc.socket -> device -> SPI link -> emulator -> host sockets.

The peers are plain host sockets driven inline (hostnet.py), so these tests run unchanged
under CPython and under the MicroPython interpreter.
"""

import hostnet
from sockrig import recv_exactly
from support import MICROPYTHON, device, emulator, raises

from winc import socket as ws

EAGAIN, EINPROGRESS, ENOTCONN = 11, 115, 107


def _net():
    emu = emulator()
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    return emu, dev


def test_tcp_client_round_trip_through_a_host_server():
    emu, dev = _net()
    server, port = hostnet.listener()
    s = ws.socket()
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(5)
    payload = bytes(range(256)) * 12
    s.sendall(payload)
    assert hostnet.recv_exactly(conn, len(payload), dev) == payload
    conn.send(b"reply from the host")
    assert recv_exactly(s, 19) == b"reply from the host"
    conn.close()
    assert s.recv(10) == b""  # the host closed: EOF
    s.close()
    server.close()


def test_tcp_server_accepts_a_host_client():
    emu, dev = _net()
    ls = ws.socket()
    ls.settimeout(5)
    ls.bind(("", 0))
    ls.listen(2)
    port = ls.getsockname()[1]
    client = hostnet.connect("127.0.0.1", port)
    child, addr = ls.accept()
    assert addr[0] == "127.0.0.1"
    child.settimeout(5)
    client.send(b"ping")
    assert recv_exactly(child, 4) == b"ping"
    child.sendall(b"pong")
    assert hostnet.recv_exactly(client, 4, dev) == b"pong"
    child.close()
    client.close()
    ls.close()


def test_udp_both_ways():
    emu, dev = _net()
    peer, peer_port = hostnet.udp()
    peer.settimeout(0.01)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    u.settimeout(5)
    u.bind(("", 0))
    port = u.getsockname()[1]
    assert u.sendto(b"to the host", ("127.0.0.1", peer_port)) == 11
    data, _ = hostnet.pumped(dev, peer.recvfrom, 100)
    assert data == b"to the host"
    peer.sendto(b"to winc", hostnet.sockaddr("127.0.0.1", port))
    data, source = u.recvfrom(100)
    assert data == b"to winc" and source == ("127.0.0.1", peer_port)
    u.close()
    peer.close()


def test_non_blocking_connect_with_poll():
    _net()
    server, port = hostnet.listener()
    s = ws.socket()
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == EINPROGRESS
    if MICROPYTHON:
        import select  # MicroPython's own poll works on winc sockets through ioctl
    else:
        from winc import select
    p = select.poll()
    p.register(s, select.POLLOUT)
    ready = p.poll(5000)
    assert len(ready) == 1 and ready[0][1] & select.POLLOUT
    assert raises(OSError, s.recv, 1).errno == EAGAIN
    s.close()
    server.close()


def test_recv_on_a_fresh_socket_is_enotconn():
    _net()
    s = ws.socket()
    assert raises(OSError, s.recv, 1).errno == ENOTCONN
    s.close()


def test_poll_without_an_int_pin_asks_the_module_at_most_every_10_ms():
    import time

    emu = emulator()
    dev = device(emu, irq=False, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    s = ws.socket()
    emu.clear_bus_counts()
    t0 = time.ticks_ms() if MICROPYTHON else time.monotonic() * 1000
    for _ in range(200):  # what select.poll/asyncio do: ioctl about once a millisecond
        s.ioctl(3, ws.POLLIN)
    took = (time.ticks_ms() if MICROPYTHON else time.monotonic() * 1000) - t0
    frames = emu.bus_counts()["frames"]
    assert frames <= took / 10 + 1  # one INT_ID read per 10 ms window, not one per call
    s.close()
