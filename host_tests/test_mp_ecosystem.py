"""Unmodified MicroPython libraries on winc sockets after winc.install(force=True): the frozen
requests (HTTP, HTTPS), umqtt.simple 1.3.4 from PyPI against mosquitto, asyncio's own streams.

The host servers come from tools/mp_runner.py (tools/mplib.py): their ports and the HTTPS CA
arrive in WINC_* environment variables.
"""

import gc
import os
import sys

import hostnet
from support import MICROPYTHON, device_up, raises, skip

_CPYTHON = ("MicroPython's frozen requests and asyncio, and umqtt.simple (it imports usocket, "
            "ustruct): these run on the MicroPython interpreter only")
_HOST = "www.winc.test"  # the HTTPS certificate's name (tools/mplib.py)
_OTHER = "other.winc.test"  # also 127.0.0.1, but not the certificate's name
_HELLO = b"hello from a local web server, through the module\n"
ENOTCONN = 107
ECONNABORTED = 103

_rig = []


def _up():
    """The emulator of this module (one device for all its tests: two would not fit the heap),
    with winc installed over the port's own socket, ssl and tls; skips under CPython."""
    if not MICROPYTHON:
        skip(_CPYTHON)
    if not _rig:
        import winc

        emu, dev = device_up()
        emu.dns(_HOST, ["127.0.0.1"])
        emu.dns(_OTHER, ["127.0.0.1"])
        # Replaced for the rest of this process (each test module runs in one of its own),
        # and only now: the emulator client and hostnet keep the port's socket they imported.
        winc.install(force=True)
        for name in ("requests", "umqtt", "umqtt.simple"):
            sys.modules.pop(name, None)  # these bind `socket` when imported: import afresh
        _rig.extend((emu, dev))
    # A socket the last test closed keeps its buffers until the module confirms the close:
    # take that confirmation now, so the 6 KB are free in one piece for this test.
    _rig[1].pump(100)
    gc.collect()
    return _rig[0]


def _port(name):
    value = os.getenv(name)
    if not value:
        raise AssertionError("%s is not set: run this module through tools/mp_runner.py (%s)"
                             % (name, os.getenv("WINC_MQTT_ERROR") or "it starts the servers"))
    return int(value)


def _ca():
    with open(os.getenv("WINC_HTTPS_CA"), "rb") as f:
        return f.read()


def _free_port():
    probe, port = hostnet.listener()  # the port's own socket: bound by hostnet at import
    probe.close()
    return port


def test_e2_requests_get_and_post_over_http():
    # §e2: micropython-lib requests as frozen into the port, on winc sockets via the module DNS.
    _up()
    import requests

    from winc import socket as wsocket

    assert requests.socket is wsocket
    url = "http://%s:%d/" % (_HOST, _port("WINC_HTTP_PORT"))
    r = requests.get(url + "hello", timeout=10)
    assert (r.status_code, r.headers["X-Method"], r.content) == (200, "GET", _HELLO)

    r = requests.post(url + "echo", json={"sensor": "winc", "value": 42}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.json() == {"SENSOR": "WINC", "VALUE": 42}


def test_e2_requests_post_larger_than_the_send_buffer():
    # §e2: requests (like umqtt) ignores what write() returns: on a blocking socket a
    # MicroPython stream write() takes all of the buffer, not one send buffer's worth.
    _up()
    import requests

    body = b"".join(b"%04d posted through the module;" % i for i in range(70))  # 2240 bytes
    r = requests.post("http://%s:%d/echo" % (_HOST, _port("WINC_HTTP_PORT")), data=body,
                      headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.headers["X-Method"] == "POST" and r.content == body.upper()


def test_tl_06_requests_https_get_upgrades_the_connected_socket():
    # TL-06: requests connects, then wraps the connected socket (tls.SSLContext with
    # CERT_NONE: requests never verifies, its own choice); the module upgrades it to TLS.
    _up()
    import requests

    r = requests.get("https://%s:%d/hello" % (_HOST, _port("WINC_HTTPS_PORT")), timeout=10)
    assert (r.status_code, r.content) == (200, _HELLO)


def test_e2_ssl_wrap_socket_verifies_the_server_as_umqtt_calls_it():
    # §e2 TLS: umqtt.simple 1.3.4 (ssl=True) and older libraries call the module-level
    # ussl.wrap_socket(sock, **ssl_params), MicroPython's ssl.wrap_socket signature.
    _up()
    import ssl

    import ussl

    from winc import socket as wsocket

    assert ussl is ssl
    port = _port("WINC_HTTPS_PORT")
    s = wsocket.socket()
    try:
        s.settimeout(10)
        s.connect((_HOST, port))
        s = ssl.wrap_socket(s, server_hostname=_HOST, cadata=_ca(),
                            cert_reqs=ssl.CERT_REQUIRED)
        s.write(b"GET /hello HTTP/1.0\r\nHost: %s\r\n\r\n" % _HOST.encode())
        assert s.read().endswith(b"\r\n\r\n" + _HELLO)
    finally:
        s.close()

    s = wsocket.socket()  # the certificate is not for this name: the module refuses it
    try:
        s.settimeout(10)
        s.connect((_OTHER, port))
        e = raises(OSError, ssl.wrap_socket, s, server_hostname=_OTHER, cadata=_ca(),
                   cert_reqs=ssl.CERT_REQUIRED)
    finally:
        s.close()
    assert e.errno == ECONNABORTED


def test_e2_umqtt_simple_subscribes_publishes_and_receives_its_messages():
    # §e2: umqtt.simple 1.3.4 from PyPI, unmodified (usocket, write(buf, n), read(n),
    # setblocking), against a real mosquitto broker on the host, through the module.
    emu = _up()
    import time

    from umqtt.simple import MQTTClient

    from winc import socket as wsocket

    emu.dns("mqtt.winc.test", ["127.0.0.1"])
    got = []
    client = MQTTClient(b"winc-umqtt", "mqtt.winc.test", _port("WINC_MQTT_PORT"), keepalive=30)
    assert client.connect() == 0  # a clean session: none was present
    try:
        assert isinstance(client.sock, wsocket.socket)
        client.set_callback(lambda topic, msg: got.append((topic, msg)))
        client.subscribe(b"winc/test/#")
        client.publish(b"winc/test/a", b"blocking wait_msg")
        client.sock.settimeout(10)  # a lost message fails here, not at the runner's timeout
        client.wait_msg()
        assert got == [(b"winc/test/a", b"blocking wait_msg")]

        assert client.check_msg() is None  # nothing pending: returns at once
        big = bytes(range(256)) * 4  # every byte value, in a message of a few TCP segments
        client.publish(b"winc/test/b", big, qos=1)  # waits for the broker's PUBACK
        deadline = time.ticks_add(time.ticks_ms(), 5000)
        while len(got) < 2 and time.ticks_diff(deadline, time.ticks_ms()) > 0:
            client.check_msg()  # the non-blocking path
        assert got[1] == (b"winc/test/b", big)
    finally:
        client.disconnect()


def test_z_e2_asyncio_own_start_server_and_open_connection_on_winc_sockets():
    # §e2 asyncio: asyncio's own functions import `socket` when called: after install, winc's.
    # Named to run last (tests run in name order): what asyncio allocates for good while
    # three sockets' buffers are out leaves the 64 KB heap without a free 2 KB run after it.
    _up()
    import asyncio

    from winc import socket as wsocket

    port = _free_port()
    kinds = []
    served = asyncio.Event()

    async def echo(reader, writer):
        try:
            kinds.append(type(reader.s))
            writer.write((await reader.readline()).upper())
            await writer.drain()
            await writer.wait_closed()  # asyncio's Stream closes its socket here
        finally:
            served.set()

    async def main():
        server = await asyncio.start_server(echo, "127.0.0.1", port)
        try:
            reader, writer = await asyncio.open_connection(_HOST, port)  # the module's DNS
            kinds.append(type(writer.s))
            writer.write(b"asyncio streams on winc sockets\n")
            await writer.drain()
            line = await reader.readline()
            await writer.wait_closed()
            await served.wait()  # the handler's socket too is closed before the loop stops
            return line
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(asyncio.wait_for(main(), 10)) == b"ASYNCIO STREAMS ON WINC SOCKETS\n"
    assert kinds == [wsocket.socket, wsocket.socket]

    async def refused():
        # asyncio's open_connection() does not look at how the connect ended (nobody listens
        # there): the first read does, and a never-connected TCP socket is ENOTCONN (C.4).
        reader, writer = await asyncio.open_connection("127.0.0.1", _free_port())
        try:
            return await reader.read(1)
        finally:
            await writer.wait_closed()

    e = raises(OSError, asyncio.run, asyncio.wait_for(refused(), 10))
    assert e.errno == ENOTCONN
