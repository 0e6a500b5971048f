"""winc.aio under MicroPython's asyncio: open_connection/start_server through the module."""

import hostnet
from support import MICROPYTHON, device_up, raises, skip

ECONNREFUSED = 111
_CPYTHON = ("CPython's asyncio waits on file descriptors; a winc socket has none (its "
            "readiness is ioctl), so winc.aio runs on MicroPython's asyncio only")


def _free_port():
    probe, port = hostnet.listener()
    probe.close()
    return port


def test_echo_server_and_client_both_on_the_module_and_a_refused_connection():
    if not MICROPYTHON:
        skip(_CPYTHON)
    import asyncio

    from winc import aio

    emu, dev = device_up()
    port = _free_port()

    async def echo(reader, writer):
        data = await reader.readline()
        writer.write(data.upper())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await aio.start_server(echo, "127.0.0.1", port)
        try:
            reader, writer = await aio.open_connection("localhost", port)  # the module's DNS
            writer.write(b"through the module twice\n")
            await writer.drain()
            line = await reader.readline()
            writer.close()
            await writer.wait_closed()
            return line
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(asyncio.wait_for(main(), 10)) == b"THROUGH THE MODULE TWICE\n"

    async def refused():
        await aio.open_connection("127.0.0.1", _free_port())  # nobody listens there

    e = raises(OSError, asyncio.run, asyncio.wait_for(refused(), 10))
    assert e.errno == ECONNREFUSED
