"""Client/server mode against a real ``chroma run`` server on 127.0.0.1."""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SEEDS
from rag import ConfigError, Engine, Settings, ingest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma server binary ships with the chromadb wheel"
    port = _free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_and_ask_through_the_server(chroma_url: str, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"RAG_CHROMA_URL": chroma_url}, index_dir=tmp_path / "local")
    report = ingest([SEEDS], settings, embedder=embedder, log=lambda _: None)
    assert report.added == 5
    again = ingest([SEEDS], settings, embedder=embedder, log=lambda _: None)
    assert again.unchanged == 5 and again.chunks_added == 0
    engine = Engine.open(settings, embedder=embedder)
    answer = engine.ask("Who is Kosovo's defence minister?")
    assert not answer.abstained and "Maqedonci" in answer.text
    for c in answer.citations:
        assert engine.article_text(c.source)[c.start:c.end] == c.quote
    assert not (tmp_path / "local" / "chroma.sqlite3").exists()  # the data lives in the server


def test_unreachable_server_names_the_fix(tmp_path: Path) -> None:
    settings = Settings.from_env({"RAG_CHROMA_URL": f"http://127.0.0.1:{_free_port()}"},
                                 index_dir=tmp_path)
    with pytest.raises(ConfigError, match="chroma run --path"):
        Engine.open(settings)
