"""A logged result, worked out again: the query, nodes and keyword the `result` event records
run through the same executor, so each row's records can be listed in full (citations, the
report). The recomputed rows must equal the logged ones, or the evidence has changed since."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qbot.domain_errors import ResultChanged
from qbot.engine import executor, scope
from qbot.engine.answer import Answer, Scope
from qbot.engine.errors import EngineError
from qbot.engine.query import Query, QueryError
from qbot.events import dumps
from qbot.evidence.store import Case


async def recompute(engine: Any, case: Case, result: dict[str, Any], package_nodes: Sequence[Any] = ()
                    ) -> tuple[Scope, Answer]:
    """(scope, answer) of a logged `result` event's data. `engine` is the app's engine; the
    figures are always the builtin engine's (the openai provider keeps one as `builtin`)."""
    builtin = getattr(engine, "builtin", engine)
    if not isinstance(result.get("query"), dict):
        raise ResultChanged("this result records no query (it was not made by qbot's analysis, e.g. a plugin's): "
                            "its records cannot be listed again")
    try:
        query = Query.from_json(result["query"])
    except QueryError as exc:
        raise ResultChanged(f"the logged query cannot run: {exc}") from exc
    nodes = await builtin.store.nodes(case.id)
    try:
        if "node_ids" in result:
            wanted = [int(i) for i in result["node_ids"]]
            chosen = [n for n in nodes if n.id in wanted]
        else:  # results logged before node_ids: the node paths, within the turn's package_nodes
            chosen = [n for n in scope.restrict(nodes, package_nodes) if n.path in result.get("scope", [])]
        the_scope = await builtin.scope(query, chosen, case, str(result.get("keyword") or ""))
        answer = await executor.execute(query, the_scope, frozenset(result.get("measures") or ())) if chosen else None
    except (TypeError, ValueError, EngineError) as exc:  # what was logged no longer reads as it did
        raise ResultChanged(f"the logged result cannot be worked out again: {exc}") from exc
    logged = [e.get("records") for e in result.get("evidence", [])]
    if answer is None or dumps(answer.rows) != dumps(result.get("rows", [])) \
            or logged != (answer.record_counts or [len(refs) for refs in answer.refs]):
        raise ResultChanged("the evidence no longer gives this result's figures (records were imported or "
                            "removed since it was computed); ask the question again")
    return the_scope, answer
