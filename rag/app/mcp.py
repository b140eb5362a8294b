"""``python -m rag mcp``: the archive as MCP tools over stdio (the official ``mcp`` package).

Tools: ``search``, ``ask``, ``verify``, ``list_articles``. Each returns the JSON contract's
objects (citations with ``source``, ``start``, ``end`` and the exact ``quote``), as structured
content and as JSON text, so an agent can show or check its sources. A client configures it as

    {"command": "/path/to/.venv/bin/python", "args": ["-m", "rag", "mcp", "--index", "/path/to/.rag"]}

Errors come back as tool errors carrying the project's message (what to do next).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from .. import Engine, Filter, PassageRef, RagError, Settings, verify_answer

INSTRUCTIONS = ("Answers from an archive of news articles. Every sentence of an answer cites an exact quote "
                "(source file, character span, the quoted words); when the articles do not answer, `ask` "
                "says so (abstained) and lists the nearest passages. Use `verify` to check a text against them.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=["auto", "extractive", "llm"], help="default answer mode")


def run(args: argparse.Namespace, settings: Settings) -> int:
    server = build_server(Engine.open(settings))
    server.run("stdio")
    return 0


def build_server(engine: Engine) -> Any:
    """The MCP server with the four tools over ``engine``."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("rag", instructions=INSTRUCTIONS)

    def call(fn: Any) -> Any:
        try:
            return fn()
        except RagError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def search(question: str, k: int = 6, sources: list[str] | None = None) -> dict[str, Any]:
        """The passages of the articles that best match `question` (ranked; with character spans)."""
        passages = call(lambda: engine.search(question, k=k, filter=Filter(tuple(sources or ())) or None))
        return {"passages": [p.to_dict() for p in passages]}

    @server.tool()
    def ask(question: str, mode: str | None = None, k: int | None = None,
            sources: list[str] | None = None) -> dict[str, Any]:
        """Answer `question` from the articles: text with [n] markers and `citations` (exact quotes with
        source and span); `abstained` is true when the articles do not answer (see `passages`)."""
        answer = call(lambda: engine.ask(question, mode=mode, k=k, filter=Filter(tuple(sources or ())) or None))
        return dict(answer.to_dict())

    @server.tool()
    def verify(text: str, question: str | None = None,
               passages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Check each sentence of `text` against the passages its [n] markers cite: either `passages`
        ([{"source", "start", "end"}], [n] = the n-th) or those retrieved for `question`. Returns the
        supported sentences re-cited with exact quotes, and a verdict per sentence."""
        refs = None if passages is None else tuple(PassageRef(str(p["source"]), int(p["start"]), int(p["end"]))
                                                    for p in passages)
        verified = call(lambda: verify_answer(engine, text, passages=refs, question=question))
        return {**asdict(verified), "verification": asdict(verified.verification)}

    @server.tool()
    def list_articles() -> dict[str, Any]:
        """Every indexed article: source (its id in citations), title, date, byline, chunks."""
        return {"articles": [asdict(a) for a in call(engine.articles)]}

    return server
