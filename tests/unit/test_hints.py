"""Every command a hint or message tells the user to run exists (issue 10: a hint
named `r1 models` before there was one)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from typer.main import get_command

from r1cli.cli.app import app

PACKAGE = Path(__file__).resolve().parents[2] / "r1cli"
# `r1 WORD [WORD]` at the start of a text, after a quote, a backtick or "(", or after
# "run"/"with"/"use"/"try"/"see": how messages tell the user what to run.
COMMAND = re.compile(
    r"(?:^|['`(]|\b(?:run|with|use|try|see)\s)r1 ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?"
)


def _texts(node: ast.AST) -> list[str]:
    """The literal text of a string or f-string node."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(_texts(v)[0] if _texts(v) else "…" for v in node.values)]
    return []


def told_commands() -> dict[tuple[str, str | None], str]:
    """(command, subcommand) → where it is named, for every hint or message."""
    found: dict[tuple[str, str | None], str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            for text in _texts(node):
                for match in COMMAND.finditer(text):
                    where = f"{path.relative_to(PACKAGE)}:{node.lineno}"  # type: ignore[attr-defined]
                    found.setdefault((match.group(1), match.group(2)), where)
    return found


def test_the_scan_finds_the_hints_it_is_meant_to_check() -> None:
    told = told_commands()
    assert ("keys", "set") in told  # "… or run 'r1 keys set openrouter'"
    assert ("history", "list") in told


def test_every_command_a_hint_names_exists() -> None:
    root = get_command(app)
    commands = root.commands  # type: ignore[attr-defined]
    missing = []
    for (name, sub), where in told_commands().items():
        command = commands.get(name)
        if command is None:
            missing.append(f"r1 {name} ({where})")
            continue
        subcommands = getattr(command, "commands", None)
        if subcommands is not None and sub is not None and sub not in subcommands:
            missing.append(f"r1 {name} {sub} ({where})")
    assert not missing, missing


# Flags of other programs that r1 runs or names (xsel, pip), and click's own --help.
NOT_R1_FLAGS = {"--clipboard", "--input", "--force-reinstall", "--help"}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z]")


def told_flags() -> dict[str, str]:
    """Every `--flag` a message or hint names → where (docstrings left out)."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            for text in _texts(node):
                for match in FLAG.finditer(text):
                    where = f"{path.relative_to(PACKAGE)}:{node.lineno}"  # type: ignore[attr-defined]
                    found.setdefault(match.group(0), where)
    return found


def test_every_flag_a_message_names_exists() -> None:
    options: set[str] = set()

    def walk(command: object) -> None:
        for param in getattr(command, "params", []):
            options.update(getattr(param, "opts", []))
            options.update(getattr(param, "secondary_opts", []))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(get_command(app))
    told = told_flags()
    assert "--max-tokens" in told and "--no-tools" in told  # the scan sees hints
    missing = [
        f"{flag} ({where})"
        for flag, where in told.items()
        if flag not in options and flag not in NOT_R1_FLAGS
    ]
    assert not missing, missing
