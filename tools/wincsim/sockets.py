"""emulator feature: the SOCKET module (spec §7.5-§7.7): commands over real loopback sockets.

The socket table allocates ids, owns the NetSockets (netsock.py) and is the host-I/O source
the module polls; the handlers below only decode parameters and call into it.
"""

import ipaddress

from winc import _ids

from . import dns
from .commands import CommandError, expect_count, integer, param_id, text
from .config import ConfigTable
from .inbox import MAX_FRM_SZ, NEXT_SN, RCVBUF, TCP, UDP, WIN_SZ
from .names import status_code
from .netsock import CONNECTED, CONNECTING, OPEN, PARAMS, SNDBUF, TLS_MARKED, NetSocket

OPTIONS = {"max_sockets": 16, "send_buffer": 2920, "rx_buffer": 8192, "ipv4": "127.0.0.1"}

_LINGER_S = 5  # SOCKCL: buffered data gets this long to reach a slow peer, then it is dropped
_MAX_WR = 1460  # SOCKWR payload (§6.5)
_MAX_WRTO = 1472  # SOCKWRTO payload (§6.5)
_MAX_BACKLOG = 10  # SOMAXCONN (§6.5)

# Statuses the spec has and winc._ids has no constant for.
LENGTH_MISMATCH = status_code("LENGTH_MISMATCH")
SOCKET_INVALID_PROTOCOL = status_code("SOCKET_INVALID_PROTOCOL")
SOCKET_SET_OPT_FAILED = status_code("SOCKET_SET_OPT_FAILED")
SOCKET_REMOTE_NOT_SET = status_code("SOCKET_REMOTE_NOT_SET")


def check_options(options):
    for name in ("max_sockets", "send_buffer", "rx_buffer"):
        value = options[name]
        if not isinstance(value, int) or not 1 <= value <= 0xFFFF:
            raise ValueError("option %s=%r out of range" % (name, value))
    address = ipaddress.ip_address(options["ipv4"])
    if address.version != 4 or not address.is_loopback:
        raise ValueError("option ipv4=%r: the module lives on 127.0.0.0/8" % options["ipv4"])


class Sockets:
    """The module's socket table: ids 1-65535, the sockets, their counters, lingering closes."""

    def __init__(self, module):
        self.module = module
        options = module.options
        self.max_sockets = options["max_sockets"]
        self.ipv4 = options["ipv4"]
        self.defaults = {RCVBUF: options["rx_buffer"], SNDBUF: options["send_buffer"]}
        self.socks = {}
        self.last_id = 0
        self.closing = []  # [NetSocket, deadline]: closed by the host, still sending
        self.counters = {}  # id -> counts, kept after SOCKCL until the id is reused

    def address(self, version):
        return self.ipv4 if version == 4 else "::1"

    def has_free_id(self):
        return len(self.socks) < self.max_sockets

    def _allocate(self):
        # The id after the previous one, skipping ids in use; next_sock_id() may choose it.
        wanted = self.module.env.pop("next_sock_id", None)
        candidate = wanted if wanted is not None else self.last_id + 1
        while True:
            if not 1 <= candidate <= 0xFFFF:
                candidate = 1
            if candidate not in self.socks:
                self.last_id = candidate
                return candidate
            candidate += 1

    def open(self, protocol, version, config=None):
        if not self.has_free_id():
            raise CommandError(_ids.NO_FREE_SOCKETS, "%d sockets open" % len(self.socks))
        sock = NetSocket(self, self._allocate(), protocol, version, config)
        self.socks[sock.id] = sock
        self.counters[sock.id] = sock.counts
        return sock

    def adopt(self, listener, conn, peer):
        """An accepted connection: a new id that inherits the listener's SOCKC values."""
        values = dict(listener.config.values)
        values[NEXT_SN] = 0  # [INFERRED] the child's pushed data is numbered from 0
        child = self.open(TCP, listener.version, ConfigTable(PARAMS, values))
        child.options_set = set(listener.options_set)
        child.accepted = True
        conn.setblocking(False)
        child.take_host(conn)
        child.remote = peer
        child.state = CONNECTED
        self.post(_ids.AEC_SOCKIND, child.indication(), child.id)
        if listener.tls == TLS_MARKED:  # a TLS listener: SOCKIND, then the handshake
            child.tls_conf = listener.tls_conf
            child.start_tls()

    def post(self, aec, elements, sock, on_read=None):
        self.module.post_aec(aec, elements, sock=sock, on_read=on_read)

    def close(self, sock):
        """Host SOCKCL: the id is free at once; buffered data still goes out first."""
        del self.socks[sock.id]
        sock.flush()
        if sock.tx and sock.host is not None:
            self.closing.append([sock, self.module.now() + _LINGER_S])
        else:
            sock.close(farewell=True)

    def shutdown(self):
        for sock in list(self.socks.values()) + [entry[0] for entry in self.closing]:
            sock.close()
        self.socks = {}
        self.closing = []

    # -- the host-I/O source (hostio.HostIO) -------------------------------------------------

    def interest(self):
        reads, writes = [], []
        for sock in self.socks.values():
            r, w = sock.interest()
            reads += r
            writes += w
        writes += [entry[0].host for entry in self.closing if entry[0].host is not None]
        return reads, writes

    def service(self, readable, writable):
        for sock in list(self.socks.values()):
            for host in [sock.host] + sock.members:
                # A handler may have closed or replaced this host socket already.
                if host in readable and (host is sock.host or host in sock.members):
                    sock.on_readable(host)
                if host in writable and host is sock.host:
                    sock.on_writable(host)
            if sock.tls is not None and sock.decrypted():
                sock.on_readable(sock.host)
            sock.deliver()
        for entry in list(self.closing):
            sock, deadline = entry
            if sock.host in writable:
                sock.flush()
            if not sock.tx or sock.host is None or self.module.now() >= deadline:
                sock.close(farewell=True)
                self.closing.remove(entry)


def table(module):
    return module.state["sockets"]


def boot(module):
    module.state["sockets"] = sockets = Sockets(module)
    module.io.sources.append(sockets)


def shutdown(module):
    module.state["sockets"].shutdown()


# -- parameter decoding ------------------------------------------------------------------------


def _socket(module, request, reply):
    """The socket named by the first parameter; every command answers unknown ids alike."""
    sid = integer(request.elements[0])
    reply.sock = sid
    sock = table(module).socks.get(sid)
    if sock is None:
        raise CommandError(_ids.SOCKET_ID_NOT_FOUND, "no socket %d" % sid)
    return sock


def _port(el):
    port = integer(el)
    if not 1 <= port <= 0xFFFF:
        raise CommandError(_ids.INVALID_PARAMETER, "port %d" % port)
    return port


def _address(module, el, version):
    """An ip_address of the socket's IP version from IPV4ADDR, IPV6ADDR or a host name.

    A name is looked up in the emulator's DNS table; None if it has no such address.
    """
    if el.type in (_ids.T_STRING, _ids.T_BYTES) and el.data:
        name = el.data.decode("utf-8", "surrogateescape")
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            found = dns.lookup(module, name, version)
            return None if found is None else ipaddress.ip_address(found)
    elif el.type == _ids.T_IPV4 and len(el.data) == 4:
        address = ipaddress.IPv4Address(el.data)
    elif el.type == _ids.T_IPV6 and len(el.data) in (16, 17):  # 17: with a prefix byte
        address = ipaddress.IPv6Address(el.data[:16])
    else:
        raise CommandError(_ids.INVALID_PARAMETER, "%r is no address" % (el,))
    if address.version != version:
        raise CommandError(_ids.INVALID_PARAMETER, "IPv%d address for an IPv%d socket" % (
            address.version, version))
    return address


def _data(request, length, limit):
    """The payload (last parameter), checked against its announced length."""
    el = request.elements[-1]
    data = text(el)
    if data is None:
        raise CommandError(_ids.INVALID_PARAMETER, "%s where data belongs" % el.code)
    if not 0 <= length <= limit:
        raise CommandError(_ids.INVALID_PARAMETER, "length %d (at most %d)" % (length, limit))
    if length != len(data):
        raise CommandError(LENGTH_MISMATCH, "length %d, %d data bytes" % (length, len(data)))
    return data


def _stall(module, sock):
    """tx_stall(): this write is refused with the scripted status, its data dropped."""
    stall = module.take_fault("tx_stall", sock=sock.id)
    if stall is not None:
        raise CommandError(stall["status"], "tx_stall")


# -- commands ----------------------------------------------------------------------------------


def socko(module, request, reply):
    expect_count(request, 1, 2)
    protocol = integer(request.elements[0])
    version = integer(request.elements[1]) if len(request.elements) > 1 else 4
    if protocol not in (UDP, TCP):
        raise CommandError(SOCKET_INVALID_PROTOCOL, "protocol %d" % protocol)
    if version not in (4, 6):
        raise CommandError(_ids.INVALID_PARAMETER, "IP version %d" % version)
    # [INFERRED] a new socket receives in polled mode until SOCKC 101/102 say otherwise.
    sock = table(module).open(protocol, version)
    reply.sock = sock.id
    reply.rsp(("U2", sock.id))


def sockbl(module, request, reply):
    expect_count(request, 2, 3)
    sock = _socket(module, request, reply)
    port = _port(request.elements[1])
    backlog = integer(request.elements[2]) if len(request.elements) > 2 else 1
    if not 1 <= backlog <= _MAX_BACKLOG:
        raise CommandError(_ids.INVALID_PARAMETER, "backlog %d" % backlog)
    if sock.host is not None or sock.state != OPEN:
        raise CommandError(_ids.SOCKET_BIND_FAILED, "socket %d is in use" % sock.id)
    if sock.protocol == TCP:
        sock.listen(port, backlog)
    else:
        sock.bind(port)


def sockbr(module, request, reply):
    expect_count(request, 3, 3)
    sock = _socket(module, request, reply)
    port = _port(request.elements[2])
    address = _address(module, request.elements[1], sock.version)
    if sock.protocol == UDP:
        if address is None:
            raise CommandError(_ids.SOCKET_CONNECT_FAILED, "unknown host name")
        sock.remote = (str(address), port)  # sends to it are checked when they happen
        return
    if sock.state == CONNECTING:
        return  # [INFERRED] a repeated SOCKBR while connecting changes nothing
    if sock.state != OPEN:
        raise CommandError(_ids.INVALID_PARAMETER, "socket %d is %s" % (sock.id, sock.state))
    if address is None:  # an unknown name fails like a refused connection
        sock.connect_failed()
        return
    sock.connect(address, port)


def sockbm(module, request, reply):
    expect_count(request, 3, 3)
    sock = _socket(module, request, reply)
    if sock.protocol != UDP:
        raise CommandError(SOCKET_INVALID_PROTOCOL, "multicast needs UDP")
    group = _address(module, request.elements[1], sock.version)
    port = _port(request.elements[2])
    if group is None or not group.is_multicast:
        raise CommandError(_ids.INVALID_PARAMETER, "%s is no multicast group" % group)
    sock.join(group, port)


def sockwr(module, request, reply):
    # U2 id, U2 length, [I4 seq], BA data
    expect_count(request, 3, 4)
    sock = _socket(module, request, reply)
    data = _data(request, integer(request.elements[1]), _MAX_WR)
    seq = integer(request.elements[2]) if len(request.elements) == 4 else None
    _stall(module, sock)
    if sock.protocol == UDP:  # a datagram to the SOCKBR peer or the SOCKBM group
        if sock.remote is None:
            raise CommandError(SOCKET_REMOTE_NOT_SET, "socket %d has no peer" % sock.id)
        sock.check_seq(seq)
        sock.send_datagram(ipaddress.ip_address(sock.remote[0]), sock.remote[1], data)
    else:
        if sock.state != CONNECTED or sock.host is None:
            raise CommandError(_ids.SOCKET_SEND_FAILED, "socket %d is not connected" % sock.id)
        sock.check_seq(seq)
        sock.write(data)
    sock.accept_seq(len(data))


def sockwrto(module, request, reply):
    # U2 id, address, U2 port, U2 length, [I4 seq], BA data
    expect_count(request, 5, 6)
    sock = _socket(module, request, reply)
    if sock.protocol != UDP:
        raise CommandError(SOCKET_INVALID_PROTOCOL, "SOCKWRTO needs UDP")
    address = _address(module, request.elements[1], sock.version)
    port = _port(request.elements[2])
    data = _data(request, integer(request.elements[3]), _MAX_WRTO)
    seq = integer(request.elements[4]) if len(request.elements) == 6 else None
    _stall(module, sock)
    sock.check_seq(seq)
    if address is None:
        raise CommandError(_ids.SOCKET_SEND_FAILED, "unknown host name")
    sock.send_datagram(address, port, data)
    sock.accept_seq(len(data))


def socktls(module, request, reply):
    # U2 id, U1 tlsConf: STATUS now; AEC SOCKTLS or SOCKERR once a handshake has run.
    expect_count(request, 2, 2)
    sock = _socket(module, request, reply)
    conf = integer(request.elements[1])
    if not 1 <= conf <= 4:  # [INFERRED] 0 (the spec's range starts there) selects nothing
        raise CommandError(_ids.INVALID_PARAMETER, "TLS configuration %d" % conf)
    if sock.protocol != TCP:  # no DTLS (socket-semantics A.7.8)
        raise CommandError(SOCKET_INVALID_PROTOCOL, "TLS needs TCP")
    sock.use_tls(conf)


def _reader(keep_rest):
    def handler(module, request, reply):
        # U2 id, U1 output mode (1-3), I4 length
        expect_count(request, 3, 3)
        sock = _socket(module, request, reply)
        mode, length = integer(request.elements[1]), integer(request.elements[2])
        if mode not in (1, 2, 3) or length < 0:
            raise CommandError(_ids.INVALID_PARAMETER, "mode %d, length %d" % (mode, length))
        reply.rsp(*sock.inbox.read(length, mode, keep_rest))

    return handler


def sockcl(module, request, reply):
    expect_count(request, 1, 1)
    table(module).close(_socket(module, request, reply))


def socklst(module, request, reply):
    expect_count(request, 0, 1)
    if request.elements:
        socks = [_socket(module, request, reply)]
    else:
        socks = [table(module).socks[sid] for sid in sorted(table(module).socks)]
    for sock in socks:
        reply.rsp(*sock.describe())


def sockc(module, request, reply):
    # U2 id, [param id, [value]]: the configuration pattern of §5.5 per socket.
    expect_count(request, 1, 3)
    sock = _socket(module, request, reply)
    rest = request.elements[1:]
    if len(rest) == 2 and not rest[1].data:
        raise CommandError(_ids.INVALID_PARAMETER, "empty value")
    before = dict(sock.config.values)
    sock.config.serve(reply, rest)
    if len(rest) < 2:
        return
    ident = param_id(rest[0])[0]
    try:
        if ident == NEXT_SN:
            sock.inbox.credit(before[NEXT_SN], sock.config.get(NEXT_SN))
        elif ident in (WIN_SZ, MAX_FRM_SZ):
            sock.inbox.restart_sequence()
        else:
            try:
                sock.apply_options(only=ident)
            except OSError as e:
                raise CommandError(SOCKET_SET_OPT_FAILED, str(e)) from None
            sock.options_set.add(ident)
    except CommandError:
        sock.config.values = before  # a refused value leaves nothing behind
        raise


COMMANDS = {
    _ids.SOCKO: socko,
    _ids.SOCKBL: sockbl,
    _ids.SOCKBR: sockbr,
    _ids.SOCKBM: sockbm,
    _ids.SOCKTLS: socktls,
    _ids.SOCKWR: sockwr,
    _ids.SOCKWRTO: sockwrto,
    _ids.SOCKRD: _reader(keep_rest=False),
    _ids.SOCKRDBUF: _reader(keep_rest=True),
    _ids.SOCKCL: sockcl,
    _ids.SOCKLST: socklst,
    _ids.SOCKC: sockc,
}
