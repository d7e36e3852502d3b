"""`r1 batch` input and output: items from JSON Lines, shards, the resume scan of an
earlier OUT, and records written as whole lines.

The input is streamed line by line, never loaded. OUT is append-only while a batch
runs; only `prepare_output` rewrites it (atomically) to drop what must be redone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from r1cli.core.messages import Turn
from r1cli.errors import UsageError

ItemId = str | int
EXIT_CLASS = {
    1: "internal",
    2: "usage",
    3: "config",
    4: "rejected",
    5: "provider",
    6: "network",
    7: "spend-cap",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One prompt from the input, with what it overrides."""

    line: int
    id: ItemId
    prompt: str
    system: str | None = None
    model: str | None = None
    provider: str | None = None
    role: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # fields we do not know (ignored, warned about)


@dataclass(frozen=True, slots=True)
class BadLine:
    """An input line that is not an item; it becomes an `error` record (exit class 2)."""

    line: int
    id: ItemId
    message: str


ITEM_FIELDS = ("id", "prompt", "system", "model", "provider", "role", "params", "files")


def id_key(value: ItemId) -> str:
    """Ids compare as their JSON text, so 7 and "7" stay different ids."""
    return json.dumps(value)


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` → (K, N) with 0 ≤ K < N; UsageError otherwise."""
    k, sep, n = text.partition("/")
    try:
        shard = (int(k), int(n))
    except ValueError:
        shard = (-1, 0)
    if not sep or not 0 <= shard[0] < shard[1]:
        raise UsageError(
            f"--shard expects K/N with 0 <= K < N, got {text!r}",
            hint="e.g. --shard 0/3, --shard 1/3 and --shard 2/3 on three machines",
        )
    return shard


def read_items(
    lines: Iterable[bytes], shard: tuple[int, int] = (0, 1)
) -> Iterator[Item | BadLine]:
    """The items of this shard, streamed. Blank lines are not items; the K-th, K+N-th…
    item (0-based, over the whole input) belongs to shard K/N."""
    k, n = shard
    index = -1
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        index += 1
        if index % n == k:
            yield parse_line(raw, number)


def parse_line(raw: bytes, number: int) -> Item | BadLine:
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return BadLine(number, number, f"line {number}: not UTF-8 (byte {exc.start})")
    try:
        value = json.loads(text)
    except ValueError as exc:
        return BadLine(number, number, f"line {number}: not JSON ({exc})")
    if isinstance(value, str):
        value = {"prompt": value}
    if not isinstance(value, dict):
        return BadLine(number, number, f"line {number}: expected a string or an object")
    item_id = value.get("id")
    if item_id is None:
        item_id = number
    elif isinstance(item_id, bool) or not isinstance(item_id, (str, int)):
        return BadLine(number, number, f"line {number}: id must be a string or integer")
    problem = _field_problem(value)
    if problem:
        return BadLine(number, item_id, f"line {number}: {problem}")
    return Item(
        line=number,
        id=item_id,
        prompt=value["prompt"],
        system=value.get("system"),
        model=value.get("model"),
        provider=value.get("provider"),
        role=value.get("role"),
        params=value.get("params") or {},
        files=tuple(value.get("files") or ()),
        unknown=tuple(sorted(set(value) - set(ITEM_FIELDS))),
    )


def _field_problem(value: dict[str, Any]) -> str | None:
    prompt = value.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return "no prompt (a non-empty string)"
    for name in ("system", "model", "provider", "role"):
        if not isinstance(value.get(name), (str, type(None))):
            return f"{name} must be a string"
    if not isinstance(value.get("params"), (dict, type(None))):
        return "params must be an object"
    files = value.get("files")
    if files is not None and (
        not isinstance(files, list) or not all(isinstance(f, str) for f in files)
    ):
        return "files must be a list of paths"
    return None


def count_items(lines: Iterable[bytes], shard: tuple[int, int]) -> int:
    """How many items this shard holds (a cheap pre-pass for the progress ETA)."""
    k, n = shard
    total = sum(1 for raw in lines if raw.strip())
    return total // n + (1 if k < total % n else 0)


# -- output --------------------------------------------------------------------------


@dataclass
class OutputState:
    done: set[str]  # id keys already answered ok
    dropped: int = 0  # failed/skipped/torn lines removed so they are redone


def prepare_output(path: Path) -> OutputState:
    """Scan an earlier OUT: ids answered ok are done. Anything else (error and skipped
    records, a torn last line from a kill, garbage) is dropped by an atomic rewrite,
    so after the rerun OUT holds one line per id."""
    state = OutputState(done=set())
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return state
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for raw in handle:
            key = _ok_key(raw)
            if key is None or key in state.done:
                state.dropped += 1
            else:
                state.done.add(key)
    if state.dropped:
        _rewrite_ok_lines(path)
    return state


def _ok_key(raw: bytes) -> str | None:
    """The id key of a complete `ok` record line, else None."""
    if not raw.endswith(b"\n"):
        return None  # torn: the writer always ends a record with its newline
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("status") != "ok":
        return None
    item_id = record.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, (str, int)):
        return None
    return id_key(item_id)


def _rewrite_ok_lines(path: Path) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    seen: set[str] = set()
    try:
        with path.open("rb") as source, temp.open("wb") as target:
            for raw in source:
                key = _ok_key(raw)
                if key is not None and key not in seen:
                    seen.add(key)
                    target.write(raw)
            target.flush()
            os.fsync(target.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException as exc:  # Ctrl-C too: leave no temporary file behind
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise UsageError(f"cannot rewrite {path}: {exc.strerror}") from None
        raise


class RecordWriter:
    """Writes each record as one whole line, flushed at once.

    SIGINT and SIGTERM are held for the length of the write, so a Ctrl-C never cuts a
    line in half on a full pipe (a kill -9 cannot tear one write to a file).
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def write(self, record: dict[str, Any]) -> None:
        # ensure_ascii, as `--json` does: control and bidi characters stay escaped.
        data = json.dumps(record, ensure_ascii=True).encode("ascii") + b"\n"
        with _signals_held():
            view = memoryview(data)
            while view:
                written = self._out.write(view)
                view = view[len(view) if written is None else written :]
            self._out.flush()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    main = threading.current_thread() is threading.main_thread()
    if not main or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def open_output(path: Path) -> BinaryIO:
    """OUT for appending, locked so two runs cannot interleave their lines."""
    try:
        handle = path.open("ab", buffering=0)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no flock on this platform: the caller's care
        pass
    except OSError:
        handle.close()
        raise UsageError(
            f"{path} is being written by another r1 batch",
            hint="wait for it, or give this run another -o file",
        ) from None
    return handle


# -- records -------------------------------------------------------------------------


def usage_dict(turn: Turn) -> dict[str, Any] | None:
    usage = turn.usage
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cached_tokens": usage.cached_tokens,
    }


def record(
    item_id: ItemId,
    status: str,
    turn: Turn | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One output line: the documented keys, always all of them."""
    return {
        "id": item_id,
        "answer": turn.content if turn else None,
        "reasoning": turn.reasoning if turn else None,
        "finish_reason": turn.finish_reason if turn else None,
        "usage": usage_dict(turn) if turn else None,
        "cost": turn.usage.cost if turn and turn.usage else None,
        "status": status,
        "error": error,
    }


def error_info(
    exit_code: int, message: str, status: int | None = None
) -> dict[str, Any]:
    return {
        "class": EXIT_CLASS.get(exit_code, "internal"),
        "exit_code": exit_code,
        "message": message,
        "status": status,
    }


# -- input plumbing for the CLI ----------------------------------------------------------


def open_input(source: str) -> BinaryIO:
    """The input, read line by line as bytes: a path, or "-" for stdin."""
    if source == "-":
        return sys.stdin.buffer
    try:
        return open(source, "rb")  # the caller closes it
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
