"""The emulator's SOCKET module (spec §7.5, §7.6, §8.5, §8.6) over real loopback host sockets,
driven by the spec-built host with the driver's exact wire parameters.
"""
# cpython only: the emulator runs in process and its peers are CPython host sockets

import socket
import struct
import threading
import time

import pytest
from emu_net import (
    TCP,
    UDP,
    Rig,
    client,
    datagram_peer,
    free_port,
    ipv6_available,
    listener,
    recv_exactly,
)
from peers import TcpEcho

from winc import _ids
from wincsim import codec

OK = _ids.OK
LENGTH_MISMATCH, INVALID_PROTOCOL, REMOTE_NOT_SET = 0x0E01, 0x0E03, 0x0E0A
GROUP = "239.255.42.99"  # organisation-local scope: never routed, and only joined on loopback
TEST_NET = "192.0.2.1"  # RFC 5737 documentation address: must never be reached


def sid(n):
    return ("U2", n)


def write(rig, s, data, seq):
    """SOCKWR exactly as the driver sends it: U2 id, U2 length, I4 seq, BA data."""
    return rig.status(_ids.SOCKWR, sid(s), ("U2", len(data)), ("I4", seq), ("BA", data))


def connect(rig, s, port, address="127.0.0.1"):
    code = "IPV6" if ":" in address else "IPV4"
    assert rig.status(_ids.SOCKBR, sid(s), (code, address), ("U2", port)) == OK
    return rig.next("SOCKIND")


def connected(rig, version=4):
    """A module TCP socket connected to a host peer that does not read unless told: (s, peer)."""
    address = "127.0.0.1" if version == 4 else "::1"
    server, port = listener(address)
    s = rig.open(TCP, version)
    connect(rig, s, port, address)
    peer, _ = server.accept()
    server.close()
    peer.settimeout(5)
    return s, peer


def take_available(peer, into):
    """Whatever the peer can read now, appended to `into`; returns the total."""
    peer.setblocking(False)
    try:
        while True:
            data = peer.recv(65536)
            if not data:
                break
            into += data
    except BlockingIOError:
        pass
    peer.settimeout(5)
    return len(into)


# -- SOCKO and ids -----------------------------------------------------------------------------


def test_socko_ids_count_up_skip_ids_in_use_and_wrap():
    with Rig(max_sockets=4) as rig:
        assert rig.call(_ids.SOCKO, ("U1", TCP)) == ([[1]], OK)  # ipVersion omitted: IPv4
        rsp = [m for m in rig.host.inbox if m.kind == _ids.RSP][-1]
        assert [el.code for el in rsp.elements] == ["U2"]
        assert rig.open(UDP, 4) == 2
        rig.ok(_ids.SOCKCL, sid(1))
        rig.emu.next_sock_id(2)  # in use: the next free one follows
        assert rig.open(TCP, 6) == 3
        rig.emu.next_sock_id(65535)
        assert rig.open(UDP) == 65535
        assert rig.open(UDP) == 1  # wrapped past 65535, skipping nothing free
        assert rig.call(_ids.SOCKO, ("U1", TCP)) == ([], _ids.NO_FREE_SOCKETS)
        with pytest.raises(ValueError):
            rig.emu.next_sock_id(0)


def test_socko_refuses_bad_protocol_and_ip_version():
    with Rig() as rig:
        assert rig.status(_ids.SOCKO, ("U1", 3), ("U1", 4)) == INVALID_PROTOCOL
        assert rig.status(_ids.SOCKO, ("U1", TCP), ("U1", 5)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.SOCKO) == 0x0005  # INCORRECT_NUM_PARAMS
        assert rig.open(TCP) == 1  # nothing was allocated by the refusals


V4 = ("IPV4", "127.0.0.1")
UNKNOWN_ID = [
    (_ids.SOCKBL, (sid(9), ("U2", 80))),
    (_ids.SOCKBR, (sid(9), V4, ("U2", 80))),
    (_ids.SOCKBM, (sid(9), ("IPV4", GROUP), ("U2", 5000))),
    (_ids.SOCKWR, (sid(9), ("U2", 1), ("I4", 0), ("BA", b"x"))),
    (_ids.SOCKWRTO, (sid(9), V4, ("U2", 9), ("U2", 1), ("I4", 0), ("BA", b"x"))),
    (_ids.SOCKRD, (sid(9), ("U1", 3), ("I4", 10))),
    (_ids.SOCKRDBUF, (sid(9), ("U1", 3), ("I4", 10))),
    (_ids.SOCKCL, (sid(9),)),
    (_ids.SOCKLST, (sid(9),)),
    (_ids.SOCKC, (sid(9), ("U4", 101))),
]


@pytest.mark.parametrize("cmd, params", UNKNOWN_ID, ids=[hex(c) for c, _ in UNKNOWN_ID])
def test_every_command_answers_an_unknown_id_with_socket_id_not_found(cmd, params):
    with Rig() as rig:
        rig.open(TCP)
        assert rig.call(cmd, *params) == ([], _ids.SOCKET_ID_NOT_FOUND)


# -- TCP client and the receive modes ----------------------------------------------------------


def test_tcp_connect_sockind_and_polled_reads():
    with Rig() as rig, TcpEcho() as echo:
        s = rig.open(TCP)
        ind = connect(rig, s, echo.port)
        assert ind[:2] == [s, "127.0.0.1"] and ind[2] > 0 and ind[3:] == ["127.0.0.1", echo.port]
        assert rig.codes("SOCKIND") == ["U2", "IPV4", "U2", "IPV4", "U2"]
        assert write(rig, s, b"hello", 0) == OK
        assert rig.next("SOCKRXT") == [s, 5]  # polled: PEND_DATA
        assert rig.codes("SOCKRXT") == ["U2", "U4"]
        assert write(rig, s, b"abc", 5) == OK
        assert rig.next("SOCKRXT") == [s, 8]  # again, with the total readable
        assert rig.call(_ids.SOCKRD, sid(s), ("U1", 3), ("I4", 6)) == ([[s, 6, 2, b"helloa"]], OK)
        assert rig.call(_ids.SOCKRD, sid(s), ("U1", 2), ("I4", 100)) == ([[s, 2, b"bc"]], OK)
        assert rig.call(_ids.SOCKRD, sid(s), ("U1", 3), ("I4", 100)) == ([[s, 0, 0, b""]], OK)
        assert rig.status(_ids.SOCKRD, sid(s), ("U1", 4), ("I4", 1)) == _ids.INVALID_PARAMETER
        rig.quiet()
        assert rig.emu.counters(s) == {"pushed": 8, "credited": 0, "written": 8, "received": 8}


def test_the_command_log_shows_socket_commands_decoded():
    with Rig() as rig, TcpEcho() as echo:
        s = rig.open(TCP)
        connect(rig, s, echo.port)
        write(rig, s, b"hi", 0)
        assert rig.emu.log() == [("SOCKO", [TCP, 4]), ("SOCKBR", [s, "127.0.0.1", echo.port]),
                                 ("SOCKWR", [s, 2, 0, b"hi"])]
        assert rig.emu.log_detail()[1]["types"] == ["U2", "IPV4", "U2"]


def test_irq_wait_blocks_until_the_peer_sends():
    with Rig() as rig:
        s, peer = connected(rig)
        timer = threading.Timer(0.1, peer.sendall, (b"late",))
        timer.start()
        start = time.monotonic()
        assert rig.emu.irq.wait(5000) is True
        assert 0.05 < time.monotonic() - start < 2  # woken by the data, not by the timeout
        rig.host.drain()
        rig.pump(0)
        assert rig.next("SOCKRXT") == [s, 4]
        timer.join()


def test_simple_push_sends_frames_of_at_most_max_frame_without_sequence_numbers():
    with Rig() as rig:
        server, port = listener()
        s = rig.open(TCP)
        rig.mode(s, 0, 4)
        connect(rig, s, port)
        peer, _ = server.accept()
        peer.sendall(b"0123456789")
        data, frames = rig.pushed("SOCKRXT", s, 10)
        assert data == b"0123456789"
        assert all(f[1] == len(f[2]) <= 4 for f in frames)
        assert rig.codes("SOCKRXT") == ["U2", "U2", "BA"]


def test_acked_push_never_passes_next_sn_plus_window():
    # The API example of §7.6: WIN 8 -> bytes 0-7; NEXT_SN 8 -> 8-15; NEXT_SN 12 -> only 16-19.
    with Rig() as rig:
        server, port = listener()
        s = rig.open(TCP)
        rig.mode(s, 8, 1498)
        connect(rig, s, port)
        peer, _ = server.accept()
        peer.sendall(bytes(range(20)))
        rig.until(lambda: rig.emu.counters(s)["received"] == 20)

        def frames(n, first_seq):
            data, got = rig.pushed("SOCKRXT", s, n, fields=2)
            seqs = [first_seq]
            for f in got[:-1]:
                seqs.append(seqs[-1] + f[1])
            assert [f[2] for f in got] == seqs  # SEQ_NUM of each frame's first byte
            return data

        assert frames(8, 0) == bytes(range(8))
        assert rig.codes("SOCKRXT") == ["U2", "U2", "U2", "BA"]
        rig.quiet()  # bytes 8-19 wait for the window
        assert rig.emu.counters(s)["pushed"] == 8
        rig.ok(_ids.SOCKC, sid(s), ("U4", 100), ("U4", 8))
        assert frames(8, 8) == bytes(range(8, 16))
        rig.ok(_ids.SOCKC, sid(s), ("U4", 100), ("U4", 12))
        assert frames(4, 16) == bytes(range(16, 20))
        rig.quiet()
        assert rig.emu.counters(s) == {"pushed": 20, "credited": 12, "written": 0,
                                       "received": 20}
        # Acknowledging bytes never pushed is a host bug: refused, nothing changes.
        assert rig.status(_ids.SOCKC, sid(s), ("U4", 100), ("U4", 30)) == _ids.INVALID_PARAMETER
        assert rig.call(_ids.SOCKC, sid(s), ("U4", 100)) == ([[100, 12]], OK)


def test_a_closed_window_holds_the_real_peer_back():
    with Rig(rx_buffer=4096) as rig:
        server, port = listener()
        s = rig.open(TCP)
        rig.mode(s, 1000, 1498)
        connect(rig, s, port)
        peer, _ = server.accept()
        peer.setblocking(False)
        sent, refused, chunk = 0, 0, bytes(65536)
        while refused < 20:  # the peer's kernel buffers fill while the module stops reading
            try:
                sent += peer.send(chunk)
                refused = 0
            except BlockingIOError:
                refused += 1
            rig.pump(0.005)
        counts = rig.emu.counters(s)
        assert counts["pushed"] == 1000
        assert counts["received"] <= 4096 + 1000 < sent  # the rest never left the peer's side
        rig.ok(_ids.SOCKC, sid(s), ("U4", 100), ("U4", 1000))
        rig.until(lambda: rig.emu.counters(s)["pushed"] == 2000)
        assert rig.emu.counters(s)["received"] <= 4096 + 2000


# -- TCP server --------------------------------------------------------------------------------


def test_listener_accepts_two_children_with_new_ids_and_the_listeners_mode():
    with Rig() as rig:
        port = free_port()
        ls = rig.open(TCP)
        rig.mode(ls, 0, 1498)  # simple push: the children inherit it [INFERRED]
        assert rig.status(_ids.SOCKBL, sid(ls), ("U2", port), ("U1", 2)) == OK
        a = client(port)
        assert rig.next("SOCKIND") == [ls + 1, "127.0.0.1", port, "127.0.0.1",
                                       a.getsockname()[1]]
        b = client(port)
        assert rig.next("SOCKIND") == [ls + 2, "127.0.0.1", port, "127.0.0.1",
                                       b.getsockname()[1]]
        b.sendall(b"from b")
        assert rig.pushed("SOCKRXT", ls + 2, 6)[0] == b"from b"
        assert rig.call(_ids.SOCKC, sid(ls + 1), ("U4", 102)) == ([[102, 1498]], OK)
        assert write(rig, ls + 1, b"to a", 0) == OK
        assert recv_exactly(a, 4) == b"to a"
        rsps, status = rig.call(_ids.SOCKLST)
        assert status == OK and rsps == [
            [ls, TCP, "0.0.0.0", 0, port],
            [ls + 1, TCP, "127.0.0.1", a.getsockname()[1], port],
            [ls + 2, TCP, "127.0.0.1", b.getsockname()[1], port]]
        a.close()
        b.close()


def test_sockbl_refusals():
    with Rig() as rig:
        busy, port = listener()
        s = rig.open(TCP)
        assert rig.status(_ids.SOCKBL, sid(s), ("U2", port)) == _ids.SOCKET_BIND_FAILED
        assert rig.status(_ids.SOCKBL, sid(s), ("U2", 0)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.SOCKBL, sid(s), ("U2", free_port()),
                          ("U1", 11)) == _ids.INVALID_PARAMETER
        busy.close()
        assert rig.status(_ids.SOCKBL, sid(s), ("U2", port), ("U1", 10)) == OK  # now free
        assert rig.status(_ids.SOCKBL, sid(s), ("U2", port)) == _ids.SOCKET_BIND_FAILED


# -- UDP ---------------------------------------------------------------------------------------


def test_udp_polled_one_sockrxu_for_the_oldest_datagram_and_both_read_forms():
    with Rig() as rig:
        port = free_port(socket.SOCK_DGRAM)
        u = rig.open(UDP)
        assert rig.status(_ids.SOCKBL, sid(u), ("U2", port)) == OK  # UDP: no backlog
        peer, pport = datagram_peer()
        peer.sendto(b"ping", ("127.0.0.1", port))
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", pport, 4, 1]
        assert rig.codes("SOCKRXU") == ["U2", "IPV4", "U2", "U4", "U4"]
        peer.sendto(b"second!", ("127.0.0.1", port))
        rig.until(lambda: rig.emu.counters(u)["received"] == 11)
        rig.quiet(0.1)  # only the oldest datagram is announced
        assert rig.call(_ids.SOCKRD, sid(u), ("U1", 3), ("I4", 100)) == (
            [[u, 4, 7, 1, "127.0.0.1", pport, b"ping"]], OK)
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", pport, 7, 1]  # the new oldest
        assert rig.call(_ids.SOCKRDBUF, sid(u), ("U1", 3), ("I4", 3)) == (
            [[u, 3, 4, 1, "127.0.0.1", pport, b"sec"]], OK)  # the rest stays
        assert rig.call(_ids.SOCKRD, sid(u), ("U1", 1), ("I4", 2)) == ([[u, 2, b"on"]], OK)
        assert rig.call(_ids.SOCKRD, sid(u), ("U1", 3), ("I4", 100)) == (
            [[u, 0, 0, 0, "0.0.0.0", 0, b""]], OK)  # "d!" went with its datagram
        assert rig.status(_ids.SOCKWRTO, sid(u), ("IPV4", "127.0.0.1"), ("U2", pport),
                          ("U2", 4), ("I4", 0), ("BA", b"pong")) == OK
        assert peer.recvfrom(100) == (b"pong", ("127.0.0.1", port))


def test_udp_push_forms_and_a_datagram_waits_for_room_in_the_window():
    with Rig() as rig:
        port = free_port(socket.SOCK_DGRAM)
        u = rig.open(UDP)
        rig.ok(_ids.SOCKBL, sid(u), ("U2", port))
        peer, pport = datagram_peer()
        rig.mode(u, 0, 1490)
        peer.sendto(b"abc", ("127.0.0.1", port))
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", pport, 3, b"abc"]
        assert rig.codes("SOCKRXU") == ["U2", "IPV4", "U2", "U2", "BA"]
        rig.mode(u, 10, 1490)  # numbering restarts at 0
        peer.sendto(b"123456", ("127.0.0.1", port))
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", pport, 6, 0, b"123456"]
        assert rig.codes("SOCKRXU") == ["U2", "IPV4", "U2", "U2", "U2", "BA"]
        peer.sendto(b"7890xy", ("127.0.0.1", port))
        rig.until(lambda: rig.emu.counters(u)["received"] == 15)
        rig.quiet()  # 4 bytes of window left: the 6-byte datagram waits, whole
        rig.ok(_ids.SOCKC, sid(u), ("U4", 100), ("U4", 6))
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", pport, 6, 6, b"7890xy"]


def test_udp_destinations_ephemeral_bind_and_refusals():
    with Rig() as rig:
        peer, pport = datagram_peer()
        u = rig.open(UDP)
        assert write(rig, u, b"x", 0) == REMOTE_NOT_SET  # no SOCKBR/SOCKBM peer yet
        assert rig.status(_ids.SOCKWRTO, sid(u), ("IPV4", "127.0.0.1"), ("U2", pport),
                          ("U2", 2), ("I4", 0), ("BA", b"hi")) == OK
        data, (address, mport) = peer.recvfrom(100)
        assert (data, address) == (b"hi", "127.0.0.1") and mport > 0  # bound on the way
        peer.sendto(b"back", ("127.0.0.1", mport))
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", pport, 4, 1]
        assert rig.status(_ids.SOCKWRTO, sid(u), ("IPV4", TEST_NET), ("U2", 9), ("U2", 1),
                          ("I4", 2), ("BA", b"x")) == _ids.SOCKET_SEND_FAILED
        assert rig.status(_ids.SOCKWRTO, sid(u), ("IPV4", "127.0.0.1"), ("U2", pport),
                          ("U2", 1473), ("I4", 2), ("BA", bytes(1473))) == _ids.INVALID_PARAMETER
        rig.ok(_ids.SOCKBR, sid(u), ("IPV4", "127.0.0.1"), ("U2", pport))  # default peer
        assert write(rig, u, b"dflt", 2) == OK
        assert peer.recvfrom(100) == (b"dflt", ("127.0.0.1", mport))
        rig.ok(_ids.SOCKBR, sid(u), ("IPV4", TEST_NET), ("U2", 9))
        assert write(rig, u, b"x", 6) == _ids.SOCKET_SEND_FAILED
        t = rig.open(TCP)
        assert rig.status(_ids.SOCKWRTO, sid(t), ("IPV4", "127.0.0.1"), ("U2", pport),
                          ("U2", 1), ("I4", 0), ("BA", b"x")) == INVALID_PROTOCOL


# -- SOCKWR and flow control -------------------------------------------------------------------


def test_sockwr_sequence_length_and_state_rules():
    with Rig() as rig:
        s = rig.open(TCP)
        assert write(rig, s, b"x", 0) == _ids.SOCKET_SEND_FAILED  # not connected
        s, peer = connected(rig)
        assert write(rig, s, b"abc", 1) == _ids.SOCKET_SEQUENCE_ERROR  # first byte is seq 0
        assert write(rig, s, b"abc", 0) == OK
        assert write(rig, s, b"abc", 0) == _ids.SOCKET_SEQUENCE_ERROR  # a duplicate
        assert rig.status(_ids.SOCKWR, sid(s), ("U2", 4), ("I4", 3),
                          ("BA", b"abc")) == LENGTH_MISMATCH
        assert rig.status(_ids.SOCKWR, sid(s), ("U2", 1461), ("I4", 3),
                          ("BA", bytes(1461))) == _ids.INVALID_PARAMETER
        assert write(rig, s, b"def", 3) == OK
        assert recv_exactly(peer, 6) == b"abcdef"  # refused writes left nothing behind
        seq, blob = 6, bytes(range(256)) * 6
        for _ in range(46):  # past 65535: the expected number wraps mod 65536
            assert write(rig, s, blob[:1460], seq) == OK
            seq = (seq + 1460) % 65536
            recv_exactly(peer, 1460)
        assert seq == (6 + 46 * 1460) % 65536 == 1630
        assert write(rig, s, b"w", seq) == OK


def test_sockwr_not_ready_when_the_send_buffer_is_full_then_the_same_seq_goes_through():
    with Rig() as rig:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # a peer slow to take
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        s = rig.open(TCP)
        rig.ok(_ids.SOCKC, sid(s), ("U4", 5), ("U4", 1460))  # SO_SNDBUF: one segment
        connect(rig, s, server.getsockname()[1])
        peer, _ = server.accept()
        seq, sent = 0, b""
        for i in range(200):
            chunk = bytes([i]) * 1460
            status = write(rig, s, chunk, seq)
            if status == _ids.SOCKET_NOT_READY:
                break
            assert status == OK
            seq, sent = seq + 1460, sent + chunk
        else:
            pytest.fail("the module never ran out of send buffer")
        got = bytearray()
        rig.until(lambda: take_available(peer, got) == len(sent))  # the module drains
        assert write(rig, s, chunk, seq) == OK  # the refused data, resent with its seq
        rig.until(lambda: take_available(peer, got) == len(sent) + 1460)
        assert bytes(got) == sent + chunk
        assert rig.emu.counters(s)["written"] == len(sent) + 1460


def test_tx_stall_refuses_the_next_writes_of_one_socket_without_keeping_data():
    with Rig() as rig:
        s, peer = connected(rig)
        other, other_peer = connected(rig)
        rig.emu.tx_stall(s, 0x0E0C, count=2)
        assert write(rig, other, b"o", 0) == OK  # another socket is not affected
        assert write(rig, s, b"abc", 0) == _ids.SOCKET_NOT_READY
        assert write(rig, s, b"abc", 0) == _ids.SOCKET_NOT_READY
        assert write(rig, s, b"abc", 0) == OK  # the sequence did not move
        rig.emu.tx_stall(s, "SOCKET_SEQUENCE_ERROR")
        assert write(rig, s, b"d", 3) == _ids.SOCKET_SEQUENCE_ERROR
        rig.emu.tx_stall(s, _ids.SOCKET_SEND_FAILED)
        assert write(rig, s, b"d", 3) == _ids.SOCKET_SEND_FAILED
        assert write(rig, s, b"d", 3) == OK
        assert recv_exactly(peer, 4) == b"abcd"
        assert recv_exactly(other_peer, 1) == b"o"


# -- closing -----------------------------------------------------------------------------------


def test_peer_close_is_indicated_after_the_data_was_read_polled():
    with Rig() as rig:
        s, peer = connected(rig)
        peer.sendall(b"last words")
        peer.close()
        assert rig.next("SOCKRXT") == [s, 10]
        rig.quiet()  # SOCKCL waits until the data was read
        assert rig.call(_ids.SOCKRD, sid(s), ("U1", 3), ("I4", 4)) == ([[s, 4, 6, b"last"]], OK)
        rig.quiet()
        assert rig.call(_ids.SOCKRD, sid(s), ("U1", 3), ("I4", 99)) == (
            [[s, 6, 0, b" words"]], OK)
        assert rig.next("SOCKCL") == [s]
        assert rig.call(_ids.SOCKLST, sid(s))[0][0][0] == s  # the id stays until host SOCKCL
        assert rig.status(_ids.SOCKCL, sid(s)) == OK
        assert rig.status(_ids.SOCKCL, sid(s)) == _ids.SOCKET_ID_NOT_FOUND


def test_peer_close_follows_the_pushed_data():
    with Rig() as rig:
        server, port = listener()
        s = rig.open(TCP)
        rig.mode(s, 7360, 1498)
        connect(rig, s, port)
        peer, _ = server.accept()
        peer.sendall(b"x" * 3000)
        peer.close()
        data, frames = rig.pushed("SOCKRXT", s, 3000, fields=2)
        assert data == b"x" * 3000 and [f[1] for f in frames] == [1498, 1498, 4]
        assert rig.next("SOCKCL") == [s]


def test_peer_reset_gives_sockerr_send_failed_then_sockcl_after_the_data():
    # [INFERRED] on a peer RST: data already received, then SOCKERR(0x0E08), then SOCKCL.
    with Rig() as rig:
        s, peer = connected(rig)
        peer.sendall(b"data")
        assert rig.next("SOCKRXT") == [s, 4]
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()  # linger 0: RST
        rig.until(lambda: rig.emu.state["sockets"].socks[s].inbox.eof)
        rig.quiet()
        assert rig.call(_ids.SOCKRD, sid(s), ("U1", 3), ("I4", 99)) == ([[s, 4, 0, b"data"]], OK)
        assert rig.next("SOCKERR") == [s, _ids.SOCKET_SEND_FAILED]
        assert rig.codes("SOCKERR") == ["U2", "STATUS"]
        assert rig.next("SOCKCL") == [s]
        assert write(rig, s, b"x", 0) == _ids.SOCKET_SEND_FAILED


def test_host_sockcl_flushes_buffered_data_before_closing():
    with Rig() as rig:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        s = rig.open(TCP)
        rig.ok(_ids.SOCKC, sid(s), ("U4", 5), ("U4", 1460))
        connect(rig, s, server.getsockname()[1])
        peer, _ = server.accept()
        seq, sent = 0, b""
        while True:  # until the module holds data the host socket has not taken
            chunk = bytes([seq % 251]) * 1460
            if write(rig, s, chunk, seq) != OK:
                break
            seq, sent = seq + 1460, sent + chunk
        assert rig.status(_ids.SOCKCL, sid(s)) == OK
        got = bytearray()
        rig.until(lambda: take_available(peer, got) == len(sent) and not rig.emu.state[
            "sockets"].closing)
        assert bytes(got) == sent and peer.recv(10) == b""  # all data, then EOF


# -- connect failures and names ----------------------------------------------------------------


def test_refused_connect_gives_sockerr_connect_failed_and_the_id_may_retry():
    with Rig() as rig:
        s = rig.open(TCP)
        assert rig.status(_ids.SOCKBR, sid(s), V4, ("U2", free_port())) == OK
        assert rig.next("SOCKERR") == [s, _ids.SOCKET_CONNECT_FAILED]
        with TcpEcho() as echo:
            assert connect(rig, s, echo.port)[0] == s  # [INFERRED] the id may connect again


def test_answer_replaces_a_socket_commands_status_and_its_effects():
    with Rig() as rig, TcpEcho() as echo:
        s = rig.open(TCP)
        rig.emu.answer("SOCKBR", "SOCKET_CONNECT_FAILED")
        assert rig.status(_ids.SOCKBR, sid(s), V4, ("U2", echo.port)) == 0x0E07
        rig.quiet(0.1)  # no connection was attempted
        assert connect(rig, s, echo.port)[0] == s


@pytest.mark.parametrize("version, address", [(4, TEST_NET), (4, "10.0.0.1"),
                                              (6, "2001:db8::1")])
def test_addresses_off_loopback_are_never_connected(version, address):
    with Rig() as rig:
        s = rig.open(TCP, version)
        code = "IPV4" if version == 4 else "IPV6"
        assert rig.status(_ids.SOCKBR, sid(s), (code, address), ("U2", 80)) == OK
        assert rig.next("SOCKERR") == [s, _ids.SOCKET_CONNECT_FAILED]
        assert rig.emu.state["sockets"].socks[s].host is None  # no host socket was even made


def test_sockbr_with_a_host_name_uses_the_emulators_dns_table():
    with Rig() as rig, TcpEcho() as echo:
        rig.emu.dns("echo.test", ["127.0.0.1"])
        s = rig.open(TCP)
        assert rig.status(_ids.SOCKBR, sid(s), ("STR", "echo.test"), ("U2", echo.port)) == OK
        assert rig.next("SOCKIND")[3:] == ["127.0.0.1", echo.port]
        t = rig.open(TCP)
        assert rig.status(_ids.SOCKBR, sid(t), ("STR", "nowhere.test"), ("U2", echo.port)) == OK
        assert rig.next("SOCKERR") == [t, _ids.SOCKET_CONNECT_FAILED]
        assert rig.status(_ids.SOCKBR, sid(t), ("IPV6", "::1"),
                          ("U2", echo.port)) == _ids.INVALID_PARAMETER  # not an IPv4 socket
        assert rig.status(_ids.SOCKBR, sid(t), V4, ("U2", 0)) == _ids.INVALID_PARAMETER


# -- multicast and IPv6 ------------------------------------------------------------------------


def _group_member(port):
    member = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    member.settimeout(5)
    member.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        member.bind((GROUP, port))
        member.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                          socket.inet_aton(GROUP) + socket.inet_aton("127.0.0.1"))
    except OSError as e:
        member.close()
        pytest.skip("this host refuses IPv4 multicast on loopback: %s" % e)
    return member


def test_multicast_ipv4_join_receive_and_send_to_the_group():
    with Rig() as rig:
        port = free_port(socket.SOCK_DGRAM)
        member = _group_member(port)
        u = rig.open(UDP)
        rig.ok(_ids.SOCKBL, sid(u), ("U2", port))
        status = rig.status(_ids.SOCKBM, sid(u), ("IPV4", GROUP), ("U2", port))
        if status == _ids.MULTICAST_ERROR:
            pytest.skip("this host refuses the module's multicast join on loopback")
        assert status == OK
        sender, sport = datagram_peer()
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                          socket.inet_aton("127.0.0.1"))
        sender.sendto(b"to all", (GROUP, port))
        assert rig.next("SOCKRXU") == [u, "127.0.0.1", sport, 6, 1]
        assert member.recvfrom(100) == (b"to all", ("127.0.0.1", sport))
        rig.ok(_ids.SOCKRD, sid(u), ("U1", 3), ("I4", 100))
        assert write(rig, u, b"q", 0) == OK  # no address: to the group
        assert member.recvfrom(100) == (b"q", ("127.0.0.1", port))
        rig.quiet()  # [INFERRED] the module does not hear its own group traffic
        assert rig.status(_ids.SOCKBM, sid(u), V4, ("U2", port)) == _ids.INVALID_PARAMETER
        t = rig.open(TCP)
        assert rig.status(_ids.SOCKBM, sid(t), ("IPV4", GROUP), ("U2", port)) == INVALID_PROTOCOL
        member.close()


@pytest.mark.skipif(not ipv6_available(), reason="this host has no ::1 to bind")
def test_ipv6_tcp_connect_listen_and_udp_on_the_loopback():
    with Rig() as rig, TcpEcho("::1") as echo:
        s = rig.open(TCP, 6)
        ind = connect(rig, s, echo.port, "::1")
        assert ind[1] == "::1" and ind[3:] == ["::1", echo.port]
        assert rig.codes("SOCKIND") == ["U2", "IPV6", "U2", "IPV6", "U2"]
        assert write(rig, s, b"six", 0) == OK
        assert rig.next("SOCKRXT") == [s, 3]
        port = free_port(address="::1")
        ls = rig.open(TCP, 6)
        rig.ok(_ids.SOCKBL, sid(ls), ("U2", port))
        c = client(port, "::1")
        assert rig.next("SOCKIND") == [ls + 1, "::1", port, "::1", c.getsockname()[1]]
        u = rig.open(UDP, 6)
        uport = free_port(socket.SOCK_DGRAM, "::1")
        rig.ok(_ids.SOCKBL, sid(u), ("U2", uport))
        peer, pport = datagram_peer("::1")
        peer.sendto(b"v6", ("::1", uport))
        assert rig.next("SOCKRXU") == [u, "::1", pport, 2, 1]
        assert rig.call(_ids.SOCKRD, sid(u), ("U1", 3), ("I4", 9)) == (
            [[u, 2, 0, 0, "::1", pport, b"v6"]], OK)
        c.close()


# -- SOCKC and SOCKLST -------------------------------------------------------------------------


def test_sockc_query_set_refusals_and_host_options():
    with Rig() as rig:
        s = rig.open(TCP)
        rsps, status = rig.call(_ids.SOCKC, sid(s))
        assert status == OK and rsps == [[1, 0], [2, 0], [3, 0], [4, 8192], [5, 2920], [32, 0],
                                         [100, 0], [101, 0], [102, 0]]
        rig.ok(_ids.SOCKC, sid(s), ("U4", 2), ("BOOL4", 1))  # 4-byte BOOL, as the host sends
        assert rig.call(_ids.SOCKC, sid(s), ("U4", 2)) == ([[2, 1]], OK)
        assert rig.status(_ids.SOCKC, sid(s), ("U4", 4), ("U4", 1000)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.SOCKC, sid(s), ("U4", 77)) == _ids.INVALID_PARAMETER
        assert rig.status(_ids.SOCKC, sid(s), ("U4", 100), ("U4", 5)) == _ids.INVALID_PARAMETER
        rig.ok(_ids.SOCKC, sid(s), ("U4", 32), ("I4", 0x10))
        with TcpEcho() as echo:
            connect(rig, s, echo.port)
            host = rig.emu.state["sockets"].socks[s].host
            assert host.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
            assert host.getsockopt(socket.IPPROTO_IP, socket.IP_TOS) == 0x10
            rig.ok(_ids.SOCKC, sid(s), ("U4", 3), ("U4", 30))
            assert host.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1


# -- hold, counters, reset ---------------------------------------------------------------------


def test_hold_keeps_sockind_and_later_aecs_of_that_socket_until_release():
    with Rig() as rig:
        server, port = listener()
        s = rig.open(TCP)
        rig.emu.hold("SOCKIND")
        assert rig.status(_ids.SOCKBR, sid(s), V4, ("U2", port)) == OK
        peer, _ = server.accept()
        peer.sendall(b"hi")
        rig.until(lambda: rig.emu.counters(s)["received"] == 2)
        rig.quiet()  # the data AEC waits behind the held SOCKIND
        rig.emu.release()
        assert rig.next("SOCKIND")[0] == s
        assert rig.next("SOCKRXT") == [s, 2]


def test_hold_a_commands_status_for_one_socket():
    with Rig() as rig:
        a, b = rig.open(UDP), rig.open(UDP)
        rig.emu.hold("SOCKBL", sock=b)
        assert rig.status(_ids.SOCKBL, sid(a), ("U2", free_port(socket.SOCK_DGRAM))) == OK
        seq = rig.seq = rig.seq + 1
        rig.host.send([codec.encode_request(_ids.SOCKBL, seq, (
            sid(b), ("U2", free_port(socket.SOCK_DGRAM))))])
        rig.pump(0.1)
        assert not [m for m in rig.host.inbox if m.kind == _ids.STATUS and m.seq == seq]
        rig.emu.release()
        rig.pump()
        statuses = [m for m in rig.host.inbox if m.kind == _ids.STATUS and m.seq == seq]
        assert [m.status for m in statuses] == [OK]
        with pytest.raises(ValueError):
            rig.emu.hold("NOSUCH")


def test_hold_with_ms_delays_each_message_by_that_much():
    now = [100.0]
    with Rig(clock=lambda: now[0]) as rig:
        server, port = listener()
        s = rig.open(TCP)
        rig.emu.hold("SOCKIND", ms=250)
        rig.ok(_ids.SOCKBR, sid(s), V4, ("U2", port))
        server.accept()
        rig.until(lambda: rig.emu.state["sockets"].socks[s].state == "connected")
        rig.quiet()
        now[0] += 0.25
        assert rig.next("SOCKIND")[0] == s


def test_counters_cover_every_socket_and_keep_closed_ones():
    with Rig() as rig, TcpEcho() as echo:
        s = rig.open(TCP)
        u = rig.open(UDP)
        connect(rig, s, echo.port)
        write(rig, s, b"12345", 0)
        assert rig.next("SOCKRXT") == [s, 5]
        rig.ok(_ids.SOCKCL, sid(s))
        zero = {"pushed": 0, "credited": 0, "written": 0, "received": 0}
        assert rig.emu.counters() == {s: dict(zero, written=5, received=5), u: zero}
        with pytest.raises(KeyError):
            rig.emu.counters(99)


def test_reset_closes_every_host_socket_and_forgets_ids():
    with Rig() as rig:
        port = free_port()
        ls = rig.open(TCP)
        rig.ok(_ids.SOCKBL, sid(ls), ("U2", port))
        c = client(port)
        rig.next("SOCKIND")
        u = rig.open(UDP)
        uport = free_port(socket.SOCK_DGRAM)
        rig.ok(_ids.SOCKBL, sid(u), ("U2", uport))
        rig.emu.reset(sdio=False)
        rig.host.drain()
        assert c.recv(10) == b""  # the accepted connection was closed
        with pytest.raises(ConnectionRefusedError):
            client(port)
        free = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        free.bind(("127.0.0.1", uport))  # the UDP port is free again
        free.close()
        assert rig.status(_ids.SOCKCL, sid(ls)) == _ids.SOCKET_ID_NOT_FOUND
        assert rig.open(TCP) == 1 and rig.emu.counters() == {1: {
            "pushed": 0, "credited": 0, "written": 0, "received": 0}}


def test_closing_the_module_closes_its_host_sockets():
    port = free_port()
    with Rig() as rig:
        ls = rig.open(TCP)
        rig.ok(_ids.SOCKBL, sid(ls), ("U2", port))
        client(port).close()
    with pytest.raises(ConnectionRefusedError):
        client(port)
