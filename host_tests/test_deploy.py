"""tools/deploy.py without a board: the --dry-run command list (every lib/winc module compiled and
copied to :lib/winc, the board module when asked), real compiles with --compile-only, and the
package.json for mip listing exactly lib/winc's modules and the board module.
"""
# cpython only: runs tools/deploy.py and mpy-cross as host processes

import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "tools", "deploy.py")
PACKAGE = os.path.join(ROOT, "lib", "winc")
BOARD = "SAME54_XPLAINED_PRO"


def _modules():
    return sorted(name[:-3] for name in os.listdir(PACKAGE) if name.endswith(".py"))


def _deploy(*args):
    run = subprocess.run([sys.executable, DEPLOY] + list(args), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _commands(*args):
    return [shlex.split(line) for line in _deploy("--dry-run", *args).splitlines()]


def _compiled(commands):
    """{-s source name: (.mpy target, source path)} of the mpy-cross commands."""
    found = {}
    for argv in commands:
        if os.path.basename(argv[0]).startswith("mpy-cross"):
            found[argv[argv.index("-s") + 1]] = (argv[argv.index("-o") + 1], argv[-1])
    return found


def _remote(commands):
    """The mpremote commands, each from its verb on (after `connect PORT`)."""
    return [argv[3:] for argv in commands if os.path.basename(argv[0]).startswith("mpremote")]


def test_dry_run_compiles_and_copies_every_module():
    commands = _commands("--port", "/dev/ttyACM9", "--out", "/tmp/winc-deploy-test")
    compiled = _compiled(commands)
    assert sorted(compiled) == ["winc/%s.py" % name for name in _modules()]
    for name in _modules():
        target, source = compiled["winc/%s.py" % name]
        assert target == "/tmp/winc-deploy-test/lib/winc/%s.mpy" % name
        assert source == os.path.join(PACKAGE, name + ".py")
    for argv in commands:
        if os.path.basename(argv[0]).startswith("mpremote"):
            assert argv[1:3] == ["connect", "/dev/ttyACM9"]
    remote = _remote(commands)
    assert remote[:2] == [["mkdir", ":lib"], ["mkdir", ":lib/winc"]]
    copies = [argv for argv in remote if argv[0] == "cp"]
    assert len(copies) == 1 and copies[0][-1] == ":lib/winc/"
    assert sorted(copies[0][1:-1]) == sorted(target for target, _ in compiled.values())
    assert not any("winc_board" in " ".join(argv) for argv in commands)


def test_dry_run_with_a_board_adds_its_module():
    commands = _commands("--board", BOARD, "--clean", "--out", "/tmp/winc-deploy-test")
    compiled = _compiled(commands)
    target, source = compiled["winc_board.py"]
    assert source == os.path.join(ROOT, "boards", "micropython", BOARD, "winc_board.py")
    assert target == "/tmp/winc-deploy-test/lib/winc_board.mpy"
    assert len(compiled) == len(_modules()) + 1
    remote = _remote(commands)
    assert remote[0] == ["rm", "-r", ":lib/winc"]  # --clean, before anything is copied
    assert ["cp", target, ":lib/winc_board.mpy"] in remote
    assert all(argv[1:3] == ["connect", "auto"] for argv in commands
               if os.path.basename(argv[0]).startswith("mpremote"))


def test_compile_only_writes_loadable_mpy_files(tmp_path):
    _deploy("--compile-only", "--board", BOARD, "--out", str(tmp_path))
    for name in _modules() + [None]:
        path = tmp_path / "lib" / ("winc_board.mpy" if name is None else "winc/%s.mpy" % name)
        header = path.read_bytes()[:2]
        assert header == b"M\x06", (path, header)  # .mpy format 6, what MicroPython >= 1.23 loads


def test_package_json_lists_lib_winc_and_the_board_module():
    with open(os.path.join(ROOT, "package.json")) as f:
        text = f.read()
    package = json.loads(text)
    assert text == _deploy("--package-json")  # regenerate: tools/deploy.py --package-json
    urls = dict(package["urls"])
    expected = {"winc/%s.py" % name: "lib/winc/%s.py" % name for name in _modules()}
    expected["winc_board.py"] = "boards/micropython/%s/winc_board.py" % BOARD
    assert urls == expected
    for source in urls.values():  # relative to package.json, which sits at the repository root
        assert os.path.exists(os.path.join(ROOT, source)), source
    assert package["version"]
