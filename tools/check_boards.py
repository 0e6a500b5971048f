"""Check the freeze manifests and the board files, and report winc's size and RAM budgets.

Structure (a problem here always fails):
- manifest.py and every boards/micropython/*/manifest.py are executed with stand-ins for
  MicroPython's manifest API (tools/manifestfile.py: include, require, add_library, package,
  module, c_module, freeze*, metadata, options). $(BOARD_DIR) resolves; paths into a MicroPython
  checkout ($(PORT_DIR), $(MPY_DIR), $(MPY_LIB_DIR)) cannot here: they are listed, and a board
  manifest must include $(PORT_DIR)/mcu/samd51/manifest.py (not only $(PORT_DIR)/boards/
  manifest.py, which drops asyncio) and the project's manifest.py. Every frozen file must exist
  and compile with mpy-cross, and none may come from host_tests/ or tools/.
- MicroPython boards: pins.csv (NAME,Pxnn; unique names; SAMD51 pins PA00-PD31; the WINC_*
  names; SAME54_XPLAINED_PRO's must match boards/README.md's EXT1 table), mpconfigboard.mk and
  any mpconfigvariant_*.mk (MCU_SERIES, CMSIS_MCU, LD_FILES, TEXT0, FROZEN_MANIFEST),
  mpconfigboard.h. CircuitPython boards: FROZEN_MPY_DIRS names the project's lib/,
  CIRCUITPY_IO_IOBASE = 1, the board files CircuitPython compiles.

Budgets (reported; they fail only with --strict-size): lib/winc as .mpy, the SPI-only core
(lib/winc less NOT_IN_SPI_CORE; it must not import those), and the heap winc holds after
`import winc`, a WINCS02 on the emulator and one socket, measured under the MicroPython
interpreter (tools/bench/mp_budget.py; a figure that cannot be measured counts as exceeded).
A table of .mpy sizes per module, largest first, guides the trimming.

    python tools/check_boards.py [--strict-size] [--no-heap] [--root DIR]
"""

import ast
import csv
import os
import posixpath
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import mp_runner  # noqa: E402
import mpy_gate  # noqa: E402

KB = 1024
BUDGET_WHOLE = 48 * KB  # lib/winc as .mpy
BUDGET_CORE = 32 * KB  # the SPI-only core as .mpy
BUDGET_HEAP = 16 * KB  # heap after import winc, a WINCS02 device and one socket

# The SPI-only core is lib/winc less these modules: the AT link of the RNWF02 (atcodec,
# uartlink, rnwf02) and the adapters above the services (socketpool and wifi for CircuitPython
# code, aio, the socket service, install()). What a WINCS02-only firmware has to freeze.
NOT_IN_SPI_CORE = ("atcodec", "uartlink", "rnwf02", "socketpool", "wifi", "aio", "service",
                   "_install")

WINC_PINS = ("WINC_SCK", "WINC_MOSI", "WINC_MISO", "WINC_CS", "WINC_RESET", "WINC_CHIP_EN",
             "WINC_INT")
# A board marked EXPERIMENTAL (in its mpconfigboard.mk, as the spec asks of boards not yet tried
# on hardware) may leave out these, where its user guide does not pin them down yet; the driver
# runs without them (no reset pulse, polling instead of INT). The SPI four are always needed.
UNCONFIRMED_OK = ("WINC_RESET", "WINC_CHIP_EN", "WINC_INT")
EXT1_BOARD = "SAME54_XPLAINED_PRO"  # its pins are the first "signal | MCU pin" table of
EXT1_README = "boards/README.md"  # this file ("... comes first")

PORT_MANIFEST = "$(PORT_DIR)/mcu/samd51/manifest.py"  # _boot.py, asyncio, the port's modules
PORT_BOARDS_MANIFEST = "$(PORT_DIR)/boards/manifest.py"  # the port's modules only
TREE_VARS = ("PORT_DIR", "MPY_DIR", "MPY_LIB_DIR")  # need a MicroPython checkout
# Linker scripts of ports/samd (MicroPython 1.29) a SAMD51 board may name port-relative, with
# the FLASH origin each sets (None: no MEMORY of its own).
PORT_LD = {"boards/samd51x19a.ld": 0x4000, "boards/samd51x20a.ld": 0x4000, "sections.ld": None}
BOOTLOADER_TEXT0 = 0x4000  # the 16 KiB UF2 bootloader the stock layout assumes
HOST_ONLY = ("host_tests", "tools")
CP_BOARD_FILES = ("mpconfigboard.mk", "mpconfigboard.h", "board.c", "pins.c")
# CircuitPython reads these in this order (py/circuitpy_mkenv.mk); the user_* ones are found
# along make's -I path, so a directory of them configures a stock board from outside the tree.
CP_MAKEFILES = ("mpconfigboard.mk", "user_pre_mpconfigport.mk", "user_post_mpconfigport.mk")
CP_TREE_VARS = ("TOP",)  # FROZEN_MPY_DIRS entries inside CircuitPython's own tree
MP_BOARD_FILES = ("mpconfigboard.mk", "mpconfigboard.h", "pins.csv", "manifest.py")


# ---- the manifest API ------------------------------------------------------------------------


class _Options:
    """`options` in a manifest: include()'s keyword arguments, None for any other name."""

    def __init__(self, given):
        self._given = given
        self._defaults = {}

    def defaults(self, **kwargs):
        self._defaults = kwargs

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._given.get(name, self._defaults.get(name))


class _Metadata:
    def __init__(self):
        self.version = self.description = self.license = self.author = None
        self.pypi = self.pypi_publish = None
        self.set = False


class Manifest:
    """A manifest executed as MicroPython's build would, with what it freezes collected.

    files: [(source path, target path, manifest that named it, opt)]; tree: [(call, path)] of the
    references into a MicroPython checkout; visited: the manifests executed.
    """

    def __init__(self, root, board_dir=None):
        self.root = root
        self._vars = {"BOARD_DIR": board_dir} if board_dir else {}
        self.files, self.tree, self.problems, self.visited = [], [], [], []
        self._running = []  # the manifests being executed, innermost last
        self._metadata = _Metadata()

    def run(self, path):
        self.include(path)
        return self

    def _where(self):
        return _rel(self.root, self._running[-1]) if self._running else "manifest"

    def _problem(self, text):
        self.problems.append("%s: %s" % (self._where(), text))

    def _resolve(self, call, path):
        """The absolute path, or None for a path into the MicroPython tree (recorded)."""
        for name, value in self._vars.items():
            path = path.replace("$(%s)" % name, value)
        names = re.findall(r"\$\(([^)]*)\)", path)
        if names:
            unknown = [n for n in names if n not in TREE_VARS and n != "BOARD_DIR"]
            if unknown:
                self._problem("%s(%r): unknown variable $(%s)" % (call, path, unknown[0]))
            else:
                self.tree.append((call, posixpath.normpath(path)))
            return None
        here = os.path.dirname(self._running[-1]) if self._running else os.getcwd()
        return os.path.normpath(os.path.join(here, path))

    def _globals(self, options):
        return {"include": self.include, "require": self.require,
                "add_library": self.add_library, "package": self.package, "module": self.module,
                "c_module": self.c_module, "metadata": self.metadata, "freeze": self.freeze,
                "freeze_as_str": self.freeze_as_str, "freeze_as_mpy": self.freeze_as_mpy,
                "freeze_mpy": self.freeze_mpy, "options": _Options(options)}

    def include(self, manifest_path, is_require=False, **kwargs):
        if not isinstance(manifest_path, str):
            for path in manifest_path:
                self.include(path, **kwargs)
            return
        if not manifest_path.endswith(".py") and any("$(%s)" % v in manifest_path
                                                     for v in TREE_VARS):
            manifest_path = manifest_path.rstrip("/") + "/manifest.py"  # a directory: its own
        path = self._resolve("include", manifest_path)
        if path is None:
            return
        if os.path.isdir(path):
            path = os.path.join(path, "manifest.py")
        if path in self.visited:
            return
        if not os.path.isfile(path):
            self._problem("include(%r): no such manifest %s" % (manifest_path,
                                                                _rel(self.root, path)))
            return
        self.visited.append(path)
        self._running.append(path)
        try:
            with open(path) as f:
                code = compile(f.read(), path, "exec")
            exec(code, self._globals(kwargs))
        except Exception as e:  # the build would stop here: report, check the rest
            self.problems.append("%s: error in manifest: %s: %s" % (
                _rel(self.root, path), type(e).__name__, e))
        finally:
            self._running.pop()

    def require(self, name, version=None, pypi=None, library=None, **kwargs):
        self.tree.append(("require", name))  # from micropython-lib, in the MicroPython tree

    def add_library(self, library, library_path, prepend=False):
        self._resolve("add_library", library_path)

    def metadata(self, **kwargs):
        if kwargs:
            if self._metadata.set:
                self._problem("duplicate call to metadata()")
            for key, value in kwargs.items():
                setattr(self._metadata, key, value)
            self._metadata.set = True
        return self._metadata

    def c_module(self, module_path):
        path = self._resolve("c_module", module_path)
        if path is not None and not os.path.isdir(path):
            self._problem("c_module(%r): no such directory" % module_path)

    def package(self, package_path, files=None, base_path=".", opt=None):
        base = self._resolve("package", base_path)
        if base is None:
            return
        if files is not None:
            for name in files:
                target = posixpath.join(package_path, name)
                self._add(os.path.join(base, target), target, opt)
        elif not self._walk(base, package_path, (".py",), opt):
            self._problem("package(%r, base_path=%r) freezes nothing: no .py files in %s" % (
                package_path, base_path, _rel(self.root, os.path.join(base, package_path))))

    def module(self, module_path, base_path=".", opt=None):
        base = self._resolve("module", base_path)
        if base is None:
            return
        if not module_path.lower().endswith(".py"):
            self._problem("module(%r): module must be .py file" % module_path)
            return
        self._add(os.path.join(base, module_path), module_path, opt)

    def freeze(self, path, script=None, opt=None):
        self._freeze("freeze", path, script, (".py", ".mpy"), opt)

    def freeze_as_str(self, path):
        self._freeze("freeze_as_str", path, None, (".py",), None)

    def freeze_as_mpy(self, path, script=None, opt=None):
        self._freeze("freeze_as_mpy", path, script, (".py",), opt)

    def freeze_mpy(self, path, script=None, opt=None):
        self._freeze("freeze_mpy", path, script, (".mpy",), opt)

    def _freeze(self, call, path, script, exts, opt):
        base = self._resolve(call, path)
        if base is None:
            return
        if script is None or isinstance(script, str) and os.path.isdir(
                os.path.join(base, script)):
            if not self._walk(base, script, exts, opt):
                self._problem("%s(%r) freezes nothing" % (call, path))
            return
        for name in (script,) if isinstance(script, str) else script:
            self._add(os.path.join(base, name), name, opt)

    def _walk(self, base, sub, exts, opt):
        top = os.path.join(base, sub) if sub else base
        found = 0
        for dirpath, dirs, names in os.walk(top, followlinks=True):
            dirs.sort()
            for name in sorted(names):
                if os.path.splitext(name)[1].lower() in exts:
                    full = os.path.join(dirpath, name)
                    self._add(full, os.path.relpath(full, base).replace(os.sep, "/"), opt)
                    found += 1
        return found

    def _add(self, full, target, opt):
        if not os.path.isfile(full):
            self._problem("frozen file does not exist: %s" % _rel(self.root, full))
            return
        self.files.append((full, target, self._running[-1], opt))


# ---- frozen sets -----------------------------------------------------------------------------


class Compiler:
    """mpy-cross over the frozen files, each compiled once: None or its error text."""

    def __init__(self, out):
        self._out = out
        self._done = {}

    def check(self, full, target, opt=None):
        key = (full, target, opt)
        if key not in self._done:
            if full.endswith(".mpy"):
                with open(full, "rb") as f:
                    head = f.read(2)
                ok = len(head) == 2 and head[:1] == b"M" and head[1] == 6
                self._done[key] = None if ok else "not a MicroPython .mpy of format 6"
            else:
                _, error = compile_py(full, target, self._out, len(self._done), opt)
                self._done[key] = error
        return self._done[key]


def compile_py(src, target, out, n=0, opt=None):
    """(size of the .mpy, None) or (None, mpy-cross's complaint)."""
    dest = os.path.join(out, "%d.mpy" % n)
    cmd = [mpy_gate.mpy_cross(), "-o", dest, "-s", target]
    if opt is not None:
        cmd.append("-O%d" % opt)
    run = subprocess.run(cmd + [src], capture_output=True, text=True)
    if run.returncode:
        lines = (run.stderr or run.stdout).strip().splitlines()
        return None, lines[-1] if lines else "mpy-cross failed"
    return os.path.getsize(dest), None


def check_frozen(root, files, compiler, where):
    """Problems of a frozen set: host-only sources, duplicate targets, mpy-cross rejections."""
    problems, targets = [], {}
    for full, target, _manifest, opt in files:
        rel = _rel(root, full)
        if rel.split("/")[0] in HOST_ONLY:
            problems.append("%s: freezes %s: nothing under host_tests/ or tools/ may be frozen"
                            % (where, rel))
        module = re.sub(r"\.(py|mpy)$", "", target)
        if module in targets and targets[module] != full:
            problems.append("%s: %s frozen twice (%s and %s)" % (where, target,
                                                                  _rel(root, targets[module]),
                                                                  rel))
        targets.setdefault(module, full)
        error = compiler.check(full, target, opt)
        if error:
            problems.append("%s: %s does not compile: %s" % (where, rel, error))
    return problems


def check_project_manifest(root, compiler):
    path = os.path.join(root, "manifest.py")
    if not os.path.isfile(path):
        return ["manifest.py: missing (the project's freeze manifest)"], None
    m = Manifest(root).run(path)
    problems = m.problems + check_frozen(root, m.files, compiler, "manifest.py")
    frozen = {full for full, _, _, _ in m.files}
    for full in _package_files(root):
        if full not in frozen:
            problems.append("manifest.py: %s is not frozen" % _rel(root, full))
    for full in sorted(frozen):
        if not _rel(root, full).startswith("lib/"):
            problems.append("manifest.py: freezes %s, outside lib/" % _rel(root, full))
    return problems, m


def check_board_manifest(root, board, compiler):
    where = _rel(root, os.path.join(board, "manifest.py"))
    m = Manifest(root, board).run(os.path.join(board, "manifest.py"))
    problems = m.problems + check_frozen(root, m.files, compiler, where)
    includes = [path for call, path in m.tree if call == "include"]
    if PORT_MANIFEST not in includes:
        if PORT_BOARDS_MANIFEST in includes:
            problems.append("%s: includes only %s, which silently drops asyncio: include %s "
                            "instead" % (where, PORT_BOARDS_MANIFEST, PORT_MANIFEST))
        else:
            problems.append("%s: does not include %s (the port's _boot.py and asyncio)" % (
                where, PORT_MANIFEST))
    if os.path.join(root, "manifest.py") not in m.visited:
        problems.append("%s: does not include the project's manifest.py (winc is not frozen)"
                        % where)
    return problems, m


def _package_files(root):
    found = []
    for dirpath, dirs, names in os.walk(os.path.join(root, "lib", "winc")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".py")]
    return found


# ---- board files -----------------------------------------------------------------------------


def read_mk(path, values=None):
    """A makefile's assignments in order (`?=` only where unset, `+=` appends); conditionals
    are not evaluated, so every branch counts."""
    values = dict(values or {})
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"(?:override\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|::=|:=|\+=|=)"
                     r"\s*(.*)$", line)
        if not m:
            continue
        name, op, value = m.groups()
        if op == "?=" and name in values:
            continue
        if op == "+=" and name in values:
            value = (values[name] + " " + value).strip()
        values[name] = value.strip()
    return values


def check_mk(board, values, where, variant=None, keys=None):
    """Problems of a board's make variables; keys: the variables to judge (None: all)."""
    problems = []
    say = problems.append
    if keys is None:
        keys = {"MCU_SERIES", "CMSIS_MCU", "TEXT0", "LD_FILES", "FROZEN_MANIFEST"}
    if "MCU_SERIES" in keys and values.get("MCU_SERIES") != "SAMD51":
        say("%s: MCU_SERIES = %s: must be SAMD51 (SAM E54 and PIC32CX SG build as SAMD51 "
            "parts)" % (where, values.get("MCU_SERIES", "(unset)")))
    if "CMSIS_MCU" in keys and not re.match(r"SAMD51[GJNP](18|19|20)A$",
                                            values.get("CMSIS_MCU", "")):
        say("%s: CMSIS_MCU = %s: not a SAMD51 part (SAMD51P20A for SAM E54)" % (
            where, values.get("CMSIS_MCU", "(unset)")))
    if "FROZEN_MANIFEST" in keys:
        manifest = posixpath.normpath(values.get("FROZEN_MANIFEST", ""))
        if manifest != "$(BOARD_DIR)/manifest.py":
            say("%s: FROZEN_MANIFEST = %s: must be $(BOARD_DIR)/manifest.py" % (
                where, values.get("FROZEN_MANIFEST", "(unset)")))
    if "TEXT0" not in keys and "LD_FILES" not in keys:
        return problems
    text0 = values.get("TEXT0")
    try:
        text0 = int(text0, 0)
    except (TypeError, ValueError):
        say("%s: TEXT0 = %s: not an address" % (where, text0 or "(unset)"))
        text0 = None
    if text0 is not None:
        want = 0 if variant == "NOBOOTLOADER" else BOOTLOADER_TEXT0 if variant is None else None
        if want is not None and text0 != want:
            say("%s: TEXT0 = %#x: %s wants %#x" % (
                where, text0, "a variant without bootloader" if want == 0 else
                "the 16 KiB UF2 bootloader layout", want))
    ld_files = values.get("LD_FILES", "").split()
    if not ld_files:
        say("%s: LD_FILES is not set" % where)
    for name in ld_files:
        if name.startswith("$(BOARD_DIR)/"):
            path = os.path.join(board, name[len("$(BOARD_DIR)/"):])
            if not os.path.isfile(path):
                say("%s: LD_FILES names %s, which does not exist" % (where, name))
                continue
            origin = _flash_origin(path)
        elif "$(" in name or os.path.isabs(name):
            say("%s: LD_FILES entry %s: neither $(BOARD_DIR)/... nor a ports/samd script" % (
                where, name))
            continue
        elif name not in PORT_LD:
            say("%s: LD_FILES entry %s is not a ports/samd linker script for SAMD51 (%s)" % (
                where, name, ", ".join(sorted(PORT_LD))))
            continue
        else:
            origin = PORT_LD[name]
        if origin is not None and text0 is not None and origin != text0:
            say("%s: TEXT0 = %#x but %s puts FLASH at %#x" % (where, text0, name, origin))
    return problems


def _flash_origin(path):
    with open(path) as f:
        m = re.search(r"FLASH\s*\([^)]*\)\s*:\s*ORIGIN\s*=\s*(0[xX][0-9a-fA-F]+|\d+)", f.read())
    return int(m.group(1), 0) if m else None


def read_pins(path, where):
    """({name: (cpu pin, line)}, problems) of a pins.csv, read as ports/samd's make-pins does."""
    pins, problems = {}, []
    with open(path, newline="") as f:
        for n, row in enumerate(csv.reader(f), 1):
            if not row or row[0].startswith("#"):
                continue
            text = ",".join(row)
            if len(row) != 2:
                problems.append("%s:%d: expected NAME,Pxnn: %r" % (where, n, text))
                continue
            name, cpu = (cell.strip() for cell in row)
            m = re.match(r"-?P([A-D])(\d\d)$", cpu)
            if not m or int(m.group(2)) > 31:
                problems.append("%s:%d: %r is not a SAMD51 port pin (PA00..PD31)" % (
                    where, n, cpu))
                continue
            if not name:
                continue  # a CPU pin made available without a board name
            if not re.match(r"-?[A-Za-z_][A-Za-z0-9_]*$", name):
                problems.append("%s:%d: %r is not a pin name" % (where, n, name))
                continue
            name = name.lstrip("-")
            if name in pins:
                problems.append("%s:%d: name %s defined twice (first on line %d)" % (
                    where, n, name, pins[name][1]))
                continue
            pins[name] = (cpu.lstrip("-"), n)
    return pins, problems


def read_ext1_table(root):
    """{WINC_* name: MCU pin} from the first "signal | MCU pin" table of boards/README.md."""
    path = os.path.join(root, EXT1_README)
    if not os.path.isfile(path):
        return None
    table, header = {}, None
    with open(path) as f:
        for line in f:
            if not line.startswith("|"):
                if table:
                    break
                header = None
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = [c.lower() for c in cells]
                continue
            if "signal" not in header or "mcu pin" not in header or set(cells[0]) <= set("-: "):
                continue
            signal = cells[header.index("signal")].split()[0].upper()
            table["WINC_" + signal] = cells[header.index("mcu pin")]
    return table or None


def check_pins(root, board, where, notes):
    pins, problems = read_pins(os.path.join(board, "pins.csv"), where)
    missing = [n for n in WINC_PINS if n not in pins]
    if missing and _experimental(board) and set(missing) <= set(UNCONFIRMED_OK):
        notes.append("%s: EXPERIMENTAL board without %s" % (where, ", ".join(missing)))
    elif missing:
        problems.append("%s: missing %s (needed: %s)" % (where, ", ".join(missing),
                                                          " ".join(WINC_PINS)))
    seen = {}
    for name in WINC_PINS:
        if name in pins:
            cpu = pins[name][0]
            if cpu in seen:
                problems.append("%s: %s and %s share %s" % (where, seen[cpu], name, cpu))
            seen.setdefault(cpu, name)
    if os.path.basename(board) == EXT1_BOARD:
        table = read_ext1_table(root)
        if table is None:
            problems.append("%s: %s has no signal | MCU pin table to check against" % (
                where, EXT1_README))
            return problems
        for name in WINC_PINS:
            if name not in table:
                problems.append("%s: %s's EXT1 table lacks %s" % (where, EXT1_README, name[5:]))
            elif name in pins and pins[name][0] != table[name]:
                problems.append("%s: %s = %s, but %s's EXT1 table says %s" % (
                    where, name, pins[name][0], EXT1_README, table[name]))
    return problems


def _experimental(board):
    try:
        with open(os.path.join(board, "mpconfigboard.mk")) as f:
            return any(line.startswith("#") and "EXPERIMENTAL" in line for line in f)
    except OSError:
        return False


def check_header(board, where):
    with open(os.path.join(board, "mpconfigboard.h")) as f:
        text = f.read()
    return ["%s: does not define %s" % (where, name)
            for name in ("MICROPY_HW_BOARD_NAME", "MICROPY_HW_MCU_NAME")
            if not re.search(r"^\s*#define\s+%s\b" % name, text, re.M)]


def check_micropython_board(root, board, compiler, notes):
    rel = _rel(root, board)
    missing = [n for n in MP_BOARD_FILES if not os.path.isfile(os.path.join(board, n))]
    problems = ["%s: missing %s" % (rel, n) for n in missing]
    manifest = None
    if "manifest.py" not in missing:
        found, manifest = check_board_manifest(root, board, compiler)
        problems += found
    if "pins.csv" not in missing:
        problems += check_pins(root, board, rel + "/pins.csv", notes)
    if "mpconfigboard.h" not in missing:
        problems += check_header(board, rel + "/mpconfigboard.h")
    if "mpconfigboard.mk" not in missing:
        values = read_mk(os.path.join(board, "mpconfigboard.mk"))
        problems += check_mk(board, values, rel + "/mpconfigboard.mk")
        for name in sorted(os.listdir(board)):  # included after mpconfigboard.mk
            m = re.match(r"mpconfigvariant_(\w+)\.mk$", name)
            if m:
                path = os.path.join(board, name)
                keys = set(read_mk(path)) | ({"TEXT0"} if m.group(1) == "NOBOOTLOADER" else set())
                problems += check_mk(board, read_mk(path, values), "%s/%s" % (rel, name),
                                     m.group(1), keys)
    return problems, manifest


def circuitpython_frozen(lib):
    """What CircuitPython freezes from a FROZEN_MPY_DIRS entry (tools/
    preprocess_frozen_modules.py): every .py below it, less top-level examples/, docs/, tests/,
    utils/, setup.py and conf.py; src/ instead when there is one."""
    if os.path.isdir(os.path.join(lib, "src")):
        lib = os.path.join(lib, "src")
    files = []
    for dirpath, dirs, names in os.walk(lib):
        if dirpath == lib:
            dirs[:] = [d for d in dirs if d not in ("examples", "docs", "tests", "utils")]
        dirs.sort()
        for name in sorted(names):
            if name.endswith(".py") and not (dirpath == lib and name in ("setup.py", "conf.py")):
                full = os.path.join(dirpath, name)
                files.append((full, os.path.relpath(full, lib).replace(os.sep, "/"), None, None))
    return files


def check_circuitpython_board(root, board, compiler, notes):
    """A CircuitPython board directory (mpconfigboard.mk and the files beside it, copied into
    ports/atmel-samd/boards/) or a user configuration (user_pre_mpconfigport.mk and/or
    user_post_mpconfigport.mk, found through `make -I`), read in CircuitPython's order."""
    rel = _rel(root, board)
    makefiles = [n for n in CP_MAKEFILES if os.path.isfile(os.path.join(board, n))]
    if not makefiles:
        return ["%s: none of %s" % (rel, ", ".join(CP_MAKEFILES))]
    problems = []
    if "mpconfigboard.mk" in makefiles:
        problems += ["%s: missing %s" % (rel, n) for n in CP_BOARD_FILES
                     if not os.path.isfile(os.path.join(board, n))]
    values = {}
    for name in makefiles:
        values = read_mk(os.path.join(board, name), values)
    where = "%s/%s" % (rel, "+".join(makefiles))
    if values.get("CIRCUITPY_IO_IOBASE") != "1":
        problems.append("%s: CIRCUITPY_IO_IOBASE = %s: must be 1 (io.IOBase: pollable sockets)"
                        % (where, values.get("CIRCUITPY_IO_IOBASE", "(unset)")))
    lib, elsewhere = os.path.join(root, "lib"), []
    dirs = values.get("FROZEN_MPY_DIRS", "").split()
    for entry in dirs:
        path = _cp_dir(root, board, values, entry, where, problems)
        if path is None:
            elsewhere.append(entry)
            continue
        if path == root:
            problems.append("%s: FROZEN_MPY_DIRS entry %s is the repo root: name its lib/ "
                            "(CircuitPython freezes every .py below an entry: host_tests/, "
                            "tools/)" % (where, entry))
        elif not os.path.isdir(path):
            problems.append("%s: FROZEN_MPY_DIRS entry %s: no such directory %s" % (
                where, entry, _rel(root, path)))
        else:
            problems += check_frozen(root, circuitpython_frozen(path), compiler, where)
    if lib not in [_cp_dir(root, board, values, e, where, []) for e in dirs]:
        problems.append("%s: FROZEN_MPY_DIRS does not name the project's lib/ (winc is not "
                        "frozen)" % where)
    if elsewhere:
        notes.append("%s: also frozen from the CircuitPython tree: %s" % (
            rel, " ".join(elsewhere)))
    return problems


def _cp_dir(root, board, values, entry, where, problems):
    """The project directory a FROZEN_MPY_DIRS entry names, or None for CircuitPython's own
    tree ($(TOP)). A leading $(VAR) is the winc checkout; where the makefile sets VAR relative
    to itself ($(abspath $(dir $(lastword $(MAKEFILE_LIST)))../..)) it must come to root."""
    m = re.match(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)(.*)$", entry)
    if not m:
        problems.append("%s: FROZEN_MPY_DIRS entry %s: name the winc checkout with a make "
                        "variable ($(WINC_ROOT)/lib): a bare path depends on where make runs"
                        % (where, entry))
        return None
    name, rest = m.groups()
    if name in CP_TREE_VARS:
        return None
    own = re.match(r"\$\(abspath \$\(dir \$\(lastword \$\(MAKEFILE_LIST\)\)\)(.*)\)$",
                   values.get(name, ""))
    if own and os.path.normpath(os.path.join(board, own.group(1))) != root:
        problems.append("%s: %s = %s is not the winc checkout" % (where, name, values[name]))
    return os.path.normpath(root + "/" + rest.strip("/")) if rest.strip("/") else root


def check(root=ROOT):
    """(problems, notes): every structural problem of root's manifests and boards."""
    problems, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        compiler = Compiler(tmp)
        found, m = check_project_manifest(root, compiler)
        problems += found
        if m:
            notes.append("manifest.py: %d files frozen" % len(m.files))
        for kind in ("micropython", "circuitpython"):
            top = os.path.join(root, "boards", kind)
            names = sorted(os.listdir(top)) if os.path.isdir(top) else []
            for name in names:
                board = os.path.join(top, name)
                if not os.path.isdir(board):
                    continue
                if kind == "micropython":
                    found, m = check_micropython_board(root, board, compiler, notes)
                    if m:
                        tree = sorted({"%s %s" % c for c in m.tree})
                        notes.append("%s: %d files frozen here; from the MicroPython tree: %s" % (
                            _rel(root, board), len(m.files), "; ".join(tree) or "nothing"))
                else:
                    found = check_circuitpython_board(root, board, compiler, notes)
                problems += found
            if not names:
                notes.append("boards/%s: no boards" % kind)
    return problems, notes


# ---- budgets ---------------------------------------------------------------------------------


def compile_package(root):
    """{module path under winc/: its .mpy bytes} of lib/winc; modules that do not compile are
    left out (check() reports them)."""
    mpys = {}
    package = os.path.join(root, "lib", "winc")
    with tempfile.TemporaryDirectory() as tmp:
        for n, full in enumerate(_package_files(root)):
            name = os.path.relpath(full, package).replace(os.sep, "/")
            size, _ = compile_py(full, "winc/" + name, tmp, n)
            if size is not None:
                with open(os.path.join(tmp, "%d.mpy" % n), "rb") as f:
                    mpys[name] = f.read()
    return mpys


def core_imports(root):
    """["core module -> excluded module"] for imports that would break a core-only build."""
    found = []
    package = os.path.join(root, "lib", "winc")
    for full in _package_files(root):
        name = os.path.relpath(full, package)[:-3].replace(os.sep, ".")
        if name in NOT_IN_SPI_CORE:
            continue
        with open(full) as f:
            try:
                tree = ast.parse(f.read())
            except SyntaxError:
                continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [a.name for a in node.names]
                found += ["%s -> %s" % (name, t) for t in targets
                          if t.split(".")[0] in NOT_IN_SPI_CORE]
    return found


def romfs_image(files):
    """A ROMFS (extmod/vfs_rom.c) holding one directory, winc/, of {name: bytes}."""
    entries = b"".join(_record(5, _uint(len(name)) + name.encode() + _record(2, data))
                       for name, data in sorted(files.items()))
    body = _record(4, _uint(4) + b"winc" + entries)
    size = _uint(len(body))
    if (3 + len(size) + len(body)) % 2:
        size = b"\x80" + size  # the whole image has an even length; 0x80 pads a varuint
    return b"\xd2\xcd\x31" + size + body


def _uint(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, 0x80 | n & 0x7F)
        n >>= 7
    return bytes(out)


def _record(kind, payload):
    return _uint(kind) + _uint(len(payload)) + payload


def measure_heap(mpys):
    """{step: heap bytes} from tools/bench/mp_budget.py with winc's .mpy files {name: bytes} in
    a ROMFS image, or (None, why it could not run)."""
    if any("/" in name for name in mpys):
        return None, "winc has subpackages: the ROMFS image holds one directory"
    with tempfile.TemporaryDirectory() as tmp:
        image = os.path.join(tmp, "winc.romfs")
        with open(image, "wb") as f:
            f.write(romfs_image({name[:-3] + ".mpy": data for name, data in mpys.items()}))
        client = os.path.join(tmp, "client")
        mpy_gate.compile_dir(os.path.join(ROOT, "tools", "wincsim"),
                             os.path.join(client, "wincsim"), mp_runner.CLIENT, "wincsim/")
        sock = os.path.join(tmp, "wincsim.sock")
        try:
            server = mp_runner.start_server(sock)
        except SystemExit as e:
            return None, str(e)
        try:
            env = dict(os.environ, WINCSIM_SOCKET=sock, MICROPYPATH=".frozen")
            run = subprocess.run([mp_runner.micropython(), "-X", "heapsize=1m",
                                  os.path.join(ROOT, "tools", "bench", "mp_budget.py"), image,
                                  client], env=env, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, "the MicroPython interpreter did not run: %s" % e
        finally:
            server.terminate()
            server.wait(10)
    for line in run.stdout.splitlines():
        if line.startswith("BUDGET "):
            return dict((k, int(v)) for k, v in (w.split("=") for w in line.split()[1:])), None
    return None, "mp_budget.py failed: " + (run.stderr.strip().splitlines() or ["?"])[-1]


def report_budgets(root, heap=True):
    """Print the size table and each budget; returns the names of the budgets exceeded."""
    over = []
    mpys = compile_package(root)
    sizes = {name: len(data) for name, data in mpys.items()}
    core = {n: s for n, s in sizes.items() if n[:-3].replace("/", ".") not in NOT_IN_SPI_CORE}
    print("== .mpy sizes (mpy-cross %s), largest first; * = SPI core" % _mpy_cross_version())
    for name, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        print("  %-22s %6d %s" % (name, size, "*" if name in core else ""))
    print("== budgets")
    for label, value, budget in (
            ("lib/winc as .mpy", sum(sizes.values()), BUDGET_WHOLE),
            ("SPI core as .mpy", sum(core.values()), BUDGET_CORE)):
        over += _budget_line(label, value, budget)
    print("  (SPI core: lib/winc less %s)" % ", ".join(NOT_IN_SPI_CORE))
    leaks = core_imports(root)
    if leaks:
        print("  SPI core imports outside itself: %s" % "; ".join(leaks))
        over.append("SPI core closure")
    if heap:
        steps, why = measure_heap(mpys)
        if steps is None:
            print("  heap: not measured: %s" % why)
            over.append("heap (not measured)")
        else:
            total = steps["modules"] + steps["device"] + steps["socket"]
            over += _budget_line("heap: import+WINCS02+socket", total, BUDGET_HEAP)
            print("  (modules %d, device after init() %d, one socket %d; MicroPython unix port,"
                  " %d-bit, winc's bytecode in a ROMFS as it is in flash when frozen)" % (
                      steps["modules"], steps["device"], steps["socket"], steps["bits"]))
    return over


def _budget_line(label, value, budget):
    status = "ok" if value <= budget else "OVER by %d" % (value - budget)
    print("  %-30s %7d bytes  budget %6d  %s" % (label, value, budget, status))
    return [] if value <= budget else [label]


def _mpy_cross_version():
    run = subprocess.run([mpy_gate.mpy_cross(), "--version"], capture_output=True, text=True)
    return (run.stdout.strip().split(" ") + ["?"])[1] if run.returncode == 0 else "?"


def _rel(root, path):
    return os.path.relpath(path, root).replace(os.sep, "/")


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    strict = "--strict-size" in args
    heap = "--no-heap" not in args
    root = ROOT
    if "--root" in args:
        root = os.path.abspath(args[args.index("--root") + 1])
    problems, notes = check(root)
    print("== manifests and boards")
    for note in notes:
        print("  " + note)
    for problem in problems:
        print("  PROBLEM " + problem)
    over = report_budgets(root, heap)
    print("== %d problems; %d budgets exceeded%s" % (
        len(problems), len(over), "" if strict or not over else " (fatal with --strict-size)"))
    return 1 if problems or (strict and over) else 0


if __name__ == "__main__":
    sys.exit(main())
