"""Emulator tests' counterparty: a minimal SDIO-over-SPI host written from spec §2-§3.

It is not the driver (the emulator tests must not lean on the code under test elsewhere); it
builds the reference host's frames and applies its acceptance rules, with bounded polls.
"""

import struct

from wincsim import codec

CMD0 = bytes.fromhex("FF 40 00 00 00 00 95 FF FF")
CMD5_QUERY = bytes.fromhex("FF 45 00 00 00 00 01 FF FF FF FF FF FF")
CMD5_INIT = bytes.fromhex("FF 45 00 20 00 00 01 FF FF FF FF FF FF")
CMD59 = bytes.fromhex("FF 7B 00 FF 00 00 01 FF FF")
INIT_WRITES = ((0, 0x110, 0x00), (0, 0x111, 0x02), (0, 0x100, 0x80), (0, 0x010, 0x00),
               (0, 0x011, 0x02), (0, 0x002, 0x02), (0, 0x007, 0x20), (0, 0x004, 0x03),
               (0, 0x18000, 0x01), (1, 0x009, 0x04))
INT_ID, ARM_GP, SD_HOST_GP = 0x008, 0x028, 0x024
TX_REQ, RX_REQ = 1, 2
_POLLS = 100  # the reference host's limit for token and busy polls


def unhex(text):
    return bytes.fromhex(text.replace("|", " ").replace(" ", ""))


class HostError(Exception):
    pass


def cmd52(fn, addr, value=None):
    arg = (value is not None) << 31 | fn << 28 | addr << 9 | (value or 0)
    return b"\xff\x74" + arg.to_bytes(4, "big") + b"\x01" + b"\xff" * 4


def cmd53(write, fn, addr, count, block=False, incr=True):
    arg = write << 31 | fn << 28 | block << 27 | incr << 26 | addr << 9 | (count & 0x1FF)
    return b"\xff\x75" + arg.to_bytes(4, "big") + b"\x01" + b"\xff" * 4


class Host:
    """Drives an emulator's spi/cs faces one CS frame per call, as the reference host does."""

    def __init__(self, emu):
        self.emu = emu
        self.inbox = []  # decoded messages received, in order

    def frame(self, mosi):
        mosi = unhex(mosi) if isinstance(mosi, str) else bytes(mosi)
        miso = bytearray(len(mosi))
        self.emu.cs.value(0)
        self.emu.spi.write_readinto(mosi, miso)
        self.emu.cs.value(1)
        return bytes(miso)

    # -- SDIO transactions (§2.5, §2.6) --------------------------------------------------------

    def cmd52(self, fn, addr, value=None, flags=0x00):
        miso = self.frame(cmd52(fn, addr, value))
        if miso[8] != flags:
            raise HostError("CMD52 flags 0x%02x" % miso[8])
        return miso[9]

    def write(self, fn, addr, data, incr=True):
        data = bytes(data)
        blocks, rest = divmod(len(data), 512) if len(data) > 512 else (0, len(data))
        if blocks:
            self._cmd53(cmd53(1, fn, addr, blocks, block=True, incr=incr))
            for i in range(blocks):
                self._write_block(data[512 * i:512 * (i + 1)], 0xFC)
            addr += 512 * blocks if incr else 0
        if rest:
            self._cmd53(cmd53(1, fn, addr, rest, incr=incr))
            self._write_block(data[512 * blocks:], 0xFE)

    def _cmd53(self, frame):
        miso = self.frame(frame)
        if miso[8:10] != b"\x00\x00":
            raise HostError("CMD53 R5 %s" % miso[8:10].hex())

    def _write_block(self, block, token):
        n = len(block)
        if n <= 4:  # packed path: the command buffer's leftovers trail the CRC
            junk = {4: b"\xff\xff\xff", 3: b"\xff\xff\xff", 2: b"\x01\xff\xff",
                    1: b"\x01\x01\xff"}[n]
            miso = self.frame(b"\xff" + bytes([token]) + block + b"\x00\x00" + junk)
            response, busy = miso[4 + n], miso[6 + n]
        else:
            self.frame(b"\xff" + bytes([token]))
            self.frame(block)
            miso = self.frame(b"\x00\x00\xff\xff\xff")
            response, busy = miso[2], miso[4]
        for _ in range(_POLLS):
            if busy:
                break
            busy = self.frame(b"\xff")[0]
        else:
            raise HostError("write busy")
        if response & 0x1F != 0x05:
            raise HostError("data response 0x%02x" % response)

    def read(self, fn, addr, n, incr=True):
        out = b""
        blocks, rest = divmod(n, 512) if n > 512 else (0, n)
        if blocks:
            out += self._read_command(cmd53(0, fn, addr, blocks, block=True, incr=incr),
                                      fn, addr, [512] * blocks)
            addr += 512 * blocks if incr else 0
        if rest:
            out += self._read_command(cmd53(0, fn, addr, rest, incr=incr), fn, addr, [rest])
        return out

    def _read_command(self, frame, fn, addr, sizes):
        if (fn, addr) == (1, 0):
            self.wait_data_ready()
        self._cmd53(frame)
        out, after = b"", 0xFF
        for size in sizes:
            for _ in range(_POLLS):
                if after:
                    break
                after = self.frame(b"\xff")[0]
            for _ in range(_POLLS):
                token = self.frame(b"\xff")[0]
                if not token & 1:
                    break
            if token != 0xFE:
                raise HostError("read token 0x%02x" % token)
            if size <= 4:
                miso = self.frame(b"\xff" * (3 + size))
                out += miso[:size]
            else:
                out += self.frame(b"\xff" * size)
                miso = self.frame(b"\xff\xff\xff")
            after = miso[-1]
        return out

    def wait_data_ready(self, polls=_POLLS):
        for _ in range(polls):
            if self.cmd52(1, INT_ID) & 0x01:
                self.cmd52(1, INT_ID, 0x01)
                return
        raise HostError("DATA_RDY never set")

    # -- init and mailbox (§2.8, §3) -----------------------------------------------------------

    def init(self):
        """§10.1 rows 3-19; the module must have booted."""
        if self.frame(CMD0)[8] != 0x01:
            raise HostError("CMD0")
        if self.frame(CMD5_QUERY)[8] != 0x01:
            raise HostError("CMD5 query")
        for _ in range(_POLLS):
            miso = self.frame(CMD5_INIT)
            if miso[8] & 0xFE:
                raise HostError("CMD5 0x%02x" % miso[8])
            if miso[9] & 0x80:
                break
        else:
            raise HostError("OCR never ready")
        if self.frame(CMD59)[8] != 0x00:
            raise HostError("CMD59")
        for fn, addr, value in INIT_WRITES:
            self.cmd52(fn, addr, value)
        for addr, bits in ((0x100, 0x80), (0x003, 0x02), (0x004, 0x03)):
            if self.cmd52(0, addr) & bits != bits:
                raise HostError("register 0x%03x" % addr)

    def announce(self, requests):
        sizes = [len(r) // 4 for r in requests]
        if len(sizes) == 1:
            word = 1 << 24 | 1 << 16 | sizes[0]
        else:
            self.cmd52(0, 0x18000, 0x02)
            self.write(0, 0x10C, b"\x00\x00\x00")
            self.cmd52(0, 0x18000, 0x01)
            self.write(0, 0x10F, struct.pack("<%dI" % len(sizes), *sizes), incr=False)
            word = 1 << 24 | len(sizes) << 16 | len(sizes)
        self.write(1, SD_HOST_GP, struct.pack("<I", word))

    def event(self):
        """HandleEvent (§3.3): None if no MSG_FROM_ARM, else (type, number, length)."""
        int_id = self.cmd52(1, INT_ID)
        if not int_id & 0x04:
            return None
        word = struct.unpack("<I", self.read(1, ARM_GP, 4))[0]
        kind, number, length = word >> 24, word >> 16 & 0xFF, word & 0xFFFF
        if kind == TX_REQ and not int_id & 0x08:
            raise HostError("TX_REQ without ACK_TO_HOST")
        self.cmd52(1, INT_ID, 0x04 | (int_id & 0x08))
        return kind, number, length

    def receive(self, number, length):
        """Read an RX_REQ's messages; returns them raw and adds them, decoded, to the inbox."""
        sizes = [length] if number == 1 else list(struct.unpack(
            "<%dI" % number, self.read(1, 0, 4 * number, incr=False)))
        raw = [self.read(1, 0, 4 * words, incr=False) for words in sizes]
        for message in raw:
            try:
                self.inbox.append(codec.decode(message))
            except codec.CodecError:
                self.inbox.append(message)  # kept raw: a test injected it malformed
        return raw

    def send(self, requests, credits_events=None):
        """Announce and transmit one burst; RX events met on the way are received."""
        self.announce(requests)
        pending = list(requests)
        for _ in range(_POLLS):
            if not pending:
                return
            event = self.event()
            if event is None:
                raise HostError("no event while %d commands wait" % len(pending))
            kind, number, length = event
            if credits_events is not None:
                credits_events.append(event)
            if kind == RX_REQ:
                self.receive(number, length)
                continue
            if number == 0 or length == 0:
                raise HostError("TX_REQ %r" % (event,))
            for request in pending[:number]:
                self.write(1, 0, request, incr=False)
            del pending[:number]
        raise HostError("burst never completed")

    def drain(self, limit=_POLLS):
        """Service events until INTOUT is released; returns the events seen."""
        events = []
        for _ in range(limit):
            if self.emu.irq.value():
                return events
            event = self.event()
            if event is None:
                return events
            events.append(event)
            if event[0] == RX_REQ:
                self.receive(event[1], event[2])
        raise HostError("INTOUT never released")

    def call(self, cmd_id, seq, *elements):
        """One command round trip: (RSP element value lists, STATUS code)."""
        before = len(self.inbox)
        self.send([codec.encode_request(cmd_id, seq, elements)])
        for _ in range(_POLLS):
            got = [m for m in self.inbox[before:] if m.kind == 1 and m.seq == seq]
            if got:
                rsps = [m.values() for m in self.inbox[before:] if m.kind == 2 and m.seq == seq]
                return rsps, got[0].status
            self.drain()
        raise HostError("no STATUS for seq %d" % seq)
