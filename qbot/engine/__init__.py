"""Engines plan questions and analyse evidence; `provider` in the config picks one. Nothing is
loaded here but the interface, so any engine module (`timeexpr`, `parser`, …) imports on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qbot.engine.base import Engine, Plan

if TYPE_CHECKING:
    from qbot.config import Config
    from qbot.evidence.store import EvidenceStore

__all__ = ["Engine", "Plan", "create_engine"]


def create_engine(config: Config, store: EvidenceStore) -> Engine:
    """`builtin`: offline rules and SQL; `openai`: an OpenAI-compatible model fills the query and
    writes the narrative, both checked (against the question, against the result), while the
    builtin engine still computes every figure."""
    if config.engine.provider == "openai":
        from qbot.engine.openai import OpenAIEngine

        return OpenAIEngine(config.engine, store)
    from qbot.engine.builtin import BuiltinEngine

    return BuiltinEngine(config.engine, store)
