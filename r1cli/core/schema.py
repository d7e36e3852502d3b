"""`--schema`: a JSON Schema as given, or llm's concise form, as a schema object.

The concise form is field names separated by commas or newlines, each optionally
followed by a type (`int`, `float`, `str`, `bool`) and a `: description`:
`name, age int, bio: one sentence` → an object with those three required properties
and no others (what strict structured output needs).
"""

from __future__ import annotations

import json
import re
from typing import Any

from r1cli.errors import UsageError

TYPES = {
    "str": "string",
    "string": "string",
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
}
_FIELD = re.compile(r"^([A-Za-z_][\w-]*)(?:\s+(\w+))?\s*(?::\s*(.*))?$")


def parse_schema(text: str) -> dict[str, Any]:
    """A schema object from JSON text or the concise form; UsageError if neither."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except ValueError as exc:
            raise UsageError(f"--schema is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise UsageError("--schema must be a JSON object")
        return value
    return concise(stripped)


def concise(text: str) -> dict[str, Any]:
    separator = "\n" if "\n" in text else ","
    properties: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(separator)):
        if not part:
            continue
        match = _FIELD.match(part)
        if match is None:
            raise UsageError(
                f"--schema: cannot read {part!r}",
                hint="give JSON Schema, or fields like 'name, age int, bio: a sentence'",
            )
        name, kind, description = match.groups()
        if kind is not None and kind.lower() not in TYPES:
            raise UsageError(
                f"--schema: unknown type {kind!r} for {name}",
                hint="types: int, float, str, bool",
            )
        prop: dict[str, Any] = {"type": TYPES[(kind or "str").lower()]}
        if description:
            prop["description"] = description.strip()
        properties[name] = prop
    if not properties:
        raise UsageError("--schema names no fields")
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
