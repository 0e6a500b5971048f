"""bus: one CS frame per call over machine.SPI/Pin, busio + adafruit_bus_device, or look-alikes.

The SPI link needs four things from a bus: full-duplex, write-only and read-only frames (CS low
for exactly one call, idle MOSI 0xFF), the reset line, and the INT line (level, wait, edge hook).
"""

from ._compat import sleep_ms, ticks_add, ticks_diff, ticks_ms


def _require(obj, name, methods):
    for method in methods:
        if not callable(getattr(obj, method, None)):
            raise TypeError("%s: needs a %s() method" % (name, method))


class MachineBus:
    """machine.SPI + machine.Pin (MicroPython), or plain objects with the same methods."""

    def __init__(self, spi, cs, reset=None, irq=None):
        _require(spi, "spi", ("write_readinto", "write", "readinto"))
        _require(cs, "cs", ("value",))
        if reset is not None:
            _require(reset, "reset", ("value",))
        if irq is not None:
            _require(irq, "irq", ("value",))
        self._spi = spi
        self._cs = cs.value  # bound once: called twice per frame
        self._reset = reset
        self._irq = irq
        self._irq_value = irq.value if irq is not None else None
        # A pin that can wait for itself (the emulator's) beats polling the level.
        self._irq_wait = getattr(irq, "wait", None)
        self.has_irq = irq is not None
        self.has_reset = reset is not None
        self._cs(1)

    # No try/finally in the frame methods: in MicroPython it moves the call's frame to the heap
    # (an allocation per frame). Device raises CS with idle() when an exception cuts a frame.
    def transfer(self, tx, rx):
        self._cs(0)
        self._spi.write_readinto(tx, rx)
        self._cs(1)

    def write(self, tx):
        self._cs(0)
        self._spi.write(tx)
        self._cs(1)

    def read(self, rx):
        self._cs(0)
        self._spi.readinto(rx, 0xFF)
        self._cs(1)

    def idle(self):
        self._cs(1)

    def set_reset(self, level):
        self._reset.value(level)

    def irq_asserted(self):
        return not self._irq_value()

    def wait_irq(self, timeout_ms):
        """Wait until INT is asserted or timeout_ms passes; True if asserted."""
        if self._irq_wait is not None:
            return self._irq_wait(timeout_ms)
        return _poll_level(self.irq_asserted, timeout_ms)

    def on_irq(self, handler):
        """Call handler(pin) on each falling edge of INT, where the port has pin interrupts."""
        pin = self._irq
        if pin is not None and callable(getattr(pin, "irq", None)):
            pin.irq(handler=handler, trigger=pin.IRQ_FALLING)
            return True
        return False


class BusioBus:
    """busio.SPI through adafruit_bus_device.SPIDevice, pins through digitalio (CircuitPython)."""

    def __init__(self, spi, cs, reset=None, irq=None, baudrate=8000000):
        from adafruit_bus_device.spi_device import SPIDevice
        from digitalio import DigitalInOut, Pull

        _require(spi, "spi", ("try_lock", "write_readinto", "write", "readinto"))
        self._dev = SPIDevice(spi, _digital(DigitalInOut, cs), baudrate=baudrate)
        self._reset = None
        if reset is not None:
            self._reset = _digital(DigitalInOut, reset)
            self._reset.switch_to_output(value=True)
        self._irq = None
        if irq is not None:
            self._irq = _digital(DigitalInOut, irq)
            self._irq.switch_to_input(pull=Pull.UP)
        self.has_irq = irq is not None
        self.has_reset = reset is not None

    def transfer(self, tx, rx):
        with self._dev as spi:
            spi.write_readinto(tx, rx)

    def write(self, tx):
        with self._dev as spi:
            spi.write(tx)

    def read(self, rx):
        with self._dev as spi:
            spi.readinto(rx, write_value=0xFF)

    def idle(self):
        pass  # SPIDevice raises CS itself when a transfer fails

    def set_reset(self, level):
        self._reset.value = bool(level)

    def irq_asserted(self):
        return not self._irq.value

    def wait_irq(self, timeout_ms):
        return _poll_level(self.irq_asserted, timeout_ms)

    def on_irq(self, handler):
        return False  # CircuitPython has no pin interrupts: the pump checks the level


def _digital(dio_class, pin):
    """A digitalio.DigitalInOut for a board pin, or the DigitalInOut the caller made."""
    if callable(getattr(pin, "switch_to_output", None)):
        return pin
    return dio_class(pin)


def _poll_level(asserted, timeout_ms):
    deadline = ticks_add(ticks_ms(), timeout_ms)
    while not asserted():
        if ticks_diff(deadline, ticks_ms()) <= 0:
            return False
        sleep_ms(1)
    return True


def make_bus(spi, cs, reset=None, irq=None, baudrate=8000000):
    """The adapter that fits `spi`: busio (has try_lock) or machine-style."""
    if callable(getattr(spi, "try_lock", None)):
        return BusioBus(spi, cs, reset, irq, baudrate)
    return MachineBus(spi, cs, reset, irq)
