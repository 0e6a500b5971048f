"""emulator: the WINCS02 model: SDIO slave + mailbox + command table, with its control methods.

Module(link="uart") is the same model behind the RNWF02 AT front end instead (uart.py).

Time is read lazily (no threads): every face or control call first runs what became due, host
sockets included (polled with a zero timeout); the INT-pin wait blocks on them.
"""

import logging
import time

from winc import _ids

from . import clock, codec, dns, faces, fs, ping, sockets, softap, system, tls, wifi
from .commands import CommandError, Reply
from .faults import Faults
from .holds import Holds
from .hostio import HostIO
from .mailbox import MSG_FROM_ARM, Mailbox
from .names import aec_id, command_name
from .sdio import READY, SdioSlave

_log = logging.getLogger("wincsim")

# Feature modules, each with OPTIONS and COMMANDS, and optionally check_options(options),
# setup(module) (once, for state that outlives boots in module.env), boot(module) (fresh state
# in module.state after every boot) and shutdown(module). Their tables merge in order.
FEATURES = (system, sockets, dns, wifi, softap, ping, clock, fs, tls)

_MAX_IDLE_S = 0.02  # the INT-pin wait looks at the clock (boot, injections) at least this often

_CORE_OPTIONS = {"boot_ms": 0, "ocr_busy_polls": 0, "tx_credits": 0, "rx_batch": 4,
                 "rx_limit": 2048}


class Module:
    """One emulated WINCS02, powered and booting from construction.

    Faces: spi (machine.SPI shaped), cs, reset (MCLR; also callable as reset(sdio=True)) and
    irq (INTOUT) (machine.Pin shaped). Options: boot_ms, ocr_busy_polls, tx_credits, rx_batch,
    rx_limit, clock (a seconds callable, time.monotonic by default) and each feature's OPTIONS.
    With link="uart" the faces are uart (machine.UART shaped) and reset: see uart.UartModule.
    """

    def __new__(cls, *args, link="spi", **kwargs):
        # Module(link="uart") is the same model behind the AT front end (uart.py).
        if cls is Module and link == "uart":
            from .uart import UartModule

            cls = UartModule
        return super().__new__(cls)

    _LINK = "spi"
    _LINK_OPTIONS = {}  # options of the front end, with their defaults

    def __init__(self, boot_ms=0, ocr_busy_polls=0, tx_credits=0, rx_batch=4, rx_limit=2048,
                 clock=None, link=None, **more):
        if link not in (None, self._LINK):
            raise ValueError("link=%r: 'spi' or 'uart'" % (link,))
        options = dict(_CORE_OPTIONS, **self._LINK_OPTIONS)
        for feature in FEATURES:
            options.update(getattr(feature, "OPTIONS", {}))
        unknown = set(more) - set(options)
        if unknown:
            raise TypeError("unknown Module option(s): %s" % ", ".join(sorted(unknown)))
        options.update(more, boot_ms=boot_ms, ocr_busy_polls=ocr_busy_polls,
                       tx_credits=tx_credits, rx_batch=rx_batch, rx_limit=rx_limit)
        for name, low, high in (("boot_ms", 0, None), ("ocr_busy_polls", 0, None),
                                ("tx_credits", 0, 255), ("rx_batch", 1, 255),
                                ("rx_limit", 16, None)):
            value = options[name]
            if not isinstance(value, int) or value < low or (high is not None and value > high):
                raise ValueError("option %s=%r out of range" % (name, value))
        for feature in FEATURES:
            check = getattr(feature, "check_options", None)
            if check is not None:
                check(options)
        self._check_link_options(options)
        self.options = options
        self._now = clock or time.monotonic
        self.commands = {}  # command id -> handler; per instance, so a test may add one
        for feature in FEATURES:
            self.commands.update(feature.COMMANDS)
        self.state = {}  # per-feature firmware state, rebuilt at every boot
        self.env = {}  # the emulated surroundings (DNS answers...), kept across boots
        self.io = HostIO(self._now)  # timers and host sockets of the running firmware
        self._faults = Faults()
        self._log = []
        self._errors = []
        self._holds = Holds(self._post, self._now, self.io.later)
        for feature in FEATURES:
            setup = getattr(feature, "setup", None)
            if setup is not None:
                setup(self)
        self._open_link()
        self.reset = faces.Reset(self)
        self._mclr = 1
        self._boot_at = None
        self._boot_sdio = True
        self._firmware_up = False
        self._pending_restart = None
        self._power_up(sdio=True)

    # -- the SPI front end: SDIO slave, mailbox, INTOUT (uart.py replaces these) ---------------

    def _check_link_options(self, options):
        pass

    def _open_link(self):
        options = self.options
        self._mailbox = Mailbox(self._csa_list, self._execute, options["tx_credits"],
                                options["rx_batch"], options["rx_limit"], self._faults,
                                self._error)
        self._slave = SdioSlave(self._mailbox, self._faults, self._error)
        self.spi = faces.Spi(self)
        self.cs = faces.ChipSelect(self)
        self.irq = faces.Interrupt(self)
        self._bytes = self._frames = 0
        self._cs_low = False
        self._int_level = 1

    def _post(self, message, on_read=None):
        """Queue one encoded outbound message (RSP, STATUS, AEC) for the host."""
        self._mailbox.post(message, on_read)

    def _link_down(self, sdio):
        """A restart: with sdio the card restarts too (MISO low for boot_ms)."""
        if sdio:
            self._slave.power_off()
            self._mailbox.power_off()
        else:
            self._mailbox.reset()

    def _link_off(self):
        self._slave.power_off()
        self._mailbox.power_off()

    def _link_up(self):
        if self._boot_sdio:
            self._slave.power_on(self.options["ocr_busy_polls"])

    def _boot_elements(self):
        return ()  # WINCS02: BOOT carries no elements

    def __repr__(self):
        return "<wincsim.Module %s%s>" % (self._slave.card,
                                          "" if self._firmware_up else " booting")

    # -- power, boot and time ----------------------------------------------------------------

    def _power_up(self, sdio):
        """Start a boot. With sdio the card restarts too (MISO low for boot_ms)."""
        self._shutdown_features()
        self._link_down(sdio)
        self._boot_sdio = sdio
        self._boot_at = self._now() + self.options["boot_ms"] / 1000
        self._tick()

    def _shutdown_features(self):
        for feature in FEATURES:
            shutdown = getattr(feature, "shutdown", None)
            if shutdown is not None and self.state:
                shutdown(self)
        self.state = {}
        self.io.clear()  # pending timers (DNS answers, held messages) die with the firmware
        self._holds.drop()
        self._firmware_up = False
        self._pending_restart = None

    def _tick(self, wait_s=0):
        """Finish a boot that became due; run the firmware's timers and host-socket work.

        wait_s > 0 (the INT-pin wait only) blocks that long at most for host-socket activity.
        """
        if self._boot_at is not None and self._now() >= self._boot_at:
            self._boot()
        if self._firmware_up:
            self.io.poll(wait_s)
        elif wait_s > 0:
            time.sleep(wait_s)

    def _boot(self):
        self._boot_at = None
        self._link_up()
        for feature in FEATURES:
            boot = getattr(feature, "boot", None)
            if boot is not None:
                boot(self)
        self._firmware_up = True
        # [INFERRED] one BOOT AEC per boot, delivered once the host has enabled interrupts.
        self._post(codec.encode_aec(_ids.AEC_BOOT, self._boot_elements()))

    def _set_mclr(self, level):
        self._tick()
        level = 1 if level else 0
        if level != self._mclr:
            self._mclr = level
            if level:
                self._power_up(sdio=True)
            else:  # held in reset: everything lost, MISO low, INTOUT released
                self._power_off()
        self._settle()

    def _power_off(self):
        self._shutdown_features()
        self._boot_at = None
        self._link_off()

    def restart(self, sdio=True):
        """Module reset now (watchdog-like); ignored while MCLR holds the module in reset."""
        self._tick()
        if self._mclr:
            self._power_up(sdio)
        self._settle()

    def restart_when_quiet(self, sdio=True):
        """Module reset at the next point where no CS frame or SDIO transaction is open."""
        self._pending_restart = sdio  # may be called mid-transfer: _settle() acts on it later

    def _service(self, wait_s=0):
        self._tick(wait_s)
        self._settle()

    def _idle(self, timeout_s):
        """The INT-pin wait: up to timeout_s for host sockets or timers, then settle INTOUT."""
        self._service(min(timeout_s, _MAX_IDLE_S))

    def _settle(self):
        """Bring deferred work up to date after any interaction, then drive INTOUT."""
        quiet = not self._cs_low and self._slave.quiet
        if self._pending_restart is not None and quiet:
            self._power_up(self._pending_restart)
        if self._slave.quiet:  # no event is raised while an SDIO transaction is under way
            # Events wait for a finished handshake with interrupts on (the BOOT AEC included).
            self._mailbox.update(self._firmware_up and self._slave.card == READY
                                 and self._slave.interrupts_enabled()
                                 and self._mailbox.int_enable & MSG_FROM_ARM)
        # INTOUT is low exactly while MSG_FROM_ARM is set and enabled in CCCR and FN1.
        asserted = self._mclr and self._mailbox.int_pending and self._slave.interrupts_enabled()
        level = 0 if asserted else 1
        if level != self._int_level:
            self._int_level = level
            self.irq.edge(level)

    # -- the bus -----------------------------------------------------------------------------

    def _transfer(self, mosi):
        self._tick()
        self._bytes += len(mosi)
        if not self._cs_low:
            miso = bytearray(b"\xff") * len(mosi)  # not selected: nothing decoded
        else:
            miso = self._slave.clock(mosi)
        self._settle()
        return miso

    def _set_cs(self, level):
        low = not level
        if low != self._cs_low:
            self._cs_low = low
            if not low:
                self._frames += 1
        self._service()  # injected messages become events before the next transaction

    def _csa_list(self, n):
        return self._slave.csa_read(self._slave.csa_base, n)

    def _error(self, text):
        _log.warning("wincsim: %s", text)
        self._errors.append(text)

    # -- commands ----------------------------------------------------------------------------

    def _execute(self, data):
        """One complete request from the host: decode, log, run, queue RSPs and STATUS."""
        try:
            request = codec.decode_request(data)
        except codec.CodecError as e:
            if e.ident is None:
                self._error("request dropped: %s (%s)" % (e, bytes(data[:16]).hex()))
                return
            ident, seq = e.ident
            self._error("%s seq %d refused: %s" % (command_name(ident), seq, e))
            self._post(codec.encode_status(ident, seq, _ids.INVALID_PARAMETER))
            return
        self._perform(request)

    def _perform(self, request):
        """Log and run one decoded request, queue its RSPs and STATUS; False if the STATUS
        was dropped (fault drop_status)."""
        self._log.append({"id": request.id, "seq": request.seq, "name": command_name(request.id),
                          "params": request.values(),
                          "types": [el.code for el in request.elements]})
        reply = Reply()
        answer = self._faults.take("answer", request.id)
        status = answer["status"] if answer is not None else self._run(request, reply)
        for elements in reply.responses:
            self._post(codec.encode_rsp(request.id, request.seq, elements))
        if self._faults.take("drop_status", request.id) is not None:
            for fn in reply.after_status:  # nothing will be read: act now
                fn()
            return False
        after = reply.after_status
        self._holds.offer(codec.encode_status(request.id, request.seq, status),
                          (lambda: [fn() for fn in after]) if after else None,
                          status_of=request.id, sock=reply.sock)
        return True

    def _run(self, request, reply):
        handler = self.commands.get(request.id)
        if handler is None:
            return _ids.UNKNOWN_CMD
        try:
            status = handler(self, request, reply)
        except CommandError as e:
            reply.responses[:] = []
            reply.after_status[:] = []
            return e.status
        except Exception as e:  # an emulator bug: say so, and keep the link in step
            _log.exception("wincsim: handler for %s failed", command_name(request.id))
            self._errors.append("handler for %s failed: %r" % (command_name(request.id), e))
            reply.responses[:] = []
            reply.after_status[:] = []
            return _ids.ERROR
        return _ids.OK if status is None else status

    # -- what features use -------------------------------------------------------------------

    def post_aec(self, aec, elements=(), sock=None, on_read=None):
        """Queue an AEC for the host (subject to hold()); on_read runs once the host read it.

        `sock` is the socket id the AEC concerns: hold(kind, sock) matches it, and AECs of one
        socket never overtake each other.
        """
        aec = aec_id(aec)
        self._holds.offer(codec.encode_aec(aec, elements), on_read, aec=aec, sock=sock)

    def later(self, delay_s, fn):
        """Run fn() at the first poll delay_s or more from now; dropped by a module reset."""
        self.io.later(delay_s, fn)

    def now(self):
        """The module's clock, in seconds (the `clock` option, time.monotonic by default)."""
        return self._now()

    def take_fault(self, name, cmd=None, sock=None):
        """The settings of an armed fault matching cmd/sock, consuming one firing; else None."""
        return self._faults.take(name, cmd, sock)

    # -- life cycle ----------------------------------------------------------------------------

    def close(self):
        """Power the module off for good: every host socket is closed, timers are dropped."""
        if self.__dict__.get("_boot_sdio") is not None:  # construction may have failed half-way
            self._power_off()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    # -- control methods (the same names work through wincsim.remote) -------------------------

    def bus_counts(self):
        """SPI bytes clocked (CS high or low) and completed CS-low frames."""
        return {"bytes": self._bytes, "frames": self._frames}

    def clear_bus_counts(self):
        self._bytes = self._frames = 0

    def log(self):
        """Decoded host->module commands, in order: [(name, [param values])]."""
        return [(e["name"], list(e["params"])) for e in self._log]

    def log_detail(self):
        """[dict(id=, seq=, name=, params=, types=)] per decoded command, in order."""
        return [dict(e, params=list(e["params"]), types=list(e["types"])) for e in self._log]

    def clear_log(self):
        """Forget the command log and the recorded protocol errors."""
        self._log = []
        self._errors = []

    def errors(self):
        """Protocol violations and emulator failures seen, oldest first (also logged)."""
        return list(self._errors)

    # Injected messages are only queued: the event is raised at the next bus or pin
    # interaction, so several injections in a row can share one RX_REQ.

    def inject(self, aec, *elements):
        """Queue an AEC (name or id) with elements given as (code, value); hold() applies."""
        self._tick()
        self.post_aec(aec, elements)

    def inject_raw(self, data):
        """Queue raw bytes as one outbound message, zero-padded to a multiple of 4."""
        self._tick()
        self._post(codec.pad_message(bytes(data)))

    def answer(self, cmd, status):
        """The next command `cmd` (name or id) gets STATUS `status` only, no side effects."""
        self._faults.arm("answer", cmd=cmd, status=status)

    def fault(self, name, **args):
        """Arm a named fault of faults.FAULTS."""
        self._faults.arm(name, **args)
        self._service()

    def clear_faults(self):
        """Disarm every fault and pending answer()."""
        self._faults.clear()
        self._service()

    def mailbox_state(self):
        """Mailbox counts (event, INT_ID, announced/granted commands, outbox, FIFO bytes)."""
        self._service()
        return self._mailbox.snapshot()

    def hold(self, kind, sock=None, ms=None):
        """Hold back every STATUS of command `kind` and every AEC named `kind` until release().

        `kind` is a name ("SOCKBL", "SOCKIND"); SOCKCL and DNSRESOLV name both a command and an
        AEC, and hold both. With `sock`, only messages about that socket id are held (a
        command's first parameter; SOCKO's new id). With `ms`, each held message goes out ms
        after it was produced instead (the rule stays until release()). Held messages keep
        their order, and later AECs of a socket with a held AEC wait behind it.
        """
        self._holds.add(kind, sock, ms)

    def release(self):
        """Drop every hold() rule; everything held goes to the host now, in original order."""
        self._holds.release()
        self._service()

    def tx_stall(self, sock, status, count=1):
        """The next `count` SOCKWR/SOCKWRTO of socket id `sock` get STATUS `status` (name or
        code: SOCKET_NOT_READY 0x0E0C, SOCKET_SEQUENCE_ERROR 0x0E0D, SOCKET_SEND_FAILED
        0x0E08...) and their data is not kept."""
        self._faults.arm("tx_stall", sock=sock, status=status, count=count)

    def counters(self, sock=None):
        """Byte counts per socket id since it was opened: {id: {"pushed", "credited", "written",
        "received"}}, or one socket's dict if `sock` is given (KeyError if it never existed).

        pushed: data bytes sent to the host (SOCKRXT/SOCKRXU and SOCKRD/SOCKRDBUF answers);
        credited: bytes acknowledged by SOCKC ASYNC_NEXT_SN; written: bytes the module sent
        to its peer; received: bytes it read from the peer. Closed sockets stay listed until
        a reset or the id's reuse. Through wincsim.remote the ids arrive as strings (JSON).
        """
        self._service()
        table = self.state.get("sockets")
        counts = {} if table is None else {sid: dict(c) for sid, c in table.counters.items()}
        return counts if sock is None else counts[sock]

    def next_sock_id(self, n):
        """The next socket id handed out (SOCKO or an accepted connection) is n, or the first
        free one after it; ids count on from there. Kept across resets until used."""
        if not isinstance(n, int) or not 1 <= n <= 0xFFFF:
            raise ValueError("socket id %r (1-65535)" % (n,))
        self.env["next_sock_id"] = n

    def dns(self, name, addrs):
        """DNS table entry: `name` answers the loopback addresses `addrs` (strings, A before
        AAAA for ANY); [] removes the name. ValueError for any non-loopback address. Kept
        across resets; "localhost" -> ["127.0.0.1", "::1"] by default."""
        dns.resolver(self).set_answer(name, addrs)

    def dns_error(self, name, status):
        """Queries for `name` get AEC DNSERR(status) (name or code); None or OK clears."""
        dns.resolver(self).set_error(name, status)

    def dns_delay(self, ms):
        """DNSRESOLV answers (AEC DNSRESOLV/DNSERR) follow their STATUS after `ms` ms."""
        dns.resolver(self).set_delay(ms)

    def wifi_networks(self):
        """The emulated access points (copies): dicts of ssid, bssid, channel, rssi, security
        (SEC_TYPE 0-9), passphrase and hidden. Kept across resets; the `networks` option."""
        return wifi.networks(self)

    def wifi_add(self, ssid, bssid, channel=6, rssi=-50, security=3, passphrase="",
                 hidden=False):
        """Add an access point, or replace the one with that bssid; ValueError on bad values."""
        wifi.add(self, ssid, bssid, channel, rssi, security, passphrase, hidden)

    def wifi_remove(self, bssid):
        """Access point `bssid` goes away (KeyError if none); a station associated with it
        loses its link: AEC WSTALD at once."""
        self._tick()
        wifi.remove(self, bssid)
        self._settle()

    def wifi_roam(self, bssid):
        """The connected station moves to access point `bssid` of the same SSID: AEC WSTAROAM,
        same association id and address. ValueError if not connected, if `bssid` is another
        SSID's or the AP in use; KeyError if there is no such AP."""
        self._tick()
        wifi.roam(self, bssid)
        self._settle()

    def wifi_station(self):
        """{"state": "idle"|"connecting"|"connected", "assoc", "bssid", "channel", "address"}."""
        self._service()
        return wifi.station(self)

    def ap_join(self, mac, passphrase=""):
        """An emulated station `mac` associates to the running soft AP: AEC WAPSC, then WAPAIP
        with its lease if the DHCP server is on. {"assoc": id, "address": lease or None}; a
        host socket may bind the lease (127.x) as its source. OSError(ENETDOWN) if the AP is
        not running; ValueError for a wrong passphrase (nothing is sent), an 11th station or
        a station associated already."""
        self._tick()
        try:
            return softap.join(self, mac, passphrase)
        finally:
            self._settle()

    def ap_leave(self, mac):
        """Station `mac` leaves the soft AP: AEC WAPSD, its lease goes back to the pool;
        KeyError if it is not associated."""
        self._tick()
        try:
            softap.leave(self, mac)
        finally:
            self._settle()

    def ap_state(self):
        """{"running", "ssid", "channel", "security", "stations": [{"assoc", "mac", "address"}]};
        the settings the AP runs with, or while it is down the ones WAPC holds."""
        self._service()
        return softap.state(self)

    def ping_fail(self, fail=True):
        """While set, every PING gets AEC PINGERR, whatever its target. Kept across resets."""
        self._service()  # what fell due before sees the old setting
        ping.set_fail(self, fail)

    def sntp_fail(self, fail=True):
        """While set, every SNTP sync gets AEC SNTPERR. Kept across resets."""
        self._service()  # what fell due before sees the old setting
        clock.set_fail(self, fail)

    def module_time(self):
        """The module's clock in whole Unix seconds (0 at boot; TIME and SNTP set it)."""
        self._service()
        return clock.unix(self)

    def fs_files(self):
        """The module's files: {"<type>/<name>": length}, types as in §6.5 (1 CERT, 2 PRIKEY).
        Uploads under way are not files yet. Kept across resets."""
        return {"%d/%s" % key: len(data) for key, data in sorted(fs.files(self).items())}

    def fs_clear(self):
        """Delete every file (uploads under way go on)."""
        fs.files(self).clear()
