"""The REPL's input history (Up/Down, Ctrl-R): a private file that never keeps a key.

A line that looks like an API key, or holds one r1 knows (the session's, the
environment's `*_API_KEY` values, the keys file's), is not stored at all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from prompt_toolkit.history import FileHistory

from r1cli.config.paths import ensure_private_dir
from r1cli.core.redact import looks_like_secret


class SecretFilteringHistory(FileHistory):
    """Input history in a private file that never stores a line holding a key."""

    def __init__(self, path: Path, secrets: Callable[[], Iterable[str]]) -> None:
        ensure_private_dir(path.parent)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        super().__init__(str(path))
        self._secrets = secrets

    def store_string(self, string: str) -> None:
        if looks_like_secret(string, self._secrets()):
            return
        with contextlib.suppress(OSError):  # a full disk must not end the chat
            super().store_string(string)


def stored_secrets(keys_file: Path) -> list[str]:
    """The API keys in `*_API_KEY` variables and in the keys file."""
    from r1cli.config.keys import read_keys

    found = [v for k, v in os.environ.items() if k.endswith("_API_KEY") and len(v) >= 8]
    with contextlib.suppress(Exception):
        found += read_keys(keys_file).values()
    return found
