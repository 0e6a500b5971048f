"""Driver codec against the spec's byte-exact examples (§10) and the TLV rules of §4-§5."""

from support import raises, unhex

from winc import _ids, tlv
from winc.tlv import BYTES, FRAC, I1, I2, I4, IPV4, IPV6, MAC, STR, U1, U2, U4, Message

SID = 0x44C3

# (spec reference, command id, seq, params, bytes): requests the driver must emit exactly.
REQUESTS = (
    ("10.2 SOCKO(TCP, IPv4) request", _ids.SOCKO, 0, (U1, 2, U1, 4),
     "00 0E 00 00 00 02 00 10 | 03 03 00 01 02 00 00 00 | 03 03 00 01 04 00 00 00"),
    ("10.4 SOCKC#1 ASYNC_WIN_SZ 7360", _ids.SOCKC, 1, (U2, SID, U4, 101, U4, 7360),
     "00 0E 0B 00 01 03 00 18 | 03 02 00 02 44 C3 00 00 | 03 00 00 04 00 00 00 65 |"
     "03 00 00 04 00 00 1C C0"),
    ("10.4 SOCKC#2 ASYNC_MAX_FRM_SZ 1498", _ids.SOCKC, 2, (U2, SID, U4, 102, U4, 1498),
     "00 0E 0B 00 02 03 00 18 | 03 02 00 02 44 C3 00 00 | 03 00 00 04 00 00 00 66 |"
     "03 00 00 04 00 00 05 DA"),
    ("10.4 SOCKBR(93.184.216.34:80)", _ids.SOCKBR, 4, (U2, SID, IPV4, b"\x5d\xb8\xd8\x22", U2, 80),
     "00 0E 02 00 04 03 00 18 03 02 00 02 44 C3 00 00 08 00 00 04 5D B8 D8 22 03 02 00 02 00 50"
     "00 00"),
    ("10.4 SOCKWR(len 5, seq 0, hello)", _ids.SOCKWR, 3, (U2, SID, U2, 5, I4, 0, BYTES, b"hello"),
     "00 0E 05 00 03 04 00 24 03 02 00 02 44 C3 00 00 03 02 00 02 00 05 00 00"
     "02 00 00 04 00 00 00 00 06 03 00 05 68 65 6C 6C 6F 00 00 00"),
)

# (spec reference, bytes, kind, id, seq, status, element values): device messages to decode.
MESSAGES = (
    ("10.2 RSP SOCKO", "02 0E 00 00 00 0E 00 00 09 01 03 02 00 02 44 C3 00 00 00 00",
     _ids.RSP, _ids.SOCKO, 0, 0, [SID]),
    ("10.2 STATUS SOCKO OK", "01 0E 00 00 00 00 00 00", _ids.STATUS, _ids.SOCKO, 0, 0, []),
    ("10.4 STATUS SOCKC seq 2", "01 0E 0B 00 02 00 00 00", _ids.STATUS, _ids.SOCKC, 2, 0, []),
    ("10.3 AEC SOCKRXT hello",
     "03 0E 01 00 00 0E 01 00 25 04 03 02 00 02 44 C3 00 00 03 02 00 02 00 05 00 00"
     "03 02 00 02 00 00 00 00 06 03 00 05 68 65 6C 6C 6F 00 00 00 00 00",
     _ids.AEC, _ids.AEC_SOCKRXT, 0, 0, [SID, 5, 0, b"hello"]),
    ("10.4 AEC SOCKIND",
     "03 0E 00 00 00 0E 00 00 29 05 03 02 00 02 44 C3 00 00 08 00 00 04 C0 A8 00 14"
     "03 02 00 02 C3 50 00 00 08 00 00 04 5D B8 D8 22 03 02 00 02 00 50 00 00 00 00",
     _ids.AEC, _ids.AEC_SOCKIND, 0, 0,
     [SID, b"\xc0\xa8\x00\x14", 50000, b"\x5d\xb8\xd8\x22", 80]),
    ("10.4 AEC BOOT", "03 01 00 00 00 01 00 00 01 00 00 00", _ids.AEC, _ids.AEC_BOOT, 0, 0, []),
)


def _decode(data, extra=b""):
    buf = bytearray(data + extra)
    msg = Message()
    msg.parse(buf, len(data))
    return msg


def test_golden_requests_encode_exactly():
    buf = bytearray(128)
    for ref, cmd_id, seq, params, text in REQUESTS:
        n = tlv.encode_request(buf, cmd_id, seq, params)
        assert bytes(buf[:n]) == unhex(text), ref
        assert tlv.encode_request(None, cmd_id, seq, params) == n, ref  # measuring agrees


def test_golden_requests_encode_at_an_offset():
    buf = bytearray(256)
    for ref, cmd_id, seq, params, text in REQUESTS:
        n = tlv.encode_request(buf, cmd_id, seq, params, 40)
        assert bytes(buf[40:40 + n]) == unhex(text), ref


def test_golden_messages_decode():
    for ref, text, kind, ident, seq, status, values in MESSAGES:
        for extra in (b"", b"\xaa\xbb\xcc\xdd\xee"):  # trailing bytes change nothing
            msg = _decode(unhex(text), extra)
            assert (msg.kind, msg.id, msg.seq) == (kind, ident, seq), ref
            assert msg.values() == values, ref
            if kind == _ids.STATUS:
                assert msg.status == status, ref


def test_golden_messages_decode_at_an_offset():
    for ref, text, _kind, ident, _seq, _status, values in MESSAGES:
        data = unhex(text)
        buf = bytearray(b"\x99" * 12 + data)
        msg = Message()
        msg.parse(buf, len(data), 12)
        assert msg.id == ident and msg.values() == values, ref


def test_truncated_messages_raise_protocol_error():
    # Any prefix either still holds the whole message (only padding was cut) or is refused with
    # ProtocolError: never IndexError, never different values.
    for ref, text, _kind, _ident, _seq, _status, values in MESSAGES:
        data = unhex(text)
        for n in range(len(data)):
            try:
                msg = _decode(data[:n])
            except tlv.ProtocolError:
                continue
            assert n >= 7 and msg.values() == values, (ref, n)


def test_element_types_and_sign_rules():
    # (TLV bytes, value): signed INTEGER sign-extends from its first byte, the rest do not.
    cases = (
        ("02 00 00 01 80", -128), ("03 00 00 01 80", 128), ("02 00 00 02 FF FE", -2),
        ("02 00 00 04 80 00 00 00", -0x80000000), ("03 00 00 04 7F FF FF FF", 0x7FFFFFFF),
        ("02 00 00 01 7F", 127), ("01 00 00 02 05 04", 0x0504), ("0A 00 00 04 00 00 00 01", 1),
        ("0A 00 00 01 01", 1), ("04 00 00 04 00 09 00 01", 0x00090001),
        ("0C 00 00 04 12 34 56 78", 0x12345678), ("05 00 00 03 61 62 63", b"abc"),
        ("06 00 00 00", b""), ("0B 00 00 06 01 02 03 04 05 06", b"\x01\x02\x03\x04\x05\x06"),
    )
    for tlv_text, value in cases:
        element = unhex(tlv_text)
        pad = -(len(element) - 4) & 3
        element = bytes([element[0], pad]) + element[2:] + bytes(pad)
        data = unhex("02 0E 0B 00 07 0E 0B 00 00 01") + element
        msg = _decode(data)
        assert msg.value(0) == value, tlv_text


def _round_trip(params):
    buf = bytearray(256)
    n = tlv.encode_request(buf, _ids.CFG, 9, params)
    # The TLV area of a request has the layout of a response: re-frame it as an RSP.
    head = bytes([_ids.RSP]) + bytes(buf[1:5]) + bytes(buf[1:3]) + b"\x00\x00"
    return _decode(head + bytes([len(params) // 2]) + bytes(buf[8:n])).values()


def test_every_parameter_type_round_trips():
    assert _round_trip((U1, 255, U2, 65535, U4, 0x12345678, I1, -1, I2, -300, I4, -70000,
                        FRAC, tlv.frac(9, 1), tlv.BOOL, 1, tlv.UTC, 1700000000,
                        tlv.STATUS16, 0x0E0C)) == [255, 65535, 0x12345678, -1, -300, -70000,
                                                   0x00090001, 1, 1700000000, 0x0E0C]
    assert _round_trip((STR, "host.example", BYTES, b"\x00\xff", IPV4, b"\x7f\x00\x00\x01",
                        IPV6, bytes(range(16)), MAC, b"\x02" * 6)) == [
        b"host.example", b"\x00\xff", b"\x7f\x00\x00\x01", bytes(range(16)), b"\x02" * 6]


def test_optional_trailing_parameters_are_omitted():
    # An omitted optional parameter simply is not there: the count and length shrink (§5.5).
    buf = bytearray(64)
    n = tlv.encode_request(buf, _ids.SOCKO, 7, (U1, 2))
    assert bytes(buf[:n]) == unhex("00 0E 00 00 07 01 00 08 03 03 00 01 02 00 00 00")


def test_pad_bits_follow_the_data_length():
    buf = bytearray(64)
    for size in range(9):
        n = tlv.encode_request(buf, _ids.CFG, 0, (BYTES, bytes(size)))
        assert buf[9] == -size & 3 and n == 8 + 4 + size + (-size & 3), size


def test_decoder_trusts_the_pad_bits():
    # Pad count 2 on a 3-byte string makes the next element start one byte later (§5.1).
    data = unhex("02 0E 0B 00 00 0E 0B 00 00 02 05 02 00 03 61 62 63 00 00 03 00 00 01 07")
    assert _decode(data).values() == [b"abc", 7]


def test_bad_parameters_name_the_parameter():
    buf = bytearray(64)
    e = raises(ValueError, tlv.encode_request, buf, _ids.SOCKO, 0, (U1, 2, U1, 256))
    assert "parameter 1" in str(e)
    e = raises(ValueError, tlv.encode_request, buf, _ids.SOCKO, 0, (U2, -1))
    assert "parameter 0" in str(e)
    raises(ValueError, tlv.encode_request, buf, _ids.SOCKO, 0, (I1, 128))
    raises(ValueError, tlv.encode_request, buf, _ids.SOCKO, 0, (I4, 1 << 31))
    raises(ValueError, tlv.encode_request, buf, _ids.SOCKO, 0, (U4, 1 << 32))
    raises(TypeError, tlv.encode_request, buf, _ids.SOCKO, 0, (U1, "2"))
    raises(ValueError, tlv.encode_request, buf, _ids.SOCKBR, 0, (IPV4, b"\x01\x02\x03"))
    raises(ValueError, tlv.encode_request, buf, _ids.SOCKWR, 0, (BYTES, bytes(60)))  # too big
    assert tlv.encode_request(buf, _ids.SOCKO, 0, (I4, -(1 << 31), U4, (1 << 32) - 1)) == 24


def test_malformed_messages_raise_protocol_error():
    bad = (
        "", "00 0E 00 00 00 00 00 00",  # empty; a REQ is not a device message
        "07 0E 00 00 00 00 00 00",  # unknown type
        "01 0E 00 00 00 00",  # STATUS shorter than 7 bytes
        "02 0E 00 00 00 0E 00 00 09 0D",  # 13 elements: more than the host holds
        "03 0E 01 00 00 0E 01 00 05 01 06 00 00 09 61 62",  # element longer than the message
        "03 0E 01 00 00 0E 01 00 05 02 06 00 00 00",  # second element missing
    )
    for text in bad:
        raises(tlv.ProtocolError, _decode, unhex(text))


def test_accessors_reject_wrong_shapes():
    msg = _decode(unhex("02 0E 00 00 00 0E 00 00 09 01 05 03 00 01 61 00 00 00"))
    raises(tlv.ProtocolError, msg.int, 0)  # a string is not an integer
    raises(tlv.ProtocolError, msg.int, 1)  # no second element
    assert msg.str(0) == "a"
    e = raises(tlv.ProtocolError, msg.bytes, 3)
    assert e.errno == 74
