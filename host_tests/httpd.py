"""A real HTTP/1.1 server on 127.0.0.1 for client-library tests (CPython): http.server in
threads, plain or TLS (an ssl.SSLContext), keep-alive, fixed-length, chunked and echo replies.

GET /bytes/<n>    n deterministic bytes (peers.HttpServer.body), with Content-Length
GET /chunked/<n>  the same n bytes, Transfer-Encoding: chunked in pieces of growing size
POST /echo        the request body back, with its Content-Type
"""

import http.server
import threading

from peers import HttpServer as _Bytes

CHUNK_SIZES = (1, 7, 100, 1000, 5000)  # then repeated: short pieces and ones over a TCP frame


def body(n):
    return _Bytes.body(n)


def chunks(n):
    """The pieces GET /chunked/<n> sends: CHUNK_SIZES over and over, the last one cut short."""
    data = body(n)
    out = []
    at = i = 0
    while at < n:
        size = CHUNK_SIZES[i % len(CHUNK_SIZES)]
        out.append(data[at:at + size])
        at += size
        i += 1
    return out


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: ConnectionManager reuses the socket
    timeout = 10  # an idle kept-alive connection ends on its own

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(("GET", self.path, self.headers.get("Host")))
        kind, _, size = self.path.strip("/").partition("/")
        if kind == "bytes" and size.isdigit():
            self._reply(body(int(size)), "application/octet-stream")
        elif kind == "chunked" and size.isdigit():
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in chunks(int(size)):  # by hand: http.server has no chunked writer
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._reply(b"not found\n", "text/plain", 404)

    def do_POST(self):  # noqa: N802
        self.server.requests.append(("POST", self.path, self.headers.get("Host")))
        data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/echo":
            self._reply(data, self.headers.get("Content-Type", "application/octet-stream"))
        else:
            self._reply(b"not found\n", "text/plain", 404)

    def _reply(self, data, content_type, status=200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context):
        self.context = context
        self.requests = []  # (method, path, Host header) in arrival order
        self.tls_errors = []  # failed handshakes
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request, client_address):
        if self.context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(10)
        try:  # the handshake in the connection's own thread, not the accepting one
            conn = self.context.wrap_socket(request, server_side=True)
        except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
            self.tls_errors.append(e)
            return
        with conn:
            super().finish_request(conn, client_address)


class HttpServer:
    """HttpServer(context=None): the server above on an ephemeral port; `port`, `requests`,
    `tls_errors`, close(). A context manager."""

    def __init__(self, context=None):
        self._server = _Server(context)
        self.port = self._server.server_address[1]
        self.requests = self._server.requests
        self.tls_errors = self._server.tls_errors
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
