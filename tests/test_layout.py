"""The package tree shows the data flow, and imports only go down.

Layers, lowest first: the shared base (settings, errors, records, text, embed), ``index/``
(files -> chunks -> index), ``answer/`` (question -> passages -> answer -> verification), the
engine, the public API (``rag/__init__``), then the edges and tooling (``app/``,
``evaluation/``, ``bench/``). Every import counts, including the lazy ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rag

PACKAGE = Path(rag.__file__).parent
BASE = {"rag._offline", "rag.settings", "rag.errors", "rag.records", "rag.text", "rag.embed"}
TOOLING = ("rag.app", "rag.evaluation", "rag.bench")
# Where an edge or a tool reaches past the public API, and why (one line each).
INTERNAL_USES = {
    ("rag.evaluation.metrics", "rag.answer.verify"): "the support judge is the project's own claim checker",
    ("rag.evaluation.claims", "rag.answer.verify"): "it measures the claim checker itself",
    ("rag.bench.measure", "rag.index.chunk"): "the embedding floor embeds exactly the text ingestion embeds",
    ("rag.bench.measure", "rag.index.store"): "the floors read the stored vectors straight from Chroma",
    ("rag.app.conflicts_cli", "rag.answer.conflicts"): "the conflicts command lists the detector's findings",
    ("rag.evaluation.conflicts", "rag.answer.nlp"): "planted names are people spaCy finds, as the detector reads them",
    ("rag.evaluation.conflicts", "rag.answer.conflicts"): "eval --conflicts runs the detector on article texts, no index",
    ("rag.evaluation.fit", "rag.answer.fitted"): "it fits the answerer's model: its feature names, the file it writes",
    ("rag.evaluation.fit", "rag.answer.compose"): "the answer an undecided extraction would give, judged as eval judges",
}
# A tool may build on a lower tool: the benchmark and load test report percentiles as the evaluation does.
TOOL_USES = {("rag.bench", "rag.evaluation")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    if module in BASE:
        return 0
    for rank, prefix in ((1, "rag.index"), (2, "rag.answer"), (3, "rag.engine")):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    if module == "rag":
        return 4
    if module == "rag.__main__":
        return 6
    if module.startswith(TOOLING):
        return 5
    raise AssertionError(f"{module}: not placed in a layer; add it to tests/test_layout.py")


def imports(module: str, *, top_level_only: bool = False) -> set[str]:
    """The rag modules ``module`` imports (``from . import x`` counts x when it is a module)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "rag")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "rag":
                continue
            subs = {f"{target}.{a.name}" for a in node.names} & MODULES.keys()
            found.update(subs or {target})
    return {m for m in found if m in MODULES} - {module}


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module: str) -> None:
    for target in imports(module):
        if target == module.rpartition(".")[0] or module.startswith("rag.__main__"):
            continue
        assert layer(target) <= layer(module), f"{module} imports {target}, a higher layer"
        if module.startswith("rag.index"):
            assert not target.startswith("rag.answer"), f"{module} (write side) imports {target} (read side)"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(TOOLING)))
def test_edges_and_tools_use_the_public_api(module: str) -> None:
    own = ".".join(module.split(".")[:2])
    for target in imports(module):
        if target == "rag" or target in BASE or target == "rag.engine" or target.startswith(own):
            continue
        if any(module.startswith(a) and target.startswith(b) for a, b in TOOL_USES):
            continue
        assert (module, target) in INTERNAL_USES, (
            f"{module} imports the internal {target}: use the public API in rag/__init__.py, "
            "or add the pair to INTERNAL_USES with the reason")


def test_no_import_cycles() -> None:
    graph = {m: imports(m, top_level_only=True) for m in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [module, target] if target in path else [module, target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, path + [module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_checks_see_imports() -> None:
    """The walker itself: relative, absolute, lazy and ``from . import module`` forms."""
    assert "rag.answer.extract" in imports("rag.engine")
    assert "rag.index.ingest" in imports("rag.engine")  # a lazy import inside a method
    assert "rag.index.ingest" not in imports("rag.engine", top_level_only=True)
    assert "rag.evaluation.metrics" in imports("rag.evaluation.run")  # from . import metrics as m
    assert "rag" in imports("rag.app.cli")  # from .. import Engine, ...
    assert layer("rag.index.store") < layer("rag.answer.retrieve") < layer("rag.engine") < layer("rag.app.ui")
