"""tools/check_boards.py: manifests and board files of a fixture project, each fault reported."""
# cpython only: the checker is a host tool (it runs manifests, mpy-cross and the interpreter)

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import check_boards  # noqa: E402

BOARD = "boards/micropython/SAME54_XPLAINED_PRO"
CP_BOARD = "boards/circuitpython/same54_xplained"

README = """# Boards

| signal | MCU pin | EXT1 pin |
|---|---|---|
| SCK | PB26 | 18 |
| MOSI | PB27 | 16 |
| MISO | PB29 | 17 |
| CS | PB28 | 15 |
| RESET (MCLR) | PA06 | 5 |
| CHIP_EN | PB08 | 7 |
| INT (INTOUT) | PB07 | 9 |

Text after the table.
"""

PINS = """# WINCS02 on EXT1
WINC_SCK,PB26
WINC_MOSI,PB27
WINC_MISO,PB29
WINC_CS,PB28
WINC_RESET,PA06
WINC_CHIP_EN,PB08
WINC_INT,PB07

LED0,PC18
SW0,PB31
,PB24
"""

MANIFEST = """include("$(PORT_DIR)/mcu/samd51/manifest.py")
include("$(BOARD_DIR)/../../../manifest.py")
module("winc_board.py")
"""

MK = """MCU_SERIES = SAMD51
CMSIS_MCU = SAMD51P20A
LD_FILES = boards/samd51x20a.ld sections.ld
TEXT0 = 0x4000
MICROPY_HW_CODESIZE ?= 752K
FROZEN_MANIFEST ?= $(BOARD_DIR)/manifest.py
"""

CP_PRE = """# user configuration, found with make -I
ifeq ($(WINC_ROOT),)
WINC_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../../..)
endif
CIRCUITPY_IO_IOBASE = 1
FROZEN_MPY_DIRS += $(WINC_ROOT)/lib
FROZEN_MPY_DIRS += $(WINC_ROOT)/boards/circuitpython/same54_xplained
FROZEN_MPY_DIRS += $(TOP)/frozen/Adafruit_CircuitPython_asyncio
"""


def write(root, path, text):
    path = os.path.join(str(root), path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def project(root):
    """A project that passes: winc, one MicroPython board (with a variant), one CircuitPython."""
    files = {
        "manifest.py": 'package("winc", base_path="lib")\n',
        "lib/winc/__init__.py": '"""winc."""\n',
        "lib/winc/core.py": "def f(x):\n    return x + 1\n",
        "host_tests/support.py": "X = 1\n",
        "tools/helper.py": "Y = 2\n",
        "boards/README.md": README,
        BOARD + "/manifest.py": MANIFEST,
        BOARD + "/winc_board.py": "SPI_ID = 4\n",
        BOARD + "/mpconfigboard.mk": MK,
        BOARD + "/mpconfigboard.h": '#define MICROPY_HW_BOARD_NAME "SAM E54 Xplained Pro"\n'
                                    '#define MICROPY_HW_MCU_NAME "SAME54P20A"\n',
        BOARD + "/pins.csv": PINS,
        BOARD + "/mpconfigvariant_NOBOOTLOADER.mk":
            "TEXT0 = 0x0\nLD_FILES = $(BOARD_DIR)/nobootloader.ld sections.ld\n",
        BOARD + "/nobootloader.ld":
            "MEMORY\n{\n    FLASH (rx)  : ORIGIN = 0x00000000, LENGTH = _codesize\n}\n",
        CP_BOARD + "/user_pre_mpconfigport.mk": CP_PRE,
        CP_BOARD + "/winc_board.py": "import board\n",
    }
    for path, text in files.items():
        write(root, path, text)
    return str(root)


def edit(root, path, old, new):
    path = os.path.join(root, path)
    with open(path) as f:
        text = f.read()
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def problems(root):
    return check_boards.check(root)[0]


def reported(root, text):
    found = problems(root)
    assert any(text in p for p in found), found
    return found


def test_good_project_passes(tmp_path):
    root = project(tmp_path)
    found, notes = check_boards.check(root)
    assert found == []
    assert "manifest.py: 2 files frozen" in notes
    assert any("from the MicroPython tree: include $(PORT_DIR)/mcu/samd51/manifest.py" in n
               for n in notes), notes


def test_no_board_directories_pass(tmp_path):
    root = project(tmp_path)
    for kind in ("micropython", "circuitpython"):
        for dirpath, _, names in os.walk(os.path.join(root, "boards", kind), topdown=False):
            for name in names:
                os.remove(os.path.join(dirpath, name))
            os.rmdir(dirpath)
    assert problems(root) == []


def test_board_manifest_with_only_the_port_boards_manifest(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/manifest.py", "mcu/samd51/manifest.py", "boards/manifest.py")
    reported(root, "includes only $(PORT_DIR)/boards/manifest.py, which silently drops asyncio")


def test_board_manifest_without_the_project_manifest(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/manifest.py", 'include("$(BOARD_DIR)/../../../manifest.py")\n', "")
    reported(root, "does not include the project's manifest.py")


@pytest.mark.parametrize("call, frozen", [
    ('module("support.py", base_path="$(BOARD_DIR)/../../../host_tests")',
     "host_tests/support.py"),
    ('freeze("$(BOARD_DIR)/../../../tools", "helper.py")', "tools/helper.py"),
])
def test_host_only_files_are_never_frozen(tmp_path, call, frozen):
    root = project(tmp_path)
    edit(root, BOARD + "/manifest.py", 'module("winc_board.py")', call)
    reported(root, "freezes %s: nothing under host_tests/ or tools/ may be frozen" % frozen)


def test_missing_frozen_file(tmp_path):
    root = project(tmp_path)
    os.remove(os.path.join(root, BOARD, "winc_board.py"))
    reported(root, "frozen file does not exist: %s/winc_board.py" % BOARD)


def test_frozen_file_that_does_not_compile(tmp_path):
    root = project(tmp_path)
    write(root, "lib/winc/broken.py", "def f(:\n    pass\n")
    reported(root, "lib/winc/broken.py does not compile: SyntaxError")


def test_module_of_the_package_left_out_of_the_project_manifest(tmp_path):
    root = project(tmp_path)
    write(root, "manifest.py", 'package("winc", files=["__init__.py"], base_path="lib")\n')
    reported(root, "manifest.py: lib/winc/core.py is not frozen")


def test_error_in_a_manifest(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/manifest.py", 'module("winc_board.py")', 'frezee("x")')
    reported(root, "%s/manifest.py: error in manifest: NameError" % BOARD)


@pytest.mark.parametrize("line, message", [
    ("WINC_CS PB28", "pins.csv:5: expected NAME,Pxnn: 'WINC_CS PB28'"),
    ("WINC_CS,PE01", "pins.csv:5: 'PE01' is not a SAMD51 port pin (PA00..PD31)"),
    ("WINC_CS,PB32", "pins.csv:5: 'PB32' is not a SAMD51 port pin"),
    ("WINC_CS,PB28,x", "pins.csv:5: expected NAME,Pxnn"),
    ("WINC CS,PB28", "pins.csv:5: 'WINC CS' is not a pin name"),
])
def test_bad_pins_line(tmp_path, line, message):
    root = project(tmp_path)
    edit(root, BOARD + "/pins.csv", "WINC_CS,PB28", line)
    reported(root, message)


def test_duplicate_pin_name(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/pins.csv", "SW0,PB31", "LED0,PB31")
    reported(root, "pins.csv:11: name LED0 defined twice (first on line 10)")


def test_missing_winc_pins(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/pins.csv", "WINC_INT,PB07\n", "")
    edit(root, BOARD + "/pins.csv", "WINC_CHIP_EN,PB08\n", "")
    reported(root, "pins.csv: missing WINC_CHIP_EN, WINC_INT (needed: WINC_SCK")


def test_winc_pin_differs_from_the_readme_table(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/pins.csv", "WINC_CS,PB28", "WINC_CS,PC15")
    reported(root, "WINC_CS = PC15, but boards/README.md's EXT1 table says PB28")


def test_two_winc_signals_on_one_pin(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/pins.csv", "WINC_CS,PB28", "WINC_CS,PB26")
    reported(root, "WINC_SCK and WINC_CS share PB26")


def test_experimental_board_may_leave_out_the_unconfirmed_control_pins(tmp_path):
    root = project(tmp_path)
    for name in ("WINC_RESET,PA06\n", "WINC_INT,PB07\n"):
        edit(root, BOARD + "/pins.csv", name, "")
    reported(root, "pins.csv: missing WINC_RESET, WINC_INT")
    edit(root, BOARD + "/mpconfigboard.mk", "MCU_SERIES", "# EXPERIMENTAL: not tried\nMCU_SERIES")
    found, notes = check_boards.check(root)
    assert not any("missing WINC" in p for p in found), found
    assert BOARD + "/pins.csv: EXPERIMENTAL board without WINC_RESET, WINC_INT" in notes
    edit(root, BOARD + "/pins.csv", "WINC_CS,PB28\n", "")  # SPI pins: needed all the same
    reported(root, "pins.csv: missing WINC_CS")


def test_other_boards_need_the_winc_names_only(tmp_path):
    root = project(tmp_path)
    other = os.path.join(root, "boards", "micropython", "PIC32CX_SG41_CURIOSITY_ULTRA")
    os.rename(os.path.join(root, BOARD), other)
    edit(root, other + "/pins.csv", "WINC_CS,PB28", "WINC_CS,PC24")
    assert problems(root) == []


def test_bad_mcu_series(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/mpconfigboard.mk", "MCU_SERIES = SAMD51", "MCU_SERIES = SAMD21")
    found = reported(root, "mpconfigboard.mk: MCU_SERIES = SAMD21: must be SAMD51")
    assert len([p for p in found if "MCU_SERIES" in p]) == 1, found  # not again for the variant


@pytest.mark.parametrize("old, new, message", [
    ("CMSIS_MCU = SAMD51P20A", "CMSIS_MCU = SAME54P20A", "CMSIS_MCU = SAME54P20A: not a SAMD51"),
    ("TEXT0 = 0x4000", "TEXT0 = 0x2000", "TEXT0 = 0x2000: the 16 KiB UF2 bootloader layout"),
    ("LD_FILES = boards/samd51x20a.ld", "LD_FILES = boards/samd51x21a.ld",
     "LD_FILES entry boards/samd51x21a.ld is not a ports/samd linker script"),
    ("LD_FILES = boards/samd51x20a.ld", "LD_FILES = $(BOARD_DIR)/gone.ld",
     "LD_FILES names $(BOARD_DIR)/gone.ld, which does not exist"),
    ("FROZEN_MANIFEST ?= $(BOARD_DIR)/manifest.py", "FROZEN_MANIFEST ?= boards/manifest.py",
     "FROZEN_MANIFEST = boards/manifest.py: must be $(BOARD_DIR)/manifest.py"),
])
def test_bad_mpconfigboard_mk(tmp_path, old, new, message):
    root = project(tmp_path)
    edit(root, BOARD + "/mpconfigboard.mk", old, new)
    reported(root, "mpconfigboard.mk: " + message)


def test_variant_linked_where_its_linker_script_does_not_put_flash(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/nobootloader.ld", "ORIGIN = 0x00000000", "ORIGIN = 0x00004000")
    reported(root, "mpconfigvariant_NOBOOTLOADER.mk: TEXT0 = 0x0 but $(BOARD_DIR)/nobootloader.ld "
                   "puts FLASH at 0x4000")


def test_variant_without_bootloader_on_the_port_linker_script(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/mpconfigvariant_NOBOOTLOADER.mk", "$(BOARD_DIR)/nobootloader.ld",
         "boards/samd51x20a.ld")
    reported(root, "TEXT0 = 0x0 but boards/samd51x20a.ld puts FLASH at 0x4000")


def test_missing_board_files(tmp_path):
    root = project(tmp_path)
    os.remove(os.path.join(root, BOARD, "mpconfigboard.h"))
    os.rename(os.path.join(root, CP_BOARD, "user_pre_mpconfigport.mk"),
              os.path.join(root, CP_BOARD, "mpconfigboard.mk"))  # a whole board: files to match
    write(root, CP_BOARD + "/board.c", "")
    found = problems(root)
    assert BOARD + ": missing mpconfigboard.h" in found
    assert CP_BOARD + ": missing mpconfigboard.h" in found
    assert CP_BOARD + ": missing pins.c" in found
    os.remove(os.path.join(root, CP_BOARD, "mpconfigboard.mk"))
    reported(root, CP_BOARD + ": none of mpconfigboard.mk, user_pre_mpconfigport.mk")


def test_circuitpython_frozen_dirs_at_the_repo_root(tmp_path):
    root = project(tmp_path)
    edit(root, CP_BOARD + "/user_pre_mpconfigport.mk", "$(WINC_ROOT)/lib", "$(WINC_ROOT)")
    found = reported(root, "FROZEN_MPY_DIRS entry $(WINC_ROOT) is the repo root: name its lib/")
    assert any("FROZEN_MPY_DIRS does not name the project's lib/" in p for p in found), found


@pytest.mark.parametrize("old, new, message", [
    ("$(WINC_ROOT)/lib", "$(WINC_ROOT)/", "FROZEN_MPY_DIRS entry $(WINC_ROOT)/ is the repo root"),
    ("$(WINC_ROOT)/lib", "$(TOP)/lib", "FROZEN_MPY_DIRS does not name the project's lib/"),
    ("$(WINC_ROOT)/lib", "../../../../lib", "entry ../../../../lib: name the winc checkout"),
    ("$(WINC_ROOT)/lib", "$(WINC_ROOT)/host_tests", "freezes host_tests/support.py"),
    ("$(WINC_ROOT)/lib", "$(WINC_ROOT)/libs", "entry $(WINC_ROOT)/libs: no such directory libs"),
    ("../../..)", "../..)", "WINC_ROOT = $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../..) "
                           "is not the winc checkout"),
    ("CIRCUITPY_IO_IOBASE = 1\n", "", "CIRCUITPY_IO_IOBASE = (unset): must be 1"),
])
def test_bad_circuitpython_configuration(tmp_path, old, new, message):
    root = project(tmp_path)
    edit(root, CP_BOARD + "/user_pre_mpconfigport.mk", old, new)
    reported(root, message)


def test_circuitpython_post_configuration_overrides(tmp_path):
    root = project(tmp_path)
    write(root, CP_BOARD + "/user_post_mpconfigport.mk", "CIRCUITPY_IO_IOBASE = 0\n")
    reported(root, CP_BOARD + "/user_pre_mpconfigport.mk+user_post_mpconfigport.mk: "
                   "CIRCUITPY_IO_IOBASE = 0")


def test_circuitpython_frozen_board_module_must_compile(tmp_path):
    root = project(tmp_path)
    write(root, CP_BOARD + "/winc_board.py", "def f(:\n")
    reported(root, CP_BOARD + "/winc_board.py does not compile: SyntaxError")


def test_manifest_api(tmp_path):
    root = project(tmp_path)
    write(root, BOARD + "/extra/manifest.py",
          'options.defaults(drivers=False)\n'
          'if options.drivers:\n    module("drv.py")\n'
          'if options.missing is None:\n    module("also.py")\n')
    write(root, BOARD + "/extra/drv.py", "D = 1\n")
    write(root, BOARD + "/extra/also.py", "A = 1\n")
    write(root, BOARD + "/modules/pkg/a.py", "A = 1\n")
    write(root, BOARD + "/modules/b.py", "B = 1\n")
    edit(root, BOARD + "/manifest.py", 'module("winc_board.py")',
         'metadata(version="1.0")\n'
         'include("extra", drivers=True)\n'
         'include("$(BOARD_DIR)/extra")\n'  # the same manifest again: skipped
         'freeze("$(BOARD_DIR)/modules")\n'
         'freeze("modules", ("b.py",))\n'
         'require("aioble")\n'
         'include("$(MPY_DIR)/extmod/asyncio")\n')
    m = check_boards.Manifest(root, os.path.join(root, BOARD)).run(
        os.path.join(root, BOARD, "manifest.py"))
    assert m.problems == []
    targets = sorted(t for _, t, _, _ in m.files if not t.startswith("winc/"))
    assert targets == ["also.py", "b.py", "b.py", "drv.py", "pkg/a.py"]
    assert ("require", "aioble") in m.tree
    assert ("include", "$(MPY_DIR)/extmod/asyncio/manifest.py") in m.tree
    # b.py twice is the same file: allowed; another file under the same name is not
    write(root, BOARD + "/other/b.py", "B = 2\n")
    edit(root, BOARD + "/manifest.py", 'freeze("modules", ("b.py",))', 'freeze("other", "b.py")')
    reported(root, "b.py frozen twice")


def test_unknown_manifest_variable(tmp_path):
    root = project(tmp_path)
    edit(root, BOARD + "/manifest.py", 'module("winc_board.py")', 'include("$(WINC)/m.py")')
    reported(root, "unknown variable $(WINC)")


def test_budgets_fail_only_when_strict(tmp_path, monkeypatch, capsys):
    root = project(tmp_path)
    assert check_boards.main(["--root", root, "--no-heap", "--strict-size"]) == 0
    monkeypatch.setattr(check_boards, "BUDGET_WHOLE", 10)
    assert check_boards.main(["--root", root, "--no-heap"]) == 0
    assert check_boards.main(["--root", root, "--no-heap", "--strict-size"]) == 1
    out = capsys.readouterr().out
    assert "lib/winc as .mpy" in out and "budget     10  OVER by" in out


def test_romfs_image_layout():
    image = check_boards.romfs_image({"a.mpy": b"M\x06"})
    assert image[:3] == b"\xd2\xcd\x31" and len(image) % 2 == 0
    assert b"\x04\x11\x04winc\x05\x0a" in image  # winc/: 17 bytes, its one file record 10
    assert image.endswith(b"\x05\x0a\x05a.mpy\x02\x02M\x06")


def test_real_repo_passes(capsys):
    assert check_boards.main([]) == 0
    out = capsys.readouterr().out
    for line in ("lib/winc as .mpy", "SPI core as .mpy", "heap: import+WINCS02+socket"):
        assert line in out
    assert "0 problems" in out
