"""emulator entry point.

`python -m wincsim --unix PATH` serves Modules on a Unix socket (wincsim.remote clients).
`python -m wincsim --uart pty` is one RNWF02 (the AT front end) on a new pseudo-terminal: its
path is printed, then it serves until killed (pyserial, `picocom -b 230400 --omap crcrlf PATH`).
"""

import argparse
import logging
import signal
import sys


def _stop(signum, frame):
    raise SystemExit(0)  # unwinds serve(), which removes the socket file


def _dns(text):
    name, _, addrs = text.partition("=")
    if not name or not addrs:
        raise argparse.ArgumentTypeError("NAME=ADDR[,ADDR...] expected")
    return name, addrs.split(",")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wincsim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--unix", metavar="PATH",
                       help="Unix socket path; each connection gets a fresh module")
    where.add_argument("--uart", choices=["pty"],
                       help="an RNWF02 on a new pseudo-terminal, whose path is printed")
    uart = parser.add_argument_group("--uart options")
    uart.add_argument("--no-echo", action="store_true", help="start with echo off (ATE0)")
    uart.add_argument("--prompt", action="store_true", help="emit the '>' idle prompt")
    uart.add_argument("--banner", help="the +BOOT banner text")
    uart.add_argument("--baud", type=int, default=230400, help="the module's UART rate")
    uart.add_argument("--boot-nuls", type=int, default=0, metavar="N",
                      help="N NUL bytes before the +BOOT line")
    uart.add_argument("--strict-baud", action="store_true",
                      help="the client's pty speed must match the module's (as on a wire)")
    uart.add_argument("--dns", type=_dns, action="append", default=[], metavar="NAME=ADDR",
                      help="a DNS answer (loopback addresses only); repeatable")
    parser.add_argument("--verbose", action="store_true", help="log protocol errors and calls")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if options.verbose else logging.ERROR,
                        format="%(message)s")
    signal.signal(signal.SIGTERM, _stop)
    try:
        if options.unix:
            from .server import serve

            serve(options.unix)
        else:
            _serve_pty(options)
    except KeyboardInterrupt:
        pass
    return 0


def _serve_pty(options):
    import os

    from .module import Module
    from .uart import open_pty, serve_pty

    extra = {} if options.banner is None else {"at_banner": options.banner}
    module = Module(link="uart", at_echo=not options.no_echo, at_prompt=options.prompt,
                    uart_baud=options.baud, at_boot_nuls=options.boot_nuls, **extra)
    for name, addrs in options.dns:
        module.dns(name, addrs)
    master, slave, path = open_pty()
    try:
        print(path, flush=True)
        serve_pty(module, master, slave, strict_baud=options.strict_baud)
    finally:
        module.close()
        os.close(master)
        os.close(slave)


if __name__ == "__main__":
    sys.exit(main())
