"""winc.install() on both runtimes: winc's modules under the names networking code imports."""

import sys

import winc


def _restore(saved):
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


def test_install_fills_in_what_the_port_lacks_and_force_replaces_the_rest():
    names = ("socket", "network", "ssl", "tls", "socketpool", "wifi")
    saved = {name: sys.modules.get(name) for name in names + ("usocket", "ussl")}
    try:
        had_network = "network" in sys.modules
        added = winc.install()
        assert "socket" not in added  # both runtimes here have their own socket module
        if not had_network:
            assert "network" in added
            import network

            assert network.WLAN is winc.WLAN and network.STA_IF == winc.STA_IF
        assert set(winc.install(force=True)) == set(names)
        import socket

        from winc import socket as wsocket
        from winc import tls

        assert socket is wsocket and sys.modules["ssl"] is tls and sys.modules["tls"] is tls
        assert sys.modules["usocket"] is wsocket and sys.modules["ussl"] is tls
        import socketpool
        import wifi

        from winc import socketpool as wsocketpool
        from winc import wifi as wwifi

        assert socketpool is wsocketpool and wifi is wwifi
    finally:
        _restore(saved)
