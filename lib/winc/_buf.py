"""buffers that move data without allocating: views cached by position, and a byte ring.

MicroPython allocates a memoryview object for every slice taken of a buffer; the data path
takes its slices here, once per position, and copies through RingIO where the port has it.
"""

from ._compat import const

_LIMIT = const(32768)  # offsets and lengths below this keep cache keys small ints on an MCU


class Views:
    """Memoryview slices of one buffer, each made once per (offset, length)."""

    def __init__(self, buf, size=16):
        if len(buf) > _LIMIT:
            raise ValueError("buffer over %d bytes" % _LIMIT)
        self.whole = memoryview(buf)
        self._cache = {}
        self._size = size

    def get(self, off, n):
        key = off << 15 | (n & 0x7FFF)  # n == 32768 only with off == 0: the key stays unique
        view = self._cache.get(key)
        if view is None:
            if len(self._cache) >= self._size:
                self._cache.clear()
            view = self._cache[key] = self.whole[off : off + n]
        return view


class Prefixes:
    """Views of buf[:n], one per length that is a multiple of 4 (all link transfers are), kept."""

    def __init__(self, buf):
        self._whole = memoryview(buf)
        self._views = [None] * (len(buf) // 4 + 1)
        self.made = 0  # views made so far: a benchmark tells them from other allocations

    def get(self, n):
        if n & 3:
            return self._whole[:n]
        view = self._views[n >> 2]
        if view is None:
            view = self._views[n >> 2] = self._whole[:n]
            self.made += 1
        return view


try:
    from micropython import RingIO

    _NATIVE = True
except ImportError:  # CPython, CircuitPython: the same ring in Python (these slices allocate)
    _NATIVE = False

    class RingIO:
        """micropython.RingIO over a given buffer: holds len(buf) - 1 bytes."""

        def __init__(self, buf):
            self._buf = buf
            self._size = len(buf)
            self._get = self._put = 0

        def any(self):
            return (self._put - self._get) % self._size

        def write(self, data, off=0, nbytes=-1):
            """Stream write of data[off:off + nbytes], as far as there is room."""
            n = len(data) - off if nbytes < 0 else min(nbytes, len(data) - off)
            n = min(n, self._size - 1 - self.any())
            first = min(n, self._size - self._put)
            self._buf[self._put : self._put + first] = data[off : off + first]
            self._buf[: n - first] = data[off + first : off + n]
            self._put = (self._put + n) % self._size
            return n

        def readinto(self, buf, nbytes=-1):
            n = len(buf) if nbytes < 0 else min(nbytes, len(buf))
            n = min(n, self.any())
            first = min(n, self._size - self._get)
            buf[:first] = self._buf[self._get : self._get + first]
            buf[first:n] = self._buf[: n - first]
            self._get = (self._get + n) % self._size
            return n

        def read(self, nbytes):
            buf = bytearray(min(nbytes, self.any()))
            self.readinto(buf)
            return bytes(buf)


_PIPE = const(1473)  # the longest piece copied: a datagram of 1472 bytes
_pipe_buf = None
_pipe = None


def _scratch():
    global _pipe_buf, _pipe
    if _pipe is None:
        _pipe_buf = bytearray(_PIPE + 1)
        _pipe = RingIO(_pipe_buf)
    return _pipe


def copy(dst, src, off, n):
    """dst[:n] = n bytes of src from off, wrapping to src[0] at its end (src is a ring)."""
    first = len(src) - off
    if first > n:
        first = n
    if _NATIVE:
        _through_pipe(dst, src, off, n, first)
    else:
        dst[:first] = src[off : off + first]
        dst[first:n] = src[: n - first]


def _through_pipe(dst, src, off, n, first):
    # RingIO's write(buf, off, len) and readinto(buf, n) take no slice: nothing is allocated.
    _scratch().write(src, off, first)
    if first < n:
        _pipe.write(src, 0, n - first)
    _pipe.readinto(dst, n)


def skip(ring, n):
    """Drop n (<= 1473) bytes from a RingIO, into the pipe's storage (idle between copies)."""
    _scratch()
    ring.readinto(_pipe_buf, n)


class Span:
    """n bytes of a ring buffer from off as an encoder parameter, taken without a slice."""

    def __init__(self):
        self.buf = b""
        self.off = self.n = 0
        self._dst = self._dst_buf = None
        self._dst_at = -1

    def __len__(self):
        return self.n

    def copy_to(self, dst, p):
        """dst[p:p + n] = the span; the view of dst from p is kept for the next time."""
        if dst is not self._dst_buf or p != self._dst_at:
            self._dst_buf = dst
            self._dst_at = p
            self._dst = memoryview(dst)[p:]
        copy(self._dst, self.buf, self.off, self.n)
