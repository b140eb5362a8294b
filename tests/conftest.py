"""Shared fixtures: a network guard, the real embedder, and a real index of the seeds.

Any connection to a non-loopback address fails the test that made it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc"
# Where tests write figures and screenshots: $TEST_OUTPUT_DIR (`make test-long` sets out/), else a
# temporary folder; never the repository.
OUT = Path(os.environ.get("TEST_OUTPUT_DIR") or tempfile.mkdtemp(prefix="rag-test-out-"))
RELIABILITY = OUT / "reliability"

for _key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_key, None)
for _key in list(os.environ):
    if _key.startswith("RAG_"):
        os.environ.pop(_key)
os.environ.update({"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                   "ANONYMIZED_TELEMETRY": "False"})


class NetworkCallError(RuntimeError):
    """A test tried to reach something other than this machine."""


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name that is not localhost: would need DNS


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise NetworkCallError(f"unexpected network call to {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        raise NetworkCallError(f"unexpected network call to {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    if host not in (None, "localhost") and not _is_local((host, 0)):
        raise NetworkCallError(f"unexpected DNS lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from rag.embed import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator:  # type: ignore[no-untyped-def]
    """Settings of a real on-disk Chroma index of the five seed articles (built once)."""
    from rag import Settings, ingest

    settings = Settings.from_env({}, index_dir=tmp_path_factory.mktemp("seed-index"))
    ingest([SEEDS], settings, embedder=embedder, log=lambda _: None)
    yield settings


@pytest.fixture(scope="session")
def engine(seed_settings, embedder):  # type: ignore[no-untyped-def]
    from rag import Engine

    return Engine.open(seed_settings, embedder=embedder)
