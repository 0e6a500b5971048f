"""addresses: IPv4/IPv6 text <-> packed bytes, and (host, port) tuple checks for winc.socket."""

_AF_INET = 2
_AF_INET6 = 10
_EAFNOSUPPORT = 97


def pton(af, text):
    """Packed address of `text` in family af; ValueError if it is not such a literal."""
    if af == _AF_INET:
        return _pton4(text)
    if af == _AF_INET6:
        return _pton6(text)
    raise OSError(_EAFNOSUPPORT, "address family")


def ntop(af, packed):
    if af == _AF_INET and len(packed) == 4:
        return "%d.%d.%d.%d" % (packed[0], packed[1], packed[2], packed[3])
    if af == _AF_INET6 and len(packed) == 16:
        return _ntop6(packed)
    raise ValueError("packed address")


def literal(text):
    """(af, packed) if text is an IPv4 or IPv6 literal, else None (a host name)."""
    for af in (_AF_INET, _AF_INET6):
        try:
            return af, pton(af, text)
        except ValueError:
            pass
    return None


def _pton4(text):
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError("not an IPv4 address")
    out = bytearray(4)
    for i, part in enumerate(parts):
        if not part.isdigit() or len(part) > 3 or int(part) > 255:
            raise ValueError("not an IPv4 address")
        out[i] = int(part)
    return bytes(out)


def _pton6(text):
    if "%" in text:
        text = text[:text.index("%")]  # a zone index names an interface: the module has one
    if text.count("::") > 1 or not text or ":" not in text:
        raise ValueError("not an IPv6 address")
    head, _, tail = text.partition("::") if "::" in text else (text, "", "")
    words = []
    for side in (head, tail):
        groups = side.split(":") if side else []
        if groups and "." in groups[-1]:  # an embedded IPv4 tail: ::ffff:1.2.3.4
            v4 = _pton4(groups.pop())
            groups.append("%x" % (v4[0] << 8 | v4[1]))
            groups.append("%x" % (v4[2] << 8 | v4[3]))
        for group in groups:
            if not 1 <= len(group) <= 4:
                raise ValueError("not an IPv6 address")
            try:
                words.append(int(group, 16))
            except ValueError:
                raise ValueError("not an IPv6 address") from None
        if side is head:
            gap = len(words)
    if "::" in text:
        if len(words) > 7:
            raise ValueError("not an IPv6 address")
        words[gap:gap] = [0] * (8 - len(words))
    elif len(words) != 8:
        raise ValueError("not an IPv6 address")
    out = bytearray(16)
    for i, word in enumerate(words):
        out[2 * i] = word >> 8
        out[2 * i + 1] = word & 0xFF
    return bytes(out)


def _ntop6(packed):
    words = [packed[i] << 8 | packed[i + 1] for i in range(0, 16, 2)]
    best, best_len, run, run_len = -1, 0, -1, 0
    for i, word in enumerate(words):  # the longest run of two or more zero words becomes ::
        if word == 0:
            if run < 0:
                run, run_len = i, 0
            run_len += 1
            if run_len > best_len:
                best, best_len = run, run_len
        else:
            run = -1
    if best_len < 2:
        return ":".join("%x" % w for w in words)
    left = ":".join("%x" % w for w in words[:best])
    right = ":".join("%x" % w for w in words[best + best_len:])
    return left + "::" + right
