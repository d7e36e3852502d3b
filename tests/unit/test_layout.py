"""The project's contracts that live outside the code paths: README ↔ CI, import rules."""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "r1cli"

# Who may import which library (docs/DESIGN.md §2): the CLI alone imports typer; the REPL's
# terminal modules prompt_toolkit; renderers rich; the wire layer httpx; the pure
# modules nothing outside the stdlib.
ALLOWED = {
    "typer": {"cli/"},
    "prompt_toolkit": {"repl/"},
    "rich": {"render/"},
    "httpx": {"wire/"},
    "mcp": {"mcp/"},
    "mcp_types": {"mcp/"},
    "httpx2": {"mcp/"},
}
# REPL modules that must stay testable without a terminal library.
NO_PROMPT_TOOLKIT = ("repl/state.py", "repl/slash.py")

# Which r1cli packages each package may import (ARCHITECTURE.md): imports point down,
# `errors` is open to all. Checked over every import in every module, including
# imports inside functions and under TYPE_CHECKING, since those are real edges too.
BELOW = {
    "core": set(),
    "config": {"core"},
    "wire": {"core"},
    "providers": {"wire", "config", "core"},
    "history": {"config", "core"},
    "render": {"core"},
    "mcp": {"config", "core"},
    "engine": {"providers", "wire", "config", "history", "mcp", "core"},
    "repl": {
        "engine",
        "providers",
        "wire",
        "config",
        "history",
        "mcp",
        "render",
        "core",
    },
    "cli": {
        "mcp",
        "repl",
        "engine",
        "providers",
        "wire",
        "config",
        "history",
        "render",
        "core",
    },
}
TOP_LEVEL = {"__init__": set(), "errors": set(), "__main__": {"cli"}}
PURE = [
    "wire/sse.py",
    "core/events.py",
    "core/messages.py",
    "providers/think_tags.py",
    "render/sanitize.py",
    # The REPL's /usage formats cost with the footer's formatter without rich.
    "render/footer.py",
    "render/terminal.py",
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


def _r1cli_imports(path: Path) -> set[str]:
    """The r1cli packages (or top-level modules) a module imports, by first name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "r1cli" and len(parts) > 1:
                    names.add(parts[1])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "r1cli":
                continue
            if len(parts) > 1:
                names.add(parts[1])
            else:  # from r1cli import X
                names.update(alias.name for alias in node.names)
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


def test_imports_point_down_the_layers() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        package = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        allowed = BELOW.get(package, TOP_LEVEL.get(package))
        assert allowed is not None, f"{relative} is in no known layer"
        for name in _r1cli_imports(path) - {package, "errors", "__version__"}:
            if name not in allowed:
                offenders.append(f"{relative.as_posix()} imports r1cli.{name}")
    assert not offenders, offenders


def test_every_package_is_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(BELOW), packages ^ set(BELOW)


def test_repl_state_and_slash_do_not_need_a_terminal_library() -> None:
    for relative in NO_PROMPT_TOOLKIT:
        assert "prompt_toolkit" not in _imports(PACKAGE / relative), relative


def test_core_is_standard_library_only() -> None:
    stdlib = set(sys.stdlib_module_names) | {"r1cli", "__future__"}
    for path in sorted((PACKAGE / "core").glob("*.py")):
        foreign = _imports(path) - stdlib
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_layer_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from r1cli.render.tty import X\n"
        "def f():\n    import r1cli.cli.app\n    from r1cli import repl\n",
        encoding="utf-8",
    )
    assert _r1cli_imports(module) == {"render", "cli", "repl"}


def test_every_command_runs_inside_the_error_boundary() -> None:
    """Each sub-app command is wrapped by `bounded`; ask and chat open the boundary
    themselves (they hand it their Runtime)."""
    from r1cli.cli.app import app

    def commands(typer_app: object, prefix: str) -> list[tuple[str, object]]:
        found = []
        for info in typer_app.registered_commands:  # type: ignore[attr-defined]
            name = info.name or info.callback.__name__
            found.append((prefix + name, info.callback))
        for group in typer_app.registered_groups:  # type: ignore[attr-defined]
            found += commands(group.typer_instance, prefix + group.name + " ")
        return found

    unguarded = []
    for name, callback in commands(app, ""):
        if getattr(callback, "bounded", False):
            continue
        source = inspect.getsource(callback)
        if "with error_boundary(" not in source:
            unguarded.append(name)
    assert not unguarded, unguarded
