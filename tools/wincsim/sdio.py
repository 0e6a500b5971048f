"""emulator: the SDIO-over-SPI slave (spec §2): a byte-stream state machine, F0 registers, CSA.

MOSI is one stream whose state persists across CS frames (the host splits a transaction over
several). MISO is whatever output is queued, else the idle level. Function 1 (data port,
interrupts, mailboxes) is delegated to another object: see mailbox.py.
"""

import re

# Card states (spec §2.8, "Device-side expectations for an emulator").
OFF = "off"  # booting or held in reset: MISO low, nothing decoded
UNINITIALISED = "uninitialised"  # powered, no CMD0 yet: commands are ignored
IDLE = "idle"  # after CMD0: R1/R5 flags carry the idle bit
READY = "ready"  # after CMD5 reported OCR bit 31

# R1 / R5 flag bits (§2.3).
R_OK = 0x00
R_IDLE = 0x01
R_ILLEGAL_CMD = 0x04
R_FUNC_NUM_ERR = 0x10
R_PARAM_ERR = 0x40

OCR_READY = 0x90300000  # [INFERRED] ready, 1 I/O function, 3.2-3.4 V; the host tests bit 31 only
OCR_BUSY = OCR_READY & 0x7FFFFFFF

TOKEN_SINGLE = 0xFE  # read blocks, byte-mode write blocks
TOKEN_MULTI = 0xFC  # each block of a block-mode write
DATA_ACCEPTED = 0xE5  # data-response token: low five bits 00101
BLOCK = 512
CSA_SIZE = 0x10000  # [INFERRED] the host only ever uses the first few words

# Function 0 registers (§2.7) and their values after power-up or an I/O reset (RES).
IO_ENABLE = 0x002
IO_READY = 0x003
INT_ENABLE = 0x004
IO_ABORT = 0x006
RES = 0x08
FN0_BLOCK_SIZE = 0x010
CSA_CONFIG = 0x100
CSA_POINTER = (0x10C, 0x10D, 0x10E)  # 24 bits, LSB first
CSA_WINDOW = 0x10F
FN1_BLOCK_SIZE = 0x110
CLOCK_WAKE = 0x18000
F0_RESET = {IO_ENABLE: 0, INT_ENABLE: 0, IO_ABORT: 0, 0x007: 0, FN0_BLOCK_SIZE: 0,
            FN0_BLOCK_SIZE + 1: 0, CSA_CONFIG: 0, FN1_BLOCK_SIZE: 0, FN1_BLOCK_SIZE + 1: 0,
            CLOCK_WAKE: 0x01}
DATA_PORT = 0x000  # function 1 FIFO

# Input phases of the MOSI state machine.
_SCAN = "scan"  # between commands: only a 0x40|index byte means anything
_COMMAND = "command"  # collecting the 6 command bytes
_WRITE_TOKEN = "write token"  # CMD53 write accepted: waiting for 0xFE / 0xFC
_WRITE_DATA = "write data"
_WRITE_CRC = "write crc"

_COMMAND_START = re.compile(rb"[\x40-\x7f]")
_TOKEN_OR_COMMAND = re.compile(rb"[\x40-\x7f\xfc\xfe]")


class SdioSlave:
    """The card: feed it MOSI with clock(); it answers MISO of the same length."""

    def __init__(self, function1, faults=None, on_error=None):
        self.function1 = function1  # read_register, write_register, read_fifo, write_fifo, io_reset
        self._faults = faults
        self._on_error = on_error or (lambda text: None)
        self._cmd = bytearray(6)
        self.csa = bytearray(CSA_SIZE)
        self.power_off()

    # -- power and reset ---------------------------------------------------------------------

    def power_off(self):
        """Booting or held in reset: MISO low, all card state lost."""
        self.card = OFF
        self._reset_registers()
        self.csa[:] = bytes(CSA_SIZE)
        self._ocr_busy = 0

    def power_on(self, ocr_busy_polls=0):
        """Boot finished: MISO idles high; commands are ignored until the first CMD0."""
        self.card = UNINITIALISED
        self._reset_registers()
        self._ocr_busy = ocr_busy_polls

    def _reset_registers(self):
        self._f0 = dict(F0_RESET)
        self._csa_pointer = 0
        self.csa_base = 0  # where the host last pointed the CSA window (its length list)
        self._phase = _SCAN
        self._cmd_len = 0
        self._out = b""
        self._out_pos = 0
        self._staged = None

    def _io_reset(self):
        # RES in CCCR 0x006: back to idle, registers to their reset values (§2.7, §2.8).
        self._reset_registers()
        self.card = IDLE
        self.function1.io_reset()

    # -- state the model reads ---------------------------------------------------------------

    @property
    def quiet(self):
        """No output pending and no transaction half done: a safe point for a module reset."""
        return self._phase == _SCAN and self._out_pos >= len(self._out) and self._staged is None

    def interrupts_enabled(self):
        """CCCR Int Enable has the master and function 1 bits (§2.7)."""
        return self.card != OFF and self._f0[INT_ENABLE] & 0x03 == 0x03

    def csa_read(self, offset, n):
        offset %= CSA_SIZE
        return bytes(self.csa[offset:offset + n])

    # -- the byte stream ---------------------------------------------------------------------

    def clock(self, mosi):
        """Clock the bytes of one CS-low stretch through the card; returns MISO."""
        if not isinstance(mosi, bytes):
            mosi = bytes(mosi)  # one copy, so slicing and regex scans run at C speed
        n = len(mosi)
        if self.card == OFF:
            return bytearray(n)  # MISO reads low until the pull-up is active (§1)
        miso = bytearray(b"\xff") * n
        pos = 0
        while pos < n:
            start = pos
            pos = self._PHASES[self._phase](self, mosi, pos)
            # Output decided by these bytes starts on the byte after them (full duplex).
            self._emit(miso, start, pos)
            if self._staged is not None:
                self._out, self._out_pos, self._staged = self._staged, 0, None
        return miso

    def _emit(self, miso, start, stop):
        left = len(self._out) - self._out_pos
        if left > 0 and stop > start:
            m = min(left, stop - start)
            miso[start:start + m] = self._out[self._out_pos:self._out_pos + m]
            self._out_pos += m

    def _stage(self, output):
        self._staged = output

    def _scan(self, mosi, pos):
        found = _COMMAND_START.search(mosi, pos)
        if found is None:
            return len(mosi)
        self._phase = _COMMAND
        self._cmd_len = 0
        return found.start()

    def _collect(self, mosi, pos):
        chunk = mosi[pos:pos + 6 - self._cmd_len]
        self._cmd[self._cmd_len:self._cmd_len + len(chunk)] = chunk
        self._cmd_len += len(chunk)
        if self._cmd_len == 6:
            self._phase = _SCAN
            self._execute()
        return pos + len(chunk)

    def _await_token(self, mosi, pos):
        found = _TOKEN_OR_COMMAND.search(mosi, pos)
        if found is None:
            return len(mosi)
        byte = mosi[found.start()]
        if byte & 0xC0 == 0x40:
            self._on_error("CMD53 write abandoned before its data token")
            self._phase = _SCAN
            return found.start()
        if byte != self._wr_token:
            self._on_error("data token 0x%02X where 0x%02X belongs" % (byte, self._wr_token))
        self._phase = _WRITE_DATA
        self._wr_buf = bytearray()
        return found.start() + 1

    def _take_data(self, mosi, pos):
        chunk = mosi[pos:pos + self._wr_size - len(self._wr_buf)]
        self._wr_buf += chunk
        if len(self._wr_buf) == self._wr_size:
            self._phase = _WRITE_CRC
            self._wr_crc = 2
        return pos + len(chunk)

    def _take_crc(self, mosi, pos):
        took = min(self._wr_crc, len(mosi) - pos)
        self._wr_crc -= took
        if self._wr_crc == 0:
            # CRCs are off (§2.3): ignore them. Token on the next byte, then MISO idles high,
            # so the busy check (third byte after the CRC) reads ready.
            self._stage(bytes([DATA_ACCEPTED]))
            self._wr_blocks -= 1
            self._phase = _WRITE_TOKEN if self._wr_blocks else _SCAN
            data, self._wr_buf = bytes(self._wr_buf), None
            self._write_data(self._wr_fn, self._wr_addr, self._wr_incr, data)
            if self._wr_incr:
                self._wr_addr += len(data)
        return pos + took

    _PHASES = {
        _SCAN: _scan,
        _COMMAND: _collect,
        _WRITE_TOKEN: _await_token,
        _WRITE_DATA: _take_data,
        _WRITE_CRC: _take_crc,
    }

    # -- commands ----------------------------------------------------------------------------

    def _execute(self):
        index = self._cmd[0] & 0x3F
        arg = int.from_bytes(self._cmd[1:5], "big")
        if self.card == UNINITIALISED and index != 0:
            return  # [INFERRED] before the first CMD0 nothing answers: MISO stays high
        handler = self._COMMANDS.get(index)
        response = handler(self, arg) if handler else bytes([self._r1() | R_ILLEGAL_CMD])
        self._stage(b"\xff" + response)  # Ncr = 1: one idle byte, then the response (§2.1)

    def _r1(self):
        return R_IDLE if self.card == IDLE else R_OK

    def _fault(self, name):
        return self._faults.take(name) if self._faults is not None else None

    def _cmd0(self, arg):
        bad = self._fault("cmd0_bad")
        if bad is not None:
            return bytes([bad["value"]])
        self.card = IDLE
        return bytes([R_IDLE])

    def _cmd5(self, arg):
        if arg & 0xFFFFFF == 0:  # query: no state change
            failed = self._fault("cmd5_fail")
            r1 = failed["value"] if failed is not None else self._r1()
            return bytes([r1]) + (OCR_READY if self.card == READY else OCR_BUSY).to_bytes(4, "big")
        if self.card == IDLE:
            if self._ocr_busy > 0:
                self._ocr_busy -= 1
            elif self._fault("ocr_busy") is None:
                self.card = READY
        ocr = OCR_READY if self.card == READY else OCR_BUSY
        return bytes([self._r1()]) + ocr.to_bytes(4, "big")

    def _cmd8(self, arg):
        return bytes([self._r1()])

    def _cmd59(self, arg):
        # [INFERRED] 0x00 in any state: CRCs are ignored either way (§11 item 3).
        return bytes([R_OK])

    def _cmd52(self, arg):
        write, fn, raw = arg >> 31, (arg >> 28) & 7, (arg >> 27) & 1
        addr, data = (arg >> 9) & 0x1FFFF, arg & 0xFF
        bad = self._fault("bad_r5")
        if bad is not None:
            return bytes([bad["flags"], 0])
        if fn > 1:
            return bytes([self._r1() | R_FUNC_NUM_ERR, 0])
        if write:
            self._write_register(fn, addr, data)
            # [INFERRED] R5 data of a write: the value written, or read back when RAW is set.
            value = self._read_register(fn, addr) if raw else data
        else:
            value = self._read_register(fn, addr)
        return bytes([self._r1(), value])

    def _cmd53(self, arg):
        write, fn, block, incr = arg >> 31, (arg >> 28) & 7, (arg >> 27) & 1, (arg >> 26) & 1
        addr, count = (arg >> 9) & 0x1FFFF, arg & 0x1FF
        bad = self._fault("bad_r5")
        if bad is not None:
            return bytes([bad["flags"], 0])
        if fn > 1:
            return bytes([self._r1() | R_FUNC_NUM_ERR, 0])
        if self.card != READY:
            return bytes([self._r1(), 0])  # [INFERRED] idle: flags 0x01 and no data phase
        if block:
            if count == 0:  # "until stopped": never used by the host (no CMD52 abort model)
                return bytes([R_PARAM_ERR, 0])
            size, blocks = self._block_size(fn), count
        else:
            size, blocks = count or BLOCK, 1
        if write:
            self._phase = _WRITE_TOKEN
            self._wr_fn, self._wr_addr, self._wr_incr = fn, addr, incr
            self._wr_size, self._wr_blocks = size, blocks
            self._wr_token = TOKEN_MULTI if block else TOKEN_SINGLE
            return bytes([R_OK, 0])
        data = self._read_data(fn, addr, incr, size * blocks)
        # 0xFF through frame index 10, then per block: token, data, 2 CRC bytes (unchecked by
        # the host), one 0xFF so that the byte after the CRC never reads busy (§2.6).
        parts = [bytes([R_OK, 0, 0xFF])]
        for i in range(0, len(data), size):
            parts += (b"\xfe", data[i:i + size], b"\x00\x00\xff")
        return b"".join(parts)

    _COMMANDS = {0: _cmd0, 5: _cmd5, 8: _cmd8, 52: _cmd52, 53: _cmd53, 59: _cmd59}

    def _block_size(self, fn):
        base = FN1_BLOCK_SIZE if fn else FN0_BLOCK_SIZE
        return (self._f0[base] | self._f0[base + 1] << 8) or BLOCK

    # -- registers ---------------------------------------------------------------------------

    def _read_data(self, fn, addr, incr, n):
        if fn == 1 and addr == DATA_PORT:
            return self.function1.read_fifo(n)
        return bytes(self._read_register(fn, (addr + i) & 0x1FFFF if incr else addr)
                     for i in range(n))

    def _write_data(self, fn, addr, incr, data):
        if fn == 1 and addr == DATA_PORT:
            self.function1.write_fifo(data)
            return
        for i, value in enumerate(data):
            self._write_register(fn, (addr + i) & 0x1FFFF if incr else addr, value)

    def _read_register(self, fn, addr):
        if fn == 1:
            if addr == DATA_PORT:
                return self.function1.read_fifo(1)[0]
            return self.function1.read_register(addr)
        if addr == IO_READY:
            return self._f0[IO_ENABLE]  # functions are ready as soon as they are enabled
        if addr in CSA_POINTER:
            return self._csa_pointer >> (8 * CSA_POINTER.index(addr)) & 0xFF
        if addr == CSA_WINDOW:
            value = self.csa[self._csa_pointer % CSA_SIZE]
            self._csa_pointer = (self._csa_pointer + 1) & 0xFFFFFF
            return value
        return self._f0.get(addr, 0)

    def _write_register(self, fn, addr, value):
        if fn == 1:
            if addr == DATA_PORT:
                self.function1.write_fifo(bytes([value]))
            else:
                self.function1.write_register(addr, value)
        elif addr == IO_ABORT:
            if value & RES:
                self._io_reset()
            # [INFERRED] the abort bits act at once and read back as 0
        elif addr in CSA_POINTER:
            shift = 8 * CSA_POINTER.index(addr)
            self._csa_pointer = self._csa_pointer & ~(0xFF << shift) | value << shift
            self.csa_base = self._csa_pointer
        elif addr == CSA_WINDOW:
            self.csa[self._csa_pointer % CSA_SIZE] = value
            self._csa_pointer = (self._csa_pointer + 1) & 0xFFFFFF
        elif addr != IO_READY:  # read-only
            self._f0[addr] = value
