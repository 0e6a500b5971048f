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


# ---- UART (the RNWF02 link) --------------------------------------------------------------------

_MACHINE = 0  # machine.UART and look-alikes (the emulator's): any(), readinto(), init()
_BUSIO = 1  # busio.UART: in_waiting, readinto(), a baudrate property
_SERIAL = 2  # pyserial: in_waiting, read(), baudrate and rtscts properties


class UartBus:
    """A UART for the AT link, whatever its API: machine.UART (MicroPython), busio.UART
    (CircuitPython), pyserial's Serial (CPython) or a look-alike; and the module's reset line.

    The link sees write(buf) -> n, readinto(buf) -> n (0: nothing there, never waits), any(),
    the baudrate, flow_control(on) where has_flow, wait_readable(timeout_ms), set_reset(level).
    baudrate: the rate the UART runs at now, where it cannot say (machine.UART).
    """

    def __init__(self, uart, reset=None, baudrate=None):
        _require(uart, "uart", ("write",))
        if callable(getattr(uart, "any", None)):
            self._kind = _MACHINE
            _require(uart, "uart", ("readinto",))
        elif hasattr(uart, "in_waiting") and hasattr(uart, "rtscts"):
            self._kind = _SERIAL
            _require(uart, "uart", ("read",))
        elif hasattr(uart, "in_waiting"):
            self._kind = _BUSIO
            _require(uart, "uart", ("readinto",))
        else:
            raise TypeError("uart: needs any() (machine.UART) or in_waiting (busio, pyserial)")
        self._uart = uart
        if baudrate is None:
            baudrate = getattr(uart, "baudrate", None)  # busio, pyserial, look-alikes
        self._baud = baudrate if isinstance(baudrate, int) else 230400  # the default (AT §1)
        self._flow = False
        # machine.UART switches flow control through init(flow=RTS | CTS) where the port has it;
        # busio.UART takes its RTS/CTS pins at construction only.
        self.has_flow = (self._kind == _SERIAL or self._kind == _MACHINE and hasattr(uart, "RTS")
                         and hasattr(uart, "CTS") and callable(getattr(uart, "init", None)))
        self._wait = getattr(uart, "wait", None)  # a look-alike that can wait for input
        self._reset = None
        self._reset_pin = None
        if reset is not None:
            if callable(getattr(reset, "value", None)):
                self._reset = reset.value  # machine.Pin
            else:
                if not hasattr(reset, "switch_to_output"):
                    from digitalio import DigitalInOut

                    reset = DigitalInOut(reset)
                reset.switch_to_output(value=True)
                self._reset_pin = reset
        self.has_reset = reset is not None

    def write(self, buf):
        """Bytes of buf the UART took (0 when it took none)."""
        return self._uart.write(buf) or 0

    def readinto(self, buf):
        """Read what is there, up to len(buf) bytes: the count (0 when nothing). Never waits:
        the link asks for no more than any() said."""
        if self._kind == _SERIAL:
            data = self._uart.read(len(buf))
            n = len(data)
            buf[:n] = data
            return n
        return self._uart.readinto(buf) or 0

    def any(self):
        """Bytes waiting to be read."""
        if self._kind == _MACHINE:
            return self._uart.any()
        return self._uart.in_waiting

    def wait_readable(self, timeout_ms):
        """Wait until input is waiting or timeout_ms passes; True if there is."""
        if self._wait is not None:
            return self._wait(timeout_ms)
        return _poll_level(self.any, timeout_ms)

    def flush_input(self):
        """Drop what is waiting to be read."""
        if self._kind != _MACHINE:
            self._uart.reset_input_buffer()
            return
        scratch = bytearray(64)
        while self._uart.any():
            self._uart.readinto(scratch)

    @property
    def baudrate(self):
        return self._baud

    @baudrate.setter
    def baudrate(self, rate):
        if self._kind == _MACHINE:
            self._init(rate, self._flow)
        else:
            self._uart.baudrate = rate
        self._baud = rate

    def flow_control(self, on):
        """RTS/CTS on or off (where has_flow)."""
        if not self.has_flow:
            raise OSError(95, "this UART cannot switch RTS/CTS flow control")  # EOPNOTSUPP
        if self._kind == _SERIAL:
            self._uart.rtscts = bool(on)
        else:
            self._init(self._baud, on)
        self._flow = bool(on)

    def _init(self, rate, flow):
        uart = self._uart
        if not callable(getattr(uart, "init", None)):
            return  # a look-alike with no line settings
        if self.has_flow:
            uart.init(baudrate=rate, flow=(uart.RTS | uart.CTS) if flow else 0)
        else:
            uart.init(baudrate=rate)

    def set_reset(self, level):
        if self._reset is not None:
            self._reset(level)
        else:
            self._reset_pin.value = bool(level)
