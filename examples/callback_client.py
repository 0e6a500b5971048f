"""Event-driven TCP echo client: each step (resolve, connect, send, receive, close) is started
by the socket event that ends the one before; no call waits, the main loop only pumps the device.
"""

import time

import winc
from winc import errno, socket

ECHO_HOST = "tcpbin.com"  # a public TCP echo service; any echo server will do
ECHO_PORT = 4242
PUMP_MS = 100  # the longest one pump waits for the module to say something

EVENT_NAMES = ("OPEN", "LISTEN", "CONNECT_REQ", "CONNECT", "SEND", "RECV", "CLOSE",
               "TLS_CONNECT", "DISCONNECT", "DNS_RESOLV", "ERROR")  # by EVENT_* value

# Client states, in the order they are passed through.
OPENING = "opening"
RESOLVING = "resolving"
CONNECTING = "connecting"
CONNECTED = "connected"
CLOSING = "closing"
DONE = "done"


def _on_event(client, sock, event, status):
    # The context given to set_event_callback comes back first: here, the client.
    client.on_event(sock, event, status)


class EchoClient:
    """Sends message to (host, port) and collects as many bytes back, driven by events."""

    def __init__(self, host, port, message, dev=None):
        self.host = host
        self.port = port
        self.message = message
        self.dev = dev
        self.state = OPENING
        self.sock = None
        self.address = None
        self.sent = 0
        self.reply = bytearray(len(message))
        self.received = 0
        self.events = []  # (event, status) for this client's socket and its DNS query
        self.error = None

    def start(self):
        """Register the callback and create the socket; the events do the rest."""
        socket.set_event_callback(_on_event, self)
        # The one call that waits: winc's socket() returns an open socket, so it pumps until
        # OPEN (at most 2 s). By then on_event has seen OPEN and started resolving.
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, dev=self.dev)

    def run(self, timeout_s=10):
        """start(), then pump the device until the socket is closed; returns the reply."""
        dev = self.dev or winc.Device.default
        deadline = time.time() + timeout_s
        try:
            self.start()
            while self.state != DONE:
                if time.time() > deadline:
                    self._stop(OSError(errno.ETIMEDOUT, "echo client"))
                    break
                dev.pump(PUMP_MS)
        finally:
            socket.set_event_callback(None)
        if self.error is not None:
            raise self.error
        return bytes(self.reply[:self.received])

    # ---- the callback ----------------------------------------------------------------------

    def on_event(self, sock, event, status):
        if event == socket.EVENT_OPEN and self.state == OPENING:
            self.sock = sock  # socket() has not returned yet: the event brings the socket
        if sock is not self.sock and not (sock is None and self.state == RESOLVING):
            return  # another socket's event (DNS_RESOLV has no socket)
        self.events.append((event, status))
        try:
            self._step(sock, event, status)
        except OSError as e:  # a step failed: end here, the error goes to run()'s caller
            self._stop(e)

    def _step(self, sock, event, status):
        if event == socket.EVENT_CLOSE:  # the last event a socket ever gets
            if status != socket.STATUS_OK and self.error is None:
                self.error = OSError(errno.ECONNABORTED, "module reset")
            self.state = DONE
        elif self.state == CLOSING:
            return  # what comes after close() no longer matters: only CLOSE does
        elif event == socket.EVENT_OPEN:
            if status == socket.STATUS_OK:  # on ERROR socket() raises in start()
                sock.setblocking(False)
                self.state = RESOLVING
                self._resolve()
        elif event == socket.EVENT_DNS_RESOLV:
            self._resolve()  # an answer or a failure: getaddrinfo_nb says which
        elif event == socket.EVENT_ERROR or status != socket.STATUS_OK:
            self._failed(sock)
        elif event == socket.EVENT_CONNECT:
            self.state = CONNECTED
            self._send_more(sock)
        elif event == socket.EVENT_SEND:
            self._send_more(sock)  # the module took a chunk: room in the send buffer
        elif event == socket.EVENT_RECV:
            self._receive(sock)
        elif event == socket.EVENT_DISCONNECT:
            self._receive(sock)  # the peer closed: keep what came before, then close
            self._stop(None)

    # ---- the steps -------------------------------------------------------------------------

    def _resolve(self):
        try:
            found = socket.getaddrinfo_nb(self.host, self.port, socket.AF_INET,
                                          socket.SOCK_STREAM, dev=self.dev)
        except OSError as e:
            if e.errno == socket.EAI_AGAIN:
                return  # the module is resolving: DNS_RESOLV comes next
            raise
        self.address = found[0][4]
        self.state = CONNECTING
        try:
            self.sock.connect(self.address)
        except OSError as e:
            if e.errno != errno.EINPROGRESS:  # the non-blocking answer: CONNECT comes next
                raise

    def _send_more(self, sock):
        if self.sent < len(self.message):
            # send() takes what fits in the socket's buffer; SEND events ask for the rest.
            self.sent += sock.send(memoryview(self.message)[self.sent:])

    def _receive(self, sock):
        """Take what has arrived (recv never waits here); close once the echo is complete."""
        view = memoryview(self.reply)
        while self.received < len(self.reply):
            try:
                n = sock.recv_into(view[self.received:])
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    return
                raise
            if n == 0:
                return  # the peer has closed (DISCONNECT): nothing more will come
            self.received += n
        self._stop(None)

    def _failed(self, sock):
        """The event says the socket failed, not why: its next call raises the errno."""
        if self.state == CONNECTING:
            sock.connect(self.address)  # raises the connection's error (ECONNREFUSED...)
        self._receive(sock)  # what arrived first, then the error
        raise OSError(errno.EIO, "socket failed")

    def _stop(self, error):
        if self.error is None:
            self.error = error
        if self.state != CLOSING and self.state != DONE:
            self.state = CLOSING
            self.sock.close()  # non-blocking: CLOSE follows when the module has closed it


def main(host, port, message, dev=None):
    """The echo of message from the TCP echo server at (host, port)."""
    return EchoClient(host, port, message, dev).run()


if __name__ == "__main__":
    # On a board, boot.py has made the device and joined Wi-Fi, e.g.
    #   winc.WINCS02(machine.SPI(1), machine.Pin("CS", machine.Pin.OUT)).init()
    #   winc.WLAN(winc.STA_IF).connect("ssid", "key")
    # and the client runs on that (default) device.
    client = EchoClient(ECHO_HOST, ECHO_PORT, b"hello, driven by socket events")
    print("reply:", client.run())
    print("events:", " ".join(EVENT_NAMES[event] for event, status in client.events))
