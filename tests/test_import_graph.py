"""Imports between the top-level packages run one way.

The command line (livelake/) on top, the stages (ingest, lake, promote, simulator)
below it, the shared settings (settings/) at the bottom. A cycle between two packages
means neither can be read, tested or moved without the other, so every import of
every module (at the top, inside a function, under TYPE_CHECKING) counts as an arrow.
Every package is also shipped: in the wheel and in the pipeline's image.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Neither is a package of the product: tests import everything, scripts are entry points.
NOT_PRODUCT = {"tests", "scripts"}


def packages(root: Path) -> set[str]:
    """The top-level packages: folders at the root with an __init__.py."""
    return {
        path.parent.name
        for path in root.glob("*/__init__.py")
        if path.parent.name not in NOT_PRODUCT
    }


def imported_modules(source: str) -> Iterator[str]:
    """Every absolute module name a module imports, wherever the import stands."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def import_graph(root: Path) -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> the files of the package that import it."""
    names = packages(root)
    graph: dict[str, dict[str, list[str]]] = {name: {} for name in names}
    for name in sorted(names):
        for module in sorted((root / name).rglob("*.py")):
            for imported in imported_modules(module.read_text(encoding="utf-8")):
                top = imported.split(".")[0]
                if top in names and top != name:
                    where = str(module.relative_to(root))
                    graph[name].setdefault(top, [])
                    if where not in graph[name][top]:
                        graph[name][top].append(where)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Each cycle of packages once, as the path that closes it (a -> b -> a)."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(path: list[str]) -> None:
        for nxt in sorted(graph[path[-1]]):
            if nxt == path[0]:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:
                visit([*path, nxt])

    for start in sorted(graph):
        visit([start])
    return found


def _describe(graph: dict[str, dict[str, list[str]]], cycle: list[str]) -> str:
    arrows = [
        f"{a} -> {b} ({', '.join(graph[a][b])})" for a, b in zip(cycle, cycle[1:], strict=False)
    ]
    return "; ".join(arrows)


def test_no_import_cycle_between_packages() -> None:
    graph = import_graph(REPO_ROOT)
    found = cycles(graph)
    assert not found, "import cycles: " + " | ".join(_describe(graph, c) for c in found)


def test_settings_at_the_bottom_and_the_command_line_on_top() -> None:
    graph = import_graph(REPO_ROOT)
    assert {"livelake", "settings", "promote", "ingest", "lake", "simulator"} <= set(graph)
    assert graph["settings"] == {}, f"settings imports {graph['settings']}"
    importers = {name: deps["livelake"] for name, deps in graph.items() if "livelake" in deps}
    assert not importers, f"the command line is imported by {importers}"


def test_every_package_is_in_the_wheel_and_the_image() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    wheel = set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    dockerfile = (REPO_ROOT / "docker" / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (?:--\S+ )*(\w+) \1$", dockerfile, flags=re.M))
    assert wheel == packages(REPO_ROOT)
    assert wheel <= copied, f"docker/Dockerfile copies no {sorted(wheel - copied)}"


def test_a_cycle_through_a_function_body_import_is_found(tmp_path: Path) -> None:
    for name, body in {
        "top": "from middle import run\n",
        "middle": "def run():\n    from bottom.deep import thing\n",
        "bottom": "",
        "bottom/deep": "from top import cli\n",
        "apart": "import os\n",
    }.items():
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "__init__.py").write_text(body)
    graph = import_graph(tmp_path)
    assert graph["middle"] == {"bottom": ["middle/__init__.py"]}
    assert graph["bottom"] == {"top": ["bottom/deep/__init__.py"]}
    assert cycles(graph) == [["bottom", "top", "middle", "bottom"]]
    # Break the back arrow: no cycle is left.
    (tmp_path / "bottom" / "deep" / "__init__.py").write_text("import os\n")
    assert cycles(import_graph(tmp_path)) == []
