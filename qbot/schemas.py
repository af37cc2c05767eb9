"""Schemas of what clients send. Limits come from the config, so the schemas are built per app."""

from __future__ import annotations

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


def step_schema(limits: LimitsConfig) -> Schema:
    """The body of `POST …/chat/conversation/{id}` (design.md §2). Unknown keys are ignored."""

    class StepSchema(Schema):
        class Meta:
            unknown = EXCLUDE

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
