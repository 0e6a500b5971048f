"""End to end on both runtimes: winc.socket -> device -> SPI link -> emulator -> host sockets.

The peers are plain host sockets driven inline (hostnet.py), so these tests run unchanged
under CPython and under the MicroPython interpreter.
"""

import hostnet
from support import MICROPYTHON, device, emulator, raises

from winc import socket as ws

EAGAIN, EINPROGRESS, ENOTCONN = 11, 115, 107


def _net():
    emu = emulator()
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    return emu, dev


def _recv_all(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        assert chunk, "EOF after %d of %d bytes" % (len(out), n)
        out += chunk
    return out


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
    assert _recv_all(s, 19) == b"reply from the host"
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
    assert _recv_all(child, 4) == b"ping"
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
