# winc on CircuitPython's same54_xplained, kept outside the CircuitPython tree. From ports/atmel-samd:
#   make -I /abs/path/to/winc/boards/circuitpython/same54_xplained BOARD=same54_xplained
# CircuitPython includes user_pre_mpconfigport.mk (searched along -I) after the board's
# mpconfigboard.mk and before its own defaults. The same lines can instead be appended to
# boards/same54_xplained/mpconfigboard.mk, with WINC_ROOT set to the winc checkout.

# The winc checkout: three levels above this file, unless given (make WINC_ROOT=...).
ifeq ($(WINC_ROOT),)
WINC_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../../..)
endif

# io.IOBase: winc's sockets are pollable streams (select.poll, asyncio); off by default here.
CIRCUITPY_IO_IOBASE = 1

# Frozen: the winc package (lib/, never the repo root: its tools/ and host_tests/ would freeze
# too), this directory's winc_board.py, and asyncio's Python part with its ticks dependency
# (CircuitPython's own frozen/ submodules: git submodule update --init them first).
FROZEN_MPY_DIRS += $(WINC_ROOT)/lib
FROZEN_MPY_DIRS += $(WINC_ROOT)/boards/circuitpython/same54_xplained
FROZEN_MPY_DIRS += $(TOP)/frozen/Adafruit_CircuitPython_asyncio
FROZEN_MPY_DIRS += $(TOP)/frozen/Adafruit_CircuitPython_Ticks
