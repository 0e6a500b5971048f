"""winc.errno: the Linux errno numbers winc raises, including those MicroPython's errno lacks.

`errorcode` maps numbers back to names, as in MicroPython and CPython. DNS failures use the
negative EAI_* codes (socket-semantics C.4).
"""

from ._compat import const

EPERM = const(1)
ENOENT = const(2)
EIO = const(5)
EBADF = const(9)
EAGAIN = const(11)
EWOULDBLOCK = const(11)
ENOMEM = const(12)
EFAULT = const(14)
ENODEV = const(19)
EINVAL = const(22)
ENFILE = const(23)
ENOSPC = const(28)
EBADMSG = const(74)
ENOTSOCK = const(88)
EDESTADDRREQ = const(89)
EMSGSIZE = const(90)
ENOPROTOOPT = const(92)
EPROTONOSUPPORT = const(93)
EOPNOTSUPP = const(95)
EAFNOSUPPORT = const(97)
EADDRINUSE = const(98)
ECONNABORTED = const(103)
ECONNRESET = const(104)
ENOBUFS = const(105)
EISCONN = const(106)
ENOTCONN = const(107)
ETIMEDOUT = const(110)
ECONNREFUSED = const(111)
EHOSTUNREACH = const(113)
EALREADY = const(114)
EINPROGRESS = const(115)

EAI_BADFLAGS = const(-1)
EAI_NONAME = const(-2)
EAI_AGAIN = const(-3)
EAI_FAIL = const(-4)
EAI_NODATA = const(-5)
EAI_FAMILY = const(-6)
EAI_SOCKTYPE = const(-7)
EAI_SERVICE = const(-8)
EAI_MEMORY = const(-10)
EAI_SYSTEM = const(-11)
EAI_OVERFLOW = const(-12)

errorcode = {value: key for key, value in globals().items() if key[0] == "E" and key[1] != "W"
             and isinstance(value, int)}
