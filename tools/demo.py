"""make demo: start the wincsim server, then run examples/demo.py under the real MicroPython.

winc and the emulator client run precompiled (.mpy), with the test runner's heap: 64 KB for
data plus room for the code a board would keep frozen in flash.
"""

import os
import subprocess
import sys
import tempfile

from mp_runner import BUILD, CODE_ROOM, DATA_HEAP, ROOT, micropython, precompile, start_server


def main():
    precompile()
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "wincsim.sock")
        server = start_server(sock)
        try:
            env = dict(os.environ, WINCSIM_SOCKET=sock, MICROPYPATH=BUILD + os.pathsep + ".frozen")
            heap = "heapsize=%d" % (DATA_HEAP + CODE_ROOM)
            return subprocess.run([micropython(), "-X", heap,
                                   os.path.join(ROOT, "examples", "demo.py")], env=env).returncode
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
