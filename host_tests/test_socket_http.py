"""A winc TCP client against a real local HTTP server: request, headers, body, keep-alive."""
# cpython only: the HTTP server is CPython's http.server in a thread

import peers
from support import device, emulator

from winc import socket as ws


def _response(s):
    """(status line, headers dict, body) of one HTTP/1.1 response read through the stream API."""
    status = s.readline()
    headers = {}
    while True:
        line = s.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    body = bytearray()
    while len(body) < length:
        chunk = s.recv(length - len(body))
        assert chunk, "EOF inside the body"
        body += chunk
    return status, headers, bytes(body)


def test_http_get_through_the_module_with_keep_alive():
    emu = emulator()
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    emu.dns("web.test", ["127.0.0.1"])
    server = peers.HttpServer()
    try:
        addr = ws.getaddrinfo("web.test", server.port)[0][-1]
        s = ws.socket()
        s.settimeout(5)
        s.connect(addr)
        for size in (0, 100, 70000):  # two requests on one connection, then a large body
            s.sendall(b"GET /%d HTTP/1.1\r\nHost: web.test\r\n\r\n" % size)
            status, headers, body = _response(s)
            assert status == b"HTTP/1.1 200 OK\r\n"
            assert body == peers.HttpServer.body(size)
        s.close()
    finally:
        server.close()
