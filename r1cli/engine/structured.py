"""Checking a final answer against `--schema` (jsonschema, imported only then)."""

from __future__ import annotations

import importlib
import json
from typing import Any


def schema_problem(answer: str, schema: dict[str, Any]) -> str | None:
    """Why `answer` is not a JSON document matching `schema`; None when it is."""
    try:
        document = json.loads(answer)
    except json.JSONDecodeError as exc:
        return f"the answer is not JSON ({exc.msg} at line {exc.lineno})"
    # By name: jsonschema ships no type stubs, and its objects are used as Any here.
    jsonschema: Any = importlib.import_module("jsonschema")
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return f"the schema itself is invalid: {exc.message}"
    errors = validator_class(schema).iter_errors(document)
    error = jsonschema.exceptions.best_match(errors)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    message: str = error.message
    return message + (f" (at {where})" if where else "")
