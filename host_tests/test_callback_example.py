"""examples/callback_client.py on the emulated module, against a host echo peer on 127.0.0.1.

The example's loop pumps on its own, so the peer echoes from its own thread (`_thread`, which
MicroPython's unix port has too). Event order per socket-semantics A.4 and C.6.
"""

import _thread
import gc
import time

import hostnet
from support import device_up, example, raises

from winc import socket as ws

callback_client = example("callback_client")

OPEN, CONNECT, SEND, RECV = ws.EVENT_OPEN, ws.EVENT_CONNECT, ws.EVENT_SEND, ws.EVENT_RECV
CLOSE, DNS_RESOLV, ERROR = ws.EVENT_CLOSE, ws.EVENT_DNS_RESOLV, ws.EVENT_ERROR
OK, FAILED = ws.STATUS_OK, ws.STATUS_ERROR
ECONNREFUSED = 111


def _net():
    emu, dev = device_up()
    emu.dns("echo.test", ["127.0.0.1"])
    return emu, dev


def _echo_peer():
    """Port of a host listener whose thread echoes one connection until the client closes."""
    server, port = hostnet.listener()
    server.settimeout(10)  # a client that never comes leaves no thread behind

    def serve():
        try:
            conn, _ = server.accept()
            conn.settimeout(10)
            data = conn.recv(4096)
            while data:
                sent = 0
                while sent < len(data):
                    sent += conn.send(data[sent:])
                data = conn.recv(4096)
            conn.close()
        finally:
            server.close()

    _thread.start_new_thread(serve, ())
    return port


def test_main_returns_the_echo_on_a_given_and_on_the_default_device():
    emu, dev = _net()
    message = b"hello, driven by socket events"
    assert callback_client.main("echo.test", _echo_peer(), message, dev) == message
    assert callback_client.main("echo.test", _echo_peer(), b"again", None) == b"again"


def test_every_step_runs_from_an_event_and_no_call_waits():
    emu, dev = _net()
    port = _echo_peer()
    pumps = []
    real_pump = dev.pump

    def counted_pump(timeout_ms=0):
        pumps.append(timeout_ms)
        return real_pump(timeout_ms)

    dev.pump = counted_pump  # every pump goes through here, the driver's own waits included
    client = callback_client.EchoClient("echo.test", port, b"hello", dev)
    try:
        client.start()
        assert client.events[0] == (OPEN, OK)  # socket() returned at OPEN (C.5), its one wait
        in_start = len(pumps)
        mine = 0
        deadline = time.time() + 10
        while client.state != callback_client.DONE:
            assert time.time() < deadline, "the client never finished"
            dev.pump(10)
            mine += 1
    finally:
        ws.set_event_callback(None)
    # After start() every pump was one of this loop's: no call the example made waited.
    assert len(pumps) == in_start + mine
    assert client.events == [(OPEN, OK), (DNS_RESOLV, OK), (CONNECT, OK), (SEND, OK),
                             (RECV, OK), (CLOSE, OK)]
    assert client.error is None and bytes(client.reply) == b"hello"
    assert client.sock.gettimeout() == 0


def test_a_message_longer_than_the_send_buffer_goes_out_on_send_events():
    emu, dev = _net()
    emu.clear_log()
    message = bytes(range(256)) * 12  # 3072 bytes; the socket's send buffer takes 2048
    client = callback_client.EchoClient("127.0.0.1", _echo_peer(), message, dev)
    assert client.run() == message
    events = [event for event, status in client.events]
    assert all(status == OK for event, status in client.events)
    size = len(message)
    client = message = None  # room for the log (it holds the data) in MicroPython's heap
    gc.collect()
    # An address literal needs no DNS (C.9); RECVs interleave with SENDs as the echo returns.
    sends = events.count(SEND)
    assert [e for e in events if e != RECV] == [OPEN, CONNECT] + [SEND] * sends + [CLOSE]
    assert RECV in events
    # One SEND per module write (A.4), not per send() call: 1460-byte chunks at most.
    writes = [params[1] for cmd, params in emu.log() if cmd == "SOCKWR"]
    assert sends == len(writes) >= 3 and sum(writes) == size


def test_a_refused_connection_ends_with_error_then_close():
    emu, dev = _net()
    server, port = hostnet.listener()
    server.close()  # nobody listens there now
    client = callback_client.EchoClient("127.0.0.1", port, b"x", dev)
    assert raises(OSError, client.run).errno == ECONNREFUSED
    assert client.events == [(OPEN, OK), (ERROR, FAILED), (CLOSE, OK)]


def test_an_unknown_name_ends_with_a_failed_dns_event_then_close():
    emu, dev = _net()
    client = callback_client.EchoClient("nowhere.test", 7, b"x", dev)  # port never tried
    assert raises(OSError, client.run).errno == ws.EAI_NONAME
    assert client.events == [(OPEN, OK), (DNS_RESOLV, FAILED), (CLOSE, OK)]
