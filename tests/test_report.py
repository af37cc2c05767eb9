"""`qbot report`: the real command over a data folder a real server wrote (demo case, three kinds
of result). The PDF is read back with pdftotext; the HTML is opened in headless Chromium with the
network off. Truth comes from plain SQL over the evidence database and from `qbot verify --heads`."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from qbot.auth import token_hash
from tests.support import SEED_QUESTION, Api, cannot_run_here
from tests.test_citations import LISTING_QUESTION, TOTAL_QUESTION
from tests.test_console import browser  # noqa: F401 - the fixture
from tests.test_process import run_cli

PERSON_QUESTION = "张伟给机主打过几次电话"
HOSTILE = '<img src="http://203.0.113.9/x.png" onerror="document.title=1"><script>document.title=2</script>快递'


@pytest.fixture
async def conversation(start_qbot, data_dir):
    """A conversation of four tasks: a ranking, a total, a listing citing a hostile message, and
    one person's calls."""
    with sqlite3.connect(data_dir / "evidence.db") as conn:
        conn.execute("UPDATE messages SET body = ? WHERE id = (SELECT id FROM messages WHERE body LIKE '%快递%'"
                     " ORDER BY time DESC LIMIT 1)", [HOSTILE])
    running = await start_qbot()
    cid = str(uuid.uuid4())
    results = []
    for question in (SEED_QUESTION, TOTAL_QUESTION, LISTING_QUESTION, PERSON_QUESTION):
        *_, third = await running.api.flow(cid, question)
        results.append(next(e.data for e in third if e.event == "result"))
    return cid, results, running


def report(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("report", *args, "--data-dir", str(data_dir), cwd=data_dir.parent, timeout=180)


def head_of(data_dir: Path, cid: str) -> str:
    verified = run_cli("verify", "--heads", "--data-dir", str(data_dir), cwd=data_dir.parent)
    return re.search(rf"^head '{re.escape(cid)}' ([0-9a-f]{{64}})$", verified.stdout, re.MULTILINE).group(1)


def case_hashes(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "evidence.db") as conn:
        return [r[0] for r in conn.execute("SELECT sha256 FROM source_files WHERE case_id = 'demo'")]


def flat(text: str) -> str:
    """Text without whitespace: a table cell or sentence the layout wrapped reads whole again."""
    return re.sub(r"\s+", "", text)


async def test_the_pdf_holds_every_hash_the_chain_head_and_the_figures(conversation, data_dir, tmp_path):
    if shutil.which("pdftotext") is None:
        cannot_run_here("pdftotext is not installed (apt-get install poppler-utils)")
    cid, results, _ = conversation
    out = tmp_path / "report.pdf"
    done = report(data_dir, cid, "-o", str(out), "--records", "30")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    hashes = case_hashes(data_dir)
    assert len(hashes) == 4 and all(h in text for h in hashes)
    assert head_of(data_dir, cid) in text and "qbotverify--heads" in flat(text)
    whole = flat(text)
    for result in results:
        assert flat(result["summary"]) in whole
        for row, evidence in zip(result["rows"], result["evidence"]):
            listed = min(30, evidence["records"])
            assert f"共{evidence['records']}条，" + ("全部列出" if listed == evidence["records"] else f"列出前{listed}条") \
                in whole
            for figure in (v for v in row if isinstance(v, int)):  # the result table's figures
                assert re.search(rf"(?<![0-9]){figure}(?![0-9])", text), (figure, row)
    ranking = results[0]
    assert flat(f"第1行（1，{ranking['rows'][0][1]}，{ranking['rows'][0][2]}）所依据的记录：共{ranking['rows'][0][3]}条") \
        in whole
    assert "作者：内置模板（builtin）" in text and SEED_QUESTION in text


async def test_the_html_opens_with_no_network_and_shows_evidence_html_as_text(conversation, data_dir, tmp_path,
                                                                              browser):  # noqa: F811
    cid, results, _ = conversation
    out = tmp_path / "report.html"
    done = report(data_dir, cid, "-o", str(out), "--records", "all")
    assert done.returncode == 0, done.stderr
    context = await browser.new_context(offline=True)
    page = await context.new_page()
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: problems.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    await page.goto(out.as_uri())
    assert requests == [out.as_uri()] and problems == []
    assert await page.evaluate("document.querySelectorAll('img, script, iframe, object, link').length") == 0
    assert await page.title() == f"qbot 分析报告 · {SEED_QUESTION}"
    body = await page.inner_text("body")
    assert HOSTILE in body
    for h in case_hashes(data_dir):
        assert h in body
    # --records all: every record behind the ranking's first row is listed, one table row each.
    first = results[0]["evidence"][0]["records"]
    assert f"共 {first} 条，全部列出" in body
    await context.close()


async def test_an_existing_output_is_kept_unless_forced(conversation, data_dir, tmp_path):
    cid, _, _ = conversation
    out = tmp_path / "kept.html"
    out.write_text("the examiner's own file")
    done = report(data_dir, cid, "-o", str(out))
    assert done.returncode == 2 and "--force" in done.stderr and out.read_text() == "the examiner's own file"
    done = report(data_dir, cid, "-o", str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert out.read_text("utf-8").startswith("<!doctype html>")


async def test_an_unknown_conversation_is_refused_as_the_api_refuses_it(qbot, data_dir, tmp_path):
    unknown = str(uuid.uuid4())
    status, body = await qbot.api.get_json(f"/chat/conversation/{unknown}")
    done = report(data_dir, unknown, "-o", str(tmp_path / "r.html"))
    assert done.returncode == 1 and not (tmp_path / "r.html").exists()
    assert done.stderr.strip() == f"qbot report: {status} {body['error']['code']}: {body['error']['message']}"


async def test_another_examiners_conversation_is_refused_like_an_unknown_one(start_qbot, data_dir, tmp_path):
    tokens = [{"examiner": "alice", "sha256": token_hash("alice-token")},
              {"examiner": "bob", "sha256": token_hash("bob-token")}]
    running = await start_qbot(auth__tokens=tokens)
    alice = Api(running.api.session, running.base)
    hers = str(uuid.uuid4())
    status, _, _ = await alice.step(hers, -1, SEED_QUESTION, headers={"Authorization": "Bearer alice-token"})
    assert status == 200
    config = tmp_path / "config.yaml"
    config.write_text("auth:\n  tokens:\n" + "".join(
        f"    - examiner: {t['examiner']}\n      sha256: {t['sha256']}\n" for t in tokens))
    answers = []
    for cid in (hers, "no-such-conversation"):
        done = report(data_dir, cid, "--config", str(config), "--examiner", "bob", "-o", str(tmp_path / "r.html"))
        answers.append((done.returncode, done.stderr.replace(cid, "ID")))
    assert answers[0] == answers[1] and answers[0][0] == 1 and "conversation_not_found" in answers[0][1]
    done = report(data_dir, hers, "--config", str(config), "-o", str(tmp_path / "r.html"))
    assert done.returncode == 2 and "--examiner" in done.stderr
    done = report(data_dir, hers, "--config", str(config), "--examiner", "alice", "-o", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr


def per_local(data_dir: Path, unit: str, result: dict, identifiers: list[str], direction: str = "") -> dict[str, int]:
    """Calls per local day or hour (Asia/Shanghai, +8 h all year) of the numbers and accounts
    `identifiers`, within the result's nodes and window: plain SQL."""
    w, nodes = result["window"], result["scope"]
    bucket = "date(c.start / 1000 + 28800, 'unixepoch')" if unit == "day" else \
        "strftime('%H', c.start / 1000 + 28800, 'unixepoch')"
    lo, hi = (int(datetime.fromisoformat(w[k]).timestamp() * 1000) if w[k] else None for k in ("start", "end"))
    marks = ",".join("?" * len(identifiers))
    with sqlite3.connect(data_dir / "evidence.db") as conn:
        return dict(conn.execute(
            f"SELECT {bucket}, count(*) FROM calls c JOIN nodes n ON n.id = c.node_id"
            " JOIN counterparts cp ON cp.id = c.counterpart_id"
            f" WHERE n.path IN ({','.join('?' * len(nodes))}) AND (? IS NULL OR c.start >= ?) AND (? IS NULL OR c.start < ?)"
            f" AND (cp.number IN ({marks}) OR substr(cp.key, instr(cp.key, ':') + 1) IN ({marks}))"
            " AND (? = '' OR c.direction = ?) GROUP BY 1",
            [*nodes, lo, lo, hi, hi, *identifiers, *identifiers, direction, direction]).fetchall())


def points(html: str, label: str) -> dict[str, int]:
    """The chart points of one series, read from their <title>s: "2024-06-01 张伟 8", "13:00 张伟 4"."""
    found = re.findall(rf"<title>(\d{{4}}-\d\d-\d\d|\d\d):?0?0? {re.escape(label)} (\d+)</title>", html)
    return {when: int(n) for when, n in found}


async def test_the_charts_draw_the_figures_day_by_day_and_hour_by_hour(conversation, data_dir, tmp_path):
    cid, results, _ = conversation
    out = tmp_path / "report.html"
    assert report(data_dir, cid, "-o", str(out), "--records", "0").returncode == 0
    html = out.read_text("utf-8")
    ranking, person = results[0], results[3]
    assert html.count("<svg") == 3  # the ranking's day and hour charts, the person's timeline
    for row in ranking["rows"][:5]:  # each of the top people: a line per day, bars per hour
        name, identifiers = row[1], row[2].split("、")
        by_day, by_hour = {}, {}
        for when, n in points(html, name).items():
            (by_day if "-" in when else by_hour)[when] = n
        assert by_day == per_local(data_dir, "day", ranking, identifiers)
        assert by_hour == per_local(data_dir, "hour", ranking, identifiers)
        assert sum(by_day.values()) == row[3] and f"{name}（{row[3]}）" in html
    assert person["query"]["people"] == ["张伟"] and person["query"]["direction"] == "in"
    timeline = points(html, "张伟 · 通话")
    identifiers = ranking["rows"][0][2].split("、")  # 张伟 leads the ranking
    assert timeline == per_local(data_dir, "day", person, identifiers, "in")
    assert sum(timeline.values()) == person["rows"][-1][1]


async def test_the_report_route_downloads_it_as_the_command_writes_it(conversation, data_dir):
    cid, results, running = conversation
    session, url = running.api.session, running.api.url(f"/chat/conversation/{cid}/report")
    async with session.get(url, params={"records": "5"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        assert resp.headers["Content-Disposition"] == f'attachment; filename="qbot-report-{cid}.html"'
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
        html = await resp.text()
    assert head_of(data_dir, cid) in html and all(h in html for h in case_hashes(data_dir))
    assert f"共 {results[0]['evidence'][0]['records']} 条，列出前 5 条" in html
    async with session.get(url, params={"format": "pdf", "records": "0"}) as resp:
        assert resp.status == 200 and resp.content_type == "application/pdf"
        assert (await resp.read()).startswith(b"%PDF")
    for params, field in (({"format": "docx"}, "format"), ({"records": "-1"}, "records"),
                          ({"records": "some"}, "records")):
        async with session.get(url, params=params) as resp:
            body = await resp.json()
            assert (resp.status, body["error"]["code"]) == (400, "invalid_request") and field in body["error"]["message"]
    status, body = await running.api.get_json(f"/chat/conversation/{uuid.uuid4()}/report")
    assert (status, body["error"]["code"]) == (404, "conversation_not_found")
