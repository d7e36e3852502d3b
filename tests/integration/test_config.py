"""`r1 config` edits config.toml in place and validates what it writes."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.runner import Result, RunR1


@pytest.fixture
def r1(call_r1: RunR1) -> Callable[..., Result]:
    """`r1 config ARGS…` in-process, with `R1CLI_HOME` at the given home."""

    def run(home: Path, *args: str) -> Result:
        return call_r1("config", *args, env={"R1CLI_HOME": str(home)})

    return run


@pytest.fixture
def home(tmp_path: Path) -> Path:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '# mine\nprovider = "deepseek"\n\n[params]\n# keep me\nmax_tokens = 100\n'
    )
    return tmp_path


def test_set_and_unset_keep_comments_and_layout(
    r1: Callable[..., Result], home: Path
) -> None:
    assert r1(home, "set", "timeout", "600").returncode == 0
    assert r1(home, "set", "params.temperature", "0.6").returncode == 0
    assert r1(home, "unset", "params.max_tokens").returncode == 0
    text = (home / "config" / "config.toml").read_text()
    assert text == (
        '# mine\nprovider = "deepseek"\ntimeout = 600.0\n\n[params]\n# keep me\ntemperature = 0.6\n'
    )
    assert stat.S_IMODE((home / "config" / "config.toml").stat().st_mode) == 0o600
    assert r1(home, "get", "timeout").stdout.strip() == "600.0"


def test_bad_values_and_keys_are_refused_without_touching_the_file(
    r1: Callable[..., Result], home: Path
) -> None:
    before = (home / "config" / "config.toml").read_bytes()
    wrong_type = r1(home, "set", "timeout", "soon")
    unknown = r1(home, "set", "colour", "false")
    assert (wrong_type.returncode, unknown.returncode) == (3, 2)
    assert wrong_type.stderr.startswith("error: timeout: expected a number")
    assert "known settings:" in unknown.stderr
    assert (home / "config" / "config.toml").read_bytes() == before


def test_a_broken_file_is_reported_with_its_line_and_still_has_a_path(
    r1: Callable[..., Result], home: Path
) -> None:
    config = home / "config" / "config.toml"
    config.write_text('provider = "deepseek"\ntimeout = = 3\n')
    shown = r1(home, "show")
    assert shown.returncode == 3
    assert "line 2" in shown.stderr and "Traceback" not in shown.stderr
    assert r1(home, "path").stdout.strip() == str(config)
