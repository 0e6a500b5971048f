"""emulator: the device side's own AT codec (RNWF02 spec §2, §3, §9.1), sans-I/O.

parse() turns one command line into basic settings and a request (command id, TLV elements typed
from the text as Microchip's cfgc types them); the render functions turn RSP/AEC elements and
final results into text. Shares nothing with the driver but the ID and name tables.
"""

import calendar
import datetime
import ipaddress
import re
import struct
import time

from winc import _ids

from . import codec
from .names import AEC_NAMES, COMMAND_NAMES, STATUS_NAMES

INVALID_CMD = 0x0002
UNKNOWN_CMD = _ids.UNKNOWN_CMD

# Basic commands (§2.4): letter -> allowed values. A letter without digits means 0.
BASICS = {"E": (0, 1), "F": tuple(range(16)), "M": (0, 1), "V": tuple(range(6)), "&K": (0, 3)}

_ESCAPE_IN = {"0": 0, "t": 9, "\\": 92, '"': 34, "r": 13, "n": 10, "a": 7, "b": 8, "v": 11,
              "f": 12, "e": 27}
_ESCAPE_OUT = {value: "\\" + key for key, value in _ESCAPE_IN.items()}
_NAMES = {name: ident for ident, name in COMMAND_NAMES.items()}

_NUMERIC_NAME = re.compile(r"([0-9A-Fa-f]{2})\.([0-9A-Fa-f]{2})\Z")
_EXTENDED_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_DECIMAL = re.compile(r"-?[0-9]+\Z")
_BASED = re.compile(r"(-?)0([xXoObB])([0-9a-fA-F]+)\Z")
_FRAC = re.compile(r"(-?[0-9]+)\.([0-9]+)\Z")
_IPV4 = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}\Z")
_MAC = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}\Z")
_RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                      r"(\.[0-9]+)?[Zz]\Z")
_HEX = re.compile(r"([0-9a-fA-F]{2})*\Z")

# Status texts (§7): words of the status name, these spelled out. [INFERRED] beyond the texts
# the spec's examples confirm (0.4, 5.4, 14.1, 14.7, 20.3, 22.0, 30.0).
_WORDS = {"CMD": "Command", "CONN": "Connection", "DISCONN": "Disconnection",
          "ASSOC": "Association", "TSFR": "Transfer", "TMO": "Timeout", "IMG": "Image",
          "PARAMS": "Parameters", "INTF": "Interface", "WIFI": "Wi-Fi", "CFG": "Configuration",
          "SEC": "Security", "UNSUPPORTTED": "Unsupported", "NUM": "Number Of", "RECV": "Receive"}
_KEEP = ("API", "DNS", "STA", "TLS", "CA", "WAP", "NVM", "PPS", "DFU", "ARB", "HTTP", "OTA",
         "MQTT", "SNTP", "PS", "OK", "ID")
_MESSAGES = {
    "UNKNOWN_CMD": "Unknown AT Command",
    "INVALID_CMD": "Invalid AT Command",
    "DNS_NON_EXISTENT_DOMAIN": "DNS Non-Existent Domain",
    "DFU_ADDRESS_WARNING": "No Bootable Image In Other Partition",
}


class AtError(Exception):
    """A line the parser refuses; `status` is the code of its ERROR result."""

    def __init__(self, status, reason=""):
        super().__init__(reason or "status 0x%04x" % status)
        self.status = status


class TextElement(codec.Element):
    """A quoted parameter typed as an address or a time (§9.1) that keeps the text it was
    typed as: a handler that wants text (an SSID, a file name) takes that (commands.text)."""

    __slots__ = ("text",)

    def __init__(self, type, data, text):
        super().__init__(type, data)
        self.text = text


class Line:
    """One parsed command line: basic settings [(letter, value)], then an extended command
    (command id and its elements; elements None when the name had no '=')."""

    __slots__ = ("basics", "command", "elements")

    def __init__(self, basics, command, elements):
        self.basics = basics
        self.command = command
        self.elements = elements


# -- command lines -------------------------------------------------------------------------------


def parse(line):
    """A Line from one command line (bytes, terminator removed); AtError if it is not one."""
    text = bytes(line).decode("latin-1")  # one character per byte: string data stays exact
    if text[:2].upper() != "AT":
        raise AtError(UNKNOWN_CMD, "not an AT command: %r" % text[:20])
    pos, basics = 2, []
    while pos < len(text) and text[pos] != "+":
        letter = "&K" if text[pos:pos + 2].upper() == "&K" else text[pos].upper()
        if letter not in BASICS:
            raise AtError(UNKNOWN_CMD, "unknown basic command %r" % text[pos:pos + 2])
        pos += len(letter)
        end = pos
        while end < len(text) and text[end] in "0123456789":
            end += 1
        value = int(text[pos:end]) if end > pos else 0
        if value not in BASICS[letter]:
            raise AtError(_ids.INVALID_PARAMETER, "AT%s%d" % (letter, value))
        basics.append((letter, value))
        pos = end
    if pos == len(text):
        return Line(basics, None, None)
    name, equals, rest = text[pos + 1:].partition("=")
    return Line(basics, command_id(name), parameters(rest) if equals else None)


def command_id(name):
    """The id of an extended command name ('SOCKO') or numeric pair ('0E.00'), else AtError."""
    numeric = _NUMERIC_NAME.match(name)
    if numeric:
        ident = int(numeric.group(1), 16) << 8 | int(numeric.group(2), 16)
        if ident in COMMAND_NAMES:
            return ident
    elif _EXTENDED_NAME.match(name) and name.upper() in _NAMES:
        return _NAMES[name.upper()]
    if not name:
        raise AtError(INVALID_CMD, "no command name after '+'")
    raise AtError(UNKNOWN_CMD, "unknown command %r" % name)


def split(text):
    """Parameter tokens: commas inside "..." and [...] are data; spaces around tokens go."""
    tokens, pos, n = [], 0, len(text)
    while True:
        while pos < n and text[pos] == " ":
            pos += 1
        start = pos
        if pos < n and text[pos] == '"':
            pos += 1
            while pos < n and text[pos] != '"':
                pos += 2 if text[pos] == "\\" else 1
            if pos >= n:
                raise AtError(_ids.INVALID_PARAMETER, "unterminated string")
            pos += 1
        elif pos < n and text[pos] == "[":
            pos = text.find("]", pos)
            if pos < 0:
                raise AtError(_ids.INVALID_PARAMETER, "unterminated byte array")
            pos += 1
        else:
            while pos < n and text[pos] != ",":
                pos += 1
        token = text[start:pos].rstrip(" ")
        while pos < n and text[pos] == " ":
            pos += 1
        tokens.append(token)
        if pos == n:
            return tokens
        if text[pos] != ",":
            raise AtError(_ids.INVALID_PARAMETER, "%r after %r" % (text[pos], token))
        pos += 1


def parameters(text):
    """The TLV elements of a parameter list (the text after '=')."""
    return [element(token) for token in split(text)]


# -- parameter typing (§2.2, §9.1) ---------------------------------------------------------------


def integer_element(value):
    """Non-negative: INTEGER_UNSIGNED of 1, 2 or 4 bytes; negative: 4-byte INTEGER."""
    if value < 0:
        if value < -0x80000000:
            raise AtError(_ids.INVALID_PARAMETER, "%d below -2147483648" % value)
        return codec.element("I4", value)
    if value > 0xFFFFFFFF:
        raise AtError(_ids.INVALID_PARAMETER, "%d above 4294967295" % value)
    return codec.element("U1" if value <= 0xFF else "U2" if value <= 0xFFFF else "U4", value)


def element(token):
    """One parameter token as cfgc types it (§9.1); AtError if it has no type."""
    if token.startswith('"'):
        return _quoted(unescape(token[1:-1]))
    if token.startswith("["):
        digits = token[1:-1]
        if not _HEX.match(digits):
            raise AtError(_ids.INVALID_PARAMETER, "byte array %r" % token)
        return codec.Element(_ids.T_BYTES, bytes.fromhex(digits))
    if _DECIMAL.match(token):
        return integer_element(int(token, 10))
    based = _BASED.match(token)
    if based:
        sign, base, digits = based.groups()
        try:
            value = int(digits, {"x": 16, "o": 8, "b": 2}[base.lower()])
        except ValueError:
            raise AtError(_ids.INVALID_PARAMETER, "integer %r" % token) from None
        return integer_element(-value if sign else value)
    frac = _FRAC.match(token)
    if frac:
        whole, part = int(frac.group(1)), int(frac.group(2))
        if not -16384 <= whole <= 16383 or part > 0xFFFF:
            raise AtError(_ids.INVALID_PARAMETER, "fractional integer %r" % token)
        return codec.Element(_ids.T_FRAC, struct.pack(">hH", whole, part))
    raise AtError(_ids.INVALID_PARAMETER, "parameter %r has no type" % token)


def unescape(text):
    """The bytes of a quoted string's inside, backslash escapes resolved."""
    out, pos = bytearray(), 0
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            code = _ESCAPE_IN.get(text[pos + 1:pos + 2])
            if code is None:
                raise AtError(_ids.INVALID_PARAMETER, "escape %r" % text[pos:pos + 2])
            out.append(code)
            pos += 2
        else:
            out.append(ord(char))
            pos += 1
    return bytes(out)


def _quoted(data):
    # cfgc's order: IPv4, IPv6, MAC, RFC 3339, else a string.
    text = data.decode("latin-1")
    typed = _ipv4(text) or _ipv6(text) or _mac(text) or _utc(text)
    if typed is None:
        return codec.Element(_ids.T_STRING, data)
    return TextElement(typed[0], typed[1], data)


def _ipv4(text):
    address, slash, mask = text.partition("/")
    if not _IPV4.match(address):
        return None
    try:
        data = ipaddress.IPv4Address(address).packed
        if slash:  # "/m" prefix length or "/a.b.c.d" netmask: sent as address + netmask
            network = ipaddress.IPv4Network("0.0.0.0/" + mask)
            data += network.netmask.packed
    except ValueError:
        return None
    return _ids.T_IPV4, data


def _ipv6(text):
    address, slash, prefix = text.partition("/")
    if ":" not in address or "%" in address:
        return None
    try:
        data = ipaddress.IPv6Address(address).packed
    except ValueError:
        return None
    if slash:
        if not prefix.isdigit() or int(prefix) > 128:
            return None
        data += bytes([int(prefix)])
    return _ids.T_IPV6, data


def _mac(text):
    if not _MAC.match(text):
        return None
    return _ids.T_MAC, bytes.fromhex(text.replace(":", ""))


def _utc(text):
    match = _RFC3339.match(text)
    if match is None:
        return None
    fields = [int(f) for f in match.groups()[:6]]
    try:
        datetime.datetime(*fields)  # a real date and time of day
    except ValueError:
        return None
    seconds = calendar.timegm(fields)
    if not 0 <= seconds <= 0xFFFFFFFF:
        return None
    return _ids.T_UTC, seconds.to_bytes(4, "big")


# -- output (§3) ---------------------------------------------------------------------------------


def status_text(code):
    """`m.c` of a status code (§3.5)."""
    return "%d.%d" % (code >> 8, code & 0xFF)


def status_message(code):
    """The message of a status code, None if it has no name."""
    name = STATUS_NAMES.get(code)
    if name is None:
        return None
    if name in _MESSAGES:
        return _MESSAGES[name]
    words = []
    for word in name.split("_"):
        words.append(_WORDS.get(word) or (word if word in _KEEP else word.capitalize()))
    return " ".join(words)


def name(ident, aec, numeric):
    """`+NAME` or, in numeric mode (ATM1), `+MM.NN` with hex ids (§2.1)."""
    if numeric:
        return "+%02X.%02X" % (ident >> 8, ident & 0xFF)
    table = AEC_NAMES if aec else COMMAND_NAMES
    return "+" + table.get(ident, "%02X.%02X" % (ident >> 8, ident & 0xFF))


def _text(data, style):
    """A string or byte array: style 'hex', 'plain' (printables only) or 'escaped' (§2.3)."""
    if style != "hex":
        if style == "plain" and all(0x20 <= b < 0x7F and b not in (0x22, 0x5C) for b in data):
            return '"%s"' % data.decode("ascii")
        if style == "escaped" and all(0x20 <= b < 0x7F or b in _ESCAPE_OUT for b in data):
            return '"%s"' % "".join(_ESCAPE_OUT.get(b) or chr(b) for b in data)
    return "[%s]" % data.hex().upper()


# ATF bits 0-1 -> (string style, byte-array style)
_STYLES = {0: ("hex", "hex"), 1: ("plain", "hex"), 2: ("escaped", "hex"),
           3: ("escaped", "escaped")}


def render(el, fmt=7, messages=True):
    """One element as text under ATF `fmt`; STATUS with its message when `messages`."""
    kind, data = el.type, el.data
    strings, arrays = _STYLES[fmt & 3]
    if kind == _ids.T_BYTES:
        return _text(data, arrays) if data else "[]"
    if kind in (_ids.T_STRING, _ids.T_LABEL):
        return _text(data, strings) if data or strings == "hex" else '""'
    if not data:
        return '""'  # [INFERRED] an unset value of any other type
    try:
        value = el.value
    except codec.CodecError:
        return "[%s]" % data.hex().upper()
    if kind == _ids.T_STATUS:
        message = status_message(value) if messages else None
        return status_text(value) + (',"%s"' % message if message else "")
    if kind in (_ids.T_INT, _ids.T_UINT, _ids.T_BOOL):
        return "0x%X" % value if fmt & 8 and value >= 0 else "%d" % value
    if kind == _ids.T_FRAC:
        return "%d.%d" % struct.unpack(">hH", data)
    if kind == _ids.T_UTC:
        return time.strftime('"%Y-%m-%dT%H:%M:%S.00Z"', time.gmtime(value))
    if kind == _ids.T_IPV4 and len(data) == 8:
        mask = int.from_bytes(data[4:], "big")
        prefix = bin(mask).count("1")
        contiguous = mask == (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
        return '"%s/%s"' % (ipaddress.IPv4Address(data[:4]), prefix if contiguous
                            else ipaddress.IPv4Address(data[4:]))
    if kind in (_ids.T_IPV6, _ids.T_MAC):
        return '"%s"' % value.upper()
    return '"%s"' % value


def line(ident, elements, aec, fmt=7, messages=True, numeric=False):
    """A response (`+NAME:e1,e2\\r\\n`) or an AEC (`\\r+NAME:...\\r\\n`) as bytes."""
    head = ("\r" if aec else "") + name(ident, aec, numeric)
    if elements:
        head += ":" + ",".join(render(el, fmt, messages) for el in elements)
    return (head + "\r\n").encode("latin-1")


def result(status, verbosity):
    """The final result line of a command under ATV `verbosity` (§3.5)."""
    if verbosity <= 1:
        if status == _ids.OK:
            return b"0\r\n"
        return b"1\r\n" if verbosity == 0 else ("1:%s\r\n" % status_text(status)).encode()
    if status == _ids.OK:
        return b"OK\r\n"
    message = status_message(status)
    if verbosity == 2:
        text = "ERROR"
    elif verbosity == 3 or (verbosity == 4 and message is None):
        text = "ERROR:" + status_text(status)
    elif verbosity == 4:
        text = 'ERROR:"%s"' % message
    else:
        text = "ERROR:" + status_text(status) + (',"%s"' % message if message else "")
    return (text + "\r\n").encode()
