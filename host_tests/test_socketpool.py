"""winc.socketpool on both runtimes: CircuitPython's SocketPool names and values, and pool
sockets end to end through the emulator to plain host sockets (hostnet.py).

Case ids of the conformance plan mark the tests that check one of its cases through a pool.
"""

import hostnet
from sockrig import recv_exactly
from support import device_up, raises

from winc import socket as ws
from winc import socketpool, tls, wifi

EBADF, EAGAIN, ENOPROTOOPT, ETIMEDOUT = 9, 11, 92, 110
EAI_NONAME = -2

# CircuitPython core's socketpool.SocketPool constants (conventions e3).
CIRCUITPYTHON = (
    ("AF_INET", 2), ("AF_INET6", 10), ("SOCK_STREAM", 1), ("SOCK_DGRAM", 2), ("SOCK_RAW", 3),
    ("SOL_SOCKET", 0xFFF), ("SO_REUSEADDR", 4), ("TCP_NODELAY", 1), ("IPPROTO_IP", 0),
    ("IPPROTO_ICMP", 1), ("IPPROTO_TCP", 6), ("IPPROTO_UDP", 17), ("IPPROTO_IPV6", 41),
    ("IPPROTO_RAW", 255), ("IP_MULTICAST_TTL", 5), ("EAI_NONAME", -2),
)


def _pool():
    emu, dev = device_up()
    return emu, dev, socketpool.SocketPool(dev)


def _connected(pool):
    """(pool socket, host connection, host listener): a TCP pair through the module."""
    server, port = hostnet.listener()
    s = pool.socket(pool.AF_INET, pool.SOCK_STREAM)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(5)
    return s, conn, server


def test_constants_are_circuitpythons():
    for name, value in CIRCUITPYTHON:
        assert getattr(socketpool.SocketPool, name) == value, name
    assert not hasattr(socketpool.SocketPool, "timeout")  # MiniMQTT: only CPython's has it
    assert issubclass(socketpool.SocketPool.gaierror, OSError)


def test_socket_defaults_to_tcp_and_takes_circuitpythons_arguments():
    emu, dev, pool = _pool()
    s = pool.socket()
    assert (s.family, s.type, s.proto) == (pool.AF_INET, pool.SOCK_STREAM, pool.IPPROTO_TCP)
    u = pool.socket(pool.AF_INET, pool.SOCK_DGRAM, pool.IPPROTO_IP)
    assert u.type == pool.SOCK_DGRAM and u.proto == pool.IPPROTO_UDP
    assert {s: 1, u: 2}[u] == 2  # hashable, as ConnectionManager keys sockets
    s.setsockopt(pool.SOL_SOCKET, pool.SO_REUSEADDR, 1)
    s.setsockopt(pool.IPPROTO_TCP, pool.TCP_NODELAY, 1)
    e = raises(OSError, s.setsockopt, pool.IPPROTO_IP, pool.IP_MULTICAST_TTL, 2)
    assert e.errno == ENOPROTOOPT  # the module has no such option: said, not pretended
    s.close()
    u.close()


def test_getaddrinfo_resolves_through_the_module_and_fails_as_gaierror():
    emu, dev, pool = _pool()
    assert pool.getaddrinfo("127.0.0.1", 80)[0][4] == ("127.0.0.1", 80)
    emu.dns("broker.winc.test", ["127.0.0.1"])
    info = pool.getaddrinfo("broker.winc.test", 1883, 0, pool.SOCK_STREAM)
    assert info[0][0] == pool.AF_INET and info[0][4] == ("127.0.0.1", 1883)
    e = raises(pool.gaierror, pool.getaddrinfo, "no-such-host.winc.test", 80)
    assert isinstance(e, OSError) and e.errno == EAI_NONAME == pool.EAI_NONAME


def test_TC_07_pool_socket_connects_by_name_and_send_returns_a_count():
    # TC-07 through a pool: the module resolves the name, then connects.
    emu, dev, pool = _pool()
    server, port = hostnet.listener()
    emu.dns("echo.winc.test", ["127.0.0.1"])
    with pool.socket() as s:
        s.settimeout(5)
        s.connect(("echo.winc.test", port))
        conn, _ = server.accept()
        conn.settimeout(5)
        sent = s.send(b"hello, circuitpython")
        assert sent == 20
        assert hostnet.recv_exactly(conn, 20, dev) == b"hello, circuitpython"
        conn.send(b"0123456789")
        buf = bytearray(16)
        n = s.recv_into(buf, 4)  # nbytes bounds the read
        assert n == 4 and buf[:4] == b"0123"
        assert recv_exactly(s, 6) == b"456789"
    assert raises(OSError, s.send, b"x").errno == EBADF  # the with block closed it
    conn.close()
    server.close()


def test_SK_09_pool_socket_timeouts_are_etimedout_and_non_blocking_is_eagain():
    # SK-09 through a pool: what MiniMQTT's loop() and adafruit_requests catch.
    emu, dev, pool = _pool()
    s, conn, server = _connected(pool)
    buf = bytearray(8)
    s.settimeout(0.05)
    assert raises(OSError, s.recv_into, buf).errno == ETIMEDOUT
    s.setblocking(False)
    assert raises(OSError, s.recv_into, buf, 1).errno == EAGAIN
    s.settimeout(None)
    conn.send(b"late")
    assert recv_exactly(s, 4) == b"late"
    conn.close()
    s.settimeout(5)
    assert s.recv_into(buf) == 0  # EOF is 0, never "no data yet"
    s.close()
    server.close()


def test_pool_socket_serves_a_host_client():
    emu, dev, pool = _pool()
    ls = pool.socket()
    ls.setsockopt(pool.SOL_SOCKET, pool.SO_REUSEADDR, 1)
    ls.settimeout(5)
    ls.bind(("", 0))
    ls.listen(1)
    client = hostnet.connect("127.0.0.1", ls.getsockname()[1])
    child, addr = ls.accept()
    assert addr[0] == "127.0.0.1"
    child.settimeout(5)
    client.send(b"ping")
    assert recv_exactly(child, 4) == b"ping"
    assert child.send(b"pong") == 4
    assert hostnet.recv_exactly(client, 4, dev) == b"pong"
    child.close()
    client.close()
    ls.close()


def test_pool_udp_sendto_and_recvfrom_into():
    emu, dev, pool = _pool()
    peer, peer_port = hostnet.udp()
    peer.settimeout(0.01)
    u = pool.socket(pool.AF_INET, pool.SOCK_DGRAM)
    u.settimeout(5)
    u.bind(("", 0))
    assert u.sendto(b"datagram", ("127.0.0.1", peer_port)) == 8
    data, _ = hostnet.pumped(dev, peer.recvfrom, 100)
    assert data == b"datagram"
    peer.sendto(b"answer", hostnet.sockaddr("127.0.0.1", u.getsockname()[1]))
    buf = bytearray(32)
    n, source = u.recvfrom_into(buf)
    assert buf[:n] == b"answer" and source == ("127.0.0.1", peer_port)
    u.close()
    peer.close()


def test_a_pool_takes_a_radio_a_device_or_the_default_device():
    emu, dev = device_up()
    server, port = hostnet.listener()
    for radio in (wifi.radio, dev, None):
        s = socketpool.SocketPool(radio).socket()
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        assert isinstance(s, ws.socket) and s._stack.dev is dev
        conn, _ = server.accept()
        conn.close()
        s.close()
    server.close()


def test_create_default_context_verifies_like_circuitpythons():
    ctx = socketpool.create_default_context()
    assert isinstance(ctx, tls.SSLContext)
    assert ctx.verify_mode == tls.CERT_REQUIRED and ctx.check_hostname
    emu, dev, pool = _pool()
    s = pool.socket()
    raises(ValueError, ctx.wrap_socket, s)  # a verifying context needs the server's name
    ctx.check_hostname = False
    ctx.verify_mode = tls.CERT_NONE
    assert ctx.wrap_socket(s) is s  # the socket itself, TLS on the module
    s.close()
