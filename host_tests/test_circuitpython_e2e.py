"""CircuitPython's own client libraries, unmodified, on winc: adafruit_requests and
adafruit_minimqtt through winc.socketpool.SocketPool and winc.wifi.radio, against real servers
on 127.0.0.1 (http.server, HTTPS with a trustme CA the module verifies, Debian's mosquitto).

Set up as a CircuitPython user would: radio.connect(), SocketPool(radio), an SSL context,
adafruit_requests.Session(pool, ssl_context) and MQTT(socket_pool=pool).
"""
# cpython only: the Adafruit libraries, http.server and mosquitto are host-side

import os
import ssl
import sys
import time

import adafruit_minimqtt.adafruit_minimqtt as MQTT  # the name in the library's examples
import adafruit_requests
import httpd
import pytest
import trustme
from adafruit_connection_manager import connection_manager_close_all
from support import device_up

from winc import wifi
from winc.socketpool import SocketPool, create_default_context

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
from mosquitto import Mosquitto  # noqa: E402

LAB, LAB_KEY = "winc-lab", "correct horse battery"
ECONNABORTED = 103
CA = trustme.CA()
SITE = "www.winc.test"
SITE_CERT = CA.issue_cert(SITE)


@pytest.fixture
def radio():
    """A freshly joined radio; the emulator's DNS knows SITE and the broker's name."""
    emu, dev = device_up()
    emu.dns(SITE, ["127.0.0.1"])
    emu.dns("mqtt.winc.test", ["127.0.0.1"])
    wifi.radio.connect(LAB, LAB_KEY)
    return wifi.radio


@pytest.fixture
def pool(radio):
    """A pool on a freshly joined radio."""
    pool = SocketPool(radio)
    yield pool
    connection_manager_close_all(pool)  # the sockets the libraries kept for reuse


def _context(ca=CA):
    ctx = create_default_context()
    ctx.load_verify_locations(cadata=ca.cert_pem.bytes().decode())  # a str, as CircuitPython
    return ctx


def _https():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    SITE_CERT.configure_cert(ctx)
    return httpd.HttpServer(ctx)


# ---- adafruit_requests -------------------------------------------------------------------------

def test_requests_get_keeps_the_connection_alive(pool):
    session = adafruit_requests.Session(pool)
    with httpd.HttpServer() as web:
        url = "http://%s:%d/bytes/" % (SITE, web.port)
        for size in (0, 100, 20000):
            with session.get(url + str(size), timeout=5) as r:
                assert r.status_code == 200
                assert r.headers["content-length"] == str(size)
                assert r.content == httpd.body(size)
        assert [host for _, _, host in web.requests] == [SITE] * 3
    # One socket served all three: ConnectionManager got it back after each response.
    manager = adafruit_requests.get_connection_manager(pool)
    assert manager.managed_socket_count == 1


def test_requests_post_sends_a_body_and_json(pool):
    session = adafruit_requests.Session(pool)
    with httpd.HttpServer() as web:
        url = "http://127.0.0.1:%d/echo" % web.port
        payload = bytes(range(256)) * 8
        with session.post(url, data=payload, timeout=5) as r:
            assert r.status_code == 200 and r.content == payload
        with session.post(url, json={"winc": [1, 2, 3], "board": "same54"}, timeout=5) as r:
            assert r.headers["content-type"] == "application/json"
            assert r.json() == {"winc": [1, 2, 3], "board": "same54"}
        assert [(m, p) for m, p, _ in web.requests] == [("POST", "/echo")] * 2


def test_requests_reads_a_chunked_response(pool):
    session = adafruit_requests.Session(pool)
    size = 30000
    assert len(httpd.chunks(size)) > 10
    with httpd.HttpServer() as web:
        url = "http://%s:%d/chunked/%d" % (SITE, web.port, size)
        with session.get(url, timeout=5) as r:
            assert r.headers["transfer-encoding"] == "chunked"
            assert r.content == httpd.body(size)
        with session.get(url, stream=True, timeout=5) as r:  # and streamed, piece by piece
            got = b"".join(r.iter_content(chunk_size=1000))
            assert got == httpd.body(size)


def test_TL_02_requests_https_is_verified_by_the_module(pool):
    # TL-02 through CircuitPython's stack: the module checks the chain and the name.
    session = adafruit_requests.Session(pool, _context())
    with _https() as web:
        with session.get("https://%s:%d/bytes/5000" % (SITE, web.port), timeout=5) as r:
            assert r.status_code == 200 and r.content == httpd.body(5000)
        with session.post("https://%s:%d/echo" % (SITE, web.port), data=b"secret",
                          timeout=5) as r:
            assert r.content == b"secret"
        assert web.tls_errors == []


def test_requests_https_refuses_a_server_it_cannot_verify(pool):
    session = adafruit_requests.Session(pool, _context(trustme.CA()))
    with _https() as web:
        with pytest.raises(OSError) as e:
            session.get("https://%s:%d/bytes/10" % (SITE, web.port), timeout=5)
        assert e.value.errno == ECONNABORTED
        deadline = time.time() + 5  # the server's thread records its side of the failure
        while not web.tls_errors and time.time() < deadline:
            time.sleep(0.01)
        assert web.tls_errors and web.requests == []  # no request went out in plaintext


def test_connection_manager_helpers_find_winc_after_install(radio):
    # On a board without native Wi-Fi, winc.install() provides socketpool, ssl and wifi; the
    # manager's own get_radio_socketpool(wifi.radio) then picks them up (it imports socketpool
    # and ssl when called). CPython keeps its ssl for the test servers: only the call sees it.
    import adafruit_connection_manager as manager

    from winc import socketpool, tls

    saved = {name: sys.modules.get(name) for name in ("socketpool", "ssl")}
    sys.modules["socketpool"], sys.modules["ssl"] = socketpool, tls
    try:
        radio_pool = manager.get_radio_socketpool(radio)
        context = manager.get_radio_ssl_context(radio)
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
    assert isinstance(radio_pool, SocketPool) and isinstance(context, tls.SSLContext)
    context.load_verify_locations(cadata=CA.cert_pem.bytes())
    session = adafruit_requests.Session(radio_pool, context)
    with _https() as web:
        with session.get("https://%s:%d/bytes/300" % (SITE, web.port), timeout=5) as r:
            assert r.status_code == 200 and r.content == httpd.body(300)
    connection_manager_close_all(radio_pool)


# ---- adafruit_minimqtt -------------------------------------------------------------------------

def _mqtt(pool, broker):
    client = MQTT.MQTT(broker="mqtt.winc.test", port=broker.port, socket_pool=pool,
                       is_ssl=False, socket_timeout=0.25, recv_timeout=5, keep_alive=60)
    client.received = []
    client.on_message = lambda c, topic, message: client.received.append((topic, message))
    return client


def _loop_until(client, condition, seconds=5):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "nothing arrived"
        client.loop(0.5)


def test_minimqtt_subscribes_publishes_and_receives_its_own_messages(pool):
    with Mosquitto() as broker:
        client = _mqtt(pool, broker)
        client.connect()
        assert client.is_connected()
        client.subscribe("winc/e2e/#", qos=1)
        client.publish("winc/e2e/qos0", "at most once")
        client.publish("winc/e2e/qos1", "at least once", qos=1)  # waits for its PUBACK
        _loop_until(client, lambda: len(client.received) == 2)
        assert sorted(client.received) == [("winc/e2e/qos0", "at most once"),
                                           ("winc/e2e/qos1", "at least once")]
        big = "x" * 3000  # over one TCP frame each way
        client.publish("winc/e2e/big", big)
        _loop_until(client, lambda: len(client.received) == 3)
        assert client.received[2] == ("winc/e2e/big", big)
        client.unsubscribe("winc/e2e/#")
        client.disconnect()


def test_minimqtt_loop_returns_within_its_timeout_when_nothing_comes(pool):
    # MiniMQTT reads with the socket timeout and treats OSError(ETIMEDOUT) as "no message".
    with Mosquitto() as broker:
        client = _mqtt(pool, broker)
        client.connect()
        client.subscribe("winc/quiet")
        start = time.monotonic()
        assert client.loop(1.0) is None
        took = time.monotonic() - start
        assert 1.0 <= took < 2.0  # the loop's timeout plus at most a few socket timeouts
        assert client.is_connected()
        client.publish("winc/quiet", "now something")  # and the connection still works
        _loop_until(client, lambda: client.received)
        assert client.received == [("winc/quiet", "now something")]
        client.disconnect()
