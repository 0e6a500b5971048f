"""emulator entry point: `python -m wincsim --unix PATH` serves Modules on a Unix socket."""

import argparse
import logging
import signal
import sys

from .server import serve


def _stop(signum, frame):
    raise SystemExit(0)  # unwinds serve(), which removes the socket file


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wincsim", description=__doc__)
    parser.add_argument("--unix", metavar="PATH", required=True,
                        help="Unix socket path; each connection gets a fresh module")
    parser.add_argument("--verbose", action="store_true", help="log protocol errors and calls")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if options.verbose else logging.ERROR,
                        format="%(message)s")
    signal.signal(signal.SIGTERM, _stop)
    try:
        serve(options.unix)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
