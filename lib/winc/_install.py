"""install: winc's modules under the names MicroPython networking code imports.

`winc.install()` registers winc.socket as `socket`, winc.wlan as `network`, winc.tls as `ssl`
and `tls`, and for CircuitPython code winc.socketpool and winc.wifi as `socketpool` and `wifi`,
in sys.modules, each only where the port has no module of that name (force: always).
"""

import sys

_NAMES = (("socket", "socket"), ("network", "wlan"), ("ssl", "tls"), ("tls", "tls"),
          ("socketpool", "socketpool"), ("wifi", "wifi"))
# MicroPython answers `import usocket` with its built-in socket whatever sys.modules["socket"]
# holds; code from before 1.21 (umqtt.simple 1.3.4 on PyPI) imports these old names.
_OLD_NAMES = ("socket", "ssl")


def _present(name):
    if name in sys.modules:
        return True
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def install(force=False):
    """Register winc's modules as socket, network, ssl, tls, socketpool and wifi (socket and
    ssl under their old names usocket and ussl too); returns the names registered, old names
    not listed.

    Without force a module the port already has (MicroPython's own socket on a board with
    networking, CPython's socket and ssl) stays: code written for it keeps working.
    """
    done = []
    for name, module in _NAMES:
        if force or not _present(name):
            sys.modules[name] = __import__("winc." + module, None, None, (module,))
            if name in _OLD_NAMES:
                sys.modules["u" + name] = sys.modules[name]
            done.append(name)
    return done
