"""End to end on both runtimes: winc.socket -> device -> SPI link -> emulator -> host sockets.

The peers are plain host sockets driven inline (hostnet.py), so these tests run unchanged
under CPython and under the MicroPython interpreter.
"""

import hostnet
from sockrig import recv_exactly
from support import LINK, MICROPYTHON, device, device_up, emulator, raises, skip, spi_only

from winc import socket as ws

EAGAIN, EINPROGRESS, ENOTCONN = 11, 115, 107


def _net():
    return device_up()


def test_tcp_client_round_trip_through_a_host_server():
    emu, dev = _net()
    server, port = hostnet.listener()
    s = ws.socket()
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(5)
    payload = bytes(range(256)) * 12
    s.sendall(payload)
    assert hostnet.recv_exactly(conn, len(payload), dev) == payload
    conn.send(b"reply from the host")
    assert recv_exactly(s, 19) == b"reply from the host"
    conn.close()
    assert s.recv(10) == b""  # the host closed: EOF
    s.close()
    server.close()


def test_tcp_server_accepts_a_host_client():
    emu, dev = _net()
    ls = ws.socket()
    ls.settimeout(5)
    ls.bind(("", 0))
    ls.listen(2)
    port = ls.getsockname()[1]
    client = hostnet.connect("127.0.0.1", port)
    child, addr = ls.accept()
    assert addr[0] == "127.0.0.1"
    child.settimeout(5)
    client.send(b"ping")
    assert recv_exactly(child, 4) == b"ping"
    child.sendall(b"pong")
    assert hostnet.recv_exactly(client, 4, dev) == b"pong"
    child.close()
    client.close()
    ls.close()


def test_udp_both_ways():
    emu, dev = _net()
    peer, peer_port = hostnet.udp()
    peer.settimeout(0.01)
    u = ws.socket(ws.AF_INET, ws.SOCK_DGRAM)
    u.settimeout(5)
    u.bind(("", 0))
    port = u.getsockname()[1]
    assert u.sendto(b"to the host", ("127.0.0.1", peer_port)) == 11
    data, _ = hostnet.pumped(dev, peer.recvfrom, 100)
    assert data == b"to the host"
    peer.sendto(b"to winc", hostnet.sockaddr("127.0.0.1", port))
    data, source = u.recvfrom(100)
    assert data == b"to winc" and source == ("127.0.0.1", peer_port)
    u.close()
    peer.close()


def test_non_blocking_connect_with_poll():
    _net()
    server, port = hostnet.listener()
    s = ws.socket()
    s.setblocking(False)
    assert raises(OSError, s.connect, ("127.0.0.1", port)).errno == EINPROGRESS
    if MICROPYTHON:
        import select  # MicroPython's own poll works on winc sockets through ioctl
    else:
        from winc import select
    p = select.poll()
    p.register(s, select.POLLOUT)
    ready = p.poll(5000)
    assert len(ready) == 1 and ready[0][1] & select.POLLOUT
    assert raises(OSError, s.recv, 1).errno == EAGAIN
    s.close()
    server.close()


def test_recv_on_a_fresh_socket_is_enotconn():
    _net()
    s = ws.socket()
    assert raises(OSError, s.recv, 1).errno == ENOTCONN
    s.close()


def test_poll_without_an_int_pin_asks_the_module_at_most_every_10_ms():
    spi_only("without INT the SPI link asks the module over the bus; a UART just listens")
    import time

    emu = emulator()
    dev = device(emu, irq=False, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    s = ws.socket()
    emu.clear_bus_counts()
    t0 = time.ticks_ms() if MICROPYTHON else time.monotonic() * 1000
    for _ in range(200):  # what select.poll/asyncio do: ioctl about once a millisecond
        s.ioctl(3, ws.POLLIN)
    took = (time.ticks_ms() if MICROPYTHON else time.monotonic() * 1000) - t0
    frames = emu.bus_counts()["frames"]
    assert frames <= took / 10 + 1  # one INT_ID read per 10 ms window, not one per call
    s.close()


def _connected(rxbuf=4096, txbuf=2048):
    server, port = hostnet.listener()
    s = ws.socket(rxbuf=rxbuf, txbuf=txbuf)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.settimeout(5)
    server.close()
    return s, conn


def test_msg_peek_reads_across_the_end_of_the_receive_ring():
    emu, dev = _net()
    s, conn = _connected(rxbuf=2048)
    first = bytes(range(250)) * 6
    conn.send(first)
    assert recv_exactly(s, 1500) == first  # the ring's read position is now 1500 of 2049
    second = bytes(range(7, 207)) * 5
    conn.send(second)
    while len(s.recv(1000, ws.MSG_PEEK)) < 1000:  # all of it buffered, nothing consumed
        dev.pump(5)
    assert s.recv(1000, ws.MSG_PEEK) == second
    assert recv_exactly(s, 1000) == second
    conn.close()
    s.close()


def test_tcp_acks_credit_whole_frames_once_all_but_one_frame_is_read():
    emu, dev = _net()
    s, conn = _connected(rxbuf=8192)
    s.setsockopt(ws.SOL_SOCKET, ws.SO_ASYNC_MODE, ws.ASYNC_ACKED)  # the AT link reads polled
    emu.clear_log()
    total = 64 * 1024
    block = bytes(range(256)) * 16
    sent = got = 0
    buf = bytearray(1000)
    while got < total:
        if sent < total:
            sent += hostnet.pumped(dev, conn.send, block[: min(len(block), total - sent)])
        got += s.recv_into(buf)
    acks = [params[2] for name, params in emu.log() if name == "SOCKC" and params[1] == 100]
    base = 0
    for ack in acks:
        step = (ack - base) & 0xFFFF
        assert step and step % 1496 == 0, acks  # whole 1496-byte frames: never a short one
        base = ack
    assert 5 <= len(acks) <= total // (5 * 1496) + 1, acks  # five frames of 8 KiB per ack
    conn.close()
    s.close()


def test_a_short_chunk_waits_for_the_write_in_flight_unless_tcp_nodelay():
    emu, dev = _net()
    s, conn = _connected()
    emu.clear_log()
    emu.hold("SOCKWR")  # the module keeps the first write's STATUS back
    assert s.send(b"a" * 100) == 100
    assert s.send(b"b" * 100) == 100
    dev.pump(20)
    assert [p[1] for n, p in emu.log() if n == "SOCKWR"] == [100]
    emu.release()  # its STATUS: the held bytes go out now
    assert hostnet.recv_exactly(conn, 200, dev) == b"a" * 100 + b"b" * 100
    assert [p[1] for n, p in emu.log() if n == "SOCKWR"] == [100, 100]

    s.setsockopt(ws.IPPROTO_TCP, ws.TCP_NODELAY, 1)
    emu.clear_log()
    emu.hold("SOCKWR")
    s.send(b"c" * 10)
    s.send(b"d" * 10)
    dev.pump(20)
    # Both go at once on SPI; AT allows one command in flight, so there the second follows
    # the first's result.
    in_flight = [10, 10] if LINK == "spi" else [10]
    assert [p[1] for n, p in emu.log() if n == "SOCKWR"] == in_flight
    emu.release()
    assert hostnet.recv_exactly(conn, 20, dev) == b"c" * 10 + b"d" * 10
    conn.close()
    s.close()


def test_steady_state_recv_into_and_send_allocate_nothing():
    if not MICROPYTHON:
        skip("heap bytes are counted by MicroPython's micropython.mem_total")
    spi_only("the meter wraps the SPI bus; the UART data path still allocates (issue 8)")
    from heapmeter import Meter, metered_device

    emu = emulator()
    dev = metered_device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    s, conn = _connected()
    conn.setblocking(False)
    block = memoryview(bytes(range(256)) * 4)
    buf = bytearray(1024)
    meter = Meter(dev)
    moved = 0
    while moved < 96 * 1024:  # 32 KiB to warm up (buffers, command pool), then 64 measured
        try:
            conn.send(block)
        except OSError:
            pass
        if moved >= 32 * 1024:
            meter.start()
        n = s.recv_into(buf)
        if moved >= 32 * 1024:
            meter.stop()
        moved += n
    assert meter.bytes == 0, (meter.bytes, meter.views)

    meter = Meter(dev)
    sent = 0
    while sent < 96 * 1024:
        if sent >= 32 * 1024:
            meter.start()
        n = s.send(block)
        if sent >= 32 * 1024:
            meter.stop()
        sent += n
        conn.readinto(buf)  # None while nothing came
    assert meter.bytes == 0, (meter.bytes, meter.views)
    s.close()
    conn.close()


def test_blocking_write_takes_everything_non_blocking_write_what_fits():
    # MicroPython's streams: write() on a blocking socket writes all of it (requests and umqtt
    # ignore its count); a non-blocking one returns the count taken, or None.
    emu, dev = _net()
    server, port = hostnet.listener()
    s = ws.socket(txbuf=1024)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    payload = bytes(range(250)) * 20  # 5000 bytes, nearly five send buffers
    assert s.write(payload) == len(payload)
    assert s.write(payload, 10) == 10
    assert hostnet.recv_exactly(conn, len(payload) + 10, dev) == payload + payload[:10]
    s.setblocking(False)
    taken = s.write(payload)
    assert 0 < taken < len(payload)
    assert s.write(payload) is None  # the buffer is full: would block
    assert hostnet.recv_exactly(conn, taken, dev) == payload[:taken]
    s.close()
    conn.close()
    server.close()
