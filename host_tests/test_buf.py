"""_buf on both runtimes: RingIO (MicroPython's own, or the Python one under CPython) behaves
the same, copies wrap and take no slice, views are made once per position or length."""

from support import raises

from winc import tlv
from winc._buf import Prefixes, RingIO, Span, Views, copy, skip


def test_ringio_holds_one_byte_less_than_its_buffer_and_never_rewinds():
    store = bytearray(8)
    ring = RingIO(store)
    assert ring.write(b"0123456789") == 7
    assert ring.any() == 7
    out = bytearray(8)
    assert ring.readinto(out, 5) == 5 and bytes(out[:5]) == b"01234"
    assert ring.write(b"XYZW") == 4
    # The socket peeks into the storage by its own copy of the read position: the ring must
    # lay bytes out exactly so, and not move back to 0 when it empties.
    assert bytes(store) == b"YZW3456X"
    assert ring.readinto(out) == 6 and bytes(out[:6]) == b"56XYZW"
    assert ring.any() == 0
    ring.write(b"q")
    assert store[3] == ord("q")


def test_ringio_write_takes_an_offset_and_a_length():
    ring = RingIO(bytearray(16))
    assert ring.write(b"abcdefgh", 2, 3) == 3
    assert ring.write(memoryview(b"abcdefgh"), 6, 10) == 2  # as far as the buffer goes
    out = bytearray(8)
    assert ring.readinto(out, 8) == 5 and bytes(out[:5]) == b"cdegh"


def test_copy_takes_n_bytes_from_an_offset_and_wraps_at_the_end_of_the_source():
    src = bytearray(b"0123456789")
    dst = bytearray(6)
    copy(dst, src, 7, 6)
    assert bytes(dst) == b"789012"
    copy(dst, src, 2, 3)
    assert bytes(dst) == b"234012"
    copy(memoryview(dst)[2:], src, 9, 1)
    assert bytes(dst) == b"239012"


def test_skip_drops_bytes_from_a_ring():
    ring = RingIO(bytearray(2000))
    ring.write(bytes(range(200)) * 8)
    skip(ring, 1473)
    out = bytearray(8)
    assert ring.readinto(out, 8) == 8 and bytes(out) == bytes(range(73, 81))


def test_a_span_encodes_like_the_bytes_it_stands_for_even_across_the_ring_end():
    ring = bytearray(b"ABCDEFGHIJKLMNOP")
    span = Span()
    span.buf, span.off, span.n = ring, 13, 6  # NOP + ABC
    expected = bytearray(64)
    got = bytearray(64)
    n = tlv.encode_request(expected, 0x0E05, 9, [tlv.U2, 1, tlv.BYTES, b"NOPABC"], 4)
    assert tlv.encode_request(got, 0x0E05, 9, [tlv.U2, 1, tlv.BYTES, span], 4) == n
    assert got == expected
    assert tlv.encode_request(None, 0x0E05, 9, [tlv.U2, 1, tlv.BYTES, span]) == n


def test_views_are_made_once_per_position_and_dropped_together_when_full():
    buf = bytearray(range(64))
    views = Views(buf, 2)
    first = views.get(8, 16)
    assert views.get(8, 16) is first and bytes(first) == bytes(range(8, 24))
    assert views.get(8, 15) is not first
    views.get(0, 64)  # a third: the cache starts again
    assert views.get(8, 16) is not first
    assert len(views.get(0, 64)) == 64
    raises(ValueError, Views, bytearray(32769))


def test_prefixes_are_kept_one_per_length():
    prefixes = Prefixes(bytearray(512))
    twenty = prefixes.get(20)
    assert len(twenty) == 20 and prefixes.get(20) is twenty
    assert len(prefixes.get(512)) == 512
    assert prefixes.made == 2
    assert len(prefixes.get(6)) == 6 and prefixes.made == 2  # not a multiple of 4: not kept
