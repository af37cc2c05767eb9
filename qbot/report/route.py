"""`GET P/chat/conversation/{id}/report`: the report of `qbot report`, for the console's button,
as a download (`Content-Disposition: attachment`, so it never renders inside qbot's origin).

Reports are built one or two at a time (REPORTS_AT_ONCE): each reads and renders every record it
lists, and a PDF runs Chromium for up to PDF_TIMEOUT seconds in a thread."""

from __future__ import annotations

import asyncio

from aiohttp import web
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from qbot.apidoc import CONVERSATION_ID, operation, refusals
from qbot.appkeys import CONFIG, ENGINE, STORE
from qbot.errors import refuse
from qbot.report.gather import gather
from qbot.report.html import CSP, render
from qbot.report.pdf import PdfError, find_chromium, print_pdf
from qbot.routes import _conversation_id, _visible_conversation

REPORTS_AT_ONCE = 2
DEFAULT_RECORDS, MAX_RECORDS = 50, 1_000_000
BUILDING = web.AppKey("reports_building", asyncio.Semaphore)


def _records(value: str) -> None:
    if value != "all" and not (value.isdigit() and int(value) <= MAX_RECORDS):
        raise ValidationError(f"`all` or a count from 0 to {MAX_RECORDS}")


class ReportQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    format = fields.Str(load_default="html", validate=validate.OneOf(["html", "pdf"]))
    records = fields.Str(load_default=str(DEFAULT_RECORDS), validate=_records)


@operation({
    "summary": "The conversation's report (as `qbot report`), as a download: HTML or PDF",
    "description": "One self-contained file: case, evidence files and sha256, every step, plan, submitted "
                   "form, result, the records behind each row (the first `records`, or `all`), pictures, and "
                   "the chain head with the command that verifies it.",
    "parameters": [CONVERSATION_ID,
                   {"name": "format", "in": "query", "required": False,
                    "schema": {"type": "string", "enum": ["html", "pdf"], "default": "html"}},
                   {"name": "records", "in": "query", "required": False,
                    "description": "records listed under each result row: `all` or a count",
                    "schema": {"type": "string", "pattern": "^(all|[0-9]{1,7})$", "default": "50"}}],
    "responses": {"200": {"description": "the report, `Content-Disposition: attachment`", "content": {
                      "text/html": {"schema": {"type": "string"}},
                      "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                  **refusals(400, 404, 503)},
})
async def get_report(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    try:
        asked = ReportQuery().load(dict(request.query))
    except ValidationError as exc:
        raise refuse("invalid_request", "invalid query: fields " + ", ".join(sorted(map(str, exc.messages)))
                     + f"; accepted: format (html or pdf), records (all, or 0 to {MAX_RECORDS})",
                     exc.messages) from None
    conv = await _visible_conversation(request, cid)
    app = request.app
    per_row = None if asked["records"] == "all" else int(asked["records"])
    async with app[BUILDING]:
        dossier = await gather(app[CONFIG], app[STORE], app[ENGINE], cid, conv.owner, per_row)
        # Seconds of rendering for a long conversation: in a thread, so other streams keep flowing.
        html = await asyncio.to_thread(render, dossier)
        if asked["format"] == "html":
            body, content_type = html.encode("utf-8"), "text/html; charset=utf-8"
        else:
            try:
                body = await asyncio.to_thread(print_pdf, html, find_chromium(None))
            except PdfError as exc:
                raise refuse("pdf_unavailable", f"{exc}; the HTML report (format=html) needs no Chromium") from None
            content_type = "application/pdf"
    return web.Response(body=body, headers={
        "Content-Type": content_type, "Content-Disposition": f'attachment; filename="qbot-report-{cid}.{asked["format"]}"',
        "Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def setup_report(app: web.Application, prefix: str) -> list[web.AbstractRoute]:
    app[BUILDING] = asyncio.Semaphore(REPORTS_AT_ONCE)
    return [app.router.add_get(f"{prefix}/chat/conversation/{{conversation_id}}/report", get_report)]
