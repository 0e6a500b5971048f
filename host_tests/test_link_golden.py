"""The driver's SPI frames against the byte-exact host sequences of spec §10.

The emulator is only the counterparty here: every assertion compares the driver's MOSI with
the spec's bytes, and the emulator's decoded log with the spec's fields.
"""

from support import Recorder, emulator, unhex

from winc import _ids, tlv
from winc.bus import MachineBus
from winc.device import Command
from winc.spilink import SpiLink

CMD0 = unhex("FF 40 00 00 00 00 95 FF FF")
INIT_BOOTING = ["FF 74 00 00 0C 00 01 FF FF FF FF", "FF 40 00 00 00 00 95 FF FF"]  # rows 1-2
INIT_AFTER_BOOT = [  # rows 3-19
    "FF 40 00 00 00 00 95 FF FF",
    "FF 45 00 00 00 00 01 FF FF FF FF FF FF",
    "FF 45 00 20 00 00 01 FF FF FF FF FF FF",
    "FF 7B 00 FF 00 00 01 FF FF",
    "FF 74 80 02 20 00 01 FF FF FF FF",
    "FF 74 80 02 22 02 01 FF FF FF FF",
    "FF 74 80 02 00 80 01 FF FF FF FF",
    "FF 74 80 00 20 00 01 FF FF FF FF",
    "FF 74 80 00 22 02 01 FF FF FF FF",
    "FF 74 80 00 04 02 01 FF FF FF FF",
    "FF 74 80 00 0E 20 01 FF FF FF FF",
    "FF 74 80 00 08 03 01 FF FF FF FF",
    "FF 74 83 00 00 01 01 FF FF FF FF",
    "FF 74 90 00 12 04 01 FF FF FF FF",
    "FF 74 00 02 00 00 01 FF FF FF FF",
    "FF 74 00 00 06 00 01 FF FF FF FF",
    "FF 74 00 00 08 00 01 FF FF FF FF",
]
SOCKO_REQUEST = "00 0E 00 00 00 02 00 10 03 03 00 01 02 00 00 00 03 03 00 01 04 00 00 00"
SOCKO_FRAMES = [  # 10.2 rows 1-11
    "FF 75 94 00 48 04 01 FF FF FF FF",
    "FF FE 06 00 01 01 00 00 FF FF FF",
    "FF 74 10 00 10 00 01 FF FF FF FF",
    "FF 75 14 00 50 04 01 FF FF FF FF",
    "FF",
    "FF FF FF FF FF FF FF",
    "FF 74 90 00 10 0C 01 FF FF FF FF",
    "FF 75 90 00 00 18 01 FF FF FF FF",
    "FF FE",
    SOCKO_REQUEST,
    "00 00 FF FF FF",
]
SOCKRXT_AEC = ("03 0E 01 00 00 0E 01 00 25 04 03 02 00 02 44 C3 00 00 03 02 00 02 00 05 00 00"
               "03 02 00 02 00 00 00 00 06 03 00 05 68 65 6C 6C 6F 00 00 00 00 00")
SOCKRXT_FRAMES = [  # 10.3 rows 2-7 (one message: no length list)
    "FF 74 10 00 10 00 01 FF FF FF FF",
    "FF 75 14 00 50 04 01 FF FF FF FF",
    "FF",
    "FF FF FF FF FF FF FF",
    "FF 74 90 00 10 04 01 FF FF FF FF",
    "FF 74 10 00 10 00 01 FF FF FF FF",
    "FF 74 90 00 10 01 01 FF FF FF FF",
    "FF 75 10 00 00 30 01 FF FF FF FF",
    "FF",
    "FF" * 48,
    "FF FF FF",
]
BURST_FRAMES = [  # 10.4 rows 1-10
    "FF 74 83 00 00 02 01 FF FF FF FF",
    "FF 75 84 02 18 03 01 FF FF FF FF",
    "FF FE 00 00 00 00 00 FF FF FF",
    "FF 74 83 00 00 01 01 FF FF FF FF",
    "FF 75 80 02 1E 08 01 FF FF FF FF",
    "FF FE",
    "08 00 00 00 08 00 00 00",
    "00 00 FF FF FF",
    "FF 75 94 00 48 04 01 FF FF FF FF",
    "FF FE 02 00 02 01 00 00 FF FF FF",
]


def _link(**options):
    emu = emulator(**options)
    rec = Recorder(emu)
    return emu, rec, SpiLink(MachineBus(rec, rec.cs, emu.reset, emu.irq))


def _hex(frames):
    return [unhex(f) for f in frames]


def _service(link):
    """Service events until INT is quiet; returns the messages as (kind, id, seq, values)."""
    got = []

    def received(msg):
        got.append((msg.kind, msg.id, msg.seq, msg.values()))

    def dropped(reason):
        raise AssertionError(reason)

    while link.pending() and link.service(received, dropped) >= 0:
        pass
    return got


def _ready(**options):
    emu, rec, link = _link(**options)
    link.init(5000)
    assert _service(link) == [(_ids.AEC, _ids.AEC_BOOT, 0, [])]
    rec.take()
    return emu, rec, link


def _command(cmd_id, seq, params):
    cmd = Command(cmd_id, params)
    cmd.seq = seq
    return cmd


def test_10_1_init_while_booting_then_after_boot():
    emu, rec, link = _link(boot_ms=250)
    link.init(5000)
    frames = rec.take()
    assert frames[:2] == _hex(INIT_BOOTING)
    assert frames[-17:] == _hex(INIT_AFTER_BOOT)
    waiting = frames[2:-17]  # 2': CMD0 again on each call until the module has booted
    assert waiting and all(f == CMD0 for f in waiting)


def test_10_2_one_command_request():
    emu, rec, link = _ready()
    link.start([_command(_ids.SOCKO, 0, (tlv.U1, 2, tlv.U1, 4))])
    assert link.tx_busy
    _service(link)
    assert not link.tx_busy
    assert rec.take()[:11] == _hex(SOCKO_FRAMES)
    # The emulator decoded exactly the request the spec describes.
    entry = emu.log_detail()[-1]
    assert (entry["name"], entry["seq"], entry["params"]) == ("SOCKO", 0, [2, 4])


def test_10_3_receiving_one_aec():
    emu, rec, link = _ready()
    emu.inject_raw(unhex(SOCKRXT_AEC))
    got = _service(link)
    assert got == [(_ids.AEC, _ids.AEC_SOCKRXT, 0, [0x44C3, 5, 0, b"hello"])]
    assert rec.take() == _hex(SOCKRXT_FRAMES)


def test_10_4_two_command_burst():
    emu, rec, link = _ready()
    link.start([_command(_ids.SOCKC, 1, (tlv.U2, 0x44C3, tlv.U4, 101, tlv.U4, 7360)),
                _command(_ids.SOCKC, 2, (tlv.U2, 0x44C3, tlv.U4, 102, tlv.U4, 1498))])
    _service(link)
    frames = rec.take()
    assert frames[:10] == _hex(BURST_FRAMES)
    # Then each 32-byte command goes in its own fixed-address CMD53 write.
    writes = [f for f in frames[10:] if f[:2] == b"\xff\x75" and f[2] & 0x80]
    assert writes == [unhex("FF 75 90 00 00 20 01 FF FF FF FF")] * 2
    log = [(e["seq"], e["params"]) for e in emu.log_detail() if e["name"] == "SOCKC"]
    assert log == [(1, [0x44C3, 101, 7360]), (2, [0x44C3, 102, 1498])]
