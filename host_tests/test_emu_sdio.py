"""The emulator's SDIO slave fed the exact MOSI frames of spec §10, MISO checked where the host
looks; plus the slave rules of §2 and §11 items 1-7 (tokens, packed path, blocks, init states).
"""
# cpython only: wincsim runs on the host; the in-process emulator needs CPython

from emu_host import CMD0, Host, cmd52, cmd53, unhex
from hypothesis import given, settings
from hypothesis import strategies as st

from winc import _ids
from wincsim import Module, codec, sdio

# §10.1 rows 1-2 (module booting) and rows 3-19 (after boot): (MOSI, {MISO index: value}).
INIT_BOOTING = [
    ("FF 74 00 00 0C 00 01 FF FF FF FF", {8: 0x00}),
    ("FF 40 00 00 00 00 95 FF FF", {8: 0x00}),
]
INIT_AFTER_BOOT = [
    ("FF 40 00 00 00 00 95 FF FF", {i: v for i, v in enumerate(unhex("FF" * 8 + "01"))}),
    ("FF 45 00 00 00 00 01 FF FF FF FF FF FF", {8: 0x01}),
    ("FF 45 00 20 00 00 01 FF FF FF FF FF FF", {8: 0x00, 9: 0x90, 10: 0x30, 11: 0, 12: 0}),
    ("FF 7B 00 FF 00 00 01 FF FF", {8: 0x00}),
    ("FF 74 80 02 20 00 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 02 22 02 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 02 00 80 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 00 20 00 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 00 22 02 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 00 04 02 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 00 0E 20 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 80 00 08 03 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 83 00 00 01 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 90 00 12 04 01 FF FF FF FF", {8: 0x00}),
    ("FF 74 00 02 00 00 01 FF FF FF FF", {8: 0x00, 9: 0x80}),
    ("FF 74 00 00 06 00 01 FF FF FF FF", {8: 0x00, 9: 0x02}),
    ("FF 74 00 00 08 00 01 FF FF FF FF", {8: 0x00, 9: 0x03}),
]

SOCKO_REQ = "00 0E 00 00 00 02 00 10 03 03 00 01 02 00 00 00 03 03 00 01 04 00 00 00"
SOCKO_RSP = "02 0E 00 00 00 0E 00 00 09 01 03 02 00 02 44 C3 00 00 00 00"
SOCKO_STATUS = "01 0E 00 00 00 00 00 00"
ROWS_4_6 = [  # CMD53 read of ARM_GP, token poll, 7-byte data frame
    ("FF 75 14 00 50 04 01 FF FF FF FF", {8: 0x00, 9: 0x00}),
    ("FF", {0: 0xFE}),
]
# §10.2 rows 1-25: (MOSI, {MISO index: value}); "data" rows give whole expected MISO bytes.
SOCKO_ROWS = [
    ("FF 75 94 00 48 04 01 FF FF FF FF", {8: 0x00, 9: 0x00}),  # 1 announce
    ("FF FE 06 00 01 01 00 00 FF FF FF", {8: 0xE5, 10: 0xFF}),  # 2 packed mailbox word
    ("FF 74 10 00 10 00 01 FF FF FF FF", {8: 0x00, 9: 0x0C}),  # 3 INT_ID: TX_REQ
    *ROWS_4_6,  # 4-5
    ("FF FF FF FF FF FF FF", "06 00 01 01"),  # 6 TX_REQ(number 1, length 6)
    ("FF 74 90 00 10 0C 01 FF FF FF FF", {8: 0x00}),  # 7 clear
    ("FF 75 90 00 00 18 01 FF FF FF FF", {8: 0x00, 9: 0x00}),  # 8 fragment
    ("FF FE", {}),  # 9
    (SOCKO_REQ, {}),  # 10
    ("00 00 FF FF FF", {2: 0xE5, 4: 0xFF}),  # 11 token, not busy
    ("FF 74 10 00 10 00 01 FF FF FF FF", {8: 0x00, 9: 0x05}),  # 12 RX_REQ + DATA_RDY
    *ROWS_4_6,  # 13
    ("FF FF FF FF FF FF FF", "02 00 02 02"),  # 13 RX_REQ(number 2, length 2)
    ("FF 74 90 00 10 04 01 FF FF FF FF", {8: 0x00}),  # 14 clear
    ("FF 74 10 00 10 00 01 FF FF FF FF", {8: 0x00, 9: 0x01}),  # 15 DATA_RDY
    ("FF 74 90 00 10 01 01 FF FF FF FF", {8: 0x00}),  # 16
    ("FF 75 10 00 00 08 01 FF FF FF FF", {8: 0x00, 9: 0x00}),  # 17 length list
    ("FF", {0: 0xFE}),  # 18
    ("FF" * 8, "05 00 00 00 02 00 00 00"),  # 19
    ("FF FF FF", {}),  # 20
    ("FF 74 10 00 10 00 01 FF FF FF FF", {8: 0x00, 9: 0x01}),  # 21 DATA_RDY
    ("FF 74 90 00 10 01 01 FF FF FF FF", {8: 0x00}),
    ("FF 75 10 00 00 14 01 FF FF FF FF", {8: 0x00, 9: 0x00}),  # 22 RSP, 20 bytes
    ("FF", {0: 0xFE}),  # 23
    ("FF" * 20, SOCKO_RSP),
    ("FF FF FF", {}),
    ("FF 74 10 00 10 00 01 FF FF FF FF", {8: 0x00, 9: 0x01}),  # 24
    ("FF 74 90 00 10 01 01 FF FF FF FF", {8: 0x00}),
    ("FF 75 10 00 00 08 01 FF FF FF FF", {8: 0x00, 9: 0x00}),
    ("FF", {0: 0xFE}),  # 25 STATUS
    ("FF" * 8, SOCKO_STATUS),
    ("FF FF FF", {}),
]
# §10.4 rows 1-10: a 2-command burst announced through the CSA length list.
BURST_ROWS = [
    ("FF 74 83 00 00 02 01 FF FF FF FF", {8: 0x00}),
    ("FF 75 84 02 18 03 01 FF FF FF FF", {8: 0x00, 9: 0x00}),
    ("FF FE 00 00 00 00 00 FF FF FF", {7: 0xE5, 9: 0xFF}),
    ("FF 74 83 00 00 01 01 FF FF FF FF", {8: 0x00}),
    ("FF 75 80 02 1E 08 01 FF FF FF FF", {8: 0x00, 9: 0x00}),
    ("FF FE", {}),
    ("08 00 00 00 08 00 00 00", {}),
    ("00 00 FF FF FF", {2: 0xE5, 4: 0xFF}),
    ("FF 75 94 00 48 04 01 FF FF FF FF", {8: 0x00, 9: 0x00}),
    ("FF FE 02 00 02 01 00 00 FF FF FF", {8: 0xE5, 10: 0xFF}),
]
SOCKC1_REQ = ("00 0E 0B 00 01 03 00 18 03 02 00 02 44 C3 00 00 03 00 00 04 00 00 00 65"
              "03 00 00 04 00 00 1C C0")
SOCKC2_REQ = ("00 0E 0B 00 02 03 00 18 03 02 00 02 44 C3 00 00 03 00 00 04 00 00 00 66"
              "03 00 00 04 00 00 05 DA")


def _play(host, rows):
    for n, (mosi, expect) in enumerate(rows):
        miso = host.frame(mosi)
        if isinstance(expect, str):
            want = unhex(expect)
            assert miso[:len(want)] == want, "row %d %s: MISO %s" % (n, mosi, miso.hex(" "))
            continue
        for index, value in expect.items():
            assert miso[index] == value, "row %d %s: MISO[%d] = %02X, want %02X" % (
                n, mosi, index, miso[index], value)


def _booted_host(**options):
    """An initialised module whose BOOT AEC has been read, so INT is quiet."""
    emu = Module(**options)
    host = Host(emu)
    _play(host, INIT_AFTER_BOOT)
    assert host.drain() == [(2, 1, 3)]  # RX_REQ: one 3-word message, the BOOT AEC
    assert host.inbox[0].rsp_id == _ids.AEC_BOOT and host.inbox[0].elements == []
    return emu, host


def test_10_1_rows_1_2_while_booting_then_rows_3_19():
    clock = [100.0]
    emu = Module(boot_ms=3500, clock=lambda: clock[0])
    host = Host(emu)
    _play(host, INIT_BOOTING)
    _play(host, INIT_BOOTING[1:] * 3)  # row 2': CMD0 repeated while booting
    clock[0] += 3.5
    # After boot, before the first CMD0: no answer at all, so the host skips the abort.
    assert host.frame(INIT_BOOTING[0][0]) == b"\xff" * 11
    _play(host, INIT_AFTER_BOOT)
    assert emu.irq.value() == 0  # the BOOT AEC waits behind INTOUT


def test_10_1_found_idle_the_host_writes_res_and_sees_idle_again():
    emu = Module()
    host = Host(emu)
    _play(host, INIT_AFTER_BOOT[:1])  # CMD0: idle
    assert host.frame("FF 74 00 00 0C 00 01 FF FF FF FF")[8] == 0x01
    miso = host.frame("FF 74 80 00 0C 08 01 FF FF FF FF")  # RES
    assert miso[8] == 0x01
    _play(host, INIT_AFTER_BOOT)


def test_10_2_one_command_request_rows_1_to_25():
    emu, host = _booted_host()
    emu.commands[_ids.SOCKO] = lambda module, request, reply: reply.rsp(("U2", 0x44C3))
    _play(host, SOCKO_ROWS)
    assert emu.log_detail()[-1] == {"id": _ids.SOCKO, "seq": 0, "name": "SOCKO",
                                    "params": [2, 4], "types": ["U1", "U1"]}
    assert emu.irq.value() == 1 and emu.errors() == []


def test_10_2_the_rsp_and_status_can_also_come_as_two_events():
    emu, host = _booted_host(rx_batch=1)
    emu.commands[_ids.SOCKO] = lambda module, request, reply: reply.rsp(("U2", 0x44C3))
    host.send([unhex(SOCKO_REQ)])
    assert host.drain() == [(2, 1, 5), (2, 1, 2)]
    assert [m.kind for m in host.inbox[1:]] == [_ids.RSP, _ids.STATUS]


def test_10_3_receiving_one_aec():
    emu, host = _booted_host()
    emu.inject("SOCKRXT", ("U2", 0x44C3), ("U2", 5), ("U2", 0), ("BA", b"hello"))
    rows = [
        ("FF 74 10 00 10 00 01 FF FF FF FF", {9: 0x05}),
        *ROWS_4_6,
        ("FF" * 7, "0C 00 01 02"),
        ("FF 74 90 00 10 04 01 FF FF FF FF", {8: 0x00}),
        ("FF 74 10 00 10 00 01 FF FF FF FF", {8: 0x00, 9: 0x01}),
        ("FF 74 90 00 10 01 01 FF FF FF FF", {8: 0x00}),
        ("FF 75 10 00 00 30 01 FF FF FF FF", {8: 0x00, 9: 0x00}),
        ("FF", {0: 0xFE}),
        ("FF" * 48, "03 0E 01 00 00 0E 01 00 25 04 03 02 00 02 44 C3 00 00 03 02 00 02 00 05"
                    "00 00 03 02 00 02 00 00 00 00 06 03 00 05 68 65 6C 6C 6F 00 00 00 00 00"),
        ("FF FF FF", {}),
    ]
    assert emu.irq.value() == 0
    _play(host, rows[:5])
    assert emu.irq.value() == 1  # released by the clear of row 4
    _play(host, rows[5:])


def test_10_4_two_command_burst_rows_1_to_10_then_tx_req_and_statuses():
    emu, host = _booted_host()
    emu.commands[_ids.SOCKC] = lambda module, request, reply: None
    _play(host, BURST_ROWS)
    assert host.event() == (1, 2, 16)  # TX_REQ: both commands, 16 words
    for request in (SOCKC1_REQ, SOCKC2_REQ):
        miso = host.frame("FF 75 90 00 00 20 01 FF FF FF FF")
        assert miso[8:10] == b"\x00\x00"
        host.frame("FF FE")
        host.frame(request)
        assert host.frame("00 00 FF FF FF")[2] == 0xE5
    events = host.drain()
    assert events == [(2, 2, 2)]
    assert [codec.encode_status(m.id, m.seq, m.status) for m in host.inbox[1:]] == [
        unhex("01 0E 0B 00 01 00 00 00"), unhex("01 0E 0B 00 02 00 00 00")]
    assert emu.log() == [("SOCKC", [0x44C3, 101, 7360]), ("SOCKC", [0x44C3, 102, 1498])]


# -- slave rules ------------------------------------------------------------------------------


class _Function1:
    """A stand-in for the mailbox: a register dict and byte FIFOs."""

    def __init__(self, fifo=b""):
        self.registers = {}
        self.fifo_in = bytearray()
        self.fifo_out = bytearray(fifo)

    def read_register(self, addr):
        return self.registers.get(addr, 0)

    def write_register(self, addr, value):
        self.registers[addr] = value

    def read_fifo(self, n):
        data, self.fifo_out[:n] = bytes(self.fifo_out[:n]), b""
        return data + bytes(n - len(data))

    def write_fifo(self, data):
        self.fifo_in += data

    def io_reset(self):
        self.registers = {}


def _ready_slave(fifo=b""):
    f1 = _Function1(fifo)
    slave = sdio.SdioSlave(f1)
    slave.power_on()
    for frame in ("FF 40 00 00 00 00 95 FF FF", "FF 45 00 20 00 00 01 FF FF FF FF FF FF"):
        slave.clock(unhex(frame))
    assert slave.card == sdio.READY
    return slave, f1


def test_booting_miso_reads_low_and_nothing_is_decoded():
    slave = sdio.SdioSlave(_Function1())
    assert slave.clock(CMD0) == bytes(len(CMD0))
    slave.power_on()
    assert slave.clock(cmd52(0, 0x006)) == b"\xff" * 11  # before CMD0: no answer
    assert slave.clock(CMD0)[8] == 0x01


def test_response_comes_after_exactly_one_idle_byte_and_cs_high_bytes_are_ignored():
    emu = Module()
    emu.cs.value(1)
    assert emu.spi.read(4) == b"\xff" * 4
    emu.spi.write(CMD0)  # CS high: not decoded, but counted
    emu.cs.value(0)
    miso = emu.spi.read(9, 0xFF)
    assert miso == b"\xff" * 9  # nothing was started by the CS-high bytes
    rx = bytearray(9)
    emu.spi.write_readinto(CMD0, rx)
    emu.cs.value(1)
    assert rx == b"\xff" * 8 + b"\x01"
    assert emu.bus_counts() == {"bytes": 4 + 9 + 9 + 9, "frames": 1}


def test_cmd5_reports_busy_for_ocr_busy_polls_then_ready():
    # [INFERRED] OCR 0x90300000 when ready (§2.8); the host only tests bit 31.
    emu = Module(ocr_busy_polls=2)
    host = Host(emu)
    host.frame(CMD0)
    ocr = [host.frame("FF 45 00 20 00 00 01 FF FF FF FF FF FF")[8:13] for _ in range(3)]
    assert ocr == [unhex("01 10 30 00 00")] * 2 + [unhex("00 90 30 00 00")]


def test_cmd52_and_cmd53_flags_follow_the_card_state():
    emu = Module()
    host = Host(emu)
    host.frame(CMD0)
    assert host.frame(cmd52(0, 0x002))[8] == 0x01  # idle
    assert host.frame(cmd53(0, 1, 0x028, 4))[8:10] == b"\x01\x00"  # idle: no data phase
    host.frame("FF 45 00 20 00 00 01 FF FF FF FF FF FF")
    assert host.frame(cmd52(0, 0x002))[8] == 0x00
    assert host.frame("FF 48 00 00 01 AA 01 FF FF")[8] == 0x00  # CMD8: R1
    assert host.frame("FF 4D 00 00 00 00 01 FF FF")[8] == 0x04  # CMD13: illegal
    assert host.frame(cmd52(2, 0x000))[8] == 0x10  # no function 2
    host.frame(CMD0)  # back to idle
    assert host.frame(cmd52(0, 0x002))[8] == 0x01


def test_res_resets_the_sdio_layer_to_idle():
    emu, host = _booted_host()
    assert host.frame(cmd52(0, 0x006, 0x08))[8] == 0x01
    assert host.cmd52(0, 0x004, flags=0x01) == 0x00  # interrupt enable back to reset value
    host.init()
    assert host.cmd52(0, 0x004) == 0x03


def test_cmd52_read_after_write_and_write_value_in_r5():
    slave, f1 = _ready_slave()
    raw = (1 << 31 | 1 << 28 | 1 << 27 | 0x40 << 9 | 0x5A).to_bytes(4, "big")
    assert slave.clock(b"\xff\x74" + raw + b"\x01\xff\xff\xff\xff")[8:10] == b"\x00\x5a"
    assert f1.registers[0x40] == 0x5A


def test_packed_path_junk_after_the_crc_is_ignored():
    for n in (1, 2, 3, 4):
        slave, f1 = _ready_slave()
        assert slave.clock(cmd53(1, 1, 0x000, n, incr=False))[8:10] == b"\x00\x00"
        junk = {4: "FF FF FF", 3: "FF FF FF", 2: "01 FF FF", 1: "01 01 FF"}[n]
        data = bytes(range(0x41, 0x41 + n))  # data that looks like command bytes
        miso = slave.clock(b"\xff\xfe" + data + b"\x00\x00" + unhex(junk))
        assert miso[4 + n] == 0xE5 and miso[6 + n] != 0x00, n
        assert f1.fifo_in == data and slave.quiet, n
        assert slave.clock(cmd52(1, 0x009))[8] == 0x00, n  # still in step


def test_block_mode_write_then_remainder():
    slave, f1 = _ready_slave()
    data = bytes(i & 0xFF for i in range(600))
    assert slave.clock(unhex("FF 75 98 00 00 01 01 FF FF FF FF"))[8:10] == b"\x00\x00"
    slave.clock(b"\xff\xfc")
    slave.clock(data[:512])
    assert slave.clock(b"\x00\x00\xff\xff\xff")[2] == 0xE5
    assert slave.clock(cmd53(1, 1, 0x000, 88, incr=False))[8:10] == b"\x00\x00"
    slave.clock(b"\xff\xfe" + data[512:])
    assert slave.clock(b"\x00\x00\xff\xff\xff")[2] == 0xE5
    assert bytes(f1.fifo_in) == data


def test_multi_block_read_tokens():
    data = bytes(i * 7 & 0xFF for i in range(1536))
    slave, f1 = _ready_slave(fifo=data)
    miso = slave.clock(unhex("FF 75 18 00 00 03 01 FF FF FF FF"))  # read 1536, 3 blocks
    assert miso[8:11] == b"\x00\x00\xff"
    out = b""
    for _ in range(3):
        polls = [slave.clock(b"\xff")[0]]
        while polls[-1] & 1 and len(polls) < 100:
            polls.append(slave.clock(b"\xff")[0])
        assert polls[-1] == 0xFE
        out += slave.clock(b"\xff" * 512)
        after = slave.clock(b"\xff\xff\xff")[2]
        assert after != 0x00
    assert out == data and slave.quiet


def test_byte_mode_count_zero_means_512():
    slave, f1 = _ready_slave()
    slave.clock(unhex("FF 75 90 00 00 00 01 FF FF FF FF"))
    slave.clock(b"\xff\xfe" + bytes(512) + b"\x00\x00")
    assert len(f1.fifo_in) == 512


def test_incrementing_cmd53_reaches_consecutive_registers():
    slave, f1 = _ready_slave()
    slave.clock(cmd53(1, 1, 0x024, 4))
    slave.clock(b"\xff\xfe\x01\x02\x03\x04\x00\x00\xff\xff\xff")
    assert [f1.registers[a] for a in range(0x24, 0x28)] == [1, 2, 3, 4]


def test_csa_window_writes_auto_increment_from_the_pointer():
    slave, f1 = _ready_slave()
    slave.clock(cmd53(1, 0, 0x10C, 3))
    slave.clock(unhex("FF FE 10 00 00 00 00 FF FF FF"))
    slave.clock(cmd53(1, 0, 0x10F, 8, incr=False))
    slave.clock(b"\xff\xfe" + bytes(range(1, 9)) + b"\x00\x00\xff\xff\xff")
    assert slave.csa_base == 0x10 and slave.csa_read(0x10, 8) == bytes(range(1, 9))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_splitting_the_byte_stream_anywhere_changes_nothing(cuts):
    # MOSI of init + the §10.2 announce/TX_REQ/fragment rows, as one stream.
    stream = b"".join(unhex(m) for m, _ in INIT_AFTER_BOOT + SOCKO_ROWS[:12])
    whole, _ = _ready_pair()
    expected = whole.clock(stream)
    pieces, _ = _ready_pair()
    got, pos = bytearray(), 0
    for cut in cuts * (len(stream) // sum(cuts) + 1):
        if pos >= len(stream):
            break
        got += pieces.clock(stream[pos:pos + cut])
        pos += cut
    assert got == expected


def _ready_pair():
    f1 = _Function1()
    slave = sdio.SdioSlave(f1)
    slave.power_on()
    return slave, f1
