"""winc.socket: MicroPython-style sockets on the module's TCP/IP stack (spec socket-semantics C).

Sockets are objects over module socket IDs; data moves in the module's acknowledged push mode
(SOCKRXT/SOCKRXU into a ring, NEXT_SN acknowledgements as the application reads) and SOCKWR
chunks with sequence numbers. Blocking calls pump the device until their condition holds.
"""

from . import _addr, _ids, tlv
from ._buf import RingIO, Span, skip
from ._compat import IOBase, const, print_exception, ticks_add, ticks_diff, ticks_ms
from .device import PENDING, Command, Device, describe

# Constants: MicroPython/Linux values; the wire values differ (C.3).
AF_UNSPEC = const(0)
AF_INET = const(2)
AF_INET6 = const(10)
SOCK_STREAM = const(1)
SOCK_DGRAM = const(2)
IPPROTO_IP = const(0)
IPPROTO_TCP = const(6)
IPPROTO_UDP = const(17)
IPPROTO_IPV6 = const(41)
IPPROTO_TLS = const(253)
SOL_SOCKET = const(0xFFF)
SO_REUSEADDR = const(2)
SO_SNDBUF = const(7)
SO_RCVBUF = const(8)
SO_KEEPALIVE = const(9)
SO_LINGER = const(13)
SO_ASYNC_MODE = const(100)
SO_CALLBACK = const(20)  # MicroPython: setsockopt(SOL_SOCKET, 20, fn) calls fn(sock) when readable
IP_TOS = const(1)
IP_ADD_MEMBERSHIP = const(35)
IPV6_ADD_MEMBERSHIP = const(20)
TCP_NODELAY = const(1)
TLS_CONF_IDX = const(1)
MSG_PEEK = const(2)
MSG_TRUNC = const(0x20)
MSG_DONTWAIT = const(0x40)
SHUT_RD = const(0)
SHUT_WR = const(1)
SHUT_RDWR = const(2)
SOMAXCONN = const(10)
POLLIN = const(1)
POLLOUT = const(4)
POLLERR = const(8)
POLLHUP = const(16)
POLLNVAL = const(32)
EVENT_OPEN = const(0)
EVENT_LISTEN = const(1)
EVENT_CONNECT_REQ = const(2)
EVENT_CONNECT = const(3)
EVENT_SEND = const(4)
EVENT_RECV = const(5)
EVENT_CLOSE = const(6)
EVENT_TLS_CONNECT = const(7)
EVENT_DISCONNECT = const(8)
EVENT_DNS_RESOLV = const(9)
EVENT_ERROR = const(10)
STATUS_OK = const(0)
STATUS_ERROR = const(1)
ASYNC_OFF = const(0)
ASYNC_SIMPLE = const(1)
ASYNC_ACKED = const(2)
EAI_NONAME = const(-2)
EAI_AGAIN = const(-3)
EAI_FAIL = const(-4)
EAI_FAMILY = const(-6)
EAI_SERVICE = const(-8)

error = OSError

_EBADF = const(9)
_EAGAIN = const(11)
_EINVAL = const(22)
_ENFILE = const(23)
_EIO = const(5)
_EDESTADDRREQ = const(89)
_EMSGSIZE = const(90)
_ENOPROTOOPT = const(92)
_EPROTONOSUPPORT = const(93)
_EOPNOTSUPP = const(95)
_EAFNOSUPPORT = const(97)
_EADDRINUSE = const(98)
_ECONNABORTED = const(103)
_ECONNRESET = const(104)
_ENOBUFS = const(105)
_EISCONN = const(106)
_ENOTCONN = const(107)
_ETIMEDOUT = const(110)
_ECONNREFUSED = const(111)
_EALREADY = const(114)
_EINPROGRESS = const(115)

_MP_STREAM_POLL = const(3)
_MP_STREAM_CLOSE = const(4)

# Socket states.
_OPENING = const(0)
_OPEN = const(1)
_LISTENING = const(2)
_CONNECTING = const(3)
_CONNECTED = const(4)
_PEER_CLOSED = const(5)
_CLOSED = const(6)  # closed by the user: EBADF from now on
_DEAD = const(7)  # lost in a module reset: ECONNABORTED

_OPEN_TIMEOUT_MS = const(2000)
_CLOSE_DRAIN_MS = const(2000)
_DNS_TIMEOUT_MS = const(10000)
_TCP_CHUNK = (1460, 1440)  # SOCKWR payload to an IPv4 / IPv6 peer (§8.2)
_UDP_MAX = (1472, 1452)
# SOCKC 102 for TCP, UDP/IPv4, UDP/IPv6. The reference's TCP 1498 means "three 512-byte blocks"
# but forgets TLV and message padding (§5.1): a 1498-byte SOCKRXT is 1540 bytes, a 4-byte fourth
# read with its own DATA_RDY round. 1496 makes it exactly 1536 [INFERRED]. Datagrams (<= 1472)
# fit three blocks with either UDP value.
_PUSH_FRAME = (1496, 1490, 1478)
_WRITES_IN_FLIGHT = const(2)  # TCP: SOCKWR commands awaiting their STATUS
_UDP_IN_FLIGHT = const(4)  # UDP: datagrams handed over and not yet accepted (the "descriptors")
_EPHEMERAL = const(49152)
_PORT_TRIES = const(8)  # bind to port 0: ports tried before EADDRINUSE

_STATUS_NOT_READY = const(0x0E0C)
_STATUS_SEQUENCE = const(0x0E0D)
_STATUS_TLS_FAILED = const(0x0E06)
_STATUS_NO_FREE = const(0x0E02)

_callback = None
_context = None


def _error(errno, why=None):
    """OSError(errno, name[: why]): CPython only fills .errno when a text comes with it."""
    from .errno import errorcode

    text = errorcode.get(errno, "error %d" % errno)
    return OSError(errno, text if why is None else "%s: %s" % (text, why))


def set_event_callback(cb, context=None):
    """cb(context, sock, event, status) for every socket event; None disables (C.6)."""
    global _callback, _context
    _callback = cb
    _context = context


def _emit(sock, event, status=STATUS_OK):
    if _callback is not None:  # the except clause lives apart: it would put every call's frame
        _deliver(sock, event, status)  # on the MicroPython heap, callback or not


def _deliver(sock, event, status):
    try:
        _callback(_context, sock, event, status)
    except Exception as e:  # a broken callback must not stop the pump
        print_exception(e)


def _stack(dev):
    """The socket layer of a device (the default one for None), made on first use."""
    return Device.layer(dev, "_sockets", _Stack)


class _Stack:
    """Per-device state: module socket IDs -> sockets, the DNS query, and the AEC handlers."""

    def __init__(self, dev):
        self.dev = dev
        self.by_id = {}
        self.port = _EPHEMERAL + ticks_ms() % 16384  # a fresh start after each reboot
        self.dns = None  # the one query in flight: [name, type, results, error]
        self.raw_reads = dev.raw_reads  # TCP reads polled and raw (the AT link), not pushed
        for aec, handler in ((_ids.AEC_SOCKIND, self._on_ind), (_ids.AEC_SOCKRXT, self._on_rx),
                             (_ids.AEC_SOCKRXU, self._on_rx), (_ids.AEC_SOCKCL, self._on_cl),
                             (_ids.AEC_SOCKTLS, self._on_tls), (_ids.AEC_SOCKERR, self._on_err),
                             (_ids.AEC_DNSRESOLV, self._on_dns),
                             (_ids.AEC_DNSERR, self._on_dns_err)):
            dev.subscribe(aec, handler)
        dev.on_reset(self._on_reset)

    def ephemeral_port(self):
        """A local port 49152-65535 that no other winc socket uses."""
        used = [s._local[1] for s in self.by_id.values() if s._local]
        for _ in range(65536 - _EPHEMERAL):
            port = self.port
            self.port = port + 1 if port < 65535 else _EPHEMERAL
            if port not in used:
                return port
        raise _error(_EADDRINUSE)

    def submit(self, *cmds):
        self.submit_burst(cmds)

    def submit_burst(self, cmds):
        if not self.dev.up:  # C.4: a module or link that is down is EIO to a socket
            raise _error(_EIO)
        self.dev.submit(cmds)

    # ---- AECs ------------------------------------------------------------------------------

    def _on_ind(self, msg):
        sid = msg.int(0)
        local = _endpoint(msg, 1)
        peer = _endpoint(msg, 3)
        sock = self.by_id.get(sid)
        if sock is not None:
            sock._on_connected(local, peer)
            return
        for listener in self.by_id.values():
            if (listener._st == _LISTENING and listener._local
                    and listener._local[1] == local[1]):
                child = socket(listener.family, SOCK_STREAM, listener.proto, rxbuf=listener._rxsize,
                               txbuf=listener._txsize, _child=listener)
                child._adopt(sid, local, peer)
                return

    def _on_rx(self, msg):
        sock = self.by_id.get(msg.int(0))
        if sock is not None and sock._st < _CLOSED:
            sock._on_data(msg)

    def _on_cl(self, msg):
        sock = self.by_id.get(msg.int(0))
        if sock is not None and sock._st < _CLOSED:
            sock._on_peer_closed()

    def _on_tls(self, msg):
        sock = self.by_id.get(msg.int(0))
        if sock is not None and sock._st < _CLOSED:
            sock._on_tls()

    def _on_err(self, msg):
        sock = self.by_id.get(msg.int(0))
        if sock is not None and sock._st < _CLOSED:
            sock._on_error(msg.int(1))

    def _on_dns(self, msg):
        query = self.dns
        if query is None or msg.count < 3 or msg.str(1) != query[0]:
            return
        t = msg.type(2)
        p = msg.offset(2)
        if t == _ids.T_IPV4 and msg.len(2) == 4 and query[1] != 28:
            query[2].append((AF_INET, _addr.ntop(AF_INET, msg.buf[p:p + 4])))
        elif t == _ids.T_IPV6 and msg.len(2) == 16 and query[1] != 1:
            query[2].append((AF_INET6, _addr.ntop(AF_INET6, msg.buf[p:p + 16])))
        _emit(None, EVENT_DNS_RESOLV, STATUS_OK)

    def _on_dns_err(self, msg):
        query = self.dns
        if query is None or msg.count < 3 or msg.str(2) != query[0]:
            return
        query[3] = msg.int(0)
        _emit(None, EVENT_DNS_RESOLV, STATUS_ERROR)

    def _on_reset(self, errno):
        """The module forgot every socket (C.12): each dies with CLOSE(STATUS_ERROR)."""
        socks = list(self.by_id.values())
        self.by_id = {}
        self.dns = None
        for sock in socks:
            sock._die()


def _endpoint(msg, i):
    """(ip, port) from an address element and the port element after it."""
    t = msg.type(i)
    p = msg.offset(i)
    if t == _ids.T_IPV6:
        ip = _addr.ntop(AF_INET6, msg.buf[p:p + 16])
    else:
        ip = _addr.ntop(AF_INET, msg.buf[p:p + 4])
    return (ip, msg.int(i + 1))


def _check_int(value):
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int):
        raise OSError(_EINVAL, "option value must be an int")
    return value


class socket(IOBase):
    """socket(af=AF_INET, type=SOCK_STREAM, proto=0, *, dev=None, rxbuf=4096, txbuf=2048)

    A MicroPython-compatible socket on the module's stack (C.5). rxbuf is also the receive
    window the module may push ahead of the application (8192 or more for bulk receive: fewer
    window acknowledgements on the bus); txbuf holds data not yet accepted by the module.
    """

    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0, *, dev=None, rxbuf=4096,
                 txbuf=2048, _child=None):
        self._st = _CLOSED  # until open: __del__ may run on a half-made socket
        if af != AF_INET and af != AF_INET6:
            raise OSError(_EAFNOSUPPORT, "address family")
        if type != SOCK_STREAM and type != SOCK_DGRAM:
            raise OSError(_EINVAL, "socket type")
        if type == SOCK_STREAM and proto not in (0, IPPROTO_TCP, IPPROTO_TLS):
            raise _error(_EPROTONOSUPPORT)
        if type == SOCK_DGRAM and proto not in (0, IPPROTO_UDP):
            raise _error(_EPROTONOSUPPORT)
        if rxbuf < 1536 or txbuf < 64:
            raise ValueError("rxbuf >= 1536 and txbuf >= 64")
        self.family = af
        self.type = type
        self.proto = proto or (IPPROTO_TCP if type == SOCK_STREAM else IPPROTO_UDP)
        self._stack = _stack(_child._stack.dev if _child is not None else dev)
        self._id = 0
        self._st = _OPENING
        self._timeout = None
        self._err = 0  # sticky errno of an asynchronous failure
        self._why = None  # what the module said about it (a TLS handshake's status)
        self._hup = False  # the peer closed: EOF once the buffer is drained
        self._local = None
        self._peer = None
        self._peer_packed = None
        self._tls_pending = False
        self._tls = 0  # the TLSC configuration of a TLS socket or listener (1..4)
        # TCP on a link with raw reads (AT): polled reads of raw bytes instead of hex pushes.
        self._mode = ASYNC_OFF if type == SOCK_STREAM and self._stack.raw_reads else \
            ASYNC_ACKED
        self._rxsize = rxbuf
        self._txsize = txbuf
        self._rx = None  # storage of the receive ring, allocated when the socket can receive
        self._ring = None  # RingIO over _rx: copies in and out without allocating
        self._rx_start = 0  # the ring's read position, mirrored for MSG_PEEK
        self._rx_len = 0
        self._dgrams = []  # UDP: [length, (ip, port)] per datagram in the ring, oldest first
        self._next_sn = 0  # bytes consumed (mod 65536): the window base the module is told
        self._acked = 0
        self._ack_busy = False
        self._pend = 0  # polled mode: bytes the module holds
        self._reading = False
        self._tx = None  # storage of the transmit ring; SOCKWR takes its data from here
        self._txring = None  # RingIO over _tx: send() copies in without allocating
        self._tx_start = 0  # the ring's read position: the first unacknowledged byte
        self._tx_len = 0  # bytes queued, including those in flight
        self._tx_flight = 0  # bytes handed to the module without a STATUS yet
        self._tx_cmds = 0  # SOCKWR/SOCKWRTO commands in flight
        self._nodelay = False  # TCP_NODELAY: short chunks go out at once
        self._port_tries = 0  # bind to port 0: ports tried besides the first (see _on_bound)
        self._tx_seq = 0  # sequence number of the first unacknowledged byte
        self._tx_gen = 0  # bumped on a resend: STATUSes of older writes are then ignored
        self._udp_out = []  # UDP: [data, packed ip, port] datagrams not yet accepted
        self._closing = False  # closed with TX data still to drain
        self._children = []
        self._backlog = 1
        self._readable = None
        self._ack_burst = None
        self._ack_at = 1
        self._ack_unit = 1
        self._source = None
        self._rxv = None  # view of the receive ring, for MSG_PEEK
        self._writes = []  # SOCKWR commands, one per write that may be in flight
        self._readable_now = self._readable_state  # bound once: waits would allocate them
        self._writable_now = self._writable
        self._listener = _child
        self._offered = False  # a TLS listener's child: handed to accept() (see _on_tls)
        if _child is None:
            self._open()

    def __repr__(self):
        return "<winc.socket %s id=%d>" % (("opening", "open", "listening", "connecting",
                                            "connected", "peer closed", "closed",
                                            "dead")[self._st], self._id)

    # ---- lifecycle -------------------------------------------------------------------------

    def _open(self):
        wire_af = 4 if self.family == AF_INET else 6
        wire_type = 2 if self.type == SOCK_STREAM else 1
        cmd = Command(_ids.SOCKO, (tlv.U1, wire_type, tlv.U1, wire_af), self._on_open_rsp,
                      self._on_open_status)
        self._stack.submit(cmd)
        try:
            self._wait(lambda: cmd.status != PENDING, _OPEN_TIMEOUT_MS)
        except OSError:
            self._st = _CLOSED
            raise
        if cmd.status:
            self._st = _CLOSED
            if self._id:
                self._stack.by_id.pop(self._id, None)
            if cmd.status < 0:
                raise _error(-cmd.status)
            if cmd.status == _STATUS_NO_FREE:
                raise OSError(_ENFILE, "module has no free socket")
            raise self._stack.dev.error(cmd)

    def _on_open_rsp(self, cmd, msg):
        self._id = msg.int(0)
        self._stack.by_id[self._id] = self

    def _on_open_status(self, cmd):
        if cmd.status < 0:
            return
        if cmd.status == 0 and self._id:
            self._st = _OPEN
            self._configure_push(self._mode != ASYNC_OFF)  # a new socket starts polled
        _emit(self, EVENT_OPEN, STATUS_ERROR if cmd.status else STATUS_OK)

    def _adopt(self, sid, local, peer):
        """A child created at SOCKIND on a listener (before accept(), so no data is lost)."""
        listener = self._listener
        self._id = sid
        self._mode = listener._mode
        self._timeout = listener._timeout
        self._stack.by_id[sid] = self
        self._local = local
        self._peer = peer
        self._st = _CONNECTED
        self._buffers()
        self._configure_push()
        if listener._tls:
            self._tls = listener._tls  # accept() waits for the handshake (A.7.5)
            self._tls_pending = True
        else:
            listener._children.append(self)
        _emit(listener, EVENT_CONNECT_REQ)
        listener._notify()

    def _configure_push(self, send=True):
        """SOCKC 101/102: the receive window and frame size of the socket's read mode (sent
        unless the module already has them)."""
        if self._mode == ASYNC_OFF:
            window = frame = 0
        else:
            frame = _PUSH_FRAME[0 if self.type == SOCK_STREAM else
                                1 if self.family == AF_INET else 2]
            window = self._rxsize if self._mode == ASYNC_ACKED else 0
        self._next_sn = self._acked = 0
        size = self._rxsize
        if self.type == SOCK_STREAM and size >= _PUSH_FRAME[0]:
            # Whole frames only: every ack then opens room for whole frames, and the module
            # never pushes a short frame (an extra CMD53 and DATA_RDY round) to fill a gap.
            unit = self._ack_unit = _PUSH_FRAME[0]
            self._ack_at = max(unit, (size - 1) // unit * unit)
        else:
            self._ack_unit = 1
            self._ack_at = max(1, min(size // 2, size - _PUSH_FRAME[1]))
        if send:
            self._stack.submit(self._sockc(101, window), self._sockc(102, frame))

    def _sockc(self, param, value, on_status=None):
        return Command(_ids.SOCKC, [tlv.U2, self._id, tlv.U4, param, tlv.U4, value], None,
                       on_status)

    def _buffers(self):
        if self._rx is None:
            self._rx = bytearray(self._rxsize + 1)  # RingIO keeps one byte free
            self._ring = RingIO(self._rx)
            self._rxv = memoryview(self._rx)
            self._rx_start = self._rx_len = 0
        if self._tx is None and self.type == SOCK_STREAM:
            self._tx = bytearray(self._txsize + 1)
            self._txring = RingIO(self._tx)
            self._tx_start = self._tx_len = self._tx_flight = 0

    def close(self):
        """Close; queued TX data is still delivered first (C.5). Idempotent."""
        st = self._st
        if st >= _CLOSED:
            return
        self._st = _CLOSED
        for child in self._children:
            child.close()
        self._children = []
        if not self._id:
            return
        if self._tx_len and not self._err and st == _CONNECTED:
            self._closing = True
            if self._timeout != 0 and not self._stack.dev.busy:
                try:
                    self._wait(lambda: not self._tx_len or self._err, _CLOSE_DRAIN_MS, True)
                except OSError:
                    pass
            if not self._closing or (self._tx_len and not self._err):
                return  # SOCKCL went with the last write's STATUS, or will
        self._send_close()

    def _send_close(self):
        self._closing = False
        try:
            self._stack.submit(Command(_ids.SOCKCL, (tlv.U2, self._id), None, self._on_closed))
        except OSError:
            self._stack.by_id.pop(self._id, None)

    def _on_closed(self, cmd):
        if cmd.status < 0 and self._id:
            return  # a module reset got there first and already said CLOSE (shutdown: id 0)
        if self._stack.by_id.get(self._id) is self:
            del self._stack.by_id[self._id]
        self._rx = self._tx = self._rxv = self._ring = self._txring = None
        _emit(self, EVENT_CLOSE, STATUS_ERROR if cmd.status else STATUS_OK)

    def _die(self):
        """The module reset under this socket: CLOSE(STATUS_ERROR), then ECONNABORTED (C.12)."""
        if self._st != _CLOSED:
            self._st = _DEAD
        self._closing = False
        self._err = _ECONNABORTED
        self._rx = self._tx = self._rxv = self._ring = self._txring = None
        self._rx_len = self._tx_len = 0
        self._children = []  # each child is in the stack's table and dies on its own
        _emit(self, EVENT_CLOSE, STATUS_ERROR)
        self._notify()

    def __del__(self):
        try:
            self.close()
        except Exception:  # a finaliser must not raise (interpreter exit, dead device)
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def makefile(self, *args, **kwargs):
        return self

    # ---- waiting ---------------------------------------------------------------------------

    def _check(self):
        st = self._st
        if st == _CLOSED:
            raise _error(_EBADF)
        if st == _DEAD:
            raise _error(_ECONNABORTED)

    def _wait(self, ready, timeout_ms=None, forced=False):
        """Pump the device until ready(); EAGAIN when non-blocking, ETIMEDOUT past the timeout."""
        if ready():
            return
        dev = self._stack.dev
        if (self._timeout == 0 and not forced) or dev.busy:
            raise _error(_EAGAIN)
        if timeout_ms is None and self._timeout is not None:
            timeout_ms = int(self._timeout * 1000)
        deadline = ticks_add(ticks_ms(), timeout_ms) if timeout_ms is not None else 0
        while not ready():
            if self._st == _DEAD:
                raise _error(_ECONNABORTED)
            left = 1000
            if timeout_ms is not None:
                left = ticks_diff(deadline, ticks_ms())
                if left <= 0:
                    raise _error(_ETIMEDOUT)
            dev.pump(left if left < 1000 else 1000)

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def settimeout(self, value):
        if value is not None and value < 0:
            raise ValueError("timeout must be >= 0 or None")
        self._timeout = value

    def gettimeout(self):
        return self._timeout

    # ---- addresses -------------------------------------------------------------------------

    def _resolve(self, address):
        """(packed ip, port, ip text) for an address tuple; host names go through DNS."""
        if not isinstance(address, tuple) or len(address) not in (2, 4):
            raise TypeError("address must be (host, port)")
        host, port = address[0], address[1]
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise OSError(_EINVAL, "port")
        if host == "":
            host = "0.0.0.0" if self.family == AF_INET else "::"
        found = _addr.literal(host)
        if found is None:
            info = getaddrinfo(host, port, self.family, dev=self._stack.dev)
            found = _addr.literal(info[0][4][0])
        if found[0] != self.family:
            raise OSError(_EAFNOSUPPORT, "address of the other family")
        return found[1], port, _addr.ntop(self.family, found[1])

    def _addr_param(self, packed):
        return tlv.IPV4 if self.family == AF_INET else tlv.IPV6, packed

    def getsockname(self):
        self._check()
        if self._local is None:
            return ("0.0.0.0" if self.family == AF_INET else "::", 0)
        return self._local

    def getpeername(self):
        self._check()
        if self._peer is None or self._st == _CONNECTING:
            raise _error(_ENOTCONN)
        return self._peer

    # ---- bind / listen / accept / connect --------------------------------------------------

    def bind(self, address):
        self._check()
        if self._local is not None:
            raise OSError(_EINVAL, "already bound")
        packed, port, ip = self._resolve(address)
        if port == 0:
            port = self._stack.ephemeral_port()
            self._port_tries = 1
        self._local = (ip, port)
        if self.type == SOCK_STREAM:
            return  # TCP binds at listen() (SOCKBL carries the backlog)
        self._buffers()
        self._command_and_wait(Command(_ids.SOCKBL, (tlv.U2, self._id, tlv.U2, port), None,
                                       self._on_bound), _EADDRINUSE)

    def _command_and_wait(self, cmd, errno):
        """Send cmd; a blocking socket waits for its STATUS and raises errno on failure."""
        cmd.errno = errno
        self._stack.submit(cmd)
        if self._timeout == 0 or self._stack.dev.busy:
            return
        self._wait(lambda: cmd.status != PENDING)
        if cmd.status:
            raise _error(-cmd.status if cmd.status < 0 else errno)

    def _on_bound(self, cmd):
        if cmd.status < 0:
            return
        if cmd.status and 0 < self._port_tries < _PORT_TRIES and self._st < _CLOSED:
            # A port we chose ourselves is taken on the module's side: any port will do, so
            # the same command goes again with the next one (a blocking bind still waits).
            self._port_tries += 1
            self._local = (self._local[0], self._stack.ephemeral_port())
            cmd.params = cmd.params[:3] + (self._local[1],) + cmd.params[4:]
            self._stack.submit(cmd)
            return
        if cmd.status:
            self._err = cmd.errno
        _emit(self, EVENT_LISTEN, STATUS_ERROR if cmd.status else STATUS_OK)
        self._notify()

    def listen(self, backlog=1):
        self._check()
        if self.type != SOCK_STREAM:
            raise _error(_EOPNOTSUPP)
        if self._local is None:
            raise OSError(_EINVAL, "bind() first")
        if self._st == _LISTENING:
            return
        if self._st != _OPEN:
            raise _error(_EISCONN)
        backlog = 0 if backlog < 0 else SOMAXCONN if backlog > SOMAXCONN else backlog
        params = (tlv.U2, self._id, tlv.U2, self._local[1])
        if backlog:
            params += (tlv.U1, backlog)
        self._st = _LISTENING
        self._backlog = backlog
        self._command_and_wait(Command(_ids.SOCKBL, params, None, self._on_bound), _EADDRINUSE)

    def accept(self):
        self._check()
        if self.type != SOCK_STREAM:
            raise _error(_EOPNOTSUPP)
        if self._st != _LISTENING:
            raise OSError(_EINVAL, "not listening")
        self._wait(lambda: self._children or self._err or self._st != _LISTENING)
        self._check()
        if not self._children:
            raise _error(self._err, self._why)
        child = self._children.pop(0)
        return child, child._peer

    def connect(self, address):
        self._check()
        st = self._st
        if st == _CONNECTING:
            raise _error(_EALREADY)
        if st == _CONNECTED or st == _PEER_CLOSED:
            raise _error(_EISCONN)
        if self._err:
            raise _error(self._err, self._why)
        if st == _LISTENING:
            raise _error(_EISCONN)
        packed, port, ip = self._resolve(address)
        if port == 0:
            raise OSError(_EINVAL, "port 0")
        if self.type == SOCK_DGRAM:
            if self._local is None:
                self._buffers()
            self._peer = (ip, port)
            self._peer_packed = packed
            a_type, a_value = self._addr_param(packed)
            self._command_and_wait(
                Command(_ids.SOCKBR, (tlv.U2, self._id, a_type, a_value, tlv.U2, port), None,
                        self._on_udp_peer), _EINVAL)
            return
        self._buffers()
        self._peer = (ip, port)
        self._st = _CONNECTING
        a_type, a_value = self._addr_param(packed)
        self._stack.submit(Command(_ids.SOCKBR, (tlv.U2, self._id, a_type, a_value, tlv.U2,
                                                 port), None, self._on_connect_status))
        if self._timeout == 0 or self._stack.dev.busy:
            raise _error(_EINPROGRESS)
        self._wait(lambda: self._st != _CONNECTING or self._err)
        self._check()
        if self._err:
            raise _error(self._err, self._why)

    def _on_connect_status(self, cmd):
        if cmd.status > 0 and self._st == _CONNECTING:
            self._on_error(cmd.status)

    def _on_udp_peer(self, cmd):
        if cmd.status < 0:
            return
        if cmd.status:
            self._err = _EINVAL
        _emit(self, EVENT_CONNECT, STATUS_ERROR if cmd.status else STATUS_OK)
        self._notify()

    def _on_connected(self, local, peer, tls=False):
        if self._st != _CONNECTING and self._st != _CONNECTED:
            return
        self._local = local
        self._peer = peer
        if self._tls_pending:
            return  # CONNECT waits for the handshake
        self._st = _CONNECTED
        _emit(self, EVENT_CONNECT)
        if tls:
            _emit(self, EVENT_TLS_CONNECT)
        self._notify()

    def _on_error(self, status):
        tls = status == _STATUS_TLS_FAILED or status >> 8 == 0x11  # TLS module statuses
        if tls:
            self._why = "TLS handshake failed (%s)" % describe("STATUSES", status)
        if self._st == _CONNECTING:
            self._err = _ECONNABORTED if tls else _ECONNREFUSED
            self._st = _OPEN
        else:
            self._err = (_ECONNABORTED if tls else
                         _ECONNRESET if self.type == SOCK_STREAM else _EIO)
        _emit(self, EVENT_ERROR, STATUS_ERROR)
        if self._tls_pending and self._listener is not None and self._st == _CONNECTED:
            self.close()  # a child whose handshake failed: never offered, freed on the module
            return
        self._notify()

    def _on_peer_closed(self):
        self._hup = True
        if self._st == _CONNECTED:
            self._st = _PEER_CLOSED
        _emit(self, EVENT_DISCONNECT)
        self._notify()

    def shutdown(self, how=SHUT_RDWR):
        self._check()
        if how != SHUT_RDWR:
            raise OSError(_EOPNOTSUPP, "the module has no half-close")
        if self._st == _CONNECTED or self._st == _PEER_CLOSED:
            self._st = _OPEN
            self._hup = True
            self._peer = None
            sid = self._id
            self._stack.by_id.pop(sid, None)
            self._id = 0  # the module frees the id at SOCKCL: close() sends no second one
            self._stack.submit(Command(_ids.SOCKCL, (tlv.U2, sid), None, self._on_closed))

    # ---- receiving -------------------------------------------------------------------------

    def _on_data(self, msg):
        n = msg.count
        if self.type == SOCK_STREAM:
            if n == 2:  # polled: the module holds PEND_DATA bytes
                self._pend = msg.int(1)
                self._read_more()
                return
            self._store(msg, n - 1, None)
        else:
            last = msg.type(n - 1)
            if n == 5 and last != _ids.T_BYTES:  # polled
                self._pend = msg.int(3)
                self._read_more()
                return
            self._store(msg, n - 1, _endpoint(msg, 1))

    def _store(self, msg, i, source):
        """Append element i's bytes to the ring; RECV event (C.6: after the data is stored)."""
        n = msg.len(i)
        if self._rx is None:
            self._buffers()
        if n > self._rxsize - self._rx_len:
            self._overflow(n)
            return
        self._ring.write(msg.buf, msg.offset(i), n)  # (buf, off, len): no slice to allocate
        self._rx_len += n
        if source is not None:
            self._dgrams.append([n, source])
        _emit(self, EVENT_RECV)
        self._notify()

    def _overflow(self, n):
        # Only simple push mode (no window) can get here. A datagram may be lost; a hole in a
        # stream may not go unnoticed: the socket fails with ENOBUFS instead.
        self._stack.dev.drop("socket %d: %d bytes overflow the receive ring" % (self._id, n))
        if self.type == SOCK_STREAM and not self._err:
            self._err = _ENOBUFS
            _emit(self, EVENT_ERROR, STATUS_ERROR)
            self._notify()

    def _notify(self):
        if self._readable is not None:
            self._call_readable()

    def _call_readable(self):
        try:
            self._readable(self)
        except Exception as e:  # a broken callback must not stop the pump
            print_exception(e)

    def _read_more(self):
        """Polled mode: ask for what the module holds, as far as the ring has room."""
        if self._reading or self._pend <= 0 or self._st >= _CLOSED or self._mode != ASYNC_OFF:
            return  # (an announcement from before a switch to push mode: the data comes)
        room = self._rxsize - self._rx_len
        limit = 1460 if self.type == SOCK_STREAM else 1472
        n = min(self._pend, room, limit)
        if n <= 0 or (self.type == SOCK_DGRAM and room < limit):
            return
        self._reading = True
        # Mode 2 (raw bytes, asked for no more than announced) where the link has it; mode 3
        # otherwise, and always for UDP, whose answer must carry the source.
        mode = 2 if self.type == SOCK_STREAM and self._stack.raw_reads else 3
        self._stack.submit(Command(_ids.SOCKRD, (tlv.U2, self._id, tlv.U1, mode, tlv.I4, n),
                                   self._on_read_rsp, self._on_read_status))

    def _on_read_rsp(self, cmd, msg):
        if msg.count < 3 or msg.int(0) != self._id or self._st >= _CLOSED:
            return
        if msg.count >= 7:
            self._pend = msg.int(3)
            self._store(msg, msg.count - 1, _endpoint(msg, 4))
        else:
            n = msg.len(msg.count - 1)
            if msg.count == 4:
                self._pend = msg.int(2)
            elif n < cmd.params[5]:
                self._pend = 0  # a read that stopped short: nothing more until announced
            else:
                self._pend -= n
            self._store(msg, msg.count - 1, None)

    def _on_read_status(self, cmd):
        self._reading = False
        if cmd.status == 0:
            self._read_more()

    def _consume(self, n, dgram_len):
        """Drop n bytes (a whole datagram: dgram_len) from the ring and credit the window."""
        self._rx_start = (self._rx_start + n) % (self._rxsize + 1)
        self._rx_len -= n
        self._next_sn = (self._next_sn + (dgram_len or n)) & 0xFFFF
        if self._mode == ASYNC_ACKED:
            self._ack()
        elif self._mode == ASYNC_OFF:
            self._read_more()

    def _ack(self):
        """Tell the module the new window base: batched, at most one SOCKC in flight (§8.11.5).

        Each ack costs about 210 bus bytes (announce, TX_REQ, SOCKC, STATUS), so TCP acks wait
        until all but one frame of the window is consumed and then credit whole frames: a bulk
        receive through an 8 KiB ring moves five full frames per ack. The module buffers the
        stream in its own socket buffer meanwhile; a late ack costs only its turnaround.
        Datagrams ack at half the window.
        """
        if self._ack_busy or self._st >= _CLOSED:
            return
        ready = (self._next_sn - self._acked) & 0xFFFF
        ready -= ready % self._ack_unit
        if ready < self._ack_at:
            return
        self._ack_busy = True
        self._acked = (self._acked + ready) & 0xFFFF
        if self._ack_burst is None:  # one SOCKC(100) per socket, reused: one is in flight
            self._ack_burst = (self._sockc(100, 0, self._on_acked),)
        self._ack_burst[0].params[5] = self._acked
        self._stack.submit_burst(self._ack_burst)

    def _on_acked(self, cmd):
        self._ack_busy = False
        if cmd.status == 0:
            self._ack()  # more was consumed while this one was in flight

    def _readable_state(self):
        return self._rx_len or self._hup or self._err or self._st >= _CLOSED

    def recv_into(self, buf, nbytes=0, flags=0):
        return self._recv(buf, nbytes or len(buf), flags, False)

    def recv(self, bufsize, flags=0):
        if bufsize == 0:
            self._check()
            return b""
        buf = bytearray(min(bufsize, self._rxsize))
        n = self._recv(buf, len(buf), flags, False)
        return bytes(buf) if n == len(buf) else bytes(memoryview(buf)[:n])

    def recvfrom(self, bufsize, flags=0):
        buf = bytearray(min(bufsize, self._rxsize))
        n, source = self._recv(buf, len(buf), flags, True)
        return bytes(memoryview(buf)[:n]), source

    def recvfrom_into(self, buf, nbytes=0, flags=0):
        return self._recv(buf, nbytes or len(buf), flags, True)

    def _recv(self, buf, n, flags, want_source):
        self._check()
        if (self.type == SOCK_STREAM and self._st in (_OPEN, _LISTENING) and not self._rx_len
                and not self._hup):
            raise _error(_ENOTCONN)
        if flags & MSG_DONTWAIT and not self._readable_state():
            raise _error(_EAGAIN)
        if self._rx is None:
            self._buffers()
        self._wait(self._readable_now)
        self._check()
        if not self._rx_len:
            if self._err:
                raise _error(self._err, self._why)
            if self._hup:
                return (0, self._peer) if want_source else 0
        n = self._take(buf, n, flags)
        return (n, self._source) if want_source else n

    def _take(self, buf, n, flags):
        """Copy up to n buffered bytes (one datagram at most) into buf; consume unless
        MSG_PEEK. Leaves the sender in self._source."""
        if self.type == SOCK_STREAM:
            self._source = self._peer
            if n > self._rx_len:
                n = self._rx_len
            self._copy_out(buf, n, flags)
            if not flags & MSG_PEEK:
                self._consume(n, 0)
            return n
        dgram = self._dgrams[0]
        self._source = dgram[1]
        if n > dgram[0]:
            n = dgram[0]
        self._copy_out(buf, n, flags)
        if not flags & MSG_PEEK:
            self._dgrams.pop(0)
            if n < dgram[0]:
                self._ring.read(dgram[0] - n)  # the rest of a truncated datagram
            self._consume(dgram[0], dgram[0])
        return dgram[0] if flags & MSG_TRUNC else n

    def _copy_out(self, buf, n, flags):
        if not flags & MSG_PEEK:
            self._ring.readinto(buf, n)
            return
        size = self._rxsize + 1  # a peek reads the ring's storage where RingIO keeps it
        start = self._rx_start
        first = size - start if n > size - start else n
        buf[0:first] = self._rxv[start:start + first]
        if first < n:
            buf[first:n] = self._rxv[0:n - first]

    # ---- sending ---------------------------------------------------------------------------

    def send(self, data, flags=0):
        return self._send(data, 0)

    def _send(self, data, off):
        """Queue what the transmit ring takes of data[off:]; returns the count."""
        self._check()
        if self.type == SOCK_DGRAM:
            if self._peer is None:
                raise _error(_EDESTADDRREQ)
            return self._sendto(data, self._peer_packed, self._peer[1])
        if self._st == _OPEN or self._st == _LISTENING or self._st == _PEER_CLOSED:
            raise _error(_ENOTCONN)
        if off >= len(data):
            return 0
        self._wait(self._writable_now)
        self._check()
        if self._err:
            raise _error(self._err, self._why)
        if self._st != _CONNECTED:
            raise _error(_ENOTCONN)
        off = self._txring.write(data, off, min(len(data) - off, self._txsize - self._tx_len))
        self._tx_len += off
        self._write_more()
        return off

    def _writable(self):
        return ((self._st == _CONNECTED and not self._tls_pending and self._tx_len < self._txsize)
                or self._err or self._st != _CONNECTING and self._st != _CONNECTED)

    def sendall(self, data):
        if self.type == SOCK_DGRAM:
            self.send(data)
            return
        sent = 0
        while sent < len(data):
            sent += self._send(data, sent)

    def write(self, data, n=None):
        """Stream write of data (its first n bytes). A blocking TCP socket writes all of it,
        as MicroPython's streams do (requests and umqtt ignore the count); otherwise the count
        taken, or None when it would block."""
        if n is not None:
            data = memoryview(data)[:n]
        if self._timeout != 0 and self.type == SOCK_STREAM and not self._stack.dev.busy:
            self.sendall(data)
            return len(data)
        try:
            return self.send(data)
        except OSError as e:
            if e.errno == _EAGAIN:
                return None
            raise

    def _write_more(self):
        """Hand queued bytes to the module: SOCKWR chunks, up to two in flight (§8.6).

        Nagle's rule on the link: a chunk shorter than a full one waits while another write
        is in flight (its STATUS calls here again), so a bulk send moves full chunks only; a
        write costs some 240 bus bytes beyond its data. TCP_NODELAY sends it at once.
        """
        while self._tx_cmds < _WRITES_IN_FLIGHT and self._tx_flight < self._tx_len:
            n = _TCP_CHUNK[0 if self.family == AF_INET else 1]
            if self._tx_len - self._tx_flight < n:
                if self._tx_cmds and not self._nodelay:
                    return
                n = self._tx_len - self._tx_flight
            start = (self._tx_start + self._tx_flight) % (self._txsize + 1)
            cmd = self._free_write()
            cmd.params[3] = cmd.n = n
            cmd.params[5] = cmd.wseq = (self._tx_seq + self._tx_flight) & 0xFFFF
            span = cmd.params[7]
            span.buf = self._tx
            span.off = start
            span.n = n
            cmd.gen = self._tx_gen
            self._tx_flight += n
            self._tx_cmds += 1
            self._stack.submit_burst(cmd.burst)

    def _free_write(self):
        """A SOCKWR command of this socket's own that is not in flight: made once, reused."""
        i = 0
        while i < len(self._writes):
            if self._writes[i].status != PENDING:
                return self._writes[i]
            i += 1
        self._writes.append(self._new_write())
        return self._writes[i]

    def _new_write(self):
        cmd = Command(_ids.SOCKWR, [tlv.U2, self._id, tlv.U2, 0, tlv.I4, 0, tlv.BYTES, Span()],
                      None, self._on_written)
        cmd.n = cmd.wseq = cmd.gen = 0  # all attributes now: later writes add none
        cmd.burst = (cmd,)
        return cmd

    def _on_written(self, cmd):
        self._tx_cmds -= 1
        status = cmd.status
        if status < 0 or self._tx is None:
            return
        if cmd.gen != self._tx_gen:
            self._write_more()  # a write sent before a resend: its answer no longer counts
            return
        if status == 0:
            n = cmd.n
            skip(self._txring, n)
            self._tx_start = (self._tx_start + n) % (self._txsize + 1)
            self._tx_len -= n
            self._tx_flight -= n
            self._tx_seq = (self._tx_seq + n) & 0xFFFF
            _emit(self, EVENT_SEND)
            self._write_more()
            if self._closing and not self._tx_len:
                self._send_close()
            self._notify()
            return
        if cmd.wseq == self._tx_seq:
            self._tx_flight = 0  # resend everything not acknowledged
            self._tx_gen += 1
        if status == _STATUS_NOT_READY or status == _STATUS_SEQUENCE:
            self._write_more()
            return
        self._err = _EIO
        _emit(self, EVENT_SEND, STATUS_ERROR)
        if self._closing:
            self._send_close()
        self._notify()

    def sendto(self, data, address):
        self._check()
        if self.type == SOCK_STREAM:
            return self.send(data)
        packed, port, _ = self._resolve(address)
        if port == 0:
            raise OSError(_EINVAL, "port 0")
        return self._sendto(data, packed, port)

    def _sendto(self, data, packed, port):
        n = len(data)
        if n > _UDP_MAX[0 if self.family == AF_INET else 1]:
            raise _error(_EMSGSIZE)
        if n == 0:
            return 0
        if self._err:
            err, self._err = self._err, 0
            raise _error(err)
        self._buffers()
        self._wait(lambda: self._tx_cmds < _UDP_IN_FLIGHT or self._st >= _CLOSED)
        self._check()
        a_type, a_value = self._addr_param(packed)
        seq = (self._tx_seq + self._tx_flight) & 0xFFFF
        cmd = Command(_ids.SOCKWRTO, (tlv.U2, self._id, a_type, a_value, tlv.U2, port, tlv.U2, n,
                                      tlv.I4, seq, tlv.BYTES, bytes(data)), None, self._on_sent_to)
        cmd.n = n
        self._tx_flight += n
        self._tx_cmds += 1
        self._stack.submit(cmd)
        return n

    def _on_sent_to(self, cmd):
        self._tx_cmds -= 1
        self._tx_flight -= cmd.n
        if cmd.status < 0:
            return
        if cmd.status == 0:
            self._tx_seq = (self._tx_seq + cmd.n) & 0xFFFF
            _emit(self, EVENT_SEND)
        elif cmd.status == _STATUS_NOT_READY or cmd.status == _STATUS_SEQUENCE:
            self._tx_flight += cmd.n  # the same datagram again, same sequence number
            self._tx_cmds += 1
            cmd.status = PENDING
            self._stack.submit(cmd)
        else:
            self._err = _EIO
            _emit(self, EVENT_SEND, STATUS_ERROR)
        self._notify()

    # ---- stream protocol -------------------------------------------------------------------

    def read(self, n=-1):
        """Stream read: None when it would block (MicroPython streams, asyncio), b'' at EOF."""
        if n is not None and n >= 0:
            try:
                return self.recv(n)
            except OSError as e:
                if e.errno == _EAGAIN:
                    return None
                raise
        chunks = []
        while True:
            chunk = self.read(self._rxsize)
            if not chunk:  # EOF, or None: would block, so what came so far
                return b"".join(chunks) if chunks or chunk is not None else None
            chunks.append(chunk)

    def readinto(self, buf, nbytes=0):
        try:
            return self.recv_into(buf, nbytes)
        except OSError as e:
            if e.errno == _EAGAIN:
                return None
            raise

    def readline(self):
        line = bytearray()
        one = bytearray(1)
        while True:
            try:
                if not self.recv_into(one, 1):
                    break
            except OSError as e:
                if e.errno != _EAGAIN:
                    raise
                return bytes(line) if line else None  # would block: keep the partial line
            line += one
            if one[0] == 10:
                break
        return bytes(line)

    # ---- options ---------------------------------------------------------------------------

    def setsockopt(self, level, opt, value):
        self._check()
        if level in (SOL_SOCKET, 1, 0xFFFF):
            if opt == SO_CALLBACK:
                self._readable = value
                return
            if opt == SO_REUSEADDR or opt == 4:
                return  # the module always allows it
            if opt == SO_ASYNC_MODE:
                value = _check_int(value)
                if not 0 <= value <= 2:
                    raise OSError(_EINVAL, "SO_ASYNC_MODE is 0, 1 or 2")
                self._mode = value
                self._configure_push()
                return
            param = {SO_SNDBUF: 5, SO_RCVBUF: 4, SO_KEEPALIVE: 3, SO_LINGER: 1}.get(opt)
        elif level == IPPROTO_TCP:
            param = 2 if opt == TCP_NODELAY and self.type == SOCK_STREAM else None
            if param:
                self._nodelay = _check_int(value) != 0
        elif level == IPPROTO_IP or level == IPPROTO_IPV6:
            if opt == IP_ADD_MEMBERSHIP and level == IPPROTO_IP:
                return self._join(value, AF_INET)
            if opt == IPV6_ADD_MEMBERSHIP:
                return self._join(value, AF_INET6)
            param = 32 if opt == IP_TOS and level == IPPROTO_IP else None
        elif level == IPPROTO_TLS and opt == TLS_CONF_IDX and self.proto == IPPROTO_TLS:
            value = _check_int(value)
            if not 1 <= value <= 4:
                raise OSError(_EINVAL, "TLS configuration 1..4")
            self._start_tls(value)
            return
        else:
            param = None
        if param is None:
            raise _error(_ENOPROTOOPT)
        self._stack.submit(self._sockc(param, _check_int(value)))

    def _start_tls(self, index):
        """TLS with TLSC configuration index (winc.tls and TLS_CONF_IDX). Before connect() or
        listen() the handshake follows the TCP one; on a connected socket it starts now and a
        blocking socket waits for it (the module upgrades connected sockets, A.7.7)."""
        self._check()
        if self._st == _LISTENING or self._st == _PEER_CLOSED:
            raise OSError(_EINVAL, "TLS goes on before listen(), on an open connection")
        self.proto = IPPROTO_TLS
        self._tls = index
        self._tls_pending = True
        self._stack.submit(Command(_ids.SOCKTLS, (tlv.U2, self._id, tlv.U1, index), None,
                                   self._on_tls_status))
        if self._st == _CONNECTED and self._timeout != 0 and not self._stack.dev.busy:
            self._wait(lambda: not self._tls_pending or self._err)
            self._check()
            if self._err:
                raise _error(self._err, self._why)

    def _on_tls_status(self, cmd):
        if cmd.status > 0 and self._tls_pending:  # the module refused TLS: never plaintext
            self._tls_pending = False
            self._why = "SOCKTLS refused (%s)" % describe("STATUSES", cmd.status)
            if self._st == _CONNECTING:
                self._st = _OPEN
            self._err = _ECONNABORTED
            _emit(self, EVENT_ERROR, STATUS_ERROR)
            self._notify()

    def _on_tls(self):
        """The module's SOCKTLS AEC: this socket's handshake is done."""
        if not self._tls_pending:
            return
        if self._st == _CONNECTING:
            self._tls_pending = False
            self._on_connected(self._local, self._peer, True)
            return
        self._tls_pending = False
        listener = self._listener
        if listener is not None and listener._tls and not self._offered:
            # A TLS listener's child is offered to accept() only once its handshake is done.
            self._offered = True
            if listener._st >= _CLOSED:
                self.close()  # nobody will accept it: free it on the module
                return
            listener._children.append(self)
            _emit(self, EVENT_CONNECT)
            _emit(self, EVENT_TLS_CONNECT)
            listener._notify()
            return
        _emit(self, EVENT_TLS_CONNECT)  # an upgraded connection
        self._notify()

    def _join(self, mreq, af):
        if self.type != SOCK_DGRAM or self.family != af:
            raise _error(_ENOPROTOOPT)
        if not isinstance(mreq, (bytes, bytearray, memoryview)):
            raise OSError(_EINVAL, "membership request must be bytes")
        size = 4 if af == AF_INET else 16
        if len(mreq) not in ((8, 12) if af == AF_INET else (16, 20)):
            raise OSError(_EINVAL, "membership request size")
        group = bytes(mreq[:size])
        if (af == AF_INET and not 224 <= group[0] <= 239) or (af == AF_INET6 and group[0] != 0xFF):
            raise OSError(_EINVAL, "not a multicast group")
        if self._local is None:
            raise OSError(_EINVAL, "bind() first")
        self._peer = (_addr.ntop(af, group), self._local[1])
        self._peer_packed = group
        a_type, a_value = self._addr_param(group)
        self._command_and_wait(Command(_ids.SOCKBM, (tlv.U2, self._id, a_type, a_value, tlv.U2,
                                                     self._local[1]), None, self._on_udp_peer),
                               _EINVAL)

    # ---- polling ---------------------------------------------------------------------------

    def ioctl(self, request, arg):
        if request == _MP_STREAM_POLL:
            return self._poll(arg)
        if request == _MP_STREAM_CLOSE:
            self.close()
            return 0
        return -1

    def _poll(self, mask):
        st = self._st
        if st == _CLOSED:
            return POLLNVAL
        if st != _DEAD:
            self._stack.dev.poll_events()
            st = self._st
        wanted = mask & (POLLIN | POLLOUT)
        if st == _DEAD:
            return POLLERR | POLLHUP | wanted
        hup = self._hup or (self.type == SOCK_STREAM and st == _OPEN)
        if self._err:
            return POLLERR | wanted | (POLLHUP if hup else 0)
        ready = 0
        if self._rx_len or self._hup or self._children:
            ready |= POLLIN
        if self.type == SOCK_DGRAM:
            if st != _OPENING and self._tx_cmds < _UDP_IN_FLIGHT:
                ready |= POLLOUT
        elif st == _CONNECTED and not self._tls_pending and self._tx_len < self._txsize:
            ready |= POLLOUT
        ready &= mask
        if hup:
            ready |= POLLHUP
        return ready


# ---- DNS (C.9) ---------------------------------------------------------------------------------

def _port(port):
    if port is None:
        return 0
    if isinstance(port, str):
        if not port.isdigit():
            raise _error(EAI_SERVICE)
        port = int(port)
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise _error(EAI_SERVICE)
    return port


def _results(found, port, type):
    proto = IPPROTO_UDP if type == SOCK_DGRAM else IPPROTO_TCP
    return [(af, type or SOCK_STREAM, proto, "", (ip, port)) for af, ip in found]


def getaddrinfo_nb(host, port, af=0, type=0, proto=0, flags=0, *, dev=None):
    """getaddrinfo that never waits: OSError(EAI_AGAIN) while the module resolves (C.9)."""
    port = _port(port)
    if af not in (AF_UNSPEC, AF_INET, AF_INET6):
        raise _error(EAI_FAMILY)
    if not isinstance(host, str) or not host or len(host) > 253:
        raise _error(EAI_NONAME)
    found = _addr.literal(host)
    if found is not None:
        if af and found[0] != af:
            raise _error(EAI_FAMILY)
        return _results(((found[0], host),), port, type)
    stack = _stack(dev)
    record = 1 if af == AF_INET else 28 if af == AF_INET6 else 255
    query = stack.dns
    if query is None:
        query = stack.dns = [host, record, [], 0]
        cmd = Command(_ids.DNSRESOLV, (tlv.U1, record, tlv.STR, host), None,
                      lambda cmd: _on_dns_status(stack, query, cmd))
        try:
            stack.submit(cmd)
        except OSError:
            stack.dns = None
            raise
        raise _error(EAI_AGAIN)
    if query[0] != host or query[1] != record:
        if query[2] or query[3]:  # answered, but nobody came back for it: not in flight
            stack.dns = None
            return getaddrinfo_nb(host, port, af, type, proto, flags, dev=dev)
        raise _error(EAI_AGAIN)  # one query at a time: the other name goes first
    if query[2]:
        stack.dns = None
        return _results(query[2], port, type)
    if query[3]:
        stack.dns = None
        status = query[3]
        if status < 0:
            raise _error(-status)
        if status == 0x0501:
            raise _error(_ETIMEDOUT)
        raise _error(EAI_NONAME if status in (0x0503, 0x0504) else EAI_FAIL)
    raise _error(EAI_AGAIN)


def _on_dns_status(stack, query, cmd):
    if cmd.status and not query[3]:
        query[3] = cmd.status if cmd.status < 0 else 0xFFFF  # any command error: EAI_FAIL


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0, *, dev=None):
    """[(af, type, proto, '', (ip, port)), ...]; waits for the module's DNS answer (C.9)."""
    deadline = ticks_add(ticks_ms(), _DNS_TIMEOUT_MS)
    waiting = None  # the query in flight while this call waits
    while True:
        if (waiting is not None and _stack(dev).dns is not waiting and not waiting[2]
                and waiting[3] <= 0):
            # It vanished unanswered: a module reset dropped it (C.12). No new query.
            raise _error(-waiting[3] if waiting[3] else _ECONNABORTED)
        try:
            return getaddrinfo_nb(host, port, af, type, proto, flags, dev=dev)
        except OSError as e:
            if e.errno != EAI_AGAIN:
                raise
        waiting = _stack(dev).dns
        device = _stack(dev).dev
        left = ticks_diff(deadline, ticks_ms())
        if left <= 0:
            query = _stack(dev).dns
            if query is not None and query[0] == host:
                _stack(dev).dns = None
            raise OSError(_ETIMEDOUT, "DNS")
        if device.busy:
            raise _error(_EAGAIN)
        device.pump(left if left < 1000 else 1000)


def inet_pton(af, text):
    try:
        return _addr.pton(af, text)
    except ValueError:
        raise OSError(_EINVAL, "not an address") from None


def inet_ntop(af, packed):
    try:
        return _addr.ntop(af, bytes(packed))
    except ValueError:
        raise OSError(_EINVAL, "packed address size") from None
