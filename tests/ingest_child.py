"""An ingest run in its own process, for the crash and locking tests: ``rag.index.ingest`` as the CLI
runs it, with knobs the CLI does not expose, and optional fault injection.

    python tests/ingest_child.py INDEX PATH... [--checkpoint-s S] [--batch-chunks N]
                                 [--die-at HOOK:N] [--pause-at HOOK:N]

``--die-at HOOK:N`` sends SIGKILL to this process at the N-th call of HOOK:
``put_docs`` (a batch's chunks are in Chroma, its manifest records are not),
``vectors_delete`` (during removal: manifest records gone, chunks not yet),
``publish_copy`` (half-way through copying a new version's files).
``--pause-at HOOK:N`` prints ``paused`` there instead and waits for a line on stdin: a
real ingest, holding the writer lock with part of its work done, for as long as a test needs.
Prints ``ingesting`` once imports are done, ``written N`` after each batch is in the (private)
index, ``published`` after each checkpoint, then the report's summary.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def die_at(hook: str, n: int, *, pause: bool = False) -> None:
    """Install fault injection: SIGKILL ourselves (or pause) at the ``n``-th call of ``hook``."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.index import snapshots, store

    calls = {"n": 0}

    def count() -> None:
        calls["n"] += 1
        if calls["n"] == n and pause:
            print("paused", flush=True)
            sys.stdin.readline()
        elif calls["n"] >= n and not pause:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(owner: Any, name: str) -> None:
        real: Callable[..., Any] = getattr(owner, name)

        def patched(*args: Any, **kwargs: Any) -> Any:
            count()
            return real(*args, **kwargs)

        setattr(owner, name, patched)

    if hook == "put_docs":
        wrap(store.Store, "put_docs")
    elif hook == "vectors_delete":
        wrap(ChromaVectorStore, "delete")
    elif hook == "publish_copy":
        real_copytree = shutil.copytree

        def copytree(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(dst).parent.name.startswith("v-"):  # a version being published
                copied = {"files": 0}

                def copy(s: str, d: str) -> Any:
                    copied["files"] += 1
                    if copied["files"] > 2:
                        count()
                    return shutil.copy2(s, d)

                kwargs["copy_function"] = copy
            return real_copytree(src, dst, *args, **kwargs)

        snapshots.shutil.copytree = copytree  # type: ignore[attr-defined]
    else:
        raise SystemExit(f"unknown hook {hook!r}")


def report_progress() -> None:
    """Print ``written N`` after each batch's manifest records, ``published`` after each version."""
    from rag.index import snapshots, store

    written = {"n": 0}
    real_put, real_publish = store.Store.put_docs, snapshots.Workspace.publish

    def put_docs(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = real_put(self, *args, **kwargs)
        written["n"] += 1
        print(f"written {written['n']}", flush=True)
        return out

    def publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = real_publish(self, *args, **kwargs)
        print("published", flush=True)
        return out

    store.Store.put_docs = put_docs  # type: ignore[method-assign]
    snapshots.Workspace.publish = publish  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("index", type=Path)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--checkpoint-s", type=float, default=None)
    parser.add_argument("--batch-chunks", type=int, default=None)
    parser.add_argument("--die-at", default=None)
    parser.add_argument("--pause-at", default=None)
    args = parser.parse_args()

    from rag import RagError, Settings

    ingest_module = importlib.import_module("rag.index.ingest")  # ``rag.index.ingest`` is also the function

    settings = Settings.from_env({}, index_dir=args.index)
    if args.batch_chunks:
        ingest_module.BATCH_CHUNKS = args.batch_chunks
    if args.die_at:
        hook, _, n = args.die_at.partition(":")
        die_at(hook, int(n or 1))
    if args.pause_at:
        hook, _, n = args.pause_at.partition(":")
        die_at(hook, int(n or 1), pause=True)
    report_progress()
    kwargs = {} if args.checkpoint_s is None else {"checkpoint_s": args.checkpoint_s}
    print("ingesting", flush=True)
    try:
        report = ingest_module.ingest(args.paths, settings, log=lambda _: None, **kwargs)  # type: ignore[arg-type]
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
