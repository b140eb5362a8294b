"""``python -m rag mcp`` (rag/app/mcp.py) as an agent tool runs it: a child process on stdio, driven
by the official ``mcp`` client, over a copy of the seed index."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from conftest import ROOT, SEEDS
from crashkit import copy_index
from rag import Settings

QUESTION = "How many joint activities does the Serbia-Hungary plan include?"


async def _session_calls(index: Path) -> dict[str, Any]:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "rag", "mcp", "--index", str(index)],
                                   env=env, cwd=str(ROOT))
    out: dict[str, Any] = {}
    with anyio.fail_after(180):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            out["tools"] = sorted(t.name for t in (await session.list_tools()).tools)
            out["ask"] = await session.call_tool("ask", {"question": QUESTION})
            out["search"] = await session.call_tool("search", {"question": "Bondarenko", "k": 2})
            out["list"] = await session.call_tool("list_articles", {})
            out["verify"] = await session.call_tool("verify", {
                "text": "The agreement outlines 79 joint activities. [1] It includes 81 tanks. [1]",
                "question": QUESTION})
            out["empty"] = await session.call_tool("ask", {"question": "   "})
    return out


@pytest.fixture(scope="module")
def calls(seed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    index = copy_index(seed_settings.index_dir, tmp_path_factory.mktemp("mcp") / "index")
    return anyio.run(_session_calls, index)


def _data(result: Any) -> dict[str, Any]:
    """The tool's structured result; the JSON text content says the same."""
    assert not result.is_error, result.content
    text = json.loads(result.content[0].text)
    assert result.structured_content in (text, {"result": text})
    return dict(text)


def test_four_tools(calls: dict[str, Any]) -> None:
    assert calls["tools"] == ["ask", "list_articles", "search", "verify"]


def test_ask_returns_citations_with_exact_quotes(calls: dict[str, Any]) -> None:
    answer = _data(calls["ask"])
    assert "79" in answer["answer"] and not answer["abstained"]
    for c in answer["citations"]:
        text = (SEEDS / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"]:c["end"]] == c["quote"]


def test_search_list_and_verify(calls: dict[str, Any]) -> None:
    passages = _data(calls["search"])["passages"]
    assert len(passages) == 2 and all(p["text"] in (SEEDS / p["source"]).read_text(encoding="utf-8")
                                      for p in passages)
    assert len(_data(calls["list"])["articles"]) == 5
    verified = _data(calls["verify"])
    assert {k: verified["verification"][k] for k in ("checked", "supported", "dropped")} == \
        {"checked": 2, "supported": 1, "dropped": 1}
    assert [r["reason"] for r in verified["verification"]["removed"]] == [verified["checks"][1]["reason"]]
    assert "81" in verified["checks"][1]["reason"]


def test_a_bad_question_is_a_tool_error_with_the_fix(calls: dict[str, Any]) -> None:
    result = calls["empty"]
    assert result.is_error and "type a question" in result.content[0].text
