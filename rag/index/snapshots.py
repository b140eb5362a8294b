"""Crash-safe index folders: the writer works on a private copy and publishes it atomically.

Chroma's embedded store cannot be trusted to survive a kill: a process killed while Chroma
flushes an HNSW segment can leave files that crash the next process opening them
(chroma-core/chroma#7238), and readers write to the folder they open too (each open adds a
row to ``chroma.sqlite3`` and rewrites the segments' ``length.bin``). So the writer and the
readers never share a folder, and a version is published by one atomic rename::

    INDEX/write.lock              the writer lock (store.write_lock)
    INDEX/current -> v-000012     the commit point: a symlink, replaced with os.replace
    INDEX/v-000012/live/          what readers open (Chroma may write to it)
    INDEX/v-000012/base/          the same state, never opened: where the next writer starts
    INDEX/v-000012/readers.lock   readers hold a shared flock on it while they use live/
    INDEX/work/                   the writer's private copy; a killed writer's is discarded

Killed at any moment, a writer leaves ``current`` pointing at a complete, closed index,
and the next run starts again from there. Older versions are deleted once no reader holds
them. An index built before this layout (``INDEX/chroma.sqlite3``) is still read, and is
moved into it by the next ingest. A Chroma server (``RAG_CHROMA_URL``) keeps its own files:
there the manifest-last protocol of ``store.py`` is what protects readers.

>>> live_dir(Settings.from_env({}, index_dir="/nonexistent")) is None
True
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..settings import Settings

CURRENT, WORK, LIVE, BASE, READERS = "current", "work", "live", "base", "readers.lock"
_VERSION = re.compile(r"^v-(\d{6,})$")
_SEGMENT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def live_dir(settings: Settings) -> Path | None:
    """The folder readers open now: ``current/live``, an old-layout index, or None."""
    index = settings.index_dir
    live = (index / CURRENT).resolve() / LIVE
    if (live / "chroma.sqlite3").is_file():
        return live
    if not (index / CURRENT).exists() and (index / "chroma.sqlite3").is_file():
        return index.resolve()  # built before versions existed
    return None


class Lease:
    """A reader's shared lock on one published version, so no writer deletes it in use.

    The lock lives as long as the file object: released by :meth:`release`, or when the
    reader is garbage-collected or exits.
    """

    def __init__(self, file: IO[bytes] | None) -> None:
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None


def lease(settings: Settings) -> tuple[Path, Lease] | None:
    """The live folder to open and a lease on it; None when there is no index.

    A writer may delete an old version between our look at ``current`` and our lock, so
    the folder is checked again once the lock is held.
    """
    for _ in range(20):
        live = live_dir(settings)
        if live is None:
            return None
        if live.name != LIVE:  # old layout: nothing to lock, no writer deletes it in use
            return live, Lease(None)
        try:
            file = open(live.parent / READERS, "ab")  # noqa: SIM115 - the Lease closes it
        except OSError:  # the version vanished under us: look again
            time.sleep(0.05)
            continue
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # a writer is deleting this version right now
            file.close()
            time.sleep(0.05)
            continue
        if (live / "chroma.sqlite3").is_file():
            return live, Lease(file)
        file.close()
    return None


class Workspace:
    """The writer's private copy of the index. Use it while holding ``store.write_lock``.

    >>> ws = Workspace(settings)   # doctest: +SKIP
    >>> client = chromadb.PersistentClient(ws.open())  # INDEX/work: a copy of the published version
    >>> ws.publish(client.close, keep_working=False)  # INDEX/current now shows what was written
    """

    def __init__(self, settings: Settings) -> None:
        self.index = settings.index_dir
        self.work = self.index / WORK
        self.migrated = False  # True when the start was an old-layout index

    def open(self) -> Path:
        """Discard what a killed writer left, then copy the published version to ``work/``."""
        self.index.mkdir(parents=True, exist_ok=True)
        _adopt_copied_current(self.index)
        shutil.rmtree(self.work, ignore_errors=True)
        collect(self.index)
        current = self.index / CURRENT
        if (current.resolve() / BASE / "chroma.sqlite3").is_file():
            shutil.copytree(current.resolve() / BASE, self.work)
        elif not current.exists() and (self.index / "chroma.sqlite3").is_file():
            _copy_old_layout(self.index, self.work)
            self.migrated = True
        else:
            self.work.mkdir()
        return self.work

    def publish(self, close: Callable[[], None], *, keep_working: bool) -> None:
        """Close the writer's Chroma client (``close``) and publish ``work/`` as the new version.

        With ``keep_working`` the writer goes on in ``work/`` (reopen a client on it);
        without it, ``work/`` becomes the new live folder and is gone afterwards.
        """
        close()  # Chroma flushes and lets go of its files: work/ is now a closed index
        number = _next_number(self.index)
        version = self.index / f"v-{number:06d}"
        shutil.rmtree(version, ignore_errors=True)
        version.mkdir()
        shutil.copytree(self.work, version / BASE)
        if keep_working:
            shutil.copytree(self.work, version / LIVE)
        else:
            os.rename(self.work, version / LIVE)
        (version / READERS).touch()
        _fsync_tree(version)
        link = self.index / f".{CURRENT}.{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(version.name, link)
        os.replace(link, self.index / CURRENT)  # the commit: readers switch at their next look
        _fsync_dir(self.index)
        if self.migrated:
            _remove_old_layout(self.index)
            self.migrated = False
        collect(self.index)

    def discard(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def collect(index: Path) -> list[str]:
    """Delete versions that are not current and that no reader holds; the names deleted."""
    current = os.path.realpath(index / CURRENT)
    gone: list[str] = []
    for path in sorted(index.glob("v-*")):
        if not _VERSION.match(path.name) or os.path.realpath(path) == current:
            continue
        try:  # a half-built version (its writer was killed) was never current: nobody holds it
            fd = os.open(path / READERS, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # still in use: the next writer tries again
        else:
            shutil.rmtree(path, ignore_errors=True)
            gone.append(path.name)
        finally:
            os.close(fd)
    for stray in index.glob(f".{CURRENT}.*"):
        stray.unlink(missing_ok=True)
    return gone


def _next_number(index: Path) -> int:
    numbers = [int(m.group(1)) for p in index.iterdir() if (m := _VERSION.match(p.name))]
    return max(numbers, default=0) + 1


def _adopt_copied_current(index: Path) -> None:
    """``current`` copied as a real folder (``cp -r`` / ``copytree`` follow symlinks): give it a name."""
    current = index / CURRENT
    if current.is_dir() and not current.is_symlink():
        version = index / f"v-{_next_number(index):06d}"
        os.rename(current, version)
        os.symlink(version.name, current)


def _copy_old_layout(index: Path, work: Path) -> None:
    work.mkdir()
    shutil.copy2(index / "chroma.sqlite3", work / "chroma.sqlite3")
    for path in index.iterdir():
        if path.is_dir() and _SEGMENT.match(path.name):
            shutil.copytree(path, work / path.name)


def _remove_old_layout(index: Path) -> None:
    (index / "chroma.sqlite3").unlink(missing_ok=True)
    for path in index.iterdir():
        if path.is_dir() and _SEGMENT.match(path.name):
            shutil.rmtree(path, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    """Flush a new version to disk before the rename that publishes it (power cuts)."""
    for dirpath, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
