"""aio: asyncio's open_connection() and start_server() over winc sockets (MicroPython asyncio).

asyncio's own versions create the built-in `socket`; these make winc sockets and hand them to
the same asyncio Stream. Waiting is done with the sockets' ioctl poll, which pumps the device.
"""

import asyncio

from . import socket as _socket
from ._compat import const

_EINPROGRESS = const(115)
_POLL = const(3)  # MP_STREAM_POLL
_WAIT_MS = const(5)  # poll cadence while a connect or an accept is pending


async def _until(sock, flags):
    """Wait until ioctl(POLL) reports one of flags (or an error/hang-up); returns the mask."""
    while True:
        ready = sock.ioctl(_POLL, flags)
        if ready & (flags | _socket.POLLERR | _socket.POLLHUP | _socket.POLLNVAL):
            return ready
        await asyncio.sleep_ms(_WAIT_MS)


async def open_connection(host, port, ssl=None, server_hostname=None, *, dev=None):
    """(reader, writer) for a TCP connection through the module; ssl: a winc.tls.SSLContext
    (the handshake happens on the module before this returns)."""
    family, _, _, _, address = _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM,
                                                   dev=dev)[0]
    sock = _socket.socket(family, _socket.SOCK_STREAM, dev=dev)
    if ssl:
        sock = ssl.wrap_socket(sock, server_hostname=server_hostname or host)
    sock.setblocking(False)
    try:
        sock.connect(address)
    except OSError as e:
        if e.errno != _EINPROGRESS:
            sock.close()
            raise
    if await _until(sock, _socket.POLLOUT) & (_socket.POLLERR | _socket.POLLHUP):
        try:
            sock.connect(address)  # raises the connection's own error (ECONNREFUSED...)
        finally:
            sock.close()
    stream = asyncio.StreamReader(sock)  # MicroPython: the one Stream class, both ways
    return stream, stream


class Server:
    """What start_server() returns: close() stops accepting; await wait_closed()."""

    def __init__(self, sock, callback):
        self._sock = sock
        self._callback = callback
        self._task = asyncio.create_task(self._serve())

    async def _serve(self):
        sock = self._sock
        while True:
            await _until(sock, _socket.POLLIN)
            try:
                child, _ = sock.accept()
            except OSError:
                if sock.ioctl(_POLL, 0) & _socket.POLLNVAL:
                    return  # closed
                continue
            child.setblocking(False)
            stream = asyncio.StreamReader(child)
            asyncio.create_task(self._callback(stream, stream))

    def close(self):
        self._task.cancel()
        self._sock.close()

    async def wait_closed(self):
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
        await self.wait_closed()


async def start_server(callback, host, port, backlog=5, ssl=None, *, dev=None):
    """Accept connections on host:port through the module; callback(reader, writer) runs as a
    task for each. ssl: a winc.tls server SSLContext."""
    family, _, _, _, address = _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM,
                                                   dev=dev)[0]
    sock = _socket.socket(family, _socket.SOCK_STREAM, dev=dev)
    if ssl:
        sock = ssl.wrap_socket(sock, server_side=True)
    sock.bind(address)
    sock.listen(backlog)
    sock.setblocking(False)
    return Server(sock, callback)
