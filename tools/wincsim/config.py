"""emulator: the configuration-command pattern of spec §5.5 (CFG, DI, and later DNSC, WSTAC...).

`XXXC([prefix...,] [id [, value]])`: no id queries all, an id alone queries one, id + value
sets. Multi-valued parameters take INTEGER_FRAC ids `id.index`.
"""

from winc import _ids

from . import codec
from .commands import CommandError, integer, param_id, text
from .names import ACCESS_DENIED, INCORRECT_NUM_PARAMS

COMPLEX = "COMPLEX"  # a value of several elements, stored as a tuple of (code, value)

# How a value element is accepted for a parameter of a given code.
_INTEGER_CODES = ("U1", "U2", "U4", "I1", "I2", "I4", "BOOL", "BOOL4", "STATUS", "UTC")
_TEXT_CODES = ("STR", "BA", "LABEL")


class Param:
    """One configuration parameter: id, name, element code, default and access rules."""

    __slots__ = ("id", "name", "code", "default", "read_only", "limit", "indices", "preset")

    def __init__(self, id, name, code, default=None, *, read_only=False, limit=None,
                 indices=None, preset=False):
        self.id = id
        self.name = name
        self.code = code
        self.default = default
        self.read_only = read_only
        self.limit = limit  # (low, high) for integers, max length for text
        self.indices = tuple(indices) if indices is not None else None  # multi-valued slots
        self.preset = preset  # id 0: writing 0 reloads the defaults


def _id_element(ident, index):
    # [INFERRED] a plain id answers as a 4-byte unsigned, the width the host helper sends (§5.3).
    return ("U4", ident) if index is None else ("FRAC", (ident, index))


def _value_elements(param, value):
    if param.code == COMPLEX:
        return tuple(value or ())  # [INFERRED] an empty slot of a complex value: the id alone
    if value is None:  # unset: an empty TLV of the parameter's type (§5.1)
        return (codec.Element(codec.ENCODERS[param.code][0], b""),)
    return ((param.code, value),)


class ConfigTable:
    """Parameter values of one configuration command, with the §5.5 query/set rules."""

    def __init__(self, params, defaults=None):
        self.params = {p.id: p for p in params}
        self._overrides = dict(defaults or {})  # per-module defaults, e.g. from options
        self.reset()

    def reset(self):
        self.values = {}
        for p in self.params.values():
            default = self._overrides.get(p.id, p.default)
            if p.indices is None:
                self.values[p.id] = default
            else:
                given = dict(default or {})
                self.values[p.id] = {i: given.get(i) for i in p.indices}

    def get(self, ident, index=None):
        value = self.values[ident]
        return value if index is None else value[index]

    def setting(self, ident):
        """The value a feature acts on: one cleared by an empty TLV counts as the default."""
        value = self.values[ident]
        return self._overrides.get(ident, self.params[ident].default) if value is None else value

    def serve(self, reply, elements):
        """Answer one configuration command whose prefix (if any) the caller removed."""
        if not elements:
            for ident in sorted(self.params):
                self._query(reply, self.params[ident], None)
            return
        ident, index = param_id(elements[0])
        param = self.params.get(ident)
        if param is None:
            raise CommandError(_ids.INVALID_PARAMETER, "no parameter %d" % ident)
        if index is not None and (param.indices is None or index not in param.indices):
            raise CommandError(_ids.INVALID_PARAMETER, "no parameter %d.%d" % (ident, index))
        if len(elements) == 1:
            self._query(reply, param, index)
        elif param.read_only:
            raise CommandError(ACCESS_DENIED, "%s is read-only" % param.name)
        elif len(elements) > 2 or param.code == COMPLEX:
            raise CommandError(INCORRECT_NUM_PARAMS, "one value sets %s" % param.name)
        else:
            self._set(param, index, elements[1])

    def _query(self, reply, param, index):
        if param.indices is None:
            reply.rsp(_id_element(param.id, None), *_value_elements(param, self.values[param.id]))
            return
        slots = self.values[param.id]
        # [INFERRED] a multi-valued query answers one RSP per slot that holds a value.
        for i in (param.indices if index is None else (index,)):
            if index is not None or slots[i] is not None:
                reply.rsp(_id_element(param.id, i), *_value_elements(param, slots[i]))

    def _set(self, param, index, el):
        value = self._accept(param, el)
        if param.preset:
            if value != 0:
                raise CommandError(_ids.INVALID_PARAMETER, "preset %r" % value)
            self.reset()
        elif param.indices is None:
            self.values[param.id] = value
        else:
            slots = self.values[param.id]
            if index is None:  # a plain id appends (§5.5)
                free = [i for i in param.indices if slots[i] is None]
                if not free:
                    raise CommandError(_ids.INVALID_PARAMETER, "%s is full" % param.name)
                index = free[0]
            slots[index] = value

    def _accept(self, param, el):
        """The stored form of a value element for `param`, else INVALID_PARAMETER."""
        if not el.data and not param.preset:
            return "" if param.code in _TEXT_CODES else None  # an empty TLV clears (§5.1)
        if param.code in _INTEGER_CODES:
            value = integer(el)
            low, high = param.limit or (None, None)
            try:
                codec.element(param.code, value)  # fits the parameter's own width
            except codec.CodecError:
                raise CommandError(_ids.INVALID_PARAMETER, "%r out of range" % value) from None
            if low is not None and not low <= value <= high:
                raise CommandError(_ids.INVALID_PARAMETER, "%r out of range" % value)
            return value
        if param.code in _TEXT_CODES:
            data = el.data if el.type == _ids.T_LABEL else text(el)
            if data is None:
                raise CommandError(_ids.INVALID_PARAMETER, "%s is not text" % el.code)
            if param.limit is not None and len(data) > param.limit:
                raise CommandError(_ids.INVALID_PARAMETER, "longer than %d" % param.limit)
            return data if param.code == "BA" else data.decode("utf-8", "surrogateescape")
        if el.type != codec.ENCODERS[param.code][0]:
            raise CommandError(_ids.INVALID_PARAMETER, "%s where %s belongs" % (
                el.code, param.code))
        return el.value
