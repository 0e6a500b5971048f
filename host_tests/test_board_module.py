"""The boards' winc_board modules and WINCS02.on_pins, with a `machine` stand-in whose SPI and
pins are the emulator's: each named pin reaches its role, init() runs, a failed init() leaves
nothing behind.
"""
# cpython only: a stand-in `machine` module wired to the in-process emulator

import importlib.util
import os
import sys
import types

import pytest
from support import emulator, raises

import winc
from winc.device import Device

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAME54 = os.path.join(ROOT, "boards", "micropython", "SAME54_XPLAINED_PRO", "winc_board.py")


class _Recorded:
    """A pin the emulator does not model (CHIP_EN): remembers how it was set up."""

    def __init__(self, name, mode, value):
        self.name, self.mode, self.level = name, mode, value


def _machine(emu, roles):
    """A `machine` module: SPI() is the emulator's bus, Pin(name) the emulator's pin for the
    role that name has in `roles` (cs, reset, irq), else a recorded pin. Returns (module, log)."""
    log = {"spi": None, "pins": {}, "deinit": 0}

    class Pin:
        OUT, IN, PULL_UP = 1, 0, 1

        def __new__(cls, name, mode=None, pull=None, value=None):
            log["pins"][name] = (mode, pull, value)
            face = {"cs": emu.cs, "reset": emu.reset, "irq": emu.irq}.get(roles.get(name))
            return face if face is not None else _Recorded(name, mode, value)

    class SPI:
        def __new__(cls, spi_id, **settings):
            log["spi"] = (spi_id, settings)
            spi = emu.spi
            spi.deinit = lambda: log.__setitem__("deinit", log["deinit"] + 1)
            return spi

    module = types.ModuleType("machine")
    module.Pin, module.SPI = Pin, SPI
    return module, log


@pytest.fixture
def board(monkeypatch):
    """(emulator, machine log, the SAM E54 board module loaded afresh)."""
    emu = emulator()
    roles = {"PB28": "cs", "PA06": "reset", "PB07": "irq"}
    machine, log = _machine(emu, roles)
    monkeypatch.setitem(sys.modules, "machine", machine)
    spec = importlib.util.spec_from_file_location("winc_board", SAME54)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return emu, log, module


def test_same54_board_module_wires_ext1_and_initialises_the_module(board):
    emu, log, winc_board = board
    dev = winc_board.device()
    assert dev.up and Device.default is dev and winc_board.device() is dev
    spi_id, settings = log["spi"]
    assert spi_id == 4 and settings["baudrate"] == 12_000_000
    assert (settings["polarity"], settings["phase"]) == (0, 0)
    assert [settings[k].name for k in ("sck", "mosi", "miso")] == ["PB26", "PB27", "PB29"]
    assert set(log["pins"]) == {"PB26", "PB27", "PB29", "PB28", "PA06", "PB08", "PB07"}
    assert log["pins"]["PB08"][2] == 1  # CHIP_EN driven high
    assert log["pins"]["PB28"][2] == 1  # CS idle high
    assert log["pins"]["PB07"][1] == 1  # INT pulled up
    assert isinstance(winc_board.wlan(), winc.WLAN)


def test_a_failed_init_puts_the_previous_default_back_and_releases_the_bus(board):
    emu, log, winc_board = board
    before = Device.default
    emu.fault("cmd0_bad", count=None)  # the module never answers the SDIO handshake
    raises(OSError, winc_board.device, timeout_ms=300)
    assert Device.default is before and log["deinit"] == 1
    assert winc_board._dev is None  # a later call tries again
