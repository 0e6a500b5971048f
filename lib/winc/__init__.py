"""winc: Wi-Fi networking for MicroPython/CircuitPython through Microchip WINCS02/RNWF02 modules.

`import winc` opens nothing: classes and submodules (winc.socket, ...) load on first use.
"""

_CLASSES = {
    "WINCS02": "wincs02",
    "RNWF02": "rnwf02",
    "Device": "device",
    "ProtocolError": "tlv",
    "BusError": "sdio",
    "WLAN": "wlan",
    "STA_IF": "wlan",
    "AP_IF": "wlan",
    "hostname": "wlan",
    "country": "wlan",
    "ipconfig": "wlan",
    "install": "_install",
}


def __getattr__(name):
    # MicroPython also routes `from . import x` through here, so submodules resolve too.
    module = _CLASSES.get(name)
    try:
        value = __import__("winc." + (module or name), None, None, (name,))
    except ImportError:
        raise AttributeError(name) from None
    if module:
        value = getattr(value, name)
    globals()[name] = value
    return value
