"""The RNWF02 UART link and a Device over it, against a UART double that plays the module's side
of the AT spec byte for byte: §4 init, §10 transcript, §5.5 raw writes, and each failure mode
ending in a clear OSError within its deadline. Runs under MicroPython too.
"""

from support import raises

import winc
from winc import _addr, _ids, tlv
from winc._buf import Span
from winc._compat import ticks_diff, ticks_ms
from winc.bus import UartBus
from winc.device import Command
from winc.rnwf02 import RNWF02

EIO = 5
ECONNABORTED = 103
ETIMEDOUT = 110

BANNER = b'\r+BOOT:"RNWF - AT Command Interface 3.2.0 (c) 2026 Microchip Technology Inc"\r\n'
GMI = b'+GMI:"Microchip Technology Inc."\r\n'
GMM = b'+GMM:"RNWF02"\r\n'
GMR = b'+GMR:"3.2.0 0 630f6fcf [13:57:15 Jun 27 2023]"\r\n'
OK = b"OK\r\n"


class Uart:
    """machine.UART look-alike playing a script: (">", bytes) the host must write next,
    ("<", bytes) the module sends, ("reset",) a pulse on the reset pin, ("*",) anything from
    here on (a module that ignores the host). Replies are released
    as soon as the host bytes before them came; a host write the script does not expect
    raises AssertionError out of the driver."""

    def __init__(self, script, chunk=0):
        self.chunk = chunk  # at most this many bytes per read (0: all there are)
        self.steps = list(script)
        self.rx = bytearray()
        self.got = bytearray()
        self.written = bytearray()
        self.baudrate = None
        self.was_reset = False
        self._advance()

    def _advance(self):
        while self.steps:
            step = self.steps[0]
            if step[0] == "<":
                self.rx += step[1]
            elif step[0] == "reset":
                if not self.was_reset:
                    return
                self.was_reset = False
            elif step[0] == "*":
                self.got = bytearray()
                return
            else:
                want = step[1]
                n = min(len(want), len(self.got))
                if bytes(self.got[:n]) != want[:n]:
                    raise AssertionError("host wrote %r, script wants %r" % (bytes(self.got),
                                                                            want))
                if n < len(want):
                    return
                self.got = self.got[n:]
            self.steps.pop(0)
        if self.got:
            raise AssertionError("host wrote %r past the script" % bytes(self.got))

    def done(self):
        return (not self.steps or self.steps == [("*",)]) and not self.got

    def write(self, buf):
        self.got += buf
        self.written += buf
        self._advance()
        return len(buf)

    def any(self):
        return len(self.rx)

    def readinto(self, buf):
        n = min(len(buf), len(self.rx), self.chunk or len(buf))
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n or None

    def send(self, data):
        """Bytes from the module outside the script (a test's own timing)."""
        self.rx += data

    # machine.UART line settings, for baudrate() and flow control
    RTS = 1
    CTS = 2

    def init(self, baudrate=None, flow=0):
        self.baudrate = baudrate
        self.flow = flow


class Pin:
    def __init__(self, uart):
        self.uart = uart
        self.level = 1

    def value(self, level=None):
        if level is None:
            return self.level
        if level and not self.level:
            self.uart.was_reset = True
            self.uart._advance()
        self.level = level


def boot_script(echo=True):
    """§4 after a reset pulse: banner (and a prompt), resync, ATE0 (echoed), ATF6."""
    return [("reset",), ("<", b"\x00\x00" + BANNER + b">"),
            (">", b"!\r\nAT\r\n"),
            ("<", (b"!\r\n" if echo else b"") + b'ERROR:0.3,"Unknown AT Command"\r\n'
             + (b"AT\r\n" if echo else b"") + OK),
            (">", b"ATE0\r\n"), ("<", (b"ATE0\r\n" if echo else b"") + OK),
            (">", b"ATF6\r\n"), ("<", OK)]


def version_script():
    return [(">", b"AT+GMI\r\n"), ("<", GMI + OK), (">", b"AT+GMM\r\n"), ("<", GMM + OK),
            (">", b"AT+GMR\r\n"), ("<", GMR + OK)]


def make(script, reset=True, chunk=0, **options):
    uart = Uart(script, chunk)
    options.setdefault("rx_buf", 1024)
    options.setdefault("tx_buf", 512)
    dev = RNWF02(uart, reset=Pin(uart) if reset else None, **options)
    return uart, dev


def up(script=(), chunk=0, **options):
    uart, dev = make(boot_script() + version_script() + list(script), chunk=chunk, **options)
    dev.init(2000)
    return uart, dev


def drops(dev):
    seen = []
    dev.trace = lambda event, obj: seen.append(obj) if event == "drop" else None
    return seen


def within(ms, fn, *args):
    """fn's OSError, raised within ms (plus slack for a slow host)."""
    t0 = ticks_ms()
    e = raises(OSError, fn, *args)
    assert ticks_diff(ticks_ms(), t0) < ms + 500, ticks_diff(ticks_ms(), t0)
    return e


def test_s4_init_handshake_banner_resync_echo_off_format():
    uart, dev = make(boot_script() + version_script())
    info = dev.init(2000)
    assert info == ("Microchip Technology Inc.", "RNWF02",
                    "3.2.0 0 630f6fcf [13:57:15 Jun 27 2023]")
    assert uart.done() and dev.up and winc.Device.default is dev
    assert bytes(uart.written) == (b"!\r\nAT\r\nATE0\r\nATF6\r\nAT+GMI\r\nAT+GMM\r\nAT+GMR\r\n")


def test_s4_init_without_reset_line_and_old_firmware_refusing_atf():
    script = [(">", b"!\r\nAT\r\n"), ("<", b'ERROR:0.3\r\nOK\r\n'), (">", b"ATE0\r\n"),
              ("<", OK), (">", b"ATF6\r\n"), ("<", b"ERROR:0.3\r\n")] + version_script()
    uart, dev = make(script, reset=False)
    assert dev.init(2000)[1] == "RNWF02" and uart.done()


def test_s4_resync_retries_until_the_module_answers():
    script = [(">", b"!\r\nAT\r\n"),  # first try: nothing
              (">", b"!\r\nAT\r\n"), ("<", b"ERROR:0.3\r\nOK\r\n"),
              (">", b"ATE0\r\n"), ("<", OK), (">", b"ATF6\r\n"), ("<", OK)] + version_script()
    uart, dev = make(script, reset=False)
    assert dev.init(3000)[1] == "RNWF02" and uart.done()


def test_s4_init_times_out_when_nothing_answers():
    uart, dev = make([("reset",), ("*",)])
    e = within(600, dev.init, 600)
    assert e.errno == ETIMEDOUT and not dev.up
    assert raises(OSError, dev.call, _ids.GMI).errno == EIO  # link failed: init() again


def test_s4_boot_during_the_version_query_fails_init():
    script = boot_script() + [(">", b"AT+GMI\r\n"), ("<", BANNER)]
    uart, dev = make(script)
    e = raises(OSError, dev.init, 2000)
    assert e.errno == ECONNABORTED and not dev.up


def test_s33_response_then_ok_and_an_event_first():
    # §3.1: an AEC may come before the response of the command in flight
    uart, dev = up([(">", b"AT+SOCKO=2,4\r\n"),
                    ("<", b"\r+WSTAAIP:1,\"192.168.0.20\"\r\n+SOCKO:17604\r\nOK\r\n")])
    order = []
    dev.subscribe(_ids.AEC_WSTAAIP, lambda msg: order.append(("aec", msg.bytes(1))))
    cmd = Command(_ids.SOCKO, (tlv.U1, 2, tlv.U1, 4),
                  lambda c, msg: order.append(("rsp", msg.int(0))))
    dev.submit((cmd,))
    dev.wait(cmd, 1000)
    assert cmd.status == _ids.OK
    assert order == [("aec", _addr.pton(2, "192.168.0.20")), ("rsp", 17604)]


def test_s33_final_error_is_the_command_status():
    uart, dev = up([(">", b"AT+SOCKO=9\r\n"), ("<", b'ERROR:0.4,"Invalid Parameter"\r\n')])
    e = raises(OSError, dev.call, _ids.SOCKO, (tlv.U1, 9))
    assert e.errno == EIO and "INVALID_PARAMETER" in str(e)


def test_s33_burst_goes_one_command_at_a_time():
    script = [(">", b"AT+SOCKC=5,101,4096\r\n"), ("<", OK), (">", b"AT+SOCKC=5,102,1496\r\n"),
              ("<", OK)]
    uart, dev = up(script)
    cmds = (Command(_ids.SOCKC, (tlv.U2, 5, tlv.U4, 101, tlv.U4, 4096)),
            Command(_ids.SOCKC, (tlv.U2, 5, tlv.U4, 102, tlv.U4, 1496)))
    dev.submit(cmds)
    assert dev._link.tx_busy  # only the first line is out until its OK comes
    assert bytes(uart.written).endswith(b"AT+GMR\r\nAT+SOCKC=5,101,4096\r\n")
    for cmd in cmds:
        dev.wait(cmd, 1000)
    assert not dev._link.tx_busy and uart.done()


def test_s55_raw_write_sends_exactly_length_bytes_after_the_hash():
    span = Span()  # "hello" across the end of a ring, as socket.py hands it over
    span.buf = bytearray(b"llo..he")
    span.off = 5
    span.n = 5
    cmd = Command(_ids.SOCKWR, [tlv.U2, 17604, tlv.U2, 5, tlv.I4, 0, tlv.BYTES, span])
    uart, dev = up([(">", b"AT+SOCKWR=17604,5\r\n"), ("<", b"#"), (">", b"hello"), ("<", OK)])
    dev.run((cmd,), 1000)
    assert uart.done() and bytes(uart.written).endswith(b"AT+SOCKWR=17604,5\r\nhello")


def test_s33_s55_byte_by_byte_with_prompts_nuls_and_an_event_before_the_hash():
    # every read returns one byte: partial lines, a '>' prompt glued to the '#', an AEC
    # ("rescued") while the '#' is awaited, NULs between lines
    cmd = Command(_ids.SOCKWR, (tlv.U2, 9, tlv.U2, 3, tlv.I4, 0, tlv.BYTES, b"a,b"))
    uart, dev = up([(">", b"AT+SOCKWR=9,3\r\n"),
                    ("<", b"\r+SOCKRXT:9,1,0,[7A]\r\n\x00>#"), (">", b"a,b"),
                    ("<", b"\x00\r\nOK\r\n>")], chunk=1)
    got = []
    dev.subscribe(_ids.AEC_SOCKRXT, lambda msg: got.append(msg.bytes(3)))
    dev.run((cmd,), 1000)
    assert got == [b"z"] and uart.done()


def test_s132_banner_broken_over_two_lines():
    banner = b'\r+BOOT:"RNWF - AT Command Interface 3.2.0\r\n(c) 2026 Microchip Technology Inc"\r\n'
    script = boot_script()
    script[1] = ("<", banner)
    uart, dev = make(script + version_script() + [
        (">", b"AT+GMI\r\n"), ("<", banner), (">", b"ATE0\r\n"), ("<", OK),
        (">", b"ATF6\r\n"), ("<", OK)])
    dev.init(2000)
    seen = drops(dev)
    boots = []
    dev.subscribe(_ids.AEC_BOOT, lambda msg: boots.append(msg.count))
    assert raises(OSError, dev.call, _ids.GMI).errno == ECONNABORTED
    dev.pump(50)
    assert boots == [0] and len(seen) == 1 and uart.done()  # the banner's tail: dropped


def test_s55_raw_read_takes_exactly_length_bytes_whatever_they_are():
    # SOCKRD mode 2: '#', then LENGTH raw bytes that may look like lines, '#' or OK, then OK;
    # handed upward as mode 1's RSP (SOCK_ID, LENGTH, DATA). One byte per read.
    data = b"\r\nOK\r\n#>\x00+SOCKCL:7\r\n"
    uart, dev = up([(">", b"AT+SOCKRD=7,2,%d\r\n" % len(data)),
                    ("<", b"\r+WSTAROAM:1\r\n#" + data + OK)], chunk=1)
    got = []
    cmd = Command(_ids.SOCKRD, (tlv.U2, 7, tlv.U1, 2, tlv.I4, len(data)),
                  lambda cmd, msg: got.append((msg.int(0), msg.int(1), msg.bytes(2))))
    dev.run((cmd,), 1000)
    assert got == [(7, len(data), data)] and cmd.status == 0 and uart.done()


def test_s55_a_raw_read_that_stops_short_fails_the_link_at_its_deadline():
    uart, dev = up([(">", b"AT+SOCKRD=7,2,10\r\n"), ("<", b"#hello")], cmd_timeout_ms=200)
    cmd = Command(_ids.SOCKRD, (tlv.U2, 7, tlv.U1, 2, tlv.I4, 10))
    e = within(200, dev.run, (cmd,), 5000)
    assert e.errno == ETIMEDOUT and "raw read data" in str(e) and not dev.up


def test_s55_a_raw_read_answered_early_with_ok_gives_the_bytes_there_were():
    # the module had 5 of the 10 bytes asked for: '#', 5 bytes, OK, then silence
    uart, dev = up([(">", b"AT+SOCKRD=7,2,10\r\n"), ("<", b"#hello" + OK)])
    seen = drops(dev)
    got = []
    cmd = Command(_ids.SOCKRD, (tlv.U2, 7, tlv.U1, 2, tlv.I4, 10),
                  lambda cmd, msg: got.append((msg.int(1), msg.bytes(2))))
    dev.run((cmd,), 2000)
    assert got == [(5, b"hello")] and cmd.status == 0 and dev.up
    assert [why for why in seen if "short" in str(why)]


def test_s55_raw_write_refused_before_the_hash_sends_no_data():
    uart, dev = up([(">", b"AT+SOCKWR=4,3\r\n"), ("<", b'ERROR:14.0,"Socket ID Not Found"\r\n')])
    cmd = Command(_ids.SOCKWR, (tlv.U2, 4, tlv.U2, 3, tlv.I4, 0, tlv.BYTES, b"abc"))
    e = raises(OSError, dev.run, (cmd,), 1000)
    assert cmd.status == 0x0E00 and "SOCKET_ID_NOT_FOUND" in str(e)
    assert bytes(uart.written).endswith(b"AT+SOCKWR=4,3\r\n")


def test_s55_check_rejects_what_the_link_cannot_send():
    uart, dev = up()
    bad = ((Command(_ids.SOCKWR, (tlv.U2, 4, tlv.U2, 9, tlv.I4, 0, tlv.BYTES, b"abc")),
            ValueError),  # LENGTH is not the data's
           (Command(_ids.SOCKRD, (tlv.U2, 4, tlv.U1, 2, tlv.I4, 9999)), ValueError),  # raw
           (Command(_ids.SOCKRDBUF, (tlv.U2, 4, tlv.U1, 2, tlv.I4, 10)), ValueError),  # read
           (Command(_ids.FSTSFR, (tlv.U2, 1, tlv.I4, 1, tlv.BYTES, bytes(300))), ValueError),
           (Command(_ids.SOCKO, (tlv.U1, "2")), TypeError))
    for cmd, exc in bad:
        raises(exc, dev.submit, (cmd,))
    assert uart.done() and not dev._link.tx_busy


def test_s10_transcript_through_wlan_and_socket():
    """§10 end to end with the real upper layers: join (WSTAC..., WSTA), DNS, TCP connect,
    a raw write of 5 bytes, the echo pushed back, close."""
    _transcript(0)


def test_s10_transcript_read_one_byte_at_a_time():
    _transcript(1)


def _transcript(chunk):
    script = [
        (">", b'AT+WSTAC=1,"MyAP"\r\n'), ("<", OK), (">", b"AT+WSTAC=2,3\r\n"), ("<", OK),
        (">", b'AT+WSTAC=3,"MyAPPSK"\r\n'), ("<", OK), (">", b"AT+WSTAC=4,0\r\n"), ("<", OK),
        (">", b'AT+WSTAC=5,""\r\n'), ("<", OK), (">", b"AT+WSTA=1\r\n"),
        ("<", OK + b'\r+WSTALU:1,"00:01:02:03:04:05",6\r\n\r+WSTAAIP:1,"192.168.0.20"\r\n'
         b'\r+WSTAAIP:1,"FE80::201:2FF:FE03:405"\r\n'),
        (">", b'AT+DNSRESOLV=1,"echo.example.net"\r\n'),
        ("<", OK + b'\r+DNSRESOLV:1,"echo.example.net","203.0.113.7"\r\n'),
        (">", b"AT+SOCKO=2,4\r\n"), ("<", b"+SOCKO:17604\r\n" + OK),
        (">", b'AT+SOCKBR=17604,"203.0.113.7",7\r\n'),
        ("<", OK + b'\r+SOCKIND:17604,"192.168.0.20",49153,"203.0.113.7",7\r\n'),
        (">", b"AT+SOCKWR=17604,5\r\n"), ("<", b"#"), (">", b"hello"),
        ("<", OK + b"\r+SOCKRXT:17604,5\r\n"),  # the binary-path variant of §10
        (">", b"AT+SOCKRD=17604,2,5\r\n"), ("<", b"#hello" + OK),
        (">", b"AT+SOCKCL=17604\r\n"), ("<", b"+SOCKCL:17604\r\n" + OK),
    ]
    uart, dev = up(script, chunk)
    from winc import socket

    wlan = winc.WLAN(winc.STA_IF, dev)
    wlan.connect("MyAP", "MyAPPSK", security=3)
    t0 = ticks_ms()
    while not wlan.isconnected():
        assert ticks_diff(ticks_ms(), t0) < 2000
        dev.pump(10)
    addr = socket.getaddrinfo("echo.example.net", 7, socket.AF_INET, dev=dev)[0][-1]
    assert addr == ("203.0.113.7", 7)
    s = socket.socket(dev=dev)
    s.settimeout(2)
    s.connect(addr)
    assert s.getpeername() == ("203.0.113.7", 7) and s.getsockname() == ("192.168.0.20", 49153)
    assert s.send(b"hello") == 5
    assert s.recv(16) == b"hello"
    s.close()
    t0 = ticks_ms()
    while not uart.done():
        assert ticks_diff(ticks_ms(), t0) < 2000, uart.steps[:2]
        dev.pump(10)


def test_s33_failure_line_becomes_sockerr():
    uart, dev = up([(">", b'AT+SOCKBR=17604,"203.0.113.7",7\r\n'),
                    ("<", OK + b'\r+SOCKBR:ERROR:14.7,"Socket Connect Failed"\r\n')])
    got = []
    dev.subscribe(_ids.AEC_SOCKERR, lambda msg: got.append((msg.int(0), msg.int(1))))
    dev.call(_ids.SOCKBR, (tlv.U2, 17604, tlv.IPV4, _addr.pton(2, "203.0.113.7"), tlv.U2, 7))
    dev.pump(50)
    assert got == [(17604, 0x0E07)]


def test_garbage_lines_are_dropped_and_the_command_still_completes():
    uart, dev = up([(">", b"AT+GMI\r\n"),
                    ("<", b"\x01\x02garbage\r\n+GMI:\"x\r\n\r+NOSUCH:1\r\n" + GMI + OK)])
    seen = drops(dev)
    assert dev.call(_ids.GMI) == [[b"Microchip Technology Inc."]]
    assert len(seen) == 3, seen


def test_garbage_without_a_result_fails_the_link_at_its_deadline():
    uart, dev = up([(">", b"AT+GMI\r\n"), ("<", b"garbage\r\n" * 3)], cmd_timeout_ms=200)
    e = within(200, dev.call, _ids.GMI)
    assert e.errno == ETIMEDOUT and "GMI" in str(e) and not dev.up


def test_lost_ok_fails_the_link_with_etimedout():
    uart, dev = up([(">", b"AT+GMM\r\n"), ("<", GMM)], cmd_timeout_ms=150)
    lost = []
    dev.on_reset(lost.append)
    e = within(150, dev.call, _ids.GMM)
    assert e.errno == ETIMEDOUT and lost == [ETIMEDOUT]
    assert raises(OSError, dev.call, _ids.GMM).errno == EIO


def test_stalled_hash_fails_the_link_with_etimedout():
    uart, dev = up([(">", b"AT+SOCKWR=7,2\r\n")], cmd_timeout_ms=150)
    cmd = Command(_ids.SOCKWR, (tlv.U2, 7, tlv.U2, 2, tlv.I4, 0, tlv.BYTES, b"hi"))
    e = within(150, dev.run, (cmd,), 5000)
    assert e.errno == ETIMEDOUT and "'#'" in str(e)
    assert bytes(uart.written).endswith(b"AT+SOCKWR=7,2\r\n")  # no data went out


def test_overlong_line_is_dropped_and_the_link_goes_on():
    uart, dev = up([(">", b"AT+GMR\r\n"),
                    ("<", b"+GMR:\"" + b"x" * 1500 + b"\"\r\n" + GMR + OK)], rx_buf=512)
    seen = drops(dev)
    assert dev.call(_ids.GMR) == [[b"3.2.0 0 630f6fcf [13:57:15 Jun 27 2023]"]]
    assert seen and "over 512 bytes" in seen[0]


def test_boot_mid_command_fails_it_and_the_link_restores_its_settings():
    # A module restart while a command is in flight: the device learns it from +BOOT (as on
    # SPI: ECONNABORTED to the waiter and the reset handlers), the link turns echo off again.
    uart, dev = up([(">", b"AT+SOCKO=2\r\n"), ("<", BANNER),
                    (">", b"ATE0\r\n"), ("<", b"ATE0\r\n" + OK), (">", b"ATF6\r\n"), ("<", OK),
                    (">", b"AT+GMI\r\n"), ("<", b"AT+GMI\r\n" + GMI + OK)])
    resets = []
    dev.on_reset(resets.append)
    e = raises(OSError, dev.call, _ids.SOCKO, (tlv.U1, 2))
    assert e.errno == ECONNABORTED and resets == [ECONNABORTED] and dev.up
    assert dev.call(_ids.GMI) == [[b"Microchip Technology Inc."]]
    assert uart.done()


def test_reset_command_completes_at_boot():
    uart, dev = up([(">", b"AT+RST\r\n"), ("<", b"\x00" + BANNER),
                    (">", b"ATE0\r\n"), ("<", OK), (">", b"ATF6\r\n"), ("<", OK)])
    resets = []
    dev.on_reset(resets.append)
    assert dev.call(_ids.RST) == []
    dev.pump(50)
    assert resets == [ECONNABORTED] and uart.done()


def test_ipr_changes_the_module_then_the_uart():
    uart, dev = up([(">", b"AT+IPR=921600\r\n"), ("<", OK)] + version_script())
    assert dev.baudrate() == 230400
    assert dev.baudrate(921600) == 921600
    assert uart.baudrate == 921600 and dev.baudrate() == 921600 and uart.done()
    raises(ValueError, dev.baudrate, 12)


def test_flow_control_sends_at_k3_and_switches_the_uart():
    script = boot_script() + [(">", b"AT&K3\r\n"), ("<", OK)] + version_script()
    uart, dev = make(script, flow=True)
    dev.init(2000)
    assert uart.flow == Uart.RTS | Uart.CTS and uart.done()


class Busio:
    """busio.UART look-alike: in_waiting, readinto, a baudrate property."""

    def __init__(self):
        self.rx = bytearray(b"abc")
        self.baudrate = 115200
        self.out = bytearray()

    @property
    def in_waiting(self):
        return len(self.rx)

    def readinto(self, buf):
        n = min(len(buf), len(self.rx))
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n

    def write(self, buf):
        self.out += buf
        return len(buf)

    def reset_input_buffer(self):
        self.rx = bytearray()


class Serial(Busio):
    """pyserial look-alike: read(n) returning bytes, rtscts."""

    rtscts = False

    def read(self, n):
        data = bytes(self.rx[:n])
        self.rx = self.rx[n:]
        return data


def test_bus_adapters_normalise_busio_and_pyserial():
    for uart in (Busio(), Serial()):
        bus = UartBus(uart)
        assert bus.baudrate == 115200 and bus.any() == 3
        buf = bytearray(8)
        assert bus.readinto(memoryview(buf)[:2]) == 2 and buf[:2] == b"ab"
        assert bus.write(b"AT\r\n") == 4 and uart.out == b"AT\r\n"
        assert bus.wait_readable(0)
        bus.flush_input()
        assert bus.any() == 0 and bus.readinto(buf) == 0 and not bus.wait_readable(5)
        bus.baudrate = 921600
        assert uart.baudrate == 921600
    assert not UartBus(Busio()).has_flow
    serial = Serial()
    bus = UartBus(serial)
    bus.flow_control(True)
    assert serial.rtscts is True
    raises(OSError, UartBus(Busio()).flow_control, True)
    raises(TypeError, UartBus, object())


class _Replay:
    """A UART that replays the same bytes and copies without allocating (for gc counts)."""

    def __init__(self, data):
        self.data = data
        self.pos = len(data)

    def write(self, buf):
        return len(buf)

    def any(self):
        return len(self.data) - self.pos

    def readinto(self, buf):
        n = min(len(buf), len(self.data) - self.pos)
        i = 0
        while i < n:
            buf[i] = self.data[self.pos + i]
            i += 1
        self.pos += n
        return n


def test_receive_path_allocates_one_view_per_read():
    # DESIGN "Memory": a 1460-byte push frame as hex (~3 KB of text) becomes a message in the
    # preallocated buffers; what is left is the view the UART reads into.
    from support import MICROPYTHON, skip

    if not MICROPYTHON:
        skip("counts MicroPython heap bytes")
    import gc

    from winc.uartlink import UartLink

    uart = _Replay(b"\r+SOCKRXT:17604,1460,0,[" + b"41" * 1460 + b"]\r\n")
    link = UartLink(UartBus(uart), 4096, 256)
    got = [0]

    def received(msg):
        got[0] += msg.len(3)

    def dropped(reason):
        raise AssertionError(reason)

    used = []
    for _ in range(4):
        uart.pos = 0
        gc.collect()
        before = gc.mem_alloc()
        while link.pending():
            link.service(received, dropped)
        used.append(gc.mem_alloc() - before)
    assert got[0] == 4 * 1460 and max(used[1:]) <= 64, used
