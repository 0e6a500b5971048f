"""Heap bytes winc allocates under MicroPython, with the emulator client's own share taken out.

A board's machine.SPI and Pin allocate nothing; the emulator client (wincsim.remote) does, for
its socket traffic. Wrapping its bus and pins in these meters keeps that share apart, so what a
test or the benchmark sees is winc's alone. MicroPython only (micropython.mem_total).
"""

from micropython import mem_total

CLIENT = [0]  # bytes allocated inside the emulator client's bus and pin calls


class MeteredSpi:
    def __init__(self, spi):
        self._spi = spi

    def write_readinto(self, tx, rx):
        before = mem_total()
        self._spi.write_readinto(tx, rx)
        CLIENT[0] += mem_total() - before

    def write(self, tx):
        before = mem_total()
        self._spi.write(tx)
        CLIENT[0] += mem_total() - before

    def readinto(self, rx, value=0xFF):
        before = mem_total()
        self._spi.readinto(rx, value)
        CLIENT[0] += mem_total() - before


class MeteredPin:
    IRQ_FALLING = 2

    def __init__(self, pin):
        self._pin = pin

    def value(self, level=None):
        before = mem_total()
        result = self._pin.value(level)
        CLIENT[0] += mem_total() - before
        return result

    def wait(self, timeout_ms):
        before = mem_total()
        result = self._pin.wait(timeout_ms)
        CLIENT[0] += mem_total() - before
        return result

    def irq(self, handler=None, trigger=2):
        return self._pin.irq(handler, trigger)


class Meter:
    """Heap bytes winc allocates between start() and stop(), less first-use tail views."""

    def __init__(self, dev):
        self._tails = dev._link._tails
        self.bytes = self.views = 0
        self._total = self._client = self._made = 0  # all attributes now: none added later
        buf = memoryview(bytearray(8))
        before = mem_total()
        view = buf[:4]
        self.view_bytes = (mem_total() - before) if view else 0

    def start(self):
        self._client = CLIENT[0]
        self._made = self._tails.made
        self._total = mem_total()  # last: nothing above counts

    def stop(self):
        spent = mem_total() - self._total - (CLIENT[0] - self._client)
        made = self._tails.made - self._made
        self.views += made
        self.bytes += spent - made * self.view_bytes


def metered_device(emu, **options):
    import winc

    return winc.WINCS02(MeteredSpi(emu.spi), MeteredPin(emu.cs), emu.reset,
                        MeteredPin(emu.irq), **options)
