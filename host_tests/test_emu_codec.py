"""The emulator's own message/TLV codec against the golden vectors of spec §10, and bad input."""
# cpython only: wincsim runs on the host; the in-process emulator needs CPython

import pytest
from emu_host import unhex
from hypothesis import given, settings
from hypothesis import strategies as st

from winc import _ids
from wincsim import codec

SOCKO_REQ = "00 0E 00 00 00 02 00 10 03 03 00 01 02 00 00 00 03 03 00 01 04 00 00 00"
SOCKC1_REQ = ("00 0E 0B 00 01 03 00 18 | 03 02 00 02 44 C3 00 00 | 03 00 00 04 00 00 00 65 |"
              "03 00 00 04 00 00 1C C0")
SOCKC2_REQ = ("00 0E 0B 00 02 03 00 18 | 03 02 00 02 44 C3 00 00 | 03 00 00 04 00 00 00 66 |"
              "03 00 00 04 00 00 05 DA")
SOCKBR_REQ = ("00 0E 02 00 04 03 00 18 03 02 00 02 44 C3 00 00 08 00 00 04 5D B8 D8 22"
              "03 02 00 02 00 50 00 00")
SOCKWR_REQ = ("00 0E 05 00 03 04 00 24 03 02 00 02 44 C3 00 00 03 02 00 02 00 05 00 00"
              "02 00 00 04 00 00 00 00 06 03 00 05 68 65 6C 6C 6F 00 00 00")

# Host requests the emulator must decode: (spec ref, (id, seq, params, types), bytes).
REQUESTS = [
    ("10.2 SOCKO request", (_ids.SOCKO, 0, [2, 4], ["U1", "U1"]), SOCKO_REQ),
    ("10.4 SOCKC#1 request", (_ids.SOCKC, 1, [0x44C3, 101, 7360], ["U2", "U4", "U4"]),
     SOCKC1_REQ),
    ("10.4 SOCKC#2 request", (_ids.SOCKC, 2, [0x44C3, 102, 1498], ["U2", "U4", "U4"]),
     SOCKC2_REQ),
    ("10.4 SOCKBR request", (_ids.SOCKBR, 4, [0x44C3, "93.184.216.34", 80],
                             ["U2", "IPV4", "U2"]), SOCKBR_REQ),
    ("10.4 SOCKWR request", (_ids.SOCKWR, 3, [0x44C3, 5, 0, b"hello"], ["U2", "U2", "I4", "BA"]),
     SOCKWR_REQ),
]

# Device messages the emulator must encode byte for byte: (spec ref, encoder call, bytes).
DEVICE_MESSAGES = [
    ("10.2 RSP", ("rsp", _ids.SOCKO, 0, [("U2", 0x44C3)]),
     "02 0E 00 00 00 0E 00 00 09 01 03 02 00 02 44 C3 00 00 00 00"),
    ("10.2 STATUS", ("status", _ids.SOCKO, 0, _ids.OK), "01 0E 00 00 00 00 00 00"),
    ("10.3 SOCKRXT AEC", ("aec", _ids.AEC_SOCKRXT,
                          [("U2", 0x44C3), ("U2", 5), ("U2", 0), ("BA", b"hello")]),
     "03 0E 01 00 00 0E 01 00 25 04 03 02 00 02 44 C3 00 00 03 02 00 02 00 05 00 00"
     "03 02 00 02 00 00 00 00 06 03 00 05 68 65 6C 6C 6F 00 00 00 00 00"),
    ("10.4 SOCKIND AEC", ("aec", _ids.AEC_SOCKIND,
                          [("U2", 0x44C3), ("IPV4", "192.168.0.20"), ("U2", 50000),
                           ("IPV4", "93.184.216.34"), ("U2", 80)]),
     "03 0E 00 00 00 0E 00 00 29 05 03 02 00 02 44 C3 00 00 08 00 00 04 C0 A8 00 14"
     "03 02 00 02 C3 50 00 00 08 00 00 04 5D B8 D8 22 03 02 00 02 00 50 00 00 00 00"),
    ("10.4 BOOT AEC", ("aec", _ids.AEC_BOOT, []), "03 01 00 00 00 01 00 00 01 00 00 00"),
    ("10.4 SOCKC#1 STATUS", ("status", _ids.SOCKC, 1, _ids.OK), "01 0E 0B 00 01 00 00 00"),
    ("10.4 SOCKC#2 STATUS", ("status", _ids.SOCKC, 2, _ids.OK), "01 0E 0B 00 02 00 00 00"),
]


def _encode(call):
    kind, *args = call
    return {"rsp": codec.encode_rsp, "status": codec.encode_status,
            "aec": codec.encode_aec}[kind](*args)


@pytest.mark.parametrize("ref, fields, data", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_golden_requests_decode(ref, fields, data):
    ident, seq, params, types = fields
    for raw in (unhex(data), unhex(data) + b"\x00\x00\x00"):  # and with trailing pad
        msg = codec.decode_request(raw)
        assert (msg.kind, msg.id, msg.seq) == (_ids.REQ, ident, seq), ref
        assert msg.values() == params, ref
        assert [el.code for el in msg.elements] == types, ref


@pytest.mark.parametrize("ref, fields, data", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_golden_requests_encode_back(ref, fields, data):
    ident, seq, params, types = fields
    assert codec.encode_request(ident, seq, list(zip(types, params))) == unhex(data), ref


@pytest.mark.parametrize("ref, call, data", DEVICE_MESSAGES, ids=[m[0] for m in DEVICE_MESSAGES])
def test_golden_device_messages_encode(ref, call, data):
    encoded = _encode(call)
    assert encoded == unhex(data), ref
    assert len(encoded) % 4 == 0, ref


@pytest.mark.parametrize("ref, call, data", DEVICE_MESSAGES, ids=[m[0] for m in DEVICE_MESSAGES])
def test_golden_device_messages_decode(ref, call, data):
    msg = codec.decode(unhex(data))
    kind, ident, *rest = call
    if kind == "status":
        assert (msg.kind, msg.id, msg.seq, msg.status) == (_ids.STATUS, ident, *rest), ref
    else:
        elements = rest[-1]
        assert msg.rsp_id == ident and msg.values() == [v for _, v in elements], ref
        assert msg.kind == (_ids.AEC if kind == "aec" else _ids.RSP), ref


def test_aec_header_carries_the_aec_id_twice_and_seq_zero():
    # [INFERRED] §14 item 1: id field = AEC id, seq = 0, as §10.3 shows.
    msg = codec.decode(codec.encode_aec(_ids.AEC_SOCKCL, [("U2", 7)]))
    assert (msg.id, msg.seq, msg.rsp_id) == (_ids.AEC_SOCKCL, 0, _ids.AEC_SOCKCL)


# Element codes: (code, value given, value decoded back, wire bytes of the TLV).
ELEMENTS = [
    ("U1", 200, 200, "03 03 00 01 C8 00 00 00"),
    ("U2", 0x44C3, 0x44C3, "03 02 00 02 44 C3 00 00"),
    ("U4", 7360, 7360, "03 00 00 04 00 00 1C C0"),
    ("I1", -1, -1, "02 03 00 01 FF 00 00 00"),
    ("I2", -2, -2, "02 02 00 02 FF FE 00 00"),
    ("I4", 0, 0, "02 00 00 04 00 00 00 00"),
    ("STATUS", 0x0504, 0x0504, "01 02 00 02 05 04 00 00"),
    ("FRAC", "9.1", "9.1", "04 00 00 04 00 09 00 01"),
    ("FRAC", (50, 7), "50.7", "04 00 00 04 00 32 00 07"),
    ("STR", "WINCS02", "WINCS02", "05 01 00 07 57 49 4E 43 53 30 32 00"),
    ("BA", b"\x00\xff", b"\x00\xff", "06 02 00 02 00 FF 00 00"),
    ("IPV4", "127.0.0.1", "127.0.0.1", "08 00 00 04 7F 00 00 01"),
    ("IPV4", b"\x0a\x00\x00\x02\xff\xff\xff\x00", "10.0.0.2/255.255.255.0",
     "08 00 00 08 0A 00 00 02 FF FF FF 00"),
    ("IPV6", "::1", "::1", "09 00 00 10" + " 00" * 15 + " 01"),
    ("IPV6", "fe80::1/64", "fe80::1/64", "09 03 00 11 FE 80" + " 00" * 13 + " 01 40 00 00 00"),
    ("BOOL", True, 1, "0A 03 00 01 01 00 00 00"),
    ("BOOL4", 1, 1, "0A 00 00 04 00 00 00 01"),
    ("MAC", "02:00:00:aa:bb:cc", "02:00:00:aa:bb:cc", "0B 02 00 06 02 00 00 AA BB CC 00 00"),
    ("MAC", "", None, "0B 00 00 00"),
    ("UTC", 1767225600, 1767225600, "0C 00 00 04 69 55 B9 00"),
    ("STR", "", "", "05 00 00 00"),
]


@pytest.mark.parametrize("code, given, back, wire", ELEMENTS,
                         ids=["%s %r" % (e[0], e[1]) for e in ELEMENTS])
def test_element_codes(code, given, back, wire):
    assert codec.encode_tlv((code, given)) == unhex(wire)
    el = codec.element(code, given)
    assert el.value == back
    assert el.code == {"BOOL4": "BOOL"}.get(code, code)  # decoded BOOLs of any width


BAD_ELEMENTS = [("U1", 256), ("U1", -1), ("I1", 128), ("U4", "7"), ("FRAC", "1"),
                ("FRAC", (1, 70000)), ("IPV4", "1.2.3"), ("IPV4", b"\x01\x02"), ("IPV6", "::g"),
                ("MAC", "01:02"), ("BA", 5), ("NOPE", 1), (300, b"")]


@pytest.mark.parametrize("code, value", BAD_ELEMENTS, ids=[repr(b) for b in BAD_ELEMENTS])
def test_bad_element_values_raise_the_codec_error(code, value):
    with pytest.raises(codec.CodecError):
        codec.element(code, value)


# Malformed requests: (what, bytes, whether the header is readable so the host can be answered).
MALFORMED = [
    ("empty", "", False),
    ("short header", "00 0E 00 00 00 02 00", False),
    ("parameter length past the end", "00 0E 00 00 00 01 00 10 03 03 00 01 02 00 00 00", True),
    ("count says 2, one TLV", "00 0E 00 00 00 02 00 08 03 03 00 01 02 00 00 00", True),
    ("count says 1, two TLVs", SOCKO_REQ.replace("00 02 00 10", "00 01 00 10", 1), True),
    ("TLV runs past the area", "00 0E 00 00 00 01 00 08 06 00 00 09 01 02 03 04", True),
    ("pad runs past the area", "00 0E 00 00 00 01 00 08 06 03 00 04 01 02 03 04", True),
    ("5-byte integer", "00 0E 00 00 00 01 00 0C 03 03 00 05 01 02 03 04 05 00 00 00", True),
    ("3-byte MAC", "00 0E 00 00 00 01 00 08 0B 01 00 03 01 02 03 00", True),
    ("unknown type", "00 0E 00 00 00 01 00 08 0D 00 00 04 01 02 03 04", True),
    ("garbage after the area", SOCKO_REQ + " 00 00 00 00", True),
    ("not a request", "01 0E 00 00 00 00 00 00", False),
]


@pytest.mark.parametrize("what, data, readable", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_requests_raise_the_codec_error(what, data, readable):
    with pytest.raises(codec.CodecError) as caught:
        codec.decode_request(unhex(data))
    assert (caught.value.ident is not None) == readable, what


def test_every_truncation_of_a_golden_request_is_a_codec_error():
    for _, _, data in REQUESTS:
        raw = unhex(data)
        for n in range(len(raw)):
            with pytest.raises(codec.CodecError):
                codec.decode_request(raw[:n])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_decode_or_raise_the_codec_error(data):
    for decoder in (codec.decode, codec.decode_request):
        try:
            msg = decoder(data)
        except codec.CodecError:
            continue
        for el in msg.elements:
            try:
                el.value  # noqa: B018 -- values decode or raise the codec error, nothing else
            except codec.CodecError:
                pass


_VALUES = st.one_of(
    st.tuples(st.just("U2"), st.integers(0, 0xFFFF)),
    st.tuples(st.just("I4"), st.integers(-(1 << 31), (1 << 31) - 1)),
    st.tuples(st.just("STR"), st.text(max_size=20)),
    st.tuples(st.just("BA"), st.binary(max_size=40)),
    st.tuples(st.just("IPV4"), st.ip_addresses(v=4).map(str)),
    st.tuples(st.just("IPV6"), st.ip_addresses(v=6).map(str)),
)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.lists(_VALUES, max_size=12))
def test_request_and_reply_round_trip(ident, seq, elements):
    msg = codec.decode_request(codec.encode_request(ident, seq, elements))
    assert (msg.id, msg.seq, msg.values()) == (ident, seq, [v for _, v in elements])
    reply = codec.decode(codec.encode_rsp(ident, seq, elements))
    assert (reply.id, reply.seq, reply.values()) == (ident, seq, [v for _, v in elements])
    assert len(codec.encode_rsp(ident, seq, elements)) % 4 == 0


def test_a_full_tcp_push_frame_is_three_sdio_blocks():
    # [INFERRED] winc asks for 1496-byte TCP push frames, not the reference's 1498: with TLV
    # and message padding (§5.1) a 1498-byte acknowledged SOCKRXT is 1540 bytes, 1496 is 1536.
    def sockrxt(n):
        return codec.encode_aec(_ids.AEC_SOCKRXT, [("U2", 1), ("U2", n), ("U2", 0),
                                                   ("BA", bytes(n))])

    assert len(sockrxt(1496)) == 3 * 512
    assert len(sockrxt(1498)) == 3 * 512 + 4
