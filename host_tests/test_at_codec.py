"""The AT codec (winc.atcodec) against the RNWF02 AT spec: §10 transcript bytes, §2-§3 grammar.

Commands are built as the layers above build them; DCE lines are converted into Messages and read
with the calls the consumers use (int/bytes/str/type). Runs under MicroPython too.
"""

from support import raises

from winc import _addr, _ids, atcodec, tlv
from winc._buf import Span
from winc.device import Command

T_STATUS, T_INT, T_UINT, T_FRAC, T_STRING, T_BYTES = 1, 2, 3, 4, 5, 6
T_IPV4, T_IPV6, T_MAC = 8, 9, 11
IP_HOST = _addr.pton(2, "192.168.0.20")
IP_ECHO = _addr.pton(2, "203.0.113.7")
MAC = bytes((0, 1, 2, 3, 4, 5))

_buf = bytearray(512)


def _line(cmd, raw=False):
    n = atcodec.encode(_buf, cmd.id, cmd.params, raw)
    assert atcodec.encode(None, cmd.id, cmd.params, raw) == n  # measuring agrees with writing
    return bytes(_buf[:n])


def _hello_span():
    span = Span()  # as socket.py hands over its TX ring: "hello" wrapping the ring's end
    span.buf = bytearray(b"llo..he")
    span.off = 5
    span.n = 5
    return span


# (spec ref, command as the upper layer builds it, exact line)
COMMANDS = (
    ("10 WSTAC ssid", Command(_ids.WSTAC, (tlv.U4, 1, tlv.STR, b"MyAP")), b'AT+WSTAC=1,"MyAP"\r\n'),
    ("10 WSTAC sec", Command(_ids.WSTAC, (tlv.U4, 2, tlv.I4, 3)), b"AT+WSTAC=2,3\r\n"),
    ("10 WSTAC key", Command(_ids.WSTAC, (tlv.U4, 3, tlv.STR, b"MyAPPSK")),
     b'AT+WSTAC=3,"MyAPPSK"\r\n'),
    ("10 NETIFC dhcp", Command(_ids.NETIFC, (tlv.I4, 0, tlv.U4, 10, tlv.BOOL, 1)),
     b"AT+NETIFC=0,10,1\r\n"),
    ("10 WSTA", Command(_ids.WSTA, (tlv.I4, 1)), b"AT+WSTA=1\r\n"),
    ("10 DNSRESOLV", Command(_ids.DNSRESOLV, (tlv.U1, 1, tlv.STR, "echo.example.net")),
     b'AT+DNSRESOLV=1,"echo.example.net"\r\n'),
    ("10 SOCKO", Command(_ids.SOCKO, (tlv.U1, 2)), b"AT+SOCKO=2\r\n"),
    # socket.py always names the IP version: the optional parameter the transcript omits
    ("10 SOCKO socket.py", Command(_ids.SOCKO, (tlv.U1, 2, tlv.U1, 4)), b"AT+SOCKO=2,4\r\n"),
    ("10 SOCKBR", Command(_ids.SOCKBR, (tlv.U2, 17604, tlv.IPV4, IP_ECHO, tlv.U2, 7)),
     b'AT+SOCKBR=17604,"203.0.113.7",7\r\n'),
    ("10 SOCKRD", Command(_ids.SOCKRD, (tlv.U2, 17604, tlv.U1, 1, tlv.I4, 5)),
     b"AT+SOCKRD=17604,1,5\r\n"),
    ("10 SOCKCL", Command(_ids.SOCKCL, (tlv.U2, 17604)), b"AT+SOCKCL=17604\r\n"),
    ("4 GMR", Command(_ids.GMR), b"AT+GMR\r\n"),
    ("5.2 SOCKC", Command(_ids.SOCKC, [tlv.U2, 17604, tlv.U4, 102, tlv.U4, 1496]),
     b"AT+SOCKC=17604,102,1496\r\n"),
    ("2.2 FRAC id", Command(_ids.DNSC, (tlv.FRAC, tlv.frac(1, 0), tlv.IPV4, bytes((8, 8, 4, 4)))),
     b'AT+DNSC=1.0,"8.8.4.4"\r\n'),
    ("6.4 IP_MASK", Command(_ids.NETIFC, (tlv.I4, 0, tlv.U4, 40, tlv.IPV4,
                                          IP_HOST + bytes((255, 255, 255, 0)))),
     b'AT+NETIFC=0,40,"192.168.0.20/24"\r\n'),
    ("2.2 odd mask", Command(_ids.NETIFC, (tlv.I4, 0, tlv.U4, 40, tlv.IPV4,
                                           IP_HOST + bytes((255, 0, 255, 0)))),
     b'AT+NETIFC=0,40,"192.168.0.20/255.0.255.0"\r\n'),
    ("2.2 IPv6", Command(_ids.SOCKBR, (tlv.U2, 5, tlv.IPV6, _addr.pton(10, "2001:db8::7"),
                                       tlv.U2, 443)),
     b'AT+SOCKBR=5,"2001:db8::7",443\r\n'),
    ("2.2 host name", Command(_ids.SOCKBR, (tlv.U2, 17603, tlv.STR, "example.com", tlv.U2, 443)),
     b'AT+SOCKBR=17603,"example.com",443\r\n'),
    ("6.1 BSSID", Command(_ids.WSTAC, (tlv.U4, 5, tlv.MAC, MAC)),
     b'AT+WSTAC=5,"00:01:02:03:04:05"\r\n'),
    ("5.1 BSSID cleared", Command(_ids.WSTAC, (tlv.U4, 5, tlv.MAC, b"")), b'AT+WSTAC=5,""\r\n'),
    ("2.2 escapes", Command(_ids.WSTAC, (tlv.U4, 3, tlv.STR, 'q"\\\x00\t\r\n\x07\x08\x0b\x0c\x1b')),
     b'AT+WSTAC=3,"q\\"\\\\\\0\\t\\r\\n\\a\\b\\v\\f\\e"\r\n'),
    ("2.2 other control bytes", Command(_ids.WSTAC, (tlv.U4, 1, tlv.STR, b"a\x01,")),
     b"AT+WSTAC=1,[61012C]\r\n"),
    ("2.2 negative", Command(_ids.WSCNC, (tlv.U4, 6, tlv.I4, -80)), b"AT+WSCNC=6,-80\r\n"),
    ("2.2 bytes", Command(_ids.FSTSFR, (tlv.U2, 3, tlv.I4, 1, tlv.BYTES, b"\x00\xab\xff")),
     b"AT+FSTSFR=3,1,[00ABFF]\r\n"),
    ("2.2 empty bytes", Command(_ids.TLSC, (tlv.U1, 1, tlv.U4, 9, tlv.BYTES, b"")),
     b"AT+TLSC=1,9,[]\r\n"),
)


def test_s10_command_lines_golden():
    for ref, cmd, line in COMMANDS:
        got = _line(cmd)
        assert got == line, (ref, got, line)


def test_s55_raw_write_headers():
    # 10 binary path / 5.5: SOCKWR as socket.py builds it (Span of its ring, SEQ_NUM 0)
    cmd = Command(_ids.SOCKWR, [tlv.U2, 17604, tlv.U2, 5, tlv.I4, 0, tlv.BYTES, _hello_span()])
    data = atcodec.raw_data(cmd.id, cmd.params)
    assert data is not None and len(data) == 5
    assert atcodec.raw_length(cmd.id, cmd.params) == 5
    assert _line(cmd, True) == b"AT+SOCKWR=17604,5\r\n"
    # the same data as a hex line, the "hex form" of §10 (with its SEQ_NUM)
    assert _line(cmd) == b"AT+SOCKWR=17604,5,0,[68656C6C6F]\r\n"
    hexform = Command(_ids.SOCKWR, (tlv.U2, 17604, tlv.U2, 5, tlv.BYTES, b"hello"))
    assert _line(hexform) == b"AT+SOCKWR=17604,5,[68656C6C6F]\r\n"
    to = Command(_ids.SOCKWRTO, (tlv.U2, 6, tlv.IPV4, IP_ECHO, tlv.U2, 7, tlv.U2, 3, tlv.I4, 9,
                                 tlv.BYTES, b"abc"))
    assert _line(to, True) == b'AT+SOCKWRTO=6,"203.0.113.7",7,3\r\n'
    # empty data never goes raw (a raw length 0 is the persistent mode); others never do
    empty = Command(_ids.SOCKWR, (tlv.U2, 1, tlv.U2, 0, tlv.I4, 0, tlv.BYTES, b""))
    assert atcodec.raw_data(empty.id, empty.params) is None
    assert atcodec.raw_data(_ids.FSTSFR, (tlv.U2, 3, tlv.I4, 1, tlv.BYTES, b"x")) is None


def test_encode_refuses_what_at_cannot_carry():
    small = bytearray(12)
    for params, exc in (((tlv.U1, "2"), TypeError), ((tlv.U1, 256), ValueError),
                        ((tlv.U2, -1), ValueError), ((tlv.I4, 1 << 31), ValueError),
                        ((tlv.IPV4, b"\x01\x02\x03"), ValueError), ((tlv.MAC, "aa"), TypeError),
                        ((tlv.BYTES, "text"), TypeError), ((0x000C, b"x"), ValueError)):
        raises(exc, atcodec.encode, _buf, _ids.SOCKO, params)
    raises(ValueError, atcodec.encode, _buf, 0x0600, ())  # no such command
    raises(ValueError, atcodec.encode, small, _ids.DNSRESOLV, (tlv.U1, 1, tlv.STR, "long.name"))
    assert atcodec.encode(None, _ids.DNSRESOLV, (tlv.U1, 1, tlv.STR, "long.name")) == len(
        b'AT+DNSRESOLV=1,"long.name"\r\n')


def _convert(line, kind=None, ident=0, seq=0, size=512):
    parser = atcodec.Parser(size)
    got = parser.scan(line, 0, len(line))
    if kind is not None:
        assert got == kind, (line, got)
    if got == atcodec.RESPONSE:
        why = parser.convert(_ids.RSP, ident, seq)
    else:
        why = parser.convert(_ids.AEC, parser.event_id())
    assert why is None, (line, why)
    return parser.msg


def _types(msg):
    return [msg.type(i) for i in range(msg.count)]


def test_s10_response_lines():
    msg = _convert(b"+SOCKO:17604\r", atcodec.RESPONSE, _ids.SOCKO, 7)
    assert (msg.kind, msg.id, msg.seq, msg.count, msg.int(0)) == (_ids.RSP, _ids.SOCKO, 7, 1,
                                                                   17604)
    msg = _convert(b'+SOCKRD:17604,5,"hello"', atcodec.RESPONSE, _ids.SOCKRD, 9)
    assert msg.int(0) == 17604 and msg.int(1) == 5 and msg.bytes(2) == b"hello"
    assert msg.type(2) == T_BYTES  # data, even rendered as a string (ATF 3)
    msg = _convert(b"+SOCKCL:17604", atcodec.RESPONSE, _ids.SOCKCL, 10)
    assert (msg.id, msg.int(0)) == (_ids.SOCKCL, 17604)
    msg = _convert(b'+GMR:"2.0.0 0 e41f977cb [16:31:26 Apr 12 2024]"', atcodec.RESPONSE,
                   _ids.GMR, 2)
    assert msg.str(0) == "2.0.0 0 e41f977cb [16:31:26 Apr 12 2024]"
    msg = _convert(b'+WSTAC:1,"1.2.3.4"', atcodec.RESPONSE, _ids.WSTAC)  # an SSID stays text
    assert msg.values() == [1, b"1.2.3.4"] and msg.type(1) == T_STRING
    msg = _convert(b'+WSTAC:5,"00:01:02:03:04:05"', atcodec.RESPONSE, _ids.WSTAC)
    assert msg.values() == [5, MAC] and msg.type(1) == T_MAC


def test_s10_event_lines():
    msg = _convert(b'\r+SOCKIND:17604,"192.168.0.20",49153,"203.0.113.7",7\r\n'[:-1],
                   atcodec.EVENT)
    assert (msg.kind, msg.id, msg.count) == (_ids.AEC, _ids.AEC_SOCKIND, 5)
    assert _types(msg) == [T_UINT, T_IPV4, T_UINT, T_IPV4, T_UINT]
    assert msg.values() == [17604, IP_HOST, 49153, IP_ECHO, 7]
    msg = _convert(b'\r+SOCKERR:17604,14.7,"Socket Connect Failed"\r', atcodec.EVENT)
    assert (msg.id, msg.count, msg.int(0), msg.int(1)) == (_ids.AEC_SOCKERR, 2, 17604, 0x0E07)
    assert msg.type(1) == T_STATUS and msg.len(1) == 2
    msg = _convert(b'\r+WSTALU:1,"00:01:02:03:04:05",6\r', atcodec.EVENT)
    assert (msg.id, msg.int(0), msg.bytes(1), msg.type(1), msg.int(2)) == (
        _ids.AEC_WSTALU, 1, MAC, T_MAC, 6)
    msg = _convert(b'\r+WSTAAIP:1,"192.168.0.20"', atcodec.EVENT)
    assert (msg.id, msg.type(1), msg.bytes(1)) == (_ids.AEC_WSTAAIP, T_IPV4, IP_HOST)
    msg = _convert(b'\r+WSTAAIP:1,"FE80::0201:02FF:FE03:0405"', atcodec.EVENT)
    assert msg.type(1) == T_IPV6 and msg.bytes(1) == _addr.pton(10, "fe80::201:2ff:fe03:405")
    msg = _convert(b'\r+DNSRESOLV:1,"echo.example.net","203.0.113.7"', atcodec.EVENT)
    assert (msg.id, msg.int(0), msg.str(1), msg.type(2), msg.bytes(2)) == (
        _ids.AEC_DNSRESOLV, 1, "echo.example.net", T_IPV4, IP_ECHO)
    msg = _convert(b"\r+SOCKRXT:17604,5", atcodec.EVENT)  # polled: PEND_DATA
    assert (msg.id, msg.count, msg.int(1)) == (_ids.AEC_SOCKRXT, 2, 5)
    msg = _convert(b"\r+SOCKRXT:17604,5,0,[68656C6C6F]", atcodec.EVENT)  # acked push
    assert _types(msg) == [T_UINT, T_UINT, T_UINT, T_BYTES] and msg.bytes(3) == b"hello"
    msg = _convert(b'\r+SOCKRXU:6,"203.0.113.7",7,3,"a,b"', atcodec.EVENT)  # simple push
    assert _types(msg) == [T_UINT, T_IPV4, T_UINT, T_UINT, T_BYTES] and msg.bytes(4) == b"a,b"
    msg = _convert(b'\r+DNSERR:5.4,"DNS Non-Existent Domain",1,"0000.example.com"')
    assert (msg.id, msg.count, msg.int(0), msg.int(1), msg.str(2)) == (
        _ids.AEC_DNSERR, 3, 0x0504, 1, "0000.example.com")
    msg = _convert(b'\r+WSTAERR:20.3,"STA Connection Failed"')
    assert (msg.id, msg.count, msg.type(0), msg.int(0)) == (_ids.AEC_WSTAERR, 1, T_STATUS, 0x1403)
    msg = _convert(b"\r+WSTAERR:20.3")  # lower verbosity: no message
    assert msg.values() == [0x1403]
    msg = _convert(b'\r+ASSOC:1,0,"9C:1C:12:96:1D:61",-59')
    assert _types(msg) == [T_UINT, T_UINT, T_MAC, T_INT] and msg.int(3) == -59
    msg = _convert(b'\r+WSCNIND:-62,3,6,"9c:1c:12:96:1d:61","1.2.3.4"')  # SSID: text always
    assert msg.values() == [-62, 3, 6, bytes((0x9C, 0x1C, 0x12, 0x96, 0x1D, 0x61)), b"1.2.3.4"]
    msg = _convert(b"\r+NVMER", atcodec.EVENT)
    assert (msg.id, msg.count) == (0x1D00, 0)
    msg = _convert(b'\r+OTA:1,10.2,"Verify Done"')
    assert msg.values() == [1, 0x0A02] and msg.type(1) == T_STATUS
    msg = _convert(b'\r+HTTPERR:2,34.7,"Http Timeout"')  # undocumented layout: *ERR guess
    assert msg.values() == [2, 0x2207]
    msg = _convert(b'\r+BOOT:"RNWF - AT Command Interface 3.2.0 (c) 2026 Microchip"',
                   atcodec.BOOT)
    assert msg.id == _ids.AEC_BOOT and msg.str(0).startswith("RNWF - AT")


def test_s35_final_results_and_kinds():
    parser = atcodec.Parser(128)
    for line, kind, status in (
            (b"OK", atcodec.OK, None), (b"0", atcodec.OK, None),
            (b'ERROR:0.4,"Invalid Parameter"', atcodec.ERROR, 0x0004),
            (b"ERROR:14.7", atcodec.ERROR, 0x0E07), (b"ERROR", atcodec.ERROR, 0x0001),
            (b'ERROR:"Invalid Parameter"', atcodec.ERROR, 0x0001),
            (b"ERROR:4", atcodec.ERROR, 0x0004), (b"1", atcodec.ERROR, 0x0001),
            (b"1:0.5", atcodec.ERROR, 0x0005),
            (b'\r+SOCKBR:ERROR:14.7,"Socket Connect Failed"', atcodec.FAILURE, 0x0E07),
            (b"\r+SOCKBR:ERROR:4", atcodec.FAILURE, 0x0004),
            (b"+SOCKO:5", atcodec.RESPONSE, None), (b"\r+SOCKCL:5", atcodec.EVENT, None),
            (b"+SOCKCL:5\r", atcodec.RESPONSE, None), (b"\r+NVMER\r", atcodec.EVENT, None),
            (b'\r+BOOT:"RNWF', atcodec.BOOT, None), (b"+BOOT", atcodec.BOOT, None),
            (b"", atcodec.EMPTY, None), (b"\r", atcodec.EMPTY, None),
            (b">>", atcodec.EMPTY, None), (b"\x00\x00", atcodec.EMPTY, None),
            (b">\x00\rOK\r", atcodec.OK, None), (b"AT+SOCKO=2", atcodec.OTHER, None),
            (b"OKAY", atcodec.OTHER, None), (b"ERRORS", atcodec.OTHER, None),
            (b"10", atcodec.OTHER, None)):
        assert parser.scan(line, 0, len(line)) == kind, line
        if status is not None:
            assert parser.status == status, line
    line = b">\x00\r+SOCKCL:5\r"  # prompt and NULs before an AEC keep its CR marker
    assert parser.scan(line, 0, len(line)) == atcodec.EVENT and parser.named(b"SOCKCL")
    assert parser.event_id() == _ids.AEC_SOCKCL and parser.command_id() == _ids.SOCKCL
    msg = parser.status_message(_ids.SOCKO, 0x1234, 0x0E02)
    assert (msg.kind, msg.id, msg.seq, msg.status) == (_ids.STATUS, _ids.SOCKO, 0x1234, 0x0E02)


def test_s22_tokens():
    msg = _convert(b'+X:"\\0\\t\\\\\\"\\r\\n\\a\\b\\v\\f\\e","a,b",[2C2c],[],"",,7,',
                   atcodec.RESPONSE)
    assert msg.values() == [b'\x00\t\\"\r\n\x07\x08\x0b\x0c\x1b', b"a,b", b",,", b"", b"", b"",
                            7, b""]
    assert _types(msg) == [T_STRING, T_STRING, T_BYTES, T_BYTES, T_STRING, T_STRING, T_UINT,
                           T_STRING]
    msg = _convert(b"+X:0x1F,0X1f,0o17,0b1011,-128,4294967295,-2147483648,007",
                   atcodec.RESPONSE)
    assert msg.values() == [31, 31, 15, 11, -128, 4294967295, -2147483648, 7]
    assert _types(msg) == [T_UINT, T_UINT, T_UINT, T_UINT, T_INT, T_UINT, T_INT, T_UINT]
    msg = _convert(b"+X:10.1,0.1,0.10,-10.3,16383.9999", atcodec.RESPONSE)  # never floats
    assert _types(msg) == [T_FRAC] * 5
    assert [(msg.int(i) >> 16, msg.int(i) & 0xFFFF) for i in range(5)] == [
        (10, 1), (0, 1), (0, 10), (0xFFF6, 3), (16383, 9999)]
    msg = _convert(b'+X:"10.0.0.1/24","10.0.0.1/255.255.0.0","::1/64","12:34:56:78:9a:bc",'
                   b'"1.2.3","1.2.3.4.5","abc","12345"', atcodec.RESPONSE)
    assert _types(msg) == [T_IPV4, T_IPV4, T_IPV6, T_MAC, T_STRING, T_STRING, T_STRING,
                           T_STRING]
    # /m: address and netmask, as the SPI link carries IP_MASK (8 bytes)
    assert msg.bytes(0) == bytes((10, 0, 0, 1, 255, 255, 255, 0))
    assert msg.bytes(1) == bytes((10, 0, 0, 1, 255, 255, 0, 0)) and msg.len(2) == 17
    msg = _convert(b"+X:unquoted text,2", atcodec.RESPONSE)  # tolerated, as text
    assert msg.values() == [b"unquoted text", 2]
    msg = _convert(b"+X", atcodec.RESPONSE)
    assert msg.count == 0
    msg = _convert(b"+X:", atcodec.RESPONSE)
    assert msg.count == 0


def test_s22_malformed_lines_give_a_reason():
    parser = atcodec.Parser(64)
    for line in (b'+X:"open', b'+X:"bad\\q"', b"+X:[ABC]", b"+X:[AG]", b"+X:[AB", b'+X:"a"b',
                 b"+X:[00]1", b"+X:1,2,3,4,5,6,7,8,9,10,11,12,13", b"+X:4294967296",
                 b"+X:-2147483649", b"+X:70000.1", b"\r+SOCKERR:1,300.1",
                 b'+X:"' + b"x" * 80 + b'"', b"+X:[" + b"00" * 60 + b"]"):
        parser.scan(line, 0, len(line))
        why = parser.convert(_ids.RSP if line[0] == 0x2B else _ids.AEC, 0x0E05)
        assert isinstance(why, str), line


def test_any_bytes_give_a_message_or_a_reason():
    # Property of STYLE §2.4 without hypothesis (runs on MicroPython): a fixed pseudo-random
    # walk over bytes rich in the grammar's punctuation.
    alphabet = b'+:,."[]\\\r>\x000123456789abcxAEFORTN-'
    parser = atcodec.Parser(96)
    seed = 12345
    for _ in range(600):
        line = bytearray()
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        for _ in range(seed % 40):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            line.append(alphabet[seed % len(alphabet)])
        kind = parser.scan(line, 0, len(line))
        if kind in (atcodec.RESPONSE, atcodec.EVENT, atcodec.BOOT):
            why = parser.convert(_ids.RSP if kind == atcodec.RESPONSE else _ids.AEC, 0x0E01)
            if why is None:
                parser.msg.values()
            else:
                assert isinstance(why, str)


def test_failure_line_becomes_the_awaited_event():
    parser = atcodec.Parser(128)
    line = b'\r+SOCKBR:ERROR:14.7,"Socket Connect Failed"'
    assert parser.scan(line, 0, len(line)) == atcodec.FAILURE
    aec, recipe = atcodec.FAILURES[parser.command_id()]
    params = (tlv.U2, 17604, tlv.IPV4, IP_ECHO, tlv.U2, 7)
    assert parser.failure(aec, recipe, params, parser.status) is None
    assert (parser.msg.id, parser.msg.values()) == (_ids.AEC_SOCKERR, [17604, 0x0E07])
    aec, recipe = atcodec.FAILURES[_ids.DNSRESOLV]
    assert parser.failure(aec, recipe, (tlv.U1, 1, tlv.STR, "x.example"), 0x0501) is None
    assert parser.msg.values() == [0x0501, 1, b"x.example"] and parser.msg.type(2) == T_STRING
