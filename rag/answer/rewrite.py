"""Follow-up questions ("When was it signed?") rewritten with the conversation before retrieval.

With an LLM configured, the model rewrites the question; its rewrite is used only if it is a
question that keeps every content word of the follow-up and brings in something from the
conversation. Otherwise (offline, or a failed or unusable rewrite) a deterministic rewrite
carries the previous question's names, numbers and key words into the follow-up:

>>> rewrite_offline("When was it signed?", "What did Albania, Croatia and Kosovo sign in Tirana?")
'When was it signed (Albania Croatia Kosovo Tirana)?'
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from ..records import Answer
from ..text import STOPWORDS, fold, terms, words
from .llm import ChatModel, LLMUnavailable

Turn = tuple[str, Answer]

CARRY = 6  # words carried over from the previous question, at most
_PRONOUNS = frozenset(["it", "its", "itself", "they", "them", "their", "theirs", "he", "him", "his", "she",
                       "her", "hers", "this", "that", "these", "those", "there", "then", "such", "same"])
_CONTINUATION = re.compile(r"^\W*(and|but|also|so|then|what about|how about|what else|who else|why not)\b",
                           re.IGNORECASE)
_QUESTION_WORDS = frozenset(["how", "many", "much", "when", "who", "whom", "whose", "where", "why", "what",
                             "which", "did", "does", "do", "was", "were", "is", "are", "has", "have", "had",
                             "can", "could", "will", "would", "should"])
_TOKEN = re.compile(r"[^\W_][\w’'\-]*")

REWRITE_PROMPT = """Rewrite the user's last question so that it can be understood without the \
conversation: replace pronouns such as "it", "they" or "he" with what they refer to. Reply with the \
rewritten question only, on one line, ending with a question mark. Do not answer it."""


def is_follow_up(question: str) -> bool:
    """Does the question lean on the conversation (pronouns, "what about ...", very short)?

    >>> is_follow_up("When was it signed?"), is_follow_up("When did Serbia and Hungary sign the plan?")
    (True, False)
    """
    if _CONTINUATION.match(question):
        return True
    w = words(question)
    content = [t for t in terms(question) if t not in _QUESTION_WORDS]
    names = [m.group() for i, m in enumerate(_TOKEN.finditer(question))
             if i > 0 and m.group()[0].isupper() and fold(m.group()) not in STOPWORDS]
    has_pronoun = any(x in _PRONOUNS for x in w)
    return (has_pronoun and (not names or len(content) <= 3)) or (not names and len(content) <= 1)


def carried_words(previous: str, follow_up: str, limit: int = CARRY) -> list[str]:
    """Names, numbers, then other key words of ``previous`` that ``follow_up`` lacks, in order."""
    have = set(terms(follow_up))
    tokens = []
    for i, m in enumerate(_TOKEN.finditer(previous)):
        word, low = m.group(), fold(m.group())
        if low in STOPWORDS or low in _QUESTION_WORDS or len(low) < 2:
            continue
        stems = terms(word)
        if stems and set(stems) <= have:
            continue
        key = word[0].isupper() or word[0].isdigit()
        tokens.append((0 if key else 1, i, word))
    chosen = sorted(sorted(set(tokens))[:limit], key=lambda t: t[1])
    return list(dict.fromkeys(w for _, _, w in chosen))


def rewrite_offline(question: str, previous: str) -> str:
    """``question`` with the key words of ``previous`` carried over in parentheses."""
    carried = carried_words(previous, question)
    if not carried:
        return question
    return f"{question.rstrip(' ?.!')} ({' '.join(carried)})?"


def rewrite(question: str, history: Sequence[Turn], *, chat: ChatModel | None = None,
            deadline: float | None = None) -> str | None:
    """A standalone version of a follow-up ``question``, or ``None`` when it needs none."""
    if not history or not is_follow_up(question):
        return None
    previous = _effective(history[-1])
    if chat is not None:
        now = time.monotonic()
        budget = (deadline - now) / 3 if deadline is not None else 10.0
        try:
            better = _llm_rewrite(question, history, previous, chat, now + max(1.0, budget))
        except LLMUnavailable:
            better = None
        if better:
            return better
    offline = rewrite_offline(question, previous)
    return offline if offline != question else None


def _effective(turn: Turn) -> str:
    question, answer = turn
    return answer.rewritten_question or question


def _llm_rewrite(question: str, history: Sequence[Turn], previous: str, chat: ChatModel,
                 deadline: float) -> str | None:
    lines = []
    for turn in history[-3:]:
        lines.append(f"User: {_effective(turn)}")
        answer = turn[1]
        if not answer.abstained:
            lines.append("Assistant: " + re.sub(r"\s*\[\d+\]", "", answer.text)[:400])
    lines.append(f"User (last question): {question}")
    messages = [{"role": "system", "content": REWRITE_PROMPT},
                {"role": "user", "content": "\n".join(lines) + "\n\nRewritten last question:"}]
    out = "".join(chat.stream(messages, max_tokens=60, deadline=deadline)).strip()
    line = out.splitlines()[0].strip().strip('"“”') if out else ""
    return line if _usable(line, question, previous) else None


def _usable(candidate: str, question: str, previous: str) -> bool:
    """A question, not an answer; keeps the follow-up's words; adds context from the conversation."""
    if not (8 <= len(candidate) <= 300) or not candidate.endswith("?") or "[" in candidate:
        return False
    got = set(terms(candidate))
    needed = {t for t in terms(question) if t not in _QUESTION_WORDS}
    context = set(terms(" ".join(carried_words(previous, question))))
    return needed <= got and bool(context & got)
