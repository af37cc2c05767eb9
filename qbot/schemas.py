"""Schemas of what clients send. Limits come from the config, so the schemas are built per app."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from qbot.config import LimitsConfig
from qbot.ids import SAFE_ID, SAFE_ID_RULE


class StrictInt(fields.Int):
    """An int that is not a bool (JSON `true` is not a confirm_type)."""

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


_CASE_ID = re.compile(rf"(?:{SAFE_ID.pattern})?\Z")
_ABSENT = object()


def _usual_step(data: Any, limits: LimitsConfig) -> dict[str, Any] | None:
    """What StepSchema loads from a body of the usual shape, or None for marshmallow to decide
    (and word the error)."""
    if type(data) is not dict:
        return None
    question = data.get("question")
    conversation_id = data.get("conversation_id")
    case_id = data.get("case_id", "")
    confirm_type = data.get("confirm_type")
    nodes = data.get("package_nodes", _ABSENT)
    form = data.get("confirm_form_data", _ABSENT)
    if (type(question) is not str or len(question) > limits.max_question_chars
            or (conversation_id is not None and type(conversation_id) is not str)
            or type(case_id) is not str or not _CASE_ID.match(case_id) or type(confirm_type) is not int):
        return None
    if nodes is _ABSENT:
        nodes = []
    elif type(nodes) is not list or len(nodes) > limits.max_package_nodes:
        return None
    else:
        nodes = list(nodes)
    if form is _ABSENT:
        form = {}
    elif form is not None:
        if type(form) is not dict or any(
                isinstance(v, str) and len(v) > limits.max_form_field_chars for v in form.values()):
            return None
        form = dict(form)
    return {"question": question, "conversation_id": conversation_id, "case_id": case_id,
            "confirm_type": confirm_type, "package_nodes": nodes, "confirm_form_data": form}


def step_schema(limits: LimitsConfig) -> Schema:
    """The body of `POST …/chat/conversation/{id}` (design.md §2). Unknown keys are ignored."""

    class StepSchema(Schema):
        class Meta:
            unknown = EXCLUDE

        def load(self, data, *, many=None, partial=None, unknown=None):
            # marshmallow's field machinery took ~5% of a flow's CPU; the usual body is checked
            # directly, to the same result (tests/test_schemas.py compares the two).
            if many is None and partial is None and unknown is None:
                usual = _usual_step(data, limits)
                if usual is not None:
                    return usual
            return super().load(data, many=many, partial=partial, unknown=unknown)

        question = fields.Str(required=True, validate=validate.Length(max=limits.max_question_chars))
        conversation_id = fields.Str(load_default=None)
        case_id = fields.Str(load_default="", validate=validate.Regexp(
            rf"(?:{SAFE_ID.pattern})?\Z", error=f"must be empty (the default case) or {SAFE_ID_RULE}"))
        confirm_type = StrictInt(required=True, strict=True)
        package_nodes = fields.List(
            fields.Raw(), load_default=list,
            validate=validate.Length(max=limits.max_package_nodes,
                                     error=f"at most {limits.max_package_nodes} entries"))
        confirm_form_data = fields.Dict(keys=fields.Str(), load_default=dict, allow_none=True)

        @validates_schema
        def bounded_form(self, data, **_):
            for key, value in (data.get("confirm_form_data") or {}).items():
                if isinstance(value, str) and len(value) > limits.max_form_field_chars:
                    raise ValidationError(
                        {key: [f"longer than {limits.max_form_field_chars} characters"]}, "confirm_form_data")

    return StepSchema()


TITLE_MAX_CHARS = 200  # as long as a title taken from the first question (qbot.turns)
_NOT_IN_TITLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class _Title(fields.Str):
    """One line of text: surrounding blanks dropped; no control characters, line separators or
    lone surrogates (the list shows a title on one line; UTF-8 cannot hold a lone surrogate)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        found = _NOT_IN_TITLE.search(text)
        if found:
            raise ValidationError(f"U+{ord(found.group()):04X} at character {found.start()} is not allowed in a title "
                                  "(no control characters, line breaks or lone surrogates)")
        return text


class RenameSchema(Schema):
    """The body of `PATCH …/chat/conversation/{id}`. Unknown keys are ignored."""

    class Meta:
        unknown = EXCLUDE

    title = _Title(required=True, validate=validate.Length(
        min=1, max=TITLE_MAX_CHARS, error=f"must be 1 to {TITLE_MAX_CHARS} characters, blanks around it not counted"))


class ListQuery(Schema):
    """The query of `GET …/chat/conversations` that is not paging (`limit`, `before` are checked
    with their own codes)."""

    class Meta:
        unknown = EXCLUDE

    case_id = fields.Str(validate=validate.Regexp(rf"(?:{SAFE_ID.pattern})\Z", error=f"must be {SAFE_ID_RULE}"))
