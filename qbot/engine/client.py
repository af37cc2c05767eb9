"""A streaming client for OpenAI-compatible chat completions (vLLM, Ollama, hosted models), on
aiohttp: `POST {base_url}/chat/completions` with `stream: true`, read the `data: {...}` chunks up
to `data: [DONE]`, yield the content deltas.

Failures (timeout, connection error, HTTP 5xx or 429, a malformed chunk, an error chunk) are
retried a bounded number of times while nothing has been yielded yet; after that, or once text has
gone out (a retry would repeat it), `ModelUnavailable` is raised. Its message names the endpoint's
host, never the key; the key is only ever sent in the `Authorization` header."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from qbot.config import EngineConfig

log = logging.getLogger(__name__)

BACKOFF = 0.2  # seconds before the first retry; doubled for each further one
MAX_BODY_SHOWN = 200


class ModelUnavailable(Exception):
    """The endpoint did not give a usable answer. `str()` names the host and the reason only."""

    def __init__(self, host: str, reason: str, retryable: bool = True) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class ChatClient:
    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = 60.0
    retries: int = 2
    backoff: float = BACKOFF

    @classmethod
    def from_config(cls, config: EngineConfig) -> ChatClient:
        return cls(config.base_url, config.model, config.api_key, config.timeout, config.retries)

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def host(self) -> str:
        """The endpoint as errors name it: host and port, never user info or the key."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host

    async def complete(self, messages: list[dict[str, str]], **options: Any) -> str:
        """The whole reply, streamed then joined. Nothing is shown until it is whole, so any
        failure is retried."""
        async with aclosing(self._retrying(messages, options, partial_ok=True)) as deltas:
            return "".join([delta async for delta in deltas])

    def stream(self, messages: list[dict[str, str]], **options: Any) -> AsyncIterator[str]:
        """Content deltas as they arrive; a failure after the first one is not retried (the text
        would repeat). Consume it inside `contextlib.aclosing`."""
        return self._retrying(messages, options, partial_ok=False)

    async def _retrying(self, messages: list[dict[str, str]], options: dict[str, Any],
                        partial_ok: bool) -> AsyncIterator[str]:
        attempt = 0
        while True:
            started = False
            parts: list[str] = []
            try:
                async with aclosing(self._attempt(messages, options)) as deltas:
                    async for delta in deltas:
                        if partial_ok:
                            parts.append(delta)
                        else:
                            started = True
                            yield delta
                for part in parts:
                    yield part
                return
            except ModelUnavailable as exc:
                if started or not exc.retryable or attempt >= self.retries:
                    log.warning("model endpoint %s failed (attempt %d of %d): %s", self.host, attempt + 1,
                                self.retries + 1, exc.reason)
                    raise
                attempt += 1
                log.info("model endpoint %s failed (%s); retry %d of %d", self.host, exc.reason, attempt, self.retries)
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    async def _attempt(self, messages: list[dict[str, str]], options: dict[str, Any]) -> AsyncIterator[str]:
        timeout = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=self.timeout, sock_read=self.timeout)
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {"model": self.model, "messages": messages, "stream": True, **options}
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.post(self.url, json=body, headers=headers) as resp:
                if resp.status != 200:
                    text = (await resp.text(errors="replace"))[:MAX_BODY_SHOWN]
                    if self.api_key:
                        text = text.replace(self.api_key, "***")
                    log.debug("model endpoint %s answered HTTP %d: %s", self.host, resp.status, text)
                    raise ModelUnavailable(self.host, f"HTTP {resp.status}",
                                           retryable=resp.status >= 500 or resp.status in (408, 429))
                if resp.content_type == "application/json":  # an endpoint that ignores stream=true
                    yield _content(await resp.json(), self.host, whole=True)
                    return
                async for delta in _deltas(resp, self.host):
                    yield delta
        except TimeoutError as exc:
            raise ModelUnavailable(self.host, f"no answer within {self.timeout:g} s") from exc
        except aiohttp.ClientError as exc:
            raise ModelUnavailable(self.host, f"connection error ({type(exc).__name__})") from exc


async def _deltas(resp: aiohttp.ClientResponse, host: str) -> AsyncIterator[str]:
    """Content deltas of an event stream of chat-completion chunks."""
    data: list[str] = []
    finished = False
    async for raw in resp.content:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line:
            if line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            continue  # comments (": …"), event:, id:, retry: carry nothing for us
        if not data:
            continue
        payload, data = "\n".join(data), []
        if payload.strip() == "[DONE]":
            return
        chunk = _parse(payload, host)
        choices = chunk.get("choices") or []
        if choices and choices[0].get("finish_reason"):
            finished = True
        if text := _content(chunk, host):
            yield text
    if data:
        payload = "\n".join(data)
        if payload.strip() == "[DONE]":
            return
        if text := _content(_parse(payload, host), host):
            yield text
    if not finished:
        raise ModelUnavailable(host, "the stream ended before [DONE]")


def _parse(payload: str, host: str) -> dict[str, Any]:
    try:
        chunk = json.loads(payload)
    except ValueError:
        raise ModelUnavailable(host, "malformed chunk (not JSON)") from None
    if not isinstance(chunk, dict):
        raise ModelUnavailable(host, "malformed chunk (not an object)")
    if "error" in chunk:
        error = chunk["error"]
        kind = error.get("type") or error.get("code") if isinstance(error, dict) else None
        raise ModelUnavailable(host, f"the endpoint reported an error ({kind or 'unspecified'})")
    return chunk


def _content(chunk: dict[str, Any], host: str, whole: bool = False) -> str:
    try:
        choices = chunk.get("choices") or []
        if not choices:
            return ""
        part = choices[0]["message" if whole else "delta"] or {}
        text = part.get("content") or ""
    except (AttributeError, KeyError, TypeError):
        raise ModelUnavailable(host, "malformed chunk (no choices[0].delta)") from None
    if not isinstance(text, str):
        raise ModelUnavailable(host, "malformed chunk (content is not text)")
    return text
