"""winc.socket events, module reset and poll over the emulated module and loopback peers.

Case ids are those of the conformance plan (../shared/spec/conformance-plan.md, groups EV, RS,
PL); the socket, TCP and data-path groups are in test_socket_tcp.py, whose helpers this uses.
"""
# cpython only: the peers are host threads and the resets are timed by the in-process emulator

import threading
import time

import peers
from sockrig import Net
from support import raises
from test_socket_tcp import (
    CLOSE,
    CONNECT,
    CONNECT_REQ,
    DISCONNECT,
    ERROR,
    FAILED,
    OK,
    OPEN,
    RECV,
    _connected,
    _errno,
    _pair,
)

from winc import _ids
from winc import select as wselect
from winc import socket as ws

EAGAIN, ECONNABORTED, ECONNRESET, EINPROGRESS = 11, 103, 104, 115
TLS_CONNECT = ws.EVENT_TLS_CONNECT


# ---- D.12 events and callback (EV) ------------------------------------------------------------

def test_EV_01_one_global_callback_replaced_or_disabled():
    # EV-01
    Net()
    one, two = [], []

    def cb1(ctx, sock, event, status):
        one.append((ctx, sock, event, status))

    def cb2(ctx, sock, event, status):
        two.append((ctx, sock, event, status))

    ws.set_event_callback(cb1, "A")
    a = ws.socket()
    ws.set_event_callback(cb2)
    b = ws.socket()
    ws.set_event_callback(None)
    c = ws.socket()
    ws.set_event_callback(cb1, "A")
    d = ws.socket()
    assert one == [("A", a, OPEN, OK), ("A", d, OPEN, OK)]
    assert two == [(None, b, OPEN, OK)]
    assert c not in [e[1] for e in one + two]


def test_EV_02_event_status_and_poll_constants():
    # EV-02
    names = ("OPEN", "LISTEN", "CONNECT_REQ", "CONNECT", "SEND", "RECV", "CLOSE", "TLS_CONNECT",
             "DISCONNECT", "DNS_RESOLV", "ERROR")
    assert [getattr(ws, "EVENT_" + name) for name in names] == list(range(11))
    assert (ws.STATUS_OK, ws.STATUS_ERROR) == (0, 1)
    for module in (ws, wselect):
        assert (module.POLLIN, module.POLLOUT, module.POLLERR, module.POLLHUP,
                module.POLLNVAL) == (1, 4, 8, 16, 32)


def test_EV_04_a_failing_callback_does_not_stop_the_pump(capsys):
    # EV-04
    net = Net()
    s, conn, server = _pair(net)
    seen = []

    def cb(ctx, sock, event, status):
        seen.append((sock, event))
        if event == RECV:
            raise ValueError("callback bug")

    ws.set_event_callback(cb)
    conn.sendall(b"one")
    net.pump_until(lambda: seen.count((s, RECV)) == 1)
    conn.sendall(b"two")
    net.pump_until(lambda: seen.count((s, RECV)) == 2)
    err = capsys.readouterr().err
    assert err.count("ValueError: callback bug") == 2  # each traceback printed
    assert s.recv(10) == b"onetwo"
    conn.close()
    server.close()


def test_EV_06_readable_callback_option():
    # EV-06
    net = Net()
    calls = []
    fn = calls.append
    s, conn, server = _pair(net)
    s.setsockopt(ws.SOL_SOCKET, 20, fn)
    conn.sendall(b"data")
    net.pump_until(lambda: s in calls)  # data
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    ls.setsockopt(ws.SOL_SOCKET, 20, fn)
    import socket as host

    client = host.create_connection(ls.getsockname(), timeout=5)
    net.pump_until(lambda: ls in calls)  # a pending connection
    ls.settimeout(5)
    child, _ = ls.accept()
    child.setsockopt(ws.SOL_SOCKET, 20, fn)
    client.close()
    net.pump_until(lambda: child in calls)  # EOF
    s.setsockopt(ws.SOL_SOCKET, 20, None)
    del calls[:]
    conn.sendall(b"more")
    net.pump_until(lambda: s._rx_len == 8)
    net.pump_for(0.1)
    assert s not in calls  # none after removal
    assert s.recv(10) == b"datamore"
    conn.close()
    server.close()


def test_EV_07_injected_sockerr_is_sticky():
    # EV-07
    net = Net()
    s, conn, server = _pair(net)
    conn.sendall(b"queued")
    net.pump_until(lambda: s._rx_len == 6)
    net.emu.inject("SOCKERR", ("U2", s._id), ("STATUS", 0x0E08))
    net.pump_until(lambda: (ERROR, FAILED) in net.of(s))
    assert net.of(s)[-1] == (ERROR, FAILED)
    assert s.ioctl(3, ws.POLLIN) & ws.POLLERR
    assert s.recv(10) == b"queued"  # data first
    s.settimeout(1)
    assert raises(OSError, s.recv, 10).errno == ECONNRESET
    conn.close()
    server.close()


# ---- D.13 module reset (RS) -------------------------------------------------------------------

def test_RS_01_module_reset_kills_sockets_with_close_error():
    # C.12 (the plan's RS-02/RS-03 build on it)
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    net.emu.reset(sdio=False)
    net.pump_until(lambda: (CLOSE, FAILED) in net.of(s))
    assert net.of(s)[-1] == (CLOSE, FAILED)
    assert raises(OSError, s.recv, 1).errno == ECONNABORTED
    assert s.ioctl(3, ws.POLLIN) & (ws.POLLERR | ws.POLLHUP) == ws.POLLERR | ws.POLLHUP
    echo.close()


def _reset_during(net, call, *args, after_s=0.2):
    """The errno of a blocking call during which the module resets, and how long after the
    reset it came back (the emulator resets from its own timer: the test has one thread)."""
    reset_at = []

    def reset():
        reset_at.append(time.monotonic())
        net.emu.restart_when_quiet(sdio=False)

    net.emu.later(after_s, reset)
    got = _errno(call, *args)
    assert reset_at, "the call returned before the reset"
    return got, time.monotonic() - reset_at[0]


def test_RS_02_blocking_recv_during_reset():
    # RS-02
    net = Net()
    echo = peers.TcpEcho()
    s = _connected(net, echo)
    s.settimeout(5)
    got, late = _reset_during(net, s.recv, 10)
    assert got == ECONNABORTED and late < 0.5
    echo.close()


def test_RS_02_blocking_connect_during_reset():
    # RS-02
    net = Net()
    echo = peers.TcpEcho()
    net.emu.hold("SOCKIND")  # the connection never completes by itself
    s = ws.socket()
    s.settimeout(5)
    got, late = _reset_during(net, s.connect, ("127.0.0.1", echo.port))
    assert got == ECONNABORTED and late < 0.5
    echo.close()


def test_RS_02_blocking_getaddrinfo_during_reset():
    # RS-02
    net = Net()
    net.emu.dns("slow.test", ["127.0.0.1"])
    net.emu.dns_delay(3000)
    got, late = _reset_during(net, ws.getaddrinfo, "slow.test", 80)
    assert got == ECONNABORTED and late < 0.5
    assert net.sent("DNSRESOLV")[-1][-1] == "slow.test" and len(net.sent("DNSRESOLV")) == 1


def test_RS_02_blocking_accept_and_send_during_reset():
    # RS-02, and the rest of C.12's list: accept, send
    net = Net()
    echo = peers.TcpEcho()
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    ls.settimeout(5)
    got, late = _reset_during(net, ls.accept)
    assert got == ECONNABORTED and late < 0.5
    s = _connected(net, echo, txbuf=64)
    net.emu.hold("SOCKWR", sock=s._id)
    s.send(bytes(64))  # the ring is full and stays full
    got, late = _reset_during(net, s.send, b"x")
    assert got == ECONNABORTED and late < 0.5
    echo.close()


def test_RS_03_the_callback_survives_a_reset():
    # RS-03
    net = Net()
    old = ws.socket()
    net.emu.reset(sdio=False)
    net.pump_until(lambda: (CLOSE, FAILED) in net.of(old))
    s = ws.socket()
    assert net.of(s) == [(OPEN, OK)]
    assert net.of(old)[-1] == (CLOSE, FAILED)


# ---- D.14 poll (PL) ---------------------------------------------------------------------------

def test_PL_01_poll_flags_through_the_life_of_a_socket():
    # PL-01
    net = Net()
    echo = peers.TcpEcho()
    both = ws.POLLIN | ws.POLLOUT
    s = ws.socket()
    assert s.ioctl(3, both) == ws.POLLHUP  # new TCP socket: lwIP convention
    net.emu.hold("SOCKIND", sock=s._id)
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == EINPROGRESS
    net.pump_for(0.1)
    assert s.ioctl(3, both) == 0  # connecting
    net.emu.release()
    net.pump_until(lambda: s.ioctl(3, both) != 0)
    assert s.ioctl(3, both) == ws.POLLOUT  # connected, idle
    s.close()
    assert s.ioctl(3, both) == ws.POLLNVAL
    assert s.ioctl(99, 0) == -1
    echo.close()


def test_PL_02_winc_select_poll():
    # PL-02
    net = Net()
    echo = peers.TcpEcho()
    a, b, c = (_connected(net, echo) for _ in range(3))
    p = wselect.poll()
    for s in (a, b, c):
        p.register(s, wselect.POLLIN)
    b.sendall(b"x")  # echoed: data on b only
    assert p.poll(1000) == [(b, wselect.POLLIN)]
    p.modify(a, wselect.POLLOUT)
    assert sorted(p.poll(0), key=lambda e: id(e[0]) != id(a)) == [
        (a, wselect.POLLOUT), (b, wselect.POLLIN)]
    p.modify(a, wselect.POLLIN)
    p.unregister(b)
    t0 = time.monotonic()
    assert p.poll(0) == []
    assert time.monotonic() - t0 < 0.05
    t0 = time.monotonic()
    assert p.poll(100) == []
    assert 0.09 <= time.monotonic() - t0 < 0.5
    assert b.recv(1) == b"x"
    echo.close()


def test_PL_04_no_pollout_during_the_tls_handshake():
    # PL-04
    net = Net()
    echo = peers.TcpEcho()
    # The emulator has no TLS: SOCKTLS is accepted as is and the test plays the handshake's
    # end (AEC SOCKTLS) itself, after TCP has connected (SOCKIND).
    net.emu.commands[_ids.SOCKTLS] = lambda module, request, reply: None
    t = ws.socket(ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_TLS)
    t.setsockopt(ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 1)
    t.setblocking(False)
    assert raises(OSError, t.connect, ("127.0.0.1", echo.port)).errno == EINPROGRESS
    net.pump_until(lambda: t._local is not None)  # SOCKIND came: the handshake runs
    net.pump_for(0.1)
    assert not t.ioctl(3, ws.POLLIN | ws.POLLOUT) & ws.POLLOUT
    assert (CONNECT, OK) not in net.of(t)
    net.emu.inject("SOCKTLS", ("U2", t._id))
    net.pump_until(lambda: t.ioctl(3, ws.POLLOUT) & ws.POLLOUT)
    assert net.of(t) == [(OPEN, OK), (CONNECT, OK), (TLS_CONNECT, OK)]
    echo.close()


def test_PL_poll_wakes_when_a_peer_sends_later():
    # C.10: poll(timeout) pumps while it waits
    net = Net()
    s, conn, server = _pair(net)
    p = wselect.poll()
    p.register(s, wselect.POLLIN)
    later = threading.Timer(0.1, conn.sendall, (b"wake",))
    later.start()
    assert p.poll(2000) == [(s, wselect.POLLIN)]
    later.join()
    ls = ws.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    p.register(ls, wselect.POLLIN)
    import socket as host

    client = host.create_connection(ls.getsockname(), timeout=5)
    net.pump_until(lambda: (ls, CONNECT_REQ, OK) in net.events)
    assert (ls, wselect.POLLIN) in p.poll(0)
    conn.close()
    net.pump_until(lambda: (DISCONNECT, OK) in net.of(s))
    assert (s, wselect.POLLIN | wselect.POLLHUP) in p.poll(0)  # EOF wakes readers too
    client.close()
    server.close()
