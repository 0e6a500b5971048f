"""winc.socket over the emulated module and real loopback peers: creation, options, TCP.

Case ids are those of the conformance plan (../shared/spec/conformance-plan.md, groups SK, TC,
TS, RV, CL, BP, PL, EV, RS).
"""
# cpython only: the peers are host threads (MicroPython runs the socket smoke test instead)

import hashlib
import socket as host
import time

import hostnet
import peers
from support import device, emulator, raises

from winc import socket as ws

EAGAIN, EBADF, EINVAL, ENOTCONN, ETIMEDOUT = 11, 9, 22, 107, 110
EAFNOSUPPORT, EPROTONOSUPPORT, ENOPROTOOPT, EOPNOTSUPP = 97, 93, 92, 95
EINPROGRESS, EALREADY, EISCONN, ECONNREFUSED, ECONNABORTED = 115, 114, 106, 111, 103


class Net:
    """An initialised device on a fresh emulator, with every socket event recorded."""

    def __init__(self, **options):
        self.emu = emulator(**options)
        self.dev = device(self.emu, rx_buf=4096, tx_buf=4096)
        self.dev.init(5000)
        self.events = []
        ws.set_event_callback(lambda ctx, s, ev, st: self.events.append((s, ev, st)))

    def sent(self, name):
        """Parameters of every command `name` the driver sent, in order."""
        return [params for cmd, params in self.emu.log() if cmd == name]

    def of(self, sock):
        return [(ev, st) for s, ev, st in self.events if s is sock]


def _connected(net, server, **kw):
    s = ws.socket(**kw)
    s.settimeout(5)
    s.connect(("127.0.0.1", server.port))
    return s


def _until(net, condition, timeout=5):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        net.dev.pump(50)


def test_SK_01_creation_sends_socko_and_reports_open():
    net = Net()
    s = ws.socket(ws.AF_INET, ws.SOCK_STREAM)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    t = ws.socket(ws.AF_INET6, ws.SOCK_STREAM, ws.IPPROTO_TLS)
    assert net.sent("SOCKO") == [[2, 4], [1, 4], [2, 6]]
    for sock in (s, u, t):
        assert net.of(sock) == [(ws.EVENT_OPEN, ws.STATUS_OK)]
    assert (s.type, s.family) == (ws.SOCK_STREAM, ws.AF_INET)


def test_SK_02_bad_arguments_send_nothing():
    net = Net()
    assert raises(OSError, ws.socket, 99, ws.SOCK_STREAM).errno == EAFNOSUPPORT
    assert raises(OSError, ws.socket, ws.AF_INET, 99).errno == EINVAL
    for args in ((ws.SOCK_STREAM, ws.IPPROTO_UDP), (ws.SOCK_DGRAM, ws.IPPROTO_TCP),
                 (ws.SOCK_DGRAM, ws.IPPROTO_TLS)):
        assert raises(OSError, ws.socket, ws.AF_INET, *args).errno == EPROTONOSUPPORT
    assert net.sent("SOCKO") == []


def test_SK_03_protocol_follows_type():
    net = Net()
    s = ws.socket(ws.AF_INET, ws.SOCK_STREAM, 0)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM, 0)
    assert net.sent("SOCKO") == [[2, 4], [1, 4]]
    assert (s.proto, u.proto) == (ws.IPPROTO_TCP, ws.IPPROTO_UDP)


def test_SK_06_options_map_to_sockc():
    net = Net()
    s = ws.socket()
    net.emu.clear_log()
    for level in (ws.SOL_SOCKET, 1, 0xFFFF):
        s.setsockopt(level, ws.SO_KEEPALIVE, 1)
    s.setsockopt(ws.IPPROTO_TCP, ws.TCP_NODELAY, 1)
    s.setsockopt(ws.IPPROTO_IP, ws.IP_TOS, 0x10)
    net.dev.pump(100)
    sid = s._id
    assert net.sent("SOCKC") == [[sid, 3, 1]] * 3 + [[sid, 2, 1], [sid, 32, 0x10]]


def test_SK_07_bad_options_send_nothing():
    net = Net()
    s = ws.socket()
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    net.emu.clear_log()
    assert raises(OSError, s.setsockopt, ws.SOL_SOCKET, 12345, 1).errno == ENOPROTOOPT
    assert raises(OSError, u.setsockopt, ws.IPPROTO_TCP, ws.TCP_NODELAY, 1).errno == ENOPROTOOPT
    assert raises(OSError, s.setsockopt, ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 1).errno == ENOPROTOOPT
    assert raises(OSError, s.setsockopt, ws.SOL_SOCKET, ws.SO_KEEPALIVE, b"\x01").errno == EINVAL
    assert raises(OSError, s.setsockopt, 999, 1, 1).errno == ENOPROTOOPT
    net.dev.pump(50)
    assert net.sent("SOCKC") == [] and net.sent("SOCKTLS") == []


def test_SK_08_a_closed_socket_is_ebadf_and_pollnval():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    s.close()
    for op, args in ((s.send, (b"x",)), (s.recv, (1,)), (s.connect, (("127.0.0.1", 1),)),
                     (s.bind, (("", 0),)), (s.listen, ()), (s.accept, ()),
                     (s.setsockopt, (ws.SOL_SOCKET, ws.SO_KEEPALIVE, 1)), (s.getpeername, ())):
        assert raises(OSError, op, *args).errno == EBADF, op
    s.close()
    _until(net, lambda: (ws.EVENT_CLOSE, ws.STATUS_OK) in net.of(s))
    assert len(net.sent("SOCKCL")) == 1
    assert s.ioctl(3, ws.POLLIN | ws.POLLOUT) == ws.POLLNVAL
    echo.close()


def test_SK_09_timeouts():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    s.settimeout(0)
    t0 = time.monotonic()
    assert raises(OSError, s.recv, 1).errno == EAGAIN
    assert time.monotonic() - t0 < 0.1
    s.setblocking(True)
    assert s.gettimeout() is None
    s.settimeout(0.2)
    t0 = time.monotonic()
    assert raises(OSError, s.recv, 1).errno == ETIMEDOUT
    assert 0.2 <= time.monotonic() - t0 < 1
    raises(ValueError, s.settimeout, -1)
    echo.close()


def test_SK_10_peer_and_socket_names():
    Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    assert raises(OSError, s.getpeername).errno == ENOTCONN
    s.settimeout(5)
    s.connect(("127.0.0.1", echo.port))
    assert s.getpeername() == ("127.0.0.1", echo.port)
    ip, port = s.getsockname()
    assert ip == "127.0.0.1" and port > 0
    echo.close()


def test_TC_01_blocking_connect_and_echo():
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    s.settimeout(5)
    assert s.connect(("127.0.0.1", echo.port)) is None
    assert [p[1:] for p in net.sent("SOCKBR")] == [["127.0.0.1", echo.port]]
    assert net.of(s) == [(ws.EVENT_OPEN, 0), (ws.EVENT_CONNECT, 0)]
    s.sendall(b"hello")
    got = b""
    while len(got) < 5:
        got += s.recv(5 - len(got))
    assert got == b"hello"
    echo.close()


def test_TC_02_non_blocking_connect_completes_as_pollout():
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EINPROGRESS
    assert not s.ioctl(3, ws.POLLOUT) & ws.POLLOUT or s._st == 4
    _until(net, lambda: s.ioctl(3, ws.POLLOUT) & ws.POLLOUT)
    assert net.of(s).count((ws.EVENT_CONNECT, 0)) == 1
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EISCONN
    echo.close()


def test_TC_05_send_and_recv_before_connect_are_enotconn():
    Net()
    s = ws.socket()
    assert raises(OSError, s.send, b"x").errno == ENOTCONN
    assert raises(OSError, s.recv, 1).errno == ENOTCONN


def test_TC_08_refused_connect():
    net = Net()
    closed = host.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    s = ws.socket()
    s.settimeout(5)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == ECONNREFUSED
    assert (ws.EVENT_ERROR, ws.STATUS_ERROR) in net.of(s)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == ECONNREFUSED  # sticky
    assert len(net.sent("SOCKBR")) == 1


def test_TS_01_server_accepts_a_host_client():
    net = Net()
    dev = net.dev
    ls = ws.socket()
    ls.settimeout(5)
    ls.bind(("127.0.0.1", 0))
    ls.listen(2)
    port = ls.getsockname()[1]
    client = host.create_connection(("127.0.0.1", port), timeout=5)
    child, addr = ls.accept()
    assert addr == client.getsockname()
    assert (ws.EVENT_CONNECT_REQ, 0) in net.of(ls)
    client.sendall(b"ping")
    child.settimeout(5)
    assert child.recv(4) == b"ping"
    child.sendall(b"pong")
    assert hostnet.recv_exactly(client, 4, dev) == b"pong"
    child.close()
    assert hostnet.recv_exactly(client, 1, dev) == b""
    client.close()


def test_TS_03_accept_without_pending_connection():
    Net()
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    ls.setblocking(False)
    assert raises(OSError, ls.accept).errno == EAGAIN
    ls.settimeout(0.2)
    assert raises(OSError, ls.accept).errno == ETIMEDOUT


def test_TS_05_listen_and_accept_misuse():
    Net()
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    assert raises(OSError, u.listen).errno == EOPNOTSUPP
    assert raises(OSError, u.accept).errno == EOPNOTSUPP
    t = ws.socket()
    assert raises(OSError, t.listen).errno == EINVAL
    t.bind(("127.0.0.1", 0))
    assert raises(OSError, t.accept).errno == EINVAL


def test_RV_01_eof_after_peer_close():
    net = Net()
    server = host.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    s = ws.socket()
    s.settimeout(5)
    s.connect(server.getsockname())
    conn, _ = server.accept()
    conn.sendall(bytes(300))
    conn.close()
    got = 0
    while True:
        chunk = s.recv(1000)
        if not chunk:
            break
        got += len(chunk)
    assert got == 300
    assert s.recv(10) == b"" and s.recv(10) == b""  # EOF forever
    assert s.ioctl(3, ws.POLLIN) & ws.POLLIN
    assert (ws.EVENT_DISCONNECT, 0) in net.of(s)
    server.close()


def test_RV_03_stream_protocol_methods():
    net = Net()
    server = host.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    s = ws.socket()
    s.settimeout(5)
    s.connect(server.getsockname())
    conn, _ = server.accept()
    conn.sendall(b"ab")
    conn.sendall(b"c\nd")
    _until(net, lambda: s._rx_len == 5)
    assert s.readline() == b"abc\n"
    buf = bytearray(10)
    assert s.readinto(buf) == 1 and buf[:1] == b"d"
    s.setblocking(False)
    assert s.readinto(buf) is None
    assert s.write(b"xyz") == 3
    assert hostnet.recv_exactly(conn, 3, net.dev) == b"xyz"
    conn.close()
    server.close()


def test_RV_04_recv_zero_and_peek():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    s.sendall(b"0123456789")
    _until(net, lambda: s._rx_len == 10)
    assert s.recv(0) == b""
    assert s.recv(4, ws.MSG_PEEK) == b"0123"
    assert s.recv(10) == b"0123456789"
    echo.close()


def test_BP_05_one_big_send_is_partial_and_sendall_delivers_everything():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    n = s.send(bytes(5000))
    assert 0 < n <= 5000
    s.sendall(bytes(5000 - n))
    got = 0
    while got < 5000:
        got += len(s.recv(5000))
    assert got == 5000
    assert all(params[1] <= 1460 for params in net.sent("SOCKWR"))
    echo.close()


def test_one_mib_each_way_with_sha256():
    net = Net()
    size = 1 << 20
    source = peers.TcpSource(size)
    s = _connected(net, source)
    h = hashlib.sha256()
    buf = bytearray(2048)
    got = 0
    while True:
        n = s.recv_into(buf)
        if not n:
            break
        h.update(memoryview(buf)[:n])
        got += n
    assert got == size and h.hexdigest() == source.digest
    s.close()
    sink = peers.TcpSink()
    s = _connected(net, sink)
    s.sendall(source.data)
    s.close()  # lossless: everything queued still goes out before SOCKCL
    assert sink.result() == (size, source.digest)


def test_eight_sockets_at_once():
    net = Net()
    echo = peers.TcpEcho()
    socks = [_connected(net, echo) for _ in range(8)]
    for i, s in enumerate(socks):
        s.sendall(b"socket %d" % i)
    for i, s in enumerate(socks):
        want = b"socket %d" % i
        got = b""
        while len(got) < len(want):
            got += s.recv(64)
        assert got == want
    assert len({s._id for s in socks}) == 8
    echo.close()


def test_CL_02_close_is_the_last_event():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    s.sendall(b"bye")
    s.close()
    _until(net, lambda: (ws.EVENT_CLOSE, 0) in net.of(s))
    net.dev.pump(100)
    assert net.of(s)[-1] == (ws.EVENT_CLOSE, 0)
    echo.close()


def test_CL_04_half_close_is_refused():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    assert raises(OSError, s.shutdown, ws.SHUT_WR).errno == EOPNOTSUPP
    assert raises(OSError, s.shutdown, ws.SHUT_RD).errno == EOPNOTSUPP
    s.shutdown(ws.SHUT_RDWR)
    assert s.recv(1) == b""  # the connection is gone: EOF
    assert raises(OSError, s.send, b"x").errno == ENOTCONN
    echo.close()


def test_PL_01_poll_flags_through_the_life_of_a_socket():
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    assert s.ioctl(3, ws.POLLIN | ws.POLLOUT) == ws.POLLHUP  # new TCP socket: lwIP convention
    s.setblocking(False)
    raises(OSError, s.connect, ("127.0.0.1", echo.port))
    _until(net, lambda: s.ioctl(3, ws.POLLOUT) == ws.POLLOUT)
    s.send(b"x")
    _until(net, lambda: s.ioctl(3, ws.POLLIN) == ws.POLLIN)
    s.close()
    assert s.ioctl(3, ws.POLLIN) == ws.POLLNVAL
    echo.close()


def test_EV_04_a_failing_callback_does_not_stop_the_pump(capsys):
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    seen = []

    def cb(ctx, sock, ev, st):
        seen.append(ev)
        if ev == ws.EVENT_RECV:
            raise ValueError("callback bug")

    ws.set_event_callback(cb)
    s.sendall(b"a")
    assert s.recv(1) == b"a"
    s.sendall(b"b")
    assert s.recv(1) == b"b"
    assert seen.count(ws.EVENT_RECV) >= 2
    assert "callback bug" in capsys.readouterr().err
    echo.close()


def test_RS_01_module_reset_kills_sockets_with_close_error():
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    net.emu.reset(sdio=False)
    net.dev.pump(1000)
    assert net.of(s)[-1] == (ws.EVENT_CLOSE, ws.STATUS_ERROR)
    assert raises(OSError, s.recv, 1).errno == ECONNABORTED
    assert s.ioctl(3, ws.POLLIN) & (ws.POLLERR | ws.POLLHUP) == ws.POLLERR | ws.POLLHUP
    echo.close()
