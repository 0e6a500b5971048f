"""Test helpers that work under pytest (CPython) and tools/mp_runner.py (MicroPython) alike."""

import gc
import os
import sys

MICROPYTHON = sys.implementation.name == "micropython"
# The link the suites run over: "spi" (WINCS02) or "uart" (RNWF02, AT); make test runs the
# socket, Wi-Fi, TLS and service suites once per link with WINC_LINK set.
LINK = os.getenv("WINC_LINK") or "spi"


class SkipTest(Exception):
    pass


def skip(reason):
    """Skip the running test with a stated reason, on either runtime."""
    if not MICROPYTHON:
        import pytest

        pytest.skip(reason)
    raise SkipTest(reason)


def raises(exc_type, fn, *args, **kwargs):
    """Call fn and return the exc_type it raised; fail if it raised nothing."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("%s not raised by %r" % (exc_type.__name__, fn))


_emulators = []


def emulator(**options):
    """A WINCS02 emulator: in process under CPython, the wincsim server under MicroPython.

    Making one closes the one before: its host sockets (ports) are released at once, and the
    previous test's default device (with its buffers, sockets and station) is let go.
    """
    while _emulators:
        _emulators.pop().close()
    from winc.device import Device

    Device.default = None
    gc.collect()
    if LINK != "spi":
        options["link"] = LINK
    if MICROPYTHON:
        from wincsim import remote

        emu = remote.connect(**options)
    else:
        from wincsim import Module

        emu = Module(**options)
    _emulators.append(emu)
    return emu


def device(emu, irq=True, reset=True, rx_buf=2048, tx_buf=1024, **kwargs):
    """A WINCS02 driver wired to the emulator's SPI bus and pins (not yet initialised), or on
    the uart link an RNWF02 driver on its UART (with its own buffer sizes).

    Small buffers by default: under MicroPython the test shares a 64 KB heap with the code.
    """
    import winc

    if LINK == "uart":
        # Its own minimums: a 1472-byte datagram read as hex is a 3 KB line, and a 1 KB file
        # block (winc.tls uploads) a 2.1 KB command.
        return winc.RNWF02(emu.uart, reset=emu.reset if reset else None,
                           rx_buf=max(rx_buf, 3200), tx_buf=max(tx_buf, 2560), **kwargs)
    return winc.WINCS02(emu.spi, emu.cs, emu.reset if reset else None,
                        emu.irq if irq else None, rx_buf=rx_buf, tx_buf=tx_buf, **kwargs)


def device_up(**options):
    """(emulator, device): a fresh emulator and an initialised device with 4096/2048 buffers."""
    emu = emulator(**options)
    dev = device(emu, rx_buf=4096, tx_buf=2048)
    dev.init(5000)
    return emu, dev


def spi_only(reason):
    """Skip the running test on the uart link: it checks something of the SPI link itself."""
    if LINK != "spi":
        skip("SPI link only: " + reason)


def unhex(text):
    """bytes from spec-style hex ('00 0E 00 ...'), spaces and '|' ignored."""
    return bytes.fromhex(text.replace("|", " ").replace(" ", ""))


class _RecordingCs:
    def __init__(self, recorder, cs):
        self._rec = recorder
        self._cs = cs

    def value(self, *v):
        if v:
            self._rec._edge(v[0])
            return self._cs.value(v[0])
        return self._cs.value()


class Recorder:
    """Wraps an emulator's spi and cs: keeps the MOSI bytes of every CS frame, in order."""

    def __init__(self, emu):
        self._spi = emu.spi
        self.cs = _RecordingCs(self, emu.cs)
        self.frames = []
        self._frame = None

    def _edge(self, level):
        if not level and self._frame is None:
            self._frame = bytearray()
        elif level and self._frame is not None:
            self.frames.append(bytes(self._frame))
            self._frame = None

    def write_readinto(self, tx, rx):
        self._frame.extend(tx)
        self._spi.write_readinto(tx, rx)

    def write(self, tx):
        self._frame.extend(tx)
        self._spi.write(tx)

    def readinto(self, rx, fill=0):
        self._frame.extend(bytes([fill]) * len(rx))
        self._spi.readinto(rx, fill)

    def take(self):
        """The frames so far, with runs of 1-byte 0xFF polls collapsed to one; then forget."""
        out = []
        for frame in self.frames:
            if not (frame == b"\xff" and out and out[-1] == b"\xff"):
                out.append(frame)
        self.frames = []
        return out


def example(name):
    """The module examples/<name>.py. mp_runner puts the examples beside the tests; under
    CPython the folder joins sys.path here."""
    if not MICROPYTHON:
        import os

        folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "examples")
        if folder not in sys.path:
            sys.path.append(folder)
    return __import__(name)


def pump_until(dev, condition, ms=3000):
    """Pump dev until condition() holds: True, or False once ms have passed."""
    import time

    deadline = time.time() + ms / 1000
    while not condition():
        if time.time() > deadline:
            return False
        dev.pump(10)
    return True
