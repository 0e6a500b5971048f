"""A real MQTT broker for the tests: Debian's mosquitto on 127.0.0.1 and a free port.

`Mosquitto()` starts it with a throw-away configuration (anonymous clients, no persistence)
and returns once it accepts connections; `port`; `close()` stops it. A context manager.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

START_TIMEOUT_S = 10


def executable():
    """Path of the mosquitto binary (Debian installs it in /usr/sbin), or None."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    def __init__(self):
        exe = executable()
        if exe is None:
            raise RuntimeError("mosquitto is not installed (Debian package mosquitto)")
        self._dir = tempfile.mkdtemp(prefix="winc-mqtt-")
        self.port = _free_port()
        conf = os.path.join(self._dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "log_dest stderr\nlog_type error\n" % self.port)
        self._proc = subprocess.Popen([exe, "-c", conf], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    err = self._proc.stderr.read().decode(errors="replace") if \
                        self._proc.poll() is not None else "no answer"
                    self.close()
                    raise RuntimeError("mosquitto did not start: " + err) from None
                time.sleep(0.05)

    def close(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
