"""`r1 config set|unset` keep the user's file: every TOML feature below survives a set
and an unset byte for byte outside the changed value; tomlkit (which does the editing)
is never imported by other commands."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.runner import ROOT, RunR1

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

CONFIG = '''\
# My r1 settings.
provider = "deepseek"  # the cheap one
system = """
You are terse.
Say "no" when unsure; temperature = 3 is not a setting here.
"""
params.top_p = 0.9   # a dotted key
params.seed = 1

[aliases]
"fast-r1" = "deepseek/deepseek-r1-0528:free"   # quoted key
slow = 'deepseek/deepseek-r1'

[providers."my.box"]   # a quoted table name
base_url = "http://127.0.0.1:9/v1"
headers = { "X-Team" = "r1", Accept = "text/event-stream" }   # inline table

[roles.poet]
system = """Answer in verse.
Rhyme if you can."""
'''


@pytest.fixture
def config(r1_home: Path) -> Path:
    path = r1_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(CONFIG, encoding="utf-8")
    return path


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines only in `before`, lines only in `after`."""
    old, new = before.splitlines(), after.splitlines()
    return [x for x in old if x not in new], [x for x in new if x not in old]


@pytest.mark.parametrize(
    ("args", "removed", "added"),
    [
        (("set", "timeout", "60"), [], ["timeout = 60.0"]),
        (
            ("set", "provider", "openrouter"),
            ['provider = "deepseek"  # the cheap one'],
            ['provider = "openrouter"  # the cheap one'],
        ),
        (
            ("set", "params.top_p", "0.5"),
            ["params.top_p = 0.9   # a dotted key"],
            ["params.top_p = 0.5   # a dotted key"],
        ),
        (("unset", "params.seed"), ["params.seed = 1"], []),
        (
            ("set", "aliases.fast-r1", "x/y"),
            ['"fast-r1" = "deepseek/deepseek-r1-0528:free"   # quoted key'],
            ['"fast-r1" = "x/y"   # quoted key'],
        ),
        (("unset", "aliases.slow"), ["slow = 'deepseek/deepseek-r1'"], []),
    ],
)
def test_a_set_or_unset_changes_only_its_own_line(
    call_r1: RunR1,
    config: Path,
    args: tuple[str, ...],
    removed: list[str],
    added: list[str],
) -> None:
    result = call_r1("config", *args)
    assert result.returncode == 0, result.stderr
    after = config.read_text(encoding="utf-8")
    assert changed_lines(CONFIG, after) == (removed, added)
    # The multi-line strings, the inline table and the quoted names are untouched.
    data = tomllib.loads(after)
    assert data["system"] == tomllib.loads(CONFIG)["system"]
    assert data["providers"]["my.box"]["headers"] == {
        "X-Team": "r1",
        "Accept": "text/event-stream",
    }
    assert data["roles"]["poet"]["system"] == "Answer in verse.\nRhyme if you can."
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_a_multi_line_system_prompt_can_be_set(call_r1: RunR1, config: Path) -> None:
    prompt = 'Line one.\nLine "two" with a \\ backslash.\n'
    assert call_r1("config", "set", "system", prompt).returncode == 0
    after = config.read_text(encoding="utf-8")
    assert tomllib.loads(after)["system"] == prompt
    assert '"""' in after  # written as a multi-line string, readable in the file
    assert "# the cheap one" in after and "params.top_p = 0.9" in after
    assert call_r1("config", "get", "system").stdout == prompt + "\n"


def test_a_new_table_is_added_when_missing(call_r1: RunR1, r1_home: Path) -> None:
    path = r1_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("# only a comment\n", encoding="utf-8")
    assert call_r1("config", "set", "params.temperature", "0.6").returncode == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# only a comment\n")
    assert tomllib.loads(text) == {"params": {"temperature": 0.6}}


def test_a_breaking_change_is_refused_and_the_file_kept(
    call_r1: RunR1, config: Path
) -> None:
    result = call_r1("config", "set", "provider", "nowhere")
    assert result.returncode == 3
    assert result.error_lines()[0].startswith("error: not changed: unknown provider")
    assert config.read_text(encoding="utf-8") == CONFIG


def test_unsetting_what_is_not_set_is_a_usage_error(
    call_r1: RunR1, config: Path
) -> None:
    result = call_r1("config", "unset", "params.temperature")
    assert result.returncode == 2
    assert config.read_text(encoding="utf-8") == CONFIG


def test_tomlkit_is_imported_only_by_config_editing() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from r1cli.__main__ import main\n"
        "for args in (['--help'], ['ask', '--help'], ['roles']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: main(args)\n"
        "        except SystemExit: pass\n"
        "    assert 'tomlkit' not in sys.modules, args\n"
        "from r1cli.config.edit import edited\n"
        "edited('', None, 'timeout', None, 'timeout', '5')\n"
        "assert 'tomlkit' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
