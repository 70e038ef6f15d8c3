"""The layers stay apart and the imports form no circle: checked from the source with ast (every
import counts: module level, inside functions, and under TYPE_CHECKING), so a rule broken by a
lazy import or a type-only import fails here too. docs/ARCHITECTURE.md explains the rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tui"
UI = "tui.ui"
APP_ENTRY = "tui.cli.app_entry"  # the one CLI module that reaches the UI
FUNCTION_IMPORTS_PER_1000_LINES = 3.0


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported (a name inside a module: the module)
    line: int
    in_function: bool
    comment: str  # the comment on the import's line, or on the line above it


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    known = modules()
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:
        base = module.split(".")
        if path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - node.level + 1]
        prefix = ".".join([*base, node.module] if node.module else base)
    else:
        prefix = node.module or ""
    for alias in node.names:
        name = f"{prefix}.{alias.name}"
        yield name if name in known else prefix


def _owner(name: str) -> str:
    """The tokendeck module a dotted name lives in (itself, or the nearest package above)."""
    known = modules()
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


@cache
def imports() -> tuple[Import, ...]:
    found = []
    for module, path in modules().items():
        text = path.read_text("utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            up, in_function = node, False
            while up in parents:
                up = parents[up]
                in_function = in_function or isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef)
            said = [lines[node.lineno - 1], lines[node.lineno - 2] if node.lineno > 1 else ""]
            comment = next((c.split("#", 1)[1].strip() for c in said if "#" in c), "")
            for target in _resolve(module, path, node):
                found.append(Import(module, target, node.lineno, in_function, comment))
    return tuple(found)


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


def test_only_the_ui_package_imports_textual() -> None:
    wrong = [f"{i.module}:{i.line} imports {i.target}" for i in imports()
             if i.target.partition(".")[0] == "textual"
             and not (i.module == UI or i.module.startswith(UI + ".") or i.module == APP_ENTRY)]
    assert not wrong, "\n".join(wrong)  # fmt: skip


@pytest.mark.parametrize("layer", ["gateway", "store"])
def test_gateway_and_store_import_only_the_base_layer(layer: str) -> None:
    allowed = {"base", layer}
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports()
        if _layer(i.module) == layer
        and i.target.startswith("tui.")
        and _layer(_owner(i.target)) not in allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_one_cli_module_reaches_the_ui() -> None:
    reaching = {i.module for i in imports() if i.module.startswith("tui.cli.")
                and (i.target == UI or i.target.startswith(UI + "."))}  # fmt: skip
    assert reaching <= {APP_ENTRY}, sorted(reaching)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in modules()}
    for i in imports():
        target = _owner(i.target)
        if target in graph and target != i.module:
            graph[i.module].add(target)
    return graph


def test_no_import_cycles() -> None:
    assert _cycles(import_graph()) == []


def test_a_cycle_is_found() -> None:  # the check itself can fail
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_function_level_imports_are_few_and_each_says_what_it_saves() -> None:
    """An import inside a function is for start-up time only (measured: bench/cold_start.py,
    bench/cli.py), and says what it keeps off the start path."""
    lines = sum(len(p.read_text("utf-8").splitlines()) for p in modules().values())
    inside = {(i.module, i.line): i for i in imports() if i.in_function}
    per_1000 = 1000 * len(inside) / lines
    assert per_1000 <= FUNCTION_IMPORTS_PER_1000_LINES, (
        f"{len(inside)} function-level imports in {lines} lines ({per_1000:.1f} per 1,000)"
    )
    silent = [f"{m}:{line}" for (m, line), i in sorted(inside.items()) if not i.comment]
    assert not silent, "function-level imports without a comment:\n" + "\n".join(silent)


def undocumented_dataclasses(source: str) -> list[str]:
    """The classes under a @dataclass decorator that have no docstring."""
    tree = ast.parse(source)
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any("dataclass" in ast.unparse(d) for d in node.decorator_list)
        and ast.get_docstring(node) is None
    ]


def test_every_dataclass_has_a_docstring() -> None:
    """Without one, Python 3.11's @dataclass makes a docstring from inspect.signature(): about
    0.25 ms per class at import, ~5 ms of the first frame (bench/cold_start.py). A docstring
    also says what the class is for."""
    missing = [
        f"{module}.{name}"
        for module, path in modules().items()
        for name in undocumented_dataclasses(path.read_text("utf-8"))
    ]
    assert not missing, "dataclasses without a docstring:\n" + "\n".join(missing)


def test_an_undocumented_dataclass_is_found() -> None:  # the check itself can fail
    source = '@dataclass\nclass A:\n    x: int\n\n@dataclass\nclass B:\n    """B."""\n'
    assert undocumented_dataclasses(source) == ["A"]
