"""The packaged MiniLM embedder: plain vectors, and span vectors pooled from the same pass."""

import numpy as np

from rag.index.store import pack_vectors, unpack_vectors
from rag.text import sentence_spans

TEXT = ("Serbia and Hungary signed a defence cooperation plan in Belgrade. "
        "The plan includes 79 joint activities. Croatia, Albania and Kosovo answered with a pact.")


def test_embed_spans_gives_the_plain_vector_and_one_unit_vector_per_span(embedder) -> None:  # type: ignore[no-untyped-def]
    spans = sentence_spans(TEXT)
    assert len(spans) == 3
    vectors, parts = embedder.embed_spans([TEXT, "short"], [spans, []])
    assert np.allclose(vectors, embedder.embed([TEXT, "short"]), atol=1e-5)
    assert parts[0].shape == (3, embedder.dim) and parts[1].shape == (0, embedder.dim)
    assert np.allclose(np.linalg.norm(parts[0], axis=1), 1.0, atol=1e-5)
    # a question about one sentence is closest to that sentence's span vector
    questions = embedder.embed(["How many joint activities are planned?", "Who answered with a pact?"])
    assert np.argmax(parts[0] @ questions.T, axis=0).tolist() == [1, 2]


def test_a_span_the_model_did_not_read_gets_a_zero_vector(embedder) -> None:  # type: ignore[no-untyped-def]
    long = "word " * 400 + "The last sentence is past the window."
    start = long.index("The last")
    _, parts = embedder.embed_spans([long], [[(0, 4), (start, len(long))]])
    assert parts[0][0].any() and not parts[0][1].any()


def test_packed_vectors_round_trip_within_a_small_error(embedder) -> None:  # type: ignore[no-untyped-def]
    vectors = embedder.embed([TEXT, "another text", "Vučić met Orbán."])
    vectors = np.vstack([vectors, np.zeros((1, embedder.dim), dtype=np.float32)])
    back = unpack_vectors(pack_vectors(vectors), embedder.dim)
    assert back.shape == vectors.shape and not back[3].any()
    assert (np.sum(back[:3] * vectors[:3], axis=1) > 0.999).all()
    assert unpack_vectors(pack_vectors(vectors[:0]), embedder.dim).shape == (0, embedder.dim)


def test_remembered_vectors_are_the_model_s_and_the_oldest_go_first(embedder) -> None:  # type: ignore[no-untyped-def]
    from rag.embed import Remembered

    kept = Remembered(embedder, size=2)
    first = kept.embed(["Serbia signed the plan.", "Hungary signed it too."])
    again = kept.embed(["Hungary signed it too.", "Serbia signed the plan.", "Serbia signed the plan."])
    assert (kept.hits, kept.misses) == (3, 2)
    assert np.allclose(again[[1, 0]], first, atol=1e-5) and np.allclose(again[2], first[0], atol=1e-5)
    assert np.allclose(first, embedder.embed(["Serbia signed the plan.", "Hungary signed it too."]), atol=1e-5)
    kept.embed(["Kosovo joined."])  # the least recently used ("Hungary ...") goes
    kept.embed(["Hungary signed it too."])
    assert kept.misses == 4
