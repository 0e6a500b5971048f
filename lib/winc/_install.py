"""install: winc's modules under the names MicroPython networking code imports.

`winc.install()` registers winc.socket as `socket`, winc.wlan as `network` and winc.tls as `ssl`
and `tls` in sys.modules, each only where the port has no module of that name (force: always).
"""

import sys

_NAMES = (("socket", "socket"), ("network", "wlan"), ("ssl", "tls"), ("tls", "tls"))


def _present(name):
    if name in sys.modules:
        return True
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def install(force=False):
    """Register winc's modules as socket, network, ssl and tls; returns the names registered.

    Without force a module the port already has (MicroPython's own socket on a board with
    networking, CPython's socket and ssl) stays: code written for it keeps working.
    """
    done = []
    for name, module in _NAMES:
        if force or not _present(name):
            sys.modules[name] = __import__("winc." + module, None, None, (module,))
            done.append(name)
    return done
