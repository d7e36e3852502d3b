"""Where the `mcp-server-time` command of the test extra is: beside this Python
(its venv's bin, even when that is not on PATH), else on PATH."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def time_server_command() -> str:
    beside = Path(sys.executable).with_name("mcp-server-time")
    found = str(beside) if beside.exists() else shutil.which("mcp-server-time")
    assert found, "mcp-server-time is in the test extra: pip install -e '.[test]'"
    return found
