"""The one Python SSE reader (qbot.client.sse) against the WHATWG rules: the spec's own examples
and each rule's edge, every stream fed whole, byte by byte and cut in two at every position (so a
CRLF, a UTF-8 character or the BOM split across chunks is read the same)."""

from __future__ import annotations

import pytest

from qbot.client.sse import SseReader

CASES = {
    # html.spec.whatwg.org, "Event stream interpretation", its examples
    "spec-multiline-data": (b"data: YHOO\ndata: +2\ndata: 10\n\n", [("message", "YHOO\n+2\n10", "")]),
    "spec-ids-and-comment": (b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
                             b"data:  third event\n\n",
                             [("message", "first event", "1"), ("message", "second event", ""),
                              ("message", " third event", "")]),
    "spec-empty-data": (b"data\n\ndata\ndata\n\ndata:", [("message", "", ""), ("message", "\n", "")]),
    "spec-one-space-dropped": (b"data:test\n\ndata: test\n\n", [("message", "test", "")] * 2),
    # line ends
    "cr": (b"event: a\rdata: 1\r\r", [("a", "1", "")]),
    "crlf": (b"event: b\r\ndata: 2\r\n\r\n", [("b", "2", "")]),
    "mixed": (b"data: 1\r\ndata: 2\rdata: 3\n\r\n", [("message", "1\n2\n3", "")]),
    "cr-cr-is-two-lines": (b"data: x\r\rdata: y\r\n\r\n", [("message", "x", ""), ("message", "y", "")]),
    # fields
    "type-resets-after-dispatch": (b"event: x\ndata: 1\n\ndata: 2\n\n", [("x", "1", ""), ("message", "2", "")]),
    "no-data-no-event-type-reset": (b"event: x\n\ndata: 1\n\n", [("message", "1", "")]),
    "id-persists": (b"id: 7\ndata: a\n\ndata: b\n\n", [("message", "a", "7"), ("message", "b", "7")]),
    "id-with-nul-ignored": (b"id: 1\ndata: a\n\nid: 2\x00\ndata: b\n\n",
                            [("message", "a", "1"), ("message", "b", "1")]),
    "id-without-data-still-counts": (b"id: 4\n\ndata: a\n\n", [("message", "a", "4")]),
    "retry-and-unknown-ignored": (b"retry: 10\nfoo: bar\ndata: a\n\n", [("message", "a", "")]),
    "colon-in-value-kept": (b"data: a: b\n\n", [("message", "a: b", "")]),
    "field-names-are-case-sensitive": (b"Data: a\n\n", []),
    # the stream's edges
    "unterminated-event-discarded": (b"data: a\n\ndata: b\n", [("message", "a", "")]),
    "bom-dropped-once": (b"\xef\xbb\xbfdata: a\n\n\xef\xbb\xbfdata: b\n\n", [("message", "a", "")]),
    "second-bom-is-part-of-the-name": (b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n", []),
    "bad-utf8-replaced": (b"data: \xff\xe4\xb8\n\n", [("message", "\ufffd\ufffd", "")]),
    "utf8-kept": ("data: 机主😀\n\n".encode(), [("message", "机主😀", "")]),
}


def feeds(stream: bytes):
    yield "whole", [stream]
    yield "bytes", [stream[i:i + 1] for i in range(len(stream))]
    for cut in range(1, len(stream)):
        yield f"cut at {cut}", [stream[:cut], stream[cut:]]


@pytest.mark.parametrize(("stream", "expected"), CASES.values(), ids=CASES.keys())
def test_reader_follows_the_whatwg_rules(stream: bytes, expected: list[tuple[str, str, str]]) -> None:
    for how, chunks in feeds(stream):
        reader = SseReader()
        got = [(e.event, e.data, e.last_id) for chunk in chunks for e in reader.feed(chunk)]
        assert got == expected, how


def test_an_event_is_returned_by_the_chunk_that_completes_it() -> None:
    """A client acts on each event as it comes: nothing waits for more bytes once its blank line
    is in, not even after a final CR that a LF might follow."""
    reader = SseReader()
    assert reader.feed(b"data: a\n") == []
    assert [e.data for e in reader.feed(b"\ndata: b\r")] == ["a"]
    assert [e.data for e in reader.feed(b"\r")] == ["b"]
    assert reader.feed(b"\n") == []  # the LF of a CRLF split across chunks, not a third blank line


def test_comments_go_to_on_comment() -> None:
    comments: list[str] = []
    reader = SseReader(on_comment=comments.append)
    assert reader.feed(b": ping\n\n:\n:x\r\ndata: a\n\n")[0].data == "a"
    assert comments == ["ping", "", "x"]
