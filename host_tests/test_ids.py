"""The shared ID tables against the spec's own tables (§6.2-§6.4), so neither side can drift."""
# cpython only: reads the spec document from ../shared

import os
import re

from winc import _ids, _names

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "spec",
                    "wincs02-spi-protocol.md")
ROW = re.compile(r"\|\s*0x([0-9a-fA-F]{4})\s*\|\s*([A-Z0-9_]+)")


def _spec_table(heading):
    with open(SPEC) as f:
        text = f.read()
    start = text.index(heading)
    section = text[start:text.index("\n### ", start + 1)]
    return {int(h, 16): name for line in section.splitlines() for h, name in ROW.findall(line)}


def test_command_ids_match_the_spec():
    assert _names.table(_names.COMMANDS) == _spec_table("### 6.2 Command IDs")


def test_aec_ids_match_the_spec():
    assert _names.table(_names.AECS) == _spec_table("### 6.3 AEC IDs")


def test_status_codes_match_the_spec():
    spec = _spec_table("### 6.4 Status response codes")
    assert len(spec) == 92
    assert _names.table(_names.STATUSES) == spec


def test_constants_agree_with_the_tables():
    tables = {"AEC_": _names.table(_names.AECS)}
    commands = {v: k for k, v in _names.table(_names.COMMANDS).items()}
    statuses = {v: k for k, v in _names.table(_names.STATUSES).items()}
    aecs = {v: k for k, v in tables["AEC_"].items()}
    checked = 0
    for name in dir(_ids):
        value = getattr(_ids, name)
        if not isinstance(value, int) or name.startswith(("T_", "_")):
            continue
        if name in ("REQ", "STATUS", "RSP", "AEC"):
            continue
        if name.startswith("AEC_"):
            assert aecs[name[4:]] == value, name
        elif name in commands:
            assert commands[name] == value, name
        else:
            assert statuses[name] == value, name
        checked += 1
    assert checked > 60


def test_names_for_traces_and_errors():
    assert _names.name(_names.COMMANDS, 0x0E05) == "SOCKWR"
    assert _names.name(_names.STATUSES, 0x0E0D) == "SOCKET_SEQUENCE_ERROR"
    assert _names.name(_names.AECS, 0x7777) == "0x7777"
    for names in (_names.COMMANDS, _names.AECS, _names.STATUSES):
        for ident, first in _names.table(names).items():  # the scan agrees with the parse
            assert _names.name(names, ident) == first
