"""The emulator's file system (spec §7.12) and TLS (§7.7, socket-semantics A.7): uploads, TLSC,
and real handshakes with Python's ssl peers on loopback, driven at the command level.
"""
# cpython only: the emulator runs in process and its TLS peers are CPython ssl sockets in threads

import os
import socket
import ssl
import threading
import time

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from emu_net import TCP, UDP, Rig, free_port, listener, recv_exactly
from peers import StartTlsEcho, TcpEcho, TcpRelay, TlsSource

from winc import _ids
from wincsim import remote
from wincsim.module import Module

OK = _ids.OK
TSFR_PROTOCOL_NOT_SUPPORTED, FILE_EXISTS, FILE_NOT_FOUND = 0x0700, 0x0701, 0x0702
INVALID_FILE_TYPE, FILE_CREATE_FAILED, FILE_WRITE_FAILED = 0x0703, 0x0704, 0x0705
INVALID_PROTOCOL, ACCESS_DENIED, TLS_CA_CERT_MISSING = 0x0E03, 0x000A, 0x1100
USER, CERT, PRIKEY = 0, 1, 2
LOAD, LIST, DEL, INFO = 1, 2, 3, 4
TSFR = 5
# TLSC parameter ids (§7.7)
CA_CERT_NAME, CERT_NAME, PRI_KEY_NAME, PRI_KEY_PASSWORD = 1, 2, 3, 4
SERVER_NAME, DOMAIN_NAME, PEER_AUTH, PEER_DOMAIN_VERIFY = 5, 6, 40, 41


def sid(n):
    return ("U2", n)


def last_rsp_codes(rig):
    rsp = [m for m in rig.host.inbox if m.kind == _ids.RSP][-1]
    return [el.code for el in rsp.elements]


# -- certificates ------------------------------------------------------------------------------


class Pki:
    """A CA the module trusts, its "localhost" server and client certificates, and a stranger."""

    def __init__(self):
        self.ca = trustme.CA()
        self.server = self.ca.issue_cert("localhost")
        self.client = self.ca.issue_cert("client.test")
        self.stranger = trustme.CA().issue_cert("localhost")  # signed by nobody we trust

    def server_context(self, cert=None, client_ca=False):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        (cert or self.server).configure_cert(ctx)
        if client_ca:  # the module must show a certificate of our CA
            self.ca.configure_trust(ctx)
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def client_context(self, cert=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ca.configure_trust(ctx)
        if cert is not None:
            cert.configure_cert(ctx)
        return ctx


@pytest.fixture(scope="module")
def pki():
    return Pki()


def chain_pem(cert):
    return b"".join(blob.bytes() for blob in cert.cert_chain_pems)


def encrypted_key(cert, password):
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), None)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(password))


# -- host-side command helpers -----------------------------------------------------------------


def load(rig, ftype, name, length, protocol=TSFR):
    return rig.call(_ids.FS, ("U1", LOAD), ("U1", ftype), ("U1", protocol), ("STR", name),
                    ("U2", length))


def block(rig, handle, n, data):
    return rig.call(_ids.FSTSFR, ("U2", handle), ("I4", n), ("BA", data))


def upload(rig, ftype, name, data, size=128):
    """FSLOAD then FSTSFR blocks of `size` bytes, as the reference host uploads (§7.12)."""
    rsps, status = load(rig, ftype, name, len(data))
    assert status == OK, "status 0x%04x" % status
    handle = rsps[0][1]
    for n, i in enumerate(range(0, len(data), size), 1):
        rsps, status = block(rig, handle, n, data[i:i + size])
        assert status == OK and rsps == [[handle, n, len(data) - i - len(data[i:i + size])]]
    assert rig.next("FSUP") == [LOAD, ftype, name, len(data)]


def info(rig):
    return rig.ok(_ids.FS, ("U1", INFO))[0]


def tlsc(rig, conf, ident, value):
    """TLSC(conf, id, value) as the host's generic config helper sends it (§5.3)."""
    code = "STR" if isinstance(value, str) else "BOOL4" if isinstance(value, bool) else "I4"
    return rig.status(_ids.TLSC, ("U1", conf), ("U4", ident), (code, value))


def trust(rig, pki, conf=1, domain="localhost"):
    """The CA as file "ca", and configuration `conf` verifying the server against it."""
    if "1/ca" not in rig.emu.fs_files():
        upload(rig, CERT, "ca", pki.ca.cert_pem.bytes())
    assert tlsc(rig, conf, CA_CERT_NAME, "ca") == OK
    assert tlsc(rig, conf, DOMAIN_NAME, domain) == OK


def write(rig, s, data, seq):
    return rig.status(_ids.SOCKWR, sid(s), ("U2", len(data)), ("I4", seq), ("BA", data))


def tls_connect(rig, port, conf=1, before=True):
    """A module TCP socket with SOCKTLS (before or after SOCKBR) connecting to `port`;
    returns the id once SOCKIND arrived (SOCKTLS or SOCKERR comes next)."""
    s = rig.open(TCP)
    if before:
        rig.ok(_ids.SOCKTLS, sid(s), ("U1", conf))
    rig.ok(_ids.SOCKBR, sid(s), ("IPV4", "127.0.0.1"), ("U2", port))
    if not before:
        rig.ok(_ids.SOCKTLS, sid(s), ("U1", conf))
    assert rig.next("SOCKIND")[0] == s
    return s


def read_all(rig, s, n):
    """Polled mode: a SOCKRXT announcement, then SOCKRD until nothing is pending (a read
    takes at most 1460 bytes), until n bytes came."""
    data = b""
    while len(data) < n:
        values = rig.next("SOCKRXT")
        assert values[0] == s and values[1] > 0
        pending = values[1]
        while pending:
            rsps, status = rig.call(_ids.SOCKRD, sid(s), ("U1", 3), ("I4", pending))
            assert status == OK
            _, _, pending, chunk = rsps[0]
            data += chunk
    return data


def echo_round(rig, s, data, seq=0):
    assert write(rig, s, data, seq) == OK
    assert read_all(rig, s, len(data)) == data


class InThread:
    """Runs fn() in a daemon thread (a blocking ssl peer) while the test drives the module."""

    def __init__(self, fn):
        self.result = self.error = None
        self.done = threading.Event()
        threading.Thread(target=self._run, args=(fn,), daemon=True).start()

    def _run(self, fn):
        try:
            self.result = fn()
        except Exception as e:  # handed to the test by get()
            self.error = e
        self.done.set()

    def get(self, rig):
        rig.until(self.done.is_set)
        if self.error is not None:
            raise self.error
        return self.result


# -- file system ---------------------------------------------------------------------------------


def test_fs_upload_in_two_blocks_then_list_info_and_delete():
    with Rig() as rig:
        assert info(rig) == [INFO, 61440, 4]
        assert last_rsp_codes(rig) == ["U1", "U4", "U2"]
        assert load(rig, CERT, "ca.pem", 200) == ([[LOAD, 1]], OK)
        assert last_rsp_codes(rig) == ["U1", "U2"]
        assert info(rig) == [INFO, 61440 - 200, 3]  # [INFERRED] the upload holds its space
        assert block(rig, 1, 1, bytes(128)) == ([[1, 1, 72]], OK)
        assert last_rsp_codes(rig) == ["U2", "U1", "U4"]
        assert rig.emu.fs_files() == {}  # not a file before its last block
        assert block(rig, 1, 2, b"\x01" * 72) == ([[1, 2, 0]], OK)
        assert rig.next("FSUP") == [LOAD, CERT, "ca.pem", 200]
        assert rig.codes("FSUP") == ["U1", "U1", "STR", "U4"]
        assert rig.emu.fs_files() == {"1/ca.pem": 200}
        assert info(rig) == [INFO, 61440 - 200, 4]
        upload(rig, USER, "notes", b"hello")
        upload(rig, PRIKEY, "a.key", b"k" * 10)
        assert rig.call(_ids.FS, ("U1", LIST)) == (
            [[LIST, USER, "notes"], [LIST, CERT, "ca.pem"], [LIST, PRIKEY, "a.key"]], OK)
        assert last_rsp_codes(rig) == ["U1", "U1", "STR"]
        assert rig.call(_ids.FS, ("U1", LIST), ("I4", CERT)) == ([[LIST, CERT, "ca.pem"]], OK)
        assert rig.call(_ids.FS, ("U1", LIST), ("I4", 3)) == ([], OK)
        assert rig.call(_ids.FS, ("U1", DEL), ("I4", CERT), ("STR", "ca.pem")) == ([], OK)
        assert rig.next("FSUP") == [DEL, CERT, "ca.pem", 0]
        assert rig.status(_ids.FS, ("U1", DEL), ("I4", CERT), ("STR", "ca.pem")) == FILE_NOT_FOUND
        assert rig.emu.fs_files() == {"0/notes": 5, "2/a.key": 10}
        assert info(rig) == [INFO, 61440 - 15, 4]
        rig.emu.fs_clear()
        assert rig.call(_ids.FS, ("U1", LIST)) == ([], OK)


def test_fs_refusals():
    with Rig(fs_size=1000, fs_handles=2) as rig:
        upload(rig, CERT, "x", b"1234")
        assert load(rig, CERT, "x", 10)[1] == FILE_EXISTS  # [INFERRED] no overwrite
        assert load(rig, PRIKEY, "x", 10)[1] == OK  # another type, another file
        assert load(rig, PRIKEY, "x", 10)[1] == FILE_EXISTS  # its upload is under way
        assert load(rig, 4, "y", 10)[1] == INVALID_FILE_TYPE
        assert rig.status(_ids.FS, ("U1", LIST), ("I4", 21)) == INVALID_FILE_TYPE
        assert load(rig, CERT, "y", 10, protocol=1)[1] == TSFR_PROTOCOL_NOT_SUPPORTED
        assert rig.status(_ids.FS, ("U1", 5), ("U1", CERT), ("U1", TSFR),
                          ("STR", "x")) == TSFR_PROTOCOL_NOT_SUPPORTED  # no FSSTORE
        assert load(rig, CERT, "n" * 33, 10)[1] == _ids.INVALID_PARAMETER
        assert load(rig, CERT, "", 10)[1] == _ids.INVALID_PARAMETER
        assert load(rig, CERT, "y", 0)[1] == _ids.INVALID_PARAMETER
        assert rig.status(_ids.FS, ("U1", 9)) == _ids.INVALID_PARAMETER
        assert load(rig, CERT, "big", 1000 - 4 - 10 + 1)[1] == FILE_CREATE_FAILED  # no room
        assert load(rig, CERT, "fits", 1000 - 4 - 10) == ([[LOAD, 2]], OK)
        assert load(rig, CERT, "z", 1)[1] == FILE_CREATE_FAILED  # no room, no handle
        # Blocks: in order from 1, the announced length at most, on an open handle.
        assert block(rig, 1, 2, b"abc")[1] == _ids.INVALID_PARAMETER
        assert block(rig, 1, 0, b"abc")[1] == _ids.INVALID_PARAMETER
        assert block(rig, 1, 1, b"a" * 11)[1] == FILE_WRITE_FAILED
        assert block(rig, 3, 1, b"abc")[1] == _ids.INVALID_PARAMETER
        assert block(rig, 1, 1, b"abc") == ([[1, 1, 7]], OK)  # the refusals changed nothing
        assert block(rig, 1, 1, b"abc")[1] == _ids.INVALID_PARAMETER  # a repeated block
        assert block(rig, 1, 2, b"defghij") == ([[1, 2, 0]], OK)
        assert rig.next("FSUP") == [LOAD, PRIKEY, "x", 10]
        assert rig.emu.fs_files() == {"1/x": 4, "2/x": 10}


def test_fs_files_survive_a_reset_and_uploads_under_way_do_not():
    with Rig() as rig:
        upload(rig, CERT, "kept", b"PEM" * 100)
        assert load(rig, CERT, "half", 256) == ([[LOAD, 1]], OK)
        assert block(rig, 1, 1, bytes(128))[1] == OK
        rig.emu.reset(sdio=False)
        rig.host.drain()
        assert rig.emu.fs_files() == {"1/kept": 300}
        assert block(rig, 1, 2, bytes(128))[1] == _ids.INVALID_PARAMETER  # the handle died
        assert info(rig) == [INFO, 61440 - 300, 4]
        upload(rig, CERT, "half", bytes(256))  # started afresh
        assert rig.call(_ids.FS, ("U1", LIST)) == ([[LIST, CERT, "half"], [LIST, CERT, "kept"]],
                                                    OK)


def test_fs_block_numbers_may_wrap_after_255():
    with Rig() as rig:
        data = bytes(range(256)) * 2
        assert load(rig, USER, "long", len(data))[1] == OK
        for n in range(1, 257):
            wire = n if n < 256 else 0  # the reference host's U1-sized count [INFERRED]
            rsps, status = block(rig, 1, wire, data[2 * (n - 1):2 * n])
            assert status == OK and rsps[0][1] == n & 0xFF
        assert rig.next("FSUP") == [LOAD, USER, "long", 512]


def test_the_fs_controls_reach_the_remote_client():
    for name in ("fs_files", "fs_clear"):
        assert name in remote.CONTROL and callable(getattr(Module, name))


# -- TLSC ------------------------------------------------------------------------------------------


def test_tlsc_lists_queries_and_sets_per_configuration():
    with Rig() as rig:
        assert rig.call(_ids.TLSC) == ([[1, 2, 3, 4]], OK)
        assert last_rsp_codes(rig) == ["U1", "U1", "U1", "U1"]
        rsps, status = rig.call(_ids.TLSC, ("U1", 2))
        assert status == OK and rsps == [[0, 0], [1, ""], [2, ""], [3, ""], [4, ""], [5, ""],
                                         [6, ""], [7, 1], [8, ""], [20, 0], [21, 1], [40, 1],
                                         [41, 1], [42, 1], [43, 0]]
        assert tlsc(rig, 2, CA_CERT_NAME, "root") == OK
        assert tlsc(rig, 2, PEER_AUTH, False) == OK
        assert rig.call(_ids.TLSC, ("U1", 2), ("U4", CA_CERT_NAME)) == ([[1, "root"]], OK)
        assert last_rsp_codes(rig) == ["U4", "STR"]
        assert rig.call(_ids.TLSC, ("U1", 2), ("U4", PEER_AUTH)) == ([[40, 0]], OK)
        assert rig.call(_ids.TLSC, ("U1", 1), ("U4", CA_CERT_NAME)) == ([[1, ""]], OK)
        assert tlsc(rig, 2, PRI_KEY_PASSWORD, "pw") == OK
        assert rig.status(_ids.TLSC, ("U1", 2), ("U4", PRI_KEY_PASSWORD), ("STR", "")) == OK
        assert rig.call(_ids.TLSC, ("U1", 2), ("U4", 4)) == ([[4, ""]], OK)  # cleared
        assert tlsc(rig, 2, 7, 3) == _ids.INVALID_PARAMETER  # CIPHER_SUITES_IDX 1-2
        assert tlsc(rig, 2, 21, 1) == ACCESS_DENIED  # SIGN_TYPES is read-only
        assert tlsc(rig, 2, CERT_NAME, "n" * 33) == _ids.INVALID_PARAMETER
        assert tlsc(rig, 2, SERVER_NAME, "s" * 256) == OK
        assert tlsc(rig, 2, 9, 1) == _ids.INVALID_PARAMETER  # digests (TLSCDA): not modelled
        for conf in (0, 5):
            assert rig.status(_ids.TLSC, ("U1", conf)) == _ids.INVALID_PARAMETER
        assert tlsc(rig, 2, 0, 0) == OK  # PRESET 0: the defaults again
        assert rig.call(_ids.TLSC, ("U1", 2), ("U4", 1)) == ([[1, ""]], OK)
        assert tlsc(rig, 3, DOMAIN_NAME, "kept.test") == OK
        rig.emu.reset(sdio=False)
        rig.host.drain()
        assert rig.call(_ids.TLSC, ("U1", 3), ("U4", 6)) == ([[6, ""]], OK)  # volatile


def test_socktls_refusals():
    with Rig() as rig:
        s, u = rig.open(TCP), rig.open(UDP)
        assert rig.call(_ids.SOCKTLS, sid(9), ("U1", 1)) == ([], _ids.SOCKET_ID_NOT_FOUND)
        for conf in (0, 5):
            assert rig.status(_ids.SOCKTLS, sid(s), ("U1", conf)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.SOCKTLS, sid(u), ("U1", 1)) == INVALID_PROTOCOL
        assert rig.status(_ids.SOCKTLS, sid(s)) == 0x0005  # INCORRECT_NUM_PARAMS
        assert rig.status(_ids.SOCKTLS, sid(s), ("U1", 1)) == OK
        assert rig.status(_ids.SOCKTLS, sid(s), ("U1", 2)) == OK  # not started: conf replaced
        rig.quiet(0.1)


# -- TLS client ------------------------------------------------------------------------------------


def test_tls_client_handshake_then_data_both_ways_encrypted_on_the_wire(pki):
    secret = b"the module's plaintext " * 300  # 6900 bytes: several TLS records
    with Rig(rx_buffer=4096) as rig, TcpEcho(context=pki.server_context()) as echo:
        relay = TcpRelay(echo.port)  # sees the bytes on the wire
        trust(rig, pki)
        s = rig.open(TCP)
        rig.mode(s, 4096, 1498)  # acknowledged push, as the driver receives
        rig.ok(_ids.SOCKTLS, sid(s), ("U1", 1))
        rig.ok(_ids.SOCKBR, sid(s), ("IPV4", "127.0.0.1"), ("U2", relay.port))
        assert rig.next("SOCKIND")[0] == s
        assert rig.next("SOCKTLS") == [s]
        assert rig.codes("SOCKTLS") == ["U2"]
        assert rig.status(_ids.SOCKTLS, sid(s), ("U1", 1)) == _ids.INVALID_PARAMETER  # done
        seq = 0
        for i in range(0, len(secret), 1460):
            assert write(rig, s, secret[i:i + 1460], seq) == OK
            seq += len(secret[i:i + 1460])
        got, acked = b"", 0
        while len(got) < len(secret):
            values = rig.next("SOCKRXT")
            assert values[0] == s and values[2] == len(got) & 0xFFFF
            got += values[3]
            if len(got) - acked >= 2048:  # credit the window as the driver does
                acked = len(got)
                rig.ok(_ids.SOCKC, sid(s), ("U4", 100), ("U4", acked & 0xFFFF))
        assert got == secret
        counts = rig.emu.counters(s)
        assert counts["written"] == counts["received"] == len(secret)
        rig.ok(_ids.SOCKCL, sid(s))
        rig.until(lambda: len(relay.downstream) > len(secret))
        for wire in (relay.upstream, relay.downstream):
            assert b"plaintext" not in wire
            assert wire[:1] == b"\x16"  # a TLS handshake record opens each direction
        assert echo.tls_errors == []
        relay.close()


def test_tls_client_sockbr_first_and_polled_reads(pki):
    with Rig() as rig, TcpEcho(context=pki.server_context()) as echo:
        trust(rig, pki)
        s = tls_connect(rig, echo.port, before=False)
        assert rig.next("SOCKTLS") == [s]
        echo_round(rig, s, b"polled hello")


@pytest.mark.parametrize("case", ["wrong CA", "wrong domain"])
def test_tls_client_verification_failures_give_sockerr_tls_failed(pki, case):
    with Rig() as rig:
        cert = pki.stranger if case == "wrong CA" else pki.server
        with TcpEcho(context=pki.server_context(cert)) as echo:
            trust(rig, pki, domain="localhost" if case == "wrong CA" else "other.test")
            s = tls_connect(rig, echo.port)
            assert rig.next("SOCKERR") == [s, _ids.SOCKET_TLS_FAILED]
            assert rig.codes("SOCKERR") == ["U2", "STATUS"]
            rig.quiet()  # no SOCKTLS, no SOCKCL: the id is the host's until SOCKCL
            assert write(rig, s, b"x", 0) == _ids.SOCKET_SEND_FAILED
            assert rig.emu.state["sockets"].socks[s].host is None
            rig.ok(_ids.SOCKCL, sid(s))
            rig.until(lambda: echo.tls_errors)


def test_tls_client_missing_ca_file_gives_sockerr_ca_cert_missing(pki):
    with Rig() as rig, TcpEcho(context=pki.server_context()) as echo:
        assert tlsc(rig, 1, CA_CERT_NAME, "absent") == OK
        s = tls_connect(rig, echo.port)
        assert rig.next("SOCKERR") == [s, TLS_CA_CERT_MISSING]
        assert tlsc(rig, 2, CA_CERT_NAME, "") == OK  # [INFERRED] no name: missing as well
        t = tls_connect(rig, echo.port, conf=2)
        assert rig.next("SOCKERR") == [t, TLS_CA_CERT_MISSING]
        # [INFERRED] like a failed connect, the id may connect again; now with the CA.
        trust(rig, pki)
        rig.ok(_ids.SOCKBR, sid(s), ("IPV4", "127.0.0.1"), ("U2", echo.port))
        assert rig.next("SOCKIND")[0] == s
        assert rig.next("SOCKTLS") == [s]
        echo_round(rig, s, b"second try")


def test_tls_client_without_peer_auth_accepts_an_untrusted_server(pki):
    with Rig() as rig, TcpEcho(context=pki.server_context(pki.stranger)) as echo:
        assert tlsc(rig, 1, PEER_AUTH, False) == OK
        assert tlsc(rig, 1, DOMAIN_NAME, "other.test") == OK  # not checked either
        s = tls_connect(rig, echo.port)
        assert rig.next("SOCKTLS") == [s]
        echo_round(rig, s, b"anyone will do")


@pytest.mark.parametrize("auth, verify, server_name, domain, sni", [
    (False, True, "sni.test", "", "sni.test"),  # SERVER_NAME, no verification
    (True, True, "ignored.test", "localhost", "localhost"),  # DOMAIN_NAME, verified
    (True, False, "", "localhost", None),  # verified chain, no name: no SNI
    (True, True, "plain.test", "", "plain.test"),  # no DOMAIN_NAME: no name check
])
def test_tls_client_sni(pki, auth, verify, server_name, domain, sni):
    seen = []
    ctx = pki.server_context()
    ctx.sni_callback = lambda sslobj, name, context: seen.append(name)
    with Rig() as rig, TcpEcho(context=ctx) as echo:
        trust(rig, pki, domain=domain)
        assert tlsc(rig, 1, PEER_AUTH, auth) == OK
        assert tlsc(rig, 1, PEER_DOMAIN_VERIFY, verify) == OK
        assert tlsc(rig, 1, SERVER_NAME, server_name) == OK
        s = tls_connect(rig, echo.port)
        assert rig.next("SOCKTLS") == [s]
        assert seen == [sni]


def test_tls_client_certificate_for_a_server_that_requires_one(pki):
    with Rig() as rig, TcpEcho(context=pki.server_context(client_ca=True)) as echo:
        trust(rig, pki)
        upload(rig, CERT, "client", chain_pem(pki.client))
        upload(rig, PRIKEY, "client.key", encrypted_key(pki.client, b"s3cret"))
        assert tlsc(rig, 1, CERT_NAME, "client") == OK
        assert tlsc(rig, 1, PRI_KEY_NAME, "client.key") == OK
        assert tlsc(rig, 1, PRI_KEY_PASSWORD, "s3cret") == OK
        s = tls_connect(rig, echo.port)
        assert rig.next("SOCKTLS") == [s]
        echo_round(rig, s, b"it is me")
        assert echo.peer_certs[0]["subjectAltName"] == (("DNS", "client.test"),)  # verified
        assert tlsc(rig, 1, PRI_KEY_PASSWORD, "wrong") == OK
        t = tls_connect(rig, echo.port)
        assert rig.next("SOCKERR") == [t, _ids.SOCKET_TLS_FAILED]  # the key does not open


def test_tls_client_without_the_certificate_a_server_requires_fails(pki):
    with Rig() as rig, TcpEcho(context=pki.server_context(client_ca=True)) as echo:
        trust(rig, pki)
        s = tls_connect(rig, echo.port)
        # TLS 1.3 finishes the client's handshake before the server judges it: the refusal
        # may come as a failed handshake or as an alert on the open session.
        first = rig.next()
        if first == [s]:
            assert rig.next("SOCKERR") == [s, _ids.SOCKET_SEND_FAILED]
            assert rig.next("SOCKCL") == [s]
        else:
            assert first == [s, _ids.SOCKET_TLS_FAILED]
        rig.until(lambda: echo.tls_errors)


def test_tls_handshake_under_way_refuses_writes_hides_data_and_times_out():
    with Rig(tls_handshake_ms=300) as rig:
        server, port = listener()
        assert tlsc(rig, 1, PEER_AUTH, False) == OK
        start = time.monotonic()
        s = tls_connect(rig, port)
        peer, _ = server.accept()
        hello = peer.recv(4096)
        assert hello[:1] == b"\x16"  # the module's ClientHello
        assert write(rig, s, b"early", 0) == _ids.SOCKET_NOT_READY  # [INFERRED]
        assert rig.next("SOCKERR", timeout_s=3) == [s, _ids.SOCKET_TLS_FAILED]
        assert time.monotonic() - start >= 0.3  # tls_handshake_ms
        assert peer.recv(10) == b""  # the module hung up
        t = tls_connect(rig, port)
        peer, _ = server.accept()
        peer.recv(4096)
        peer.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # not TLS: no SOCKRXT, a failure
        assert rig.next("SOCKERR") == [t, _ids.SOCKET_TLS_FAILED]
        rig.quiet()


@pytest.mark.parametrize("close_notify", [True, False])
def test_tls_peer_close_gives_sockcl_after_the_data(pki, close_notify):
    with Rig() as rig:
        source = TlsSource(5000, context=pki.server_context(), close_notify=close_notify)
        trust(rig, pki)
        s = rig.open(TCP)
        rig.mode(s, 0, 1498)  # simple push
        rig.ok(_ids.SOCKTLS, sid(s), ("U1", 1))
        rig.ok(_ids.SOCKBR, sid(s), ("IPV4", "127.0.0.1"), ("U2", source.port))
        assert rig.next("SOCKIND")[0] == s
        assert rig.next("SOCKTLS") == [s]
        data, _ = rig.pushed("SOCKRXT", s, 5000)
        assert data == source.data
        assert rig.next("SOCKCL") == [s]
        rig.ok(_ids.SOCKCL, sid(s))
        if close_notify:  # the host's SOCKCL answered with the module's close_notify
            assert source.unwrapped.wait(5)
        source.close()


def test_decrypted_bytes_beyond_the_receive_room_are_read_as_room_frees(pki):
    # One 16000-byte TLS record, a 4096-byte receive buffer: the rest waits inside ssl, where
    # select() cannot see it, and must still come as the host reads.
    hold = threading.Event()
    with Rig(rx_buffer=4096) as rig:
        source = TlsSource(16000, context=pki.server_context(), hold=hold)
        trust(rig, pki)
        s = tls_connect(rig, source.port)
        assert rig.next("SOCKTLS") == [s]
        assert read_all(rig, s, 16000) == source.data
        hold.set()
        while rig.next() != [s]:  # announcements that the reads above overtook
            assert rig.aecs[rig._taken - 1][0] == "SOCKRXT"
        assert rig.codes("SOCKCL") == ["U2"]
        source.close()


def test_sockcl_of_a_tls_socket_sends_close_notify(pki):
    with Rig() as rig:
        port = free_port()
        upload(rig, CERT, "srv", chain_pem(pki.server))
        upload(rig, PRIKEY, "srv.key", pki.server.private_key_pem.bytes())
        assert tlsc(rig, 2, CERT_NAME, "srv") == OK
        assert tlsc(rig, 2, PRI_KEY_NAME, "srv.key") == OK
        ls = rig.open(TCP)
        rig.ok(_ids.SOCKTLS, sid(ls), ("U1", 2))
        rig.ok(_ids.SOCKBL, sid(ls), ("U2", port))

        def client():
            with pki.client_context().wrap_socket(socket.create_connection(
                    ("127.0.0.1", port), 5), server_hostname="localhost") as c:
                c.settimeout(5)
                c.recv(10)  # b"" on close_notify
                c.unwrap().close()  # raises unless the close was a TLS close_notify
                return True

        peer = InThread(client)
        child = rig.next("SOCKIND")[0]
        assert rig.next("SOCKTLS") == [child]
        rig.ok(_ids.SOCKCL, sid(child))
        assert peer.get(rig) is True


# -- TLS server and upgrade ------------------------------------------------------------------------


def _tls_listener(rig, pki, conf=2, client_auth=False, password=None):
    upload(rig, CERT, "srv", chain_pem(pki.server))
    key = (encrypted_key(pki.server, password.encode()) if password
           else pki.server.private_key_pem.bytes())
    upload(rig, PRIKEY, "srv.key", key)
    assert tlsc(rig, conf, CERT_NAME, "srv") == OK
    assert tlsc(rig, conf, PRI_KEY_NAME, "srv.key") == OK
    if password:
        assert tlsc(rig, conf, PRI_KEY_PASSWORD, password) == OK
    if client_auth:
        upload(rig, CERT, "ca", pki.ca.cert_pem.bytes())
        assert tlsc(rig, conf, CA_CERT_NAME, "ca") == OK
    else:
        assert tlsc(rig, conf, PEER_AUTH, False) == OK
    port = free_port()
    ls = rig.open(TCP)
    rig.ok(_ids.SOCKTLS, sid(ls), ("U1", conf))
    rig.ok(_ids.SOCKBL, sid(ls), ("U2", port), ("U1", 2))
    return ls, port


def _client(pki, port, cert=None, message=b"ping"):
    def run():
        raw = socket.create_connection(("127.0.0.1", port), 5)
        with pki.client_context(cert).wrap_socket(raw, server_hostname="localhost") as c:
            c.settimeout(5)
            c.sendall(message)
            return recv_exactly(c, len(message)), c.getpeercert()["subjectAltName"]

    return InThread(run)


def test_tls_listener_serves_a_verifying_ssl_client(pki):
    with Rig() as rig:
        ls, port = _tls_listener(rig, pki, password="srvpw")
        peer = _client(pki, port)
        ind = rig.next("SOCKIND")
        child = ind[0]
        assert child == ls + 1 and ind[1:3] == ["127.0.0.1", port]
        assert rig.next("SOCKTLS") == [child]
        assert read_all(rig, child, 4) == b"ping"
        assert write(rig, child, b"ping", 0) == OK
        assert peer.get(rig) == (b"ping", (("DNS", "localhost"),))
        assert rig.next("SOCKCL") == [child]  # the client closed
        second = _client(pki, port, message=b"again")
        assert rig.next("SOCKIND")[0] == child + 1  # the listener goes on
        assert rig.next("SOCKTLS") == [child + 1]
        echo = read_all(rig, child + 1, 5)
        assert write(rig, child + 1, echo, 0) == OK
        assert second.get(rig)[0] == b"again"


def test_tls_listener_requiring_a_client_certificate(pki):
    with Rig() as rig:
        ls, port = _tls_listener(rig, pki, client_auth=True)
        anonymous = _client(pki, port)
        child = rig.next("SOCKIND")[0]
        assert rig.next("SOCKERR") == [child, _ids.SOCKET_TLS_FAILED]
        rig.until(anonymous.done.is_set)
        assert isinstance(anonymous.error, OSError)  # refused by the module's alert
        rig.ok(_ids.SOCKCL, sid(child))
        peer = _client(pki, port, cert=pki.client)
        child = rig.next("SOCKIND")[0]
        assert rig.next("SOCKTLS") == [child]
        assert write(rig, child, b"ping", 0) == OK
        assert read_all(rig, child, 4) == b"ping"
        assert peer.get(rig)[0] == b"ping"


def test_tls_listener_without_its_key_pair_fails_each_handshake(pki):
    with Rig() as rig:
        assert tlsc(rig, 3, PEER_AUTH, False) == OK
        ls = rig.open(TCP)
        port = free_port()
        rig.ok(_ids.SOCKTLS, sid(ls), ("U1", 3))
        rig.ok(_ids.SOCKBL, sid(ls), ("U2", port))
        peer = _client(pki, port)
        child = rig.next("SOCKIND")[0]
        assert rig.next("SOCKERR") == [child, _ids.SOCKET_TLS_FAILED]
        rig.until(peer.done.is_set)
        assert isinstance(peer.error, OSError)


def test_socktls_upgrades_a_connected_socket(pki):
    with Rig() as rig:
        peer = StartTlsEcho(pki.server_context())
        trust(rig, pki)
        s = rig.open(TCP)
        rig.ok(_ids.SOCKBR, sid(s), ("IPV4", "127.0.0.1"), ("U2", peer.port))
        assert rig.next("SOCKIND")[0] == s
        assert write(rig, s, b"STARTTLS\n", 0) == OK
        assert read_all(rig, s, 3) == b"GO\n"
        rig.ok(_ids.SOCKTLS, sid(s), ("U1", 1))  # [INFERRED] (A.7.7): the handshake starts
        assert rig.next("SOCKTLS") == [s]
        echo_round(rig, s, b"now private", seq=9)
        peer.close()


def test_reset_drops_tls_sessions(pki):
    with Rig() as rig:
        ls, port = _tls_listener(rig, pki)

        def client():
            raw = socket.create_connection(("127.0.0.1", port), 5)
            with pki.client_context().wrap_socket(raw, server_hostname="localhost") as c:
                c.settimeout(5)
                c.sendall(b"x")
                try:
                    return c.recv(10)
                except OSError as e:
                    return e

        peer = InThread(client)
        child = rig.next("SOCKIND")[0]
        assert rig.next("SOCKTLS") == [child]
        rig.next("SOCKRXT")
        scratch = rig.emu.state["tls"].directory  # where the key pair was handed to ssl
        assert os.path.isdir(scratch) and not os.listdir(scratch)
        rig.emu.reset(sdio=False)
        rig.host.drain()
        assert peer.done.wait(5)
        assert peer.result == b"" or isinstance(peer.result, OSError)
        assert rig.status(_ids.SOCKCL, sid(child)) == _ids.SOCKET_ID_NOT_FOUND
        assert not os.path.exists(scratch)
