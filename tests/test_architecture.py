"""The package's import graph keeps the architecture: text -> model -> neutral schedule -> analysis -> reports.

Every import of a cfgtools module is read from the source (top level, inside
functions, under TYPE_CHECKING: all of them), and the graph must have:

- no circle;
- a neutral layer (``schedule/``, ``plugin``, ``recipe`` and the base modules) that imports
  no framework package and nothing above it;
- framework packages (a folder with a ``plugin.py``) that import no other
  framework package and nothing above the neutral layer;
- framework readers (text or bytes -> typed model) used only by their own
  framework package and the loader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cfgtools"

#: modules everything may import: no cfgtools dependency beyond each other
BASE = {"cfgtools", "cfgtools.errors", "cfgtools.positions", "cfgtools.resources", "cfgtools.values",
        "cfgtools.files", "cfgtools.sources", "cfgtools.edits"}
#: the framework-neutral layer
NEUTRAL_PREFIXES = ("cfgtools.schedule", "cfgtools.trainlog")
NEUTRAL = {"cfgtools.plugin", "cfgtools.recipe"}
#: the one road from a path to a loaded config
LOADER = {"cfgtools.loading", "cfgtools.frameworks"}
#: functions that turn text or bytes into a framework's typed model
READERS = {
    "cfgtools.darknet.document": {"read_cfg", "parse_tree"},
    "cfgtools.darknet.hankai": {"read_hankai_cfg"},
    "cfgtools.darknet.net": {"read_net"},
    "cfgtools.darknet.layers": {"parse_layers", "parse_layer"},
    "cfgtools.darknet.weights": {"read_weights_header", "parse_weights_header"},
    "cfgtools.caffe.solver": {"read_solver"},
    "cfgtools.caffe.solverstate": {"read_solverstate", "parse_solverstate"},
    "cfgtools.ultralytics.yamlfile": {"read_yaml", "parse_yaml"},
    "cfgtools.ultralytics.settings": {"read_settings", "parse_settings", "settings_from_document",
                                      "settings_from_checkpoint"},
    "cfgtools.ultralytics.checkpoint": {"read_checkpoint"},
}
#: imports of cfgtools modules allowed inside a function, with the reason
LAZY_OWN_IMPORTS = {
    ("cfgtools.caffe.schema", "cfgtools.caffe.caffe_pb2"): "the generated module imports protobuf",
    ("cfgtools.caffe.schema", "cfgtools.caffe.caffe_ssd_pb2"): "the generated module imports protobuf",
    ("cfgtools.caffe.solver", "cfgtools.caffe.caffe_pb2"): "the generated module imports protobuf",
    ("cfgtools.darknet.rate", "cfgtools.darknet.pieces"): "it imports numpy, which show must not",
    ("cfgtools.caffe.rate", "cfgtools.caffe.pieces"): "it imports numpy, which show must not",
    ("cfgtools.plugin", "cfgtools.schedule.extend"): "it imports numpy, which show must not",
    ("cfgtools.darknet.plugin", "cfgtools.darknet.extension"): "it imports numpy, which show must not",
    ("cfgtools.lint.context", "cfgtools.logs"): "only lint --log reads a training log",
    ("cfgtools.caffe.plugin", "cfgtools.caffe.plateau_log"): "only an SSD plateau run read against its log needs it",
    ("cfgtools.lint.context", "cfgtools.trainlog.findings"): "only lint --log reads a training log",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
FRAMEWORKS = sorted(module_name(p.parent) for p in PACKAGE.glob("*/plugin.py"))


class Import:
    def __init__(self, target: str, names: tuple[str, ...], in_function: bool, line: int):
        self.target, self.names, self.in_function, self.line = target, names, in_function, line


def imports_of(name: str) -> list[Import]:
    """Every import of a cfgtools module in ``name`` (a ``from package import module`` counts as the module)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "cfgtools":
                        found.append(Import(alias.name, (), nested, child.lineno))
            elif isinstance(child, ast.ImportFrom) and child.module and child.module.split(".")[0] == "cfgtools":
                for alias in child.names:
                    submodule = f"{child.module}.{alias.name}"
                    if submodule in MODULES:
                        found.append(Import(submodule, (), nested, child.lineno))
                    else:
                        found.append(Import(child.module, (alias.name,), nested, child.lineno))
            visit(child, nested)

    visit(tree, False)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def package_of(name: str) -> str | None:
    """The framework package a module belongs to, if any."""
    return next((f for f in FRAMEWORKS if name == f or name.startswith(f + ".")), None)


def is_neutral(name: str) -> bool:
    return name in BASE or name in NEUTRAL or name.startswith(NEUTRAL_PREFIXES)


def test_the_graph_is_read():
    assert {"cfgtools.darknet", "cfgtools.caffe"} <= set(FRAMEWORKS)
    assert len(MODULES) > 60 and sum(len(v) for v in GRAPH.values()) > 200


def test_no_import_circle():
    edges = {name: {i.target for i in imports if i.target in MODULES and i.target != name}
             for name, imports in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def strongconnect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                strongconnect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in edges:
        if node not in index:
            strongconnect(node)
    assert circles == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if is_neutral(n)))
def test_neutral_layer_imports_nothing_above_it(name):
    allowed = BASE if name in BASE else None
    bad = []
    for item in GRAPH[name]:
        ok = item.target in allowed if allowed is not None else is_neutral(item.target)
        if not ok:
            bad.append(f"line {item.line}: {item.target}")
    assert bad == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if package_of(n)))
def test_framework_package_imports_only_itself_and_the_neutral_layer(name):
    own = package_of(name)
    bad = [f"line {i.line}: {i.target}" for i in GRAPH[name] if package_of(i.target) != own and not is_neutral(i.target)]
    assert bad == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not package_of(n) and n not in LOADER))
def test_readers_are_called_only_by_their_framework_and_the_loader(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    reader_names = set().union(*READERS.values())
    bad = [f"line {i.line}: {i.target}.{n}" for i in GRAPH[name] for n in i.names if n in READERS.get(i.target, ())]
    bad += [f"line {node.lineno}: .{node.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in reader_names]
    assert bad == []


def test_own_imports_are_at_module_top():
    inside = [f"{name}:{i.line}: {i.target}" for name, imports in GRAPH.items() for i in imports
              if i.in_function and (name, i.target) not in LAZY_OWN_IMPORTS]
    assert inside == []


def _string_constants(tree: ast.AST) -> list[ast.Constant]:
    """The string literals of ``tree`` that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith(NEUTRAL_PREFIXES) or n in NEUTRAL))
def test_neutral_layer_code_names_no_framework(name):
    # what differs between frameworks comes from the schedule's Arithmetic, never from a test of its name
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    frameworks = {f.rsplit(".", 1)[1] for f in FRAMEWORKS} | {"alexeyab", "pjreddie", "hankai", "bvlc", "ssd"}
    bad = [f"line {node.lineno}: {node.value!r}" for node in _string_constants(tree)
           if node.value.lower() in frameworks]
    bad += [f"line {node.lineno}: .{side.attr} compared" for node in ast.walk(tree) if isinstance(node, ast.Compare)
            for side in [node.left, *node.comparators]
            if isinstance(side, ast.Attribute) and side.attr in ("framework", "dialect")
            and any(isinstance(other, ast.Constant) and isinstance(other.value, str)
                    for other in [node.left, *node.comparators])]
    assert bad == []
