"""Typer's parameter coercion, without pydantic for the values r1's commands take.

Typer (0.26+) converts every parameter through a pydantic `TypeAdapter`, built when
the command runs: importing pydantic and generating a schema for each of `ask`'s 35
parameters cost ~100 ms of every `r1 "question"`, more than the request. `install`
makes that conversion lazier still: an absent value (None) is never converted (typer's
own rule: () or None), and a string for a `str`, a plain decimal for an `int`/`float`
or an exact choice of a `Literal` is taken as pydantic would take it. Anything else —
a malformed number, a path, a choice in another case — goes to typer's own adapter,
so its conversions and error messages stay exactly typer's
(tests/unit/test_cli_coerce.py checks both paths agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import typer.core
from typer._click import Context
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.models import ParameterInfo

# Only forms whose meaning nobody disputes: no sign, leading zeros, underscores or
# spaces (pydantic decides those, and its errors are the ones users see).
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?")


class _Unknown:
    """The fast path has no answer: typer's adapter decides."""


UNKNOWN = _Unknown()


def fast_leaf(annotation: Any, value: Any, info: ParameterInfo) -> Any:
    """`value` converted to `annotation` as typer's adapter would, or UNKNOWN."""
    if info.parser is not None or not isinstance(value, str):
        return UNKNOWN
    if annotation is str:
        return value
    bounded = info.min is not None or info.max is not None
    if annotation is int and not bounded and _INT.fullmatch(value):
        return int(value)
    if annotation is float and not bounded and _FLOAT.fullmatch(value):
        return float(value)
    if get_origin(annotation) is Literal and info.case_sensitive:
        choices = get_args(annotation)
        if all(isinstance(choice, str) for choice in choices) and value in choices:
            return value
    return UNKNOWN


def fast_value(descriptor: TypeDescriptor, value: Any) -> Any:
    """A present value (one, or a list/tuple for a repeated parameter), or UNKNOWN."""
    info = descriptor.parameter_info
    annotation: Any = descriptor.annotation
    if not isinstance(value, (list, tuple)):
        return fast_leaf(annotation, value, info)
    if get_origin(annotation) is not list:
        return UNKNOWN
    (item,) = get_args(annotation)
    items = [fast_leaf(item, one, info) for one in value]
    return UNKNOWN if any(one is UNKNOWN for one in items) else items


@dataclass(frozen=True)
class LazyRuntimeParam(RuntimeParam):
    """Typer's RuntimeParam, building typer's own only for values it cannot read."""

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        fast = fast_value(self.descriptor, value)
        if fast is not UNKNOWN:
            return fast
        real = build_runtime_param(self.descriptor)
        return real._coerce_value(value, param=param, ctx=ctx)


def _get_runtime_param(self: typer.core._TyperParameter) -> RuntimeParam:
    if self._runtime_param is None:
        descriptor = self.type_descriptor
        self._runtime_param = LazyRuntimeParam(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )
    return self._runtime_param


def install() -> bool:
    """Route typer's coercion through LazyRuntimeParam; False when this typer has no
    such hook (then its own coercion runs, only slower)."""
    parameter = getattr(typer.core, "_TyperParameter", None)
    if parameter is None or not hasattr(parameter, "get_runtime_param"):
        return False
    parameter.get_runtime_param = _get_runtime_param
    return True
