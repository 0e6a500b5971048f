"""emulator: one module socket backed by real host sockets on loopback (spec §7.5, §7.6, §8.6).

It keeps the module's side of a connection: the host sockets, the connection state, the send
buffer and its sequence numbers, and its TLS session (§7.7, Python's ssl over the host socket);
the receive side is its Inbox (inbox.py). Nothing here binds or connects outside 127.0.0.0/8
and ::1.
"""

import errno
import socket
import ssl
import struct

from winc import _ids

from . import tls
from .commands import CommandError
from .config import ConfigTable, Param
from .inbox import (
    MAX_FRM_SZ,
    NEXT_SN,
    RCVBUF,
    TCP,
    WIN_SZ,
    Inbox,
    address_element,
    zero_address,
)

# Connection states; UDP sockets stay OPEN (bound once `host` exists).
OPEN = "open"
LISTENING = "listening"
CONNECTING = "connecting"
CONNECTED = "connected"

# TLS states of a socket SOCKTLS marked; `tls` is None on a plain socket.
TLS_MARKED = "marked"  # the handshake starts once TCP is connected (a listener: per child)
TLS_UPGRADE = "upgrade"  # connected already: the handshake starts once `tx` went out
TLS_HANDSHAKE = "handshake"
TLS_UP = "up"

# A non-blocking SSLSocket raises these where a plain socket raises BlockingIOError.
_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)

SNDBUF = 5

# SOCKC parameters (§7.5). RCVBUF and SNDBUF size the module's own buffers as well.
PARAMS = (
    Param(1, "SO_LINGER", "BOOL", 0, limit=(0, 1)),
    Param(2, "SO_NODELAY", "BOOL", 0, limit=(0, 1)),
    Param(3, "SO_KEEPALIVE", "U2", 0),
    Param(RCVBUF, "SO_RCVBUF", "U4", 8192, limit=(1460, 32768)),
    Param(SNDBUF, "SO_SNDBUF", "U4", 2920, limit=(1460, 32768)),
    Param(32, "IP_TOS", "U1", 0),
    Param(NEXT_SN, "ASYNC_NEXT_SN", "U2", 0),
    Param(WIN_SZ, "ASYNC_WIN_SZ", "U2", 0),
    Param(MAX_FRM_SZ, "ASYNC_MAX_FRM_SZ", "U2", 0),
)


def _loopback_index():
    # IPv6 multicast needs an interface: the loopback one ("lo" on Linux, "lo0" elsewhere).
    for index, name in socket.if_nameindex():
        if name.startswith("lo"):
            return index
    return 0


def _family(version):
    return socket.AF_INET if version == 4 else socket.AF_INET6


class NetSocket:
    """A module socket: id, protocol, IP version, SOCKC values and the host sockets behind it."""

    def __init__(self, owner, sid, protocol, version, config=None):
        self.owner = owner  # the socket table: post(), address(), adopt(), has_free_id()
        self.id = sid
        self.protocol = protocol
        self.version = version
        self.config = config or ConfigTable(PARAMS, owner.defaults)
        self.options_set = set()  # SOCKC ids the host set: those reach the host socket
        self.state = OPEN
        self.host = None  # the host socket (TCP: listener or connection; UDP: bound socket)
        self.members = []  # UDP: host sockets bound to joined multicast groups
        self.local = None  # (address, port) of the host socket
        self.remote = None  # TCP peer, or the UDP destination of writes without an address
        self.tx = bytearray()  # accepted by SOCKWR, not yet taken by the host socket
        self.tx_seq = 0  # sequence number the next SOCKWR/SOCKWRTO must carry
        self.notices = []  # (aec, elements) owed to the host at the next delivery
        self.counts = {"pushed": 0, "credited": 0, "written": 0, "received": 0}
        self.accepted = False  # a listener's child: the server end of its connection
        self.tls = None  # TLS_* state once SOCKTLS marked the socket
        self.tls_conf = None  # its TLSC configuration, 1-4
        self.tls_wants_write = False  # the handshake waits for the host socket to take data
        self.inbox = Inbox(sid, protocol, version, self.config, self.counts, self._post)

    def _post(self, aec, elements, on_read=None):
        self.owner.post(aec, elements, self.id, on_read)

    # -- host sockets ------------------------------------------------------------------------

    def _new_host(self, kind):
        host = socket.socket(_family(self.version), kind)
        host.setblocking(False)
        if kind == socket.SOCK_DGRAM:
            self._multicast_on_loopback(host)
        return host

    def _multicast_on_loopback(self, host):
        # Group traffic this socket sends stays on the loopback interface and is looped back
        # to listeners on this machine (the test peers).
        try:
            if self.version == 4:
                host.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                                socket.inet_aton(self.owner.address(4)))
                host.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            else:
                host.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                                _loopback_index())
                host.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
        except OSError:
            pass  # no multicast on this host: group sends will fail, nothing else does

    def apply_options(self, host=None, only=None):
        """Carry the SOCKC values the host set over to the host socket (all, or just `only`).

        Values never set stay the host OS defaults, so an untouched socket is not slowed down.
        OSError if the host OS refuses one.
        """
        host = host or self.host
        if host is None:
            return
        value = self.config.get
        stream = self.protocol == TCP
        settings = {
            2: stream and [(socket.IPPROTO_TCP, socket.TCP_NODELAY, value(2))],
            3: stream and [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(value(3) > 0))] + (
                [(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, value(3))]
                if value(3) and hasattr(socket, "TCP_KEEPIDLE") else []),
            RCVBUF: [(socket.SOL_SOCKET, socket.SO_RCVBUF, value(RCVBUF))],
            SNDBUF: [(socket.SOL_SOCKET, socket.SO_SNDBUF, value(SNDBUF))],
            32: [(socket.IPPROTO_IP, socket.IP_TOS, value(32)) if self.version == 4
                 else (socket.IPPROTO_IPV6, socket.IPV6_TCLASS, value(32))],
        }
        for ident in (self.options_set if only is None else (only,)):
            for setting in settings.get(ident) or ():
                host.setsockopt(*setting)

    def take_host(self, host):
        self.host = host
        self.local = host.getsockname()[:2]
        try:
            self.apply_options()
        except OSError:
            pass  # values the host cannot take stay stored; SOCKC reported them already

    def close(self, farewell=False):
        """Close every host socket of this module socket.

        With `farewell` (the host's SOCKCL) a TLS session says close_notify first; a reset
        does not.
        """
        if farewell and self.tls == TLS_UP and self.host is not None:
            try:
                self.host.unwrap()  # sends close_notify; never waits for the peer's
            except (ssl.SSLError, OSError, ValueError):
                pass
        for host in [self.host] + self.members:
            if host is not None:
                host.close()
        self.host = None
        self.members = []

    # -- commands ----------------------------------------------------------------------------

    def listen(self, port, backlog):
        host = self._new_host(socket.SOCK_STREAM)
        # Lets a test bind a port again at once; a port still listening stays refused.
        host.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            host.bind((self.owner.address(self.version), port))
            host.listen(backlog)
        except OSError as e:
            host.close()
            raise CommandError(_ids.SOCKET_BIND_FAILED, str(e)) from None
        self.take_host(host)
        self.state = LISTENING

    def bind(self, port):
        """UDP: bind to the module's address (port 0: an ephemeral one)."""
        host = self._new_host(socket.SOCK_DGRAM)
        try:
            host.bind((self.owner.address(self.version), port))
        except OSError as e:
            host.close()
            raise CommandError(_ids.SOCKET_BIND_FAILED, str(e)) from None
        self.take_host(host)

    def connect(self, address, port):
        """TCP: start a non-blocking connect; SOCKIND or SOCKERR follows at a later poll."""
        self.remote = (str(address), port)
        self.accepted = False  # a child whose connection failed may dial out: a client now
        if not address.is_loopback:  # never reach beyond this machine
            self.connect_failed()
            return
        host = self._new_host(socket.SOCK_STREAM)
        try:
            host.bind((self.owner.address(self.version), 0))  # the peer sees the module address
            self.apply_options(host)
            err = host.connect_ex((str(address), port))
        except OSError as e:
            err = e.errno
        if err not in (0, errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK):
            host.close()
            self.connect_failed()
            return
        self.host = host
        self.state = CONNECTING

    def connect_failed(self):
        self.state = OPEN  # [INFERRED] the id stays usable: the host may SOCKBR again
        self.notices.append((_ids.AEC_SOCKERR, (("U2", self.id),
                                                ("STATUS", _ids.SOCKET_CONNECT_FAILED))))

    def join(self, group, port):
        """UDP: receive (group, port) on loopback; later writes without address go there."""
        if self.host is None:
            self.bind(0)
        member = self._new_host(socket.SOCK_DGRAM)
        try:
            # SO_REUSEADDR: other members (test peers) listen on the same group and port.
            member.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if self.version == 4:
                member.bind((str(group), port))
                member.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                                  group.packed + socket.inet_aton(self.owner.address(4)))
            else:
                member.bind((str(group), port, 0, _loopback_index()))
                member.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                                  group.packed + struct.pack("@I", _loopback_index()))
        except OSError as e:
            member.close()
            raise CommandError(_ids.MULTICAST_ERROR, str(e)) from None
        self.members.append(member)
        self.remote = (str(group), port)

    def check_seq(self, seq):
        if seq is not None and seq != self.tx_seq:
            raise CommandError(_ids.SOCKET_SEQUENCE_ERROR, "seq %d, expected %d" % (
                seq, self.tx_seq))

    def accept_seq(self, length):
        self.tx_seq = (self.tx_seq + length) & 0xFFFF

    def write(self, data):
        """TCP: buffer `data` (all of it, or SOCKET_NOT_READY) and pass on what the host takes."""
        if self.state != CONNECTED or self.host is None:
            raise CommandError(_ids.SOCKET_SEND_FAILED, "not connected")
        if self.tls not in (None, TLS_UP):  # [INFERRED] the host retries as for a full buffer
            raise CommandError(_ids.SOCKET_NOT_READY, "TLS handshake not done")
        self.flush()
        if len(self.tx) + len(data) > self.config.get(SNDBUF):
            raise CommandError(_ids.SOCKET_NOT_READY, "send buffer full")
        self.tx += data
        self.flush()

    def flush(self):
        while self.tx and self.host is not None and self.state == CONNECTED:
            try:
                n = self.host.send(self.tx)
            except _WOULD_BLOCK:
                return
            except OSError:
                self._peer_reset()
                return
            del self.tx[:n]
            self.counts["written"] += n

    def send_datagram(self, address, port, data):
        """UDP: one datagram to a loopback or multicast destination, else SEND_FAILED."""
        if address.version != self.version or not (address.is_loopback or address.is_multicast):
            raise CommandError(_ids.SOCKET_SEND_FAILED, "%s is off limits" % address)
        if self.host is None:
            self.bind(0)
        target = (str(address), port)
        if address.version == 6 and address.is_multicast:
            target += (0, _loopback_index())
        try:
            self.host.sendto(data, target)
        except BlockingIOError:
            raise CommandError(_ids.SOCKET_NOT_READY, "host socket busy") from None
        except OSError as e:
            raise CommandError(_ids.SOCKET_SEND_FAILED, str(e)) from None
        self.counts["written"] += len(data)

    # -- polling -----------------------------------------------------------------------------

    def interest(self):
        """(host sockets to watch for reading, for writing) in the current state."""
        if self.host is None:
            return [], []
        if self.state == LISTENING:
            return ([self.host] if self.owner.has_free_id() else []), []
        if self.state == CONNECTING:
            return [], [self.host]
        if self.tls == TLS_HANDSHAKE:  # handshake records go regardless of the receive room
            return ([], [self.host]) if self.tls_wants_write else ([self.host], [])
        reads = []
        if self.inbox.room() > 0 and not self.inbox.eof:
            reads = [self.host] + self.members
        writes = [self.host] if self.tx and self.state == CONNECTED else []
        return reads, writes

    def on_readable(self, host):
        if self.state == LISTENING:
            self._accept()
        elif self.tls == TLS_HANDSHAKE:
            self._handshake()
        elif self.protocol == TCP:
            self._receive_stream()
        else:
            self._receive_datagrams(host)

    def on_writable(self, host):
        if self.state == CONNECTING:
            err = host.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                host.close()
                self.host = None
                self.connect_failed()
                return
            self.take_host(host)
            self.state = CONNECTED
            self.notices.append((_ids.AEC_SOCKIND, self.indication()))
            if self.tls == TLS_MARKED:  # SOCKIND as for TCP, then the handshake
                self.start_tls()
        elif self.tls == TLS_HANDSHAKE:
            self._handshake()
        else:
            self.flush()
            if self.tls == TLS_UPGRADE and not self.tx:
                self.start_tls()

    def indication(self):
        """SOCKIND elements: id, local address and port, remote address and port (§7.6)."""
        return (("U2", self.id), address_element(self.version, self.local[0]),
                ("U2", self.local[1]), address_element(self.version, self.remote[0]),
                ("U2", self.remote[1]))

    def _accept(self):
        while self.owner.has_free_id():
            try:
                conn, peer = self.host.accept()
            except BlockingIOError:
                return
            except OSError:
                return  # the client gave up before we took it
            self.owner.adopt(self, conn, peer[:2])

    def _receive_stream(self):
        while not self.inbox.eof and self.inbox.room() > 0:
            try:
                data = self.host.recv(self.inbox.room())
            except _WOULD_BLOCK:
                return
            except OSError:  # a TLS alert or a bad record too
                self._peer_reset()
                return
            if not data:  # FIN, or TLS close_notify (or an EOF without it)
                self.inbox.peer_closed()
                return
            self.inbox.add_stream(data)

    def decrypted(self):
        """TLS: the host socket holds decrypted bytes, which select() cannot see, and there
        is room for them."""
        return (self.tls == TLS_UP and self.host is not None and not self.inbox.eof
                and self.inbox.room() > 0 and self.host.pending() > 0)

    def _peer_reset(self):
        # [INFERRED] data already received is still delivered, then SOCKERR(0x0E08), SOCKCL.
        self.inbox.peer_closed(_ids.SOCKET_SEND_FAILED)
        self.tx = bytearray()
        if self.host is not None:
            self.host.close()
            self.host = None

    def _receive_datagrams(self, host):
        while self.inbox.room() > 0:
            try:
                data, source = host.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. an ICMP error from an earlier send: UDP carries on
            if host is not self.host and source[:2] == self.local:
                continue  # [INFERRED] the module does not hear its own group traffic
            self.inbox.add_datagram(source[0], source[1], data)

    # -- TLS -----------------------------------------------------------------------------------

    def use_tls(self, conf):
        """SOCKTLS: this socket speaks TLS with configuration `conf` (1-4).

        Before the connection exists the handshake waits for it (a listener's children each
        run one); on a connected socket it starts at once, after data already buffered.
        """
        if self.tls in (TLS_HANDSHAKE, TLS_UP):
            raise CommandError(_ids.INVALID_PARAMETER, "socket %d speaks TLS" % self.id)
        self.tls_conf = conf
        if self.state != CONNECTED:
            self.tls = TLS_MARKED
            return
        # [INFERRED] (socket-semantics A.7.7) SOCKTLS upgrades a connected socket.
        if self.host is None or self.inbox.eof:
            raise CommandError(_ids.SOCKET_TLS_FAILED, "socket %d lost its peer" % self.id)
        self.tls = TLS_UPGRADE
        self.flush()
        if not self.tx:
            self.start_tls()

    def start_tls(self):
        """Wrap the connected host socket and start the handshake; SOCKTLS or SOCKERR follows."""
        try:
            context, name = tls.context(self.owner.module, self.tls_conf, self.accepted)
        except tls.TlsError as e:
            self._tls_failed(e.status)
            return
        try:
            self.host = context.wrap_socket(self.host, server_side=self.accepted,
                                            server_hostname=name, do_handshake_on_connect=False)
        except (ssl.SSLError, OSError, ValueError):
            self._tls_failed(_ids.SOCKET_TLS_FAILED)
            return
        self.tls = TLS_HANDSHAKE
        self.tls_wants_write = False
        host = self.host
        limit = self.owner.module.options["tls_handshake_ms"] / 1000
        self.owner.module.later(limit, lambda: self._handshake_expired(host))
        self._handshake()

    def _handshake(self):
        try:
            self.host.do_handshake()
        except ssl.SSLWantReadError:
            self.tls_wants_write = False
            return
        except ssl.SSLWantWriteError:
            self.tls_wants_write = True
            return
        except (ssl.SSLError, OSError, ValueError):  # a verification failure, an alert, EOF
            self._tls_failed(_ids.SOCKET_TLS_FAILED)
            return
        self.tls = TLS_UP
        self.notices.append((_ids.AEC_SOCKTLS, (("U2", self.id),)))
        self._receive_stream()  # application data may have come with the last flight

    def _handshake_expired(self, host):
        if self.tls == TLS_HANDSHAKE and self.host is host:
            self._tls_failed(_ids.SOCKET_TLS_FAILED)

    def _tls_failed(self, status):
        """SOCKERR(status); the host socket closes, the id stays the host's until SOCKCL."""
        self.notices.append((_ids.AEC_SOCKERR, (("U2", self.id), ("STATUS", status))))
        if self.host is not None:
            self.host.close()
            self.host = None
        self.tx = bytearray()
        # [INFERRED] like a failed connect: the id may SOCKBR again, with the same configuration.
        self.state = OPEN
        self.tls = TLS_MARKED

    def deliver(self):
        """Post what the host is owed now: notices (SOCKIND, SOCKERR), then received data."""
        notices, self.notices = self.notices, []
        for aec, elements in notices:
            self._post(aec, elements)
        self.inbox.deliver()

    def describe(self):
        """SOCKLST elements: id, protocol, remote address and port, local port (§7.5)."""
        address, port = self.remote or (zero_address(self.version), 0)
        return (("U2", self.id), ("U1", self.protocol), address_element(self.version, address),
                ("U2", port), ("U2", self.local[1] if self.local else 0))
