"""SSE framing, property-tested: any text in any field of an event's data (newlines, CR, CRLF,
emoji, NUL, U+2028, lone surrogates) survives dumps → Event.frame → the clients' reader, with
strict UTF-8 (qbot.client.sse; its WHATWG cases are in test_sse_reader.py) → json.loads, and every
frame is exactly one `id:`, one `event:` and one `data:` line. Then the same through a real server,
with a test-only handler that emits whatever text it is given."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from qbot.client.sse import SseReader
from qbot.events import HANDLER_EVENTS, RUNNER_EVENTS, Event, dumps
from tests.support import ORIGIN, install_plugin, step_body

# CI explores the same examples every run, so a landing never depends on luck; a developer's
# run explores new ones.
IN_CI = os.environ.get("CI") == "true"


def parse_strict(stream: bytes, cuts: list[int] | None = None) -> list[tuple[str, str, str]]:
    """The stream as qbot's clients read it (qbot.client.sse), fed in pieces cut at `cuts`:
    (last event id, type, data) per event. Strict: the bytes must be UTF-8 the reader has
    nothing to replace in."""
    stream.decode("utf-8")  # raises on what the reader would have replaced
    reader = SseReader()
    bounds = [0, *sorted(cuts or []), len(stream)]
    return [(e.last_id, e.event, e.data) for a, b in zip(bounds, bounds[1:])
            for e in reader.feed(stream[a:b])]


# Any code point, lone surrogates included, with the characters that break framing made likely.
ANY_CHAR = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from(["\n", "\r", "\x00", "\u2028", "\u2029", "\x85", "\ufeff", "😀", "\ud800", "\udfff", ":", " ", "\\"]),
)
ANY_TEXT = st.lists(st.text(ANY_CHAR, max_size=8) | st.sampled_from(["\r\n", "data: ", "id: 9", "\n\n"]),
                    max_size=6).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
EVENT_NAMES = st.sampled_from(sorted(RUNNER_EVENTS | HANDLER_EVENTS))


def assert_round_trip(event_id: int, name: str, data: dict[str, Any]) -> None:
    frame = Event(event_id, name, dumps(data)).frame
    lines = frame.decode("utf-8").split("\n")
    assert lines[-2:] == ["", ""] and len(lines) == 5, frame  # three lines, then the blank one
    assert lines[0] == f"id: {event_id}" and lines[1] == f"event: {name}" and lines[2].startswith("data: ")
    assert "\r" not in lines[2]
    assert parse_strict(frame) == [(str(event_id), name, dumps(data))]
    assert json.loads(parse_strict(frame)[0][2]) == data


@settings(max_examples=300, deadline=None, derandomize=IN_CI)
@given(event_id=st.integers(1, 10**18 - 1), name=EVENT_NAMES, data=st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=6))
@example(event_id=1, name="message", data={"delta": "a\nb\rc\r\nd\n\n\x00\ud800😀\u2028"})
@example(event_id=2, name="message", data={"\udfff\r\n": ["\n\ndata: {}\n\nid: 3\n\n"]})
def test_any_text_round_trips(event_id: int, name: str, data: dict[str, Any]) -> None:
    assert_round_trip(event_id, name, data)


@given(st.lists(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=3), min_size=1, max_size=5),
       st.sampled_from(["", ": ping\n\n", "\r\n"]), st.lists(st.integers(0, 10**6), max_size=8))
def test_a_stream_of_frames_parses_event_by_event(payloads: list[dict[str, str]], between: str,
                                                  cuts: list[int]) -> None:
    """Frames back to back, with heartbeats between them, and the stream split anywhere (inside
    a character, between CR and LF)."""
    stream = between.encode().join(Event(i, "message", dumps(p)).frame for i, p in enumerate(payloads, 1))
    cuts = [c % (len(stream) + 1) for c in cuts]
    assert [(eid, json.loads(d)) for eid, _, d in parse_strict(stream, cuts)] == [
        (str(i), p) for i, p in enumerate(payloads, 1)]


def test_stored_multiline_data_still_frames_as_data_lines() -> None:
    """Event.frame splits data that holds raw line ends (not from dumps) into data lines, so a
    parser rebuilds it with LF: the framing never lets text start a new field or event."""
    frame = Event(5, "message", '{"a":\r\n1,\r"b":\n2}').frame
    assert frame == b'id: 5\nevent: message\ndata: {"a":\ndata: 1,\ndata: "b":\ndata: 2}\n\n'
    assert json.loads(parse_strict(frame)[0][2]) == {"a": 1, "b": 2}


# Through a real server: confirm_type 8 emits its text (given as code points, so JSON need not
# carry it) as a message delta, a status and a confirm form.
TEXT_PLUGIN = '''
from marshmallow import Schema, fields
from qbot.events import confirm, message, status
from qbot.handlers import STATE_COMPLETED


class Form(Schema):
    texts = fields.List(fields.List(fields.Int()), required=True)


class Say:
    confirm_type = 8
    name = "say"
    form_schema = Form
    allowed_states = None

    async def run(self, ctx):
        for codepoints in ctx.form["texts"]:
            text = "".join(map(chr, codepoints))
            yield message(text)
            yield status(text, text)
            yield confirm(8, text, {text: [text]})
        ctx.set_state(STATE_COMPLETED, {})


handler = Say()
'''

NASTY = ["", "a\nb", "\r", "\r\n", "\n\n", "line\r\n\r\nid: 99\nevent: done\ndata: {}\n\n", ": ping", " lead",
         "😀👩‍👩‍👧", "\x00", "\ud800", "\udfff", "\udfff\ud800", "a\u2028b\u2029c\x85d", "\ufeffbom", "\\u0000",
         "鸡\t\x1b[31m\x7f", "\U0010ffff"]


async def test_any_text_survives_a_real_stream(start_qbot, tmp_path, monkeypatch) -> None:
    root = install_plugin(tmp_path / "site", "qbot_say", {"say": "qbot_say:handler"}, {"qbot_say": TEXT_PLUGIN})
    monkeypatch.syspath_prepend(str(root))
    running = await start_qbot()
    body = step_body("sse-text", 8, "say", {"texts": [[ord(c) for c in t] for t in NASTY]})
    url = running.api.url("/chat/conversation/sse-text")
    async with running.api.session.post(url, json=body, headers={"Origin": ORIGIN}) as resp:
        assert resp.status == 200
        raw = await resp.read()
    events = parse_strict(raw)
    assert [e[1] for e in events] == ["start"] + ["message", "status", "confirm"] * len(NASTY) + ["done"]
    assert [int(e[0]) for e in events] == list(range(1, len(events) + 1))
    for i, text in enumerate(NASTY):
        msg, stat, conf = (json.loads(e[2]) for e in events[1 + 3 * i: 4 + 3 * i])
        assert msg == {"delta": text}
        assert stat == {"stage": text, "message": text}
        assert conf == {"confirm_type": 8, "question": text, "form": {text: [text]}}
    # Every frame is id, event, one data line.
    frames = raw.decode("utf-8").split("\n\n")
    assert frames[-1] == ""
    for frame in frames[:-1]:
        if frame.startswith(":"):
            continue  # a heartbeat
        fields_ = [line.split(":", 1)[0] for line in frame.split("\n")]
        assert fields_ == ["id", "event", "data"], frame

    # The log gives back the same text on a resume.
    async with running.api.session.get(f"{url}/events", headers={"Last-Event-ID": "0"}) as resp:
        assert parse_strict(await resp.read()) == events


async def test_a_lone_surrogate_in_the_question_is_refused(qbot) -> None:
    """JSON can carry "\\ud800"; the log cannot store it: a 400 naming the field, not a 503."""
    async with qbot.api.session.post(qbot.api.url("/chat/conversation/sur"), data=b'{"question":"a\\ud800","confirm_type":-1}',
                                     headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 400
        refusal = await resp.json()
    assert refusal["error"]["code"] == "invalid_request"
    assert "question" in refusal["error"]["details"]
