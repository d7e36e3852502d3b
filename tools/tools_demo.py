"""Draw docs/tools.svg: `r1 "what time is it in Tokyo?"` on a real pseudo-terminal,
with `mcp-server-time` configured and the model scripted by the fake provider.

    python -m tools.tools_demo   # writes docs/tools.svg

The screen is what pyte saw; rich turns the text into an SVG (dim lines stay dim).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.e2e.test_tools_cli import CALL, QUESTION, configure
from tests.support.fakeserver import FakeServer
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_stream, sse_reply
from tests.support.tool_replies import openai_tool_stream

ROOT = Path(__file__).resolve().parents[2]
THOUGHT_1 = (
    "The user wants the current time in Tokyo. I have a clock tool; "
    "call it with Asia/Tokyo."
)


def capture() -> list[str]:
    home = Path(tempfile.mkdtemp()) / "r1home"
    configure(home)
    with FakeServer() as server:
        server.queue(
            sse_reply(openai_tool_stream([CALL], reasoning=THOUGHT_1)),
            sse_reply(
                chat_stream(
                    ["It is **15:04** in Tokyo (JST, UTC+9), on a Wednesday."],
                    ["The tool answered; JST is UTC+9."],
                    usage={"prompt_tokens": 412, "completion_tokens": 61},
                )
            ),
        )
        env = pty_env(home, OPENROUTER_API_KEY="sk-demo")
        args = ["--base-url", f"{server.url}/api/v1", QUESTION]
        session = PtySession(args, env, cols=96)
        try:
            session.wait_for("run it?", timeout=30)
            session.send("y\r")
            session.wait_for("Wednesday", timeout=30)
            session.wait_exit(30)
            return session.lines()
        finally:
            session.close()


def main() -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=96, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(Text(f'$ r1 "{QUESTION}"', style="bold"))
    for line in capture():
        dim = line.startswith(("Thought", "⚙", "  run it?")) or " s ·" in line
        console.print(Text(line, style="dim" if dim else ""))
    out = ROOT / "docs" / "tools.svg"
    out.write_text(console.export_svg(title="r1 with an MCP tool"), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
