"""Device over the SPI link against the emulator: init, commands, matching, events, failures."""

from support import MICROPYTHON, Recorder, device, emulator, raises

import winc
from winc import _ids, tlv
from winc.device import PENDING, Command

ECONNABORTED = 103
ETIMEDOUT = 110
EAGAIN = 11
EIO = 5
ENODEV = 19

GMI, GMM = "Microchip Technology Inc.", "WINCS02"


def _up(irq=True, rx_buf=2048, **options):
    emu = emulator(**options)
    dev = device(emu, irq=irq, rx_buf=rx_buf)
    dev.init(5000)
    return emu, dev


def _drops(dev):
    drops = []
    dev.trace = lambda event, obj: drops.append(obj) if event == "drop" else None
    return drops


def test_init_reads_the_version_in_one_burst():
    emu, dev = _up()
    manufacturer, model, firmware = dev.version()
    assert (manufacturer, model) == (GMI, GMM) and firmware
    assert [(e["name"], e["seq"]) for e in emu.log_detail()] == [("GMI", 0), ("GMM", 1),
                                                                   ("GMR", 2)]
    assert winc.Device.default is dev


def test_init_without_irq_pin_polls_the_module():
    emu, dev = _up(irq=False)
    assert dev.version()[1] == GMM
    assert dev.call(_ids.CFG, (tlv.U4, 1))[0][0] == 1  # CFG DEVICE_NAME query: (id, value)


def test_a_round_trip_of_several_commands():
    emu, dev = _up()
    replies = {}

    def keep(cmd, msg):
        replies[cmd.seq] = msg.values()

    cmds = [Command(_ids.CFG, (tlv.U4, 10), keep), Command(_ids.DI, (tlv.U4, 1), keep),
            Command(_ids.GMR, (), keep), Command(_ids.CFG, (tlv.U4, 1), keep)]
    dev.submit(cmds)
    for cmd in cmds:
        dev.wait(cmd, 2000)
        assert cmd.status == _ids.OK
    assert replies[4] == [1, 0x29C70053]  # DI DEVICE_ID
    assert replies[3][0] == 10 and replies[6][0] == 1
    assert [e["seq"] for e in emu.log_detail()][-4:] == [3, 4, 5, 6]


def test_bursts_complete_with_one_credit_at_a_time_and_single_messages():
    emu, dev = _up(tx_credits=1, rx_batch=1)
    cmds = [Command(_ids.GMR) for _ in range(5)]
    dev.submit(cmds)
    for cmd in cmds:
        dev.wait(cmd, 2000)
        assert cmd.status == _ids.OK


def test_queued_bursts_go_out_in_order():
    emu, dev = _up()
    bursts = [[Command(_ids.GMI), Command(_ids.GMM)], [Command(_ids.GMR)], [Command(_ids.GMI)]]
    for burst in bursts:
        dev.submit(burst)
    dev.wait(bursts[-1][0], 2000)
    assert all(c.status == _ids.OK for b in bursts for c in b)
    assert [e["name"] for e in emu.log_detail()][3:] == ["GMI", "GMM", "GMR", "GMI"]


def test_error_status_raises_eio_naming_command_and_status():
    emu, dev = _up()
    emu.answer("GMR", _ids.UNKNOWN_CMD)
    e = raises(OSError, dev.call, _ids.GMR)
    assert e.errno == EIO and "GMR" in str(e) and "UNKNOWN_CMD" in str(e)
    assert dev.call(_ids.GMR)  # the next one is answered normally


def test_lost_status_completes_the_older_command_with_invalid_cmd():
    # §4.5: a STATUS for a later command means the earlier command's STATUS was lost.
    emu, dev = _up()
    emu.fault("drop_status", cmd="GMI")
    first, second = Command(_ids.GMI), Command(_ids.GMM)
    dev.submit([first, second])
    dev.wait(second, 2000)
    assert first.status == _ids.INVALID_CMD and second.status == _ids.OK


def test_a_command_whose_status_never_comes_times_out():
    emu, dev = _up()
    emu.fault("drop_status", cmd="GMR")
    cmd = Command(_ids.GMR)
    dev.submit([cmd])
    e = raises(OSError, dev.wait, cmd, 300)
    assert e.errno == ETIMEDOUT and cmd.status == PENDING
    assert dev.call(_ids.GMI)  # the late command does not disturb the next ones


def test_aec_fan_out_to_every_subscriber():
    emu, dev = _up()
    seen = []
    first = lambda msg: seen.append(("first", msg.values()))  # noqa: E731
    second = lambda msg: seen.append(("second", msg.int(0)))  # noqa: E731
    dev.subscribe(_ids.AEC_SOCKCL, first)
    dev.subscribe(_ids.AEC_SOCKCL, second)
    emu.inject("SOCKCL", ("U2", 7))
    dev.pump(2000)
    assert seen == [("first", [7]), ("second", 7)]
    dev.unsubscribe(_ids.AEC_SOCKCL, first)
    emu.inject("SOCKCL", ("U2", 8))
    dev.pump(2000)
    assert seen[2:] == [("second", 8)]


def test_a_failing_handler_is_reported_and_the_pump_goes_on():
    emu, dev = _up()
    seen = []

    def broken(msg):
        raise ValueError("handler bug")

    dev.subscribe(_ids.AEC_SOCKCL, broken)
    dev.subscribe(_ids.AEC_SOCKCL, lambda msg: seen.append(msg.int(0)))
    emu.inject("SOCKCL", ("U2", 1))
    emu.inject("SOCKCL", ("U2", 2))
    while len(seen) < 2 and dev.pump(1000):
        pass
    assert seen == [1, 2]


def test_handlers_cannot_block_but_can_queue():
    emu, dev = _up()
    result = []

    def handler(msg):
        cmd = Command(_ids.GMR)
        dev.submit([cmd])  # allowed: queued, sent by the pump after dispatch
        result.append(cmd)
        result.append(raises(OSError, dev.wait, cmd).errno)
        result.append(dev.pump())  # re-entering the pump is a no-op

    dev.subscribe(_ids.AEC_SOCKCL, handler)
    emu.inject("SOCKCL", ("U2", 1))
    dev.pump(2000)
    assert result[1:] == [EAGAIN, 0]
    dev.wait(result[0], 2000)
    assert result[0].status == _ids.OK


def test_boot_aec_after_init_is_a_module_reset():
    emu, dev = _up()
    resets = []
    dev.on_reset(resets.append)
    cmd = Command(_ids.GMR)
    emu.fault("drop_status", cmd="GMR")
    dev.submit([cmd])
    emu.reset(sdio=False)  # soft reboot: the SDIO link survives, a BOOT AEC arrives
    dev.pump(2000)
    assert resets == [ECONNABORTED]
    assert cmd.status == -ECONNABORTED
    assert raises(OSError, dev.wait, cmd).errno == ECONNABORTED
    assert dev.version()[1] == GMM and dev.call(_ids.GMM) == [[b"WINCS02"]]


def test_module_reset_that_loses_the_sdio_link_needs_init():
    emu, dev = _up()
    resets = []
    dev.on_reset(resets.append)
    emu.reset(sdio=True)
    e = raises(OSError, dev.call, _ids.GMR)
    assert isinstance(e, winc.BusError) and resets == [e.errno]
    e = raises(OSError, dev.call, _ids.GMR)
    assert e.errno == EIO and "init()" in str(e)
    dev.init(5000)
    assert dev.call(_ids.GMM) == [[b"WINCS02"]]


def test_bus_error_fails_waiters_then_init_recovers():
    emu, dev = _up()
    emu.fault("bad_r5", count=1)
    e = raises(winc.BusError, dev.call, _ids.GMR)
    assert e.errno == EIO
    assert repr(dev).endswith("failed>")
    dev.init(5000)
    assert dev.call(_ids.GMM) == [[b"WINCS02"]]


def test_data_rdy_that_never_comes_raises_instead_of_spinning():
    emu, dev = _up()
    emu.fault("data_rdy_stuck")
    e = raises(winc.BusError, dev.call, _ids.GMR)
    assert e.errno == ETIMEDOUT and "DATA_RDY" in str(e)
    emu.clear_faults()
    dev.init(5000)
    assert dev.call(_ids.GMI)


def test_malformed_messages_are_dropped_with_a_reason():
    emu, dev = _up()
    drops = _drops(dev)
    bad = (
        b"\x07\x00\x00\x00",  # unknown message type
        b"\x02\x0e\x00\x00",  # RSP cut short
        b"\x03\x0e\x01\x00\x00\x0e\x01\x00\x05\x0d",  # 13 elements
        b"\x03\x0e\x01\x00\x00\x0e\x01\x00\x05\x01\x06\x00\x01\x00\xaa",  # element overruns
        b"\x01\x0e\x00\x77\x77\x00\x00\x00",  # STATUS for no pending command
        bytes(3000),  # bigger than the receive buffer: drained to keep the link in step
    )
    for data in bad:
        emu.inject_raw(data)
    while len(drops) < len(bad) and dev.pump(1000):
        pass
    assert len(drops) == len(bad)
    assert "exceeds rx_buf" in drops[-1]
    assert dev.call(_ids.GMM) == [[b"WINCS02"]]  # still in step with the module


def test_init_retries_while_the_module_boots_and_reports_op_waiting():
    emu = emulator(boot_ms=250, ocr_busy_polls=2)
    rec = Recorder(emu)
    dev = winc.WINCS02(rec, rec.cs, emu.reset, emu.irq)
    dev.init(5000)
    frames = rec.take()
    cmd0 = [f for f in frames if len(f) > 1 and f[1] == 0x40]
    cmd5 = [f for f in frames if len(f) > 1 and f[1] == 0x45]
    assert len(cmd0) >= 3  # answered 0x00 while booting, retried every 100 ms
    assert len(cmd5) == 1 + 3  # OCR 0, then OCR 0x200000 until ready


def test_init_retries_after_op_failed():
    emu = emulator()
    emu.fault("cmd5_fail", count=1)
    dev = device(emu)
    assert dev.init(5000)[1] == GMM


def test_init_stops_on_a_bad_cmd0_answer():
    emu = emulator()
    emu.fault("cmd0_bad", value=0x04)
    e = raises(winc.BusError, device(emu).init, 5000)
    assert e.errno == ENODEV and "wiring" in str(e)


def test_init_gives_up_on_a_silent_bus():
    class Silent:  # MISO floating high: no module at all
        def write_readinto(self, tx, rx):
            for i in range(len(rx)):
                rx[i] = 0xFF

        def write(self, tx):
            pass

        def readinto(self, rx, fill=0xFF):
            self.write_readinto(rx, rx)

    class Pin:
        def value(self, *v):
            return 1

    e = raises(OSError, winc.WINCS02(Silent(), Pin()).init, 300)
    assert e.errno == ETIMEDOUT


def test_calls_before_init_raise_enodev():
    emu = emulator()
    dev = device(emu)
    assert raises(OSError, dev.call, _ids.GMR).errno == ENODEV
    assert raises(OSError, dev.pump).errno == ENODEV


def test_bad_parameters_are_refused_before_anything_is_sent():
    emu, dev = _up()
    before = len(emu.log())
    raises(ValueError, dev.call, _ids.CFG, (tlv.U1, 300))
    raises(ValueError, dev.submit, [Command(_ids.GMR)] * 17)
    raises(ValueError, dev.call, _ids.CFG, (tlv.BYTES, bytes(3000)))
    assert len(emu.log()) == before
    raises(ValueError, winc.WINCS02, emu.spi, emu.cs, rx_buf=100)


def test_bus_counts_for_init_and_one_round_trip():
    emu = emulator()
    emu.clear_bus_counts()
    dev = device(emu)
    dev.init(5000)
    init = emu.bus_counts()
    emu.clear_bus_counts()
    dev.call(_ids.GMR)
    one = emu.bus_counts()
    print("SPI init (reset, handshake, BOOT, GMI/GMM/GMR): %d bytes in %d CS frames" % (
        init["bytes"], init["frames"]))
    print("SPI one command round trip (GMR): %d bytes in %d CS frames" % (
        one["bytes"], one["frames"]))
    assert 0 < one["frames"] < init["frames"]


def test_pin_interrupt_schedules_a_pump():
    if MICROPYTHON:
        from support import skip

        skip("the remote emulator cannot push INT edges to the interpreter")
    import winc.device

    queued = []
    saved = winc.device.schedule
    winc.device.schedule = lambda fn, arg: queued.append((fn, arg))
    try:
        emu = emulator()
        dev = device(emu)
        dev.init(5000)
        seen = []
        dev.subscribe(_ids.AEC_SOCKCL, lambda msg: seen.append(msg.int(0)))
        queued[:] = []
        emu.inject("SOCKCL", ("U2", 9))
        emu.irq.value()  # the emulator raises INT; its edge handler runs the driver's hook
        assert queued  # the hook only scheduled a pump...
        for fn, arg in queued:
            fn(arg)  # ...which, run later, delivers the event
        assert seen == [9]
    finally:
        winc.device.schedule = saved


class _Cut(BaseException):
    """Stands for Ctrl-C arriving in the middle of an SPI frame."""


def test_an_exception_mid_frame_leaves_cs_high_and_init_recovers():
    emu = emulator()
    cut = [0]

    class Spi:  # the emulator's bus, cut short once on request
        def write_readinto(self, tx, rx):
            if cut[0]:
                cut[0] = 0
                raise _Cut()
            emu.spi.write_readinto(tx, rx)

        def write(self, tx):
            emu.spi.write(tx)

        def readinto(self, rx, value=0xFF):
            emu.spi.readinto(rx, value)

    dev = winc.WINCS02(Spi(), emu.cs, emu.reset, emu.irq, rx_buf=2048, tx_buf=1024)
    dev.init(5000)
    cut[0] = 1
    raises(_Cut, dev.call, _ids.GMR)
    assert emu.cs.value() == 1
    dev.init(5000)
    assert dev.call(_ids.GMM) == [[b"WINCS02"]]


def test_dispatch_survives_a_handler_cut_short_by_a_base_exception():
    emu, dev = _up()
    calls = []

    def handler(msg):
        calls.append(msg.int(0))
        if len(calls) == 1:
            raise _Cut()  # e.g. Ctrl-C inside a callback: it reaches the caller

    dev.subscribe(_ids.AEC_SOCKCL, handler)
    emu.inject("SOCKCL", ("U2", 1))
    raises(_Cut, dev.pump, 2000)
    emu.inject("SOCKCL", ("U2", 2))
    while len(calls) < 2 and dev.pump(2000):
        pass
    assert calls == [1, 2]  # the next message is still dispatched, through a fresh guard
