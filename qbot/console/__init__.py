"""The web console: the static files beside this module, served at `/` (index.html) and under
`/console/`. The page speaks only the public API (README); it learns the API prefix from a meta
tag templated into index.html here. The files need no authentication (they hold no data; the API
calls do), and every answer carries a strict Content-Security-Policy: scripts and styles from
this origin only, no inline script, no other origin, and Trusted Types, so no string can ever
reach an HTML sink such as innerHTML."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from aiohttp import web

from qbot.apidoc import json_answer, operation
from qbot.config import ConfigError
from qbot.errors import refuse

STATIC = "/console"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
CSP = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
    "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    "require-trusted-types-for 'script'", "trusted-types 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated with the ETag, so an upgrade is seen at once
}
FILES = web.AppKey("console_files", dict)


@dataclass(frozen=True)
class File:
    body: bytes
    content_type: str

    @cached_property  # hashed once per file, not per request
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def setup_console(app: web.Application, prefix: str) -> list[web.AbstractRoute]:
    """Add the console's routes; the files are read once, here."""
    if prefix == STATIC or prefix.startswith(STATIC + "/"):
        raise ConfigError(f"server.prefix {prefix!r} collides with the console's {STATIC}/ path; choose another")
    root = resources.files(__name__)
    index = (root / "index.html").read_text("utf-8").replace("{{prefix}}", html.escape(prefix, quote=True))
    files = {"": File(index.encode("utf-8"), "text/html; charset=utf-8")}
    for entry in root.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and suffix in _TYPES:
            files[entry.name] = File(entry.read_bytes(), _TYPES[suffix])
    app[FILES] = files
    return [app.router.add_get("/", console_index), app.router.add_get(STATIC + "/{name}", console_file)]


@operation({
    "summary": "The web console's page (the console speaks only the routes above)",
    "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                  "304": {"description": "not modified (If-None-Match)"}},
})
async def console_index(request: web.Request) -> web.StreamResponse:
    return _answer(request, request.app[FILES][""])


@operation({
    "summary": "One of the web console's scripts or style sheets, by name",
    "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the file", "content": {
                      "text/javascript": {"schema": {"type": "string"}}, "text/css": {"schema": {"type": "string"}},
                      "image/svg+xml": {"schema": {"type": "string"}}}},
                  "304": {"description": "not modified (If-None-Match)"},
                  "404": json_answer("`not_found`: no such console file", "ErrorEnvelope")},
})
async def console_file(request: web.Request) -> web.StreamResponse:
    """Only the files found at start-up, by exact name: no path ever reaches the file system."""
    name = request.match_info["name"]
    found = request.app[FILES].get(name) if name else None
    if found is None:
        raise refuse("not_found", f"no console file {name[:80]!r}")
    return _answer(request, found)


def _answer(request: web.Request, file: File) -> web.StreamResponse:
    headers = {**HEADERS, "ETag": file.etag}
    if file.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=file.body, headers={**headers, "Content-Type": file.content_type})
