"""codec: RNWF02 AT lines <-> the command and message model of the SPI link (AT spec §2-§3, §9).

encode() writes a Command as `AT+NAME=p1,...\\r\\n` into the caller's buffer. A Parser classifies
one DCE output line (§3.1) and converts a response or event line into the binary message layout
of the SPI sheet (§4.4, §5) in its own buffer, so `tlv.Message` reads both links alike. Sans-I/O.
"""

from . import _addr, _ids, _names
from ._buf import Span
from ._compat import const
from .tlv import MAX_ELEMENTS, Message, _check_int

# Kinds of DCE line (§3.1).
EMPTY = const(0)
OK = const(1)  # `OK`, or `0` at ATV0/1
ERROR = const(2)  # `ERROR[:m.c[,"msg"]]`, `1`, `1:m.c`: Parser.status holds the code
RESPONSE = const(3)  # `+NAME:...` without the leading CR
EVENT = const(4)  # `\r+NAME[:...]`: an AEC
FAILURE = const(5)  # `\r+NAME:ERROR:m.c,"msg"`: an accepted command failed later
BOOT = const(6)  # `+BOOT:"banner"`
OTHER = const(7)

_T_STATUS = const(1)
_T_INT = const(2)
_T_UINT = const(3)
_T_FRAC = const(4)
_T_STRING = const(5)
_T_BYTES = const(6)
_T_LABEL = const(7)
_T_IPV4 = const(8)
_T_IPV6 = const(9)
_T_MAC = const(11)
_HEADER = const(10)  # RSP/AEC header: the elements start here (SPI sheet §4.4)
_AEC_NETIFRX = const(0x0900)
_AEC_OTA = const(0x0A00)
_AEC_SYSLOG = const(0x2000)

_QUOTE = const(0x22)
_COMMA = const(0x2C)
_BACKSLASH = const(0x5C)
_HEX_DIGITS = b"0123456789ABCDEF"

# §2.2 escapes: the byte, and the letter after the backslash that stands for it.
_ESCAPED = b'\x00\t\\"\r\n\x07\x08\x0b\x0c\x1b'
_LETTERS = b'0t\\"rnabvfe'
_ESCAPE = bytearray(128)  # byte -> its letter (0: written as itself)
_UNESCAPE = bytearray(b"\xff" * 128)  # letter -> its byte (0xFF: no such escape)
for _b, _l in zip(_ESCAPED, _LETTERS):
    _ESCAPE[_b] = _l
    _UNESCAPE[_l] = _b
_HEX_VALUE = bytearray(b"\xff" * 256)  # ASCII hex digit -> its value
for _i in range(16):
    _HEX_VALUE[_HEX_DIGITS[_i]] = _i
    _HEX_VALUE[b"0123456789abcdef"[_i]] = _i
del _b, _l, _i
_ADDRESS_PUNCTUATION = (0x2E, 0x3A, 0x2F, 0x25)  # . : / %: beside hex digits in addresses

# Raw '#' writes (§5.5): the parameters the header keeps; SEQ_NUM and DATA stay off the line.
_RAW_KEEP = {_ids.SOCKWR: 2, _ids.SOCKWRTO: 4}

# How elements of an RSP or AEC are typed where the text alone cannot tell (§3.2): bit masks of
# element positions (after status messages are dropped) holding a STATUS (m.c, its quoted
# message dropped), text that stays a STRING whatever it looks like, or data (BYTE_ARRAY even
# when the module renders it as a quoted string, ATF 3).
_RSP_RULES = {  # command id: (status, text, data)
    _ids.GMI: (0, 1, 0), _ids.GMM: (0, 1, 0), _ids.GMR: (0, 1, 0),
    _ids.FS: (0, 1 << 2, 0), _ids.FSTSFR: (0, 0, 1 << 3),
    _ids.SOCKRD: (0, 0, 1 << 2 | 1 << 3 | 1 << 6), _ids.SOCKRDBUF: (0, 0, 1 << 2 | 1 << 3 | 1 << 6),
}
_AEC_RULES = {  # AEC id: (status, text, data)
    _ids.AEC_BOOT: (0, 1, 0),
    _ids.AEC_DNSRESOLV: (0, 1 << 1, 0), _ids.AEC_DNSERR: (1, 1 << 2, 0),
    _ids.AEC_FSUP: (0, 1 << 2, 0),
    _AEC_NETIFRX: (0, 0, 1 << 2),  # intf, length, data
    _AEC_OTA: (1 << 1, 0, 0),  # op id, state (rendered as a status, §3.2)
    _ids.AEC_PINGERR: (1, 0, 0),
    _ids.AEC_SNTPERR: (1, 0, 0),
    _ids.AEC_SOCKRXT: (0, 0, 1 << 2 | 1 << 3), _ids.AEC_SOCKRXU: (0, 0, 1 << 4 | 1 << 5),
    _ids.AEC_SOCKERR: (1 << 1, 0, 0),
    _ids.AEC_TLSERR: (1 << 1, 0, 0),
    _ids.AEC_WAPERR: (1, 0, 0),
    _ids.AEC_WSCNIND: (0, 1 << 4, 0),
    _ids.AEC_WSTAERR: (1, 0, 0),
    _AEC_SYSLOG: (0, 1 << 3, 0),  # time, module, severity, message
}
_NO_RULES = (0, 0, 0)
# Configuration answers `(id, value)`: ids whose value is text (SSIDs, keys, names).
_CONFIG_TEXT = {
    _ids.CFG: (1, 13), _ids.NETIFC: (1, 3), _ids.SNTPC: (3,), _ids.TLSC: (1, 2, 3, 4, 5, 6, 8),
    _ids.WAPC: (1, 3), _ids.WSTAC: (1, 3, 20, 21, 32, 33), _ids.WIFIC: (10,),
}

# `\r+NAME:ERROR:m.c` names no socket or query: it becomes the AEC the layers above wait for,
# its elements taken from the last such command (-1: the status, k: its parameter k).
FAILURES = {
    _ids.SOCKBR: (_ids.AEC_SOCKERR, (0, -1)),
    _ids.SOCKBL: (_ids.AEC_SOCKERR, (0, -1)),
    _ids.SOCKTLS: (_ids.AEC_SOCKERR, (0, -1)),
    _ids.DNSRESOLV: (_ids.AEC_DNSERR, (-1, 0, 1)),
    _ids.PING: (_ids.AEC_PINGERR, (-1,)),
    _ids.WAP: (_ids.AEC_WAPERR, (-1,)),
    _ids.WSTA: (_ids.AEC_WSTAERR, (-1,)),
}


# ---- commands (DTE -> DCE) ---------------------------------------------------------------------


_names_seen = {}  # command id -> AT name, for the commands this run has sent


def command_name(cmd_id):
    """The AT name of a command ID, from the shared table; ValueError if it has none."""
    name = _names_seen.get(cmd_id)
    if name is None:
        name = _names.name(_names.COMMANDS, cmd_id)
        if name[:2] == "0x":
            raise ValueError("command 0x%04x has no AT name" % cmd_id)
        _names_seen[cmd_id] = name
    return name


def _lookup(table, name):
    """The ID of `name` in a name table of _names, or -1."""
    i = table.find(" " + name + " ")
    if i < 0:
        i = table.find("\n" + name + " ")
        if i < 0:
            return -1
    i += len(name) + 2
    return int(table[i : i + 4], 16)


def raw_data(cmd_id, params):
    """The data a SOCKWR/SOCKWRTO sends as a raw '#' transfer (§5.5), or None: other commands,
    and empty data (a raw header with length 0 would start the persistent mode)."""
    keep = _RAW_KEEP.get(cmd_id)
    if keep is None or len(params) < 2 * keep + 2 or params[-2] & 0xFF != _T_BYTES:
        return None
    data = params[-1]
    return data if len(data) else None


def raw_length(cmd_id, params):
    """The LENGTH parameter of a raw write's header."""
    return params[2 * _RAW_KEEP[cmd_id] - 1]


def encode(buf, cmd_id, params, raw=False):
    """Write the AT line of a command into buf (None: only measure it); returns its length.

    params alternate type code and value (tlv.U1, 5, tlv.STR, "x", ...); raw: the header of a
    '#' transfer, without SEQ_NUM and DATA. TypeError/ValueError for what AT cannot carry.
    """
    count = _RAW_KEEP[cmd_id] if raw else len(params) >> 1
    p = _text(buf, 0, "AT+")
    p = _text(buf, p, command_name(cmd_id))
    i = 0
    while i < count:
        p = _put(buf, p, 0x3D if i == 0 else _COMMA)  # '=' then ','
        p = _param(buf, p, params[2 * i], params[2 * i + 1], i)
        i += 1
    p = _put(buf, p, 13)
    return _put(buf, p, 10)


def _put(buf, p, byte):
    if buf is not None:
        if p >= len(buf):
            raise ValueError("AT line exceeds the transmit buffer (%d bytes)" % len(buf))
        buf[p] = byte
    return p + 1


def _text(buf, p, text):
    for ch in text:
        p = _put(buf, p, ord(ch))
    return p


def _decimal(buf, p, value):
    """An integer in decimal, written digit by digit (no str made)."""
    if value < 0:
        p = _put(buf, p, 0x2D)
        value = -value
    n = 1
    top = value
    while top >= 10:
        top //= 10
        n += 1
    end = p + n
    _put(buf, end - 1, 0x30)  # bounds check once
    if buf is not None:
        while n:
            n -= 1
            buf[p + n] = 0x30 + value % 10
            value //= 10
    return end


def _param(buf, p, code, value, index):
    """One parameter in its lexical form (§2.2)."""
    t = code & 0xFF
    width = code >> 8
    if width:
        _check_int(t, width, value, index)
        if t == _T_FRAC:  # id.index (SPI sheet §5.3)
            p = _decimal(buf, p, value >> 16)
            return _decimal(buf, _put(buf, p, 0x2E), value & 0xFFFF)
        if t == _T_STATUS:
            p = _decimal(buf, p, value >> 8)
            return _decimal(buf, _put(buf, p, 0x2E), value & 0xFF)
        return _decimal(buf, p, value)
    if t == _T_STRING or t == _T_LABEL:
        return _string(buf, p, value, index)
    if t == _T_BYTES:
        return _hex(buf, p, value, index)
    if t == _T_IPV4 or t == _T_IPV6 or t == _T_MAC:
        return _address(buf, p, t, value, index)
    raise ValueError("parameter %d: TLV type %d has no AT form" % (index, t))


def _string(buf, p, value, index):
    """A quoted string with §2.2 escapes; text with other control bytes goes as [HEX]."""
    if isinstance(value, str):
        value = value.encode()
    elif not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("parameter %d: str or bytes expected" % index)
    for c in value:
        if (c < 0x20 or c == 0x7F) and not _ESCAPE[c]:
            return _hex(buf, p, value, index)
    p = _put(buf, p, _QUOTE)
    for c in value:
        if c < 0x80 and _ESCAPE[c]:
            p = _put(buf, p, _BACKSLASH)
            c = _ESCAPE[c]
        p = _put(buf, p, c)
    return _put(buf, p, _QUOTE)


def _hex(buf, p, value, index):
    """A byte array as [HEX], upper case (§2.2); value may be a Span of a ring."""
    if isinstance(value, str):
        raise TypeError("parameter %d: bytes expected" % index)
    p = _put(buf, p, 0x5B)
    if isinstance(value, Span):
        data = value.buf
        size = len(data)
        i = value.off
        n = value.n
    else:
        data = value
        size = len(data)
        i = 0
        n = size
    while n:
        c = data[i]
        p = _put(buf, p, _HEX_DIGITS[c >> 4])
        p = _put(buf, p, _HEX_DIGITS[c & 15])
        i += 1
        if i == size:
            i = 0
        n -= 1
    return _put(buf, p, 0x5D)


def _address(buf, p, t, value, index):
    """A packed address as its quoted text; empty: `""` (clears a setting)."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("parameter %d: packed address expected" % index)
    n = len(value)
    if n == 0:
        text = ""
    elif t == _T_IPV4 and n in (4, 5, 8):
        text = _addr.ntop(2, bytes(value[:4]))
        if n == 5:
            text += "/%d" % value[4]
        elif n == 8:
            text += "/" + _mask(value[4:])
    elif t == _T_IPV6 and n in (16, 17):
        text = _addr.ntop(10, bytes(value[:16]))
        if n == 17:
            text += "/%d" % value[16]
    elif t == _T_MAC and n == 6:
        text = "%02x:%02x:%02x:%02x:%02x:%02x" % tuple(value)
    else:
        raise ValueError("parameter %d: address of %d bytes" % (index, n))
    p = _put(buf, p, _QUOTE)
    p = _text(buf, p, text)
    return _put(buf, p, _QUOTE)


def _mask(mask):
    """A netmask as a prefix length (`/24`), or dotted when its bits are not contiguous."""
    bits = mask[0] << 24 | mask[1] << 16 | mask[2] << 8 | mask[3]
    n = 0
    while n < 32 and bits & (0x80000000 >> n):
        n += 1
    if bits == (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF:
        return "%d" % n
    return _addr.ntop(2, bytes(mask))


# ---- DCE output -> messages ------------------------------------------------------------------


class Parser:
    """Classifies DCE lines (scan) and converts them into `tlv.Message`s in its own buffer.

    The message (self.msg) is valid until the next conversion. Converting never raises on bad
    input: it returns why the line cannot be used (None when it can), as Message.load does.
    """

    def __init__(self, size=2560):
        if size < 64:
            raise ValueError("message buffer under 64 bytes")
        self.out = bytearray(size)
        self.msg = Message()
        self.kind = EMPTY
        self.line = b""
        self.start = self.end = 0  # the line without noise, AEC marker and CR
        self.name_end = 0  # +NAME is line[start + 1:name_end]
        self.status = 0  # ERROR / FAILURE code
        self.why = None
        self._n = 0
        self._v = 0
        self._frac = -1
        self._first = -1
        self._event_name = b""
        self._event_id = -1
        self._read_at = 0

    # ---- classification (§3.3) ----

    def scan(self, line, start, end):
        """Classify line[start:end] (one line, its \\n removed); returns and keeps the kind."""
        while start < end and (line[start] == 0 or line[start] == 0x3E):  # NULs, '>' prompts
            start += 1
        marked = start < end and line[start] == 13  # the leading CR of an AEC
        if marked:
            start += 1
        while end > start and (line[end - 1] == 13 or line[end - 1] == 0):
            end -= 1
        self.line = line
        self.start = start
        self.end = end
        self.kind = self._kind(line, start, end, marked)
        return self.kind

    def _kind(self, line, start, end, marked):
        if start == end:
            return EMPTY
        c = line[start]
        if c == 0x2B:  # '+'
            i = start + 1
            while i < end and line[i] != 0x3A:  # ':'
                i += 1
            self.name_end = i
            if self.named(b"BOOT"):
                return BOOT
            if _same(line, i + 1, end, b"ERROR", 0, 5) and (end - i == 6 or line[i + 6] == 0x3A):
                self.status = self._code(line, i + 6, end)
                return FAILURE
            return EVENT if marked else RESPONSE
        n = end - start
        if (n == 2 and c == 0x4F and line[start + 1] == 0x4B) or (n == 1 and c == 0x30):
            return OK
        if _same(line, start, end, b"ERROR", 0, 5) and (n == 5 or line[start + 5] == 0x3A):
            self.status = self._code(line, start + 5, end)
            return ERROR
        if c == 0x31 and (n == 1 or line[start + 1] == 0x3A):  # ATV0/1 failure
            self.status = self._code(line, start + 1, end)
            return ERROR
        return OTHER

    def _code(self, line, i, end):
        """The status after `ERROR`: `:m.c` -> m << 8 | c; `:k` -> k; none or text -> ERROR."""
        if i < end and line[i] == 0x3A:
            if self._number(line, i + 1, end) >= 0:
                if self._frac >= 0:
                    return (self._v & 0xFF) << 8 | (self._frac & 0xFF)
                return self._v & 0xFFFF
        return _ids.ERROR

    def named(self, name, at=0, n=-1):
        """True if the scanned +NAME line is named name[at:at + n] (all of name for n < 0)."""
        if n < 0:
            n = len(name)
        return self.name_end - self.start - 1 == n and _same(self.line, self.start + 1,
                                                             self.name_end, name, at, n)

    def equals(self, text, n):
        """True if the scanned line is the first n bytes of text (an echo of the command)."""
        return self.end - self.start == n and _same(self.line, self.start, self.end, text, 0, n)

    def name(self):
        """The scanned line's NAME as str, or None if it is not an upper-case word."""
        i = self.start + 1
        if i == self.name_end or self.name_end - i > 16:
            return None
        while i < self.name_end:
            c = self.line[i]
            if not (0x41 <= c <= 0x5A or 0x30 <= c <= 0x39):
                return None
            i += 1
        return bytes(self.line[self.start + 1 : self.name_end]).decode()

    def event_id(self):
        """The AEC ID the scanned line names (§9.3), or -1. The last one is remembered: a
        stream of the same event costs no lookup."""
        if self.named(self._event_name):
            return self._event_id
        name = self.name()
        if name is None:
            return -1
        self._event_id = _lookup(_names.AECS, name)
        self._event_name = name.encode()
        return self._event_id

    def command_id(self):
        """The command ID the scanned line names, or -1."""
        name = self.name()
        return -1 if name is None else _lookup(_names.COMMANDS, name)

    # ---- conversion ----

    def status_message(self, cmd_id, seq, status):
        """A STATUS message (SPI sheet §4.3) completing command cmd_id/seq."""
        out = self.out
        out[0] = _ids.STATUS
        _pair(out, 1, cmd_id)
        _pair(out, 3, seq)
        _pair(out, 5, status)
        out[7] = 0
        self.msg.load(out, 8)
        return self.msg

    def convert(self, kind, ident, seq=0):
        """The scanned +NAME line as an RSP (kind _ids.RSP: answering command ident/seq) or an
        AEC (kind _ids.AEC, ident its AEC ID) in self.msg; returns None, or why it cannot."""
        line = self.line
        end = self.end
        rules = (_RSP_RULES if kind == _ids.RSP else _AEC_RULES).get(ident, _NO_RULES)
        status_at, text_at, data_at = rules
        config = _CONFIG_TEXT.get(ident) if kind == _ids.RSP else None
        # Undocumented *ERR layouts: a fractional followed by a quoted text is a status (§3.2).
        guess = (kind == _ids.AEC and not status_at and self.name_end - self.start > 3
                 and _same(line, self.name_end - 3, self.name_end, b"ERR", 0, 3))
        p = _HEADER
        count = 0
        i = self.name_end + 1
        more = i < end  # `+NAME` and `+NAME:` carry no element
        while more:
            if count >= MAX_ELEMENTS:
                return "+%s: more than %d elements" % (self.name(), MAX_ELEMENTS)
            if p + 8 > len(self.out):
                return "+%s: over %d bytes as a message" % (self.name(), len(self.out))
            bit = 1 << count
            forced = text_at & bit or (count == 1 and config is not None and self._v in config)
            j = self._element(line, i, end, p + 4, bit & status_at, forced, bit & data_at, guess)
            if j < 0:
                return "+%s element %d: %s" % (self.name(), count, self.why)
            t = self.out[p]
            if count == 0:
                self._v = self._first  # config rules look at the id
            p = _close(self.out, p, self._n)
            count += 1
            i = _separator(line, j, end)
            if i < 0:
                return "+%s element %d: junk after it" % (self.name(), count - 1)
            if t == _T_STATUS and i < end and line[i] == _QUOTE:
                i = self._quoted(line, i, end, p + 4)  # the status message: parsed, dropped
                if i < 0:
                    return "+%s status message: %s" % (self.name(), self.why)
                i = _separator(line, i, end)
                if i < 0:
                    return "+%s: junk after a status message" % self.name()
            more = i <= end
        return self._finish(kind, ident, seq, p, count)

    def failure(self, aec_id, recipe, params, status):
        """The AEC a FAILURE line stands for: recipe lists its elements (-1: the status,
        k: parameter k of the failed command)."""
        out = self.out
        p = _HEADER
        for k in recipe:
            if k < 0:
                out[p] = _T_STATUS
                _pair(out, p + 4, status)
                p = _close(out, p, 2)
                continue
            code = params[2 * k]
            value = params[2 * k + 1]
            if code >> 8:
                out[p] = _T_INT if value < 0 else _T_UINT
                _pair(out, p + 4, value >> 16 & 0xFFFF)
                _pair(out, p + 6, value & 0xFFFF)
                p = _close(out, p, 4)
            else:
                if isinstance(value, str):
                    value = value.encode()
                n = min(len(value), len(out) - p - 8)
                out[p] = _T_STRING if code & 0xFF == _T_STRING else code & 0xFF
                out[p + 4 : p + 4 + n] = value[:n]
                p = _close(out, p, n)
        return self._finish(_ids.AEC, aec_id, 0, p, len(recipe))

    def begin_read(self, sock_id, n):
        """A raw SOCKRD (mode 2) answer as the RSP mode 1 gives (SOCK_ID, LENGTH, DATA): the
        first two elements now; the n data bytes go to out[offset:], the offset returned."""
        out = self.out
        if _HEADER + 24 + n > len(out):
            raise ValueError("raw read of %d bytes exceeds the message buffer" % n)
        p = _HEADER
        for value in (sock_id, n):
            out[p] = _T_UINT
            _pair(out, p + 4, value)
            p = _close(out, p, 2)
        out[p] = _T_BYTES
        self._read_at = p
        return p + 4

    def end_read(self, cmd_id, seq, n):
        """The raw read's n bytes are in place: the RSP in self.msg (None, or why not)."""
        _pair(self.out, _HEADER + 12, n)  # LENGTH: fewer than asked when the read stopped short
        return self._finish(_ids.RSP, cmd_id, seq, _close(self.out, self._read_at, n), 3)

    def _finish(self, kind, ident, seq, p, count):
        out = self.out
        out[0] = kind
        _pair(out, 1, ident)
        _pair(out, 3, seq & 0xFFFF)
        _pair(out, 5, ident)
        _pair(out, 7, p - 9)
        out[9] = count
        return self.msg.load(out, p)

    def _element(self, line, i, end, q, status, text, data, guess):
        """Parse the element at line[i:] into a TLV whose value starts at out[q]; the type goes
        to out[q - 4], the length to self._n. Returns where the element ends, or -1 (self.why)."""
        out = self.out
        self._first = -1
        c = line[i] if i < end else _COMMA
        if c == _QUOTE:
            j = self._quoted(line, i, end, q)
            if j < 0:
                return -1
            if status:  # a message without its code (lower verbosity): a failure, unnamed
                t = _T_STATUS
                _pair(out, q, _ids.ERROR)
                self._n = 2
            elif data:
                t = _T_BYTES
            elif text:
                t = _T_STRING
            else:
                t = self._typed(q, self._n)
        elif c == 0x5B:  # '['
            j = self._hex(line, i, end, q)
            if j < 0:
                return -1
            t = _T_BYTES
        elif c == _COMMA:  # an empty element
            j = i
            t = _T_STRING
            self._n = 0
        else:
            j = self._number(line, i, end)
            if j < 0:
                return self._bare(line, i, end, q)
            t = self._integer(q, status or (guess and self._frac >= 0 and j + 1 < end
                                            and line[j + 1] == _QUOTE))
            if t < 0:
                return -1
        out[q - 4] = t
        return j

    def _integer(self, q, status):
        """Write the number just parsed (self._v, self._frac); returns its type or -1."""
        out = self.out
        v = self._v
        f = self._frac
        self._first = v
        if status:
            if f >= 0:
                if not (0 <= v <= 255 and f <= 255):
                    self.why = "status %d.%d out of range" % (v, f)
                    return -1
                v = v << 8 | f
            elif not 0 <= v <= 0xFFFF:
                self.why = "status %d out of range" % v
                return -1
            _pair(out, q, v)
            self._n = 2
            return _T_STATUS
        if f >= 0:
            if not (-32768 <= v <= 32767 and f <= 0xFFFF):
                self.why = "fraction %d.%d out of range" % (v, f)
                return -1
            _pair(out, q, v & 0xFFFF)
            _pair(out, q + 2, f)
            self._n = 4
            return _T_FRAC
        if not -0x80000000 <= v <= 0xFFFFFFFF:
            self.why = "integer out of range"
            return -1
        _pair(out, q, v >> 16 & 0xFFFF)
        _pair(out, q + 2, v & 0xFFFF)
        self._n = 4
        return _T_INT if v < 0 else _T_UINT

    def _number(self, line, i, end):
        """An integer (decimal, negative, 0x/0o/0b) or fraction a.b ending at a comma or the
        end: sets self._v and self._frac (-1: none); returns where it ends, or -1."""
        negative = i < end and line[i] == 0x2D
        if negative:
            i += 1
        base = 10
        if i + 1 < end and line[i] == 0x30:
            c = line[i + 1] | 0x20
            base = 16 if c == 0x78 else 8 if c == 0x6F else 2 if c == 0x62 else 10
            if base != 10:
                i += 2
        first = i
        v = 0
        while i < end:
            d = _HEX_VALUE[line[i]]
            if d >= base:
                break
            v = v * base + d
            i += 1
        if i == first:
            return -1
        f = -1
        if base == 10 and i < end and line[i] == 0x2E:  # a.b: two integers, never a float
            i += 1
            first = i
            f = 0
            while i < end and 0x30 <= line[i] <= 0x39:
                f = f * 10 + line[i] - 0x30
                i += 1
            if i == first:
                return -1
        if i < end and line[i] != _COMMA:
            return -1
        self._v = -v if negative else v
        self._frac = f
        return i

    def _bare(self, line, i, end, q):
        """Unquoted text up to the next comma: a STRING (tolerated; not in the grammar)."""
        out = self.out
        limit = len(out) - 3
        n = 0
        while i < end and line[i] != _COMMA:
            if q + n >= limit:
                self.why = "too long for the message buffer"
                return -1
            out[q + n] = line[i]
            n += 1
            i += 1
        out[q - 4] = _T_STRING
        self._n = n
        return i

    def _quoted(self, line, i, end, q):
        """A quoted string, escapes resolved, into out[q:]; returns where it ends, or -1."""
        out = self.out
        limit = len(out) - 3
        n = 0
        i += 1
        while i < end:
            c = line[i]
            if c == _QUOTE:
                self._n = n
                return i + 1
            if c == _BACKSLASH:
                i += 1
                if i == end:
                    break
                c = _UNESCAPE[line[i]] if line[i] < 0x80 else 0xFF
                if c == 0xFF:
                    self.why = "unknown escape \\%s" % chr(line[i])
                    return -1
            if q + n >= limit:
                self.why = "too long for the message buffer"
                return -1
            out[q + n] = c
            n += 1
            i += 1
        self.why = "unterminated string"
        return -1

    def _hex(self, line, i, end, q):
        """[HEX] into out[q:]; returns where it ends, or -1."""
        out = self.out
        limit = len(out) - 3
        n = 0
        i += 1
        while i + 1 < end and line[i] != 0x5D:
            hi = _HEX_VALUE[line[i]]
            lo = _HEX_VALUE[line[i + 1]]
            if hi > 15 or lo > 15:
                self.why = "bad hex digit"
                return -1
            if q + n >= limit:
                self.why = "too long for the message buffer"
                return -1
            out[q + n] = hi << 4 | lo
            n += 1
            i += 2
        if i >= end or line[i] != 0x5D:
            self.why = "unterminated or odd hex"
            return -1
        self._n = n
        return i + 1

    def _typed(self, q, n):
        """Quoted text at out[q:q + n] typed as cfgc types it (§9.1): IPv4 (/m), MAC, IPv6,
        else STRING; an address is rewritten packed in place and self._n set to its length."""
        out = self.out
        if n < 2 or n > 49:
            return _T_STRING
        i = q
        while i < q + n:
            c = out[i]
            if _HEX_VALUE[c] > 15 and c not in _ADDRESS_PUNCTUATION:
                return _T_STRING
            i += 1
        text = bytes(out[q : q + n]).decode()
        address, _, prefix = text.partition("/")
        packed = _pack(address, prefix)
        if packed is None:
            return _T_STRING
        t, value = packed
        out[q : q + len(value)] = value
        self._n = len(value)
        return t


def _pack(address, prefix):
    """(type, packed bytes) of an address text and its prefix ('' for none), or None. An IPv4
    prefix length becomes a netmask: address + mask, the 8 bytes the SPI link carries (§7.3)."""
    try:
        if ":" not in address:
            value = _addr.pton(2, address)
            if "." in prefix:
                return _T_IPV4, value + _addr.pton(2, prefix)
            if not prefix:
                return _T_IPV4, value
            bits = _prefix(prefix, 32)
            mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
            return _T_IPV4, value + bytes((mask >> 24, mask >> 16 & 0xFF, mask >> 8 & 0xFF,
                                           mask & 0xFF))
        if len(address) == 17 and not prefix and address.count(":") == 5:
            # six pairs of hex digits: the colons can only be between them
            return _T_MAC, bytes([int(address[i : i + 2], 16) for i in range(0, 17, 3)])
        value = _addr.pton(10, address)
        if prefix:
            value += bytes((_prefix(prefix, 128),))
        return _T_IPV6, value
    except ValueError:
        return None


def _prefix(text, top):
    if not text.isdigit() or int(text) > top:
        raise ValueError("prefix length")
    return int(text)


def _same(line, i, end, word, at, n):
    """line[i:end] starts with word[at:at + n] (compared in place: no slices)."""
    if end - i < n:
        return False
    k = 0
    while k < n:
        if line[i + k] != word[at + k]:
            return False
        k += 1
    return True


def _separator(line, j, end):
    """After an element ending at j: where the next starts (a comma), end + 1 (the end of the
    line: no more), or -1 (anything else)."""
    if j >= end:
        return end + 1
    return j + 1 if line[j] == _COMMA else -1


def _pair(out, p, value):
    """Two bytes big-endian."""
    out[p] = value >> 8 & 0xFF
    out[p + 1] = value & 0xFF


def _close(out, p, n):
    """Finish the TLV at out[p] whose value of n bytes is in place: length, pad; returns the
    next TLV's offset."""
    pad = -n & 3
    out[p + 1] = pad
    _pair(out, p + 2, n)
    p += 4 + n
    while pad:
        out[p] = 0
        p += 1
        pad -= 1
    return p
