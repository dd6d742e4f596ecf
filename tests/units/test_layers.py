"""How qa's modules may depend on each other, read from their source (no module is imported)."""

from __future__ import annotations

import ast
import re

import pytest

from ..conftest import ROOT

PACKAGE = ROOT / "qa"
# http_guard: the HTTP face's own guards
FACES = {"qa.cli", "qa.server", "qa.terminal", "qa.http_guard", "qa.workers", "qa.supervisor", "qa.page",
         "qa.mcp_server"}
HEAVY = ("torch", "sentence_transformers")
MAX_LINES = 400


def _name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The modules an import statement names, made absolute."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = module.split(".")
    if node.level:
        is_package = MODULES[module].name == "__init__.py"
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # "from .stores import base" names the module qa.stores.base as well as the package
    return [target] + [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]


def imports(module: str, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    if top_level_only:  # module-level statements, also inside a top-level try or if (not TYPE_CHECKING)
        nodes, stack = [], list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                continue
            if isinstance(node, (ast.Try, ast.If)):
                stack += node.body + node.orelse + getattr(node, "finalbody", []) + \
                    [s for h in getattr(node, "handlers", []) for s in h.body]
            nodes.append(node)
    else:
        nodes = list(ast.walk(tree))
    return {t for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)) for t in _resolve(module, n)}


def qa_imports(module: str, seen: set[str] | None = None) -> set[str]:
    """Every qa module ``module`` imports, directly or through others."""
    seen = set() if seen is None else seen
    for target in imports(module):
        if target in MODULES and target not in seen:
            seen.add(target)
            qa_imports(target, seen)
    return seen


def test_the_reader_sees_every_module():
    assert {"qa.search", "qa.fusion", "qa.stores", "qa.stores.base", "qa.cli"} <= set(MODULES)
    assert "qa.stores.base" in imports("qa.stores.faiss_store")  # a relative import is resolved
    assert "qa.terminal" in imports("qa.cli")  # so is one inside a function
    assert "sentence_transformers" in imports("qa.embedding")  # imported where a model is loaded...
    assert "sentence_transformers" not in imports("qa.embedding", top_level_only=True)  # ...not on import


@pytest.mark.parametrize("module", sorted(set(MODULES) - FACES))
def test_no_library_module_imports_a_face(module):
    assert not imports(module) & FACES


# What a face may use of the library: the front (QA), its errors, what it returns, the package itself,
# and qa.controls (text made safe to print, which the library uses too).
FRONT = {"qa", "qa.api", "qa.errors", "qa.answer", "qa.controls"}


# Process plumbing of `qa serve --workers`: it watches the manifest file and shares the store's arrays
# between processes. Known, and to move behind QA; this list must not grow.
PLUMBING = {"qa.workers": {"qa.index_files", "qa.stores", "qa.stores.faiss_store"}}


@pytest.mark.parametrize("face", sorted(FACES))
def test_faces_use_the_front_only(face):
    used = {m for m in imports(face) if m in MODULES} - FACES - PLUMBING.get(face, set())
    assert used <= FRONT, f"{face} reaches past the front: {sorted(used - FRONT)}"


# A `qa ...` command or a --flag: words of the command line, which only the CLI may use.
FLAG = re.compile(r"`qa\b|\bqa (?:ask|index|info|serve|eval|shell)\b|(?<![\w-])--[a-z][a-z-]+")


@pytest.mark.parametrize("module", sorted(set(MODULES) - FACES))
def test_library_messages_name_no_command_line_flag(module):
    """The library's strings (docstrings aside) name no `qa ...` command or --flag: a fix is a
    qa.errors.Remedy, which each face words itself."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    offenders = [f"line {node.lineno}: {node.value.strip()[:70]!r}" for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)
                 and id(node) not in docstrings and FLAG.search(node.value)]
    assert not offenders, "\n".join(offenders)


def test_embedding_reaches_neither_store_nor_lexical():
    reached = qa_imports("qa.embedding")
    assert not {m for m in reached if m == "qa.lexical" or m.startswith("qa.stores")}, reached


def test_fusion_imports_no_stage():
    assert not {m for m in imports("qa.fusion") if m.startswith("qa")}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_heavy_libraries_load_only_when_used(module):
    heavy = {m for m in imports(module, top_level_only=True) if m.split(".")[0] in HEAVY}
    assert not heavy, f"{module} imports {heavy} at module level"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_another_modules_private_names(module):
    """A private name (``_x``) may change without its importers being seen: what another module
    needs of it is a public function."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    private = [f"line {n.lineno}: {a.name} from {_resolve(module, n)[0]}" for n in ast.walk(tree)
               if isinstance(n, ast.ImportFrom) and _resolve(module, n)[0].startswith("qa")
               for a in n.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert not private, "\n".join(private)
