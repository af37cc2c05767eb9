"""The docs are tested against the code (Datasette's habit): every declared setting is in
docs/operations.md with its default, type and environment name; every route the app registers,
every event name, every registered built-in confirm_type and every refusal of the code's tables
(qbot.errors.REQUEST_REFUSALS, qbot.middlewares.REFUSALS) is in docs/api.md, each refusal with its
status. A name added to the code without its doc line fails here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml

from qbot import domain_errors
from qbot import registry as plugin_registry
from qbot.app import create_app
from qbot.config import Config, env_name, load_config
from qbot.errors import REQUEST_REFUSALS
from qbot.events import HANDLER_EVENTS, RUNNER_EVENTS
from qbot.middlewares import _HTTP_CODES, REFUSALS
from qbot.settings import declared

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api.md"
OPERATIONS = ROOT / "docs" / "operations.md"
SETTINGS = {s.name: s for s in declared(Config)}

# The word a setting's type cell starts with, by its declared type (a generic by its origin).
TYPE_WORDS = {bool: "boolean", int: "integer", float: "number", tuple: "list", dict: "mapping", str: "string",
              Path: "string"}


def text(path: Path) -> str:
    return path.read_text("utf-8")


def documented_settings() -> dict[str, list[str]]:
    """The rows of operations.md's settings table: dotted name -> the row's cells."""
    rows = {}
    for line in text(OPERATIONS).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"`[a-z_.]+`", cells[0]):
            rows[cells[0].strip("`")] = cells
    return rows


def plain(value):
    """A default as YAML would spell it: tuples as lists, paths as text."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_is_documented_with_its_default_type_and_environment_name(name):
    declaration = SETTINGS[name]
    rows = documented_settings()
    assert name in rows, f"docs/operations.md: the settings table has no row for `{name}`"
    _, default, kind, env, _flag, what = rows[name]
    assert re.fullmatch(r"`[^`]*`", default), f"{name}: default cell {default!r} is not one `code` span"
    assert yaml.safe_load(default[1:-1]) == plain(declaration.default), \
        f"{name}: documented default {default}, code {declaration.default!r}"
    word = TYPE_WORDS[typing.get_origin(declaration.type) or declaration.type]
    assert kind.startswith(word), f"{name}: type cell {kind!r} should start with {word!r}"
    assert env == f"`{env_name(name)}`", f"{name}: environment cell {env!r}, expected `{env_name(name)}`"
    assert what, f"{name}: says nothing about what it does"


def test_no_setting_is_documented_that_the_code_lacks():
    extra = set(documented_settings()) - set(SETTINGS)
    assert not extra, extra


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # The app as `qbot serve` builds it; its resources are opened only at start-up, never here.
    config = load_config(env={}, overrides={"data_dir": str(tmp_path_factory.mktemp("data"))})
    return create_app(config), config


def routes(app) -> set[str]:
    application, config = app
    found = set()
    for route in application.router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue  # aiohttp's HEAD for each GET, aiohttp-cors's preflights
        path = route.resource.canonical
        if path.startswith(config.server.prefix + "/"):
            path = "P" + path[len(config.server.prefix):]
        found.add(f"{route.method} {path}")
    return found


def route_table() -> set[str]:
    """The routes docs/api.md's table lists, as `METHOD path` with the prefix written `P`."""
    return set(re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) [^`]+)` \|", text(API), re.MULTILINE))


def test_every_route_is_documented(app):
    found = routes(app)
    assert "POST P/chat/conversation/{conversation_id}" in found and "GET /healthz" in found  # the walk works
    missing = sorted(found - route_table())
    assert not missing, f"docs/api.md's routes table lacks {missing}"


def test_no_route_is_documented_that_the_app_lacks(app):
    extra = route_table() - routes(app)
    assert not extra, f"docs/api.md lists routes the app does not register: {sorted(extra)}"


@pytest.mark.parametrize("name", sorted(RUNNER_EVENTS | HANDLER_EVENTS))
def test_every_event_has_its_section(name):
    assert re.search(rf"^### `{name}`$", text(API), re.MULTILINE), f"docs/api.md has no section ### `{name}`"


def test_the_ping_comment_and_the_unrecorded_ending_are_documented():
    doc = text(API)
    assert "\n: ping\n" in doc and '"recorded":false' in doc


def test_every_builtin_confirm_type_is_documented():
    """The registry as the app loads it; third-party handlers installed here are theirs to
    document (docs/plugins.md says how), so only qbot's own are required."""
    registry = plugin_registry.load()
    builtin = {ct: r for ct, r in registry.items() if r.distribution.split()[0] == "qbot"}
    assert {-1, 0, 3} <= set(builtin)
    doc = text(API)
    for confirm_type, registered in builtin.items():
        row = rf"^\| `{confirm_type}` \| `{registered.handler.name}` \|"
        assert re.search(row, doc, re.MULTILINE), f"docs/api.md: no confirm_types row for {confirm_type}"


def documented_refusals() -> dict[str, int]:
    """docs/api.md's refusals table: code -> status."""
    rows = re.findall(r"^\| (\d{3}) \| `([a-z0-9_]+)` \|", text(API), re.MULTILINE)
    assert len(rows) == len({code for _, code in rows}), "a code is documented twice"
    return {code: int(status) for status, code in rows}


def request_refusals() -> set[tuple[str, int]]:
    """(code, status) of the request layer's refusals and of the codes the error middleware gives
    aiohttp's own (a code in both: two pairs, each checked)."""
    return set(REQUEST_REFUSALS.items()) | {(code, status) for status, code in _HTTP_CODES.items()}


@pytest.mark.parametrize("error", list(REFUSALS), ids=lambda error: error.__name__)
def test_each_domain_error_refuses_with_its_documented_status_and_code(error):
    refusal = REFUSALS[error]
    assert documented_refusals().get(refusal.code) == refusal.status, \
        f"{error.__name__}: the code's table gives {refusal.status} `{refusal.code}`, docs/api.md's does not"


@pytest.mark.parametrize(("code", "status"), sorted(request_refusals()))
def test_each_request_refusal_is_documented_with_its_status(code, status):
    assert documented_refusals().get(code) == status, f"docs/api.md: the refusals table has no row {status} `{code}`"


def test_every_error_of_the_domain_has_its_refusal():
    """An error added to qbot.domain_errors without its table entry would answer 500."""
    errors = {e for e in vars(domain_errors).values() if isinstance(e, type) and issubclass(e, domain_errors.DomainError)}
    assert len(errors) > 10 and errors - set(REFUSALS) == {domain_errors.DomainError}


def test_no_refusal_is_documented_that_the_code_lacks():
    coded = request_refusals() | {(r.code, r.status) for r in REFUSALS.values()}
    assert {("invalid_json", 400), ("unauthorized", 401), ("invalid_state", 409), ("method_not_allowed", 405),
            ("log_unavailable", 503)} <= coded
    extra = set(documented_refusals().items()) - coded
    assert not extra, f"docs/api.md documents refusals the code's tables lack: {sorted(extra)}"


def test_docs_link_each_other_from_the_readme():
    readme = text(ROOT / "README.md")
    assert "docs/api.md" in readme and "docs/operations.md" in readme


def readme_commands() -> list[str]:
    """The command lines of the README's first code block (its comments left out)."""
    block = re.search(r"```sh\n(.*?)```", text(ROOT / "README.md"), re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_readmes_first_commands_make_their_venv_and_ci_runs_the_test_command():
    """A Python that refuses system-wide installs (PEP 668, Debian's) still runs both commands
    as given; .ci/run runs the test command exactly as the README gives it."""
    serve, test = readme_commands()
    venv = "python3 -m venv .venv && . .venv/bin/activate && pip install -e "
    assert serve == f"{venv}. && qbot serve" and test == f"{venv}'.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert any(line == test or line.startswith(f"{test} ") for line in ci), ".ci/run lacks the README's test command"


def test_the_examples_script_still_runs():
    """docs/api.md's examples come from docs/examples.py: it must keep running against the code,
    and still show what the page quotes from it."""
    run = subprocess.run([sys.executable, str(ROOT / "docs" / "examples.py")], capture_output=True, text=True,
                         timeout=120, env={k: v for k, v in os.environ.items() if not k.startswith("QBOT_")})
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    quoted = ['"state":"completed","expect":[-1]}', "\n: ping\n", '"recorded":false}', "X-Accel-Buffering: no",
              "HTTP/1.1 429 Too Many Requests", '"code":"turn_interrupted"', '"state":"cancelled"}']
    for shown in quoted:
        assert shown in out, f"docs/examples.py no longer prints {shown!r}"
