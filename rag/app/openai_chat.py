"""OpenAI's chat-completions format over the grounded answerer: requests in, completions out.

The answer text keeps its ``[n]`` markers. Each marker becomes an OpenAI-style annotation
(``type: "url_citation"``, start/end index of the marker in the content, a URL to the article
at the quote, the article's title), and the message carries the JSON contract's citation
objects in one extra field, ``citations`` (what ``python -m rag ask --json`` prints). Earlier
user/assistant turns of ``messages`` are the chat history used to rewrite a follow-up.

>>> question, history = conversation([{"role": "user", "content": "Who signed?"},
...     {"role": "assistant", "content": "Vucevic signed. [1]"}, {"role": "user", "content": "When?"}])
>>> question, [(q, a.text) for q, a in history]
('When?', [('Who signed?', 'Vucevic signed. [1]')])
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

from ..errors import BadQuestion
from ..records import MARKER, Answer

HISTORY_TURNS = 20  # earlier turns kept from ``messages``: the rewrite reads the last 3; the rest is ballast
STREAM_PIECES = 16  # a finished answer is sent in at most this many content deltas


def text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        if len(parts) != len(content):
            raise BadQuestion("Only text content is supported; send each message's content as a string.")
        return "\n".join(str(p) for p in parts)
    raise BadQuestion("A message's content must be a string or a list of text parts.")


def conversation(messages: Sequence[dict[str, Any]]) -> tuple[str, list[tuple[str, Answer]]]:
    """The question (the last user message) and the (question, answer) turns before it.

    System and developer messages are ignored: answers come from the articles, not instructions.
    """
    turns = [(m.get("role"), text_of(m.get("content"))) for m in messages
             if m.get("role") in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise BadQuestion("The last message must be the user's question (role \"user\").")
    history: list[tuple[str, Answer]] = []
    pending: str | None = None
    for role, text in turns[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            history.append((pending, _past_answer(pending, text)))
            pending = None
    return turns[-1][1], history[-HISTORY_TURNS:]


def _past_answer(question: str, text: str) -> Answer:
    """An earlier turn as the rewriter reads it (its question and text); citations are not resent."""
    abstained = text.lstrip().startswith(("The articles don't", "The articles do not"))
    return Answer(question, text, (), (), abstained, "history")


def article_url(base_url: str, source: str, start: int, end: int) -> str:
    """Where the API serves the article with the quote's span: ``/v1/articles/{source}?start=..&end=..``."""
    return f"{base_url.rstrip('/')}/v1/articles/{quote(source, safe='/')}?start={start}&end={end}"


def url_citations(answer: Answer, base_url: str) -> list[dict[str, Any]]:
    """One ``url_citation`` per ``[n]`` marker in the text (indices of the marker itself)."""
    by_n = {c.n: c for c in answer.citations}
    out = []
    for m in MARKER.finditer(answer.text):
        c = by_n.get(int(m.group(1)))
        if c is None:
            continue
        out.append({"type": "url_citation", "url_citation": {
            "start_index": m.start(), "end_index": m.end(),
            "url": article_url(base_url, c.source, c.start, c.end), "title": c.title}})
    return out


def _message_extras(answer: Answer, base_url: str) -> dict[str, Any]:
    return {"annotations": url_citations(answer, base_url),
            "citations": [c.to_dict() for c in answer.citations]}


def completion(answer: Answer, base_url: str) -> dict[str, Any]:
    """A ``chat.completion`` object for a finished answer."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
        "model": answer.mode,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": {
            "role": "assistant", "content": answer.text, "refusal": None,
            **_message_extras(answer, base_url)}}],
        "usage": None,
    }


def chunks(answer: Answer, base_url: str) -> Iterator[dict[str, Any]]:
    """``chat.completion.chunk`` objects: the role, the text in pieces, then annotations and citations.

    The answer is complete (verified, in LLM mode) before the first piece is sent: OpenAI's deltas
    only append, and a draft sentence the verifier drops could not be taken back.
    """
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": answer.mode}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    yield chunk({"role": "assistant", "content": ""})
    pieces = re.findall(r"\s*\S+\s*", answer.text)
    size = max(1, -(-len(pieces) // STREAM_PIECES))
    for i in range(0, len(pieces), size):
        yield chunk({"content": "".join(pieces[i:i + size])})
    yield chunk(_message_extras(answer, base_url), "stop")
