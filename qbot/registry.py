"""Handler discovery: find the entry points of `qbot.plugins` (no import), load each one (an import
error is reported with its distribution), then validate and register. The built-in handlers come
through the same entry points as any third-party package."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import EntryPoint, entry_points

from marshmallow import Schema

from qbot.handlers import WORKFLOW_STATES, Handler

GROUP = "qbot.plugins"


class PluginError(Exception):
    """A plugin cannot be registered; the message names it and its distribution."""


@dataclass(frozen=True)
class Registered:
    handler: Handler
    entry_point: str
    distribution: str

    @cached_property
    def schema(self) -> Schema | None:
        """The form schema as an instance, built once: building one copies all its fields."""
        schema = self.handler.form_schema
        return schema() if isinstance(schema, type) else schema


def distribution(ep: EntryPoint) -> str:
    dist = ep.dist
    return f"{dist.name} {dist.version}" if dist is not None else "unknown distribution"


def _validate(obj: object, where: str) -> Handler:
    problems = []
    if not isinstance(getattr(obj, "confirm_type", None), int) or isinstance(getattr(obj, "confirm_type", None), bool):
        problems.append("confirm_type must be an int")
    if not isinstance(getattr(obj, "name", None), str) or not getattr(obj, "name", ""):
        problems.append("name must be a non-empty str")
    schema = getattr(obj, "form_schema", "missing")
    if schema == "missing":
        problems.append("form_schema is missing (None accepts any form)")
    elif schema is not None and not (
        isinstance(schema, Schema) or (isinstance(schema, type) and issubclass(schema, Schema))
    ):
        problems.append("form_schema must be a marshmallow Schema or None")
    states = getattr(obj, "allowed_states", "missing")
    if states == "missing":
        problems.append("allowed_states is missing (None means always)")
    elif states is not None and not (isinstance(states, (set, frozenset)) and set(states) <= WORKFLOW_STATES):
        problems.append(f"allowed_states must be None or a set of {sorted(WORKFLOW_STATES)}")
    if not inspect.isasyncgenfunction(getattr(obj, "run", None)):
        problems.append("run must be an async generator function (async def run(self, ctx): ... yield ...)")
    if problems:
        raise PluginError(f"{where} does not provide the handler interface (qbot.handlers): " + "; ".join(problems))
    return obj  # type: ignore[return-value]


def discover(disabled: Iterable[str] = ()) -> Iterator[tuple[EntryPoint, str]]:
    """The group's entry points, sorted so start-up is deterministic; disabled names left out."""
    skip = set(disabled)
    found = sorted(entry_points(group=GROUP), key=lambda ep: (ep.name, ep.value))
    for ep in found:
        if ep.name not in skip:
            yield ep, distribution(ep)


def load(disabled: Iterable[str] = ()) -> dict[int, Registered]:
    """Every enabled handler by confirm_type; raises PluginError naming the culprit."""
    registry: dict[int, Registered] = {}
    for ep, dist in discover(disabled):
        where = f"plugin '{ep.name}' ({ep.value}) from {dist}"
        try:
            obj = ep.load()
        except Exception as exc:  # an import error of any kind is the plugin's fault: say whose
            raise PluginError(f"{where} failed to load: {type(exc).__name__}: {exc}") from exc
        handler = _validate(obj, where)
        if handler.confirm_type in registry:
            other = registry[handler.confirm_type]
            raise PluginError(
                f"{where} registers confirm_type {handler.confirm_type}, already taken by plugin "
                f"'{other.entry_point}' from {other.distribution}; disable one in plugins.disabled"
            )
        registry[handler.confirm_type] = Registered(handler, ep.name, dist)
    return dict(sorted(registry.items()))


def expected_next(registry: dict[int, Registered], state: str) -> list[int]:
    """The confirm_types accepted in a state: the state's own steps first, then the always-allowed."""
    specific = [ct for ct, r in registry.items() if r.handler.allowed_states and state in r.handler.allowed_states]
    always = [ct for ct, r in registry.items() if r.handler.allowed_states is None]
    return sorted(specific) + sorted(always)
