"""winc._addr and winc.errno: address literals both ways, and the errno table."""

from support import raises

from winc import _addr
from winc import errno as werrno

V6 = (  # text, packed (hex), canonical text
    ("::1", "00000000000000000000000000000001", "::1"),
    ("::", "00000000000000000000000000000000", "::"),
    ("fe80::1:2", "fe800000000000000000000000010002", "fe80::1:2"),
    ("1:2:3:4:5:6:7:8", "00010002000300040005000600070008", "1:2:3:4:5:6:7:8"),
    ("FF02:0:0:0:0:0:0:FB", "ff0200000000000000000000000000fb", "ff02::fb"),
    ("::ffff:1.2.3.4", "00000000000000000000ffff01020304", "::ffff:102:304"),
    ("1:0:0:2:0:0:0:3", "00010000000000020000000000000003", "1:0:0:2::3"),
    ("1:0:2:3:4:5:6:7", "00010000000200030004000500060007", "1:0:2:3:4:5:6:7"),
    ("fe80::1%lo", "fe800000000000000000000000000001", "fe80::1"),
)


def test_ipv4_literals():
    assert _addr.pton(2, "127.0.0.1") == b"\x7f\x00\x00\x01"
    assert _addr.ntop(2, b"\xe0\x00\x00\xfb") == "224.0.0.251"
    for bad in ("1.2.3", "256.1.1.1", "a.b.c.d", "1.2.3.4.5", "", "1..2.3", "1.2.3.-4"):
        raises(ValueError, _addr.pton, 2, bad)


def test_ipv6_literals_round_trip_to_canonical_text():
    for text, packed, canonical in V6:
        assert _addr.pton(10, text) == bytes.fromhex(packed), text
        assert _addr.ntop(10, bytes.fromhex(packed)) == canonical, text
    for bad in ("1:2", "1:::2", "12345::", "g::1", "::1::2", "1:2:3:4:5:6:7:8:9", ""):
        raises(ValueError, _addr.pton, 10, bad)


def test_literal_tells_names_from_addresses():
    assert _addr.literal("10.0.0.1") == (2, b"\x0a\x00\x00\x01")
    assert _addr.literal("::1")[0] == 10
    assert _addr.literal("echo.test") is None
    assert raises(OSError, _addr.pton, 99, "1.2.3.4").errno == werrno.EAFNOSUPPORT


def test_errno_names_are_linux_numbers():
    assert (werrno.ENOTSOCK, werrno.EMSGSIZE, werrno.EISCONN, werrno.EINPROGRESS) == (
        88, 90, 106, 115)
    assert werrno.errorcode[11] == "EAGAIN" and werrno.errorcode[-3] == "EAI_AGAIN"
