"""winc.tls on both runtimes: certificates go to the module once, and a peer that is not TLS
sees a TLS ClientHello, never plaintext, while the socket fails with ECONNABORTED."""

import hostnet
from support import device_up, raises

from winc import socket as ws
from winc import tls

ECONNABORTED, EINPROGRESS, ENOTCONN = 103, 115, 107

# A throwaway test CA (trustme); any valid certificate does: no peer here completes a handshake.
CA_PEM = (
    b"-----BEGIN CERTIFICATE-----\n"
    b"MIIByTCCAW+gAwIBAgIUBapm0ZUanyoKqENeJfsm2DIRGDwwCgYIKoZIzj0EAwIw\n"
    b"QDEXMBUGA1UECgwOdHJ1c3RtZSB2MS4yLjExJTAjBgNVBAsMHFRlc3RpbmcgQ0Eg\n"
    b"I0VLdmxrTUx4OWJDWXhjS1kwIBcNMDAwMTAxMDAwMDAwWhgPMzAwMDAxMDEwMDAw\n"
    b"MDBaMEAxFzAVBgNVBAoMDnRydXN0bWUgdjEuMi4xMSUwIwYDVQQLDBxUZXN0aW5n\n"
    b"IENBICNFS3Zsa01MeDliQ1l4Y0tZMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
    b"FpW4piPB8P/T9oRtWMH0GPMmabYbiG7PMm1jnVl8awcdCjngFYx1yeOn24tuo+x7\n"
    b"ga+gNal6pM+qg3xtULHfSqNFMEMwHQYDVR0OBBYEFNNywoAxmN5LKuyQYlY/aQJm\n"
    b"eDu4MBIGA1UdEwEB/wQIMAYBAf8CAQkwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49\n"
    b"BAMCA0gAMEUCIHkGWjpVJu+k6MyngA706Jrex8iS42Wr2DiUDGcHRqtIAiEAzWhr\n"
    b"XGCErXaFovUy2tTlxIXi2R02YoDsdVuVMp3rUU8=\n"
    b"-----END CERTIFICATE-----\n"
)


def _tls_attempt(emu, dev, ctx):
    """A non-blocking TLS connect to a plain host listener; the bytes the listener got."""
    server, port = hostnet.listener()
    server.settimeout(0.01)  # accepted while the module is pumped
    s = ctx.wrap_socket(ws.socket(), server_hostname="localhost")
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == EINPROGRESS
    conn, _ = hostnet.pumped(dev, server.accept)
    first = hostnet.recv_exactly(conn, 5, dev)
    conn.close()  # not TLS: the module's handshake fails
    while not s._err:
        dev.pump(10)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == ECONNABORTED
    assert raises(OSError, s.send, b"secret").errno == ENOTCONN  # nothing goes out in clear
    s.close()
    server.close()
    return first


def test_the_ca_is_uploaded_once_and_a_plain_peer_gets_only_a_client_hello():
    emu, dev = device_up()
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=CA_PEM)
    first = _tls_attempt(emu, dev, ctx)
    assert first[0] == 0x16 and first[1] == 3  # a TLS handshake record: the ClientHello
    files = emu.fs_files()
    assert len(files) == 1 and list(files.values()) == [len(CA_PEM)]
    emu.clear_log()
    _tls_attempt(emu, dev, ctx)
    names = [name for name, _ in emu.log()]
    assert "FSTSFR" not in names and "TLSC" not in names and names.count("SOCKTLS") == 1
