"""Where r1cli keeps its files, and how it writes them safely.

`R1CLI_HOME` puts everything under one folder (tests, portable use); otherwise the
platformdirs locations. Directories are created 0700; private files 0600 from the
moment they exist (never write-then-chmod), and replaced atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "r1cli"
ENV_HOME = "R1CLI_HOME"


@dataclass(frozen=True, slots=True)
class Paths:
    config_dir: Path
    data_dir: Path
    state_dir: Path
    # Throw-away data (model lists): safe to delete at any time.
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def keys_file(self) -> Path:
        return self.config_dir / "keys.toml"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def input_history(self) -> Path:
        return self.state_dir / "input-history"


def resolve_paths(env: Mapping[str, str] | None = None) -> Paths:
    """The folders for config, data and state, honouring `R1CLI_HOME`."""
    env = os.environ if env is None else env
    home = env.get(ENV_HOME)
    if home:
        root = Path(home).expanduser()
        return Paths(root / "config", root / "data", root / "state", root / "cache")
    import platformdirs  # only needed when no override is set

    return Paths(
        Path(platformdirs.user_config_dir(APP_NAME)),
        Path(platformdirs.user_data_dir(APP_NAME)),
        Path(platformdirs.user_state_dir(APP_NAME)),
        Path(platformdirs.user_cache_dir(APP_NAME)),
    )


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) with mode 0700 if missing; return it."""
    # mkdir(parents=True) makes the parents with the umask's mode (0777 under
    # umask 000), which would let anyone swap the private folder out: create each
    # missing level 0700 instead.
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


def write_private_file(path: Path, text: str) -> None:
    """Atomically replace `path` with `text`, the file being 0600 from creation."""
    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp creates the file 0600 already; fchmod guards against odd umasks.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
