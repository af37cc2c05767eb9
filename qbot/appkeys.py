"""Typed keys of everything the application holds (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from marshmallow import Schema

from qbot.config import Config
from qbot.heartbeat import Heartbeat
from qbot.logapi import ConversationLog
from qbot.metrics import Metrics
from qbot.registry import Registered
from qbot.turns import TurnRunner

if TYPE_CHECKING:
    from qbot.engine.base import Engine
    from qbot.evidence.store import EvidenceStore

CONFIG = web.AppKey("config", Config)
REGISTRY = web.AppKey("registry", dict[int, Registered])
LOG = web.AppKey("log", ConversationLog)
STORE = web.AppKey("store", "EvidenceStore")
ENGINE = web.AppKey("engine", "Engine")
RUNNER = web.AppKey("runner", TurnRunner)
METRICS = web.AppKey("metrics", Metrics)
HEARTBEAT = web.AppKey("heartbeat", Heartbeat)  # every stream's `: ping`
STEP_SCHEMA = web.AppKey("step_schema", Schema)  # a step's body, with the configured limits
