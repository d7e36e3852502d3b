"""The canary key that must never show up anywhere (docs/reliability.md §3, invariant I1).

Tests put `CANARY` where a real key would be (environment, keys file) and then search
every output and every file r1 wrote for it and for its base64 forms.
"""

from __future__ import annotations

import base64
from pathlib import Path

# A key shaped like OpenRouter's, unique enough that finding it anywhere is a leak.
CANARY = "sk-or-v1-CANARY-" + "5f3a9c1e7b2d4068a1c3e5f70b9d2c4e6a8f0b1c3d5e7f9a"


def canary_forms(secret: str = CANARY) -> list[bytes]:
    """The secret's bytes and its base64 at each of the three alignments.

    A base64 encoding of a larger text contains the secret's encoding only when the
    secret starts on a 3-byte boundary; for the other two offsets the characters not
    touched by the neighbouring bytes are still a fixed string, so all three are
    searched for.
    """
    raw = secret.encode()
    forms = [raw]
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw)
        # Drop the characters that mix in the padding bytes or the unknown suffix.
        start = 4 if pad else 0
        forms.append(encoded[start:-4])
        forms.append(base64.urlsafe_b64encode(b"\0" * pad + raw)[start:-4])
    return forms


def assert_no_canary(*items: bytes | str | Path, secret: str = CANARY) -> None:
    """Fail if the secret (or its base64) is in any of the texts, files or folders."""
    forms = canary_forms(secret)
    for item in items:
        if isinstance(item, Path):
            files = sorted(p for p in item.rglob("*") if p.is_file())
            if item.is_file():
                files = [item]
            for path in files:
                data = path.read_bytes()
                for form in forms:
                    assert form not in data, f"the key leaked into {path}"
            continue
        data = (
            item.encode("utf-8", "surrogateescape") if isinstance(item, str) else item
        )
        for form in forms:
            assert form not in data, f"the key leaked: {data[:300]!r}"


def home_files_except_keys(home: Path) -> list[Path]:
    """Every file under `home` that must never hold a key."""
    if not home.exists():
        return []
    return [
        path for path in home.rglob("*") if path.is_file() and path.name != "keys.toml"
    ]
