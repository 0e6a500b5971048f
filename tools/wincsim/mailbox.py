"""emulator: SDIO function 1 and the mailbox layer (spec §3): announced bursts in, messages out.

Registers INT_ID, the FN1 interrupt enable and the two mailboxes live here; the data port is a
FIFO in each direction. One mailbox event (TX_REQ or RX_REQ) is raised at a time.
"""

import struct
from collections import deque

# Function 1 registers (§2.7).
INT_ID = 0x008
FN1_INT_ENABLE = 0x009
SD_HOST_GP = 0x024  # host -> device word, 0x024..0x027, little-endian
ARM_GP = 0x028  # device -> host word, 0x028..0x02B, little-endian

# INT_ID bits (§2.7).
DATA_RDY = 0x01
MSG_FROM_ARM = 0x04
ACK_TO_HOST = 0x08

# Mailbox event types (§3.1).
TX_REQ = 1
RX_REQ = 2

_MAX_NUMBER = 255  # the mailbox `number` field is 8 bits
_MAX_WORDS = 0xFFFF  # the mailbox `length` field is 16 bits


class Mailbox:
    """The device side of §3: accepts announced commands, queues and delivers messages."""

    def __init__(self, csa_list, execute, tx_credits=0, rx_batch=4, rx_limit=2048,
                 faults=None, on_error=None):
        self._csa_list = csa_list  # (n bytes) -> the length list the host wrote through CSA
        self._execute = execute  # (request bytes) -> None; called as each command completes
        self.tx_credits = tx_credits
        self.rx_batch = rx_batch
        self.rx_limit = rx_limit
        self._faults = faults
        self._on_error = on_error or (lambda text: None)
        self.power_off()

    # -- power and reset ---------------------------------------------------------------------

    def power_off(self):
        """Everything lost, the interrupt enable too (MCLR, or a reset that drops SDIO)."""
        self._registers = {}
        self.int_enable = 0
        self.reset()

    def reset(self):
        """Firmware restart with SDIO kept: queues, pending events and INT_ID dropped."""
        self._host_gp = bytearray(4)
        self._arm_gp = bytearray(4)
        self._int = 0
        self._announced = deque()  # command sizes (words) announced and not yet granted
        self._granted = deque()  # sizes granted by the current TX_REQ, not yet received
        self._fragment = bytearray()
        self._outbox = deque()  # (message, on_read) not yet offered to the host
        self._fifo = b""
        self._fifo_pos = 0
        self._fifo_marks = deque()  # (FIFO offset, callback) run once the host read that far
        self._event = None
        self._last_event = TX_REQ  # so that a tie first goes to the messages

    def io_reset(self):
        # [INFERRED] RES resets function 1's interrupt enable; queued messages and bursts stay.
        self.int_enable = 0

    # -- what the model reads ----------------------------------------------------------------

    @property
    def int_pending(self):
        """MSG_FROM_ARM is set and function 1 has it enabled: INTOUT, CCCR permitting."""
        return bool(self._int & MSG_FROM_ARM and self.int_enable & MSG_FROM_ARM)

    def snapshot(self):
        """Counts for diagnostics and tests."""
        return {"event": self._event, "int_id": self.read_register(INT_ID),
                "announced": len(self._announced), "granted": len(self._granted),
                "outbox": len(self._outbox), "fifo": len(self._fifo) - self._fifo_pos}

    def post(self, message, on_read=None):
        """Queue one outbound message (a multiple of 4 bytes); on_read runs once it was read."""
        self._outbox.append((message, on_read))

    # -- function 1 register file ------------------------------------------------------------

    def read_register(self, addr):
        if addr == INT_ID:
            stuck = self._faults is not None and self._faults.take("data_rdy_stuck")
            ready = self._fifo_pos < len(self._fifo) and not stuck
            return self._int | (DATA_RDY if ready else 0)
        if addr == FN1_INT_ENABLE:
            return self.int_enable
        if SD_HOST_GP <= addr < SD_HOST_GP + 4:
            return self._host_gp[addr - SD_HOST_GP]
        if ARM_GP <= addr < ARM_GP + 4:
            return self._arm_gp[addr - ARM_GP]
        return self._registers.get(addr, 0)

    def write_register(self, addr, value):
        if addr == INT_ID:
            # Write 1 to clear. DATA_RDY follows the FIFO, so clearing it changes nothing (§3.5).
            self._int &= ~value
        elif addr == FN1_INT_ENABLE:
            self.int_enable = value
        elif SD_HOST_GP <= addr < SD_HOST_GP + 4:
            self._host_gp[addr - SD_HOST_GP] = value
            if addr == SD_HOST_GP + 3:  # [INFERRED] latched when its top (type) byte, written
                self._announce()  # last by the host's incrementing CMD53, arrives
        elif ARM_GP <= addr < ARM_GP + 4:
            self._on_error("host wrote the read-only ARM_GP mailbox")
        else:
            self._registers[addr] = value

    # -- host -> device ----------------------------------------------------------------------

    def _announce(self):
        word = int.from_bytes(self._host_gp, "little")
        kind, number, length = word >> 24, word >> 16 & 0xFF, word & 0xFFFF
        if kind != TX_REQ or number == 0:
            self._on_error("SD_HOST_GP word 0x%08x is not a request announcement" % word)
            return
        if number == 1:
            sizes = [length]
        else:
            if length != number:
                self._on_error("announcement of %d commands gives length %d" % (number, length))
            sizes = list(struct.unpack("<%dI" % number, self._csa_list(4 * number)))
        if not all(2 <= size <= _MAX_WORDS for size in sizes):
            self._on_error("announced command sizes %r (words) are impossible" % (sizes,))
            return
        self._announced.extend(sizes)

    def write_fifo(self, data):
        """Bytes the host wrote to the data port: the granted command fragments, in order.

        [INFERRED] Fragments are cut at the announced sizes, not at CMD53 boundaries: a command
        over 512 bytes arrives as a block-mode CMD53 plus a remainder CMD53 (§2.4).
        """
        if not self._granted:
            self._on_error("%d bytes written to the data port without a TX_REQ grant" % len(data))
            return
        self._fragment += data
        while self._granted and len(self._fragment) >= 4 * self._granted[0]:
            size = 4 * self._granted.popleft()
            request = bytes(self._fragment[:size])
            del self._fragment[:size]
            self._execute(request)
        if self._fragment and not self._granted:
            self._on_error("%d bytes beyond the granted fragments dropped" % len(self._fragment))
            self._fragment = bytearray()

    # -- device -> host ----------------------------------------------------------------------

    def read_fifo(self, n):
        """Bytes for a host read of the data port; callbacks of fully read messages run."""
        start = self._fifo_pos
        data = self._fifo[start:start + n]
        self._fifo_pos += len(data)
        if len(data) < n:
            self._on_error("host read %d bytes from the data port, %d were waiting" % (
                n, len(data)))
            data += bytes(n - len(data))  # [INFERRED] an over-read gets zeros
        while self._fifo_marks and self._fifo_marks[0][0] <= self._fifo_pos:
            self._fifo_marks.popleft()[1]()
        if self._fifo_pos == len(self._fifo):
            self._fifo, self._fifo_pos = b"", 0
        return data

    # -- events ------------------------------------------------------------------------------

    def update(self, allowed):
        """Retire a finished event, then raise the next one if `allowed` and anything waits."""
        if self._event is not None:
            unfinished = self._granted if self._event == TX_REQ else self._fifo
            if self._int & MSG_FROM_ARM or unfinished:
                return
            self._event = None
        if not allowed:
            return
        want_tx, want_rx = bool(self._announced), bool(self._outbox)
        # Alternate when both wait, so neither direction starves the other (§3.5).
        if want_tx and (not want_rx or self._last_event == RX_REQ):
            self._raise_tx()
        elif want_rx:
            self._raise_rx()

    def _raise_tx(self):
        limit = min(self.tx_credits or _MAX_NUMBER, _MAX_NUMBER)
        sizes = []
        while self._announced and len(sizes) < limit:
            if sizes and sum(sizes) + self._announced[0] > _MAX_WORDS:
                break
            sizes.append(self._announced.popleft())
        self._granted.extend(sizes)
        # [INFERRED] length = total words granted; the host checks only that it is non-zero.
        self._set_event(TX_REQ, len(sizes), sum(sizes), MSG_FROM_ARM | ACK_TO_HOST)

    def _raise_rx(self):
        batch, total = [], 0
        while self._outbox and len(batch) < min(self.rx_batch, _MAX_NUMBER):
            size = len(self._outbox[0][0])
            listed = 4 * (len(batch) + 1)
            if batch and listed + total + size > self.rx_limit:
                break  # a message bigger than rx_limit still goes, alone
            batch.append(self._outbox.popleft())
            total += size
        if len(batch) == 1:
            words = len(batch[0][0]) // 4
            if words > _MAX_WORDS:
                self._on_error("message of %d bytes cannot be announced; dropped" % total)
                return
            head, length = b"", words
        else:
            head = struct.pack("<%dI" % len(batch), *(len(m) // 4 for m, _ in batch))
            length = len(batch)
        offset = len(head)
        for message, on_read in batch:
            offset += len(message)
            if on_read is not None:
                self._fifo_marks.append((offset, on_read))
        self._fifo = head + b"".join(m for m, _ in batch)
        self._fifo_pos = 0
        self._set_event(RX_REQ, len(batch), length, MSG_FROM_ARM)

    def _set_event(self, kind, number, length, bits):
        self._arm_gp[:] = struct.pack("<I", kind << 24 | number << 16 | length)
        self._int |= bits
        self._event = self._last_event = kind
