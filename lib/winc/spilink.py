"""link: WINCS02 over SPI — SDIO transactions, init handshake, mailboxes, bursts (spec §2-§3).

Frames follow the reference host exactly (one CS frame per step), so a real module sees what it
expects. All buffers are allocated here once; data frames use memoryviews cached by position.
"""

from . import sdio
from ._buf import Prefixes, Views, copy
from ._compat import const, sleep_ms, ticks_add, ticks_diff, ticks_ms
from .sdio import BLOCK, CMD53_BLOCK, CMD53_INCR, CMD53_WRITE, POLLS, BusError
from .tlv import Message, encode_request

_ENODEV = const(19)
_ETIMEDOUT = const(110)

_TX_REQ = const(0x01)  # mailbox event types (§3.1)
_RX_REQ = const(0x02)
MAX_BURST = const(16)  # commands per burst: bounds the CSA length list
_MAX_BUFFER = const(32768)  # the most a Views cache covers
_VIEW_CACHE = const(24)
_BOOT_POLL_MS = const(100)  # caller retry cadence of the init state machine (§2.8)
_RESET_PULSE_MS = const(100)

_ONE = b"\xff"
_CRC_WINDOW = b"\x00\x00\xff\xff\xff"  # CRC (disabled: zeros) + 3 clocks for the response
_FF3 = b"\xff\xff\xff"
_TOKEN_FRAME = (b"\xff\xfe", b"\xff\xfc")  # byte mode, block mode
_CSA_ZERO = b"\x00\x00\x00"
_DISCARD = const(0x100)  # _read flag: into a scratch block, the data is not kept
_CMD59_ARG = const(0x00FF0000)  # CRC off; byte 3 stays 0xFF as in the reference frame (§2.1)


def _views(buf, sizes):
    """Views of buf[:n] for each n, prepared once for the fixed-size frames."""
    mv = memoryview(buf)
    return {n: mv[:n] for n in sizes}


class SpiLink:
    """SDIO-over-SPI link: sends bursts of encoded commands, hands parsed messages upward."""

    raw_reads = False  # pushed TCP data arrives as bytes already: no reason to poll

    def __init__(self, bus, rx_buf=4096, tx_buf=2048, data_ready_ms=100):
        # rx_buf holds a length list of up to 255 words plus a 512-byte block after it.
        for name, size, least in (("rx_buf", rx_buf, 2048), ("tx_buf", tx_buf, 1024)):
            if not least <= size <= _MAX_BUFFER:
                raise ValueError("%s: %d..%d bytes" % (name, least, _MAX_BUFFER))
        self._bus = bus
        self.fault = None  # the BusError last raised (see Device._leave)
        self._data_ready_ms = data_ready_ms
        self._frame = bytearray(b"\xff" * 13)  # MOSI of command frames and packed writes
        self._resp = bytearray(13)
        sizes = (sdio.FRAME_R1, sdio.FRAME_R5, sdio.FRAME_R4, 8, 9, 10, 11)
        self._frame_tx = _views(self._frame, sizes)
        self._frame_rx = _views(self._resp, sizes)
        self._small = bytearray(7)  # token-less reads of <= 4 data bytes + CRC + 1
        self._small_rx = _views(self._small, (4, 5, 6, 7))
        self._one = bytearray(1)
        self._crc = bytearray(5)
        self._crc3 = memoryview(self._crc)[:3]
        self._word = bytearray(4)  # mailbox word, little-endian
        self._word_views = Views(self._word, 1)
        self._csa = Views(bytearray(4 * MAX_BURST), MAX_BURST)
        self._zero3 = Views(_CSA_ZERO, 1)
        self.rx = bytearray(rx_buf)
        self.tx = bytearray(tx_buf)
        self._rx_views = Views(self.rx, _VIEW_CACHE)
        self._tx_views = Views(self.tx, _VIEW_CACHE)
        # Parts shorter than a block vary in length: they pass through a scratch block, whose
        # views are one per length, so a message of a new size allocates nothing.
        self._scratch = bytearray(BLOCK)
        self._tails = Prefixes(self._scratch)
        self.msg = Message()
        self._frag_off = [0] * MAX_BURST
        self._frag_len = [0] * MAX_BURST
        self._frags = 0  # fragments in the burst being sent; 0 = idle
        self._next = 0
        self._credits = 0
        self._state = sdio.UNKNOWN

    # ---- bursts (host -> module) -------------------------------------------------------------

    def check(self, cmds):
        """Raise TypeError/ValueError if this burst cannot be encoded; nothing is sent."""
        if not 1 <= len(cmds) <= MAX_BURST:
            raise ValueError("a burst holds 1..%d commands" % MAX_BURST)
        total = i = 0
        while i < len(cmds):  # not `for`: its iterator slots would put the frame on the heap
            total += self._measure(cmds[i])
            i += 1
        if total > len(self.tx):
            raise ValueError("burst of %d bytes exceeds tx_buf" % total)

    def _measure(self, cmd):
        return encode_request(None, cmd.id, 0, cmd.params)

    @property
    def tx_busy(self):
        return self._frags != 0

    def start(self, cmds):
        """Encode a burst into the transmit buffer and announce it (§3.2)."""
        off = 0
        i = 0
        while i < len(cmds):
            off += self._encode(cmds[i], i, off)
            i += 1
        self._frags = i
        self._next = 0
        self._credits = 0
        if i == 1:
            i = self._frag_len[0] >> 2
            self._word[0] = i & 0xFF
            self._word[1] = i >> 8
            i = 1
        else:
            self._announce(i)
        self._word[2] = i
        self._word[3] = _TX_REQ
        self._target(self._word_views, 0)
        self._write(sdio.F1_HOST_GP, 4, CMD53_INCR)

    def _encode(self, cmd, i, off):
        n = encode_request(self.tx, cmd.id, cmd.seq, cmd.params, off)
        self._frag_off[i] = off
        self._frag_len[i] = n
        return n

    def _announce(self, count):
        """A burst of several: the CSA length list, then the count in the mailbox word."""
        csa = self._csa.whole
        i = 0
        while i < count:
            csa[4 * i] = (self._frag_len[i] >> 2) & 0xFF
            csa[4 * i + 1] = self._frag_len[i] >> 10
            csa[4 * i + 2] = csa[4 * i + 3] = 0
            i += 1
        self._write_reg(sdio.F0_CLOCK_WAKE, sdio.CLOCK_WAKE_MANUAL)
        self._target(self._zero3, 0)
        self._write(sdio.F0_CSA_POINTER, 3, CMD53_INCR)
        self._write_reg(sdio.F0_CLOCK_WAKE, sdio.CLOCK_WAKE_AUTO)
        self._target(self._csa, 0)
        self._write(sdio.F0_CSA_DATA, 4 * count, 0)
        self._word[0] = count
        self._word[1] = 0

    def _fault(self, exc):
        """Remember the BusError being raised: the device fails on it once the raise unwinds."""
        self.fault = exc
        return exc

    def idle(self):
        """End any frame an exception cut short (CS high), so the next one starts clean."""
        self._bus.idle()

    def abandon(self):
        """Forget the burst in flight (after a module reset)."""
        self._frags = 0
        self._credits = 0

    # ---- events (module -> host) -------------------------------------------------------------

    @property
    def has_irq(self):
        return self._bus.has_irq

    def pending(self):
        """True when INT says an event waits (always True without an INT pin: poll INT_ID)."""
        return self._bus.irq_asserted() if self._bus.has_irq else True

    def wait(self, timeout_ms):
        if self._bus.has_irq:
            self._bus.wait_irq(timeout_ms)
        else:
            sleep_ms(1 if timeout_ms > 1 else timeout_ms)

    # Hot path note: MicroPython moves a call's frame to the heap when its locals and value
    # stack pass about ten words, or when it has an except clause. The functions below keep
    # their frames small (transfer targets live in attributes, see _target) so that moving
    # data allocates nothing.

    def service(self, received, dropped):
        """Handle one mailbox event. Returns -1 if none was pending, else the work done (>= 1).

        received(msg) gets each parsed message; dropped(reason) each one that could not be used.
        """
        self._received = received
        self._dropped = dropped
        int_id = self._reg(sdio.F1_INT_ID, False, 0)
        if int_id >> 8 & 0xFE:
            raise self._fault(BusError("INT_ID read: R5 flags 0x%02x" % (int_id >> 8)))
        if not int_id & sdio.INT_MSG_FROM_ARM:
            return -1
        self._target(self._word_views, 0)
        self._read(sdio.F1_ARM_GP, 4, CMD53_INCR)
        kind = self._word[3]
        int_id = int_id & sdio.INT_ACK_TO_HOST if kind == _TX_REQ else 0
        self._write_reg(sdio.F1_INT_ID, sdio.INT_MSG_FROM_ARM | int_id)
        if kind == _TX_REQ:
            return self._send_fragments()
        if kind == _RX_REQ:
            return self._receive()
        dropped("mailbox event type 0x%02x" % kind)
        return 1

    def _send_fragments(self):
        word = self._word  # TX_REQ: credits in byte 2, a non-zero length in bytes 0-1
        if not self._frags:
            self._dropped("TX_REQ with no burst announced")
            return 1
        if word[2] == 0 or (word[0] | word[1]) == 0:
            raise self._fault(BusError("TX_REQ granting nothing"))
        self._credits = word[2]
        while self._credits and self._next < self._frags:
            i = self._next
            self._target(self._tx_views, self._frag_off[i])
            self._write(sdio.F1_DATA, self._frag_len[i], 0)
            self._next = i + 1
            self._credits -= 1
        if self._next == self._frags:
            self._frags = 0
        return 1

    def _receive(self):
        count = self._word[2]
        if count == 0:
            self._dropped("RX_REQ with no messages")
            return 1
        self._limit = len(self.rx)  # room for one message, read to the start of rx
        if count > 1:
            # The length list first (§3.4). It goes to the end of rx, so every message lands
            # at offset 0 and the block views stay the same from one event to the next.
            self._limit -= 4 * count
            self._target(self._rx_views, self._limit)
            self._read(sdio.F1_DATA, 4 * count, 0)
        i = 0
        while i < count:
            self._receive_one(self._size(i, count))
            i += 1
        return count

    def _size(self, i, count):
        """Bytes of message i: the mailbox length for one, else its entry in the length list."""
        if count == 1:
            return (self._word[0] | self._word[1] << 8) << 2
        rx = self.rx
        i = self._limit + 4 * i
        if rx[i + 2] or rx[i + 3]:
            return self._limit + 4  # absurd length: drain as oversize
        return (rx[i] | rx[i + 1] << 8) << 2

    def _receive_one(self, size):
        self._target(self._rx_views, 0)
        if size > self._limit:
            # The reference host abandons the event and leaves the module stuck; reading
            # the message into a scratch block keeps the link in step.
            self._read(sdio.F1_DATA, size, _DISCARD)
            self._dropped("message of %d bytes exceeds rx_buf" % size)
            return
        self._read(sdio.F1_DATA, size, 0)
        reason = self.msg.load(self.rx, size, 0)
        if reason is None:
            self._received(self.msg)
        else:
            self._dropped(reason)

    # ---- initialisation (§2.8) ---------------------------------------------------------------

    def init(self, timeout_ms=10000):
        """Reset the module (if a reset line exists) and run the SDIO handshake to completion."""
        bus = self._bus
        self.abandon()
        if bus.has_reset:
            bus.set_reset(0)
            sleep_ms(_RESET_PULSE_MS)
            bus.set_reset(1)
        self._state = sdio.UNKNOWN
        deadline = ticks_add(ticks_ms(), timeout_ms)
        while True:
            status = self.init_step()
            if status == sdio.OK:
                return
            if status == sdio.OP_FAILED:
                self._state = sdio.UNKNOWN  # the reference callers retry from scratch
            elif status == sdio.RESET_FAILED:
                raise self._fault(BusError("no SDIO card answers CMD0: check wiring and power",
                                           _ENODEV))
            elif status < 0:
                raise self._fault(BusError("SDIO init failed (status %d)" % status))
            if ticks_diff(deadline, ticks_ms()) <= 0:
                raise self._fault(BusError("module not ready after %d ms" % timeout_ms, _ETIMEDOUT))
            sleep_ms(_BOOT_POLL_MS)

    def init_step(self):
        """Advance the init state machine as far as possible; returns an sdio status."""
        state = self._state
        if state == sdio.UNKNOWN:
            r5 = self._reg(sdio.F0_ABORT, False, 0)
            if r5 >> 8 == sdio.R1_IDLE:
                r5 = self._reg(sdio.F0_ABORT, True, (r5 & 0xFF) | sdio.ABORT_RES)
                if r5 >> 8 != sdio.R1_IDLE:
                    self._state = sdio.ERROR
                    return sdio.ABORT_FAILED
            state = sdio.RESETTING
        if state == sdio.RESETTING:
            r1 = self._command(sdio.CMD0, 0, sdio.FRAME_R1)
            if r1 == 0x00 or r1 == 0xFF:  # MISO low or idle: still booting
                self._state = sdio.RESETTING
                return sdio.RESET_WAITING
            if r1 != sdio.R1_IDLE:
                self._state = sdio.ERROR
                return sdio.RESET_FAILED
            state = sdio.SEND_OP
        if state == sdio.SEND_OP:
            if self._command(sdio.CMD5, 0, sdio.FRAME_R4) != sdio.R1_IDLE:
                self._state = sdio.ERROR
                return sdio.OP_FAILED
            state = sdio.WAIT_OP
        if state == sdio.WAIT_OP:
            r1 = self._command(sdio.CMD5, sdio.OCR_VOLTAGE, sdio.FRAME_R4)
            if r1 & 0xFE:
                self._state = sdio.ERROR
                return sdio.OP_FAILED
            if not self._resp[9] & sdio.OCR_READY:
                self._state = sdio.WAIT_OP
                return sdio.OP_WAITING
        self._state = sdio.ERROR  # from here on any failure is terminal
        if self._command(sdio.CMD59, _CMD59_ARG, sdio.FRAME_R1) != sdio.R1_OK:
            return sdio.CFG_FAILED
        for reg, value in sdio.CONFIG_WRITES:
            if self._reg(reg, True, value) >> 8:
                return sdio.CFG_FAILED
        for reg, bits in sdio.CONFIG_CHECKS:
            r5 = self._reg(reg, False, 0)
            if r5 >> 8 or r5 & bits != bits:
                return sdio.CFG_FAILED
        self._state = sdio.RUNNING
        return sdio.OK

    # ---- SDIO transactions -------------------------------------------------------------------

    def _command(self, index, arg, size):
        """CMD0/5/59: one frame; returns R1 (CMD5 leaves the OCR in _resp[9:13])."""
        sdio.command(self._frame, index, arg)
        self._bus.transfer(self._frame_tx[size], self._frame_rx[size])
        return self._resp[sdio.RESPONSE]

    def _reg(self, fn_reg, write, value):
        """CMD52 on one register; returns R5 as flags << 8 | data."""
        sdio.cmd52(self._frame, fn_reg, write, value)
        self._bus.transfer(self._frame_tx[sdio.FRAME_R5], self._frame_rx[sdio.FRAME_R5])
        return self._resp[8] << 8 | self._resp[9]

    def _read_reg(self, fn_reg):
        r5 = self._reg(fn_reg, False, 0)
        if r5 >> 8:
            raise self._fault(BusError("CMD52 read 0x%08x: R5 flags 0x%02x" % (fn_reg, r5 >> 8)))
        return r5 & 0xFF

    def _write_reg(self, fn_reg, value):
        r5 = self._reg(fn_reg, True, value)
        if r5 >> 8:
            raise self._fault(BusError("CMD52 write 0x%08x: R5 flags 0x%02x" % (fn_reg, r5 >> 8)))

    def _cmd53(self, fn_reg, flags, count):
        sdio.cmd53(self._frame, fn_reg, flags, count)
        self._bus.transfer(self._frame_tx[sdio.FRAME_R5], self._frame_rx[sdio.FRAME_R5])
        if self._resp[8] or self._resp[9]:
            raise self._r5_error(fn_reg)

    def _r5_error(self, fn_reg):
        return self._fault(BusError("CMD53 0x%08x: R5 0x%02x%02x" % (
            fn_reg, self._resp[8], self._resp[9])))

    def _target(self, views, off):
        """Where the next _read/_write moves data: the buffer of views, from off."""
        self._t_views = views
        self._t_off = off

    def _view(self, n):
        """The target's next n bytes (a view made once per position: steady state allocates
        nothing)."""
        return self._t_views.get(self._t_off, n)

    def _blocks(self, fn_reg, n, flags):
        """Issue one CMD53 for n bytes: whole blocks (up to 511) or, under a block, n bytes.

        Returns the block size used; the count of blocks is left in self._count and the mode
        in self._block_mode (it selects the data token of a write)."""
        self._block_mode = n > BLOCK
        if n > BLOCK:
            self._count = min(n // BLOCK, 511)
            self._cmd53(fn_reg, flags & (CMD53_WRITE | CMD53_INCR) | CMD53_BLOCK, self._count)
            return BLOCK
        self._count = 1
        self._cmd53(fn_reg, flags & (CMD53_WRITE | CMD53_INCR), n & 0x1FF)
        return n

    def _write(self, fn_reg, n, flags):
        """CMD53 write of n target bytes: byte mode up to 512, else blocks plus a rest (§2.4)."""
        while n:
            size = self._blocks(fn_reg, n, flags | CMD53_WRITE)
            while self._count:
                self._write_block(size)
                self._t_off += size
                n -= size
                if flags & CMD53_INCR:
                    fn_reg += size
                self._count -= 1

    def _write_block(self, n):
        if n <= 4:
            self._write_packed(self._view(n), n)
        else:
            self._bus.write(_TOKEN_FRAME[self._block_mode])
            self._bus.write(self._view(n) if n == BLOCK else self._tail_out(n))
            self._bus.transfer(_CRC_WINDOW, self._crc)
            self._written(self._crc[2], self._crc[4])

    def _write_packed(self, data, n):
        # Packed path: token, data and CRC in one frame that reuses the command buffer;
        # its 3 trailing bytes are leftovers of the CMD53 frame, exactly as the reference.
        frame = self._frame
        frame[1] = sdio.TOKEN_BYTE
        frame[2 : 2 + n] = data
        frame[2 + n] = frame[3 + n] = 0
        rx = self._frame_rx[7 + n]
        self._bus.transfer(self._frame_tx[7 + n], rx)
        frame[7] = 0xFF  # n = 4 wrote its CRC over an idle byte of the command frame
        self._written(rx[4 + n], rx[6 + n])

    def _written(self, token, busy):
        polls = POLLS
        while not busy:
            if not polls:
                raise self._fault(BusError("module busy after a write"))
            self._bus.read(self._one)
            busy = self._one[0]
            polls -= 1
        if token & 0x1F != sdio.ACCEPTED:
            raise self._fault(BusError("write rejected: data response 0x%02x" % token))

    def _read(self, fn_reg, n, flags):
        """CMD53 read of n bytes into the target; data-port reads wait for DATA_RDY (§2.6)."""
        while n:
            if fn_reg == sdio.F1_DATA:
                self._await_data_ready()
            size = self._blocks(fn_reg, n, flags)
            self._after = 0xFF  # the byte that followed the previous block's CRC
            while self._count:
                self._read_block(size)
                n -= size
                if not flags & _DISCARD:
                    self._t_off += size
                if flags & CMD53_INCR:
                    fn_reg += size
                self._count -= 1

    def _read_block(self, n):
        byte = self._after
        polls = POLLS
        while byte == 0 and polls:
            self._bus.read(self._one)
            byte = self._one[0]
            polls -= 1
        if polls:
            polls = POLLS
            while byte & 1 and polls:
                self._bus.read(self._one)
                byte = self._one[0]
                polls -= 1
        if not polls or byte != sdio.TOKEN_BYTE:
            raise self._fault(BusError("no read token (got 0x%02x)" % byte))
        if n <= 4:
            self._bus.read(self._small_rx[3 + n])
            self._copy_small(self._view(n), n)
            self._after = self._small[2 + n]
            return
        if n == BLOCK:
            self._bus.read(self._view(n))
        else:
            self._tail_in(n)
        self._bus.transfer(_FF3, self._crc3)
        self._after = self._crc[2]

    def _tail_out(self, n):
        """The target's next n (< 512) bytes, copied to the scratch block."""
        copy(self._scratch, self._t_views.whole, self._t_off, n)
        return self._tails.get(n)

    def _tail_in(self, n):
        """Read n (< 512) bytes through the scratch block into the target."""
        tail = self._tails.get(n)
        self._bus.read(tail)
        self._t_views.whole[self._t_off : self._t_off + n] = tail

    def _copy_small(self, view, n):
        small = self._small  # byte by byte: a slice assignment would allocate its slice
        while n:
            n -= 1
            view[n] = small[n]

    def _await_data_ready(self):
        deadline = ticks_add(ticks_ms(), self._data_ready_ms)
        while not self._read_reg(sdio.F1_INT_ID) & sdio.INT_DATA_RDY:
            if ticks_diff(deadline, ticks_ms()) <= 0:
                raise self._fault(BusError("DATA_RDY not set within %d ms" % self._data_ready_ms,
                                           _ETIMEDOUT))
        self._write_reg(sdio.F1_INT_ID, sdio.INT_DATA_RDY)
