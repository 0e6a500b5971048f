"""Real host peers on loopback for the socket tests (CPython): echo servers, clients, senders.

Each peer runs in a daemon thread on 127.0.0.1 (or ::1) and an ephemeral port; `close()` stops
it. Given an ssl.SSLContext, the servers speak TLS on each connection. Nothing here ever binds
or connects outside 127.0.0.0/8 and ::1.
"""

import hashlib
import socket
import threading


def _tls_server_side(conn, context, timeout=5):
    """conn wrapped by a server-side handshake under `context` (SSLError etc. if it fails)."""
    conn.settimeout(timeout)
    return context.wrap_socket(conn, server_side=True)


class TcpEcho:
    """Echoes every byte on every connection, one thread each; `port`. A context manager.

    With an ssl `context` each connection is TLS: `tls_errors` lists failed handshakes, and
    `peer_certs` the client certificates (getpeercert()) of those that succeeded.
    """

    def __init__(self, host="127.0.0.1", context=None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._server = socket.socket(family, socket.SOCK_STREAM)
        self._server.bind((host, 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._context = context
        self.tls_errors = []
        self.peer_certs = []
        self._conns = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return  # closed
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        if self._context is not None:
            try:
                conn = _tls_server_side(conn, self._context)
            except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
                self.tls_errors.append(e)
                conn.close()
                return
            conn.settimeout(None)
            self._conns.append(conn)
            self.peer_certs.append(conn.getpeercert())
        self._echo(conn)

    @staticmethod
    def _echo(conn):
        with conn:
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)
            except OSError:
                return

    def close(self):
        for sock in [self._server] + self._conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the threads blocked in accept/recv
            except OSError:
                pass
        self._server.close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _OneConnection:
    """A loopback listener that hands its first connection to _serve(conn) in a thread; with
    an ssl `context`, after a server-side handshake."""

    def __init__(self, context=None):
        self._context = context
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            conn, _ = self._server.accept()
            if self._context is not None:
                conn = _tls_server_side(conn, self._context)
        except (OSError, ValueError):
            return
        with conn:
            self._serve(conn)

    def close(self):
        self._server.close()


class TcpSource(_OneConnection):
    """Sends `size` pseudo-random bytes to a connection, then closes; `digest` is SHA-256."""

    def __init__(self, size, context=None):
        self.data = _pattern(size)
        self.digest = hashlib.sha256(self.data).hexdigest()
        super().__init__(context)

    def _serve(self, conn):
        conn.sendall(self.data)


class TlsSource(TcpSource):
    """A TcpSource over TLS under `context`. With `close_notify` the close is a TLS
    close_notify (then it waits up to 5 s for the other side's; `unwrapped` is set once that
    came), else a bare TCP close. With `hold` (an Event) it waits for that before closing."""

    def __init__(self, size, context, close_notify=True, hold=None):
        self._close_notify = close_notify
        self._hold = hold
        self.unwrapped = threading.Event()
        super().__init__(size, context)

    def _serve(self, conn):
        conn.sendall(self.data)
        if self._hold is not None:
            self._hold.wait(30)
        if self._close_notify:
            try:
                conn.unwrap()
                self.unwrapped.set()
            except (OSError, ValueError):
                pass


class TcpSink(_OneConnection):
    """Reads a connection to EOF; `result()` waits and returns (byte count, SHA-256)."""

    def __init__(self):
        self._done = threading.Event()
        self._hash = hashlib.sha256()
        self.count = 0
        super().__init__()

    def _serve(self, conn):
        while True:
            data = conn.recv(65536)
            if not data:
                break
            self.count += len(data)
            self._hash.update(data)
        self._done.set()

    def result(self, timeout=30):
        assert self._done.wait(timeout), "sink never saw EOF"
        return self.count, self._hash.hexdigest()


class TcpRelay(_OneConnection):
    """Forwards one connection to 127.0.0.1:`target` and back, keeping what passed each way:
    `upstream` (to the target) and `downstream`, both bytearrays."""

    def __init__(self, target):
        self._target = target
        self.upstream = bytearray()
        self.downstream = bytearray()
        super().__init__()

    def _serve(self, conn):
        with socket.create_connection(("127.0.0.1", self._target), 5) as far:
            far.settimeout(None)
            back = threading.Thread(target=self._pump, args=(far, conn, self.downstream),
                                    daemon=True)
            back.start()
            self._pump(conn, far, self.upstream)
            back.join(5)

    @staticmethod
    def _pump(src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                record += data
                dst.sendall(data)
        except OSError:
            return


class StartTlsEcho(_OneConnection):
    """Plain text until it reads b"STARTTLS\n", answers b"GO\n", then a TLS echo under
    `context` (the module upgrades the connection it has)."""

    def __init__(self, context):
        self._tls = context
        super().__init__()

    def _serve(self, conn):
        conn.settimeout(5)
        line = b""
        while not line.endswith(b"\n"):
            more = conn.recv(1)
            if not more:
                return
            line += more
        if line != b"STARTTLS\n":
            return
        conn.sendall(b"GO\n")
        try:
            tls = self._tls.wrap_socket(conn, server_side=True)  # conn is detached
        except (OSError, ValueError):
            return
        with tls:
            TcpEcho._echo(tls)


class UdpEcho:
    """Sends every datagram back to its sender; `port`, `seen` (list of (data, addr))."""

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except OSError:
                return
            self.seen.append((data, addr))
            self.sock.sendto(data, addr)

    def close(self):
        self.sock.close()


def drain(sock, bufsize=4096):
    """Read a winc socket to EOF with recv_into: (byte count, SHA-256 hex digest)."""
    h = hashlib.sha256()
    buf = bytearray(bufsize)
    got = 0
    while True:
        n = sock.recv_into(buf)
        if not n:
            return got, h.hexdigest()
        h.update(memoryview(buf)[:n])
        got += n


def _pattern(size):
    """Deterministic bytes that are not periodic within a 64 KiB window."""
    out = bytearray()
    block = 0
    while len(out) < size:
        out += hashlib.sha256(block.to_bytes(4, "big")).digest()
        block += 1
    return bytes(out[:size])


class HttpServer:
    """http.server on loopback serving GET /<n> as n deterministic bytes; `port`, close()."""

    def __init__(self):
        import http.server

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                body = _pattern(int(self.path.strip("/") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @staticmethod
    def body(n):
        return _pattern(n)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
