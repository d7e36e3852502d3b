"""Regenerate the README's screenshots from real `r1` runs (a development tool, not
shipped).

    python -m tools.screenshots            # writes docs/img/*.svg

Each picture is a real `r1` process on a pseudo-terminal (pexpect), talking to the
loopback fake server (`tests/support/fakeserver.py`) under a throw-away R1CLI_HOME;
every byte it writes goes through pyte, and the resulting screen is drawn as SVG
here (one `<text>` a row, one `<tspan>` a run of equal style, each placed at its
column, so the picture is the terminal's grid whatever the viewer's font). The
plain text of the screen is kept in the SVG's `<desc>`: screen readers get it, and
`tests/e2e/test_screenshots.py` compares it with a fresh run, so the pictures
cannot drift from what r1 really prints.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyte

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.fakeserver import FakeServer, Reply  # noqa: E402
from tests.support.pty_session import PtySession, pty_env  # noqa: E402
from tests.support.replies import chat_chunk, json_reply, sse_reply  # noqa: E402

OUT = ROOT / "docs" / "img"
KEY = "sk-or-v1-screenshot-not-a-real-key"
MODEL = "deepseek/deepseek-r1-0528"

# -- the scripted model ---------------------------------------------------------------

SKY_REASONING = (
    "The user asks why the sky is blue. Sunlight holds every colour; air molecules "
    "are far smaller than the wavelength of visible light, so Rayleigh scattering "
    "applies and its strength goes as 1/λ⁴. Blue (≈450 nm) scatters about 5.5 times "
    "more than red (≈700 nm). Violet scatters even more, but the sun emits less of "
    "it and our eyes are less sensitive to it. Keep the answer short, with the "
    "formula and the sunset case."
)
SKY_ANSWER = """\
## Why the sky is blue

Sunlight is scattered by the **molecules of the air** (Rayleigh scattering), and
the shorter the wavelength, the stronger the scattering:

- intensity ∝ `1 / λ⁴`, so blue light (450 nm) scatters ~5.5× more than red (700 nm);
- violet scatters even more, but the sun sends less of it and our eyes are less
  sensitive to it;
- at sunset the light crosses much more air: the blue is scattered away before it
  reaches you, and the reds and oranges remain.
"""
SUNSET_REASONING = (
    "A follow-up on sunsets: the path through the atmosphere is up to 40 times "
    "longer near the horizon. Answer in two sentences."
)
SUNSET_ANSWER = (
    "Near the horizon sunlight crosses up to **40 times more air**, so most of the "
    "blue is scattered out of the beam before it reaches you.\n\nWhat is left is "
    "the long-wavelength end: orange and red.\n"
)
OPENROUTER_MODELS = {
    "data": [
        {
            "id": "deepseek/deepseek-r1-0528",
            "name": "DeepSeek: R1 0528",
            "context_length": 163840,
            "pricing": {"prompt": "0.0000005", "completion": "0.00000215"},
        },
        {
            "id": "deepseek/deepseek-r1-0528:free",
            "name": "DeepSeek: R1 0528 (free)",
            "context_length": 163840,
            "pricing": {"prompt": "0", "completion": "0"},
        },
        {
            "id": "deepseek/deepseek-r1-distill-llama-70b",
            "name": "DeepSeek: R1 Distill Llama 70B",
            "context_length": 131072,
            "pricing": {"prompt": "0.0000001", "completion": "0.0000004"},
        },
        {
            "id": "deepseek/deepseek-r1-distill-qwen-32b",
            "name": "DeepSeek: R1 Distill Qwen 32B",
            "context_length": 131072,
            "pricing": {"prompt": "0.00000012", "completion": "0.00000018"},
        },
    ]
}


def words(text: str, size: int = 3) -> list[str]:
    """`text` as deltas of `size` words, the way a model streams it."""
    parts = re.findall(r"\S+\s*|\s+", text)
    return ["".join(parts[i : i + size]) for i in range(0, len(parts), size)]


def answer_reply(
    reasoning: str, answer: str, *, prompt_tokens: int, cost: float
) -> Reply:
    """A streamed answer with reasoning first and the usage at the end."""
    thought = [chat_chunk({"reasoning": piece}) for piece in words(reasoning)]
    said = [chat_chunk({"content": piece}) for piece in words(answer)]
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": (len(reasoning) + len(answer)) // 4,
        "completion_tokens_details": {"reasoning_tokens": len(reasoning) // 4},
        "cost": cost,
    }
    end = [chat_chunk({"content": ""}, "stop", usage), b"data: [DONE]\n\n"]
    # ~40 chunks a second: slow enough that the reasoning panel and the live
    # answer are really drawn, fast enough to keep the run short.
    return sse_reply([*thought, *said, *end], delay=0.025)


def sky() -> Reply:
    return answer_reply(SKY_REASONING, SKY_ANSWER, prompt_tokens=14, cost=0.00061)


def sunset() -> Reply:
    return answer_reply(SUNSET_REASONING, SUNSET_ANSWER, prompt_tokens=201, cost=0.0004)


# -- a screen that remembers dim ------------------------------------------------------


class Screen(pyte.HistoryScreen):
    """pyte's screen, keeping SGR 2 (dim), which pyte drops, in the blink bit
    (r1 never blinks): dim is how r1 sets its own lines apart from the model's."""

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        mapped: list[int] = []
        i = 0
        while i < len(attrs):
            attr = attrs[i]
            if attr in (38, 48):  # extended colour: its arguments are not SGRs
                skip = 3 if i + 1 < len(attrs) and attrs[i + 1] == 5 else 5
                mapped += attrs[i : i + skip]
                i += skip
                continue
            if attr == 2:
                mapped.append(5)
            elif attr == 22:
                mapped += [22, 25]
            else:
                mapped.append(attr)
            i += 1
        super().select_graphic_rendition(*mapped, **kwargs)


def screen_of(
    output: bytes, rows: int, cols: int, *, scrollback: bool
) -> list[list[Any]]:
    """The rows of cells `output` leaves on a rows x cols terminal (with the
    scrollback above when `scrollback`), trailing blank rows dropped."""
    screen = Screen(cols, rows, history=10_000)
    pyte.ByteStream(screen).feed(output)
    blank = screen.default_char
    grid: list[list[Any]] = []
    if scrollback:
        for line in screen.history.top:
            grid.append([line.get(x, blank) for x in range(cols)])
    for y in range(rows):
        grid.append([screen.buffer[y][x] for x in range(cols)])
    while grid and not "".join(c.data for c in grid[-1]).strip():
        grid.pop()
    return grid


def plain_text(grid: list[list[Any]]) -> str:
    return "\n".join("".join(c.data for c in row).rstrip() for row in grid)


# -- SVG --------------------------------------------------------------------------------

FONT = 14  # px
CELL_W, CELL_H = 8.43, 18.0  # a 14 px monospace cell: 0.6 em wide, 1.3 em high
PAD, BAR = 16, 30
BACKGROUND, FOREGROUND = "#1e1f29", "#d8dae5"
PALETTE = {
    "black": "#45475a",
    "red": "#f38ba8",
    "green": "#a6e3a1",
    "brown": "#f9e2af",
    "blue": "#89b4fa",
    "magenta": "#cba6f7",
    "cyan": "#94e2d5",
    "white": "#bac2de",
}


def _colour(name: str, default: str) -> str:
    if name == "default":
        return default
    if re.fullmatch(r"[0-9a-fA-F]{6}", name):
        return "#" + name.lower()
    return PALETTE.get(name.removeprefix("bright"), default)


def _style(char: Any) -> tuple[str, str, bool, bool, bool, bool]:
    fg, bg = _colour(char.fg, FOREGROUND), _colour(char.bg, BACKGROUND)
    if char.reverse:
        fg, bg = bg, fg
    return (
        fg,
        bg,
        bool(char.bold),
        bool(char.italics),
        bool(char.underscore),
        bool(char.blink),
    )


def to_svg(grid: list[list[Any]], title: str) -> str:
    """The grid as a terminal window in SVG, its text in `<desc>`."""
    # As wide as the widest row's text (the pty was wider than most output).
    used = max((len("".join(c.data for c in row).rstrip()) for row in grid), default=0)
    cols = max(used + 1, 40)
    grid = [row[:cols] for row in grid]
    width = round(2 * PAD + cols * CELL_W)
    height = round(BAR + 2 * PAD + max(len(grid), 1) * CELL_H)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f"<desc>{html.escape(plain_text(grid))}</desc>",
        "<style>text{font-family:'JetBrains Mono','DejaVu Sans Mono',Menlo,Consolas,"
        f"monospace;font-size:{FONT}px;white-space:pre}}.b{{font-weight:bold}}"
        ".i{font-style:italic}.u{text-decoration:underline}.d{opacity:.55}</style>",
        f'<rect width="{width}" height="{height}" rx="8" fill="{BACKGROUND}"/>',
        *(
            f'<circle cx="{PAD + 6 + 20 * n}" cy="{BAR // 2 + 2}" r="6" fill="{c}"/>'
            for n, c in enumerate(("#ff5f57", "#febc2e", "#28c840"))
        ),
        f'<text x="{width / 2:.0f}" y="{BAR // 2 + 7}" fill="#7f849c" '
        f'text-anchor="middle">{html.escape(title)}</text>',
    ]
    for y, row in enumerate(grid):
        baseline = BAR + PAD + y * CELL_H + FONT
        runs: list[str] = []
        x = 0
        while x < len(row):
            style = _style(row[x])
            end = x
            while end < len(row) and _style(row[end]) == style:
                end += 1
            text = "".join(c.data for c in row[x:end])
            fg, bg, bold, italic, underline, dim = style
            left = PAD + x * CELL_W
            if bg != BACKGROUND:
                out.append(
                    f'<rect x="{left:.1f}" y="{baseline - FONT:.1f}" '
                    f'width="{(end - x) * CELL_W:.1f}" height="{CELL_H}" fill="{bg}"/>'
                )
            if text.strip():
                classes = " ".join(
                    name
                    for name, on in (
                        ("b", bold),
                        ("i", italic),
                        ("u", underline),
                        ("d", dim),
                    )
                    if on
                )
                attr = f' class="{classes}"' if classes else ""
                runs.append(
                    f'<tspan x="{left:.1f}" fill="{fg}"{attr}>{html.escape(text)}</tspan>'
                )
            x = end
        if runs:
            out.append(
                f'<text y="{baseline:.1f}" xml:space="preserve">{"".join(runs)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def desc_of(svg: str) -> str:
    """The screen text an SVG made here carries."""
    match = re.search(r"<desc>(.*?)</desc>", svg, re.S)
    return html.unescape(match.group(1)) if match else ""


def comparable(text: str) -> str:
    """Screen text with what differs from run to run masked: timings, speeds, ids
    and dates."""
    text = re.sub(r"\d+\.\d s\b", "N.N s", text)
    text = re.sub(r"[\d.]+ tok/s", "N tok/s", text)
    text = re.sub(r"\b[0-9a-hjkmnp-tv-z]{12}\b", "ID", text)
    return re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d", "DATE", text)


# -- running r1 -------------------------------------------------------------------------


@dataclass
class Shot:
    name: str
    title: str
    grid: list[list[Any]]


@contextmanager
def stage() -> Iterator[tuple[FakeServer, Path]]:
    with (
        tempfile.TemporaryDirectory(prefix="r1-shots-") as home,
        FakeServer() as server,
    ):
        yield server, Path(home)


def r1(
    server: FakeServer,
    home: Path,
    args: list[str],
    *,
    rows: int,
    cols: int,
    drive: Callable[[PtySession], None] | None = None,
) -> PtySession:
    """Run `r1 ARGS` on a pty against the fake server; `drive` types into it."""
    base = ["--base-url", f"{server.url}/api/v1"]
    session = PtySession(
        [*args[:1], *base, *args[1:]],
        pty_env(home, R1CLI_API_KEY=KEY),
        rows=rows,
        cols=cols,
    )
    try:
        if drive is not None:
            drive(session)
        status = session.wait_exit(timeout=30)
    finally:
        session.close()
    if status != 0:
        raise SystemExit(f"r1 {' '.join(args)} exited {status}:\n{session.text()}")
    return session


def shot_ask(server: FakeServer, home: Path) -> Shot:
    server.queue(sky())
    session = r1(server, home, ["ask", "Why is the sky blue?"], rows=30, cols=88)
    grid = screen_of(bytes(session.output), 30, 88, scrollback=True)
    return Shot("ask", '$ r1 "Why is the sky blue?"', grid)


def shot_chat(server: FakeServer, home: Path) -> Shot:
    server.queue(sky(), sunset())
    captured: list[bytes] = []

    def drive(session: PtySession) -> None:
        session.wait_prompt()
        session.type_line("Why is the sky blue?")
        session.wait_for("reds and oranges remain")
        session.wait_prompt()
        session.type_line("And why are sunsets red?")
        session.wait_for("orange and red.")
        session.wait_prompt()
        session.type_line("/title Sky colours")
        session.wait_for("title: Sky colours")
        session.type_line("/usage")
        session.wait_for("context: about")
        session.wait_prompt()
        captured.append(bytes(session.output))
        session.ctrl("d")

    r1(server, home, ["chat"], rows=36, cols=88, drive=drive)
    grid = screen_of(captured[0], 36, 88, scrollback=False)
    return Shot("chat", "$ r1 chat", grid)


def shot_models(server: FakeServer, home: Path) -> Shot:
    server.queue(json_reply(200, OPENROUTER_MODELS))
    session = r1(server, home, ["models", "--search", "r1"], rows=12, cols=88)
    grid = screen_of(bytes(session.output), 12, 88, scrollback=True)
    return Shot("models", "$ r1 models --search r1", grid)


def seed_history(server: FakeServer, home: Path) -> None:
    """A few more conversations, so the history list looks lived in."""
    for question, answer in (
        ("Explain Rust lifetimes in one paragraph", "Lifetimes name how long…"),
        ("Review this diff for race conditions", "Two issues stand out…"),
    ):
        server.queue(
            answer_reply("Thinking it over.", answer, prompt_tokens=30, cost=0.0001)
        )
        r1(server, home, ["ask", question], rows=12, cols=88)


def take_all() -> list[Shot]:
    with stage() as (server, home):
        shots = [shot_ask(server, home), shot_chat(server, home)]
        seed_history(server, home)
        shots.append(_history_list(home))
        shots.append(shot_models(server, home))
    return shots


def _history_list(home: Path) -> Shot:
    session = PtySession(
        ["history", "list"], pty_env(home, R1CLI_API_KEY=KEY), rows=12, cols=110
    )
    try:
        status = session.wait_exit(timeout=30)
    finally:
        session.close()
    if status != 0:
        raise SystemExit(f"r1 history list exited {status}:\n{session.text()}")
    grid = screen_of(bytes(session.output), 12, 110, scrollback=True)
    return Shot("history", "$ r1 history list", grid)


def write(shots: list[Shot], folder: Path = OUT) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for shot in shots:
        path = folder / f"{shot.name}.svg"
        path.write_text(to_svg(shot.grid, shot.title), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the SVGs")
    args = parser.parse_args(argv)
    started = time.monotonic()
    for path in write(take_all(), args.out):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
