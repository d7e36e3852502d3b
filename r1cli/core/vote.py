"""Self-consistency: the final answer of each sample, and the majority among them.

Pure text rules. A sample's final answer is, in this order: the last `\\boxed{…}`
(maths), the last fenced code block (code), the last bold `**…**` span, or else the
last non-empty line. Two answers agree when their normalised forms are equal: case
folded, whitespace collapsed, and stripped of Markdown emphasis, `$` delimiters, a
leading "answer:" and trailing punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.DOTALL)
_LEAD = re.compile(r"^(?:final\s+)?answer\s*[:：]\s*", re.IGNORECASE)


def _last_boxed(text: str) -> str | None:
    """The contents of the last `\\boxed{…}`, braces matched (they nest in LaTeX)."""
    start = text.rfind("\\boxed{")
    while start != -1:
        depth, i = 0, start + len("\\boxed")
        for j in range(i, len(text)):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    return text[i + 1 : j]
        start = text.rfind("\\boxed{", 0, start)  # unclosed: try an earlier one
    return None


def final_answer(text: str) -> str:
    """The part of an answer that carries its result (see the module docstring)."""
    boxed = _last_boxed(text)
    if boxed is not None:
        return boxed.strip()
    blocks = _FENCE.findall(text)
    if blocks:
        return str(blocks[-1][1]).strip()
    bold = _BOLD.findall(text)
    if bold:
        first, second = bold[-1]
        return str(first or second).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def shown(answer: str) -> str:
    """A final answer as printed: without emphasis, `$` delimiters, a leading
    "answer:" or trailing punctuation (case and inner spacing kept)."""
    text = answer.strip().strip("*_`").strip()
    text = _LEAD.sub("", text)
    if len(text) > 1 and text.startswith("$") and text.endswith("$"):
        text = text.strip("$").strip()
    return text.rstrip(".。!;,").strip() if "\n" not in text else text


def normalise(answer: str) -> str:
    """The form two answers are compared in."""
    return " ".join(shown(answer).split()).casefold().rstrip(".。!;,").strip()


@dataclass(frozen=True, slots=True)
class Vote:
    answer: str  # the winning final answer (`shown`), as the first to give it wrote it
    agree: int  # how many samples gave it
    voters: int  # how many samples had an answer to vote with
    winner: int  # the index of that first sample


def majority(answers: list[str | None]) -> Vote | None:
    """The most common final answer among `answers` (None: a sample with no answer);
    a tie goes to the answer given first. None when no sample answered."""
    groups: dict[str, list[int]] = {}
    finals: dict[int, str] = {}
    for index, text in enumerate(answers):
        if not text or not text.strip():
            continue
        final = final_answer(text)
        finals[index] = final
        groups.setdefault(normalise(final), []).append(index)
    if not groups:
        return None
    best = max(groups.values(), key=lambda members: (len(members), -members[0]))
    return Vote(shown(finals[best[0]]), len(best), len(finals), best[0])
