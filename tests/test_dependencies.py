"""Which package may import which: core imports no domain, and packages form no loops.

Both tests read the source with ``ast`` and count every import: module-level,
inside functions, and under ``if TYPE_CHECKING`` (a type is a dependency too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# What core may lean on: the factory's building blocks, never a domain package.
CORE_MAY_IMPORT = {"core", "db", "extensions", "config"}

# Loops between packages that exist today: none. The set may only shrink, so a new
# loop, or a package drawn into one, fails. Between the four that once formed one, the
# order is organisations <- accounts <- groups <- people: organisations names accounts'
# User by string, and reaches groups only through core.signals.
KNOWN_LOOPS: set[frozenset[str]] = set()


def _packages() -> set[str]:
    return {p.name for p in PORTAL.iterdir() if (p / "__init__.py").is_file()}


def _imported_modules(path: Path) -> Iterator[str]:
    """Every absolute module name ``path`` imports, wherever the import stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # ``from . import x`` in portal/plans/views/ is portal.plans.views.x
                package = path.relative_to(PORTAL.parent).parent.parts
                base = ".".join((*package[: len(package) - node.level + 1], *filter(None, [base])))
            # ``from portal import x`` names a package through its member.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _portal_target(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "portal" and len(parts) > 1 else None


def package_graph() -> dict[str, dict[str, set[str]]]:
    """Package -> packages it imports -> the files that do."""
    packages = _packages()
    graph: dict[str, dict[str, set[str]]] = {name: {} for name in packages}
    for path in PORTAL.rglob("*.py"):
        source = path.relative_to(PORTAL).parts[0]
        if source not in packages:
            continue
        for module in _imported_modules(path):
            target = _portal_target(module)
            if target in packages and target != source:
                graph[source].setdefault(target, set()).add(str(path.relative_to(PORTAL.parent)))
    return graph


def strongly_connected(graph: dict[str, dict[str, set[str]]]) -> list[set[str]]:
    """Tarjan's components of more than one package: the loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return loops


def test_core_imports_no_domain_package():
    offending = []
    for path in sorted((PORTAL / "core").rglob("*.py")):
        for module in _imported_modules(path):
            target = _portal_target(module)
            # ``portal.db`` and friends are modules, not packages: allowed by name.
            if target is not None and target not in CORE_MAY_IMPORT:
                offending.append(f"{path.relative_to(PORTAL.parent)} imports {module}")
    assert offending == []


def test_packages_form_no_new_loops():
    graph = package_graph()
    loops = {frozenset(loop) for loop in strongly_connected(graph)}
    ties = {
        " ".join(sorted(loop)): {
            f"{a} -> {b}": sorted(graph[a][b]) for a in loop for b in graph[a] if b in loop
        }
        for loop in loops - KNOWN_LOOPS
    }
    assert ties == {}, "an import closes a new loop between packages"
    assert loops == KNOWN_LOOPS, "a known loop is gone or smaller: write KNOWN_LOOPS anew"


def test_the_loop_finder_finds_a_loop_and_passes_a_ladder():
    ladder = {"a": {"b": set()}, "b": {"c": set()}, "c": {}}
    assert strongly_connected(ladder) == []
    loop = {"a": {"b": set()}, "b": {"c": set()}, "c": {"a": set()}, "d": {"a": set()}}
    assert strongly_connected(loop) == [{"a", "b", "c"}]


def test_imports_inside_functions_and_relative_ones_count():
    found = set(_imported_modules(PORTAL / "plans" / "views" / "__init__.py"))
    assert "portal.plans.views.items" in found  # from . import items
    found = set(_imported_modules(PORTAL / "__init__.py"))
    assert "portal.surveys.cli.survey_cli" in found  # inside _register_cli
