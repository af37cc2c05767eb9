"""A stand-in OpenAI-compatible endpoint: a real aiohttp server on loopback that answers
`POST /v1/chat/completions` in the streaming chat-completions format (`data: {chunk}` lines,
ending with `data: [DONE]`). Each test scripts its replies, in order, one per request, and reads
back what the server received."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Stream:
    """A normal streamed reply: one chunk per token. `broken_after`: that many tokens, then a
    malformed chunk. `delay`: seconds before the headers (a slow endpoint)."""

    tokens: list[str]
    delay: float = 0.0
    broken_after: int | None = None


@dataclass
class Status:
    """An HTTP error reply."""

    status: int
    body: str = '{"error": {"message": "stand-in failure", "type": "server_error"}}'


def Reply(text: str, pieces: int = 4) -> Stream:
    """A whole text (e.g. a planning JSON) streamed in a few pieces."""
    size = max(1, -(-len(text) // pieces))
    return Stream([text[i:i + size] for i in range(0, len(text), size)])


def Malformed(tokens: list[str] | None = None) -> Stream:
    return Stream(list(tokens or []), broken_after=len(tokens or []))


def Slow(seconds: float, tokens: list[str] | None = None) -> Stream:
    return Stream(list(tokens or ["迟到的回答"]), delay=seconds)


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def text(self) -> str:
        """All message contents, joined."""
        return "\n".join(m.get("content", "") for m in self.body.get("messages", []))


@dataclass
class StandIn:
    script: list[Stream | Status] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.handle)
        return app

    def queue(self, *replies: Stream | Status) -> None:
        self.script.extend(replies)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(Received(dict(request.headers), body))
        reply = self.script.pop(0) if self.script else Status(500, '{"error": {"message": "no script left"}}')
        if isinstance(reply, Status):
            return web.Response(status=reply.status, text=reply.body, content_type="application/json")
        if reply.delay:
            try:  # returns early when the server closes, so teardown does not wait
                await asyncio.wait_for(self.closing.wait(), reply.delay)
            except TimeoutError:
                pass
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        model = body.get("model", "")
        await self._send(resp, {"delta": {"role": "assistant", "content": ""}, "finish_reason": None}, model)
        for number, token in enumerate(reply.tokens):
            if reply.broken_after is not None and number >= reply.broken_after:
                break
            await self._send(resp, {"delta": {"content": token}, "finish_reason": None}, model)
        if reply.broken_after is not None:
            await resp.write(b'data: {"id": "chatcmpl-standin", "choices": [{"delta": {"content": "\n\n')
            await resp.write_eof()
            return resp
        await self._send(resp, {"delta": {}, "finish_reason": "stop"}, model)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    @staticmethod
    async def _send(resp: web.StreamResponse, choice: dict[str, Any], model: str) -> None:
        chunk = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 0, "model": model,
                 "choices": [{"index": 0, **choice}]}
        await resp.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
