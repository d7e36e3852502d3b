"""The exception tree and exit codes.

Every failure a user can cause or meet is an `R1Error` with an `exit_code`; the CLI turns
it into `error:` / `saved:` / `hint:` lines on stderr in one place (`cli.error_boundary`).
Nothing here imports a third-party library.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    CONFIG = 3
    REJECTED = 4
    PROVIDER = 5
    NETWORK = 6
    COST = 7
    SIGINT = 130
    SIGPIPE = 141
    SIGTERM = 143


class R1Error(Exception):
    """An error we can explain to the user without a traceback."""

    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(R1Error):
    """Bad flags, an empty prompt, unreadable stdin."""

    exit_code = ExitCode.USAGE


class ConfigError(R1Error):
    """No key, a bad config file, unusable local state."""

    exit_code = ExitCode.CONFIG


class OutputError(ConfigError):
    """The answer cannot be written: stdout is full, or failed (not a closed pipe)."""


class HistoryError(ConfigError):
    """The history database cannot be opened, is damaged, or is from a newer r1."""


class ProviderError(R1Error):
    """Base for failures that involve the provider; carries where it happened."""

    exit_code = ExitCode.PROVIDER

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.request_id = request_id
        # Safe to send again (only ever before any of the answer has arrived).
        self.retryable = retryable


class RequestRejected(ProviderError):
    """The provider refused the request (4xx other than 408/409/429, or a redirect)."""

    exit_code = ExitCode.REJECTED


class ProviderFailed(ProviderError):
    """The provider failed: 429/5xx after retries, a mid-stream error, a malformed stream."""

    exit_code = ExitCode.PROVIDER


class NetworkError(ProviderError):
    """DNS, connect, TLS, timeouts, resets, or a stream that ended without a finish."""

    exit_code = ExitCode.NETWORK


class CostLimit(R1Error):
    """A spend cap held: `--max-cost` refused a turn or stopped its stream, or the
    `[budget]` is spent. Its own exit code, so scripts can tell it from a failure."""

    exit_code = ExitCode.COST


class Interrupted(BaseException):
    """The turn was stopped from outside: SIGTERM, or the output pipe closed.

    A BaseException, like KeyboardInterrupt, so no `except Exception` swallows it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
