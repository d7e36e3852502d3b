"""`r1 completion SHELL` prints the checked-in script, and the wheel carries it.

A wheel is built from this checkout (hatchling, no build isolation: no network),
unpacked, and `r1 completion` is run from the unpacked copy — what a pip install
runs — so the packaged scripts are compared with `completions/` byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.runner import RunR1

ROOT = Path(__file__).resolve().parents[2]
SHELLS = ("bash", "zsh", "fish")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder a wheel of this checkout was unpacked into (like site-packages)."""
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("r1cli-*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    yield site
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.parametrize("shell", SHELLS)
def test_the_wheel_carries_the_checked_in_scripts(installed: Path, shell: str) -> None:
    packaged = installed / "r1cli" / "completions" / f"r1.{shell}"
    assert packaged.read_bytes() == (ROOT / "completions" / f"r1.{shell}").read_bytes()


@pytest.mark.parametrize("shell", SHELLS)
def test_r1_completion_from_the_installed_package(
    installed: Path, shell: str, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    done = subprocess.run(
        [sys.executable, "-m", "r1cli", "completion", shell],
        capture_output=True,
        env=env,
        cwd=tmp_path,  # far from the checkout: only the package's copy can be found
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (ROOT / "completions" / f"r1.{shell}").read_bytes()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_readme_bash_line_registers_the_completion(
    installed: Path, tmp_path: Path
) -> None:
    # The README: eval "$(r1 completion bash)" in ~/.bashrc.
    shim = tmp_path / "bin" / "r1"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m r1cli "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PYTHONPATH": str(installed),
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "--norc", "-c", 'eval "$(r1 completion bash)" && complete -p r1'],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("complete ")


def test_r1_completion_in_process(call_r1: RunR1) -> None:
    result = call_r1("completion", "zsh")
    assert result.returncode == 0
    assert result.stdout_bytes == (ROOT / "completions" / "r1.zsh").read_bytes()
    bad = call_r1("completion", "tcsh")
    assert bad.returncode == 2 and bad.error_lines()
