"""emulator: a module socket's receive side (spec §7.6, §8.5): the bounded buffer of bytes read
from the peer, and the three ways they reach the host: polled (announce, then SOCKRD), simple
push, and acknowledged push within the host's window (NEXT_SN + WIN_SZ).
"""

from collections import deque

from winc import _ids

from .commands import CommandError

UDP = 1
TCP = 2

# Receive modes, from SOCKC 101/102 (§7.5, §8.5).
POLLED = "polled"
SIMPLE = "simple"
ACKED = "acked"

NEXT_SN, WIN_SZ, MAX_FRM_SZ = 100, 101, 102
RCVBUF = 4
MAX_TCP_READ = 1460  # [INFERRED] one SOCKRD answers at most what one SOCKWR may carry
MAX_UDP_READ = 1472


def address_element(version, address):
    return ("IPV4" if version == 4 else "IPV6", address)


def zero_address(version):
    return "0.0.0.0" if version == 4 else "::"


class Inbox:
    """What one socket received and has not yet handed to the host, and how it hands it over.

    Its size is bounded by SO_RCVBUF (bytes buffered plus bytes in AECs the host has not read
    yet): the socket reads from its peer only while room() > 0, so the real peer feels it.
    """

    def __init__(self, sid, protocol, version, config, counts, post):
        self.id = sid
        self.protocol = protocol
        self.version = version
        self.config = config  # the socket's SOCKC values: mode, window, frame size, SO_RCVBUF
        self.counts = counts
        self._post = post  # (aec, elements, on_read=None): an AEC about this socket
        self.stream = bytearray()  # TCP bytes not yet delivered
        self.datagrams = deque()  # UDP [address, port, data], oldest first
        self.queued = 0  # UDP bytes in `datagrams`
        self.in_flight = 0  # pushed bytes in AECs the host has not read yet
        self.push_seq = 0  # acknowledged push: sequence number of the next byte to push
        self.reported = 0  # polled TCP: the PEND_DATA last announced
        self.head_announced = False  # polled UDP: SOCKRXU sent for the oldest datagram
        self.eof = False  # the peer closed (or reset) its side
        self.failure = None  # status of the SOCKERR owed before SOCKCL (peer reset)
        self.closed_sent = False  # AEC SOCKCL went out

    # -- intake ------------------------------------------------------------------------------

    def room(self):
        """Bytes the socket may still read from its peer."""
        held = len(self.stream) if self.protocol == TCP else self.queued
        return self.config.get(RCVBUF) - held - self.in_flight

    def add_stream(self, data):
        self.stream += data
        self.counts["received"] += len(data)

    def add_datagram(self, address, port, data):
        self.datagrams.append([address, port, data])
        self.queued += len(data)
        self.counts["received"] += len(data)

    def peer_closed(self, failure=None):
        """No more data will come; `failure` is the status of a SOCKERR owed before SOCKCL."""
        self.eof = True
        self.failure = failure

    # -- the host's side ---------------------------------------------------------------------

    @property
    def mode(self):
        if not self.config.get(MAX_FRM_SZ):
            return POLLED
        return SIMPLE if not self.config.get(WIN_SZ) else ACKED

    def read(self, length, mode, keep_rest):
        """SOCKRD (keep_rest False) / SOCKRDBUF: the RSP elements of §7.5, data consumed."""
        if self.protocol == TCP:
            n = min(length, len(self.stream), MAX_TCP_READ)
            data = bytes(self.stream[:n])
            del self.stream[:n]
            self.reported = len(self.stream)
            self.counts["pushed"] += n
            if mode != 3:
                return (("U2", self.id), ("U2", n), ("BA", data))
            return (("U2", self.id), ("U2", n), ("U4", len(self.stream)), ("BA", data))
        address, port, data = (self.datagrams[0] if self.datagrams
                               else (zero_address(self.version), 0, b""))
        n = min(length, len(data), MAX_UDP_READ)
        if self.datagrams:
            if keep_rest and n < len(data):  # SOCKRDBUF: the rest stays the oldest datagram
                self.datagrams[0][2] = data[n:]
                self.queued -= n
            else:  # SOCKRD: one datagram per read, its rest discarded (§7.5)
                self.datagrams.popleft()
                self.queued -= len(data)
                self.head_announced = False
        self.counts["pushed"] += n
        if mode != 3:
            return (("U2", self.id), ("U2", n), ("BA", data[:n]))
        pending = len(self.datagrams[0][2]) if self.datagrams else 0
        return (("U2", self.id), ("U2", n), ("U4", pending), ("U4", len(self.datagrams)),
                address_element(self.version, address), ("U2", port), ("BA", data[:n]))

    def credit(self, old, new):
        """SOCKC 100 moved NEXT_SN from old to new: acknowledging unpushed bytes is refused."""
        credit = (new - old) & 0xFFFF
        if credit > (self.push_seq - old) & 0xFFFF:
            raise CommandError(_ids.INVALID_PARAMETER, "NEXT_SN %d beyond pushed %d" % (
                new, self.push_seq))
        self.counts["credited"] += credit

    def restart_sequence(self):
        """SOCKC 101/102 set a receive mode: pushed data is numbered from 0 again [INFERRED]."""
        self.push_seq = 0
        self.config.values[NEXT_SN] = 0

    def _window_left(self):
        unacked = (self.push_seq - self.config.get(NEXT_SN)) & 0xFFFF
        return max(0, self.config.get(WIN_SZ) - unacked)

    # -- delivery ----------------------------------------------------------------------------

    def deliver(self):
        """Post what the host is owed now: data per receive mode, then the peer's close."""
        if self.protocol == TCP:
            self._deliver_stream()
        else:
            self._deliver_datagrams()

    def _push(self, aec, elements, n):
        self.in_flight += n
        self.counts["pushed"] += n
        self._post(aec, elements, on_read=lambda: self._host_read(n))

    def _host_read(self, n):
        self.in_flight -= n

    def _deliver_stream(self):
        mode = self.mode
        if mode == POLLED:
            if len(self.stream) > self.reported:  # again whenever more became readable
                self.reported = len(self.stream)
                self._post(_ids.AEC_SOCKRXT, (("U2", self.id), ("U4", len(self.stream))))
        else:
            frame = self.config.get(MAX_FRM_SZ)
            while self.stream and self.in_flight < self.config.get(RCVBUF):
                n = min(len(self.stream), frame)
                if mode == ACKED:
                    n = min(n, self._window_left())
                    if n == 0:
                        break  # never beyond NEXT_SN + WIN_SZ
                data = bytes(self.stream[:n])
                del self.stream[:n]
                if mode == ACKED:
                    elements = (("U2", self.id), ("U2", n), ("U2", self.push_seq), ("BA", data))
                    self.push_seq = (self.push_seq + n) & 0xFFFF
                else:
                    elements = (("U2", self.id), ("U2", n), ("BA", data))
                self._push(_ids.AEC_SOCKRXT, elements, n)
        if self.eof and not self.stream and not self.closed_sent:
            # The peer's close comes after everything it sent (§7.6 SOCKCL).
            if self.failure is not None:
                self._post(_ids.AEC_SOCKERR, (("U2", self.id), ("STATUS", self.failure)))
            self._post(_ids.AEC_SOCKCL, (("U2", self.id),))
            self.closed_sent = True

    def _deliver_datagrams(self):
        mode = self.mode
        if mode == POLLED:
            # One SOCKRXU for the oldest datagram, however many more arrive (§7.6).
            if self.datagrams and not self.head_announced:
                address, port, data = self.datagrams[0]
                self.head_announced = True
                self._post(_ids.AEC_SOCKRXU, (
                    ("U2", self.id), address_element(self.version, address), ("U2", port),
                    ("U4", len(data)), ("U4", len(self.datagrams))))
            return
        frame, window = self.config.get(MAX_FRM_SZ), self.config.get(WIN_SZ)
        while self.datagrams and self.in_flight < self.config.get(RCVBUF):
            address, port, data = self.datagrams[0]
            # [INFERRED] a datagram longer than a frame (or the whole window) is truncated.
            n = min(len(data), frame, window) if mode == ACKED else min(len(data), frame)
            if mode == ACKED and self._window_left() < n:
                break  # a datagram that does not fit the window waits, whole
            self.datagrams.popleft()
            self.queued -= len(data)
            head = (("U2", self.id), address_element(self.version, address), ("U2", port),
                    ("U2", n))
            if mode == ACKED:
                head += (("U2", self.push_seq),)
                self.push_seq = (self.push_seq + n) & 0xFFFF
            self._push(_ids.AEC_SOCKRXU, head + (("BA", data[:n]),), n)
