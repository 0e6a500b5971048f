"""wincsim: a WINCS02 device emulator speaking the real SPI wire protocol (spec §2-§5), and the
same model as an RNWF02 on a UART speaking AT (Module(link="uart"), uart.py).

Importable under MicroPython for `wincsim.remote`: the CPython-only parts load lazily.
"""

_LAZY = {"Module": "module", "Pin": "faces", "CodecError": "codec", "FAULTS": "faults"}


def __getattr__(name):
    # MicroPython routes `from wincsim import remote` through here too: import submodules.
    module = _LAZY.get(name, name)
    try:
        found = __import__("wincsim." + module, None, None, [name])
    except ImportError:
        raise AttributeError(name) from None
    return getattr(found, name) if name in _LAZY else found
