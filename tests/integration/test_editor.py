"""`/edit`: a real (fake) editor run on the temporary file.

Each fake editor is a small Python script that records how it was called and what
it found (argv, the file's mode, whether SIGINT reached it ignored), then edits the
file the way a user would. Temporary files go under the test's own tmp_path, so the
tests can check nothing is left behind and run in parallel.
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from r1cli.repl.editor import EditorUnavailable, edit_text

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="fake editors rely on shebang lines"
)

# Isolated, without site-packages: the fakes need only the standard library, and
# start twice as fast.
FAST = "-IS"

PRELUDE = """\
import json, os, signal, stat, sys, time
path = sys.argv[-1]
with open({log!r}, "w") as log:
    json.dump(
        {{
            "argv": sys.argv[1:],
            "mode": stat.S_IMODE(os.stat(path).st_mode),
            "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
            "sigint_ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
        }},
        log,
    )
def read():
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()
def write(text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
"""


class Editors:
    """Fake editors in a private bin directory, and a private temp directory."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.log = root / "log"
        self.tmp = root / "tmp"
        for directory in (self.bin, self.log, self.tmp):
            directory.mkdir()

    def make(self, name: str, body: str = "") -> Path:
        """An executable editor script running PRELUDE then `body`."""
        script = self.bin / name
        log = str(self.log / f"{name}.json")
        script.write_text(
            f"#!{sys.executable} {FAST}\n"
            + PRELUDE.format(log=log)
            + textwrap.dedent(body)
        )
        script.chmod(0o755)
        return script

    def command(self, name: str, body: str = "", *args: str) -> str:
        """An EDITOR value running the script with the interpreter, plus `args`."""
        script = self.make(name, body)
        return shlex.join([sys.executable, FAST, str(script), *args])

    def record(self, name: str) -> dict[str, Any] | None:
        path = self.log / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def env(self, **variables: str) -> dict[str, str]:
        return {"PATH": str(self.bin), **variables}

    def leftovers(self) -> list[Path]:
        return list(self.tmp.iterdir())


@pytest.fixture
def editors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Editors:
    editors = Editors(tmp_path)
    # mkdtemp honours tempfile.tempdir: keep our files where the test can see them.
    monkeypatch.setattr(tempfile, "tempdir", str(editors.tmp))
    return editors


def test_edited_text_comes_back(editors: Editors) -> None:
    command = editors.command("fake", "write(read().replace('cat', 'dog'))\n", "--flag")
    result = edit_text("the cat sat", env=editors.env(EDITOR=command))
    assert result == "the dog sat"

    record = editors.record("fake")
    assert record is not None
    flag, path = record["argv"]
    assert flag == "--flag"
    assert path.endswith(".md")
    assert record["mode"] == 0o600
    assert record["dir_mode"] == 0o700
    assert not Path(path).exists()
    assert editors.leftovers() == []


def test_suffix(editors: Editors) -> None:
    command = editors.command("fake")
    edit_text("x", suffix=".txt", env=editors.env(EDITOR=command))
    record = editors.record("fake")
    assert record is not None
    assert record["argv"][-1].endswith(".txt")


def test_visual_wins_over_editor(editors: Editors) -> None:
    visual = editors.command("visual", "write('from visual')\n")
    editor = editors.command("editor", "write('from editor')\n")
    result = edit_text("x", env=editors.env(VISUAL=visual, EDITOR=editor))
    assert result == "from visual"
    assert editors.record("editor") is None


def test_empty_visual_falls_through_to_editor(editors: Editors) -> None:
    editor = editors.command("editor", "write('from editor')\n")
    assert edit_text("x", env=editors.env(VISUAL="  ", EDITOR=editor)) == (
        "from editor"
    )


@pytest.mark.parametrize(
    ("original", "saved", "expected"),
    [
        ("hi", "hi\n", "hi"),  # the newline the editor added is dropped
        ("hi\n", "hi\n", "hi\n"),  # the user's own newline is kept
        ("hi", "hi\n\n", "hi\n"),  # only one is dropped
        ("hi", "hi", "hi"),
        ("a\nb", "a\r\nb\r\n", "a\nb"),  # an editor saving \r\n
        ("", "", ""),
    ],
)
def test_trailing_newline(
    editors: Editors, original: str, saved: str, expected: str
) -> None:
    command = editors.command("fake", f"write({saved!r})\n")
    assert edit_text(original, env=editors.env(EDITOR=command)) == expected


def test_non_ascii_round_trip(editors: Editors) -> None:
    text = "héllo — 世界 🎉\n"
    command = editors.command("fake", "assert read() == " + repr(text) + "\n")
    assert edit_text(text, env=editors.env(EDITOR=command)) == text


def test_nonzero_exit_is_an_abort(editors: Editors) -> None:
    command = editors.command("fake", "write('half done')\nsys.exit(1)\n")
    assert edit_text("x", env=editors.env(EDITOR=command)) is None
    assert editors.leftovers() == []


def test_deleted_file_is_an_abort(editors: Editors) -> None:
    command = editors.command("fake", "os.remove(path)\n")
    assert edit_text("x", env=editors.env(EDITOR=command)) is None
    assert editors.leftovers() == []


@pytest.mark.parametrize("variable", ["VISUAL", "EDITOR"])
def test_missing_editor_names_the_variable(editors: Editors, variable: str) -> None:
    env = editors.env(**{variable: "no-such-editor --wait"})
    with pytest.raises(EditorUnavailable) as caught:
        edit_text("x", env=env)
    message = str(caught.value)
    assert "no-such-editor" in message
    assert variable in message
    assert "\n" not in message
    assert editors.leftovers() == []


def test_unparsable_command(editors: Editors) -> None:
    with pytest.raises(EditorUnavailable, match="EDITOR"):
        edit_text("x", env=editors.env(EDITOR="vim 'unbalanced"))


def test_no_editor_at_all(editors: Editors) -> None:
    with pytest.raises(EditorUnavailable) as caught:
        edit_text("x", env=editors.env())
    assert "EDITOR" in str(caught.value)


def test_editor_that_cannot_start(editors: Editors) -> None:
    # Executable (so PATH lookup finds it) but its interpreter does not exist.
    broken = editors.bin / "broken"
    broken.write_text("#!/nonexistent/interpreter\n")
    broken.chmod(0o755)
    with pytest.raises(EditorUnavailable, match="EDITOR"):
        edit_text("x", env=editors.env(EDITOR="broken"))
    assert editors.leftovers() == []


def test_fallback_order(editors: Editors) -> None:
    editors.make("vi", "write('vi')\n")
    editors.make("nano", "write('nano')\n")
    assert edit_text("x", env=editors.env()) == "nano"
    editors.make("editor", "write('editor')\n")
    assert edit_text("x", env=editors.env()) == "editor"


def test_ctrl_c_belongs_to_the_editor(editors: Editors) -> None:
    # The terminal sends Ctrl-C to the whole foreground group, us included; we must
    # not die or kill the editor. Signal only our own process, not the group, so
    # the test runner is untouched.
    command = editors.command(
        "fake",
        """\
        os.kill(os.getppid(), signal.SIGINT)
        time.sleep(0.05)
        write('survived')
        """,
    )
    assert edit_text("x", env=editors.env(EDITOR=command)) == "survived"
    record = editors.record("fake")
    assert record is not None
    # The editor itself still gets Ctrl-C normally: not inherited as ignored.
    assert record["sigint_ignored"] is False
