"""SDIO-over-SPI command frames against the literal frames of spec §2.1, §2.4 and §10.1."""

from support import unhex

from winc import sdio


def _frame():
    return bytearray(b"\xff" * 13)


# (spec reference, builder args, MOSI bytes of the whole frame)
COMMANDS = (
    ("2.1 CMD0", (sdio.CMD0, 0, 9), "FF 40 00 00 00 00 95 FF FF"),
    ("2.1 CMD5 OCR 0", (sdio.CMD5, 0, 13), "FF 45 00 00 00 00 01 FF FF FF FF FF FF"),
    ("2.1 CMD5 OCR 0x200000", (sdio.CMD5, 0x200000, 13), "FF 45 00 20 00 00 01 FF FF FF FF FF FF"),
    # The reference leaves argument byte 3 of CMD59 at its 0xFF fill [INFERRED as harmless].
    ("2.1 CMD59", (sdio.CMD59, 0x00FF0000, 9), "FF 7B 00 FF 00 00 01 FF FF"),
)

# (spec reference, (fn_reg, write, data), frame)
CMD52 = (
    ("10.1/1 R F0 0x006", (sdio.F0_ABORT, False, 0), "FF 74 00 00 0C 00 01 FF FF FF FF"),
    ("10.1/7 W F0 0x110=00", (sdio.F0_F1_BLOCK_LO, True, 0), "FF 74 80 02 20 00 01 FF FF FF FF"),
    ("10.1/8 W F0 0x111=02", (sdio.F0_F1_BLOCK_HI, True, 2), "FF 74 80 02 22 02 01 FF FF FF FF"),
    ("10.1/9 W F0 0x100=80", (sdio.F0_CSA_CONFIG, True, 0x80), "FF 74 80 02 00 80 01 FF FF FF FF"),
    ("10.1/10 W F0 0x010=00", (sdio.F0_BLOCK_LO, True, 0), "FF 74 80 00 20 00 01 FF FF FF FF"),
    ("10.1/11 W F0 0x011=02", (sdio.F0_BLOCK_HI, True, 2), "FF 74 80 00 22 02 01 FF FF FF FF"),
    ("10.1/12 W F0 0x002=02", (sdio.F0_IO_ENABLE, True, 2), "FF 74 80 00 04 02 01 FF FF FF FF"),
    ("10.1/13 W F0 0x007=20", (sdio.F0_BUS_CONTROL, True, 0x20),
     "FF 74 80 00 0E 20 01 FF FF FF FF"),
    ("10.1/14 W F0 0x004=03", (sdio.F0_INT_ENABLE, True, 3), "FF 74 80 00 08 03 01 FF FF FF FF"),
    ("10.1/15 W F0 0x18000=01", (sdio.F0_CLOCK_WAKE, True, 1), "FF 74 83 00 00 01 01 FF FF FF FF"),
    ("10.1/16 W F1 0x009=04", (sdio.F1_INT_ENABLE, True, 4), "FF 74 90 00 12 04 01 FF FF FF FF"),
    ("10.1/17 R F0 0x100", (sdio.F0_CSA_CONFIG, False, 0), "FF 74 00 02 00 00 01 FF FF FF FF"),
    ("10.1/18 R F0 0x003", (sdio.F0_IO_READY, False, 0), "FF 74 00 00 06 00 01 FF FF FF FF"),
    ("10.1/19 R F0 0x004", (sdio.F0_INT_ENABLE, False, 0), "FF 74 00 00 08 00 01 FF FF FF FF"),
    ("10.2/3 R F1 0x008", (sdio.F1_INT_ID, False, 0), "FF 74 10 00 10 00 01 FF FF FF FF"),
    ("10.2/7 W F1 0x008=0C", (sdio.F1_INT_ID, True, 0x0C), "FF 74 90 00 10 0C 01 FF FF FF FF"),
)

# (spec reference, (fn_reg, write, count, block, incrementing), frame)
CMD53 = (
    ("2.4 write 24", (sdio.F1_DATA, True, 24, False, False), "FF 75 90 00 00 18 01 FF FF FF FF"),
    ("2.4 read 24", (sdio.F1_DATA, False, 24, False, False), "FF 75 10 00 00 18 01 FF FF FF FF"),
    ("2.4 write 512", (sdio.F1_DATA, True, 0, False, False), "FF 75 90 00 00 00 01 FF FF FF FF"),
    ("2.4 write 600 part 1", (sdio.F1_DATA, True, 1, True, False),
     "FF 75 98 00 00 01 01 FF FF FF FF"),
    ("2.4 read 1536", (sdio.F1_DATA, False, 3, True, False), "FF 75 18 00 00 03 01 FF FF FF FF"),
    ("10.2/1 W F1 0x24 4 incr", (sdio.F1_HOST_GP, True, 4, False, True),
     "FF 75 94 00 48 04 01 FF FF FF FF"),
    ("10.2/4 R F1 0x28 4 incr", (sdio.F1_ARM_GP, False, 4, False, True),
     "FF 75 14 00 50 04 01 FF FF FF FF"),
    ("10.4 row 2 W F0 0x10C 3 incr", (sdio.F0_CSA_POINTER, True, 3, False, True),
     "FF 75 84 02 18 03 01 FF FF FF FF"),
    ("10.4 row 5 W F0 0x10F 8 fixed", (sdio.F0_CSA_DATA, True, 8, False, False),
     "FF 75 80 02 1E 08 01 FF FF FF FF"),
)


def test_command_frames():
    for ref, (index, arg, size), text in COMMANDS:
        frame = _frame()
        sdio.command(frame, index, arg)
        assert bytes(frame[:size]) == unhex(text), ref


def test_cmd52_frames():
    for ref, args, text in CMD52:
        frame = _frame()
        sdio.cmd52(frame, *args)
        assert bytes(frame[:11]) == unhex(text), ref


def _cmd53(frame, fn_reg, write, count, block, incrementing):
    flags = ((sdio.CMD53_WRITE if write else 0) | (sdio.CMD53_BLOCK if block else 0)
             | (sdio.CMD53_INCR if incrementing else 0))
    sdio.cmd53(frame, fn_reg, flags, count)


def test_cmd53_frames():
    for ref, args, text in CMD53:
        frame = _frame()
        _cmd53(frame, *args)
        assert bytes(frame[:11]) == unhex(text), ref


def test_cmd53_count_bit_8():
    frame = _frame()
    _cmd53(frame, sdio.F1_DATA, False, 0x1FF, True, False)
    assert frame[4] & 1 == 1 and frame[5] == 0xFF


def test_init_writes_are_the_reference_order():
    # §2.8 step 6, in order; step 7 checks CSA enable, I/O ready and both interrupt enables.
    regs = [reg for reg, _ in sdio.CONFIG_WRITES]
    assert regs == [0x110, 0x111, 0x100, 0x010, 0x011, 0x002, 0x007, 0x004, 0x18000, 0x10000009]
    assert [v for _, v in sdio.CONFIG_WRITES] == [0, 2, 0x80, 0, 2, 2, 0x20, 3, 1, 4]
    assert sdio.CONFIG_CHECKS == ((0x100, 0x80), (0x003, 0x02), (0x004, 0x03))
