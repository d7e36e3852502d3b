"""core.shutdown: a fast exit only when armed, allowed, everything closed and flushed."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from r1cli.core import shutdown


class Exited(Exception):
    pass


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fresh module state; os._exit recorded (and stopping the call) instead of run."""
    codes: list[int] = []
    monkeypatch.setattr(shutdown, "_state", {"armed": False, "allowed": False})
    monkeypatch.setattr(shutdown, "_closers", [])

    def fake_exit(code: int) -> None:
        codes.append(code)
        raise Exited

    monkeypatch.setattr(shutdown.os, "_exit", fake_exit)
    return codes


def _closer(log: list[str], name: str) -> Callable[[], None]:
    return lambda: log.append(name)


def test_not_armed_nothing_is_kept_and_nothing_ends(exits: list[int]) -> None:
    log: list[str] = []
    shutdown.register(_closer(log, "store"))
    shutdown.allow()
    shutdown.fast_exit(0)  # returns: the ordinary exit runs
    assert exits == [] and log == [] and shutdown._closers == []


def test_armed_but_not_allowed_returns(exits: list[int]) -> None:
    shutdown.arm()
    shutdown.fast_exit(0)
    assert exits == []


def test_armed_and_allowed_closes_everything_then_exits(exits: list[int]) -> None:
    log: list[str] = []
    shutdown.arm()
    shutdown.register(_closer(log, "first"))
    shutdown.register(_closer(log, "second"))
    shutdown.allow()
    with pytest.raises(Exited):
        shutdown.fast_exit(3)
    assert log == ["second", "first"]  # last opened, first closed
    assert exits == [3]


def test_a_failing_closer_means_the_ordinary_exit(exits: list[int]) -> None:
    def broken() -> None:
        raise OSError("disk full")

    shutdown.arm()
    shutdown.allow()
    shutdown.register(broken)
    shutdown.fast_exit(0)
    assert exits == []


def test_a_live_non_daemon_thread_means_the_ordinary_exit(exits: list[int]) -> None:
    shutdown.arm()
    shutdown.allow()
    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=False)
    worker.start()
    try:
        shutdown.fast_exit(0)
        assert exits == []
    finally:
        release.set()
        worker.join()
    with pytest.raises(Exited):
        shutdown.fast_exit(0)
    assert exits == [0]
