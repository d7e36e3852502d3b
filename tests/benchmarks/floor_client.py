"""The floor: the least a streaming client can do, to measure `r1` against.

Bare httpx stream, `json.loads` per SSE event, write + flush per token (answer to
stdout, reasoning to stderr). No rendering, no history, no sanitising. Usage:

    python tests/benchmarks/floor_client.py http://127.0.0.1:PORT/v1
"""

from __future__ import annotations

import json
import sys

import httpx


def main(base_url: str) -> int:
    body = {
        "model": "deepseek/deepseek-r1-0528",
        "stream": True,
        "messages": [{"role": "user", "content": "Explain Fibonacci"}],
    }
    out, err = sys.stdout, sys.stderr
    with (
        httpx.Client(timeout=60) as client,
        client.stream("POST", base_url + "/chat/completions", json=body) as response,
    ):
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            choices = json.loads(line[6:]).get("choices") or [{}]
            delta = choices[0].get("delta") or {}
            if delta.get("reasoning"):
                err.write(delta["reasoning"])
                err.flush()
            if delta.get("content"):
                out.write(delta["content"])
                out.flush()
    out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
