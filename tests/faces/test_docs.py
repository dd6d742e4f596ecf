"""The documentation keeps up with the code (in the manner of sqlite-utils' test_docs.py): every command
and option of the CLI, every environment variable and every HTTP endpoint is documented, every `qa ...`
line in the docs parses, the README's tour is what qa prints, and every link between the pages resolves.
(The README's Python example is run as written by tests/test_api.py.)"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from qa.cli import parser

from ..conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
COMMANDS_PAGE = DOCS / "commands.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]


def _sections(path: Path) -> dict[str, str]:
    """A page's `## ` sections by title, each with its text."""
    parts = re.split(r"(?m)^## ", path.read_text(encoding="utf-8"))
    return {part.split("\n", 1)[0].strip(): part for part in parts[1:]}


def _subcommands() -> dict:
    return next(a for a in parser()._actions if a.dest == "command").choices


def _options(p) -> list[str]:
    """Each option of a parser by its longest name (``--json-text-field``, ``-k``)."""
    return [max(a.option_strings, key=len) for a in p._actions if a.option_strings]


COMMON = {"--index", "--model", "--help", "--version"}  # documented once, under "Every command"


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_commands_are_documented(command):
    assert f"`qa {command}" in README.read_text(encoding="utf-8"), f"qa {command} is not in the README's table"
    assert f"qa {command}" in _sections(COMMANDS_PAGE), f"docs/commands.md has no section `## qa {command}`"


@pytest.mark.parametrize("command, option", sorted((c, o) for c, p in _subcommands().items() for o in _options(p)))
def test_options_are_documented(command, option):
    section = _sections(COMMANDS_PAGE)["Every command" if option in COMMON else f"qa {command}"]
    assert re.search(rf"`{re.escape(option)}\b", section), f"qa {command} {option} is not in docs/commands.md"


@pytest.mark.parametrize("option", _options(parser()))
def test_top_level_options_are_documented(option):
    assert f"`{option}" in _sections(COMMANDS_PAGE)["Every command"]


def _environment_variables() -> set[str]:
    found = set()
    for path in (ROOT / "qa").rglob("*.py"):
        found |= set(re.findall(r"environ(?:\.get)?\(\s*[\"']((?:QA|XDG)_[A-Z_]+)", path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("name", sorted(_environment_variables()))
def test_environment_variables_are_documented(name):
    assert f"`{name}`" in _sections(COMMANDS_PAGE)["Configuration"]


def test_http_endpoints_and_fields_are_documented():
    from qa.server import AskRequest, IndexRequest, create_app

    page = (DOCS / "http-api.md").read_text(encoding="utf-8")
    app = create_app(None)  # routes only: nothing is asked
    routes = {(method, route.path) for route in app.routes if route.path not in ("/docs", "/docs/oauth2-redirect", "/redoc")
              for method in getattr(route, "methods", ()) if method != "HEAD"}
    assert routes >= {("POST", "/ask"), ("GET", "/health")}
    for method, path in routes:
        assert f"`{method} {path}`" in page, f"{method} {path} is not in docs/http-api.md"
    for field in (*AskRequest.model_fields, *IndexRequest.model_fields):
        assert f'"{field}"' in page, f"the request field {field!r} is not in docs/http-api.md"


def _command_lines(path: Path) -> list[str]:
    """The `qa ...` commands in a page's bash and console blocks (after `$ `, `&&`; before `|`, `&`)."""
    lines = []
    for block in re.findall(r"```(?:bash|console)\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            for part in line.removeprefix("$ ").split("&&"):
                part = part.split(" | ")[0].strip().removesuffix("&").strip()
                if part.startswith("qa ") or part == "qa":
                    lines.append(part)
    return lines


@pytest.mark.parametrize("line", sorted({(p.relative_to(ROOT).as_posix(), c) for p in PAGES for c in _command_lines(p)}))
def test_every_command_shown_parses(line):
    page, command = line
    try:
        parser().parse_args(shlex.split(command, comments=True)[1:])
    except SystemExit as e:
        pytest.fail(f"{page}: `{command}` does not parse (exit {e.code})")


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_anchor(h) for h in re.findall(r"(?m)^#{1,6} (.*)$", path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        assert path.exists(), f"{page.name}: link to {target}: no such file"
        if anchor:
            assert anchor in _anchors(path), f"{page.name}: link to {target}: no such heading"


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_every_page_is_linked_from_the_readme(page):
    assert f"(docs/{page.name}" in README.read_text(encoding="utf-8"), f"the README does not link docs/{page.name}"


@pytest.mark.skipif(shutil.which("jq") is None, reason="the tour pipes qa's JSON into jq")
def test_the_readme_tour_is_what_qa_prints():
    """Run again, the tour's commands print what the README shows (times, sizes and scores aside).
    After a change of output: `python -m tests.readme_tour --write`."""
    from ..readme_tour import masked, run_tour

    text = README.read_text(encoding="utf-8")
    assert masked(run_tour(text)) == masked(text)
