"""Bus adapters: one CS frame per call, 0xFF idle MOSI, INT level and edges, argument checks."""

import sys

from support import MICROPYTHON, raises, skip

from winc import bus


class Log:
    def __init__(self):
        self.events = []


class FakePin:
    IRQ_FALLING = 2

    def __init__(self, log, name, level=1):
        self.log = log
        self.name = name
        self.level = level
        self.handler = None

    def value(self, *v):
        if v:
            self.level = v[0]
            self.log.events.append((self.name, v[0]))
        return self.level

    def irq(self, handler=None, trigger=0):
        self.handler = (handler, trigger)


class FakeSpi:
    def __init__(self, log, miso=0xA5):
        self.log = log
        self.miso = miso

    def write_readinto(self, tx, rx):
        self.log.events.append(("xfer", bytes(tx)))
        for i in range(len(rx)):
            rx[i] = self.miso

    def write(self, tx):
        self.log.events.append(("write", bytes(tx)))

    def readinto(self, rx, fill=0):
        self.log.events.append(("read", len(rx), fill))
        for i in range(len(rx)):
            rx[i] = self.miso


def _machine(irq=True):
    log = Log()
    pins = FakePin(log, "cs"), FakePin(log, "reset"), FakePin(log, "irq")
    b = bus.MachineBus(FakeSpi(log), pins[0], pins[1], pins[2] if irq else None)
    return b, log, pins


def test_machine_bus_frames_hold_cs_low_for_one_call():
    b, log, _ = _machine()
    assert log.events == [("cs", 1)]  # CS idles high from the start
    del log.events[:]
    rx = bytearray(3)
    b.transfer(b"\x01\x02\x03", rx)
    b.write(b"\x04")
    b.read(bytearray(2))
    assert log.events == [("cs", 0), ("xfer", b"\x01\x02\x03"), ("cs", 1),
                          ("cs", 0), ("write", b"\x04"), ("cs", 1),
                          ("cs", 0), ("read", 2, 0xFF), ("cs", 1)]
    assert rx == b"\xa5\xa5\xa5"


def test_machine_bus_idle_releases_cs_after_a_failed_transfer():
    b, log, pins = _machine()

    def broken(tx, rx):
        raise OSError(5)

    b._spi.write_readinto = broken
    raises(OSError, b.transfer, b"\x00", bytearray(1))
    assert pins[0].level == 0  # no try/finally on the hot path (see MachineBus) ...
    b.idle()
    assert pins[0].level == 1  # ... the device calls idle() when an exception cuts a frame


def test_machine_bus_int_level_reset_and_edges():
    b, log, pins = _machine()
    assert b.has_irq and b.has_reset
    assert not b.irq_asserted()
    pins[2].level = 0
    assert b.irq_asserted()
    assert b.wait_irq(0)  # already asserted: no waiting
    pins[2].level = 1
    assert not b.wait_irq(5)  # polled, bounded by its timeout
    b.set_reset(0)
    assert pins[1].level == 0

    def handler(pin):
        pass

    assert b.on_irq(handler) and pins[2].handler == (handler, FakePin.IRQ_FALLING)


def test_machine_bus_prefers_a_waiting_pin():
    b, log, pins = _machine()
    waited = []
    pins[2].wait = lambda ms: waited.append(ms) or True
    b = bus.MachineBus(b._spi, pins[0], pins[1], pins[2])
    assert b.wait_irq(7) and waited == [7]


def test_machine_bus_without_irq_or_reset():
    b, log, pins = _machine(irq=False)
    assert not b.has_irq and not b.on_irq(print)


def test_arguments_are_checked_by_name():
    log = Log()
    good = FakeSpi(log)
    pin = FakePin(log, "p")
    e = raises(TypeError, bus.MachineBus, object(), pin)
    assert str(e).startswith("spi:")
    e = raises(TypeError, bus.MachineBus, good, "PB28")
    assert str(e).startswith("cs:")
    e = raises(TypeError, bus.MachineBus, good, pin, 5)
    assert str(e).startswith("reset:")
    e = raises(TypeError, bus.MachineBus, good, pin, None, object())
    assert str(e).startswith("irq:")


class FakeBusio:
    """busio.SPI look-alike: lock protocol plus transfers, records what SPIDevice does."""

    def __init__(self, log):
        self.log = log
        self.locked = False

    def try_lock(self):
        self.locked = True
        return True

    def unlock(self):
        self.locked = False

    def configure(self, baudrate=0, polarity=0, phase=0, bits=8):
        self.log.events.append(("configure", baudrate, polarity, phase))

    def write_readinto(self, tx, rx):
        assert self.locked
        self.log.events.append(("xfer", bytes(tx)))

    def write(self, tx):
        self.log.events.append(("write", bytes(tx)))

    def readinto(self, rx, write_value=0):
        self.log.events.append(("read", len(rx), write_value))


class FakeDigitalInOut:
    def __init__(self, pin):
        self.pin = pin
        self._value = True

    def switch_to_output(self, value=False, drive_mode=None):
        self.value = value

    def switch_to_input(self, pull=None):
        self.pull = pull

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, v):
        self._value = v
        self.pin.log.events.append((self.pin.name, int(v)))


def test_busio_bus_uses_spi_device_and_digitalio():
    if MICROPYTHON:
        skip("adafruit_bus_device is a CircuitPython/CPython library")
    fake = type(sys)("digitalio")
    fake.DigitalInOut = FakeDigitalInOut
    fake.Pull = type("Pull", (), {"UP": 1})
    saved = sys.modules.get("digitalio")
    sys.modules["digitalio"] = fake
    try:
        log = Log()
        b = bus.make_bus(FakeBusio(log), FakePin(log, "cs"), FakePin(log, "reset"),
                         FakePin(log, "irq"), baudrate=12000000)
        assert isinstance(b, bus.BusioBus)
        del log.events[:]
        b.transfer(b"\x01", bytearray(1))
        b.read(bytearray(4))
        assert log.events == [("configure", 12000000, 0, 0), ("cs", 0), ("xfer", b"\x01"),
                              ("cs", 1), ("configure", 12000000, 0, 0), ("cs", 0),
                              ("read", 4, 0xFF), ("cs", 1)]
        assert not b.irq_asserted()
        b._irq.value = False
        assert b.irq_asserted() and b.wait_irq(1) and not b.on_irq(print)
    finally:
        if saved is None:
            del sys.modules["digitalio"]
        else:
            sys.modules["digitalio"] = saved
