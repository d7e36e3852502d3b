"""The checked-in shell completions match the CLI, and real shells complete with them.

`completions/r1.{bash,zsh,fish}` are generated from the Typer app by
`python -m tools.completions --write`. These tests fail when the CLI changes and the
scripts are not regenerated, and drive bash, fish and zsh (when installed) through the
checked-in files.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

import tools.completions as completion_gen
from tools.completions import FILENAMES, REGENERATE, SHELLS, generate

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"
REGENERATE_HINT = f"regenerate with: {REGENERATE}"


# ---------------------------------------------------------------- the live CLI


@dataclass(frozen=True)
class LiveCommand:
    path: tuple[str, ...]
    subcommands: tuple[str, ...]
    options: tuple[str, ...]
    params: dict[str, Any]


def _live_commands() -> Iterator[LiveCommand]:
    """Every visible command of the click tree behind the app, with its options."""
    import typer.main

    from r1cli.cli.app import app

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[LiveCommand]:
        params = [p for p in cmd.params if not getattr(p, "hidden", False)]
        options = [
            name
            for p in params
            if p.param_type_name == "option"
            for name in (*p.opts, *p.secondary_opts)
        ]
        subs = {
            name: sub
            for name, sub in getattr(cmd, "commands", {}).items()
            if not getattr(sub, "hidden", False)
        }
        yield LiveCommand(
            path, tuple(sorted(subs)), tuple(options), {p.name: p for p in params}
        )
        for name, sub in sorted(subs.items()):
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


@pytest.fixture(scope="module")
def live() -> dict[tuple[str, ...], LiveCommand]:
    return {cmd.path: cmd for cmd in _live_commands()}


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return {shell: generate(shell) for shell in SHELLS}


@pytest.fixture(scope="module")
def providers() -> set[str]:
    from r1cli.config.providers import provider_names

    return set(provider_names())


def _choices(
    live: dict[tuple[str, ...], LiveCommand], path: tuple[str, ...], name: str
):
    param = live[path].params[name]
    raw = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if raw is None:
        raw = param.type.choices
    return {str(c.value if isinstance(c, Enum) else c) for c in raw}


# ------------------------------------------------------------------ staleness


@pytest.mark.parametrize("shell", SHELLS)
def test_checked_in_script_is_current(shell: str, generated: dict[str, str]) -> None:
    path = COMPLETIONS / FILENAMES[shell]
    assert path.exists(), f"{path} is missing; {REGENERATE_HINT}"
    current = path.read_text(encoding="utf-8")
    if current != generated[shell]:
        diff = difflib.unified_diff(
            current.splitlines(),
            generated[shell].splitlines(),
            f"checked in: completions/{FILENAMES[shell]}",
            "generated from the CLI",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(
            f"completions/{FILENAMES[shell]} no longer matches the CLI; "
            f"{REGENERATE_HINT}\n{shown}"
        )


def test_scripts_start_with_the_generated_notice(generated: dict[str, str]) -> None:
    for shell, text in generated.items():
        lines = text.splitlines()
        first = lines[1] if shell == "zsh" else lines[0]
        assert first == completion_gen.HEADER, shell
    assert generated["zsh"].startswith("#compdef r1 r1cli\n")


# ------------------------------------------- every command and option is there


def _block(text: str, start: str) -> str:
    """The lines from the one starting with `start` to the next closing line."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next(i for i in range(index, len(lines)) if lines[i] in ("}", "end"))
    return "\n".join(lines[index:end])


def _bash_inventory(text: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    entry = re.compile(r"^\s+'([^']*)'\) _r1_words='([^']*)' ;;$", re.M)
    subs = {
        k: set(v.split()) for k, v in entry.findall(_block(text, "_r1_subcommands"))
    }
    opts = {k: set(v.split()) for k, v in entry.findall(_block(text, "_r1_options"))}
    return subs, opts


def _zsh_inventory(text: str, path: tuple[str, ...]) -> tuple[set[str], set[str]]:
    name = "_r1" + "".join("_" + re.sub(r"[^A-Za-z0-9_]", "_", p) for p in path)
    if f"\n{name}() {{" not in text:
        return set(), set()
    body = _block(text, f"{name}() {{")
    options = set(
        re.findall(r"'(?:\([^)]*\)|\*)?(--?[A-Za-z0-9][\w-]*)(?=[\[:'])", body)
    )
    commands = set(re.findall(r"^\s+'([\w.-]+):", body, re.M))
    return commands, options


def _fish_inventory(text: str, path: tuple[str, ...]) -> tuple[set[str], set[str]]:
    key = "'" + " ".join(("r1", *path)) + "'"
    commands: set[str] = set()
    options: set[str] = set()
    for line in text.splitlines():
        match = re.search(r'-n "__r1_using ([^"]*)"(.*)', line)
        if not match or key not in re.findall(r"'[^']*'", match.group(1)):
            continue
        rest = match.group(2)
        commands.update(re.findall(r" -a ([\w.-]+) -d ", rest))
        options.update("--" + n for n in re.findall(r" -l ([\w-]+)", rest))
        options.update("-" + n for n in re.findall(r" -[so] ([\w-]+)", rest))
    return commands, options


def _missing(
    shell: str, text: str, live: dict[tuple[str, ...], LiveCommand]
) -> list[str]:
    missing = []
    if shell == "bash":
        bash_subs, bash_opts = _bash_inventory(text)
    for path, cmd in live.items():
        label = " ".join(("r1", *path))
        if shell == "bash":
            commands = bash_subs.get(" ".join(path), set())
            options = bash_opts.get(" ".join(path), set())
        elif shell == "zsh":
            commands, options = _zsh_inventory(text, path)
        else:
            commands, options = _fish_inventory(text, path)
        missing += [
            f"{label} {sub} (command)" for sub in cmd.subcommands if sub not in commands
        ]
        missing += [f"{label} {opt}" for opt in cmd.options if opt not in options]
    return missing


@pytest.mark.parametrize("shell", SHELLS)
def test_every_command_and_option_is_completed(
    shell: str, live: dict[tuple[str, ...], LiveCommand], generated: dict[str, str]
) -> None:
    skipped = _missing(shell, generated[shell], live)
    assert not skipped, f"the {shell} generator leaves out: {', '.join(skipped)}"
    path = COMPLETIONS / FILENAMES[shell]
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    missing = _missing(shell, text, live)
    assert not missing, (
        f"completions/{FILENAMES[shell]} lacks {len(missing)} command(s)/option(s) "
        f"of the CLI: {', '.join(missing)}; {REGENERATE_HINT}"
    )


def test_check_mode_names_stale_files(
    tmp_path: Path, capsys, monkeypatch, generated: dict[str, str]
) -> None:
    monkeypatch.setattr(completion_gen, "generate", generated.__getitem__)
    assert completion_gen.main(["--check", "--dir", str(tmp_path)]) == 1
    assert "r1.bash" in capsys.readouterr().err
    assert completion_gen.main(["--write", "--dir", str(tmp_path)]) == 0
    assert completion_gen.main(["--check", "--dir", str(tmp_path)]) == 0


def test_the_default_folder_is_the_checked_in_one(
    monkeypatch, generated: dict[str, str]
) -> None:
    # --write and --check without --dir act on the repository's completions/.
    monkeypatch.setattr(completion_gen, "generate", generated.__getitem__)
    assert completion_gen.COMPLETIONS_DIR == COMPLETIONS
    assert completion_gen.main(["--check"]) == 0


# -------------------------------------------------------------- real shells


def _needs(binary: str) -> str:
    found = shutil.which(binary)
    if found is None:
        pytest.skip(f"{binary} is not installed")
    return found


def _quiet_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    return env


def _expectations(live, providers, files: Path) -> list[tuple[str, set[str], bool]]:
    """(command line, expected matches, exact?) common to every shell."""
    return [
        ("r1 his", {"history"}, True),
        ("r1 history ", set(live[("history",)].subcommands), True),
        ("r1 keys ", set(live[("keys",)].subcommands), True),
        ("r1 ask --eff", {"--effort"}, True),
        ("r1 ask --effort ", _choices(live, ("ask",), "effort"), True),
        ("r1 ask --reasoning ", _choices(live, ("ask",), "reasoning"), True),
        ("r1 -p ", providers, True),
        ("r1 keys set ", providers, True),
        ("r1cli keys rm ", providers, True),
        ("r1 -", {"--version", "--help", "--effort", "--provider", "-p"}, False),
        ("r1 Why --reasoning ", _choices(live, ("ask",), "reasoning"), True),
        ("r1 ask --model ", set(), True),
        ("r1 ask ", set(), True),
        ("r1 history list -", {"--json", "--limit", "-n", "--help", "-h"}, True),
        (f"r1 ask --file {files}/no", {"notes.txt"}, True),  # compared by base name
    ]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "notes.txt").write_text("hi\n")
    return folder


def test_bash_completes(tmp_path: Path, live, providers, files: Path) -> None:
    bash = _needs("bash")
    cases = [
        *_expectations(live, providers, files),
        ("r1 --effort =", _choices(live, ("ask",), "effort"), True),
    ]
    script = [
        'source "$1" || exit 9',
        "complete -p r1 r1cli >/dev/null || exit 8",
        "t() {",
        '    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()',
        "    _r1",
        '    printf "%s\\n" "${COMPREPLY[@]}" __END__',
        "}",
    ]
    for line, _, _ in cases:
        # bash splits --option=value at '=' (it is in COMP_WORDBREAKS).
        words = line.replace("=", " = ").split() + ([""] if line.endswith(" ") else [])
        script.append("t " + " ".join(shlex.quote(w) for w in words))
    result = subprocess.run(
        [
            bash,
            "--norc",
            "--noprofile",
            "-c",
            "\n".join(script),
            "bash",
            str(COMPLETIONS / "r1.bash"),
        ],
        capture_output=True,
        text=True,
        timeout=20,
        env=_quiet_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    _compare("bash", cases, result.stdout.split("__END__\n"))


def test_fish_completes(tmp_path: Path, live, providers, files: Path) -> None:
    fish = _needs("fish")
    cases = _expectations(live, providers, files)
    script = [f"source {_fish_quote(str(COMPLETIONS / 'r1.fish'))}; or exit 9"]
    for line, _, _ in cases:
        script.append(f"complete -C {_fish_quote(line)}; echo __END__")
    result = subprocess.run(
        [fish, "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        timeout=20,
        env=_quiet_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    chunks = [
        "".join(row.split("\t")[0] + "\n" for row in chunk.splitlines())
        for chunk in result.stdout.split("__END__\n")
    ]
    _compare("fish", cases, chunks)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def test_zsh_script_parses_and_loads(tmp_path: Path) -> None:
    """Syntax, and `source`d (not autoloaded) it registers itself with compdef."""
    zsh = _needs("zsh")
    path = COMPLETIONS / "r1.zsh"
    check = subprocess.run([zsh, "-n", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    load = subprocess.run(
        [zsh, "-f", "-c", 'compdef() { print -r -- "$@"; }; source "$1"', "zsh", path],
        capture_output=True,
        text=True,
        timeout=20,
        env=_quiet_env(tmp_path),
    )
    assert load.returncode == 0, load.stderr
    assert load.stdout.split() == ["_r1", "r1", "r1cli"]


# zpty runs an interactive zsh. Tab runs completion and then writes a mark to the
# capture file; compadd is wrapped to record every match there; ^U clears the line
# once the mark is in (typeahead would cut completion short).
_ZSH_DRIVER = r"""
zmodload zsh/zpty 2>/dev/null || exit 77
out=$1 dir=$2; shift 2
zpty z zsh -f -i
zpty -w z "PS1='' LISTMAX=100000; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; (( $#hits )) && print -rl -- $hits >> '${(q)out}'; builtin compadd "$@"; }'
zpty -w z '_r1_tab() { zle complete-word; print -r -- __END__ >> '${(q)out}'; }; zle -N _r1_tab; bindkey "^I" _r1_tab'
integer n=0 i
for line in "$@"; do
    zpty -w -n z "$line"$'\t'
    (( n++ ))
    for (( i = 0; i < 500; i++ )); do
        [[ -f $out && ${#${(M)${(f)"$(<$out)"}:#__END__}} -ge n ]] && break
        sleep 0.01
    done
    zpty -w -n z $'\x15'
done
zpty -d z
"""


def test_zsh_completes(tmp_path: Path, live, providers, files: Path) -> None:
    zsh = _needs("zsh")
    fpath = tmp_path / "fpath"
    fpath.mkdir()
    shutil.copy(COMPLETIONS / "r1.zsh", fpath / "_r1")
    out = tmp_path / "matches"
    cases = _expectations(live, providers, files)
    driver = tmp_path / "driver.zsh"
    driver.write_text(_ZSH_DRIVER)
    result = subprocess.run(
        [zsh, "-f", str(driver), str(out), str(fpath), *(line for line, _, _ in cases)],
        capture_output=True,
        text=True,
        timeout=30,
        env=_quiet_env(tmp_path),
    )
    if result.returncode == 77:
        pytest.skip("zsh has no zpty module")
    text = out.read_text() if out.exists() else ""
    assert text.count("__END__\n") == len(cases), f"zsh did not answer: {text!r}"
    _compare("zsh", cases, text.split("__END__\n"))


def _compare(shell: str, cases, chunks: list[str]) -> None:
    problems = []
    for (line, expected, exact), chunk in zip(cases, chunks, strict=False):
        got = {word.rsplit("/", 1)[-1] for word in chunk.split()}
        if (got != expected) if exact else not (expected <= got):
            want = sorted(expected) if exact else f"at least {sorted(expected)}"
            problems.append(f"{line!r}: got {sorted(got)}, want {want}")
    assert not problems, f"{shell}:\n" + "\n".join(problems)
