"""Builds the prompt from arguments, piped stdin and attached files.

`cat file | r1 "summarise"` gives the argument, a blank line, then stdin fenced as a
block; stdin alone is the prompt. Bytes that are not valid text are a usage error,
never silently mangled.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from r1cli.errors import UsageError

MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024


def fence(text: str, label: str = "") -> str:
    """`text` in a fenced block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    ticks = "`" * (longest + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{ticks}{label}\n{body}{ticks}"


def decode_stdin(data: bytes, encoding: str = "utf-8") -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"stdin is not valid {encoding} (byte {exc.start}: {data[exc.start : exc.start + 1]!r})",
            hint="pass --stdin-encoding ENCODING (e.g. latin-1), or convert it with iconv",
        ) from None
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}") from None
    return text.removeprefix("\ufeff")


def read_attachment(path: Path) -> str:
    """A text file's contents, read no further than the size limit.

    A regular file's size is checked before reading (a 1 GiB file cost 1 GB of
    memory); a pipe (`-f <(cmd)`) or a device is read up to one byte past the limit
    (`-f /dev/zero` read until MemoryError).
    """
    too_big = UsageError(
        f"{path} is larger than {MAX_ATTACHMENT_BYTES // 1024} KiB",
        hint="attach a smaller file, or the part of it that matters",
    )
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_ATTACHMENT_BYTES:
                raise too_big
            data = handle.read(MAX_ATTACHMENT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise too_big
    if b"\x00" in data:
        raise UsageError(f"{path} looks like a binary file; only text can be attached")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not valid UTF-8 text") from None


def _trim(text: str) -> str:
    """Without blank lines and spaces around it, but keeping the first line's indent
    (a pasted code block starts indented)."""
    lines = text.rstrip().split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def build_prompt(
    words: Sequence[str],
    stdin_text: str | None,
    files: Sequence[Path] = (),
) -> str:
    """The user message: arguments, then attached files, then stdin, each fenced."""
    parts: list[str] = []
    argument = _trim(" ".join(words))
    if argument:
        parts.append(argument)
    for path in files:
        parts.append(f"{path.name}:\n{fence(read_attachment(path))}")
    piped = (stdin_text or "").strip("\n")
    if piped.strip():
        parts.append(fence(piped) if parts else piped)
    if not parts:
        raise UsageError(
            "no prompt: give one as an argument or pipe it on stdin",
            hint='r1 "why is the sky blue?"   or   echo "question" | r1',
        )
    return "\n\n".join(parts)
