"""The README's screenshots stay true: `tools/screenshots.py` draws a pty screen as
SVG faithfully, and a fresh `r1 ask` run gives the screen the committed picture
shows (timings, ids and dates aside)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tools import screenshots
from tools.screenshots import comparable, desc_of, screen_of, to_svg

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "img"


def test_a_screen_becomes_svg_with_its_text_styles_and_grid() -> None:
    data = (
        b"\x1b[2mThought for 1.0 s\x1b[0m\r\n"
        b"\x1b[38;2;255;0;0mred\x1b[0m \x1b[1;2mbold-dim\x1b[22m plain <&>\r\n"
    )
    grid = screen_of(data, rows=5, cols=40, scrollback=False)
    svg = to_svg(grid, "a title")
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag.endswith("svg")
    assert desc_of(svg) == "Thought for 1.0 s\nred bold-dim plain <&>"
    assert re.search(r'class="d">Thought for 1\.0 s<', svg)
    # 38;2;R;G;B is a colour, not "dim" (its 2) nor "blink" (a 5 in 38;5;N).
    assert re.search(r'fill="#ff0000">red<', svg)
    assert re.search(r'class="b d">bold-dim<', svg)
    assert re.search(r'<tspan x="(\d+\.\d)" fill="#d8dae5"> plain &lt;&amp;&gt;', svg)


def test_the_readme_shows_every_screenshot() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = sorted(path.name for path in IMAGES.glob("*.svg"))
    assert names == ["ask.svg", "chat.svg", "history.svg", "models.svg"]
    for name in names:
        assert f"docs/img/{name}" in readme


@pytest.mark.pty
def test_the_ask_screenshot_matches_a_fresh_run() -> None:
    with screenshots.stage() as (server, home):
        shot = screenshots.shot_ask(server, home)
    fresh = comparable(desc_of(to_svg(shot.grid, shot.title)))
    committed = comparable(desc_of((IMAGES / "ask.svg").read_text(encoding="utf-8")))
    assert "Thought for N.N s" in fresh and "Why the sky is blue" in fresh
    assert fresh == committed, "run: python -m tools.screenshots"
