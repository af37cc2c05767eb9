"""Handler discovery through the `qbot.plugins` entry points, the way a third-party package is found."""

from __future__ import annotations

import pytest

from qbot import registry
from qbot.registry import PluginError
from tests.support import SEED_QUESTION, install_plugin


def test_builtins_register_through_entry_points():
    # Other packages' plugins may be installed beside qbot here: only qbot's own are asserted.
    handlers = {ct: r for ct, r in registry.load().items() if r.distribution.split()[0] == "qbot"}
    assert {ct: r.handler.name for ct, r in handlers.items()} == {-1: "question", 0: "start", 1: "choose", 3: "filter"}
    assert registry.expected_next(handlers, "awaiting_start") == [0, -1]
    assert registry.expected_next(handlers, "completed") == [-1]


async def test_third_party_plugin_driven_over_http(echo_plugin, start_qbot):
    qbot = await start_qbot()
    async with qbot.api.session.get(f"{qbot.base}/healthz") as resp:
        health = await resp.json()
    assert health["handlers"]["7"] == "echo"

    status, events, _ = await qbot.api.step("third-party", 7, "echo", {"count": 2, "size": 3})
    assert status == 200
    assert [e.event for e in events] == ["start", "message", "message", "done"]
    assert events[0].data["handler"] == "echo" and events[0].data["confirm_type"] == 7
    assert [e.data["delta"] for e in events[1:3]] == ["0:xxx", "1:xxx"]
    assert events[-1].data == {"turn_id": events[0].data["turn_id"], "state": "completed", "expect": [-1, 7]}

    # Its form schema is enforced like a built-in's.
    status, body, _ = await qbot.api.step("third-party", 7, "echo", {"count": "many"})
    assert status == 400 and list(body["error"]["details"]) == ["count"]
    # And the built-ins still work beside it.
    status, events, _ = await qbot.api.step("third-party", -1, SEED_QUESTION)
    assert events[-1].data["expect"] == [0, -1, 7]


def test_disabled_plugin_is_not_loaded(echo_plugin):
    assert 7 in registry.load()
    assert 7 not in registry.load(disabled=["echo"])


@pytest.mark.parametrize(("modules", "target", "message"), [
    pytest.param({"qbot_broken1": "import not_a_module_anywhere\n"}, "qbot_broken1:handler",
                 "failed to load: ModuleNotFoundError", id="import-error"),
    pytest.param({"qbot_broken2": "handler = object()\n"}, "qbot_broken2:handler",
                 "does not provide the handler interface", id="no-interface"),
    pytest.param({"qbot_broken3": "class H:\n    confirm_type = 9\n    name = 'h'\n    form_schema = None\n"
                                 "    allowed_states = None\n    def run(self, ctx):\n        return []\n"
                                 "handler = H()\n"},
                 "qbot_broken3:handler", "run must be an async generator function", id="run-not-async-generator"),
    pytest.param({"qbot_broken4": "class H:\n    confirm_type = 3\n    name = 'dup'\n    form_schema = None\n"
                                 "    allowed_states = None\n    async def run(self, ctx):\n        yield None\n"
                                 "handler = H()\n"},
                 "qbot_broken4:handler", "registers confirm_type 3, already taken by plugin 'filter' from qbot",
                 id="duplicate-confirm-type"),
])
def test_plugin_failures_name_plugin_and_distribution(tmp_path, monkeypatch, modules, target, message):
    root = install_plugin(tmp_path / "site", "qbot_broken_dist", {"zz_broken": target}, modules)
    monkeypatch.syspath_prepend(str(root))
    with pytest.raises(PluginError) as caught:
        registry.load()
    text = str(caught.value)
    assert "plugin 'zz_broken'" in text and "qbot_broken_dist 1.0" in text
    assert message in text
