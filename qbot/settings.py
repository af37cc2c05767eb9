"""How a setting is declared: once, as a field of a frozen dataclass (its name, type and default),
`setting()` adding what it does and how it is checked. The marshmallow schema that loads a section
and the list of every setting are derived from the dataclasses; nothing is declared twice.

A field whose type is a dataclass is a section of settings (`server`, `auth.proxy_header`)."""

from __future__ import annotations

import copy
import dataclasses
import functools
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields, missing, post_load, validates_schema

_HELP, _CHECKS = "help", "checks"  # the metadata keys setting() fills


def setting(default: Any = dataclasses.MISSING, *, help: str, validate: Any = None, each: Any = None,
            field: fields.Field | None = None, repr: bool = True) -> Any:
    """One setting: its default (a list as a tuple; none: required), what it does, and its checks:
    `validate` for the value, `each` for every item of a list, or `field`, a whole marshmallow
    field when the type does not say enough (a normalising field, a list of them)."""
    if not help.strip():
        raise TypeError("a setting needs its help: what it does")
    if field is not None and (validate is not None or each is not None):
        raise TypeError("give field, or validate and each, not both")
    metadata = {_HELP: help, _CHECKS: (validate, each, field)}
    if isinstance(default, (dict, list, set)):  # mutable: each config gets its own
        return dataclasses.field(default_factory=functools.partial(copy.deepcopy, default), repr=repr,
                                 metadata=metadata)
    return dataclasses.field(default=default, repr=repr, metadata=metadata)


class PathField(fields.Str):
    """A folder or file name, loaded as a `Path`."""

    def _deserialize(self, value, attr, data, **kwargs):
        return Path(super()._deserialize(value, attr, data, **kwargs))


_SCALARS: dict[Any, type[fields.Field]] = {str: fields.Str, int: fields.Int, float: fields.Float,
                                           bool: fields.Bool, Path: PathField}


def _field_for(kind: Any, each: Any = None, **kwargs: Any) -> fields.Field:
    """The marshmallow field that loads a value of this type (`each` checks a list's items)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return fields.Nested(schema_of(kind), **kwargs)
    if origin in (tuple, list):  # tuple[X, ...]: a list in YAML, a tuple once loaded
        return fields.List(_field_for(args[0], validate=each), **kwargs)
    if origin is dict:
        keys, values = args
        return fields.Dict(keys=_field_for(keys), values=None if values is Any else _field_for(values), **kwargs)
    return _SCALARS[kind](**kwargs)


def _schema_field(cls: type, f: dataclasses.Field, kind: Any) -> fields.Field:
    default = f.default_factory if f.default is dataclasses.MISSING else f.default  # marshmallow calls a factory
    required = default is dataclasses.MISSING
    presence = {"required": True} if required else {"load_default": default}
    if dataclasses.is_dataclass(kind):
        return _field_for(kind, **presence)
    if _HELP not in f.metadata:
        raise TypeError(f"{cls.__name__}.{f.name}: declare it with setting(default, help=...) "
                        "or as a section (a dataclass)")
    validate, each, field = f.metadata[_CHECKS]
    if field is not None:
        field = copy.deepcopy(field)  # the declaration's own instance stays untouched
        field.required, field.load_default = required, presence.get("load_default", missing)
        return field
    return _field_for(kind, each=each, validate=validate, **presence)


@functools.cache
def schema_of(cls: type) -> type[Schema]:
    """The schema that loads a section into its frozen dataclass: a field per setting, unknown keys
    refused, lists loaded as tuples, and the class's `validate_settings(data)`, if it has one, for
    what involves several settings (it raises `ValidationError` keyed by setting)."""
    hints = typing.get_type_hints(cls)
    attrs: dict[str, Any] = {f.name: _schema_field(cls, f, hints[f.name]) for f in dataclasses.fields(cls)}

    def make(self, data, **_):
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    # Names no setting takes: a field of the same name would replace the hook.
    attrs["_make_dataclass"] = post_load(make)
    check: Callable[[dict], None] | None = getattr(cls, "validate_settings", None)
    if check is not None:
        attrs["_validate_settings"] = validates_schema(lambda self, data, **_: check(data))
    return type(f"{cls.__name__}Schema", (Schema,), attrs)


@dataclasses.dataclass(frozen=True)
class Declared:
    """One setting as declared, with its dotted name (`auth.proxy_header.header`)."""

    name: str
    type: Any
    default: Any
    help: str


def declared(cls: type, prefix: str = "") -> Iterator[Declared]:
    """Every setting of the sections under `cls`, in declaration order, sections walked."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            yield from declared(kind, f"{prefix}{f.name}.")
        else:
            default = f.default_factory() if f.default is dataclasses.MISSING else f.default
            yield Declared(prefix + f.name, kind, default, f.metadata.get(_HELP, ""))
