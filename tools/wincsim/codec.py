"""emulator: the device side's own message and TLV codec (spec §4-§5), sans-I/O.

Shares nothing with the driver's codec but the ID constants, so a codec bug cannot hide by being
mirrored; both sides are checked against the spec's golden vectors (§10).
"""

import ipaddress
import struct

from winc import _ids

MAX_ELEMENTS = 255  # the count field is one byte; the host itself keeps at most 12 (§4.4)


class CodecError(ValueError):
    """Malformed message or element. `ident` is (id, seq) when a request header was readable."""

    def __init__(self, message, ident=None):
        super().__init__(message)
        self.ident = ident


# -- element values: wire bytes <-> Python values ------------------------------------------------


def _int_from(data, signed):
    if not 1 <= len(data) <= 4:
        raise CodecError("integer of %d bytes (1-4 allowed)" % len(data))
    return int.from_bytes(data, "big", signed=signed)


def _decode_uint(data):
    return _int_from(data, False)


def _decode_int(data):
    return _int_from(data, True)


def _decode_frac(data):
    if len(data) != 4:
        raise CodecError("INTEGER_FRAC of %d bytes (4 required)" % len(data))
    return "%d.%d" % struct.unpack(">HH", data)


def _decode_text(data):
    return bytes(data).decode("utf-8", "surrogateescape")


def _decode_bytes(data):
    return bytes(data)


def _decode_ipv4(data):
    if len(data) == 4:
        return str(ipaddress.IPv4Address(bytes(data)))
    if len(data) == 8:  # address + netmask (§5.2)
        return "%s/%s" % (ipaddress.IPv4Address(bytes(data[:4])),
                          ipaddress.IPv4Address(bytes(data[4:])))
    raise CodecError("IPV4ADDR of %d bytes (4 or 8 allowed)" % len(data))


def _decode_ipv6(data):
    if len(data) == 16:
        return str(ipaddress.IPv6Address(bytes(data)))
    if len(data) == 17:  # address + prefix/scope byte (§5.2)
        return "%s/%d" % (ipaddress.IPv6Address(bytes(data[:16])), data[16])
    raise CodecError("IPV6ADDR of %d bytes (16 or 17 allowed)" % len(data))


def _decode_mac(data):
    if len(data) != 6:
        raise CodecError("MACADDR of %d bytes (6 required)" % len(data))
    return ":".join("%02x" % b for b in data)


# Wire type -> (element code, value decoder). Integer codes get their width appended (U2, I4).
# An empty TLV (§5.1: "clear/unset") decodes to None, '' or b'' whatever the type.
_DECODERS = {
    _ids.T_INVALID: ("INVALID", _decode_bytes),
    _ids.T_STATUS: ("STATUS", _decode_uint),
    _ids.T_INT: ("I", _decode_int),
    _ids.T_UINT: ("U", _decode_uint),
    _ids.T_FRAC: ("FRAC", _decode_frac),
    _ids.T_STRING: ("STR", _decode_text),
    _ids.T_BYTES: ("BA", _decode_bytes),
    _ids.T_LABEL: ("LABEL", _decode_text),
    _ids.T_IPV4: ("IPV4", _decode_ipv4),
    _ids.T_IPV6: ("IPV6", _decode_ipv6),
    _ids.T_BOOL: ("BOOL", _decode_uint),  # the reference host sends 4-byte BOOLs (§5.2)
    _ids.T_MAC: ("MAC", _decode_mac),
    _ids.T_UTC: ("UTC", _decode_uint),
}
_EMPTY = {_ids.T_STRING: "", _ids.T_LABEL: "", _ids.T_BYTES: b"", _ids.T_INVALID: b""}
INTEGER_CLASS = (_ids.T_STATUS, _ids.T_INT, _ids.T_UINT, _ids.T_BOOL, _ids.T_UTC)


def _encode_int(width, signed):
    low, high = (-(1 << (8 * width - 1)), (1 << (8 * width - 1)) - 1) if signed else (
        0, (1 << (8 * width)) - 1)

    def encode(value):
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int) or not low <= value <= high:
            raise CodecError("%r does not fit %d-byte %s integer" % (
                value, width, "signed" if signed else "unsigned"))
        return value.to_bytes(width, "big", signed=signed)

    return encode


def _encode_frac(value):
    if isinstance(value, str):
        parts = value.split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise CodecError("INTEGER_FRAC %r is not 'a.b'" % value)
        value = (int(parts[0]), int(parts[1]))
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, int) and 0 <= v <= 0xFFFF for v in value)):
        raise CodecError("INTEGER_FRAC %r is not (a, b) with 16-bit parts" % (value,))
    return struct.pack(">HH", value[0], value[1])


def _raw_bytes(value, sizes, what):
    data = bytes(value)
    if len(data) not in sizes:
        raise CodecError("%s of %d bytes" % (what, len(data)))
    return data


def _encode_text(value):
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return _encode_bytes(value)


def _encode_bytes(value):
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise CodecError("%r is not bytes" % (value,))
    return bytes(value)


def _encode_ipv4(value):
    if not isinstance(value, str):
        return _raw_bytes(value, (0, 4, 8), "IPV4ADDR")
    try:
        return b"".join(ipaddress.IPv4Address(p).packed for p in value.split("/")[:2] if p)
    except ValueError as e:
        raise CodecError("IPV4ADDR %r: %s" % (value, e)) from None


def _encode_ipv6(value):
    if not isinstance(value, str):
        return _raw_bytes(value, (0, 16, 17), "IPV6ADDR")
    if not value:
        return b""
    address, _, prefix = value.partition("/")
    try:
        data = ipaddress.IPv6Address(address).packed
        return data + bytes([int(prefix)]) if prefix else data
    except ValueError as e:
        raise CodecError("IPV6ADDR %r: %s" % (value, e)) from None


def _encode_mac(value):
    if not isinstance(value, str):
        return _raw_bytes(value, (0, 6), "MACADDR")
    if not value:
        return b""
    try:
        data = bytes(int(p, 16) for p in value.replace("-", ":").split(":"))
    except ValueError:
        raise CodecError("MACADDR %r is not 'aa:bb:cc:dd:ee:ff'" % value) from None
    return _raw_bytes(data, (6,), "MACADDR")


# Element code -> (wire type, value encoder): how test scripts and handlers name elements.
ENCODERS = {
    "U1": (_ids.T_UINT, _encode_int(1, False)),
    "U2": (_ids.T_UINT, _encode_int(2, False)),
    "U4": (_ids.T_UINT, _encode_int(4, False)),
    "I1": (_ids.T_INT, _encode_int(1, True)),
    "I2": (_ids.T_INT, _encode_int(2, True)),
    "I4": (_ids.T_INT, _encode_int(4, True)),
    "STATUS": (_ids.T_STATUS, _encode_int(2, False)),
    "FRAC": (_ids.T_FRAC, _encode_frac),
    "STR": (_ids.T_STRING, _encode_text),
    "LABEL": (_ids.T_LABEL, _encode_text),
    "BA": (_ids.T_BYTES, _encode_bytes),
    "IPV4": (_ids.T_IPV4, _encode_ipv4),
    "IPV6": (_ids.T_IPV6, _encode_ipv6),
    "BOOL": (_ids.T_BOOL, _encode_int(1, False)),
    "BOOL4": (_ids.T_BOOL, _encode_int(4, False)),  # what the reference host sends
    "MAC": (_ids.T_MAC, _encode_mac),
    "UTC": (_ids.T_UTC, _encode_int(4, False)),
}


class Element:
    """One TLV: wire type and data bytes; `value` and `code` are derived on demand."""

    __slots__ = ("type", "data")

    def __init__(self, type, data):
        self.type = type
        self.data = bytes(data)

    @property
    def code(self):
        name = _DECODERS.get(self.type, ("T%d" % self.type,))[0]
        return name + str(len(self.data)) if name in ("U", "I") else name

    @property
    def value(self):
        if self.type not in _DECODERS:
            raise CodecError("unknown element type %d" % self.type)
        if not self.data:
            return _EMPTY.get(self.type)
        return _DECODERS[self.type][1](self.data)

    def __eq__(self, other):
        return isinstance(other, Element) and (self.type, self.data) == (other.type, other.data)

    def __hash__(self):
        return hash((self.type, self.data))

    def __repr__(self):
        try:
            return "Element(%s, %r)" % (self.code, self.value)
        except CodecError:
            return "Element(%d, %r)" % (self.type, self.data)


def element(code, value):
    """Build an Element from a code ('U2', 'STR', ...) or a raw wire type number and bytes."""
    if isinstance(code, int):
        if not 0 <= code <= 0xFF:
            raise CodecError("element type %r out of range" % code)
        return Element(code, _encode_bytes(value))
    if code not in ENCODERS:
        raise CodecError("unknown element code %r" % (code,))
    wire_type, encode = ENCODERS[code]
    return Element(wire_type, encode(value))


def _as_element(item):
    if isinstance(item, Element):
        return item
    try:
        code, value = item
    except (TypeError, ValueError):
        raise CodecError("element %r is not (code, value)" % (item,)) from None
    return element(code, value)


def encode_tlv(item):
    """One TLV: header with the pad count in flags bits 1..0, data, zero padding (§5.1)."""
    el = _as_element(item)
    if len(el.data) > 0xFFFF:
        raise CodecError("element of %d bytes" % len(el.data))
    pad = -len(el.data) % 4
    return struct.pack(">BBH", el.type, pad, len(el.data)) + el.data + bytes(pad)


def _encode_tlvs(elements):
    tlvs = [encode_tlv(item) for item in elements]
    if len(tlvs) > MAX_ELEMENTS:
        raise CodecError("%d elements" % len(tlvs))
    return len(tlvs), b"".join(tlvs)


def pad_message(data):
    """Zero-pad a message to a whole number of 32-bit words (§4.3, §4.4 [INFERRED] zeros)."""
    return bytes(data) + bytes(-len(data) % 4)


# -- messages ------------------------------------------------------------------------------------


class Message:
    """A decoded message of any type; fields that a type lacks are None."""

    __slots__ = ("kind", "id", "seq", "rsp_id", "status", "elements")

    def __init__(self, kind, id, seq, rsp_id=None, status=None, elements=()):
        self.kind = kind
        self.id = id
        self.seq = seq
        self.rsp_id = rsp_id
        self.status = status
        self.elements = list(elements)

    def values(self):
        return [el.value for el in self.elements]

    def __eq__(self, other):
        return isinstance(other, Message) and all(
            getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __repr__(self):
        return "Message(%d, 0x%04x, seq=%d, rsp_id=%r, status=%r, %r)" % (
            self.kind, self.id, self.seq, self.rsp_id, self.status, self.elements)


def encode_request(cmd_id, seq, elements=()):
    """A host request (§4.2): what the driver would send; used to drive the emulator in tests."""
    count, tlvs = _encode_tlvs(elements)
    return struct.pack(">BHHBH", _ids.REQ, cmd_id, seq & 0xFFFF, count, len(tlvs)) + tlvs


def encode_status(cmd_id, seq, status):
    """STATUS (§4.3): 7 bytes and one zero pad byte."""
    return struct.pack(">BHHHx", _ids.STATUS, cmd_id, seq & 0xFFFF, status)


def _encode_reply(kind, ident, seq, rsp_id, elements):
    count, tlvs = _encode_tlvs(elements)
    # length = the bytes that follow it: the count byte and the TLVs (§4.4 [INFERRED]).
    head = struct.pack(">BHHHHB", kind, ident, seq & 0xFFFF, rsp_id, 1 + len(tlvs), count)
    return pad_message(head + tlvs)


def encode_rsp(cmd_id, seq, elements=(), rsp_id=None):
    """RSP (§4.4): echoes the command id and sequence; rspId defaults to the command id."""
    return _encode_reply(_ids.RSP, cmd_id, seq, cmd_id if rsp_id is None else rsp_id, elements)


def encode_aec(aec_id, elements=()):
    """AEC (§4.4). [INFERRED] id field = AEC id and seq = 0, as in spec §10.3."""
    return _encode_reply(_ids.AEC, aec_id, 0, aec_id, elements)


def _decode_elements(data, pos, end, count):
    elements = []
    for _ in range(count):
        if pos + 4 > end:
            raise CodecError("element %d header runs past the end" % len(elements))
        wire_type, flags, length = struct.unpack_from(">BBH", data, pos)
        stop = pos + 4 + length
        # The pad count comes from the flags (§5.1), never computed from the length.
        if stop + (flags & 3) > end:
            raise CodecError("element %d (%d bytes) runs past the end" % (len(elements), length))
        elements.append(Element(wire_type, data[pos + 4:stop]))
        pos = stop + (flags & 3)
    return elements, pos


def decode(data):
    """Decode one message of any type; CodecError for anything malformed."""
    data = bytes(data)
    if not data:
        raise CodecError("empty message")
    decoder = _MESSAGE_DECODERS.get(data[0])
    if decoder is None:
        raise CodecError("unknown message type %d" % data[0])
    return decoder(data)


def _decode_request_message(data):
    if len(data) < 8:
        raise CodecError("request header of %d bytes (8 required)" % len(data))
    _, ident, seq, count, length = struct.unpack_from(">BHHBH", data)
    try:
        end = 8 + length
        if end > len(data):
            raise CodecError("parameter area of %d bytes overruns the %d-byte request" % (
                length, len(data)))
        if len(data) - end > 3 or any(data[end:]):
            raise CodecError("%d bytes after the parameter area" % (len(data) - end))
        elements, pos = _decode_elements(data, 8, end, count)
        if pos != end:
            raise CodecError("%d parameter bytes left after %d TLVs" % (end - pos, count))
        for el in elements:
            _ = el.value  # validates every value once, so handlers can trust them
    except CodecError as e:
        raise CodecError(str(e), (ident, seq)) from None
    return Message(_ids.REQ, ident, seq, elements=elements)


def _decode_status_message(data):
    if len(data) < 7:
        raise CodecError("STATUS of %d bytes (7 required)" % len(data))
    _, ident, seq, status = struct.unpack_from(">BHHH", data)
    return Message(_ids.STATUS, ident, seq, status=status)


def _decode_reply_message(data):
    if len(data) < 10:
        raise CodecError("RSP/AEC header of %d bytes (10 required)" % len(data))
    kind, ident, seq, rsp_id, _, count = struct.unpack_from(">BHHHHB", data)
    elements, _ = _decode_elements(data, 10, len(data), count)
    return Message(kind, ident, seq, rsp_id=rsp_id, elements=elements)


_MESSAGE_DECODERS = {
    _ids.REQ: _decode_request_message,
    _ids.STATUS: _decode_status_message,
    _ids.RSP: _decode_reply_message,
    _ids.AEC: _decode_reply_message,
}


def decode_request(data):
    """Decode a host request with every value validated; CodecError.ident says who to answer."""
    data = bytes(data)
    if data[:1] != bytes([_ids.REQ]):
        raise CodecError("not a request (type %r)" % (data[:1],))
    return _decode_request_message(data)
