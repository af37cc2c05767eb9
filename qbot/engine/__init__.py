"""Engines plan questions and analyse evidence; `provider` in the config picks one."""

from __future__ import annotations

from qbot.config import Config
from qbot.engine.base import Engine, Plan
from qbot.evidence.store import EvidenceStore

__all__ = ["Engine", "Plan", "create_engine"]


def create_engine(config: Config, store: EvidenceStore) -> Engine:
    from qbot.engine.builtin import BuiltinEngine

    return BuiltinEngine(config.engine, store)
