"""asyncio streams over winc sockets (C.1, C.10): an echo client under MicroPython's asyncio.

MicroPython's asyncio waits on select.poll, which asks a winc socket through ioctl(3, flags);
the socket's ioctl pumps the device when INT is asserted, so nothing else drives the driver.
The echo server is MicroPython's own asyncio.start_server on a host socket in the same loop.
"""

import hostnet
from support import MICROPYTHON, device, emulator, skip

from winc import socket as ws

EINPROGRESS = 115
_CPYTHON = ("CPython's asyncio waits on file descriptors through selectors; a winc socket has "
            "no descriptor (its readiness is ioctl(3, flags)), so only MicroPython's asyncio, "
            "whose poll calls ioctl, can wrap it")


def _port():
    probe, port = hostnet.listener()
    probe.close()  # start_server binds it again (SO_REUSEADDR)
    return port


def test_asyncio_echo_client():
    if not MICROPYTHON:
        skip(_CPYTHON)
    import asyncio

    emu = emulator()
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    port = _port()
    bulk = bytes(range(256)) * 12

    async def echo(reader, writer):
        while True:
            data = await reader.read(512)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def client():
        s = ws.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except OSError as e:
            if e.errno != EINPROGRESS:
                raise
        reader = asyncio.StreamReader(s)
        writer = asyncio.StreamWriter(s, {})
        writer.write(b"hello over winc\n")
        await writer.drain()  # waits for POLLOUT: the connection first
        line = await reader.readline()
        writer.write(bulk)
        await writer.drain()
        got = await reader.readexactly(len(bulk))
        emu.clear_log()  # the SOCKWR payloads would not fit a 64 KB heap as JSON
        writer.close()
        await writer.wait_closed()
        return line, got, s

    async def main():
        server = await asyncio.start_server(echo, "127.0.0.1", port)
        try:
            return await asyncio.wait_for(client(), 10)
        finally:
            server.close()
            await server.wait_closed()

    line, got, s = asyncio.run(main())
    assert line == b"hello over winc\n"
    assert got == bulk
    assert s.ioctl(3, ws.POLLIN) == ws.POLLNVAL  # closed by the writer
    dev.pump(100)  # the SOCKCL goes out with the next pump
    assert [params for name, params in emu.log() if name == "SOCKCL"] == [[s._id]]
