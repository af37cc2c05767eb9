"""The web console (qbot/console): its files, their headers and the prefix templated into the
page, against a real qbot server on a port."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbot.app import create_app
from qbot.auth import token_hash
from qbot.config import ConfigError, load_config


# ---- the tests ----

async def test_static_files_headers_and_prefix(start_qbot) -> None:
    running = await start_qbot(server__prefix="/case-lab/api")
    session = running.api.session
    async with session.get(running.base + "/") as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        csp = resp.headers["Content-Security-Policy"]
        page = await resp.text()
        etag = resp.headers["ETag"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "require-trusted-types-for 'script'" in csp
    assert '<meta name="qbot-prefix" content="/case-lab/api">' in page
    assert "<script>" not in page and "onclick" not in page  # no inline script for the CSP to allow
    async with session.get(running.base + "/", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
    for name, kind in (("app.js", "text/javascript"), ("markdown.js", "text/javascript"), ("style.css", "text/css")):
        async with session.get(f"{running.base}/console/{name}") as resp:
            assert resp.status == 200 and resp.content_type == kind
            assert resp.headers["Content-Security-Policy"] == csp
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("__init__.py", "..%2F__init__.py", "nope.js"):
        async with session.get(f"{running.base}/console/{name}") as resp:
            assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"


def test_prefix_under_the_console_path_is_refused(data_dir: Path) -> None:
    config = load_config(env={}, overrides={"data_dir": str(data_dir), "server.prefix": "/console/api"})
    with pytest.raises(ConfigError, match="server.prefix"):
        create_app(config)


async def test_static_files_need_no_token(start_qbot) -> None:
    running = await start_qbot(auth__tokens=[{"examiner": "alice", "sha256": token_hash("alice-secret")}])
    session = running.api.session
    for path in ("/", "/console/app.js"):
        async with session.get(running.base + path) as resp:
            assert resp.status == 200
    async with session.get(running.api.url("/cases")) as resp:
        assert resp.status == 401
