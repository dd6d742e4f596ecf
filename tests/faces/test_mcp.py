"""`qa mcp` through the official SDK's own client over stdio: a real `qa mcp` process, the real model
and index. Answers equal the Python API's; every QAError is a tool error with its one-line message,
after which the server still answers."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import anyio
import pytest

pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install 'qa[mcp]'")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from qa import QA  # noqa: E402

from ..conftest import ROOT, same_answers  # noqa: E402



def _server(index_dir: Path, *extra: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k not in ("QA_MODEL", "QA_INDEX")}
    env["PYTHONPATH"] = str(ROOT)
    return StdioServerParameters(command=sys.executable, args=["-m", "qa.cli", "mcp", "--index", str(index_dir),
                                                               *extra], env=env, cwd=os.getcwd())


def _error_text(result) -> str:
    assert result.is_error, result
    text = result.content[0].text
    assert "\n" not in text and "Traceback" not in text, text
    return text


def test_ask_and_documents_over_stdio(built):
    qa, index_dir = built
    asked = [("韩国人工智能发展的目标是什么？", {}), ("Where does Longjing tea come from?", {"k": 2, "lang": "zh"}),
             ("固态电池什么时候量产？", {"since": "2025-01-01", "until": "2025-12-31", "mode": "dense"}),
             ("When did the Icelandic volcano erupt?", {"path": "*.md", "mode": "lexical", "k": 1}),
             ("What is the capital of France?", {"k": 2}),  # declined: "answered" false, hits kept
             ("When did the Icelandic volcano erupt?", {"min_confidence": 1.0})]
    errors = [({"question": "   "}, "the question is empty"),
              ({"question": "tea", "since": "last week"}, "YYYY-MM-DD"),
              ({"question": "tea", "lang": "fr"}, "choose zh or en"),
              ({"question": "tea", "mode": "fast"}, "unknown mode"),
              ({"question": "tea", "k": 0}, "k must be between 1 and 50"),
              ({"question": "tea", "path": ""}, "path filter is empty")]

    async def session():
        async with Client(_server(index_dir)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == {"ask", "documents"}  # no index tool without --allow-index
            assert {"question", "k", "mode", "path", "lang", "since", "until", "min_confidence"} <= \
                set(tools["ask"].input_schema["properties"])
            answers = [await client.call_tool("ask", {"question": q, **kw}) for q, kw in asked]
            failures = [await client.call_tool("ask", args) for args, _ in errors]
            docs = await client.call_tool("documents", {})
            again = await client.call_tool("ask", {"question": asked[0][0]})
            return answers, failures, docs, again

    answers, failures, docs, again = anyio.run(session)
    for (question, kwargs), result in zip(asked, answers):
        assert not result.is_error, result
        expected = qa.ask(question, **kwargs).to_dict()
        assert same_answers(result.structured_content, expected)
        assert same_answers(json.loads(result.content[0].text), expected)  # the same, as text
        assert result.structured_content["hits"], question
        assert result.structured_content["answered"] is expected["answered"]
    assert [a.structured_content["answered"] for a in answers[-3:]] == [True, False, False]
    for (_, words), result in zip(errors, failures):
        assert words in _error_text(result)
    assert not again.is_error  # errors left the server answering
    listed = docs.structured_content
    assert listed["count"] == len(qa.index.documents) == len(listed["documents"])
    assert {d["path"] for d in listed["documents"]} == {d["path"] for d in qa.index.documents}


def test_no_index_then_built_then_index_tool(tmp_path, embedder):
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    shutil.copytree(ROOT / "tests" / "data", docs)

    async def session():
        async with Client(_server(index_dir, "--allow-index")) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            missing = [await client.call_tool("ask", {"question": "龙井茶是哪里产的？"}),
                       await client.call_tool("documents", {}), await client.call_tool("index", {})]
            QA.build([docs], index_dir, embedder=embedder)  # `qa index` while the server runs
            first = await client.call_tool("ask", {"question": "Who keeps the penguin eggs warm?", "k": 1})
            (docs / "penguins_en.txt").write_text(
                "Emperor penguins breed in the Antarctic winter; the males keep the eggs warm on their feet "
                "for about two months while the females feed at sea.\n", encoding="utf-8")
            rebuilt = await client.call_tool("index", {})
            second = await client.call_tool("ask", {"question": "Who keeps the penguin eggs warm?", "k": 1})
            return tools, missing, first, rebuilt, second

    tools, missing, first, rebuilt, second = anyio.run(session)
    assert tools == {"ask", "documents", "index"}
    for result in missing:
        assert "no index at" in _error_text(result)
    assert not first.is_error and not first.structured_content["hits"][0]["citation"]["path"].endswith("penguins_en.txt")
    assert not rebuilt.is_error and rebuilt.structured_content["build"]["added"] == 1
    assert second.structured_content["hits"][0]["citation"]["path"].endswith("penguins_en.txt")
