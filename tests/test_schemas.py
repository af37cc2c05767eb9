"""The schemas' direct checks of the usual body give what marshmallow gives, or leave it to
marshmallow: same data, same errors."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from qbot_plugins.filter import FilterForm

from qbot.config import LimitsConfig
from qbot.schemas import step_schema

LIMITS = LimitsConfig(max_question_chars=20, max_form_field_chars=10, max_package_nodes=3)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=8)
SOME = st.sampled_from(["", "case-1", "bad id!", "filter", "  ", " x", "q" * 25, "x" * 11]) | JSON


def _body(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys + ["extra"]), SOME, max_size=len(keys) + 1)


STEP_KEYS = ["question", "conversation_id", "case_id", "confirm_type", "package_nodes", "confirm_form_data"]
FORM_KEYS = ["formName", "filter_tree", "filter_keyword", "analysis_prompt"]


def _marshmallow(schema: Schema, data: Any) -> Any:
    try:
        return "ok", Schema.load(schema, data)  # the base class's load: fields and validators only
    except ValidationError as exc:
        return "error", exc.messages


def _direct(schema: Schema, data: Any) -> Any:
    try:
        return "ok", schema.load(data)
    except ValidationError as exc:
        return "error", exc.messages


@settings(max_examples=400, deadline=None)
@given(_body(STEP_KEYS) | st.fixed_dictionaries({"question": st.text(max_size=25), "confirm_type": SOME},
                                                optional={"package_nodes": SOME, "confirm_form_data": SOME,
                                                          "case_id": SOME, "conversation_id": SOME}))
def test_a_step_body_loads_as_marshmallow_loads_it(body):
    schema = step_schema(LIMITS)
    assert _direct(schema, body) == _marshmallow(schema, body)


@settings(max_examples=300, deadline=None)
@given(_body(FORM_KEYS) | st.fixed_dictionaries({"filter_tree": SOME}, optional={"formName": SOME}))
def test_a_filter_form_loads_as_marshmallow_loads_it(form):
    schema = FilterForm()
    assert _direct(schema, form) == _marshmallow(schema, form)


def test_the_seed_bodies_load_alike():
    seed = {"question": "谁", "conversation_id": "", "case_id": "", "confirm_type": -1, "package_nodes": [],
            "confirm_form_data": {}}
    assert step_schema(LIMITS).load(seed) == _marshmallow(step_schema(LIMITS), seed)[1]
    form = {"formName": "filter", "filter_tree": "通话记录", "filter_keyword": "", "analysis_prompt": "p"}
    assert FilterForm().load(form) == form
