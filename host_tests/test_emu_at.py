"""The emulator's AT front end (RNWF02): the model behind emu.uart, checked byte for byte.

References are to ../shared/spec/rnwf02-at-protocol.md; the spec's §10 transcript is replayed
as golden vectors. Runs under CPython (the emulator in process) and MicroPython (the wincsim
server, through wincsim.remote); the peers are plain host sockets on loopback (hostnet.py).
The codec-level and pty tests need CPython and skip under MicroPython.
"""

import time

import hostnet
from support import MICROPYTHON, emulator, skip

BANNER = b'\r+BOOT:"RNWF - AT Command Interface 3.2.0 (c) 2026 Microchip Technology Inc"\r\n'
TIMEOUT_MS = 2000
SOCK = 17604  # the transcript's socket id (next_sock_id)


def _uart(**options):
    """(emulator, its UART) with the banner read; reads wait up to TIMEOUT_MS."""
    emu = emulator(link="uart", **options)
    uart = emu.uart
    uart.init(timeout=TIMEOUT_MS)
    _expect(uart, b"\x00" * options.get("at_boot_nuls", 0) + BANNER)
    return emu, uart


def _expect(uart, want):
    got = b""
    while len(got) < len(want):
        chunk = uart.read(len(want) - len(got))
        if not chunk:
            break
        got += chunk
    assert got == want, "got %r, want %r" % (got, want)


def _quiet(uart):
    uart.init(timeout=0)
    extra = uart.read()
    uart.init(timeout=TIMEOUT_MS)
    assert extra is None, "unexpected %r" % (extra,)


def _talk(uart, line, want):
    uart.write(line)
    _expect(uart, want)


def _port_of(addr):
    # CPython gives (ip, port); MicroPython a raw sockaddr_in (port big-endian at 2..3).
    return addr[1] if isinstance(addr, tuple) else addr[2] << 8 | addr[3]


def _connected(emu, uart, sid=SOCK):
    """A TCP module socket `sid` connected to a host listener: (listener, peer connection)."""
    listener, port = hostnet.listener()
    emu.next_sock_id(sid)
    _talk(uart, b"AT+SOCKO=2\r\n", b"+SOCKO:%d\r\nOK\r\n" % sid)
    uart.write(b'AT+SOCKBR=%d,"127.0.0.1",%d\r\n' % (sid, port))
    conn, addr = listener.accept()
    conn.settimeout(5)
    _expect(uart, b'OK\r\n\r+SOCKIND:%d,"127.0.0.1",%d,"127.0.0.1",%d\r\n' % (
        sid, _port_of(addr), port))
    return listener, conn


# -- §10: the worked transcript ------------------------------------------------------------------

# (direction, bytes): "->" host to module, "<-" module to host (exact, in order), "peer" the
# echo server echoes what it received. {lport}/{port}: the module's and the server's TCP ports.
TRANSCRIPT = (
    ("->", b"ATE0\r\n"),
    ("<-", b"ATE0\r\nOK\r\n"),  # the echo of this very command, then echo is off
    ("->", b'AT+WSTAC=1,"MyAP"\r\n'),
    ("<-", b"OK\r\n"),
    ("->", b"AT+WSTAC=2,3\r\n"),
    ("<-", b"OK\r\n"),
    ("->", b'AT+WSTAC=3,"MyAPPSK"\r\n'),
    ("<-", b"OK\r\n"),
    ("->", b"AT+NETIFC=0,10,1\r\n"),
    ("<-", b"OK\r\n"),
    ("->", b"AT+WSTA=1\r\n"),
    ("<-", b'OK\r\n\r+WSTALU:1,"00:01:02:03:04:05",6\r\n\r+WSTAAIP:1,"127.0.0.1"\r\n'),
    ("->", b'AT+DNSRESOLV=1,"echo.example.net"\r\n'),
    ("<-", b'OK\r\n\r+DNSRESOLV:1,"echo.example.net","127.0.0.1"\r\n'),
    ("->", b"AT+SOCKO=2\r\n"),
    ("<-", b"+SOCKO:17604\r\nOK\r\n"),
    ("->", b'AT+SOCKBR=17604,"127.0.0.1",{port}\r\n'),
    ("<-", b'OK\r\n\r+SOCKIND:17604,"127.0.0.1",{lport},"127.0.0.1",{port}\r\n'),
    ("->", b'AT+SOCKWR=17604,5,"hello"\r\n'),  # ASCII form
    ("<-", b"OK\r\n"),
    ("peer", 5),
    ("<-", b"\r+SOCKRXT:17604,5\r\n"),
    ("->", b"AT+SOCKRD=17604,1,5\r\n"),
    ("<-", b'+SOCKRD:17604,5,"hello"\r\nOK\r\n'),
    ("->", b"AT+SOCKWR=17604,5\r\n"),  # binary form (§5.5)
    ("<-", b"#"),
    ("->", b"hello"),
    ("<-", b"OK\r\n"),
    ("peer", 5),
    ("<-", b"\r+SOCKRXT:17604,5\r\n"),
    ("->", b"AT+SOCKRD=17604,2,5\r\n"),
    ("<-", b"#helloOK\r\n"),
    ("->", b"AT+SOCKWR=17604,5,[68656C6C6F]\r\n"),  # hex form
    ("<-", b"OK\r\n"),
    ("peer", 5),
    ("<-", b"\r+SOCKRXT:17604,5\r\n"),
    ("->", b"AT+SOCKRD=17604,1,5\r\n"),
    ("<-", b'+SOCKRD:17604,5,"hello"\r\nOK\r\n'),
    ("->", b"AT+SOCKCL=17604\r\n"),
    ("<-", b"+SOCKCL:17604\r\nOK\r\n"),  # the documented response line
)


def test_at_10_transcript_golden_bytes():
    emu, uart = _uart()
    emu.wifi_add("MyAP", "00:01:02:03:04:05", channel=6, security=3, passphrase="MyAPPSK")
    emu.dns("echo.example.net", ["127.0.0.1"])
    emu.next_sock_id(SOCK)
    listener, port = hostnet.listener()
    conn, lport = None, b"?"
    try:
        for direction, data in TRANSCRIPT:
            if direction == "peer":
                echo = b""
                while len(echo) < data:
                    echo += conn.recv(data - len(echo))
                conn.send(echo)
                continue
            data = data.replace(b"{port}", b"%d" % port).replace(b"{lport}", lport)
            if direction == "->":
                uart.write(data)
                if data.startswith(b"AT+SOCKBR"):
                    conn, addr = listener.accept()
                    conn.settimeout(5)
                    lport = b"%d" % _port_of(addr)
            else:
                _expect(uart, data.replace(b"{lport}", lport))
        _quiet(uart)
    finally:
        if conn is not None:
            conn.close()
        listener.close()
    assert emu.log() == [
        ("WSTAC", [1, "MyAP"]), ("WSTAC", [2, 3]), ("WSTAC", [3, "MyAPPSK"]),
        ("NETIFC", [0, 10, 1]), ("WSTA", [1]), ("DNSRESOLV", [1, "echo.example.net"]),
        ("SOCKO", [2]), ("SOCKBR", [SOCK, "127.0.0.1", port]), ("SOCKWR", [SOCK, 5, "hello"]),
        ("SOCKRD", [SOCK, 1, 5]), ("SOCKWR", [SOCK, 5, b"hello"]), ("SOCKRD", [SOCK, 2, 5]),
        ("SOCKWR", [SOCK, 5, b"hello"]), ("SOCKRD", [SOCK, 1, 5]), ("SOCKCL", [SOCK])]
    counts = emu.bus_counts()
    assert counts["tx"] > 200 and counts["rx"] > 400


def test_at_5_5_raw_write_may_come_in_pieces_and_before_the_marker():
    emu, uart = _uart(at_echo=False)
    listener, conn = _connected(emu, uart)
    try:
        uart.write(b"AT+SOCKWR=17604,10\r\n01234")  # the host need not wait for '#'
        _expect(uart, b"#")
        _quiet(uart)
        _talk(uart, b"56789", b"OK\r\n")
        data = b""
        while len(data) < 10:
            data += conn.recv(10)
        assert data == b"0123456789"
    finally:
        conn.close()
        listener.close()


def test_at_5_5_persistent_raw_mode_writes_until_plus_plus_plus():
    emu, uart = _uart(at_echo=False, at_guard_ms=50)
    listener, conn = _connected(emu, uart)
    try:
        _talk(uart, b"AT+SOCKWR=17604,0\r\n", b"#")
        uart.write(b"x" * 2000 + b"tail+++")
        time.sleep(0.1)  # the guard time of silence
        _expect(uart, b"OK\r\n")
        data = b""
        while len(data) < 2004:
            data += conn.recv(4096)
        assert data == b"x" * 2000 + b"tail"
        sizes = [params[1] for name, params in emu.log() if name == "SOCKWR"]
        assert sizes[0] == 1460 and sum(sizes) == 2004  # one write per 1460 bytes at most
    finally:
        conn.close()
        listener.close()


def test_at_11_plus_plus_plus_and_silence_abort_a_raw_write_as_a_length_mismatch():
    emu, uart = _uart(at_echo=False, at_guard_ms=50)
    emu.next_sock_id(5)
    _talk(uart, b"AT+SOCKO=2\r\n", b"+SOCKO:5\r\nOK\r\n")
    _talk(uart, b"AT+SOCKWR=5,10\r\n", b"#")
    uart.write(b"abc+++")
    _quiet(uart)  # within the guard time '+++' may still be data
    time.sleep(0.1)
    _expect(uart, b'ERROR:14.1,"Length Mismatch"\r\n')
    assert emu.log()[-1] == ("SOCKWR", [5, 10, b"abc"])
    _talk(uart, b"AT\r\n", b"OK\r\n")  # back in line mode


def test_at_11_length_data_mismatch_and_raw_length_limits():
    emu, uart = _uart(at_echo=False)
    emu.next_sock_id(5)
    _talk(uart, b"AT+SOCKO=2\r\n", b"+SOCKO:5\r\nOK\r\n")
    _talk(uart, b'AT+SOCKWR=5,5,"hell"\r\n', b'ERROR:14.1,"Length Mismatch"\r\n')
    _talk(uart, b"AT+SOCKWR=5,1461\r\n", b'ERROR:0.4,"Invalid Parameter"\r\n')  # no '#'
    _talk(uart, b'AT+SOCKWR=5,5,"hello"\r\n', b'ERROR:14.8,"Socket Send Failed"\r\n')


# -- §1, §4: boot, reset, echo, prompt -----------------------------------------------------------


def test_at_4_boot_banner_on_mclr_and_at_rst_with_nuls():
    emu, uart = _uart(at_boot_nuls=2)
    _talk(uart, b"ATE0\r\n", b"ATE0\r\nOK\r\n")
    _talk(uart, b"AT+RST\r\n", b"OK\r\n\x00\x00" + BANNER)
    _talk(uart, b"AT\r\n", b"AT\r\nOK\r\n")  # echo is on again after a reset
    emu.reset.value(0)
    uart.write(b"AT\r\n")  # held in reset: nobody listens
    _quiet(uart)
    emu.reset.value(1)
    _expect(uart, b"\x00\x00" + BANNER)
    emu.reset()  # the control method: a module reset
    _expect(uart, b"\x00\x00" + BANNER)
    assert emu.log() == [("RST", [])]


def test_at_1_echo_follows_each_character_and_ate_switches_it():
    emu, uart = _uart()
    uart.write(b"AT+G")
    _expect(uart, b"AT+G")  # echoed as received, before the line is complete
    _talk(uart, b"MM\r\n", b'MM\r\n+GMM:"RNWF02"\r\nOK\r\n')
    _talk(uart, b"ATE0\r\n", b"ATE0\r\nOK\r\n")
    _talk(uart, b"AT+GMM\r\n", b'+GMM:"RNWF02"\r\nOK\r\n')
    _talk(uart, b"ATE1\r\n", b"OK\r\n")
    _talk(uart, b"\r\n", b"\r\n")  # an empty line: echoed, nothing else
    _quiet(uart)


def test_at_1_idle_prompt_option():
    emu, uart = _uart(at_prompt=True, at_echo=False)
    _expect(uart, b">")  # after the banner
    _talk(uart, b"AT\r\n", b"OK\r\n>")
    emu.inject("WSTALD", ("U2", 1))
    uart.write(b"")  # any call lets the module run
    _expect(uart, b"\r+WSTALD:1\r\n>")
    _quiet(uart)


def test_at_4_ipr_changes_the_baud_after_its_ok():
    emu, uart = _uart(at_echo=False)
    _talk(uart, b"AT+IPR\r\n", b"+IPR:230400\r\nOK\r\n")
    _talk(uart, b"AT+IPR=921600\r\n", b"OK\r\n")  # still at 230400
    _talk(uart, b"AT\r\n", b"")  # lost: the module listens at 921600 now
    assert emu.errors()
    uart.init(baudrate=921600)
    _talk(uart, b"AT+IPR\r\n", b"+IPR:921600\r\nOK\r\n")
    assert emu.at_settings()["baud"] == 921600
    _talk(uart, b"AT+IPR=100\r\n", b'ERROR:0.4,"Invalid Parameter"\r\n')
    emu.reset()  # back to the configured rate: the host at 921600 reads garbage
    _expect(uart, b"\xff" * len(BANNER))
    uart.init(baudrate=230400)
    _talk(uart, b"AT\r\n", b"OK\r\n")  # echo as the at_echo option says


# -- §3: errors, verbosity, formats, numeric mode, AECs ------------------------------------------

ERRORS = (
    # (spec ref, line, result at ATV5)
    ("§7 0.3", b"AT+NOSUCH\r\n", b'ERROR:0.3,"Unknown AT Command"\r\n'),
    ("§11 resync", b"!\r\n", b'ERROR:0.3,"Unknown AT Command"\r\n'),
    ("§2.1 no name", b"AT+\r\n", b'ERROR:0.2,"Invalid AT Command"\r\n'),
    ("§2.4 range", b"ATV9\r\n", b'ERROR:0.4,"Invalid Parameter"\r\n'),
    ("§2.2 no type", b"AT+SOCKO=TCP\r\n", b'ERROR:0.4,"Invalid Parameter"\r\n'),
    ("§2.2 open quote", b'AT+WSTAC=1,"x\r\n', b'ERROR:0.4,"Invalid Parameter"\r\n'),
    ("§2.2 odd hex", b"AT+WSTAC=1,[123]\r\n", b'ERROR:0.4,"Invalid Parameter"\r\n'),
    ("§7 0.5", b"AT+SOCKO\r\n", b'ERROR:0.5,"Incorrect Number Of Parameters"\r\n'),
    ("§7 14.3", b"AT+SOCKO=9\r\n", b'ERROR:14.3,"Socket Invalid Protocol"\r\n'),
    ("§7 14.0", b"AT+SOCKCL=4242\r\n", b'ERROR:14.0,"Socket ID Not Found"\r\n'),
    ("§1 resync AT", b"AT\r\n", b"OK\r\n"),
)


def test_at_7_error_results():
    emu, uart = _uart(at_echo=False)
    for ref, line, want in ERRORS:
        uart.write(line)
        got = uart.read(len(want))
        assert got == want, "%s: %r gave %r, want %r" % (ref, line, got, want)
    _quiet(uart)


VERBOSITY = (
    # (ATV level, result of ATVn itself, an unknown command's result)
    (0, b"0\r\n", b"1\r\n"),
    (1, b"0\r\n", b"1:0.3\r\n"),
    (2, b"OK\r\n", b"ERROR\r\n"),
    (3, b"OK\r\n", b"ERROR:0.3\r\n"),
    (4, b"OK\r\n", b'ERROR:"Unknown AT Command"\r\n'),
    (5, b"OK\r\n", b'ERROR:0.3,"Unknown AT Command"\r\n'),
)


def test_at_3_5_verbosity_levels():
    emu, uart = _uart(at_echo=False)
    for level, ok, error in VERBOSITY:
        _talk(uart, b"ATV%d\r\n" % level, ok)  # the new level answers already
        _talk(uart, b"AT+NOSUCH\r\n", error)
    # A STATUS element carries its message at levels 4-5 only [INFERRED].
    emu.inject("SOCKERR", ("U2", 3), ("STATUS", 0x0E07))  # goes out at once: nothing in flight
    _expect(uart, b'\r+SOCKERR:3,14.7,"Socket Connect Failed"\r\n')
    _talk(uart, b"ATV3\r\n", b"OK\r\n")
    emu.inject("SOCKERR", ("U2", 3), ("STATUS", 0x0E07))
    _expect(uart, b"\r+SOCKERR:3,14.7\r\n")


FORMATS = (
    # (ATF value, string "a\tb", byte array "a\r\nb", byte array 00 ff 10)
    (7, b'"a\\tb"', b'"a\\r\\nb"', b"[00FF10]"),
    (6, b'"a\\tb"', b"[610D0A62]", b"[00FF10]"),
    (5, b"[610962]", b"[610D0A62]", b"[00FF10]"),
    (4, b"[610962]", b"[610D0A62]", b"[00FF10]"),
    (15, b'"a\\tb"', b'"a\\r\\nb"', b"[00FF10]"),  # bit 3: integers in hex
)


def test_at_2_3_atf_renders_strings_and_byte_arrays():
    emu, uart = _uart(at_echo=False)
    for fmt, text, crlf, binary in FORMATS:
        _talk(uart, b"ATF%d\r\n" % fmt, b"OK\r\n")
        emu.inject("NETIFRX", ("U1", 17), ("STR", "a\tb"), ("BA", b"a\r\nb"),
                   ("BA", b"\x00\xff\x10"), ("BA", b""), ("STR", ""))
        number = b"0x11" if fmt & 8 else b"17"
        empty = b"[]" if fmt & 3 == 0 else b'""'
        _expect(uart, b"\r+NETIFRX:%s,%s,%s,%s,[],%s\r\n" % (number, text, crlf, binary, empty))


def test_at_2_1_numeric_mode():
    emu, uart = _uart(at_echo=False)
    emu.next_sock_id(0x1234)
    _talk(uart, b"AT+0E.00=2\r\n", b"+SOCKO:4660\r\nOK\r\n")  # accepted in verbose mode too
    _talk(uart, b"ATM1\r\n", b"OK\r\n")
    _talk(uart, b"AT+SOCKC=4660,2\r\n", b"+0E.0B:2,0\r\nOK\r\n")
    emu.inject("SOCKCL", ("U2", 0x1234))
    _expect(uart, b"\r+0E.03:4660\r\n")
    _talk(uart, b"AT+0e.0a\r\n", b'+0E.0A:4660,2,"0.0.0.0",0,0\r\nOK\r\n')
    _talk(uart, b"AT+FF.FF\r\n", b'ERROR:0.3,"Unknown AT Command"\r\n')
    _talk(uart, b"ATM0E1\r\n", b"OK\r\n")  # basic commands combine
    assert emu.at_settings()["numeric"] == 0 and emu.at_settings()["echo"] == 1


def test_at_3_1_aecs_wait_for_the_final_result():
    emu, uart = _uart(at_echo=False)
    emu.hold("GMR")
    _talk(uart, b"AT+GMR\r\n", b'+GMR:"3.2.0 winc emulator"\r\n')
    emu.inject("WSTALD", ("U2", 1))
    uart.write(b"AT\r\n")  # waits for the command in flight
    _quiet(uart)
    emu.release()
    _expect(uart, b"OK\r\n\r+WSTALD:1\r\nOK\r\n")


def test_at_3_1_async_failure_is_the_models_aec():
    emu, uart = _uart(at_echo=False)
    emu.next_sock_id(7)
    _talk(uart, b"AT+SOCKO=2\r\n", b"+SOCKO:7\r\nOK\r\n")
    _talk(uart, b'AT+SOCKBR=7,"nowhere.invalid",80\r\n',
          b'OK\r\n\r+SOCKERR:7,14.7,"Socket Connect Failed"\r\n')


def test_at_faults_answer_and_drop_status():
    emu, uart = _uart(at_echo=False)
    emu.answer("GMM", 0x0001)
    _talk(uart, b"AT+GMM\r\n", b'ERROR:0.1,"Error"\r\n')
    emu.fault("drop_status", cmd="GMM")
    _talk(uart, b"AT+GMM\r\n", b'+GMM:"RNWF02"\r\n')  # no final result ever comes
    _talk(uart, b"AT\r\n", b"OK\r\n")
    assert [name for name, _ in emu.log()] == ["GMM", "GMM"]


def test_at_9_1_quoted_text_typed_as_an_address_is_still_text_where_text_belongs():
    emu, uart = _uart(at_echo=False)
    _talk(uart, b'AT+WSTAC=1,"10.0.0.1"\r\n', b"OK\r\n")  # an SSID that reads as IPv4
    _talk(uart, b"AT+WSTAC=1\r\n", b'+WSTAC:1,"10.0.0.1"\r\nOK\r\n')
    _talk(uart, b'AT+WSTAC=5,"02:00:00:00:00:0a"\r\n', b"OK\r\n")  # a MAC where one belongs
    _talk(uart, b"AT+WSTAC=5\r\n", b'+WSTAC:5,"02:00:00:00:00:0A"\r\nOK\r\n')
    _talk(uart, b'AT+TIME=3,"2025-10-24T18:03:43.00Z"\r\n', b"OK\r\n")
    _talk(uart, b"AT+TIME=3\r\n", b'OK\r\n\r+TIME:"2025-10-24T18:03:43.00Z"\r\n')
    _talk(uart, b'AT+NETIFC=0,40,"127.0.0.9/8"\r\n', b"OK\r\n")
    _talk(uart, b"AT+NETIFC=0,40\r\n", b'+NETIFC:40,"127.0.0.9/8"\r\nOK\r\n')
    _talk(uart, b"AT+CFG=10\r\n", b"+CFG:10,3.2\r\nOK\r\n")  # INTEGER_FRAC


def test_at_wire_time_option_paces_bytes_at_the_baud():
    emu, uart = _uart(at_echo=False, uart_baud=4800, uart_wire_time=True)
    reply = b'+GMR:"3.2.0 winc emulator"\r\nOK\r\n'  # 36 bytes: 75 ms at 4800 baud
    uart.write(b"AT+GMR\r\n")
    assert uart.any() < len(reply)  # still on the wire
    _expect(uart, reply)
    assert emu.bus_counts() == {"tx": 8, "rx": len(BANNER) + len(reply)}


# -- CPython only: the codec itself, the pty, the remote UART under CPython ----------------------

TYPES = (
    # (token, element code, value)
    ("0", "U1", 0), ("255", "U1", 255), ("256", "U2", 256), ("70000", "U4", 70000),
    ("4294967295", "U4", 4294967295), ("-1", "I4", -1), ("-2147483648", "I4", -2147483648),
    ("0x1F", "U1", 31), ("0X1f", "U1", 31), ("0o17", "U1", 15), ("0b1011", "U1", 11),
    ("10.1", "FRAC", "10.1"), ("14.07", "FRAC", "14.7"), ('""', "STR", ""),
    ('"a\\"b\\\\c\\0\\e"', "STR", 'a"b\\c\x00\x1b'), ('"1.2.3.4"', "IPV4", "1.2.3.4"),
    ('"1.2.3.4/24"', "IPV4", "1.2.3.4/255.255.255.0"), ('"::1"', "IPV6", "::1"),
    ('"fe80::1/64"', "IPV6", "fe80::1/64"), ('"12:34:56:78:9A:bc"', "MAC", "12:34:56:78:9a:bc"),
    ('"2025-10-24T18:03:43.00Z"', "UTC", 1761329023), ('"1.2.3"', "STR", "1.2.3"),
    ('"300.1.1.1"', "STR", "300.1.1.1"), ("[68656C6C6F]", "BA", b"hello"), ("[]", "BA", b""),
)
BAD_TOKENS = ("abc", "1.2.3", "0x", "4294967296", "-2147483649", "[1]", "[zz]", '"\\q"', "")


def test_at_9_1_parameter_typing_table():
    if MICROPYTHON:
        skip("the emulator's codec runs under CPython")
    from wincsim import at

    for token, code, value in TYPES:
        el = at.element(token)
        assert (el.code, el.value) == (code, value), "%r -> %r" % (token, el)
    for token in BAD_TOKENS:
        try:
            at.element(token)
        except at.AtError as e:
            assert e.status == 4, token
        else:
            raise AssertionError("%r was typed" % token)
    line = at.parse(b'ATE0V5+SOCKWR=1, 5 ,"a,b]c"')
    assert line.basics == [("E", 0), ("V", 5)] and line.command == 0x0E05
    assert [el.value for el in line.elements] == [1, 5, "a,b]c"]


def test_at_pty_serves_the_at_front_end():
    if MICROPYTHON:
        skip("a pseudo-terminal of the host")
    import os
    import select
    import subprocess
    import sys
    import tty

    tools = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")
    proc = subprocess.Popen([sys.executable, "-m", "wincsim", "--uart", "pty"],
                            stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=tools))
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        assert ready, "no pty path printed"
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/")
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(fd)
            os.write(fd, b"AT\r\n")
            got, deadline = b"", time.monotonic() + 10
            while not got.endswith(b"OK\r\n") and time.monotonic() < deadline:
                if select.select([fd], [], [], 0.5)[0]:
                    got += os.read(fd, 1024)
            assert got == BANNER + b"AT\r\nOK\r\n", got
        finally:
            os.close(fd)
    finally:
        proc.terminate()
        proc.wait(10)


def test_at_remote_uart_under_cpython():
    if MICROPYTHON:
        skip("mp_runner covers the remote UART under MicroPython")
    import os
    import subprocess
    import sys
    import tempfile

    from wincsim import remote

    tools = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "wincsim.sock")
        proc = subprocess.Popen([sys.executable, "-m", "wincsim", "--unix", path],
                                env=dict(os.environ, PYTHONPATH=tools))
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(path):
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.02)
            with remote.connect(path, link="uart", at_echo=False) as emu:
                uart = emu.uart
                assert not hasattr(emu, "spi")
                assert uart.wait(TIMEOUT_MS)
                uart.init(timeout=TIMEOUT_MS)
                _expect(uart, BANNER)
                _talk(uart, b"AT+GMM\r\n", b'+GMM:"RNWF02"\r\nOK\r\n')
                buf = bytearray(8)
                uart.write(memoryview(b"xxAT\r\n")[2:])
                assert uart.readinto(buf, 4) == 4 and buf[:4] == b"OK\r\n"
                uart.init(timeout=0)
                assert not uart.wait(50) and uart.any() == 0 and uart.read() is None
                emu.reset()
                assert uart.wait(TIMEOUT_MS) and uart.read() == BANNER
                assert emu.log() == [("GMM", [])]
                assert emu.at_settings()["echo"] == 0
        finally:
            proc.terminate()
            proc.wait(10)
