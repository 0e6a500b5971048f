"""winc.socket over the emulated module and real loopback peers: creation, options, TCP.

Case ids are those of the conformance plan (../shared/spec/conformance-plan.md, groups SK, TC,
TS, BP, RV, CL); EV, RS and PL are in test_socket_events.py. The C.4 errno table's rows about
TCP and the socket life cycle are one table here (test_C4_...).
"""
# cpython only: the peers are host threads (MicroPython runs the socket smoke test instead)

import hashlib
import socket as host
import struct
import threading
import time

import hostnet
import peers
from sockrig import Net, recv_exactly
from support import LINK, raises

from winc import socket as ws

EIO, EBADF, EAGAIN, EINVAL, ENFILE = 5, 9, 11, 22, 23
EAFNOSUPPORT, EPROTONOSUPPORT, ENOPROTOOPT, EOPNOTSUPP = 97, 93, 92, 95
EINPROGRESS, EALREADY, EISCONN, ECONNREFUSED, ECONNABORTED = 115, 114, 106, 111, 103
ENOTCONN, ETIMEDOUT, ECONNRESET = 107, 110, 104
OPEN, LISTEN, CONNECT_REQ, CONNECT = ws.EVENT_OPEN, ws.EVENT_LISTEN, ws.EVENT_CONNECT_REQ, \
    ws.EVENT_CONNECT
SEND, RECV, CLOSE, DISCONNECT, ERROR = ws.EVENT_SEND, ws.EVENT_RECV, ws.EVENT_CLOSE, \
    ws.EVENT_DISCONNECT, ws.EVENT_ERROR
OK, FAILED = ws.STATUS_OK, ws.STATUS_ERROR
TICK = 0.002  # deadlines count whole ticks_ms: a timeout may end up to 1 ms early


def _connected(net, server, **kw):
    s = ws.socket(**kw)
    s.settimeout(5)
    s.connect(("127.0.0.1", server.port))
    return s


def _server(backlog=1):
    """A host listener on 127.0.0.1 (a PEER that sends and closes on command); its port."""
    server = host.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    server.settimeout(5)
    return server, server.getsockname()[1]


def _pair(net, **kw):
    """(winc socket, host connection, host listener): a connected TCP pair."""
    server, port = _server()
    s = ws.socket(**kw)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(5)
    return s, conn, server


def _errno(fn, *args):
    """The errno fn(*args) raised as OSError, or ('returned', value)."""
    try:
        return ("returned", fn(*args))
    except OSError as e:
        return e.errno


# ---- D.1 creation and options (SK) ------------------------------------------------------------

def test_SK_01_creation_sends_socko_and_reports_open():
    # SK-01
    net = Net()
    s = ws.socket(ws.AF_INET, ws.SOCK_STREAM)
    after_s = list(net.events)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    after_u = list(net.events)
    t = ws.socket(ws.AF_INET6, ws.SOCK_STREAM, ws.IPPROTO_TLS)
    assert net.sent("SOCKO") == [[2, 4], [1, 4], [2, 6]]
    assert after_s == [(s, OPEN, OK)]  # recorded before the constructor returned
    assert after_u == [(s, OPEN, OK), (u, OPEN, OK)]
    assert net.events == [(s, OPEN, OK), (u, OPEN, OK), (t, OPEN, OK)]
    assert (s.type, s.family) == (ws.SOCK_STREAM, ws.AF_INET)


def test_SK_02_bad_arguments_send_nothing():
    # SK-02
    net = Net()
    assert raises(OSError, ws.socket, 99, ws.SOCK_STREAM).errno == EAFNOSUPPORT
    assert raises(OSError, ws.socket, ws.AF_INET, 99).errno == EINVAL
    for args in ((ws.SOCK_STREAM, ws.IPPROTO_UDP), (ws.SOCK_DGRAM, ws.IPPROTO_TCP),
                 (ws.SOCK_DGRAM, ws.IPPROTO_TLS)):
        assert raises(OSError, ws.socket, ws.AF_INET, *args).errno == EPROTONOSUPPORT, args
    net.dev.pump(50)
    assert net.sent("SOCKO") == [] and net.events == []


def test_SK_03_protocol_follows_type():
    # SK-03
    net = Net()
    s = ws.socket(ws.AF_INET, ws.SOCK_STREAM, 0)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM, 0)
    assert net.sent("SOCKO") == [[2, 4], [1, 4]]
    assert (s.proto, u.proto) == (ws.IPPROTO_TCP, ws.IPPROTO_UDP)


def test_SK_06_options_map_to_sockc():
    # SK-06
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
    # SK-07
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
    # SK-08
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    sid = s._id
    s.close()
    for op, args in ((s.send, (b"x",)), (s.recv, (1,)), (s.connect, (("127.0.0.1", 1),)),
                     (s.bind, (("", 0),)), (s.listen, ()), (s.accept, ()),
                     (s.setsockopt, (ws.SOL_SOCKET, ws.SO_KEEPALIVE, 1)), (s.getpeername, ())):
        assert raises(OSError, op, *args).errno == EBADF, op
    assert s.close() is None  # silent
    net.pump_until(lambda: (CLOSE, OK) in net.of(s))
    net.dev.pump(50)
    assert net.sent("SOCKCL") == [[sid]]
    assert s.ioctl(3, ws.POLLIN | ws.POLLOUT) == ws.POLLNVAL
    echo.close()


def test_SK_09_timeouts():
    # SK-09
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
    assert 0.2 - TICK <= time.monotonic() - t0 < 1
    raises(ValueError, s.settimeout, -1)
    echo.close()


def test_SK_10_peer_and_socket_names():
    # SK-10
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    assert raises(OSError, s.getpeername).errno == ENOTCONN
    s.settimeout(5)
    s.connect(("127.0.0.1", echo.port))
    assert s.getpeername() == ("127.0.0.1", echo.port)
    from wincsim.sockets import table

    indication = table(net.emu).socks[s._id].indication()  # the SOCKIND the module sent
    ip, port = s.getsockname()
    assert port > 0 and (ip, port) == (indication[1][1], indication[2][1])
    echo.close()


# ---- D.2 TCP client (TC) ----------------------------------------------------------------------

def test_TC_01_blocking_connect_and_echo():
    # TC-01
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    s.settimeout(5)
    assert s.connect(("127.0.0.1", echo.port)) is None
    assert net.sent("SOCKBR") == [[s._id, "127.0.0.1", echo.port]]
    assert net.of(s) == [(OPEN, OK), (CONNECT, OK)]
    s.sendall(b"hello")
    assert recv_exactly(s, 5) == b"hello"
    assert net.of(s).count((CONNECT, OK)) == 1
    echo.close()


def test_TC_02_non_blocking_connect_completes_as_pollout():
    # TC-02
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    s.setblocking(False)
    net.emu.hold("SOCKIND", sock=s._id)  # so "before SOCKIND" lasts as long as the test likes
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EINPROGRESS
    net.pump_for(0.2)
    assert not s.ioctl(3, ws.POLLOUT) & ws.POLLOUT
    assert (CONNECT, OK) not in net.of(s)
    net.emu.release()
    net.pump_until(lambda: s.ioctl(3, ws.POLLOUT) & ws.POLLOUT)
    assert net.of(s).count((CONNECT, OK)) == 1
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EISCONN
    echo.close()


def test_TC_04_second_connect_while_connecting_is_ealready():
    # TC-04
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    net.emu.hold("SOCKIND")
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EINPROGRESS
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EALREADY
    net.dev.pump(50)
    assert net.sent("SOCKBR") == [[s._id, "127.0.0.1", echo.port]]
    echo.close()


def test_TC_05_send_and_recv_before_connect_are_enotconn():
    # TC-05
    net = Net()
    s = ws.socket()
    assert raises(OSError, s.send, b"x").errno == ENOTCONN
    assert raises(OSError, s.recv, 1).errno == ENOTCONN
    assert net.sent("SOCKWR") == []


def test_TC_06_connect_timeout_leaves_the_attempt_running():
    # TC-06
    net = Net()
    echo = peers.TcpEcho()
    s = ws.socket()
    net.emu.hold("SOCKIND", ms=1000)
    s.settimeout(0.2)
    t0 = time.monotonic()
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == ETIMEDOUT
    assert (CONNECT, OK) not in net.of(s)
    net.pump_for(1.5 - (time.monotonic() - t0))
    net.emu.release()
    assert net.of(s) == [(OPEN, OK), (CONNECT, OK)]
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EISCONN
    s.settimeout(5)
    s.sendall(b"still here")
    assert recv_exactly(s, 10) == b"still here"
    assert len(net.sent("SOCKBR")) == 1
    echo.close()


def test_TC_07_connect_to_a_host_name():
    # TC-07
    net = Net()
    echo = peers.TcpEcho()
    net.emu.dns("echo.test", ["127.0.0.1"])
    s = ws.socket()
    s.settimeout(5)
    s.connect(("echo.test", echo.port))
    log = [entry for entry in net.emu.log_detail() if entry["name"] in ("DNSRESOLV", "SOCKBR")]
    assert [entry["name"] for entry in log] == ["DNSRESOLV", "SOCKBR"]
    assert log[0]["params"][-1] == "echo.test"
    assert log[1]["params"] == [s._id, "127.0.0.1", echo.port]
    assert log[1]["types"][1] == "IPV4"
    s.sendall(b"by name")
    assert recv_exactly(s, 7) == b"by name"
    echo.close()


def test_TC_08_connect_to_port_zero_is_einval():
    # TC-08
    net = Net()
    s = ws.socket()
    s.settimeout(5)
    assert raises(OSError, s.connect, ("127.0.0.1", 0)).errno == EINVAL
    net.dev.pump(50)
    assert net.sent("SOCKBR") == []


# ---- D.3 TCP server (TS) ----------------------------------------------------------------------

def test_TS_01_server_accepts_a_host_client():
    # TS-01
    net = Net()
    dev = net.dev
    ls = ws.socket()
    ls.settimeout(5)
    net.emu.clear_log()
    ls.bind(("", 0))
    dev.pump(50)
    assert net.emu.log() == []  # a TCP bind is local only
    port = ls.getsockname()[1]
    ls.listen(2)
    assert net.sent("SOCKBL") == [[ls._id, port, 2]]
    client = host.create_connection(("127.0.0.1", port), timeout=5)
    c, addr = ls.accept()
    assert addr == client.getsockname()
    assert c is not ls
    assert net.of(ls) == [(OPEN, OK), (LISTEN, OK), (CONNECT_REQ, OK)]
    assert not [ev for ev, _ in net.of(c) if ev in (OPEN, CONNECT_REQ)]
    client.sendall(b"ping")
    c.settimeout(5)
    assert recv_exactly(c, 4) == b"ping"
    c.sendall(b"pong")
    assert hostnet.recv_exactly(client, 4, dev) == b"pong"
    c.close()
    assert hostnet.recv_exactly(client, 1, dev) == b""
    assert net.of(ls).count((CONNECT_REQ, OK)) == 1
    assert not [ev for ev, _ in net.of(c) if ev in (OPEN, CONNECT_REQ)]
    client.close()


def test_TS_03_accept_without_pending_connection():
    # TS-03
    net = Net()
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    ls.setblocking(False)
    assert raises(OSError, ls.accept).errno == EAGAIN
    ls.settimeout(0.2)
    t0 = time.monotonic()
    assert raises(OSError, ls.accept).errno == ETIMEDOUT
    assert 0.2 - TICK <= time.monotonic() - t0 < 1
    assert not ls.ioctl(3, ws.POLLIN) & ws.POLLIN  # before
    client = host.create_connection(ls.getsockname(), timeout=5)
    net.pump_until(lambda: ls.ioctl(3, ws.POLLIN) & ws.POLLIN)  # during
    assert ls.ioctl(3, ws.POLLIN) == ws.POLLIN
    c, _ = ls.accept()
    assert not ls.ioctl(3, ws.POLLIN) & ws.POLLIN  # after
    c.close()
    client.close()


def test_TS_04_backlog_of_three_accepted_in_order():
    # TS-04
    net = Net()
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(3)
    assert net.sent("SOCKBL") == [[ls._id, ls.getsockname()[1], 3]]
    clients = []
    for _ in range(3):  # one at a time: the order of connection is known
        clients.append(host.create_connection(ls.getsockname(), timeout=5))
        net.pump_until(lambda: net.of(ls).count((CONNECT_REQ, OK)) == len(clients))
    ls.settimeout(5)
    ports = [ls.accept()[1][1] for _ in range(3)]
    assert ports == [c.getsockname()[1] for c in clients]
    ls.setblocking(False)
    assert raises(OSError, ls.accept).errno == EAGAIN
    assert net.of(ls).count((CONNECT_REQ, OK)) == 3
    for c in clients:
        c.close()


def test_TS_05_listen_and_accept_misuse():
    # TS-05
    net = Net()
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    assert raises(OSError, u.listen).errno == EOPNOTSUPP
    assert raises(OSError, u.accept).errno == EOPNOTSUPP
    t = ws.socket()
    assert raises(OSError, t.listen).errno == EINVAL
    t.bind(("127.0.0.1", 0))
    assert raises(OSError, t.accept).errno == EINVAL
    net.dev.pump(50)
    assert net.sent("SOCKBL") == []


def test_TS_07_accept_from_the_event_callback():
    # TS-07
    net = Net()
    ls = ws.socket()
    ls.settimeout(None)  # blocking: inside the callback accept() still must not wait
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    got = []

    def cb(ctx, sock, event, status):
        net.record(ctx, sock, event, status)
        if sock is ls and event == CONNECT_REQ:
            got.append(ls.accept())
            got.append(_errno(ls.accept))

    ws.set_event_callback(cb)
    client = host.create_connection(ls.getsockname(), timeout=5)
    net.pump_until(lambda: got)
    (child, addr), second = got
    assert addr == client.getsockname()
    assert second == EAGAIN
    client.sendall(b"echo me")
    child.settimeout(5)
    data = recv_exactly(child, 7)
    child.sendall(data)
    assert hostnet.recv_exactly(client, 7, net.dev) == b"echo me"
    client.close()


def test_TS_09_closing_a_listener_closes_its_unaccepted_children():
    # TS-09
    net = Net()
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(2)
    address = ls.getsockname()
    clients = [host.create_connection(address, timeout=5) for _ in range(2)]
    net.pump_until(lambda: net.of(ls).count((CONNECT_REQ, OK)) == 2)
    ids = sorted([ls._id] + [c._id for c in ls._children])
    ls.close()
    net.pump_until(lambda: len(net.sent("SOCKCL")) == 3)
    assert sorted(p[0] for p in net.sent("SOCKCL")) == ids
    for client in clients:
        assert hostnet.recv_exactly(client, 1, net.dev) == b""  # EOF
        client.close()
    with host.socket() as late:
        late.settimeout(1)
        assert late.connect_ex(address) != 0  # nobody listens any more
    net.pump_for(0.2)
    assert net.of(ls).count((CONNECT_REQ, OK)) == 2
    assert net.of(ls)[-1] == (CLOSE, OK)


# ---- D.8 data path and backpressure (BP) ------------------------------------------------------

def test_BP_03_partial_send_then_eagain_then_sendall():
    # BP-03
    net = Net()
    sink = peers.TcpSink()
    s = _connected(net, sink)  # txbuf 2048
    net.emu.hold("SOCKWR", sock=s._id)  # the module accepts nothing more: the ring stays full
    s.setblocking(False)
    assert s.send(b"a" * 1500) == 1500
    free = 2048 - 1500
    assert s.send(b"x" * 1000) == free
    assert raises(OSError, s.send, b"y").errno == EAGAIN
    net.emu.release()
    s.settimeout(5)
    s.sendall(b"z" * 20000)
    s.close()
    want = b"a" * 1500 + b"x" * free + b"z" * 20000
    assert sink.result() == (len(want), hashlib.sha256(want).hexdigest())


def test_BP_05_one_send_goes_out_in_chunks_with_a_send_event_each():
    # BP-05
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo, txbuf=8192)
    assert s.send(bytes(range(250)) * 20) == 5000
    net.pump_until(lambda: not s._tx_len)  # every SOCKWR acknowledged
    lengths = [p[1] for p in net.sent("SOCKWR") if p[0] == s._id]
    assert sum(lengths) == 5000 and all(n <= 1460 for n in lengths) and len(lengths) >= 4
    assert net.of(s).count((SEND, OK)) == len(lengths)
    assert recv_exactly(s, 5000) == bytes(range(250)) * 20
    echo.close()


def test_BP_06_sendall_300_kib():
    # BP-06
    net = Net()
    sink = peers.TcpSink()
    data = peers._pattern(300 * 1024)
    s = _connected(net, sink)
    s.sendall(data)
    s.close()
    assert sink.result() == (len(data), hashlib.sha256(data).hexdigest())


def test_BP_07_send_failure_is_sticky_eio():
    # BP-07
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    net.emu.tx_stall(s._id, 0x0E08)  # SOCKET_SEND_FAILED
    assert s.send(b"x") == 1
    net.pump_until(lambda: (SEND, FAILED) in net.of(s))
    assert raises(OSError, s.send, b"y").errno == EIO
    assert s.ioctl(3, ws.POLLIN | ws.POLLOUT) & ws.POLLERR
    echo.close()


# ---- D.9 receive (RV) -------------------------------------------------------------------------

def test_RV_01_recv_returns_what_is_there():
    # RV-01
    net = Net()
    s, conn, server = _pair(net)
    data = bytes(range(150)) * 2
    conn.sendall(data)
    got = b""
    while len(got) < 300:
        chunk = s.recv(1000)
        assert 1 <= len(chunk) <= 300
        got += chunk
    assert got == data
    s.setblocking(False)
    assert raises(OSError, s.recv, 1000).errno == EAGAIN
    s.settimeout(0.2)
    assert raises(OSError, s.recv, 1000).errno == ETIMEDOUT
    s.settimeout(5)
    later = threading.Timer(0.1, conn.sendall, (b"late",))
    t0 = time.monotonic()
    later.start()
    assert s.recv(1000) == b"late"
    assert time.monotonic() - t0 >= 0.09
    later.join()
    conn.close()
    server.close()


def test_RV_03_stream_protocol_methods():
    # RV-03
    net = Net()
    s, conn, server = _pair(net)
    conn.sendall(b"ab")
    net.pump_until(lambda: s._rx_len == 2)
    conn.sendall(b"c\nd")
    net.pump_until(lambda: s._rx_len == 5)
    assert s.readline() == b"abc\n"
    buf = bytearray(10)
    assert s.readinto(buf) == 1 and buf[:1] == b"d"
    conn.sendall(b"efg")
    net.pump_until(lambda: s._rx_len == 3)
    assert s.recv_into(buf) == 3 and buf[:3] == b"efg"
    conn.sendall(b"0123456789")
    net.pump_until(lambda: s._rx_len == 10)
    assert s.recv(10, ws.MSG_PEEK) == b"0123456789"
    assert s._rx_len == 10  # the peek consumed nothing
    assert s.recv(10) == b"0123456789"
    conn.close()
    server.close()


def test_RV_04_recv_zero_returns_at_once_and_consumes_nothing():
    # RV-04
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    s.sendall(b"0123456789")
    net.pump_until(lambda: s._rx_len == 10)
    t0 = time.monotonic()
    assert s.recv(0) == b""
    assert time.monotonic() - t0 < 0.05
    assert s.recv(10) == b"0123456789"
    echo.close()


def test_non_blocking_stream_methods_return_none():
    # C.5 stream protocol (what asyncio streams rely on): None instead of EAGAIN
    net = Net()
    s, conn, server = _pair(net)
    s.setblocking(False)
    assert s.read(10) is None and s.readinto(bytearray(4)) is None and s.readline() is None
    conn.sendall(b"par")
    net.pump_until(lambda: s._rx_len == 3)
    assert s.readline() == b"par"  # a partial line rather than losing it to EAGAIN
    conn.sendall(b"tial\nmore")
    net.pump_until(lambda: s._rx_len == 9)
    assert s.readline() == b"tial\n"
    assert s.read() == b"more"  # read-all stops where it would block
    assert s.write(b"0123456789", 4) == 4  # write(buf, n) honours n
    assert hostnet.recv_exactly(conn, 4, net.dev) == b"0123"
    conn.close()
    server.close()


# ---- D.10 close and peer close (CL) -----------------------------------------------------------

def test_CL_02_close_is_the_last_event(capsys):
    # CL-02
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    sid = s._id
    s.sendall(b"bye")
    s.close()
    net.pump_until(lambda: (CLOSE, OK) in net.of(s))
    assert net.sent("SOCKCL") == [[sid]]
    before = list(net.events)
    net.emu.inject("SOCKRXT", ("U2", sid), ("U2", 3), ("U2", 0), ("BA", b"old"))
    net.emu.inject("SOCKCL", ("U2", sid))
    net.pump_for(0.2)
    assert net.events == before  # the stale AECs produce nothing
    assert net.of(s)[-1] == (CLOSE, OK)
    assert capsys.readouterr().err == ""
    echo.close()


def test_CL_04_half_close_is_refused():
    # CL-04
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    sid = s._id
    assert raises(OSError, s.shutdown, ws.SHUT_WR).errno == EOPNOTSUPP
    assert raises(OSError, s.shutdown, ws.SHUT_RD).errno == EOPNOTSUPP
    assert net.sent("SOCKCL") == []
    s.shutdown(ws.SHUT_RDWR)
    net.dev.pump(50)
    assert net.sent("SOCKCL") == [[sid]]
    assert s.recv(1) == b""  # the connection is gone: EOF
    assert raises(OSError, s.send, b"x").errno == ENOTCONN
    s.close()
    net.pump_for(0.1)
    assert net.sent("SOCKCL") == [[sid]]  # no second SOCKCL
    assert net.of(s)[-1] == (CLOSE, OK)
    echo.close()


def test_CL_06_close_from_the_disconnect_callback():
    # CL-06
    net = Net()
    s, conn, server = _pair(net)
    depth = [0]
    seen = []

    def cb(ctx, sock, event, status):
        depth[0] += 1
        seen.append((event, depth[0]))
        if sock is s and event == DISCONNECT:
            s.close()
            seen.append(("closed", depth[0]))
        depth[0] -= 1

    ws.set_event_callback(cb)
    conn.close()
    net.pump_until(lambda: (CLOSE, 1) in seen)
    assert [e for e in seen if e[0] in (DISCONNECT, "closed", CLOSE)] == [
        (DISCONNECT, 1), ("closed", 1), (CLOSE, 1)]
    assert max(d for _, d in seen) == 1  # callbacks never nest
    assert len(net.sent("SOCKCL")) == 1
    server.close()


# ---- peers that misbehave ---------------------------------------------------------------------

def test_peer_resets_the_connection():
    # A.11, C.4 sticky errors; D.17 question 3: the emulator sends SOCKERR then SOCKCL
    net = Net()
    s, conn, server = _pair(net)
    conn.sendall(b"last")
    net.pump_until(lambda: s._rx_len == 4)
    conn.setsockopt(host.SOL_SOCKET, host.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # RST
    net.pump_until(lambda: (DISCONNECT, OK) in net.of(s))
    assert net.of(s)[-2:] == [(ERROR, FAILED), (DISCONNECT, OK)]
    revents = s.ioctl(3, ws.POLLIN | ws.POLLOUT)
    assert revents & (ws.POLLERR | ws.POLLHUP) == ws.POLLERR | ws.POLLHUP
    assert s.recv(10) == b"last"  # what arrived before the reset is still read
    assert raises(OSError, s.recv, 10).errno == ECONNRESET
    assert raises(OSError, s.send, b"x").errno == ENOTCONN
    s.close()
    net.pump_until(lambda: (CLOSE, OK) in net.of(s))
    server.close()


def test_peer_that_never_accepts_times_out():
    # A listener whose accept queue is full drops SYNs: the connect never completes
    net = Net()
    server, port = _server(backlog=0)
    filler = host.create_connection(("127.0.0.1", port), timeout=5)  # fills the queue
    s = ws.socket()
    s.settimeout(0.3)
    t0 = time.monotonic()
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == ETIMEDOUT
    assert 0.3 - TICK <= time.monotonic() - t0 < 1
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == EALREADY
    net.pump_for(0.3)
    assert s.ioctl(3, ws.POLLIN | ws.POLLOUT) == 0  # still connecting
    assert (CONNECT, OK) not in net.of(s)
    assert len(net.sent("SOCKBR")) == 1
    s.close()
    net.pump_until(lambda: (CLOSE, OK) in net.of(s))
    filler.close()
    server.close()


def test_module_that_never_takes_data_times_out_send():
    # The module never acknowledges a SOCKWR: the ring fills, then send waits for its timeout
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo, txbuf=64)
    net.emu.hold("SOCKWR", sock=s._id)
    assert s.send(bytes(100)) == 64
    s.settimeout(0.3)
    t0 = time.monotonic()
    assert raises(OSError, s.send, b"x").errno == ETIMEDOUT
    assert 0.3 - TICK <= time.monotonic() - t0 < 1
    net.emu.release()
    s.settimeout(5)
    s.sendall(bytes(36))
    assert recv_exactly(s, 100) == bytes(100)
    echo.close()


# ---- C.4 errno table: the rows about TCP and the socket life cycle ----------------------------

def _row_no_free_socket(echo):
    net = Net(max_sockets=2)
    a = ws.socket()
    ws.socket()
    got = _errno(ws.socket)
    a.close()
    net.pump_until(lambda: (CLOSE, OK) in net.of(a))
    c = ws.socket()  # the refused socket left nothing behind: a freed slot is usable
    return got, c.ioctl(3, ws.POLLOUT) != ws.POLLNVAL, len(net.sent("SOCKO"))


def _row_open_refused(echo):
    net = Net()
    net.emu.answer("SOCKO", "ERROR")
    return _errno(ws.socket), (net.events[-1][1:] if net.events else None)


def _row_reset_socket(echo):
    net = Net()
    s = _connected(net, echo)
    net.emu.reset(sdio=False)
    net.pump_until(lambda: (CLOSE, FAILED) in net.of(s))
    return [_errno(op, *args) for op, args in (
        (s.send, (b"x",)), (s.recv, (1,)), (s.connect, (("127.0.0.1", echo.port),)),
        (s.bind, (("", 0),)), (s.listen, ()), (s.accept, ()),
        (s.setsockopt, (ws.SOL_SOCKET, ws.SO_KEEPALIVE, 1)), (s.getpeername, ()),
        (s.shutdown, (ws.SHUT_RDWR,)))]


def _row_bind_wrong_family(echo):
    Net()
    s4, s6 = ws.socket(), ws.socket(ws.AF_INET6)
    return _errno(s4.bind, ("::1", 5000)), _errno(s6.bind, ("127.0.0.1", 5000))


def _row_bind_port_zero(echo):
    net = Net()
    a, b = ws.socket(), ws.socket()
    a.bind(("", 0))
    b.bind(("", 0))
    pa, pb = a.getsockname()[1], b.getsockname()[1]
    a.listen()
    return (49152 <= pa <= 65535 and 49152 <= pb <= 65535, pa != pb,
            net.sent("SOCKBL") == [[a._id, pa, 1]])


def _row_listen_udp(echo):
    Net()
    return _errno(ws.socket(ws.AF_INET, ws.SOCK_DGRAM).listen)


def _row_listen_unbound(echo):
    Net()
    return _errno(ws.socket().listen)


def _row_accept_udp(echo):
    Net()
    return _errno(ws.socket(ws.AF_INET, ws.SOCK_DGRAM).accept)


def _row_accept_not_listening(echo):
    Net()
    s = ws.socket()
    s.bind(("", 0))
    return _errno(s.accept)


def _row_would_block(echo):
    net = Net()
    ls = ws.socket()
    ls.bind(("", 0))
    ls.listen()
    ls.setblocking(False)
    s = _connected(net, echo, txbuf=64)
    net.emu.hold("SOCKWR", sock=s._id)
    s.setblocking(False)
    s.send(bytes(64))
    return _errno(ls.accept), _errno(s.recv, 1), _errno(s.send, b"x")


def _row_timeout(echo):
    net = Net()
    ls = ws.socket()
    ls.bind(("", 0))
    ls.listen()
    ls.settimeout(0.1)
    s = _connected(net, echo)
    s.settimeout(0.1)
    c = ws.socket()
    c.settimeout(0.1)
    net.emu.hold("SOCKIND")
    return _errno(ls.accept), _errno(s.recv, 1), _errno(c.connect, ("127.0.0.1", echo.port))


def _row_connect_non_blocking(echo):
    Net()
    s = ws.socket()
    s.setblocking(False)
    return _errno(s.connect, ("127.0.0.1", echo.port))


def _row_connect_while_connecting(echo):
    net = Net()
    net.emu.hold("SOCKIND")
    s = ws.socket()
    s.setblocking(False)
    _errno(s.connect, ("127.0.0.1", echo.port))
    second = _errno(s.connect, ("127.0.0.1", echo.port))
    net.dev.pump(50)
    return second, len(net.sent("SOCKBR"))


def _row_connect_connected(echo):
    net = Net()
    s = _connected(net, echo)
    return _errno(s.connect, ("127.0.0.1", echo.port))


def _closed_port():
    closed = host.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    return port


def _row_connect_refused(echo):
    net = Net()
    s = ws.socket()
    s.settimeout(5)
    return _errno(s.connect, ("127.0.0.1", _closed_port())), net.of(s)[-1]


def _row_connect_after_failure(echo):
    net = Net()
    s = ws.socket()
    s.settimeout(5)
    port = _closed_port()
    _errno(s.connect, ("127.0.0.1", port))
    return _errno(s.connect, ("127.0.0.1", port)), len(net.sent("SOCKBR"))


def _row_tls_handshake_failure(echo):
    net = Net()
    t = ws.socket(ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_TLS)
    t.setsockopt(ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 1)
    t.settimeout(5)
    sid = t._id
    # The emulator has no TLS: TCP connects (SOCKIND), then the "handshake" fails.
    net.emu.later(0.2, lambda: net.emu.post_aec(
        "SOCKERR", (("U2", sid), ("STATUS", 0x0E06)), sock=sid))
    first = _errno(t.connect, ("127.0.0.1", echo.port))
    return first, _errno(t.connect, ("127.0.0.1", echo.port)), len(net.sent("SOCKBR"))


def _row_connect_port_zero(echo):
    net = Net()
    return _errno(ws.socket().connect, ("127.0.0.1", 0)), net.sent("SOCKBR")


def _row_send_not_connected(echo):
    net = Net()
    fresh = ws.socket()
    s, conn, server = _pair(net)
    conn.close()
    net.pump_until(lambda: (DISCONNECT, OK) in net.of(s))
    server.close()
    return _errno(fresh.send, b"x"), _errno(s.send, b"x")


def _row_send_while_connecting(echo):
    net = Net()
    net.emu.hold("SOCKIND", ms=200)
    s = ws.socket()
    s.setblocking(False)
    _errno(s.connect, ("127.0.0.1", echo.port))
    non_blocking = _errno(s.send, b"x")
    s.settimeout(5)
    return non_blocking, _errno(s.send, b"x")  # blocking: waits for the connection


def _row_recv_not_connected(echo):
    Net()
    ls = ws.socket()
    ls.bind(("", 0))
    ls.listen()
    return _errno(ws.socket().recv, 1), _errno(ls.recv, 1)


def _row_recv_after_peer_close(echo):
    net = Net()
    s, conn, server = _pair(net)
    conn.sendall(b"x")
    conn.close()
    server.close()
    net.pump_until(lambda: (DISCONNECT, OK) in net.of(s))
    return s.recv(5), s.recv(5), s.recv(5)


def _row_setsockopt_unknown(echo):
    Net()
    s = ws.socket()
    return _errno(s.setsockopt, ws.SOL_SOCKET, 12345, 1), _errno(s.setsockopt, 999, 1, 1)


def _row_setsockopt_bad_value(echo):
    Net()
    s = ws.socket()
    return (_errno(s.setsockopt, ws.SOL_SOCKET, ws.SO_KEEPALIVE, b"\x01"),
            _errno(s.setsockopt, ws.IPPROTO_TCP, ws.TCP_NODELAY, "1"))


def _row_membership_on_tcp(echo):
    net = Net()
    s = ws.socket()
    s.bind(("", 0))
    mreq = ws.inet_pton(ws.AF_INET, "224.0.0.251") + bytes(4)
    return _errno(s.setsockopt, ws.IPPROTO_IP, ws.IP_ADD_MEMBERSHIP, mreq), net.sent("SOCKBM")


def _row_tls_idx_on_plain(echo):
    Net()
    return _errno(ws.socket().setsockopt, ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 1)


def _row_half_close(echo):
    net = Net()
    s = _connected(net, echo)
    return _errno(s.shutdown, ws.SHUT_RD), _errno(s.shutdown, ws.SHUT_WR), net.sent("SOCKCL")


def _row_bus_failure(echo):
    net = Net()
    s = _connected(net, echo)
    net.emu.fault("bad_r5", count=None)  # every SDIO transfer now fails
    return _errno(s.send, b"x"), _errno(ws.socket)


# (C.4 row, expected observation, case). ENOMEM (out of memory) has no row: a host run cannot
# make an allocation fail. UDP, multicast, DNS and TLS-index rows are tested with their groups.
C4_ROWS = (
    ("family not AF_INET/AF_INET6", EAFNOSUPPORT, lambda echo: _errno(ws.socket, 99)),
    ("unsupported type", EINVAL, lambda echo: _errno(ws.socket, ws.AF_INET, 3)),
    ("protocol/type mismatch (incl. DGRAM+TLS)", (EPROTONOSUPPORT,) * 2, lambda echo: (
        _errno(ws.socket, ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_UDP),
        _errno(ws.socket, ws.AF_INET, ws.SOCK_DGRAM, ws.IPPROTO_TLS))),
    ("no free slot / NO_FREE_SOCKETS at OPEN: ENFILE, slot released", (ENFILE, True, 4),
     _row_no_free_socket),
    ("OPEN refused for another reason", (EIO, (OPEN, FAILED)), _row_open_refused),
    ("any call on a socket destroyed by module reset", [ECONNABORTED] * 9, _row_reset_socket),
    ("bind address of the wrong family", (EAFNOSUPPORT, EAFNOSUPPORT), _row_bind_wrong_family),
    ("bind to port 0: ephemeral 49152-65535, distinct, in SOCKBL", (True, True, True),
     _row_bind_port_zero),
    ("listen on UDP", EOPNOTSUPP, _row_listen_udp),
    ("listen on unbound TCP", EINVAL, _row_listen_unbound),
    ("accept on UDP", EOPNOTSUPP, _row_accept_udp),
    ("accept on non-listening TCP", EINVAL, _row_accept_not_listening),
    ("accept / recv / send would block (timeout 0)", (EAGAIN,) * 3, _row_would_block),
    ("blocking op exceeds settimeout(t): accept, recv, connect", (ETIMEDOUT,) * 3,
     _row_timeout),
    ("connect, non-blocking", EINPROGRESS, _row_connect_non_blocking),
    ("connect while connecting (one SOCKBR)", (EALREADY, 1), _row_connect_while_connecting),
    ("connect when connected", EISCONN, _row_connect_connected),
    ("connect refused / TCP failure", (ECONNREFUSED, (ERROR, FAILED)), _row_connect_refused),
    ("connect after a failure: sticky errno, no new SOCKBR", (ECONNREFUSED, 1),
     _row_connect_after_failure),
    ("TLS handshake failure (then sticky, no new SOCKBR)", (ECONNABORTED, ECONNABORTED, 1),
     _row_tls_handshake_failure),
    ("connect remote port 0", (EINVAL, []), _row_connect_port_zero),
    ("send on TCP never connected / peer closed", (ENOTCONN, ENOTCONN), _row_send_not_connected),
    ("send on TCP while connecting: EAGAIN, blocking waits", (EAGAIN, ("returned", 1)),
     _row_send_while_connecting),
    ("recv on TCP never connected / listening", (ENOTCONN, ENOTCONN), _row_recv_not_connected),
    ("recv after peer close, buffer drained: b'' forever", (b"x", b"", b""),
     _row_recv_after_peer_close),
    ("setsockopt unknown level/option", (ENOPROTOOPT, ENOPROTOOPT), _row_setsockopt_unknown),
    ("setsockopt bad value size/type", (EINVAL, EINVAL), _row_setsockopt_bad_value),
    ("IP(V6)_ADD_MEMBERSHIP on a TCP socket", (ENOPROTOOPT, []), _row_membership_on_tcp),
    ("TLS_CONF_IDX on non-TLS socket", ENOPROTOOPT, _row_tls_idx_on_plain),
    ("shutdown(SHUT_RD/SHUT_WR)", (EOPNOTSUPP, EOPNOTSUPP, []), _row_half_close),
    ("module/bus failure while sending a command", (EIO, EIO), _row_bus_failure),
)


def test_C4_errno_rows_for_tcp_and_the_socket_life_cycle():
    # C.4
    echo = peers.TcpEcho()
    failures = []
    for row, expected, case in C4_ROWS:
        if case is _row_bus_failure and LINK != "spi":
            continue  # an SDIO fault; the UART link's failures are test_uartlink's
        got = case(echo)
        if got != expected:
            failures.append("%s: expected %r, got %r" % (row, expected, got))
    echo.close()
    assert not failures, "\n".join(failures)


# ---- volume -----------------------------------------------------------------------------------

def test_one_mib_each_way_with_sha256():
    net = Net()
    size = 1 << 20
    source = peers.TcpSource(size)
    s = _connected(net, source)
    assert peers.drain(s, 2048) == (size, source.digest)
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
        assert recv_exactly(s, len(want)) == want
    assert len({s._id for s in socks}) == 8
    echo.close()
