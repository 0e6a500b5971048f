"""winc.socket datagrams, multicast and IPv6 over the emulated module and real loopback peers.

Case ids are those of the conformance plan (../shared/spec/conformance-plan.md, groups UD, MC,
V6). The peers are plain host sockets driven inline (hostnet.py), so this module runs under
CPython and under MicroPython alike.
"""

import socket
import time

import hostnet
from sockrig import Net
from support import MICROPYTHON, raises, skip

from winc import socket as ws

EAGAIN, EINVAL, EDESTADDRREQ, EADDRINUSE = 11, 22, 89, 98
GROUP, MDNS_PORT = "224.0.0.251", 5353
GROUP6 = "ff02::fb"


def _udp(af=ws.AF_INET, rxbuf=4096):
    u = ws.socket(af, ws.SOCK_DGRAM, rxbuf=rxbuf)
    u.settimeout(5)
    return u


def _peer(ip="127.0.0.1"):
    """(host UDP socket on ip with a short timeout for hostnet.pumped, its port)."""
    peer, port = hostnet.udp(ip)
    peer.settimeout(0.01)
    return peer, port


def _free_port(ip="127.0.0.1"):
    peer, port = hostnet.udp(ip)
    peer.close()
    return port


def _source(address):
    """(ip, port) of a host recvfrom() address: MicroPython gives a raw sockaddr."""
    if not MICROPYTHON:
        return address[:2]
    raw = bytes(address)
    port = raw[2] << 8 | raw[3]
    if len(raw) == 16:
        return ws.inet_ntop(ws.AF_INET, raw[4:8]), port
    return ws.inet_ntop(ws.AF_INET6, raw[8:24]), port


def _received(net, peer):
    """(data, (ip, port)) of the next datagram at a host peer, pumping the device meanwhile."""
    data, address = hostnet.pumped(net.dev, peer.recvfrom, 2048)
    return data, _source(address)


def _ipv6_or_skip():
    try:
        probe, _ = hostnet.udp("::1")
    except OSError as e:
        skip("this host has no ::1 to bind: %s" % e)
    probe.close()


# ---- UD ----------------------------------------------------------------------------------------


def test_UD_01_bind_waits_for_listen_then_datagrams_both_ways():
    # UD-01
    net = Net()
    peer, peer_port = _peer()
    p = _free_port()
    u = _udp()
    u.bind(("", p))
    assert net.of(u) == [(ws.EVENT_OPEN, ws.STATUS_OK), (ws.EVENT_LISTEN, ws.STATUS_OK)]
    assert net.sent("SOCKBL") == [[u._id, p]]  # no backlog for UDP
    peer.sendto(b"ping", hostnet.sockaddr("127.0.0.1", p))
    data, addr = u.recvfrom(100)
    assert (data, addr) == (b"ping", ("127.0.0.1", peer_port))
    assert (ws.EVENT_RECV, ws.STATUS_OK) in net.of(u)
    assert u.sendto(b"pong", addr) == 4
    assert _received(net, peer) == (b"pong", ("127.0.0.1", p))
    u.close()
    peer.close()


def test_UD_02_datagrams_keep_their_boundaries_and_order():
    # UD-02
    net = Net()
    peer, _ = _peer()
    u = _udp()
    u.bind(("", 0))
    to = hostnet.sockaddr("127.0.0.1", u.getsockname()[1])
    for size in (10, 20, 30):
        peer.sendto(bytes([size]) * size, to)
    for size in (10, 20, 30):
        data, _ = u.recvfrom(100)
        assert data == bytes([size]) * size
    u.setblocking(False)
    assert raises(OSError, u.recvfrom, 100).errno == EAGAIN
    assert len(net.sent("SOCKBL")) == 1
    u.close()
    peer.close()


def test_UD_04_peek_does_not_consume_the_datagram():
    # UD-04
    Net()
    peer, _ = _peer()
    u = _udp()
    u.bind(("", 0))
    peer.sendto(b"peek at me", hostnet.sockaddr("127.0.0.1", u.getsockname()[1]))
    assert u.recv(100, ws.MSG_PEEK) == b"peek at me"
    assert u.recv(100, ws.MSG_PEEK) == b"peek at me"
    assert u.recv(100) == b"peek at me"
    u.setblocking(False)
    assert raises(OSError, u.recv, 100).errno == EAGAIN
    u.close()
    peer.close()


def test_UD_06_send_needs_a_destination_until_connect():
    # UD-06
    net = Net()
    peer, peer_port = _peer()
    fresh = _udp()
    assert raises(OSError, fresh.send, b"x").errno == EDESTADDRREQ
    u = _udp()
    u.bind(("", 0))
    assert raises(OSError, u.send, b"x").errno == EDESTADDRREQ
    u.connect(("127.0.0.1", peer_port))
    assert (ws.EVENT_CONNECT, ws.STATUS_OK) in net.of(u)
    assert u.send(b"x") == 1
    data, source = _received(net, peer)
    assert data == b"x" and source == ("127.0.0.1", u.getsockname()[1])
    peer.sendto(b"reply", hostnet.sockaddr(*source))
    assert u.recv(100) == b"reply"
    fresh.close()
    u.close()
    peer.close()


def test_UD_07_an_empty_datagram_sends_nothing():
    # UD-07
    net = Net()
    peer, peer_port = _peer()
    u = _udp()
    assert u.sendto(b"", ("127.0.0.1", peer_port)) == 0
    net.dev.pump(50)
    assert net.sent("SOCKWRTO") == []
    assert u.sendto(b"a", ("127.0.0.1", peer_port)) == 1
    data, _ = _received(net, peer)
    assert data == b"a"
    assert [params[1:4] for params in net.sent("SOCKWRTO")] == [["127.0.0.1", peer_port, 1]]
    u.close()
    peer.close()


def test_UD_08_unread_datagrams_arrive_intact_and_in_order():
    # UD-08
    net = Net()
    peer, _ = _peer()
    u = _udp()
    u.bind(("", 0))
    to = hostnet.sockaddr("127.0.0.1", u.getsockname()[1])
    sent = [bytes([i]) * (500 + i) for i in range(8)]  # 4028 bytes: most of the window
    for data in sent:
        peer.sendto(data, to)
    total = sum(len(d) for d in sent)
    net.pump_until(lambda: net.emu.counters(u._id)["received"] == total)
    u.setblocking(False)
    got = []
    quiet_since = time.time()
    while time.time() - quiet_since < 0.3:  # drained: nothing more for 300 ms
        try:
            got.append(u.recv(2048))
            quiet_since = time.time()
        except OSError as e:
            assert e.errno == EAGAIN
            net.dev.pump(20)
    assert 5 <= len(got) <= 8
    rest = iter(sent)
    assert all(any(d == s for s in rest) for d in got)  # intact, an ordered subsequence
    u.close()
    peer.close()


def test_UD_09_port_zero_binds_distinct_ephemeral_ports():
    # UD-09
    net = Net()
    peer, _ = _peer()
    u = _udp()
    u.bind(("", 0))
    uport = u.getsockname()[1]
    peer.sendto(b"to the chosen port", hostnet.sockaddr("127.0.0.1", uport))
    assert u.recv(100) == b"to the chosen port"
    t = ws.socket()
    t.bind(("", 0))
    t.listen()
    tport = t.getsockname()[1]
    assert 49152 <= uport <= 65535 and 49152 <= tport <= 65535 and uport != tport
    assert net.sent("SOCKBL") == [[u._id, uport], [t._id, tport, 1]]
    u.close()
    t.close()
    peer.close()


def test_port_zero_steps_over_a_port_the_module_cannot_bind():
    net = Net()
    stack = ws._stack(net.dev)
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # holds the port winc picks next
    try:
        taken.bind(hostnet.sockaddr("127.0.0.1", stack.port))
    except OSError:
        skip("port %d is taken on this host already" % stack.port)
    first = stack.port
    u = _udp()
    u.bind(("", 0))
    uport = u.getsockname()[1]
    assert uport != first
    assert [p[1] for p in net.sent("SOCKBL")] == [first, uport]
    peer, _ = _peer()
    peer.sendto(b"to the second port", hostnet.sockaddr("127.0.0.1", uport))
    assert u.recv(100) == b"to the second port"
    assert (u, ws.EVENT_LISTEN, ws.STATUS_OK) in net.events
    u.close()
    peer.close()
    taken.close()


# ---- MC ----------------------------------------------------------------------------------------


def _mreq(group, iface="0.0.0.0"):
    return ws.inet_pton(ws.AF_INET, group) + ws.inet_pton(ws.AF_INET, iface)


def _join_or_skip(net, sock, level, opt, mreq):
    """setsockopt(level, opt, mreq); skip when the emulator's host refused the join itself."""
    try:
        sock.setsockopt(level, opt, mreq)
    except OSError as e:
        if (e.errno == EINVAL and net.sent("SOCKBM")
                and (ws.EVENT_CONNECT, ws.STATUS_ERROR) in net.of(sock)):
            skip("this host refuses multicast joins on loopback")
        raise


def _mdns_member(net):
    """A UDP socket bound to ('', 5353) that joined 224.0.0.251 (MC-01's setup)."""
    u = _udp()
    try:
        u.bind(("", MDNS_PORT))
    except OSError as e:
        if e.errno != EADDRINUSE:
            raise
        skip("port %d is taken on this host" % MDNS_PORT)
    _join_or_skip(net, u, ws.IPPROTO_IP, ws.IP_ADD_MEMBERSHIP, _mreq(GROUP))
    return u


def test_MC_01_join_waits_for_connect_and_group_datagrams_arrive():
    # MC-01
    net = Net()
    u = _mdns_member(net)
    assert net.of(u) == [(ws.EVENT_OPEN, 0), (ws.EVENT_LISTEN, 0), (ws.EVENT_CONNECT, 0)]
    assert net.sent("SOCKBM") == [[u._id, GROUP, MDNS_PORT]]
    x = 40000
    # A datagram to the group from 127.0.0.1:x, as the module pushes it (acknowledged mode).
    net.emu.inject("SOCKRXU", ("U2", u._id), ("IPV4", "127.0.0.1"), ("U2", x), ("U2", 5),
                   ("U2", 0), ("BA", b"mdns!"))
    assert u.recvfrom(100) == (b"mdns!", ("127.0.0.1", x))
    u.close()


def test_MC_03_ipv6_membership_forms_and_levels():
    # MC-03
    _ipv6_or_skip()
    net = Net()
    group = ws.inet_pton(ws.AF_INET6, GROUP6)
    forms = ((ws.IPPROTO_IPV6, group + bytes(4)), (ws.IPPROTO_IP, group + bytes(4)),
             (ws.IPPROTO_IPV6, group))
    socks = []
    for _ in range(4):
        s = _udp(ws.AF_INET6, rxbuf=1536)  # four sockets in MicroPython's 64 KB heap
        s.bind(("::", _free_port("::1")))
        socks.append(s)
    bad = socks.pop()
    net.emu.clear_log()  # a short log: MicroPython fetches it through JSON
    for s, (level, mreq) in zip(socks, forms):
        _join_or_skip(net, s, level, ws.IPV6_ADD_MEMBERSHIP, mreq)
    doc = ws.inet_pton(ws.AF_INET6, "2001:db8::1")
    assert raises(OSError, bad.setsockopt, ws.IPPROTO_IPV6, ws.IPV6_ADD_MEMBERSHIP,
                  doc + bytes(4)).errno == EINVAL
    assert net.sent("SOCKBM") == [[s._id, GROUP6, s.getsockname()[1]] for s in socks]
    assert [types[1] for types in net.types("SOCKBM")] == ["IPV6"] * 3
    for s in socks + [bad]:
        s.close()


def test_MC_04_send_without_address_goes_to_the_group():
    # MC-04
    net = Net()
    u = _mdns_member(net)
    assert u.send(b"q") == 1
    net.dev.pump(50)
    assert [params[:4] for params in net.sent("SOCKWRTO")] == [[u._id, GROUP, MDNS_PORT, 1]]
    u.close()


# ---- V6 ----------------------------------------------------------------------------------------


def test_V6_01_tcp_connect_to_an_ipv6_peer():
    # V6-01
    _ipv6_or_skip()
    net = Net()
    server, p = hostnet.listener("::1")
    s = ws.socket(ws.AF_INET6, ws.SOCK_STREAM)
    s.settimeout(5)
    s.connect(("::1", p))
    conn, _ = server.accept()
    assert [params[1:] for params in net.sent("SOCKBR")] == [["::1", p]]
    assert net.types("SOCKBR")[0][1] == "IPV6"
    assert s.getpeername() == ("::1", p)
    s.sendall(b"over six")
    data = hostnet.recv_exactly(conn, 8, net.dev)
    assert data == b"over six"
    conn.send(data)
    got = b""
    while len(got) < 8:
        got += s.recv(8 - len(got))
    assert got == b"over six"
    s.close()
    conn.close()
    server.close()


def test_V6_04_udp_sources_are_two_tuples():
    # V6-04
    _ipv6_or_skip()
    Net()
    peer, peer_port = _peer("::1")
    p = _free_port("::1")
    u = _udp(ws.AF_INET6)
    u.bind(("::", p))
    peer.sendto(b"six", hostnet.sockaddr("::1", p))
    assert u.recvfrom(100) == (b"six", ("::1", peer_port))
    u.close()
    peer.close()


def test_V6_05_accept_an_ipv6_client():
    # V6-05
    _ipv6_or_skip()
    net = Net()
    ls = ws.socket(ws.AF_INET6, ws.SOCK_STREAM)
    ls.settimeout(5)
    ls.bind(("::", 0))
    ls.listen()
    client, client_port = hostnet.client("::1", ls.getsockname()[1])
    child, addr = ls.accept()
    assert addr == ("::1", client_port)
    child.settimeout(5)
    client.send(b"echo me")
    got = b""
    while len(got) < 7:
        got += child.recv(7 - len(got))
    child.sendall(got)
    assert hostnet.recv_exactly(client, 7, net.dev) == b"echo me"
    child.close()
    client.close()
    ls.close()


def test_udp_pollout_follows_free_send_descriptors():
    net = Net()
    peer, port = _peer()
    u = _udp()
    u.setblocking(False)
    net.emu.hold("SOCKWRTO")  # the module takes its time to accept datagrams
    sent = 0
    while True:
        try:
            u.sendto(b"d%d" % sent, ("127.0.0.1", port))
        except OSError as e:
            assert e.errno == 11  # EAGAIN: every descriptor is taken
            break
        sent += 1
    assert sent == 4
    assert not u.ioctl(3, ws.POLLOUT) & ws.POLLOUT
    net.emu.release()
    net.pump_until(lambda: u.ioctl(3, ws.POLLOUT) & ws.POLLOUT)
    got = [hostnet.pumped(net.dev, peer.recvfrom, 16)[0] for _ in range(4)]
    assert got == [b"d0", b"d1", b"d2", b"d3"]
    u.close()
    peer.close()
