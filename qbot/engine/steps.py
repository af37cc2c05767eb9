"""What an analysis yields, as domain values: progress, narrative text, the finding (the result's
fields), a problem worth saying. The filter handler turns them into events
(`qbot_plugins.explain.step_event`); the engine knows nothing of events or HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Progress:
    stage: str  # retrieve, narrate, analyse
    message: str
    value: float | None = None  # 0..1


@dataclass(frozen=True, slots=True)
class Text:
    delta: str  # the next piece of the narrative, Markdown


@dataclass(frozen=True, slots=True)
class Finding:
    fields: dict[str, Any]  # summary, columns, rows, evidence and the rest of the result


@dataclass(frozen=True, slots=True)
class Problem:
    code: str  # e.g. model_unavailable: the analysis goes on
    message: str


Step = Progress | Text | Finding | Problem
