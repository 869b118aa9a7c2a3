"""The package's shape: no import cycles (lazy imports inside functions count too), no
oversized modules, and the service layer never reaching past the core into evaluation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "postlens"
MAX_LINES = 320


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every postlens module that ``path`` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            # "from a.b import c": c may be a module or a name inside a.b.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("postlens"):
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(path, name, known) for name, path in modules.items()}
    # A package's __init__ is imported with any of its modules; ignore edges into bare
    # package names that only re-export nothing (postlens/__init__ holds the version).
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycles_between_modules() -> None:
    assert _cycles(_graph()) == []


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_import_cycles_between_packages() -> None:
    packages: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        source = _package_of(module)
        edges = packages.setdefault(source, set())
        edges.update(_package_of(t) for t in targets if _package_of(t) != source)
    assert _cycles(packages) == []


@pytest.mark.parametrize("layer", ["postlens.service", "postlens.recommend", "postlens.interests",
                                   "postlens.analysis", "postlens.vision", "postlens.text"])
def test_lower_layers_do_not_import_evaluation_or_the_edges(layer: str) -> None:
    graph = _graph()
    forbidden = ("postlens.evaluation", "postlens.cli")
    offenders = {m: sorted(t for t in targets if t.startswith(forbidden))
                 for m, targets in graph.items() if m.startswith(layer)}
    assert {m: t for m, t in offenders.items() if t} == {}


def test_no_module_is_oversized() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
