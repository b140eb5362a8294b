"""The engine: an opened index that answers questions. The public API is built on it.

>>> from rag import Engine, Settings
>>> engine = Engine.open(Settings.from_env())            # doctest: +SKIP
>>> answer = engine.ask("When was the Tirana pact signed?")  # doctest: +SKIP
>>> answer.citations[0].quote                            # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .answer.about import answer_about, asks_about_article
from .answer.compose import compose
from .answer.conflicts import DETECTOR, ArticleText, asks_about_agreement, find, with_disagreements
from .answer.extract import Extraction, Extractive, Pick, premise_conflict, share_out, with_difference
from .answer.generate import ExtractiveGenerator, make_generator, resolve_mode
from .answer.llm import ChatModel, make_chat_model
from .answer.question import Question, analyse, asks, asks_difference, clean, core_question, parts_of
from .answer.retrieve import Filter, HybridRetriever
from .answer.rewrite import rewrite
from .answer.timeline import (
    TIMELINE,
    WHOLE_TIMELINE_ARTICLES,
    Dated,
    asks_about_period,
    events_in,
    iso_date,
    names,
    period_answer,
    timeline,
)
from .answer.verify import Verified, verify
from .embed import Embedder, MiniLMEmbedder, Remembered, make_embedder
from .errors import BadQuestion, IndexMissing
from .index.keywords import load_or_build
from .index.store import DocRecord, Store, no_index_message, open_store
from .records import Answer, ArticleInfo, Disagreement, Event, IngestReport, Passage, PassageRef
from .settings import Settings

CLAIM_PASSAGES = 2  # passages a yes/no question's claim, searched for on its own, may add (set on seeds dev)


class Engine:
    """Opened once, shared by the CLI, the UI and the evaluation (thread-safe for readers)."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self._store = store
        self._embedder = embedder
        self._lock = threading.RLock()
        self._generation = -1
        self._retired: Store | None = None  # the store before the last switch (see refresh)
        self._chat: ChatModel | None = None
        self._minilm: Embedder | None = None
        self._remembered = Remembered(embedder)  # the answerer's sentences, kept across questions
        # (manifest, its articles by source, what identifies each, their hash): see _articles
        self._fingerprint: tuple[dict[str, DocRecord], dict[str, DocRecord], dict[str, list[str]], str] | None = None
        self._load()

    @classmethod
    def open(cls, settings: Settings | None = None, *, embedder: Embedder | None = None) -> Engine:
        """Open the index described by ``settings`` (default: from the environment)."""
        settings = settings or Settings.from_env()
        embedder = embedder or make_embedder(settings)
        return cls(settings, open_store(settings, embedder.name, create=False), embedder)

    @classmethod
    def open_or_build(cls, settings: Settings, seeds: list[Path], *,
                      embedder: Embedder | None = None) -> Engine:
        """Open the index, first building it from ``seeds`` when there is none (or it is empty)."""
        from .index.ingest import ingest

        embedder = embedder or make_embedder(settings)
        try:
            return cls.open(settings, embedder=embedder)
        except IndexMissing:
            ingest(seeds, settings, embedder=embedder)
            return cls.open(settings, embedder=embedder)

    # -- loading ------------------------------------------------------------------------
    def _load(self) -> None:
        """(Re)build the in-memory views: manifest, BM25 index, IDF statistics."""
        generation = self._store.generation()
        manifest = self._store.manifest()
        if not manifest:
            raise IndexMissing(no_index_message(self.settings).replace("No index", "An empty index"))
        cache = None if self.settings.chroma_url else self.settings.index_dir / "cache"
        retriever = HybridRetriever(self._store, self._embedder, load_or_build(self._store, manifest, cache))
        df, n = retriever.doc_freq()
        self._manifest, self._retriever = manifest, retriever
        self._by_source = {r.source: d for d, r in sorted(manifest.items())}
        # The latest article's date: the year of a day a question names without one.
        self._latest = max((d for r in manifest.values() if (d := iso_date(r.date))), default=None)
        self._extractive = Extractive(df, n, self._remembered, retriever.sentence_vectors,
                                      lambda: retriever.initialisms, self.article_text)
        self._generation = generation

    def refresh(self) -> bool:
        """Pick up what another process ingested since we loaded; True if anything changed.

        Each ingest publishes a local index as a new folder (rag/snapshots.py): when it moved,
        a new Chroma client is opened there, rather than trusting the one we hold to see
        another process's writes. The store left behind stays open until the next switch,
        for questions still running on it.
        """
        with self._lock:
            if self._store.superseded():
                old = self._store
                self._store = open_store(self.settings, self._embedder.name, create=False)
                try:
                    self._load()
                except BaseException:
                    self._store.close()
                    self._store = old
                    raise
                if self._retired is not None:
                    self._retired.close()
                self._retired = old
                return True
            if self._store.path is not None:  # local: every change is a newly published folder,
                return False  # so no need to read the generation (~2 ms of each ~20 ms search)
            if self._store.generation() == self._generation:
                return False
            self._load()
            return True

    # -- questions ----------------------------------------------------------------------
    def search(self, question: str, *, k: int | None = None, filter: Filter | None = None) -> list[Passage]:
        """The passages retrieval ranks best for ``question`` (no answer composed)."""
        text = core_question(clean(question, self.settings.max_question_chars))  # no parse needed
        self.refresh()
        return self._retriever.search(text, k=k or self.settings.top_k, flt=filter,
                                      method=self.settings.retrieval)

    def ask(self, question: str, *, k: int | None = None, filter: Filter | None = None,
            mode: str | None = None, history: Sequence[tuple[str, Answer]] = ()) -> Answer:
        """Answer ``question`` from the articles, citing exact sentences, or abstain.

        ``mode``: "extractive", "llm" or "auto" (default: ``settings.mode``); ``history``:
        earlier (question, answer) turns, used to rewrite a follow-up question.
        """
        answer = None
        for event in self.stream(question, k=k, filter=filter, mode=mode, history=history):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None, "a generator must end with an Answer"
        return answer

    def stream(self, question: str, *, k: int | None = None, filter: Filter | None = None,
               mode: str | None = None, history: Sequence[tuple[str, Answer]] = ()) -> Iterator[str | Answer]:
        """Like :meth:`ask`, as events: ``str`` tokens of the draft as the LLM writes them, then the
        final ``Answer`` (verified citations). The extractive mode yields only the ``Answer``.

        >>> for event in engine.stream("Who signed the plan?", mode="llm"):  # doctest: +SKIP
        ...     print(event if isinstance(event, str) else event.citations, end="")
        """
        t0 = time.perf_counter()
        text = clean(question, self.settings.max_question_chars)
        use = resolve_mode(mode or self.settings.mode, self.settings)  # ConfigError before any work
        chat = self._chat_model() if use == "llm" else None
        self.refresh()
        # The LLM's time budget (settings.llm_timeout_s) covers the rewrite and the answer together.
        started = time.monotonic()
        rewritten = rewrite(text, history, chat=chat, deadline=started + self.settings.llm_timeout_s)
        spent = time.monotonic() - started
        q, parts, vector, part_vectors, passages = self._retrieve(rewritten or text, k, filter)

        def search(text: str, vector: np.ndarray) -> list[Passage]:  # a part the passages miss
            return self._retriever.search(text, k=k or self.settings.top_k, flt=filter,
                                          method=self.settings.retrieval, vector=vector)
        t1 = time.perf_counter()
        period = asks_about_period(q.core, self._latest)
        if period is not None:  # "what happened between 18 March and 1 April?": from the timeline
            read = self._events_for(passages)
            answer = period_answer(text, period, events_in(read, period, q.entities), passages,
                                   mode="extractive", everything=read)
            yield _with_timings(answer, t0, t1, time.perf_counter())
            return
        extractive = ExtractiveGenerator(lambda q_, passages_: self._extract(
            q_, passages_, vector, list(zip(parts, part_vectors)), search))
        generator = make_generator(use, self.settings, extractive=extractive, chat=self._chat_model,
                                   embedder=self._verifier_embedder,
                                   context=lambda: (self._retriever.initialisms, self.article_text))
        deadline = time.monotonic() + self.settings.llm_timeout_s - spent
        for event in generator.stream(q, passages, deadline=deadline):
            if isinstance(event, Answer):
                timed = _with_timings(event, t0, t1, time.perf_counter())
                event = replace(timed, timings_ms={**event.timings_ms, **timed.timings_ms})
                if rewritten:
                    event = replace(event, question=text, rewritten_question=rewritten)
                broad = asks_about_agreement(q)
                if not event.abstained or broad is not None:  # another article contradicts a cited
                    event = with_disagreements(event, self.disagreements(), broad)  # sentence: say so, cite it
            yield event

    def _retrieve(self, text: str, k: int | None, filter: Filter | None
                  ) -> tuple[Question, tuple[tuple[str, str], ...], np.ndarray, list[np.ndarray], list[Passage]]:
        """A question analysed, split into its parts, embedded (whole and parts), and its passages."""
        q = analyse(text)
        # An initialism the articles only spell out ("CSTO") is searched for as they write it.
        # A name spelled otherwise than the articles do ("Blackader") is searched for as they spell it.
        query = " ".join([q.core, *self._retriever.expansions(q.entities), *self._retriever.respellings(q.terms)])
        parts = parts_of(q.core)
        asks = [ask for ask, _ in parts] if len(parts) > 1 else []
        vector, *part_vectors = self._embedder.embed([query, *asks])  # one call for the whole and its parts
        passages = self._retriever.search(query, k=k or self.settings.top_k, flt=filter,
                                          method=self.settings.retrieval, vector=vector)
        if q.predicate:  # a yes/no question's claim is searched for on its own too ("break any rules":
            # the passage on violating a treaty), its best new passages added after the question's
            have = {p.chunk_id for p in passages}
            claim = self._retriever.search(q.predicate, k=k or self.settings.top_k, flt=filter,
                                           method=self.settings.retrieval,
                                           vector=self._remembered.embed([q.predicate])[0])
            passages += [p for p in claim if p.chunk_id not in have][:CLAIM_PASSAGES]
        return q, parts, vector, part_vectors, passages

    def extraction(self, question: str) -> tuple[Question, list[Passage], Extraction]:
        """The extractive answerer's choice for the whole question before its answer/refuse model
        decides, with the features that model weighs (``python -m rag.evaluation.fit`` reads them)."""
        q, _, vector, _, passages = self._retrieve(clean(question, self.settings.max_question_chars), None, None)
        return q, passages, self._extractive.extract(q, passages, vector, decide=False)

    def sentence_features(self, question: str) -> tuple[list[Passage], list[tuple[int, int, int, tuple[float, ...]]]]:
        """The retrieved passages and the ranking features of every sentence the extractive
        answerer weighs for ``question`` (``python -m rag.evaluation.fit --ranker`` reads them)."""
        q, _, vector, _, passages = self._retrieve(clean(question, self.settings.max_question_chars), None, None)
        return passages, self._extractive.sentence_features(q, passages, vector)

    def _extract(self, q: Question, passages: list[Passage], vector: np.ndarray,
                 parts: Sequence[tuple[tuple[str, str], np.ndarray]] = (),
                 search: Callable[[str, np.ndarray], list[Passage]] | None = None) -> Answer:
        """The extractive answer; questions about an article itself (its author, date, title)
        are answered from its header lines; each part of a compound question is answered and
        cited on its own (a part the passages do not answer is left out; none answered: refused).
        An article that does not state what is asked about it (no byline) is said so only when the
        articles do not answer otherwise ("who wrote about the 'iron curtain'?" may be in the text)."""
        asks = asks_about_article(q.core)
        about = answer_about(q, asks, passages, self._retriever.head) if asks else None
        if about is not None and not about[1].abstain_reason:
            return compose(q, about[0], about[1], mode="extractive")
        answer = self._extract_events(q, passages, vector, parts, search)
        if about is not None and answer.abstained:
            return compose(q, about[0], about[1], mode="extractive")
        return answer

    def _extract_events(self, q: Question, passages: list[Passage], vector: np.ndarray,
                        parts: Sequence[tuple[tuple[str, str], np.ndarray]] = (),
                        search: Callable[[str, np.ndarray], list[Passage]] | None = None) -> Answer:
        """The extractive answer from the articles' text (not their header lines)."""
        change = asks_difference(q)  # "by how many did ... grow?": the two counts and their difference
        whole = self._extractive.extract(q, passages, vector, alternatives=change is not None)
        if change is not None and not whole.abstain_reason:
            whole = with_difference(whole, change)
        wrong = premise_conflict(q, passages) if not whole.abstain_reason else None
        if wrong is not None:  # "Why did sales rise 0.3%?" where an article says they fell 0.3%
            pick, why = wrong
            whole = replace(whole, picks=(pick, *(x for x in whole.picks if (x.passage, x.start) != (pick.passage, pick.start))),
                            correction=why, short_answer=None, derived=None)
        if len(parts) > 1 and not whole.derived:
            got = []
            for (part, search_text), part_vector in parts:
                if whole.abstain_reason and not asks(part):  # a statement the question rests on ("X died
                    continue  # aged 64 - what illness ...?") does not answer it when the question part is not
                # the whole question's names are asked, not answers ("... and which other country?")
                pq = analyse(part)
                pq = replace(pq, entities=tuple(dict.fromkeys((*pq.entities, *q.entities))))
                extraction = self._extractive.extract(pq, passages, part_vector, part=not whole.abstain_reason,
                                                      alternatives=True)
                if not extraction.picks and search is not None:  # searched for on its own
                    # keywords from the part and the first part's topic; meaning from the part alone
                    have = {x.chunk_id for x in passages}
                    more = [p for p in search(search_text, part_vector) if p.chunk_id not in have]
                    if more:
                        passages = [*passages, *more]
                        extraction = self._extractive.extract(pq, passages, part_vector,
                                                              part=not whole.abstain_reason, alternatives=True)
                got.append(extraction)
            picks: list[Pick] = list(whole.picks)
            for pick in share_out([e.options or e.picks[:1] for e in got]):  # each part's own sentence
                if all(pick.quote != y.quote for y in picks):  # (one sentence in two passages, or two copies)
                    picks.append(pick)
            if picks:
                whole = replace(whole, picks=tuple(picks), abstain_reason=None, evidence=(),
                                short_answer=whole.short_answer or next((e.short_answer for e in got if e.short_answer),
                                                                        None))
        return compose(q, passages, whole, mode="extractive")

    def passages(self, refs: Sequence[PassageRef]) -> list[Passage]:
        """The named spans of indexed articles as passages (their text read from the index)."""
        out = []
        for ref in refs:
            text = self.article_text(ref.source)
            if not 0 <= ref.start < ref.end <= len(text):
                raise BadQuestion(f"Span {ref.start}-{ref.end} is outside {ref.source!r} "
                                  f"({len(text)} characters); give 0 <= start < end <= length.")
            info = next(r for r in self._manifest.values() if r.source == ref.source)
            out.append(Passage(ref.source, info.title, info.date or None, ref.start, ref.end,
                               text[ref.start:ref.end], 1.0))
        return out

    def verify(self, text: str, passages: Sequence[Passage]) -> Verified:
        """Keep the sentences of ``text`` that the passages they cite (``[n]``: the n-th) support."""
        if not text.strip():
            raise BadQuestion("Give the text to check.")
        if not passages:
            raise BadQuestion("No passages to check against: give passages, or a question that finds some.")
        return verify(text, passages, self._verifier_embedder(), aliases=self._retriever.initialisms,
                      article=self.article_text)

    def _chat_model(self) -> ChatModel:
        with self._lock:  # a local GGUF server is started once
            if self._chat is None:
                self._chat = make_chat_model(self.settings)
            return self._chat

    def _verifier_embedder(self) -> Embedder:
        """MiniLM, whose similarities the verifier's thresholds were calibrated on."""
        if isinstance(self._embedder, MiniLMEmbedder):
            return self._embedder
        with self._lock:
            if self._minilm is None:
                self._minilm = MiniLMEmbedder()
            return self._minilm

    def chat(self) -> ChatSession:
        """A conversation that keeps its history."""
        return ChatSession(self)

    # -- articles -----------------------------------------------------------------------
    def articles(self) -> list[ArticleInfo]:
        """Every indexed article, sorted by source."""
        self.refresh()
        return sorted((ArticleInfo(r.source, r.title, r.date or None, r.byline or None,
                                   r.n_chunks, d) for d, r in self._manifest.items()),
                      key=lambda a: a.source)

    def article_text(self, source: str) -> str:
        """The full text of an article as decoded at ingestion (what spans refer to)."""
        doc_id = self._by_source.get(source)
        text = self._store.doc_text(doc_id) if doc_id is not None else None
        if text is not None:
            return text
        for doc_id, record in self._manifest.items():  # (one file ingested from two folders)
            if record.source == source and (text := self._store.doc_text(doc_id)) is not None:
                return text
        raise IndexMissing(f"No article {source!r} in the index; list them with: python -m rag list")

    def _articles(self) -> tuple[dict[str, DocRecord], dict[str, list[str]], str]:
        """The indexed articles by source (one record each), what identifies each (content, title,
        date), and a hash of that: worked out once per loaded manifest, not per question (~10 ms
        at 2,230 articles)."""
        manifest = self._manifest
        if self._fingerprint is None or self._fingerprint[0] is not manifest:
            unique = {r.source: r for r in sorted(manifest.values(), key=lambda r: r.doc_id)}
            articles = {s: [r.sha256, r.title, r.date] for s, r in sorted(unique.items())}
            self._fingerprint = (manifest, unique, articles,
                                 hashlib.sha256(json.dumps(articles).encode()).hexdigest())
        _, unique, articles, fingerprint = self._fingerprint
        return unique, articles, fingerprint

    def disagreements(self) -> list[Disagreement]:
        """Every disagreement between the indexed articles (``rag/answer/conflicts.py``), kept in
        ``INDEX/cache/conflicts.json`` with the articles they were found in (and in memory): when
        articles were added, changed or removed since, only the pairs with a new one are compared."""
        self.refresh()
        unique, articles, fingerprint = self._articles()
        key = hashlib.sha256(f"{DETECTOR}\0{fingerprint}".encode()).hexdigest()[:24]
        with _FOUND_LOCK:
            if key in _FOUND:
                return list(_FOUND[key])
            path = None if self.settings.chroma_url else self.settings.index_dir / "cache" / "conflicts.json"
            before: dict[str, list[str]] = {}
            found: list[Disagreement] = []
            if path is not None and path.is_file():
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # damaged: found anew
                    kept = json.loads(path.read_text("utf-8"))
                    if kept["detector"] == DETECTOR:
                        before = kept["articles"]
                        found = [Disagreement.from_dict(d) for d in kept["found"]]
            changed = {s for s, v in articles.items() if before.get(s) != v}
            gone = changed | (before.keys() - articles.keys())
            if changed or gone:
                found = [d for d in found if not any(c.source in gone for c in d.sides)]
                if changed:
                    found += find([ArticleText(s, r.title, r.date or None, self.article_text(s))
                                   for s, r in unique.items()], changed=changed if before else None)
                found.sort(key=lambda d: (d.subject.lower(), d.kind, d.sides[0].source, d.sides[0].start))
                if path is not None:
                    with contextlib.suppress(OSError):  # a read-only index: found again next time
                        path.parent.mkdir(parents=True, exist_ok=True)
                        tmp = path.with_name(f".conflicts-{os.getpid()}-{threading.get_ident()}.tmp")
                        tmp.write_text(json.dumps({"detector": DETECTOR, "articles": articles,
                                                   "found": [d.to_dict() for d in found]}, ensure_ascii=False), "utf-8")
                        tmp.replace(path)
            _FOUND[key] = tuple(found)
            return list(found)

    def _events_for(self, passages: Sequence[Passage]) -> list[Event]:
        """The timeline a period question reads: the whole corpus's, or in a large corpus
        (``WHOLE_TIMELINE_ARTICLES``) that of the articles of the question's passages."""
        if len(self._by_source) <= WHOLE_TIMELINE_ARTICLES:
            return self.timeline()
        found = {p.source: p for p in passages}
        return timeline([Dated(s, p.title, p.date, self.article_text(s)) for s, p in found.items()])

    def timeline(self, *, entity: str | None = None) -> list[Event]:
        """Dated events across the indexed articles, in order (``rag/answer/timeline.py``); ``entity``:
        only those whose sentence (or, for an article's date line, its title) names it. Found once per
        set of articles and kept in ``INDEX/cache/timeline-<key>.json`` (and in memory)."""
        self.refresh()
        unique, _, fingerprint = self._articles()
        key = "timeline-" + hashlib.sha256(f"{TIMELINE}\0{fingerprint}".encode()).hexdigest()[:24]
        with _FOUND_LOCK:
            events = _EVENTS.get(key)
            path = None if self.settings.chroma_url else self.settings.index_dir / "cache" / f"{key}.json"
            if events is None and path is not None and path.is_file():
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # damaged: found anew
                    events = tuple(Event.from_dict(d) for d in json.loads(path.read_text("utf-8")))
            if events is None:
                events = tuple(timeline([Dated(s, r.title, r.date or None, self.article_text(s))
                                         for s, r in unique.items()]))
                if path is not None:
                    with contextlib.suppress(OSError):  # a read-only index: found again next time
                        path.parent.mkdir(parents=True, exist_ok=True)
                        for old in path.parent.glob("timeline-*.json"):
                            old.unlink(missing_ok=True)
                        tmp = path.with_name(f".{key}-{os.getpid()}-{threading.get_ident()}.tmp")
                        tmp.write_text(json.dumps([e.to_dict() for e in events], ensure_ascii=False), "utf-8")
                        tmp.replace(path)
            _EVENTS[key] = events
        if not entity:
            return list(events)
        return [e for e in events if names(entity, e.citation.title if e.when == "published" else e.citation.quote)]

    def ingest(self, paths: list[Path], **kwargs: object) -> IngestReport:
        """Ingest more files with this engine's embedder, then reload."""
        from .index.ingest import ingest

        report = ingest(paths, self.settings, embedder=self._embedder, **kwargs)  # type: ignore[arg-type]
        self.refresh()
        return report

    @property
    def manifest(self) -> dict[str, DocRecord]:
        return dict(self._manifest)


# Disagreements found per set of articles (key: sources, contents, titles, dates), for every engine of
# this process: the tests and the evaluation open many indexes of the same articles.
_FOUND: dict[str, tuple[Disagreement, ...]] = {}
_EVENTS: dict[str, tuple[Event, ...]] = {}
_FOUND_LOCK = threading.Lock()


def _with_timings(answer: Answer, t0: float, t1: float, t2: float) -> Answer:
    from dataclasses import replace

    return replace(answer, timings_ms={"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000,
                                       "total": (t2 - t0) * 1000})


@dataclass
class ChatSession:
    """A conversation: keeps (question, answer) turns; ``ask`` adds one."""

    engine: Engine
    history: list[tuple[str, Answer]] = field(default_factory=list)

    def ask(self, question: str, **kwargs: object) -> Answer:
        """Answer a question in the context of the earlier turns (follow-ups are rewritten)."""
        answer = self.engine.ask(question, history=tuple(self.history), **kwargs)  # type: ignore[arg-type]
        self.history.append((question, answer))
        return answer

    def stream(self, question: str, **kwargs: object) -> Iterator[str | Answer]:
        """:meth:`Engine.stream` in the context of the earlier turns; the final answer joins them."""
        for event in self.engine.stream(question, history=tuple(self.history), **kwargs):  # type: ignore[arg-type]
            if isinstance(event, Answer):
                self.history.append((question, event))
            yield event

    def __iter__(self) -> Iterator[tuple[str, Answer]]:
        return iter(self.history)

    def clear(self) -> None:
        self.history.clear()
