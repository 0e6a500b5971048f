# MicroPython freeze manifest: the winc package (lib/winc), nothing host-only.
package("winc", base_path="lib")
