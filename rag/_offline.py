"""Make the libraries we use work with no network, before any of them is imported.

tiktoken downloads its BPE files on first use unless TIKTOKEN_CACHE_DIR points at a
folder holding them; llama-index-core ships cl100k_base and o200k_base but sets the
variable only inside its own helper, so we set it for the whole process here.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def _llama_static(sub: str) -> str | None:
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "_static" / sub
    return str(path) if path.is_dir() else None


def prepare() -> None:
    """Point tiktoken and nltk at packaged data and turn off telemetry (idempotent)."""
    tiktoken_dir = _llama_static("tiktoken_cache")
    if tiktoken_dir:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", tiktoken_dir)
    nltk_dir = _llama_static("nltk_cache")
    if nltk_dir:
        os.environ.setdefault("NLTK_DATA", nltk_dir)
    for key, value in {
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)
