"""The contract, fuzzed: schemathesis generates requests from `/openapi.json` (valid ones and,
per operation, invalid ones) against a real server, and every answer must be documented: no 5xx,
a documented status code and content type, a JSON body (or each SSE event's JSON data) matching
the documented schema. Bounded: a few dozen examples per operation and mode."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qbot.appkeys import REGISTRY
from qbot.openapi import build_spec
from tests.support import PREFIX

# CI explores the same examples every run, so a landing never depends on luck; a developer's
# run explores new ones.
IN_CI = os.environ.get("CI") == "true"

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 25


async def test_every_route_is_documented(qbot) -> None:
    async with qbot.api.session.get(f"{qbot.base}/openapi.json", headers={"Origin": "http://localhost:9000"}) as resp:
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:9000"  # CORS like the others
        doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    routed = {(r.resource.canonical, r.method) for r in qbot.app.router.routes() if r.method not in ("HEAD", "OPTIONS")}
    assert documented == routed
    step = doc["paths"][f"{PREFIX}/chat/conversation/{{conversation_id}}"]["post"]
    assert set(step["responses"]) == {"200", "400", "403", "404", "408", "409", "413", "415", "429", "503"}
    assert "text/event-stream" in step["responses"]["200"]["content"]
    body = doc["components"]["schemas"]["Step"]
    assert body["required"] == ["confirm_type", "question"]
    assert body["properties"]["confirm_form_data"]["type"] == ["object", "null"]
    # The app's registry (other installed packages may add handlers), the built-ins among them.
    assert body["properties"]["confirm_type"]["enum"] == sorted(qbot.app[REGISTRY])
    assert {-1, 0, 1, 3} <= set(qbot.app[REGISTRY])
    assert "Form_filter" in doc["components"]["schemas"]
    assert doc == build_spec(qbot.app)  # the cached document is the generated one


async def test_plugins_forms_are_documented(start_qbot, echo_plugin) -> None:
    running = await start_qbot()
    async with running.api.session.get(f"{running.base}/openapi.json") as resp:
        doc = await resp.json()
    assert doc["components"]["schemas"]["Step"]["properties"]["confirm_type"]["enum"] == sorted(running.app[REGISTRY])
    assert {-1, 0, 1, 3, 7} <= set(running.app[REGISTRY])
    assert set(doc["components"]["schemas"]["Form_echo"]["properties"]) == {"count", "size", "delay", "fail"}


def _fuzz(schema: Any, base: str, known: dict[str, dict[str, str]]) -> list[str]:
    """Every operation, valid then invalid requests, then valid ones on an existing conversation or
    case (random ids only find 404s); returns the failures, one line each."""
    failures: list[str] = []
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            passes: list[tuple[GenerationMode, dict[str, str] | None]] = [
                (GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
            if operation.label in known:
                passes.append((GenerationMode.POSITIVE, known[operation.label]))
            for mode, path_parameters in passes:

                @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=IN_CI, phases=[Phase.generate],
                          suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
                @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
                def run(case: Any) -> None:
                    case.call_and_validate(base_url=base, session=session, checks=CHECKS, timeout=30)

                try:
                    run()
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to make invalid
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported below
                    failures.append(f"{operation.label} [{mode.value}, {path_parameters}]: {exc}")
    return failures


async def test_schemathesis_finds_nothing_undocumented(qbot) -> None:
    async with qbot.api.session.get(f"{qbot.base}/openapi.json") as resp:
        doc = await resp.json()
    schema = schemathesis.openapi.from_dict(doc)
    # A finished conversation (the seed's three steps, so its log holds every kind of event but
    # `error`) for each operation on one: DELETE must not take GET's away.
    known: dict[str, dict[str, str]] = {"GET /qbot/api/v1/generalsec-ai/cases/{case_id}/nodes": {"case_id": "default"}}
    for method, suffix in [("POST", ""), ("GET", ""), ("DELETE", ""), ("PATCH", ""), ("GET", "/events"), ("POST", "/stop")]:
        cid = f"fuzz-{method.lower()}{suffix.replace('/', '-')}"
        await qbot.api.flow(cid)
        known[f"{method} {PREFIX}/chat/conversation/{{conversation_id}}{suffix}"] = {"conversation_id": cid}
    # requests is blocking: it runs in a thread while this loop serves.
    failures = await asyncio.to_thread(_fuzz, schema, qbot.base, known)
    assert not failures, "\n\n".join(failures)


async def test_answers_load_with_the_contract_schemas(qbot) -> None:
    """schemathesis 4.32 does not flag keys a response schema's `additionalProperties: false`
    forbids; marshmallow does: every JSON answer and event loads with its qbot.contract schema."""
    from qbot import contract

    steps = await qbot.api.flow("contract")
    for event in (e for step in steps for e in step):
        contract.EVENTS[event.event]().load(event.data)
    for path, schema in [("/chat/conversation/contract", contract.Conversation),
                         ("/chat/conversations", contract.ConversationList), ("/cases", contract.CaseList),
                         ("/cases/default/nodes", contract.NodeTree)]:
        status, body = await qbot.api.get_json(path)
        assert status == 200
        schema().load(body)
    status, refusal = await qbot.api.get_json("/chat/conversation/nope")
    assert status == 404
    contract.ErrorEnvelope().load(refusal)
    async with qbot.api.session.get(f"{qbot.base}/healthz") as resp:
        contract.Health().load(await resp.json())
    async with qbot.api.session.patch(qbot.api.url("/chat/conversation/contract"), json={"title": "契约"}) as resp:
        contract.Renamed().load(await resp.json())
    async with qbot.api.session.delete(qbot.api.url("/chat/conversation/contract")) as resp:
        contract.Deleted().load(await resp.json())
