"""Settings: defaults, environment, overrides, and clear errors."""

from pathlib import Path

import pytest

from rag import ConfigError, Settings


def test_defaults_env_then_overrides() -> None:
    s = Settings.from_env({"RAG_INDEX_DIR": "/tmp/a", "RAG_TOP_K": "3", "OPENAI_BASE_URL": "http://127.0.0.1:1"},
                          top_k=4, mode=None)
    assert s.index_dir == Path("/tmp/a") and s.top_k == 4 and s.mode == "auto"
    assert s.openai_base_url == "http://127.0.0.1:1" and s.llm_configured
    assert not Settings.from_env({}).llm_configured


@pytest.mark.parametrize("env,message", [
    ({"RAG_TOP_K": "0"}, "RAG_TOP_K must be between"),
    ({"RAG_MODE": "magic"}, "use auto, extractive or llm"),
    ({"RAG_RETRIEVAL": "fuzzy"}, "use hybrid, dense or bm25"),
    ({"RAG_CHUNK_OVERLAP": "500"}, "RAG_CHUNK_OVERLAP"),
    ({"RAG_CHUNK_TOKENS": "big"}, "RAG_CHUNK_TOKENS expects an integer"),
])
def test_invalid_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_frozen_and_replace() -> None:
    s = Settings.from_env({})
    with pytest.raises(AttributeError):
        s.top_k = 9  # type: ignore[misc]
    assert s.replace(top_k=9).top_k == 9 and s.top_k != 9
