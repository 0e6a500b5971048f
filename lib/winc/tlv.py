"""codec: WINCS02 command requests and TLV-coded device messages (spec §4-§5, sans-I/O).

Requests are encoded in place into the caller's buffer. Device messages are parsed in place by
a reusable `Message`, which records element positions and allocates nothing per message.
"""

from . import _ids
from ._buf import Span
from ._compat import const

_EBADMSG = const(74)

# Parameter type codes: low byte = TLV type, high byte = integer width on the wire (0: raw bytes).
U1 = const(0x0103)
U2 = const(0x0203)
U4 = const(0x0403)
I1 = const(0x0102)
I2 = const(0x0202)
I4 = const(0x0402)
FRAC = const(0x0404)
STATUS16 = const(0x0201)
BOOL = const(0x010A)
UTC = const(0x040C)
STR = const(0x0005)
BYTES = const(0x0006)
LABEL = const(0x0007)
IPV4 = const(0x0008)
IPV6 = const(0x0009)
MAC = const(0x000B)

_REQ_HEADER = const(8)
_MSG_HEADER = const(10)
_STATUS_LEN = const(7)
MAX_ELEMENTS = const(12)  # what the reference host can hold per RSP/AEC (§9)

# Lengths an address element may have: plain, with mask/prefix, or empty (clears a setting).
_ADDR_LENGTHS = {_ids.T_IPV4: (0, 4, 8), _ids.T_IPV6: (0, 16, 17), _ids.T_MAC: (0, 6)}

# Integer-class TLV types whose value reads as unsigned; T_INT is the signed one (§5.4).
_UNSIGNED = (_ids.T_STATUS, _ids.T_UINT, _ids.T_FRAC, _ids.T_BOOL, _ids.T_UTC)


class ProtocolError(OSError):
    """A message from the module that breaks the wire format (errno EBADMSG)."""

    def __init__(self, reason):
        super().__init__(_EBADMSG, reason)


def frac(ident, index):
    """Parameter ID `ident.index` as an INTEGER_FRAC value (§5.3)."""
    return (ident << 16) | index


def encode_request(buf, cmd_id, seq, params, off=0):
    """Write a REQ message at buf[off:]; params alternate type code and value. Returns its length.

    With buf None nothing is written: the parameters are only validated and measured. The
    encoder is split into small functions so that no MicroPython frame goes to the heap.
    """
    p = _params(buf, params, off + _REQ_HEADER)
    if buf is None:
        return p - off
    buf[off] = _ids.REQ
    buf[off + 1] = cmd_id >> 8
    buf[off + 2] = cmd_id & 0xFF
    buf[off + 3] = (seq >> 8) & 0xFF
    buf[off + 4] = seq & 0xFF
    buf[off + 5] = len(params) >> 1
    p -= off
    buf[off + 6] = (p - _REQ_HEADER) >> 8
    buf[off + 7] = (p - _REQ_HEADER) & 0xFF
    return p


def _params(buf, params, p):
    """Write (with buf None: measure) the TLVs of params from p on; returns where they end."""
    end = len(buf) if buf is not None else 0x3FFFFFFF  # measuring: no bound
    i = 0
    while i < len(params):
        n = _length(params, i)
        if p + 4 + n + (-n & 3) > end or n > 0xFFFF:
            raise ValueError("parameter %d: request exceeds the transmit buffer" % (i >> 1))
        if buf is not None:
            _tlv(buf, p, params, i)
        p += 4 + n + (-n & 3)
        i += 2
    return p


def _length(params, i):
    """Byte length of parameter i // 2's value; TypeError/ValueError if it cannot be sent."""
    if params[i] >> 8:
        _check_int(params[i] & 0xFF, params[i] >> 8, params[i + 1], i >> 1)
        return params[i] >> 8
    value = params[i + 1]
    n = len(value.encode() if isinstance(value, str) else value)  # str: its UTF-8 bytes
    _check_address(params[i] & 0xFF, n, i >> 1)
    return n


def _check_address(tlv_type, n, index):
    lengths = _ADDR_LENGTHS.get(tlv_type)
    if lengths is not None and n not in lengths:
        raise ValueError("parameter %d: address of %d bytes" % (index, n))


def _check_int(tlv_type, width, value, index):
    if not isinstance(value, int):
        raise TypeError("parameter %d: int expected" % index)
    top = value >> (8 * width - 1)  # shifts keep to small ints on a 32-bit MCU
    if (top != 0 and top != -1) if tlv_type == _ids.T_INT else (value < 0 or top > 1):
        raise ValueError("parameter %d: %d does not fit %d bytes" % (index, value, width))


def _tlv(buf, p, params, i):
    """Write parameter i // 2 as one TLV at buf[p:], pad included."""
    value = params[i + 1]
    n = params[i] >> 8
    if not n:
        if isinstance(value, str):
            value = value.encode()
        n = len(value)
    buf[p] = params[i] & 0xFF
    buf[p + 1] = -n & 3
    buf[p + 2] = n >> 8
    buf[p + 3] = n & 0xFF
    p += 4
    if params[i] >> 8:
        i = p + n
        while i > p:
            i -= 1
            buf[i] = value & 0xFF
            value >>= 8
    elif isinstance(value, Span):
        value.copy_to(buf, p)
    else:
        buf[p : p + n] = value
    p += n
    n = -n & 3
    while n:
        buf[p] = 0
        p += 1
        n -= 1


class Message:
    """One device message (STATUS, RSP or AEC) parsed in place; valid until the buffer is reused."""

    def __init__(self):
        self.buf = None
        self.kind = -1
        self.id = 0  # command ID (STATUS/RSP) or AEC ID
        self.seq = 0
        self.status = 0  # STATUS only
        self.count = 0  # number of elements (RSP/AEC)
        self._type = bytearray(MAX_ELEMENTS)
        self._off = [0] * MAX_ELEMENTS
        self._len = [0] * MAX_ELEMENTS

    def parse(self, buf, n, start=0):
        """Parse the n-byte message at buf[start:]; ProtocolError if it is not well formed."""
        reason = self.load(buf, n, start)
        if reason is not None:
            raise ProtocolError(reason)

    def load(self, buf, n, start=0):
        """parse() that returns why the message is malformed (or None) instead of raising:
        the receive path has no except clause, which would put its frame on the heap."""
        self.buf = buf
        self.count = 0
        self.kind = kind = buf[start] if n else -1
        if kind == _ids.STATUS:
            if n < _STATUS_LEN:
                return "STATUS of %d bytes" % n
            self.status = buf[start + 5] << 8 | buf[start + 6]
        elif kind == _ids.RSP or kind == _ids.AEC:
            if n < _MSG_HEADER:
                return "message of %d bytes" % n
            n = self._elements(buf, start + _MSG_HEADER, start + n)
            if n is not None:
                return n
        else:
            return "message type %d" % kind
        self._head(buf, start, kind)
        return None

    def _head(self, buf, start, kind):
        # An AEC is identified by its rspId field; a STATUS or RSP by the command ID it answers
        # (an RSP's rspId equals that command ID wherever the host cares, §4.4).
        kind = start + 5 if kind == _ids.AEC else start + 1
        self.id = buf[kind] << 8 | buf[kind + 1]
        self.seq = buf[start + 3] << 8 | buf[start + 4]

    def _elements(self, buf, p, end):
        """Index the elements from p (just after the header) to end; the reason if malformed."""
        count = buf[p - 1]
        if count > MAX_ELEMENTS:
            return "%d elements" % count
        i = 0
        while i < count:
            if p + 4 > end:
                return "element %d truncated" % i
            self._len[i] = buf[p + 2] << 8 | buf[p + 3]
            if p + 4 + self._len[i] > end:
                return "element %d overruns the message" % i
            self._type[i] = buf[p]
            self._off[i] = p + 4
            p += 4 + self._len[i] + (buf[p + 1] & 3)  # the host trusts the pad bits (§5.1)
            i += 1
        self.count = count
        return None

    def type(self, i):
        self._check(i)
        return self._type[i]

    def len(self, i):
        self._check(i)
        return self._len[i]

    def offset(self, i):
        self._check(i)
        return self._off[i]

    def int(self, i):
        """Element i as an int; allocation-free for values within the small-int range."""
        self._check(i)
        t = self._type[i]
        n = self._len[i]
        if n < 1 or n > 4 or (t != _ids.T_INT and t not in _UNSIGNED):
            raise ProtocolError("element %d is not an integer (type %d, %d bytes)" % (i, t, n))
        buf = self.buf
        i = self._off[i]
        value = buf[i]
        if t == _ids.T_INT and value & 0x80:
            value -= 0x100
        n += i
        i += 1
        while i < n:
            value = value << 8 | buf[i]
            i += 1
        return value

    def bytes(self, i):
        self._check(i)
        p = self._off[i]
        return bytes(self.buf[p : p + self._len[i]])

    def str(self, i):
        return self.bytes(i).decode()

    def value(self, i):
        """Element i as a plain Python value: int for integer types, else bytes."""
        t = self.type(i)
        if t == _ids.T_INT or t in _UNSIGNED:
            return self.int(i)
        return self.bytes(i)

    def values(self):
        return [self.value(i) for i in range(self.count)]

    def _check(self, i):
        if i >= self.count:
            raise ProtocolError("element %d missing (%d present)" % (i, self.count))
