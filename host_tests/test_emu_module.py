"""The emulator's mailbox layer (§3, §11 items 8-15), command table (§7.1), faults, pins and
control methods, driven through its SPI/Pin faces by the spec-built test host.
"""
# cpython only: wincsim runs on the host; the in-process emulator needs CPython

import pytest
from emu_host import CMD0, CMD5_INIT, CMD5_QUERY, Host, HostError, cmd52

from winc import _ids
from wincsim import Module, Pin, codec
from wincsim.names import ACCESS_DENIED, INCORRECT_NUM_PARAMS

RX, TX = 2, 1
MSG_FROM_ARM = 0x04


def _up(**options):
    emu = Module(**options)
    host = Host(emu)
    host.init()
    assert host.drain() == [(RX, 1, 3)]  # the BOOT AEC
    return emu, host


def _request(cmd_id, seq, *elements):
    return codec.encode_request(cmd_id, seq, elements)


# -- boot and interrupts ----------------------------------------------------------------------


def test_boot_aec_waits_until_the_host_enabled_interrupts():
    emu = Module()
    host = Host(emu)
    assert emu.irq.value() == 1
    host.frame(CMD0)
    host.frame(CMD5_QUERY)
    host.frame(CMD5_INIT)
    host.cmd52(0, 0x004, 0x03)
    assert emu.irq.value() == 1 and emu.mailbox_state()["event"] is None
    host.cmd52(1, 0x009, 0x01)  # the older Harmony value: DATA_RDY only
    assert emu.irq.value() == 1
    host.cmd52(1, 0x009, 0x04)
    assert emu.irq.value() == 0
    assert host.event() == (RX, 1, 3)
    host.receive(1, 3)
    assert host.inbox[0].rsp_id == _ids.AEC_BOOT and emu.irq.value() == 1


def test_intout_follows_msg_from_arm_and_the_handler_sees_each_falling_edge():
    emu, host = _up()
    edges = []
    emu.irq.irq(handler=lambda pin: edges.append(pin.value()), trigger=Pin.IRQ_FALLING)
    emu.inject("SOCKCL", ("U2", 1))
    emu.inject("SOCKCL", ("U2", 2))
    assert edges == []  # injected messages wait for the next interaction
    assert emu.irq.value() == 0 and edges == [0]
    assert host.event() == (RX, 2, 2) and emu.irq.value() == 1
    assert edges == [0]
    host.receive(2, 2)
    emu.inject("SOCKCL", ("U2", 3))
    host.frame(b"\xff")  # any bus traffic raises the event too
    assert edges == [0, 0]
    rising = []
    emu.irq.irq(handler=lambda pin: rising.append(1), trigger=Pin.IRQ_RISING)
    host.drain()
    assert rising == [1]


def test_a_handler_that_touches_the_bus_is_not_reentered():
    emu, host = _up()
    calls = []

    def handler(pin):
        calls.append(1)
        host.drain()  # services the event from inside the handler

    emu.irq.irq(handler=handler)
    emu.inject("SOCKCL", ("U2", 1))
    emu.inject("SOCKCL", ("U2", 2))
    emu.irq.value()
    assert len(calls) == 1 and emu.irq.value() == 1
    assert [m.values() for m in host.inbox[1:]] == [[1], [2]]


def test_irq_wait_returns_at_once_when_asserted_and_false_after_the_timeout():
    emu, host = _up()
    assert emu.irq.wait(0) is False
    assert emu.irq.wait(20) is False
    emu.inject("SOCKCL", ("U2", 1))
    assert emu.irq.wait(5000) is True


def test_data_rdy_reads_1_while_the_fifo_holds_bytes_whatever_the_host_clears():
    emu, host = _up()
    emu.inject("SOCKCL", ("U2", 1))
    assert host.event() == (RX, 1, 5)
    assert host.cmd52(1, 0x008) == 0x01
    host.cmd52(1, 0x008, 0x01)
    assert host.cmd52(1, 0x008) == 0x01
    host.read(1, 0, 16, incr=False)
    assert host.cmd52(1, 0x008) == 0x01  # 4 bytes left
    host.read(1, 0, 4, incr=False)
    assert host.cmd52(1, 0x008) == 0x00


# -- mailbox: host -> device ------------------------------------------------------------------


def test_tx_req_grants_every_announced_command_by_default():
    emu, host = _up()
    events = []
    host.send([_request(_ids.GMI, 0), _request(_ids.GMM, 1), _request(_ids.GMR, 2)], events)
    assert events == [(TX, 3, 6)]
    assert [e["seq"] for e in emu.log_detail()] == [0, 1, 2]


def test_tx_credits_grant_at_most_that_many_fragments_per_tx_req():
    emu, host = _up(tx_credits=2)
    events = []
    host.send([_request(_ids.GMR, s) for s in range(5)], events)
    assert [e for e in events if e[0] == TX] == [(TX, 2, 4), (TX, 2, 4), (TX, 1, 2)]
    host.drain()
    statuses = [m for m in host.inbox if m.kind == _ids.STATUS]
    assert [m.seq for m in statuses] == [0, 1, 2, 3, 4]


def test_events_alternate_when_both_directions_wait():
    emu, host = _up(tx_credits=1, rx_batch=1)
    emu.inject("SOCKCL", ("U2", 1))  # raised at once
    emu.inject("SOCKCL", ("U2", 2))
    events = []
    host.send([_request(_ids.GMI, 0), _request(_ids.GMM, 1)], events)
    events += host.drain()
    kinds = [kind for kind, _, _ in events]
    assert kinds[:5] == [RX, TX, RX, TX, RX]


def test_a_command_split_over_two_cmd53_writes_is_one_fragment():
    emu, host = _up()
    big = _request(0x7F00, 9, ("BA", bytes(range(256)) * 5))  # 1296 bytes: 2 blocks + 272
    assert len(big) > 1024
    rsps, status = host.call(0x7F00, 9, ("BA", bytes(range(256)) * 5))
    assert status == _ids.UNKNOWN_CMD
    assert emu.log_detail()[-1]["params"] == [bytes(range(256)) * 5]


def test_the_csa_length_list_sizes_each_command():
    emu, host = _up()
    rsps, status = host.call(_ids.CFG, 5, ("U4", 1))  # single: size in the mailbox
    assert status == _ids.OK
    host.send([_request(_ids.CFG, 6, ("U4", 1)), _request(_ids.GMI, 7)])
    host.drain()
    assert [e["seq"] for e in emu.log_detail()] == [5, 6, 7]


def test_protocol_errors_are_recorded_not_raised():
    emu, host = _up()
    host.write(1, 0, bytes(8), incr=False)  # no grant
    host.write(1, 0x024, bytes([2, 0, 1, 2]))  # an RX_REQ word is no announcement
    errors = emu.errors()
    assert "without a TX_REQ grant" in errors[0] and "announcement" in errors[1]
    assert emu.log() == []
    emu.clear_log()
    assert emu.errors() == []


def test_an_unreadable_request_is_dropped_and_a_readable_bad_one_refused():
    emu, host = _up()
    host.send([bytes([7]) + bytes(7)])  # not a request at all
    assert host.drain() == [] and "dropped" in emu.errors()[0]
    bad = bytes.fromhex("00 0E 00 00 05 01 00 08 0B 01 00 03 01 02 03 00")  # 3-byte MAC
    host.send([bad])
    host.drain()
    status = host.inbox[-1]
    assert (status.kind, status.id, status.seq, status.status) == (
        _ids.STATUS, _ids.SOCKO, 5, _ids.INVALID_PARAMETER)
    assert emu.log() == []


# -- mailbox: device -> host ------------------------------------------------------------------


def test_rx_batch_caps_messages_per_event():
    emu, host = _up(rx_batch=2)
    for i in range(5):
        emu.inject("SOCKCL", ("U2", i))
    assert host.drain() == [(RX, 2, 2), (RX, 2, 2), (RX, 1, 5)]
    assert [m.values() for m in host.inbox[1:]] == [[i] for i in range(5)]


def test_rx_limit_caps_event_bytes_but_a_big_message_still_goes_alone():
    emu, host = _up(rx_limit=64)
    for i in range(3):
        emu.inject("SOCKCL", ("U2", i))  # 20 bytes each: two fit 64 with their length list
    emu.inject_raw(bytes([3, 1, 0, 0, 0, 1, 0, 0, 1, 0]) + bytes(2990))  # 3000 bytes
    assert host.drain() == [(RX, 2, 2), (RX, 1, 5), (RX, 1, 750)]


def test_inject_raw_pads_to_whole_words():
    emu, host = _up()
    emu.inject_raw(b"\x07\x00\x00\x00\x01")
    assert host.event() == (RX, 1, 2)
    assert host.read(1, 0, 8, incr=False) == b"\x07\x00\x00\x00\x01\x00\x00\x00"


def test_large_messages_cross_blocks_intact():
    emu, host = _up()
    payload = bytes(i * 31 & 0xFF for i in range(60000))
    emu.inject("SOCKRXT", ("U2", 1), ("BA", payload))
    (kind, number, length), = host.drain()
    assert host.inbox[-1].values() == [1, payload]


def test_inject_takes_names_or_ids_and_refuses_unknown_ones():
    emu, host = _up()
    emu.inject(_ids.AEC_SOCKCL, ("U2", 1))
    emu.inject("SOCKCL", ["U2", 2])
    host.drain()
    assert [m.values() for m in host.inbox[1:]] == [[1], [2]]
    with pytest.raises(ValueError):
        emu.inject("NOSUCHAEC")
    with pytest.raises(ValueError):
        emu.inject("SOCKCL", ("U1", 300))


# -- commands (§7.1) --------------------------------------------------------------------------


IDENTITY = [(_ids.GMI, "Microchip Technology Inc."), (_ids.GMM, "WINCS02"),
            (_ids.GMR, "3.2.0 winc emulator")]


@pytest.mark.parametrize("cmd, text", IDENTITY)
def test_identity_commands(cmd, text):
    emu, host = _up()
    assert host.call(cmd, 1) == ([[text]], _ids.OK)
    assert host.call(cmd, 2, ("U1", 1)) == ([], INCORRECT_NUM_PARAMS)


def test_identity_comes_from_options():
    emu, host = _up(firmware="9.9.9 test", model="WINCS02-X")
    assert host.call(_ids.GMR, 0) == ([["9.9.9 test"]], _ids.OK)
    assert host.call(_ids.GMM, 1) == ([["WINCS02-X"]], _ids.OK)


# CFG (config pattern §5.5 over the ids of §7.1): (parameters, RSP values, STATUS).
CFG_CASES = [
    ((("U4", 1),), [[1, "WINCS02"]], _ids.OK),
    ((("U4", 10),), [[10, "3.2"]], _ids.OK),
    ((("FRAC", "21.0"),), [], _ids.INVALID_PARAMETER),  # not multi-valued
    ((("U4", 999),), [], _ids.INVALID_PARAMETER),
    ((("U4", 10), ("FRAC", "4.0")), [], ACCESS_DENIED),
    ((("U4", 11), ("I4", 1)), [], ACCESS_DENIED),
    ((("U4", 21), ("STR", "fast")), [], _ids.INVALID_PARAMETER),
    ((("U4", 100), ("U1", 3)), [], _ids.INVALID_PARAMETER),  # range 0-2
    ((("U4", 1), ("STR", "x" * 33)), [], _ids.INVALID_PARAMETER),
    ((("U4", 1), ("STR", "a"), ("STR", "b")), [], INCORRECT_NUM_PARAMS),
    ((("STR", "1"),), [], _ids.INVALID_PARAMETER),
    ((("U4", 0), ("I4", 1)), [], _ids.INVALID_PARAMETER),
]


@pytest.mark.parametrize("params, rsps, status", CFG_CASES, ids=[repr(c[0]) for c in CFG_CASES])
def test_cfg_queries_and_refusals(params, rsps, status):
    emu, host = _up()
    assert host.call(_ids.CFG, 3, *params) == (rsps, status)


def test_cfg_set_query_all_multi_values_and_preset():
    emu, host = _up()
    assert host.call(_ids.CFG, 1, ("U4", 1), ("STR", "board-7")) == ([], _ids.OK)
    assert host.call(_ids.CFG, 2, ("U4", 1)) == ([[1, "board-7"]], _ids.OK)
    assert host.call(_ids.CFG, 3, ("U4", 100), ("BOOL4", 1))[1] == _ids.OK  # 4-byte integer
    assert host.call(_ids.CFG, 4, ("U4", 100)) == ([[100, 1]], _ids.OK)
    assert host.call(_ids.CFG, 5, ("FRAC", "50.3"), ("STR", "*.pem"))[1] == _ids.OK
    assert host.call(_ids.CFG, 6, ("U4", 50), ("STR", "*.der"))[1] == _ids.OK  # appends: 50.0
    assert host.call(_ids.CFG, 7, ("U4", 50)) == ([["50.0", "*.der"], ["50.3", "*.pem"]], 0)
    assert host.call(_ids.CFG, 8, ("U4", 0x00320003)) == ([["50.3", "*.pem"]], 0)  # 50.3 as U4
    rsps, status = host.call(_ids.CFG, 9)
    assert status == _ids.OK and [r[0] for r in rsps] == [0, 1, 10, 11, 12, 13, 14, 20, 21, 22,
                                                          "50.0", "50.3", 52, 100, 101]
    assert host.call(_ids.CFG, 10, ("U4", 1), codec.Element(_ids.T_STRING, b"")) == ([], 0)
    assert host.call(_ids.CFG, 11, ("U4", 1)) == ([[1, ""]], _ids.OK)
    assert host.call(_ids.CFG, 12, ("U4", 0), ("I4", 0)) == ([], _ids.OK)  # reload defaults
    assert host.call(_ids.CFG, 13, ("U4", 1)) == ([[1, "WINCS02"]], _ids.OK)


def test_cfg_survives_nothing_but_a_boot():
    emu, host = _up()
    host.call(_ids.CFG, 1, ("U4", 1), ("STR", "changed"))
    emu.reset(sdio=False)
    host.drain()
    assert host.call(_ids.CFG, 2, ("U4", 1)) == ([[1, "WINCS02"]], _ids.OK)


def test_di_is_read_only():
    emu, host = _up()
    assert host.call(_ids.DI, 1, ("U4", 1)) == ([[1, 0x29C70053]], _ids.OK)
    rsps, status = host.call(_ids.DI, 2)
    assert status == _ids.OK and rsps[0] == [1, 0x29C70053] and rsps[2][0] == "15.0"
    assert host.call(_ids.DI, 3, ("U4", 1), ("U4", 5)) == ([], ACCESS_DENIED)
    assert host.call(_ids.DI, 4, ("U4", 77)) == ([], _ids.INVALID_PARAMETER)
    assert emu.log_detail()[0]["types"] == ["U4"]


def test_di_device_id_is_a_4_byte_unsigned_element():
    emu, host = _up()
    host.call(_ids.DI, 1, ("U4", 1))
    rsp = [m for m in host.inbox if m.kind == _ids.RSP][0]
    assert [el.code for el in rsp.elements] == ["U4", "U4"]


def test_unknown_and_unmodelled_commands_get_unknown_cmd():
    emu, host = _up()
    assert host.call(0x7777, 1) == ([], _ids.UNKNOWN_CMD)
    assert host.call(0x0800, 2) == ([], _ids.UNKNOWN_CMD)  # MQTTC: not modelled
    assert emu.log() == [("0x7777", []), ("MQTTC", [])]


def test_rst_answers_ok_then_restarts_once_the_status_was_read():
    emu, host = _up()
    assert host.call(_ids.RST, 1) == ([], _ids.OK)
    assert host.frame(cmd52(1, 0x008))[8] == 0xFF  # SDIO lost: nothing answers before CMD0
    assert emu.irq.value() == 1
    host.init()
    assert host.drain() == [(RX, 1, 3)]
    assert host.inbox[-1].rsp_id == _ids.AEC_BOOT


def test_rst_refuses_parameters():
    emu, host = _up()
    assert host.call(_ids.RST, 1, ("U1", 1)) == ([], INCORRECT_NUM_PARAMS)
    assert host.call(_ids.GMM, 2)[1] == _ids.OK


def test_a_failing_handler_answers_error_and_is_recorded():
    emu, host = _up()
    emu.commands[0x7F01] = lambda module, request, reply: 1 / 0
    assert host.call(0x7F01, 1) == ([], _ids.ERROR)
    assert "ZeroDivisionError" in emu.errors()[0]


# -- faults and answers -----------------------------------------------------------------------


def test_answer_gives_only_that_status_once():
    emu, host = _up()
    emu.answer("GMR", "UNKNOWN_CMD")
    emu.answer(_ids.GMI, 0x0e0c)
    assert host.call(_ids.GMR, 1) == ([], _ids.UNKNOWN_CMD)
    assert host.call(_ids.GMR, 2)[1] == _ids.OK
    assert host.call(_ids.GMI, 3) == ([], 0x0e0c)


def test_answer_rst_has_no_side_effect():
    emu, host = _up()
    emu.answer("RST", _ids.OK)
    assert host.call(_ids.RST, 1) == ([], _ids.OK)
    assert host.call(_ids.GMM, 2)[1] == _ids.OK  # no reset happened


def test_drop_status_runs_the_command_but_sends_no_status():
    emu, host = _up()
    emu.fault("drop_status", cmd="GMI")
    host.send([_request(_ids.GMI, 1), _request(_ids.GMM, 2)])
    host.drain()
    kinds = [(m.kind, m.seq) for m in host.inbox[1:]]
    assert kinds == [(_ids.RSP, 1), (_ids.RSP, 2), (_ids.STATUS, 2)]


def test_data_rdy_stuck_until_cleared():
    emu, host = _up()
    emu.fault("data_rdy_stuck")
    emu.inject("SOCKCL", ("U2", 1))
    kind, number, length = host.event()
    with pytest.raises(HostError):
        host.wait_data_ready(polls=20)
    emu.clear_faults()
    host.receive(number, length)
    assert host.inbox[-1].values() == [1]


def test_bad_r5_fails_the_next_cmd52_without_carrying_it_out():
    emu, host = _up()
    emu.fault("bad_r5", count=1)
    assert host.frame(cmd52(1, 0x009, 0x00))[8:10] == b"\x40\x00"
    assert host.cmd52(1, 0x009) == 0x04  # the write did not happen
    emu.fault("bad_r5", count=1, flags=0x20)
    with pytest.raises(HostError):
        host.read(1, 0x028, 4)


def test_cmd0_and_cmd5_faults():
    emu = Module()
    host = Host(emu)
    emu.fault("cmd0_bad", value=0x04)
    assert host.frame(CMD0)[8] == 0x04
    assert host.frame(CMD0)[8] == 0x04  # until cleared
    emu.clear_faults()
    emu.fault("cmd5_fail")
    emu.fault("ocr_busy", count=2)
    assert host.frame(CMD0)[8] == 0x01
    assert host.frame(CMD5_QUERY)[8] == 0x04
    assert host.frame(CMD5_QUERY)[8] == 0x01
    assert [host.frame(CMD5_INIT)[9] & 0x80 for _ in range(3)] == [0, 0, 0x80]


def test_fault_names_and_arguments_are_checked():
    emu = Module()
    with pytest.raises(ValueError):
        emu.fault("no_such_fault")
    with pytest.raises(TypeError):
        emu.fault("bad_r5", colour=1)
    with pytest.raises(ValueError):
        emu.answer("NOSUCHCMD", 1)
    with pytest.raises(ValueError):
        emu.fault("drop_status", count=0)


# -- resets and pins --------------------------------------------------------------------------


def test_soft_reset_keeps_sdio_and_queues_boot():
    emu, host = _up()
    emu.inject("SOCKCL", ("U2", 1))  # dropped with the rest of the module state
    emu.reset(sdio=False)
    assert host.drain() == [(RX, 1, 3)]
    assert host.inbox[-1].rsp_id == _ids.AEC_BOOT


def test_reset_with_sdio_needs_the_handshake_again():
    emu, host = _up()
    emu.reset()
    assert host.frame(cmd52(0, 0x002))[8] == 0xFF
    assert emu.irq.value() == 1
    host.init()
    assert host.drain() == [(RX, 1, 3)]


def test_mclr_holds_the_module_in_reset_and_boots_on_release():
    clock = [0.0]
    emu = Module(boot_ms=100, clock=lambda: clock[0])
    host = Host(emu)
    clock[0] = 1.0
    host.init()
    emu.reset.value(0)
    assert emu.reset.value() == 0
    assert host.frame(CMD0) == bytes(9)  # MISO low
    clock[0] = 5.0
    assert host.frame(CMD0) == bytes(9)  # still held
    emu.reset(1)
    assert host.frame(CMD0) == bytes(9)  # booting
    clock[0] = 5.1
    host.init()
    assert host.drain() == [(RX, 1, 3)]
    emu.reset.off()
    emu.reset(sdio=True)  # ignored while held
    emu.reset.on()
    clock[0] = 6.0
    host.init()
    assert host.drain() == [(RX, 1, 3)]


def test_pin_faces_behave_like_machine_pins():
    emu = Module()
    assert (Pin.IN, Pin.OUT, Pin.IRQ_FALLING, Pin.IRQ_RISING) == (0, 1, 2, 1)
    emu.cs.init(Pin.OUT, value=1)
    assert emu.cs() == 1 and emu.cs.value() == 1
    emu.cs.off()
    assert emu.cs.value() == 0
    emu.cs(1)
    assert emu.bus_counts()["frames"] == 1
    assert emu.irq() == 1 and emu.reset.value() == 1
    assert emu.spi.read(3, 0x00) == b"\xff\xff\xff"
    buf = bytearray(2)
    emu.spi.readinto(buf)
    with pytest.raises(ValueError):
        emu.spi.write_readinto(b"\xff", bytearray(2))
    with pytest.raises(TypeError):
        emu.reset(1, sdio=True)


# -- control methods --------------------------------------------------------------------------


def test_log_detail_and_clear():
    emu, host = _up()
    host.call(_ids.CFG, 4, ("FRAC", "50.1"), ("STR", "x"))
    assert emu.log() == [("CFG", ["50.1", "x"])]
    assert emu.log_detail() == [{"id": _ids.CFG, "seq": 4, "name": "CFG",
                                 "params": ["50.1", "x"], "types": ["FRAC", "STR"]}]
    emu.clear_log()
    assert emu.log() == [] and emu.log_detail() == []


def test_bus_counts():
    emu = Module()
    host = Host(emu)
    host.init()
    counts = emu.bus_counts()
    assert counts["frames"] == 17 and counts["bytes"] == 9 + 13 + 13 + 9 + 13 * 11
    emu.clear_bus_counts()
    assert emu.bus_counts() == {"bytes": 0, "frames": 0}


def test_options_are_checked():
    with pytest.raises(TypeError):
        Module(colour="red")
    with pytest.raises(ValueError):
        Module(rx_batch=0)
    with pytest.raises(ValueError):
        Module(tx_credits=-1)
