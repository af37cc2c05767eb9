"""Marshmallow schemas of what qbot answers: the SSE events' data, the JSON routes' bodies and the
refusal envelope (design.md §2). They document the contract in `/openapi.json` (qbot.openapi);
the handlers build their answers directly, and the contract tests check the two agree."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from qbot.events import AWAITING_CHOICE, AWAITING_FILTER, AWAITING_START, CANCELLED, COMPLETED, FAILED

TURN_OUTCOMES = [AWAITING_CHOICE, AWAITING_START, AWAITING_FILTER, COMPLETED, FAILED, CANCELLED]


def _nullable_str(**metadata: object) -> fields.Str:
    return fields.Str(required=True, allow_none=True, metadata=metadata)


# -- refusals ----------------------------------------------------------------------------------


class ErrorBody(Schema):
    code = fields.Str(required=True, metadata={"description": "machine-readable reason, e.g. `invalid_request`"})
    message = fields.Str(required=True, metadata={"description": "what was wrong and what is accepted"})
    details = fields.Raw(required=True, allow_none=True,
                         metadata={"description": "per-code details (field errors, registered confirm_types, "
                                                  "expected confirm_types …) or null"})


class ErrorEnvelope(Schema):
    """Every refusal, before any stream opens."""

    error = fields.Nested(ErrorBody, required=True)


# -- SSE events (the `data:` line of each event, JSON) ------------------------------------------


class EventData(Schema):
    """Events may gain keys; clients ignore the ones they do not know."""

    class Meta:
        unknown = INCLUDE


class StartEvent(EventData):
    """`start`: the first event of every turn."""

    conversation_id = fields.Str(required=True)
    turn_id = fields.Str(required=True)
    confirm_type = fields.Int(required=True)
    handler = fields.Str(required=True, metadata={"description": "the handler's name"})


class StatusEvent(EventData):
    """`status`: progress of a long step."""

    stage = fields.Str(required=True)
    message = fields.Str(required=True)
    progress = fields.Float(validate=validate.Range(0, 1), metadata={"description": "0..1, when known"})


class MessageEvent(EventData):
    """`message`: streamed assistant text (Markdown)."""

    delta = fields.Str(required=True)


class ConfirmEvent(EventData):
    """`confirm`: the assistant waits for the examiner."""

    confirm_type = fields.Int(required=True, metadata={"description": "the confirm_type expected next"})
    question = fields.Str(required=True, metadata={"description": "the button text (`开始任务`, `继续任务`)"})
    form = fields.Dict(required=True, allow_none=True,
                       metadata={"description": "null, or the form with its default values "
                                                "(e.g. the `filter` form: see FilterForm)"})
    plan = fields.Dict(metadata={"description": "the proposed plan (intent, steps, nodes, query)"})


class ResultEvent(EventData):
    """`result`: the structured answer of an analysis; every row cites its records."""

    summary = fields.Str(required=True)
    columns = fields.List(fields.Str(), required=True)
    rows = fields.List(fields.List(fields.Raw()), required=True)
    evidence = fields.List(fields.Raw(), required=True, metadata={"description": "record references per row"})


class Choice(Schema):
    id = fields.Str(required=True, metadata={"description": "send back as confirm_form_data.choice (confirm_type 1)"})
    label = fields.Str(required=True, metadata={"description": "what this reading means"})
    question = fields.Str(required=True, metadata={"description": "the question rephrased to read only this way"})


class ClarifyEvent(EventData):
    """`clarify`: the question has several readings; the conversation awaits the examiner's pick."""

    reason = fields.Str(required=True)
    choices = fields.List(fields.Nested(Choice), required=True)


class DeclineEvent(EventData):
    """`decline`: the question cannot be answered exactly; says why and what would work."""

    reason = fields.Str(required=True)
    unknown = fields.List(fields.Str(), metadata={"description": "words of the question not understood"})
    suggestions = fields.List(fields.Str(), metadata={"description": "questions qbot can answer"})


class ErrorEvent(EventData):
    """`error`: a failure inside a turn (a `done` with `state: failed` follows)."""

    code = fields.Str(required=True)
    message = fields.Str(required=True)


class DoneEvent(EventData):
    """`done`: the last event of every turn; the stream then closes."""

    turn_id = fields.Str(required=True)
    state = fields.Str(required=True, validate=validate.OneOf(TURN_OUTCOMES))
    expect = fields.List(fields.Int(), required=True, metadata={"description": "the confirm_types accepted next"})


EVENTS: dict[str, type[Schema]] = {
    "start": StartEvent,
    "status": StatusEvent,
    "message": MessageEvent,
    "confirm": ConfirmEvent,
    "clarify": ClarifyEvent,
    "decline": DeclineEvent,
    "result": ResultEvent,
    "error": ErrorEvent,
    "done": DoneEvent,
}


# -- JSON routes -------------------------------------------------------------------------------


class TurnSummary(Schema):
    turn_id = fields.Str(required=True)
    confirm_type = fields.Int(required=True)
    handler = fields.Str(required=True)
    question = fields.Str(required=True)
    state = fields.Str(required=True, metadata={"description": "`running` or the turn's outcome"})
    first_event_id = fields.Int(required=True)
    last_event_id = fields.Int(required=True, allow_none=True)
    started_at = fields.Str(required=True, metadata={"description": "ISO 8601, UTC"})
    ended_at = _nullable_str(description="ISO 8601, UTC; null while running")
    form = fields.Dict(required=True, allow_none=True,
                       metadata={"description": "the `confirm_form_data` the step was sent with; null for none"})


class Conversation(Schema):
    conversation_id = fields.Str(required=True)
    case_id = fields.Str(required=True)
    title = fields.Str(required=True)
    state = fields.Str(required=True)
    running = fields.Bool(required=True)
    last_outcome = _nullable_str()
    expect = fields.List(fields.Int(), required=True)
    pending_form = fields.Dict(required=True, allow_none=True)
    created_at = fields.Str(required=True)
    updated_at = fields.Str(required=True)
    turns = fields.List(fields.Nested(TurnSummary), required=True)


class ConversationItem(Schema):
    conversation_id = fields.Str(required=True)
    case_id = fields.Str(required=True)
    title = fields.Str(required=True)
    state = fields.Str(required=True)
    last_outcome = _nullable_str()
    created_at = fields.Str(required=True)
    updated_at = fields.Str(required=True)


class ConversationList(Schema):
    conversations = fields.List(fields.Nested(ConversationItem), required=True)
    next = _nullable_str(description="the `before` cursor of the next page; null on the last page")


class Stopped(Schema):
    conversation_id = fields.Str(required=True)
    turn_id = fields.Str(required=True)
    state = fields.Str(required=True, allow_none=True, metadata={"description": "usually `cancelled`"})


class Deleted(Schema):
    conversation_id = fields.Str(required=True)
    deleted = fields.Bool(required=True)


class Renamed(Schema):
    conversation_id = fields.Str(required=True)
    title = fields.Str(required=True, metadata={"description": "the new title, as stored (blanks around it dropped)"})


class CaseItem(Schema):
    case_id = fields.Str(required=True)
    name = fields.Str(required=True)
    timezone = fields.Str(required=True)


class CaseList(Schema):
    cases = fields.List(fields.Nested(CaseItem), required=True)


class NodeItem(Schema):
    id = fields.Int(required=True)
    package = fields.Str(required=True)
    path = fields.Str(required=True)
    category = fields.Str(required=True)
    app = fields.Str(required=True)
    data_type = fields.Str(required=True)
    kind = fields.Str(required=True)
    records = fields.Int(required=True)
    first = _nullable_str(description="ISO 8601 of the first record")
    last = _nullable_str(description="ISO 8601 of the last record")


class NodeTree(Schema):
    case_id = fields.Str(required=True)
    name = fields.Str(required=True)
    timezone = fields.Str(required=True)
    nodes = fields.List(fields.Nested(NodeItem), required=True)


class Health(Schema):
    status = fields.Str(required=True, validate=validate.OneOf(["ok", "draining"]))
    version = fields.Str(required=True)
    running_turns = fields.Int(required=True)
    handlers = fields.Dict(keys=fields.Str(), values=fields.Str(), required=True,
                           metadata={"description": "confirm_type → handler name"})


# -- citations ----------------------------------------------------------------------------------

MAX_EVENT_ID = 10**18 - 1
MAX_PAGE = 500  # records a page of citations
MAX_OFFSET = 10**9
DEFAULT_PAGE = 100


class CitedSource(Schema):
    file = fields.Str(required=True, metadata={"description": "the evidence file's name"})
    sha256 = fields.Str(required=True, metadata={"description": "of the file's bytes as imported"})
    path = fields.Str(required=True, metadata={"description": "where it was imported from"})
    format = fields.Str(required=True, metadata={"description": "as detected from its schema"})
    table = fields.Str(required=True, metadata={"description": "the table of the source file"})
    rowid = fields.Int(required=True, metadata={"description": "the row's id in that table"})


class CitedRecord(Schema):
    table = fields.Str(required=True, validate=validate.OneOf(["calls", "messages", "contacts"]))
    id = fields.Int(required=True, metadata={"description": "the record's id in the evidence store"})
    node = fields.Str(required=True, metadata={"description": "its node, e.g. 基本信息/电话/通话记录"})
    package = fields.Str(required=True)
    time = _nullable_str(description="local time in the case's zone (`YYYY-MM-DD HH:MM:SS`); null for a contact")
    utc = _nullable_str(description="ISO 8601, UTC")
    person = _nullable_str(description="the person the record counts for (numbers and accounts merged)")
    counterpart = _nullable_str(description="the counterpart's key (E.164 number, `wechat:…`), null if none")
    source = fields.Nested(CitedSource, required=True)
    columns = fields.Dict(keys=fields.Str(), required=True,
                          metadata={"description": "the record's columns as imported (times in UTC ms)"})


class Citations(Schema):
    """One page of the records behind a result row, newest first."""

    conversation_id = fields.Str(required=True)
    event = fields.Int(required=True, metadata={"description": "the `result` event's id"})
    row = fields.Int(required=True, metadata={"description": "from 1, as `evidence[].row`"})
    columns = fields.List(fields.Str(), required=True, metadata={"description": "the result's columns"})
    cells = fields.List(fields.Raw(), required=True, metadata={"description": "the row as the result showed it"})
    records = fields.Int(required=True, metadata={"description": "records behind the row: `evidence[].records`"})
    timezone = fields.Str(required=True)
    offset = fields.Int(required=True)
    limit = fields.Int(required=True)
    next_offset = fields.Int(required=True, allow_none=True,
                             metadata={"description": "the offset of the next page; null on the last"})
    items = fields.List(fields.Nested(CitedRecord), required=True)
