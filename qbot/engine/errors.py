"""Errors the engine raises: domain values, turned into HTTP refusals at the edge
(`qbot.middlewares.REFUSALS`)."""

from __future__ import annotations

from qbot.domain_errors import DomainError


class EngineError(DomainError):
    """Something the engine cannot do with this input; the message says what and what is accepted."""


class UnknownNodes(EngineError):
    """`package_nodes` entries that name no node of the case."""

    def __init__(self, unknown: list[str], available: list[str]) -> None:
        super().__init__(f"package_nodes {unknown} name no node of this case; give node ids, node paths or "
                         "package names (GET …/cases/{case_id}/nodes lists them)",
                         {"unknown": unknown, "available": available})
