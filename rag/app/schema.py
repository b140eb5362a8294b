"""Pydantic models of the JSON contract, derived from the project's own dataclasses.

The fields are defined once, in ``rag/records.py``; this module reads them (names, types,
defaults, and the ``json`` / ``omitted_when_empty`` field metadata that ``to_dict`` follows) and
builds the models FastAPI needs for validation and the OpenAPI schema at ``/docs``. Nothing here
names a field of a record: a field added to ``Citation`` appears in the API's schema by itself
(``tests/app/test_api.py`` checks the schema's keys against ``Answer.to_dict`` of real answers).

>>> from rag.records import Citation
>>> sorted(contract_model(Citation).model_fields)
['date', 'end', 'n', 'quote', 'source', 'start', 'title']
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model


@functools.cache
def contract_model(cls: type) -> type[BaseModel]:
    """The pydantic model of ``cls.to_dict()`` (or of the dataclass itself), built from its fields."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        name = f.metadata.get("json", f.name)
        if name is None:
            continue
        annotation = _contract_type(hints[f.name])
        if f.metadata.get("omitted_when_empty"):
            fields[name] = (annotation | None, None)
        else:
            fields[name] = (annotation, ...)  # always present in to_dict (possibly null)
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    return create_model(cls.__name__, __doc__=doc, __config__=ConfigDict(extra="forbid"), **fields)


def _contract_type(tp: Any) -> Any:
    """Dataclasses -> their models, tuple[X, ...] -> list[X] (JSON arrays), recursively."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return contract_model(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return list[_contract_type(args[0])]  # type: ignore[misc]
    if origin in (types.UnionType, typing.Union):
        converted = [_contract_type(a) for a in args]
        return functools.reduce(lambda a, b: a | b, converted)
    if origin is list:
        return list[_contract_type(args[0])]  # type: ignore[misc]
    return tp


def request_model(cls: type, *, name: str | None = None) -> type[BaseModel]:
    """A request body model from a dataclass of the API's own parameters (unknown keys refused)."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = ...
        fields[f.name] = (_contract_type(hints[f.name]), default)
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    return create_model(name or cls.__name__, __doc__=doc, __config__=ConfigDict(extra="forbid"), **fields)
