"""The project's contracts that live outside the code paths: README ↔ CI, import rules."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "r1cli"

# Who may import what (DESIGN.md §2): the CLI adapters alone import typer and
# prompt_toolkit; renderers (and the history commands, lazily) import rich; transport
# and providers import httpx; the pure modules import nothing outside the stdlib.
ALLOWED = {
    "typer": {"cli/", "repl/loop.py"},
    "prompt_toolkit": {"repl/loop.py", "repl/slash.py"},
    "rich": {"render/", "cli/history.py"},
    "httpx": {"wire/", "providers/"},
}
PURE = [
    "wire/sse.py",
    "core/events.py",
    "core/messages.py",
    "providers/think_tags.py",
    "render/sanitize.py",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _allowed(relative: str, owners: set[str]) -> bool:
    return any(
        relative == o or (o.endswith("/") and relative.startswith(o)) for o in owners
    )


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Run the tests\s+```sh\n(.+?)\n```", readme, re.DOTALL)
    assert block, "README.md has no 'Run the tests' command block"
    command = block.group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci, f"'.ci/run' does not run the README's test command: {command}"


def test_heavy_libraries_are_imported_only_where_the_design_allows() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for library, owners in ALLOWED.items():
            if library in _imports(path) and not _allowed(relative, owners):
                offenders.append(f"{relative} imports {library}")
    assert not offenders, offenders


def test_pure_modules_import_only_the_standard_library_and_r1cli() -> None:
    stdlib = set(sys.stdlib_module_names) | {"r1cli", "__future__"}
    for relative in PURE:
        foreign = _imports(PACKAGE / relative) - stdlib
        assert not foreign, f"{relative} imports {sorted(foreign)}"
