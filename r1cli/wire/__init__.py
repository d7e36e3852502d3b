"""Bytes on the network; the only importer of httpx.

httpx's package imports its command-line tool, and with it click, rich and pygments
(~40 ms), when they are installed; r1 never runs it. A None entry makes that import
fail, and httpx falls back to a stub `main` (its own path when click is missing). It
is set here, before any module of this package can import httpx.
"""

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
