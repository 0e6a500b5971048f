"""winc.tls end to end: SSLContext -> module TLSC + file system -> emulated module -> real TLS
with Python ssl peers on loopback, certificates made by trustme.
"""

# cpython only: the TLS peers are CPython ssl servers and clients in threads

import socket as host
import ssl
import time

import hostnet
import trustme
from peers import TcpEcho
from sockrig import Net, recv_exactly
from support import raises

from winc import socket as ws
from winc import tls

ECONNABORTED, EINVAL, ENOTCONN = 103, 22, 107
CA = trustme.CA()
SERVER_CERT = CA.issue_cert("localhost", "www.winc.test")
CLIENT_CERT = CA.issue_cert("winc-client")


def _server_context(require_client_cert=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    SERVER_CERT.configure_cert(ctx)
    if require_client_cert:
        CA.configure_trust(ctx)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _client_context(ca=CA):
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=ca.cert_pem.bytes())
    return ctx


def _tls_client(ctx, port, name="localhost"):
    s = ctx.wrap_socket(ws.socket(), server_hostname=name)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def _echo(s, payload=b"through TLS on the module"):
    s.sendall(payload)
    assert recv_exactly(s, len(payload)) == payload


def test_TL_02_client_verifies_the_server_and_sends_its_name():
    # TL-02
    net = Net()
    names = []
    server_ctx = _server_context()
    server_ctx.sni_callback = lambda sslobj, name, ctx: names.append(name)
    with TcpEcho(context=server_ctx) as echo:
        s = _tls_client(_client_context(), echo.port)
        assert net.of(s)[-2:] == [(ws.EVENT_CONNECT, 0), (ws.EVENT_TLS_CONNECT, 0)]
        _echo(s)
        assert names == ["localhost"]
        s.close()


def test_an_untrusted_server_or_a_wrong_name_is_econnaborted_and_never_plaintext():
    Net()
    with TcpEcho(context=_server_context()) as echo:
        s = _client_context(trustme.CA()).wrap_socket(ws.socket(), server_hostname="localhost")
        s.settimeout(5)
        e = raises(OSError, s.connect, ("127.0.0.1", echo.port))
        assert e.errno == ECONNABORTED and "SOCKET_TLS_FAILED" in str(e)  # the module's reason
        assert raises(OSError, s.send, b"secret").errno == ENOTCONN  # not connected: no bytes
        s.close()
        s = _client_context().wrap_socket(ws.socket(), server_hostname="other.winc.test")
        s.settimeout(5)
        assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == ECONNABORTED
        s.close()
        deadline = time.time() + 5  # the server's thread records its side of the failure
        while len(echo.tls_errors) < 2 and time.time() < deadline:
            time.sleep(0.01)
        assert len(echo.tls_errors) == 2  # the server never saw a plaintext byte either


def test_cert_none_talks_to_any_server():
    Net()
    with TcpEcho(context=_server_context()) as echo:
        ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = tls.CERT_NONE
        s = ctx.wrap_socket(ws.socket())
        s.settimeout(5)
        s.connect(("127.0.0.1", echo.port))
        _echo(s)
        s.close()
        raises(ValueError, tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).wrap_socket, ws.socket())


def test_client_certificate_for_a_server_that_asks_for_one():
    Net()
    with TcpEcho(context=_server_context(require_client_cert=True)) as echo:
        ctx = _client_context()
        ctx.load_cert_chain(CLIENT_CERT.cert_chain_pems[0].bytes(),
                            CLIENT_CERT.private_key_pem.bytes())
        s = _tls_client(ctx, echo.port)
        _echo(s)
        s.close()
        assert echo.peer_certs and echo.peer_certs[0]["subjectAltName"] == (
            ("DNS", "winc-client"),)
        s = _client_context().wrap_socket(ws.socket(), server_hostname="localhost")
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", echo.port))
            s.sendall(b"x")
            s.recv(1)  # TLS 1.3: the server's refusal can come after the client's Finished
            raise AssertionError("a client without a certificate got through")
        except OSError as e:
            # TLS 1.3: refused after the client's Finished, the module reports the failed
            # write (EIO) or the reset (ECONNRESET) rather than the handshake.
            assert e.errno in (ECONNABORTED, 104, 5), e
        s.close()


def test_TL_05_module_tls_server_accepts_a_host_client_that_verifies_it():
    # TL-05
    net = Net()
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(SERVER_CERT.cert_chain_pems[0].bytes(),
                        SERVER_CERT.private_key_pem.bytes())
    ls = ctx.wrap_socket(ws.socket(), server_side=True)
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    port = ls.getsockname()[1]
    client_ctx = ssl.create_default_context()
    CA.configure_trust(client_ctx)
    raw = host.create_connection(("127.0.0.1", port), timeout=5)
    done = []

    def handshake():
        done.append(client_ctx.wrap_socket(raw, server_hostname="localhost"))

    import threading

    t = threading.Thread(target=handshake, daemon=True)
    t.start()
    ls.settimeout(5)
    child, _ = ls.accept()  # returns once the child's handshake is done
    t.join(5)
    client = done[0]
    assert net.of(child) == [(ws.EVENT_CONNECT, 0), (ws.EVENT_TLS_CONNECT, 0)]
    client.sendall(b"hello module")
    child.settimeout(5)
    assert recv_exactly(child, 12) == b"hello module"
    child.sendall(b"hello host")
    assert hostnet.recv_exactly(client, 10, net.dev) == b"hello host"
    client.close()
    child.close()
    ls.close()


def test_four_tls_sockets_at_once_share_one_configuration_and_upload_once():
    net = Net()
    with TcpEcho(context=_server_context()) as echo:
        ctx = _client_context()
        socks = [_tls_client(ctx, echo.port) for _ in range(4)]
        for i, s in enumerate(socks):
            _echo(s, b"socket %d" % i)
        for s in socks:
            s.close()
        log = net.emu.log()
        assert [name for name, _ in log].count("FSTSFR") == 1  # one CA, one block
        assert len([p for name, p in log if name == "TLSC" and p[1] == 0]) == 1  # one PRESET
        net.emu.clear_log()
        s = _tls_client(ctx, echo.port)  # a context used before: nothing but SOCKTLS
        _echo(s)
        s.close()
        assert {name for name, _ in net.emu.log()} & {"FS", "FSTSFR", "TLSC"} == set()


def test_TL_06_wrap_after_connect_upgrades_the_connection():
    # TL-06
    net = Net()
    with TcpEcho(context=_server_context()) as echo:
        s = ws.socket()
        s.settimeout(5)
        s.connect(("127.0.0.1", echo.port))
        s = _client_context().wrap_socket(s, server_hostname="localhost")
        assert net.of(s)[-1] == (ws.EVENT_TLS_CONNECT, 0)
        _echo(s)
        s.close()


def test_TL_04_raw_tls_conf_idx_takes_1_to_4():
    # TL-04
    net = Net()
    s = ws.socket(ws.AF_INET, ws.SOCK_STREAM, ws.IPPROTO_TLS)
    assert raises(OSError, s.setsockopt, ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 0).errno == EINVAL
    assert raises(OSError, s.setsockopt, ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 5).errno == EINVAL
    s.setsockopt(ws.IPPROTO_TLS, ws.TLS_CONF_IDX, 4)
    net.pump_until(lambda: net.sent("SOCKTLS"))
    assert net.sent("SOCKTLS") == [[s._id, 4]]
    s.close()


def test_a_module_reset_during_the_handshake_aborts_the_connect():
    net = Net()
    with TcpEcho(context=_server_context()) as echo:
        net.emu.hold("SOCKTLS")  # the handshake never reports back before the reset
        s = _client_context().wrap_socket(ws.socket(), server_hostname="localhost")
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", echo.port))
        except OSError:
            pass
        net.pump_for(0.2)
        net.emu.reset(sdio=False)
        net.pump_until(lambda: (ws.EVENT_CLOSE, 1) in net.of(s))
        assert raises(OSError, s.send, b"x").errno == ECONNABORTED
        net.emu.release()
        s.close()
        s = _tls_client(_client_context(), echo.port)  # TLSC slots were reconfigured
        _echo(s)
        s.close()


def test_file_names_without_hashlib_are_64_bit_fnv1a(monkeypatch):
    import sys

    data = CA.cert_pem.bytes()
    expected = 0xCBF29CE484222325
    for byte in data:
        expected = ((expected ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    monkeypatch.setitem(sys.modules, "hashlib", None)  # import hashlib now fails
    assert tls._content_name(data) == "f%016x%x" % (expected, len(data))
    assert len(tls._content_name(data)) <= 32


def test_a_refused_socktls_is_econnaborted_not_a_hang_nor_plaintext():
    net = Net()
    with TcpEcho(context=_server_context()) as echo:
        net.emu.answer("SOCKTLS", "ERROR")
        s = _client_context().wrap_socket(ws.socket(), server_hostname="localhost")
        s.settimeout(None)  # blocking without a deadline: the refusal itself must end it
        e = raises(OSError, s.connect, ("127.0.0.1", echo.port))
        assert e.errno == ECONNABORTED and "SOCKTLS" in str(e)
        s.close()


def test_tls_configurations_in_use_are_never_reconfigured():
    net = Net()
    server_ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(SERVER_CERT.cert_chain_pems[0].bytes(),
                               SERVER_CERT.private_key_pem.bytes())
    ls = server_ctx.wrap_socket(ws.socket(), server_side=True)  # a listener holds one slot
    ctx = _client_context()
    socks = [ctx.wrap_socket(ws.socket(), server_hostname="host%d.winc.test" % i)
             for i in range(3)]  # three other settings: slots 2-4, each held by a socket
    e = raises(OSError, ctx.wrap_socket, ws.socket(), server_hostname="host9.winc.test")
    assert e.errno == 23  # ENFILE: all four configurations are in use
    socks[1].close()
    net.pump_for(0.1)
    spare = ctx.wrap_socket(ws.socket(), server_hostname="host9.winc.test")
    assert spare._tls == socks[1]._tls  # the freed slot, and only it, was reconfigured
    for s in socks + [spare, ls]:
        s.close()


def test_module_level_wrap_socket_and_create_default_context():
    # MicroPython's ssl.wrap_socket() (umqtt) and CircuitPython's ssl.create_default_context()
    Net()
    with TcpEcho(context=_server_context()) as echo:
        s = tls.wrap_socket(ws.socket(), server_hostname="localhost")  # verifies nothing
        s.settimeout(5)
        s.connect(("127.0.0.1", echo.port))
        _echo(s)
        s.close()
        s = tls.wrap_socket(ws.socket(), cert_reqs=tls.CERT_REQUIRED,
                            cadata=trustme.CA().cert_pem.bytes(), server_hostname="localhost")
        s.settimeout(5)
        assert raises(OSError, s.connect, ("127.0.0.1", echo.port)).errno == ECONNABORTED
        s.close()
        ctx = tls.create_default_context()
        assert ctx.verify_mode == tls.CERT_REQUIRED and ctx.check_hostname
        ctx.load_verify_locations(cadata=CA.cert_pem.bytes())
        s = _tls_client(ctx, echo.port)
        _echo(s)
        s.close()
