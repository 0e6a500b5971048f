"""link: SDIO-over-SPI command frames, register map and init rules (spec §2, sans-I/O).

Registers are addressed as `fn_reg`: function number in bits 30..28, register in bits 16..0.
"""

from ._compat import const

_EIO = const(5)

BLOCK = const(512)
POLLS = const(100)  # single-byte polls allowed for a read token or a write-busy release (§2.9)

# Command index bytes (start bit 0, transmission bit 1) and frame lengths (§2.1).
CMD0 = const(0x40)
CMD5 = const(0x45)
CMD52 = const(0x74)
CMD53 = const(0x75)
CMD59 = const(0x7B)
CMD0_CRC = const(0x95)  # CMD0 carries the one valid CRC; every other command sends 0x01
NO_CRC = const(0x01)
FRAME_R1 = const(9)  # CMD0, CMD59: R1 at index 8
FRAME_R5 = const(11)  # CMD52, CMD53: R5 flags at 8, data at 9
FRAME_R4 = const(13)  # CMD5: R1 at 8, OCR at 9..12
RESPONSE = const(8)  # responses start after exactly one idle byte (Ncr = 1)
OCR_VOLTAGE = const(0x200000)
OCR_READY = const(0x80)  # bit 31 of the OCR, as found in its first (most significant) byte

# R1 / R5 flag values.
R1_OK = const(0x00)
R1_IDLE = const(0x01)

# Data tokens.
TOKEN_BYTE = const(0xFE)  # read blocks, and write blocks in byte mode
TOKEN_BLOCK = const(0xFC)  # write blocks in block mode
ACCEPTED = const(0x05)  # data-response token & 0x1F

# Function 0 registers (CCCR / FBR / CIS) and function 1 registers (§2.7).
F0_IO_ENABLE = const(0x00000002)
F0_IO_READY = const(0x00000003)
F0_INT_ENABLE = const(0x00000004)
F0_ABORT = const(0x00000006)
F0_BUS_CONTROL = const(0x00000007)
F0_BLOCK_LO = const(0x00000010)
F0_BLOCK_HI = const(0x00000011)
F0_CSA_CONFIG = const(0x00000100)
F0_CSA_POINTER = const(0x0000010C)
F0_CSA_DATA = const(0x0000010F)
F0_F1_BLOCK_LO = const(0x00000110)
F0_F1_BLOCK_HI = const(0x00000111)
F0_CLOCK_WAKE = const(0x00018000)
F1_DATA = const(0x10000000)
F1_INT_ID = const(0x10000008)
F1_INT_ENABLE = const(0x10000009)
F1_HOST_GP = const(0x10000024)
F1_ARM_GP = const(0x10000028)

ABORT_RES = const(0x08)
CLOCK_WAKE_AUTO = const(0x01)
CLOCK_WAKE_MANUAL = const(0x02)
CSA_ENABLE = const(0x80)

# INT_ID bits.
INT_DATA_RDY = const(0x01)
INT_MSG_FROM_ARM = const(0x04)
INT_ACK_TO_HOST = const(0x08)

# Init step 6 writes, in order, then step 7 reads each (register, bits that must be set) (§2.8).
CONFIG_WRITES = (
    (F0_F1_BLOCK_LO, 0x00),
    (F0_F1_BLOCK_HI, 0x02),
    (F0_CSA_CONFIG, CSA_ENABLE),
    (F0_BLOCK_LO, 0x00),
    (F0_BLOCK_HI, 0x02),
    (F0_IO_ENABLE, 0x02),
    (F0_BUS_CONTROL, 0x20),
    (F0_INT_ENABLE, 0x03),
    (F0_CLOCK_WAKE, CLOCK_WAKE_AUTO),
    (F1_INT_ENABLE, INT_MSG_FROM_ARM),
)
CONFIG_CHECKS = ((F0_CSA_CONFIG, CSA_ENABLE), (F0_IO_READY, 0x02), (F0_INT_ENABLE, 0x03))

# Init states and results (§2.8); results > 0 mean "call again after ~100 ms".
UNKNOWN = const(0)
ERROR = const(1)
RESETTING = const(2)
SEND_OP = const(3)
WAIT_OP = const(4)
CONFIG = const(5)
RUNNING = const(6)

ABORT_FAILED = const(-6)
RESET_FAILED = const(-5)
OP_FAILED = const(-4)
CFG_FAILED = const(-3)
OK = const(0)
RESET_WAITING = const(1)
OP_WAITING = const(2)


# CMD53 flags at their bit positions in the command's first argument byte (§2.2).
CMD53_WRITE = const(0x80)
CMD53_BLOCK = const(0x08)
CMD53_INCR = const(0x04)


class BusError(OSError):
    """An SDIO transaction the module did not complete as the protocol requires (errno EIO)."""

    def __init__(self, reason, errno=_EIO):
        super().__init__(errno, reason)


def command(frame, index, arg):
    """Fill the command bytes of `frame` (pre-filled with 0xFF) for `index` and 32-bit `arg`."""
    frame[1] = index
    frame[2] = (arg >> 24) & 0xFF
    frame[3] = (arg >> 16) & 0xFF
    frame[4] = (arg >> 8) & 0xFF
    frame[5] = arg & 0xFF
    frame[6] = CMD0_CRC if index == CMD0 else NO_CRC


def cmd52(frame, fn_reg, write, data):
    """CMD52 IO_RW_DIRECT for one register (§2.2)."""
    frame[1] = CMD52
    frame[2] = (0x80 if write else 0) | ((fn_reg >> 24) & 0x70) | ((fn_reg >> 15) & 0x03)
    frame[3] = (fn_reg >> 7) & 0xFF
    frame[4] = (fn_reg << 1) & 0xFE
    frame[5] = data
    frame[6] = NO_CRC


def cmd53(frame, fn_reg, flags, count):
    """CMD53 IO_RW_EXTENDED; flags: CMD53_WRITE|BLOCK|INCR; `count` is bytes (0 = 512) or
    512-byte blocks (§2.2). Four arguments: a MicroPython frame that stays off the heap."""
    frame[1] = CMD53
    frame[2] = flags | ((fn_reg >> 24) & 0x70) | ((fn_reg >> 15) & 0x03)
    frame[3] = (fn_reg >> 7) & 0xFF
    frame[4] = ((fn_reg << 1) & 0xFE) | ((count >> 8) & 0x01)
    frame[5] = count & 0xFF
    frame[6] = NO_CRC
