"""The C++ core builds and works without Python: configure it alone with CMake,
build the self test, and run it through ctest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_core_builds_and_passes_its_selftest(tmp_path: Path) -> None:
    if not (SOURCE / "CMakeLists.txt").exists():
        pytest.fail(f"the project's CMakeLists.txt is not beside the tests ({SOURCE})")
    cmake = shutil.which("cmake")  # the test extra brings cmake and ninja
    assert cmake is not None, "cmake is not installed: pip install '.[test]'"
    build = tmp_path / "build"
    configure = [cmake, "-S", str(SOURCE), "-B", str(build), "-DDELTAFORM_PYTHON=OFF", "-DDELTAFORM_CPP_TESTS=ON",
                 "-DCMAKE_BUILD_TYPE=Release"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    run = lambda cmd: subprocess.run(cmd, capture_output=True, text=True, timeout=900)  # noqa: E731
    done = run(configure)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run([cmake, "--build", str(build), "--target", "deltaform_selftest", "-j2"])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    done = subprocess.run([str(build / "deltaform_selftest")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 failed" in done.stdout
