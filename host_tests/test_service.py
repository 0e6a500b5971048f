"""winc.service (socket-semantics B, C.11) on both runtimes: the SV cases of the conformance plan.

The peers are plain host sockets driven inline (hostnet.py); case ids are in the test names.
"""

import gc

import hostnet
from support import device, emulator, example, pump_until, raises

from winc import service
from winc import socket as ws

EBADF, EAGAIN, ENOMEM, ECONNABORTED, ECONNRESET = 9, 11, 12, 103, 104
POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL = (service.POLLIN, service.POLLOUT, service.POLLERR,
                                               service.POLLHUP, service.POLLNVAL)


def _fresh(rx_buf=4096, tx_buf=2048):
    """Close the services an earlier test left live, then a device on a fresh emulator."""
    live = []
    service.foreach(lambda svc, _: live.append(svc))
    for svc in live:
        svc.close()
    service.MAX_ENTRIES = 32
    emu = emulator()
    dev = device(emu, rx_buf=rx_buf, tx_buf=tx_buf)
    dev.init(5000)
    return emu, dev


def _recorder(read=False):
    """(handler, calls): the handler records (fd, events, revents, user_data, service) and,
    with read=True, reads what is waiting on the socket."""
    calls = []

    def handler(ev):
        calls.append((ev.fd, ev.events, ev.revents, ev.user_data, ev.service))
        if read:
            ev.fd.recv(512)

    return handler, calls


def _pair(rxbuf=1536):
    """(winc socket, host connection): a connected TCP pair, the winc end non-blocking."""
    server, port = hostnet.listener()
    s = ws.socket(rxbuf=rxbuf, txbuf=512)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(0.01)
    server.close()
    s.setblocking(False)
    return s, conn


def _watched(events=POLLIN):
    """A fresh device and a connected pair whose winc end a one-entry recording service
    watches for events: (emu, dev, svc, calls, winc socket, host connection)."""
    emu, dev = _fresh()
    handler, calls = _recorder()
    svc = service.Service(handler, 1)
    a, conn = _pair()
    svc.register([(a, events)])
    return emu, dev, svc, calls, a, conn


def _readable(dev, sock):
    assert pump_until(dev, lambda: sock.ioctl(3, POLLIN) & POLLIN)


def test_SV_01_a_datagram_reaches_the_handler_once():
    emu, dev = _fresh()
    handler, calls = _recorder()
    svc = service.Service(handler, 2)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM, rxbuf=1536, txbuf=512)
    u.bind(("", 0))
    port = u.getsockname()[1]
    token = object()
    assert svc.register([(u, POLLIN), (None, 0)], user_data=token) is None
    assert service.run_once(0) == 0 and calls == []
    peer, _ = hostnet.udp()
    peer.sendto(b"datagram", hostnet.sockaddr("127.0.0.1", port))
    assert service.run_once(1000) == 1
    fd, events, revents, user_data, owner = calls[0]
    assert fd is u and events == POLLIN and revents & POLLIN
    assert user_data is token and owner is svc
    assert u.recvfrom(64)[0] == b"datagram"
    assert service.run_once(0) == 0 and len(calls) == 1
    svc.close()
    peer.close()


def test_SV_04_unregister_stops_dispatch_and_always_succeeds():
    emu, dev = _fresh()
    handler, calls = _recorder(read=True)
    svc = service.Service(handler, 2)
    a, conn = _pair()
    svc.register([(None, 0), (a, POLLIN)])
    conn.send(b"one")
    assert service.run_once(2000) == 1 and calls[0][0] is a
    svc.unregister()
    conn.send(b"two")
    _readable(dev, a)
    assert service.run_once(100) == 0 and len(calls) == 1
    assert a.recv(8) == b"two"  # undelivered, not lost
    fresh = service.Service(handler, 1)
    fresh.unregister()
    fresh.unregister()
    svc.unregister()
    for s in (svc, fresh):
        s.close()
    a.close()
    conn.close()


def test_SV_05_level_triggered_until_the_data_is_read():
    emu, dev, svc, calls, a, conn = _watched()
    conn.send(b"unread")
    _readable(dev, a)
    for _ in range(3):
        assert service.run_once(100) == 1
    assert len(calls) == 3
    assert a.recv(64) == b"unread"
    assert service.run_once(100) == 0 and len(calls) == 3
    svc.close()
    conn.close()


def test_SV_06_four_sockets_fifty_messages_echoed_once_never_nested():
    emu, dev = _fresh()
    depth = [0, 0]  # now, deepest

    def echo(ev):
        depth[0] += 1
        depth[1] = max(depth)
        data = ev.fd.recv(512)
        if data:
            assert ev.fd.send(data) == len(data)
        depth[0] -= 1

    svc = service.Service(echo, 4)
    pairs = [_pair(rxbuf=1536) for _ in range(4)]
    svc.register([(s, POLLIN) for s, _ in pairs])
    streams = [_Echoed(conn) for _, conn in pairs]
    for i in range(50):
        for k, stream in enumerate(streams):
            stream.send(b"<%d:%d>" % (k, i))
        service.run_once(0)
        for stream in streams:
            stream.collect()
    _serve_until(lambda: all(stream.collect() for stream in streams))  # each echoed once
    assert depth[1] == 1
    svc.close()
    for _, conn in pairs:
        conn.close()


def _drain(conn):
    """Whatever a host socket (timeout 0.01 s) has now."""
    out = b""
    while True:
        try:
            chunk = conn.recv(256)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk


class _Echoed:
    """A host client's stream: what it sent is checked against what comes back as it arrives;
    only the part not yet echoed is kept (the MicroPython heap is small)."""

    def __init__(self, conn):
        self.conn = conn
        self.pending = b""
        self.sent = 0

    def send(self, msg):
        self.conn.send(msg)
        self.pending += msg
        self.sent += len(msg)

    def collect(self):
        """Read what has come back; True once all of it has, in order and once."""
        chunk = _drain(self.conn)
        assert chunk == self.pending[:len(chunk)], "echo differs"
        self.pending = self.pending[len(chunk):]
        return not self.pending


def test_SV_10_peer_close_then_the_handler_removes_and_closes_the_child():
    emu, dev = _fresh()
    events = []
    ws.set_event_callback(lambda ctx, sock, event, status: events.append((sock, event)))
    try:
        ls = ws.socket(rxbuf=1536, txbuf=512)
        ls.bind(("", 0))
        ls.listen(1)
        client = hostnet.connect("127.0.0.1", ls.getsockname()[1])
        ls.settimeout(5)
        c, _ = ls.accept()
        seen = []

        def handler(ev):
            seen.append(ev.revents)
            assert ev.fd.recv(64) == b""
            ev.service.register([])
            ev.fd.close()

        svc = service.Service(handler, 2)
        svc.register([(c, POLLIN)])
        client.close()
        assert service.run_once(3000) == 1
        assert seen[0] & (POLLIN | POLLHUP) == POLLIN | POLLHUP
        assert service.run_once(100) == 0 and len(seen) == 1
        assert pump_until(dev, lambda: (c, ws.EVENT_CLOSE) in events)
        svc.close()
        ls.close()
    finally:
        ws.set_event_callback(None)


def test_SV_11_the_echo_service_example():
    # Five sockets of the service and a device fill most of a 64 KB MicroPython heap: the
    # device gets half its usual buffers here.
    emu, dev = _fresh(rx_buf=2048, tx_buf=1024)
    echo = example("echo_service").EchoService(port=0, clients=3, dev=dev, rxbuf=1536,
                                               txbuf=512)
    port = echo.port
    clients = [hostnet.connect("127.0.0.1", port) for _ in range(3)]
    for c in clients:
        c.settimeout(0.01)
    streams = [_Echoed(c) for c in clients]
    for i in range(100):  # three clients at once, each message a different length
        for k, stream in enumerate(streams):
            stream.send(b"%d.%d:" % (k, i) + b"x" * (i % 17) + b"\n")
        service.run_once(0)
        for stream in streams:
            stream.collect()
    _serve_until(lambda: all(stream.collect() for stream in streams))
    assert echo.clients.count(None) == 0
    streams = None
    # The sockets' small long-lived objects (cached views) are spread over the heap by now;
    # a collection before each new client keeps room for its 2 KB of rings in one piece.
    gc.collect()

    fourth = hostnet.connect("127.0.0.1", port)  # over capacity: closed at once
    fourth.settimeout(0.01)
    closed = []
    _serve_until(lambda: _eof(fourth, closed))
    assert echo.rejected == 1
    fourth.close()

    clients[0].close()  # one leaves, a fifth joins and is served
    _serve_until(lambda: echo.clients.count(None) == 1)
    gc.collect()
    fifth = _Echoed(hostnet.connect("127.0.0.1", port))
    fifth.conn.settimeout(0.01)
    fifth.send(b"fifth here\n")
    _serve_until(fifth.collect)
    assert echo.clients.count(None) == 0

    udp, _ = hostnet.udp()  # the same port echoes datagrams
    udp.settimeout(0.01)
    udp.sendto(b"datagram", hostnet.sockaddr("127.0.0.1", port))
    answer = []
    _serve_until(lambda: _datagram(udp, answer))
    assert answer == [b"datagram"]

    echo.close()
    assert echo.listener.ioctl(3, 0) == POLLNVAL and echo.udp.ioctl(3, 0) == POLLNVAL
    for c in clients[1:] + [fifth.conn, udp]:
        c.close()


def _serve_until(cond, timeout_s=10):
    import time

    deadline = time.time() + timeout_s
    while not cond():
        assert time.time() < deadline, "timed out"
        service.run_once(10)


def _eof(conn, closed):
    try:
        if conn.recv(16) == b"":
            closed.append(True)
    except OSError as e:
        if e.errno == ECONNRESET:
            closed.append(True)  # reset by the module: closed as well (else: no data yet)
    return bool(closed)


def _datagram(udp, answer):
    try:
        answer.append(udp.recv(64))
    except OSError:
        pass
    return bool(answer)


def test_SV_13_the_event_is_a_copy():
    emu, dev = _fresh()
    seen = []

    def handler(ev):
        seen.append((ev.fd, ev.events))
        ev.events = 0
        ev.fd = None

    svc = service.Service(handler, 1)
    a, conn = _pair()
    svc.register([(a, POLLIN)])
    conn.send(b"x")
    _readable(dev, a)
    assert service.run_once(100) == 1 and service.run_once(100) == 1
    assert seen == [(a, POLLIN), (a, POLLIN)]
    svc.close()
    conn.close()


def test_SV_14_revents_follow_the_requested_events_and_hang_ups():
    emu, dev = _fresh()
    handler, calls = _recorder()
    svc = service.Service(handler, 3)
    c, c_peer = _pair()
    d, d_peer = _pair()
    e, e_peer = _pair()
    svc.register([(c, POLLOUT), (d, POLLIN), (e, 0)])
    assert service.run_once(100) == 1
    assert calls[0][0] is c and calls[0][2] == POLLOUT
    e_peer.close()
    assert pump_until(dev, lambda: e.ioctl(3, 0) & POLLHUP)
    del calls[:]
    assert service.run_once(100) == 2
    assert [(fd, revents) for fd, _, revents, _, _ in calls] == [(c, POLLOUT), (e, POLLHUP)]
    svc.close()
    for peer in (c_peer, d_peer):
        peer.close()


def test_SV_15_one_socket_in_two_services_reaches_both_handlers():
    emu, dev = _fresh()
    handler_a, calls_a = _recorder()
    handler_b, calls_b = _recorder()
    svc_a = service.Service(handler_a, 1)
    svc_b = service.Service(handler_b, 1)
    a, conn = _pair()
    svc_a.register([(a, POLLIN)], "A")
    svc_b.register([(a, POLLIN)], "B")
    conn.send(b"both")
    _readable(dev, a)
    assert service.run_once(100) == 2
    assert [c[3] for c in calls_a] == ["A"] and [c[3] for c in calls_b] == ["B"]
    svc_a.unregister()
    svc_a.close()
    svc_b.close()
    conn.close()


def test_SV_16_capacity_is_shared_by_all_services():
    _fresh()
    handler, _ = _recorder()
    big = service.Service(handler, 30)
    assert raises(OSError, service.Service, handler, 3).errno == ENOMEM
    raises(ValueError, service.Service, handler, 0)
    raises(TypeError, service.Service, None, 1)
    small = service.Service(handler, 2)  # exactly the 32 of the limit
    big.close()  # releases its 30
    again = service.Service(handler, 3)
    names = []
    service.foreach(lambda svc, tag: names.append((svc.count, tag)), "t")
    assert names == [(2, "t"), (3, "t")]
    small.close()
    again.close()


def test_SV_17_zephyr_test_service_sync_replayed():
    emu, dev = _fresh()
    udp_calls, tcp_calls = [], []
    udp_service = service.Service(lambda ev: udp_calls.append(ev.fd.recv(16)), 2)
    small = service.Service(lambda ev: None, 1)
    tcp_service = service.Service(lambda ev: tcp_calls.append(ev.fd), 2)

    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM, rxbuf=1536, txbuf=512)
    u.bind(("", 0))
    assert udp_service.register([(u, POLLIN), (None, 0)]) is None
    listener = ws.socket(rxbuf=1536, txbuf=512)
    assert raises(OSError, small.register, [(u, POLLIN), (listener, POLLIN), (None, 0)]).errno \
        == ENOMEM
    assert tcp_service.register([(listener, POLLIN)]) is None  # before bind and listen
    listener.bind(("", 0))
    listener.listen(0)

    peer, _ = hostnet.udp()
    peer.sendto(b"ping", hostnet.sockaddr("127.0.0.1", u.getsockname()[1]))
    assert service.run_once(500) == 1 and udp_calls == [b"ping"]

    client = hostnet.connect("127.0.0.1", listener.getsockname()[1])
    client.send(b"data")
    assert service.run_once(2000) == 1 and tcp_calls == [listener]
    listener.settimeout(5)
    child, _ = listener.accept()  # outside the handler
    tcp_service.register([(listener, POLLIN), (child, POLLIN)])
    _readable(dev, child)
    assert service.run_once(500) == 1 and tcp_calls == [listener, child]
    assert child.recv(16) == b"data"
    for svc in (udp_service, small, tcp_service):
        assert svc.unregister() is None
    for svc in (udp_service, small, tcp_service):
        svc.close()
    for s in (u, listener, child, peer, client):
        s.close()


def test_SV_19_registration_timing_and_closed_sockets():
    emu, dev = _fresh()
    calls = []
    a, a_peer = _pair()
    b, b_peer = _pair()

    def handler(ev):
        calls.append(ev.fd)
        if len(calls) == 1:
            ev.service.register([(a, POLLIN), (b, POLLIN)])  # applies from the next round

    svc = service.Service(handler, 2)
    svc.register([(a, POLLIN)])  # before any round
    a_peer.send(b"a")
    b_peer.send(b"b")
    _readable(dev, a)
    _readable(dev, b)
    assert service.run_once(100) == 1 and calls == [a]
    assert service.run_once(100) == 2 and calls == [a, a, b]
    closed = ws.socket()
    closed.close()
    assert raises(OSError, svc.register, [(closed, POLLIN)]).errno == EBADF
    assert raises(OSError, svc.register, [(a, POLLIN)] * 3).errno == ENOMEM
    assert service.run_once(100) == 2  # both failures left the set as it was
    svc.close()
    a_peer.close()
    b_peer.close()


def test_SV_a_closed_socket_is_reported_once_as_pollnval():
    emu, dev, svc, calls, a, conn = _watched()
    a.close()
    assert service.run_once(100) == 1 and calls[0][2] == POLLNVAL
    assert service.run_once(100) == 0
    svc.close()
    conn.close()


def test_SV_a_module_reset_is_reported_once_as_pollerr_pollhup():
    emu, dev, svc, calls, a, conn = _watched(0)
    emu.reset(sdio=False)
    assert service.run_once(3000) == 1
    assert calls[0][2] & (POLLERR | POLLHUP) == POLLERR | POLLHUP
    assert raises(OSError, a.recv, 1).errno == ECONNABORTED
    assert service.run_once(100) == 0
    svc.close()
    conn.close()


def test_SV_close_from_a_handler_closes_the_sockets_after_the_round():
    emu, dev = _fresh()
    a, a_peer = _pair()
    b, b_peer = _pair()
    states = []

    def handler(ev):
        ev.service.close()
        states.append(ev.fd.ioctl(3, 0) & POLLNVAL)  # still open inside the round

    svc = service.Service(handler, 2)
    svc.register([(a, POLLIN), (b, POLLIN)])
    a_peer.send(b"1")
    b_peer.send(b"2")
    _readable(dev, a)
    _readable(dev, b)
    assert service.run_once(100) == 1 and states == [0]
    assert a.ioctl(3, 0) == POLLNVAL and b.ioctl(3, 0) == POLLNVAL
    live = []
    service.foreach(lambda s, _: live.append(s))
    assert live == []
    svc.register([])  # a closed service may be registered again: it is live once more
    service.foreach(lambda s, _: live.append(s))
    assert live == [svc]
    svc.close()
    a_peer.close()
    b_peer.close()


def test_SV_handlers_do_not_block_and_the_dispatcher_is_not_reentrant():
    emu, dev = _fresh()
    outcome = []

    def handler(ev):
        ev.fd.setblocking(True)
        outcome.append(raises(OSError, ev.fd.recv, 16).errno)  # nothing to read: no wait
        outcome.append(type(raises(RuntimeError, service.run_once, 0)))

    svc = service.Service(handler, 1)
    a, conn = _pair()
    svc.register([(a, POLLOUT)])
    assert service.run_once(100) == 1
    assert outcome == [EAGAIN, RuntimeError]
    svc.close()
    conn.close()


def test_SV_a_handler_exception_propagates_and_the_next_round_runs():
    emu, dev = _fresh()
    calls = []

    def handler(ev):
        calls.append(ev.fd)
        if len(calls) == 1:
            raise ValueError("handler bug")

    svc = service.Service(handler, 1)
    a, conn = _pair()
    svc.register([(a, POLLOUT)])
    raises(ValueError, service.run_once, 100)
    assert service.run_once(100) == 1 and len(calls) == 2
    svc.close()
    conn.close()


def test_SV_run_until_and_serve_as_an_asyncio_task():
    emu, dev = _fresh()
    got = []
    svc = service.Service(lambda ev: got.append(ev.fd.recv(64)), 1)
    a, conn = _pair()
    svc.register([(a, POLLIN)])
    conn.send(b"run")
    service.run(until=lambda: got)
    assert got == [b"run"]

    import asyncio

    async def main():
        task = asyncio.create_task(service.serve())
        conn.send(b"serve")
        for _ in range(1000):
            if len(got) == 2:
                break
            await asyncio.sleep(0.005)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(main())
    assert got == [b"run", b"serve"]
    svc.close()
    conn.close()
