"""Host-side loopback peers without threads, for tests that run under CPython and MicroPython.

The kernel completes TCP handshakes into a listening socket's backlog by itself, so a test can
connect a winc socket to a host listener and accept() afterwards. MicroPython's unix socket
module wants raw sockaddrs and has no getsockname(), hence the explicit ports here.
"""

import socket

from support import MICROPYTHON

_next_port = [0]


def sockaddr(ip, port):
    if MICROPYTHON:
        return socket.getaddrinfo(ip, port)[0][-1]
    return (ip, port)


def _port():
    if not _next_port[0]:
        import time

        seed = time.ticks_ms() if MICROPYTHON else int(time.time() * 1000)
        _next_port[0] = 20000 + seed % 20000
    _next_port[0] += 1
    return _next_port[0]


def _family(ip):
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def _bound(kind, ip):
    for _ in range(100):
        port = _port()
        s = socket.socket(_family(ip), kind)
        try:
            s.bind(sockaddr(ip, port))
        except OSError:
            s.close()
            continue
        return s, port
    raise OSError("no free port")


def listener(ip="127.0.0.1"):
    """(listening TCP socket, port); ip "::1" gives an IPv6 one (as for udp())."""
    s, port = _bound(socket.SOCK_STREAM, ip)
    s.listen(4)
    return s, port


def udp(ip="127.0.0.1"):
    """(bound UDP socket, port)."""
    return _bound(socket.SOCK_DGRAM, ip)


def connect(ip, port):
    s = socket.socket(_family(ip), socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sockaddr(ip, port))
    return s


def client(ip, port):
    """(TCP socket connected to (ip, port), its local port): the port is chosen here, since
    MicroPython has no getsockname()."""
    s, local = _bound(socket.SOCK_STREAM, ip)
    s.settimeout(5)
    s.connect(sockaddr(ip, port))
    return s, local


def pumped(dev, fn, *args):
    """fn(*args) on a host socket, retried while dev is pumped: the tests run driver and
    emulator in one thread, and the emulator only moves data when the driver talks to it.
    The socket must have a short timeout (0.01 s); returns fn's result."""
    import time

    deadline = time.time() + 5
    while True:
        try:
            return fn(*args)
        except OSError:
            if time.time() > deadline:
                raise
            dev.pump(10)


def recv_exactly(sock, n, dev):
    """Read n bytes from a host socket, pumping dev meanwhile."""
    sock.settimeout(0.01)
    out = b""
    while len(out) < n:
        chunk = pumped(dev, sock.recv, n - len(out))
        if not chunk:
            break
        out += chunk
    return out
