"""Echo service: Zephyr's echo_service sample on winc.service — UDP and TCP echo on one port.

Three services share one dispatcher: one for the UDP socket, one for the TCP listener, one for
up to MAX_CLIENTS accepted clients. Every step happens in a handler; nothing blocks. A client
whose echo the module cannot take at once waits for POLLOUT before it is read again.
"""

from winc import service, socket

MAX_CLIENTS = 3
PORT = 4242
CHUNK = 512  # bytes read from a client per round


class EchoService:
    def __init__(self, port=PORT, clients=MAX_CLIENTS, dev=None, rxbuf=2048, txbuf=1024):
        # Accepted clients get the listener's buffers: rxbuf + txbuf of RAM each.
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, dev=dev, rxbuf=rxbuf,
                                      txbuf=txbuf)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("0.0.0.0", port))
        self.listener.listen(clients)
        self.port = self.listener.getsockname()[1]  # the one chosen, when port is 0
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, dev=dev, rxbuf=rxbuf,
                                 txbuf=txbuf)
        self.udp.bind(("0.0.0.0", self.port))
        self.clients = [None] * clients  # a free slot is None
        self.unsent = [None] * clients  # echo the module has not taken yet, per slot
        self.rejected = 0
        self._buf = bytearray(CHUNK)
        self.udp_service = service.Service(self._echo_datagram, 1, "udp")
        self.accept_service = service.Service(self._accept, 1, "accept")
        self.tcp_service = service.Service(self._echo_stream, clients, "tcp")
        self.udp_service.register([(self.udp, service.POLLIN)])
        self.accept_service.register([(self.listener, service.POLLIN)])

    def _echo_datagram(self, ev):
        data, peer = ev.fd.recvfrom(1500)
        ev.fd.sendto(data, peer)

    def _accept(self, ev):
        client, _ = ev.fd.accept()
        if None not in self.clients:
            self.rejected += 1  # max capacity: the peer sees the connection end at once
            client.close()
            return
        client.setblocking(False)
        self.clients[self.clients.index(None)] = client
        self._register_clients()

    def _register_clients(self):
        # Registration replaces the whole set: every slot, each waiting for what it needs.
        self.tcp_service.register([
            (client, service.POLLOUT if self.unsent[i] else service.POLLIN)
            for i, client in enumerate(self.clients)])

    def _echo_stream(self, ev):
        client = ev.fd
        slot = self.clients.index(client)
        if ev.revents & service.POLLOUT:
            self._send(slot, self.unsent[slot])
            return
        try:
            n = client.recv_into(self._buf)
        except OSError:
            n = 0  # reset by the peer: drop the client as at EOF
        if not n:
            self._remove(slot)
            return
        self._send(slot, memoryview(self._buf)[:n])

    def _send(self, slot, data):
        try:
            sent = self.clients[slot].send(data)
        except OSError:
            sent = 0  # EAGAIN: nothing taken this time
        waiting = self.unsent[slot] is not None
        self.unsent[slot] = bytes(data[sent:]) if sent < len(data) else None
        if waiting != (self.unsent[slot] is not None):
            self._register_clients()

    def _remove(self, slot):
        client = self.clients[slot]
        self.clients[slot] = self.unsent[slot] = None
        self._register_clients()
        client.close()

    def close(self):
        """Stop: the services close their sockets (the clients, the listener, the UDP one)."""
        self.tcp_service.close()
        self.accept_service.close()
        self.udp_service.close()


def main(port=PORT):
    """On a board, once Wi-Fi is up: serve until Ctrl-C."""
    echo = EchoService(port)
    print("echo service on port", echo.port, "(TCP and UDP)")
    try:
        service.run()
    finally:
        echo.close()


if __name__ == "__main__":
    main()
