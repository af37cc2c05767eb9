"""No import cycles among qbot's modules: each module's imports (at the top or inside a function,
where a cycle usually hides) read with `ast`, and the graph searched for a cycle. A module that
imports its caller is what this stops (it was qbot/ask.py ↔ qbot/cli.py ↔ qbot/evidence/cli.py).
Imports under `if TYPE_CHECKING:` never run, so they are left out. And no module over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree but those under `if TYPE_CHECKING:`."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
            else:
                todo.append(child)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports. `from a import b` imports the
    module a.b when there is one, else a itself."""
    root = package.parent
    paths = {module_name(p, root): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        imported = set()
        for node in runtime_nodes(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's own package, up level - 1
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[:len(here) - (node.level - 1)]
                    base = ".".join(here + ([base] if base else []))
                subs = {f"{base}.{alias.name}" for alias in node.names}
                imported.update((subs & paths.keys()) or {base})
        graph[name] = {m for m in imported if m in paths and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_qbot_module_imports_its_caller():
    graph = import_graph(ROOT / "qbot")
    assert graph["qbot.cli"] >= {"qbot.cmdline", "qbot.client.command", "qbot.evidence.cli"}  # the walk works
    assert cycles(graph) == [], "import cycles (each a group of modules importing each other)"


def test_a_cycle_through_a_function_level_relative_import_is_found(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("from pkg.sub import ask\n")
    (pkg / "sub" / "ask.py").write_text("def f():\n    from .. import cli\n")
    (pkg / "sub" / "plain.py").write_text("import pkg.cli\n")
    (pkg / "typed.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.cli\n")
    graph = import_graph(pkg)
    assert graph == {"pkg": set(), "pkg.sub": set(), "pkg.cli": {"pkg.sub.ask"}, "pkg.sub.ask": {"pkg.cli"},
                     "pkg.sub.plain": {"pkg.cli"}, "pkg.typed": set()}
    assert cycles(graph) == [["pkg.cli", "pkg.sub.ask"]]


MAX_MODULE_LINES = 400  # a module past this does more than one job: split it


def test_no_module_of_the_server_or_its_plugins_is_over_400_lines():
    sizes = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
             for folder in ("qbot", "plugins") for path in (ROOT / folder).rglob("*.py")}
    assert sizes, "no modules found"
    assert {path: lines for path, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}
