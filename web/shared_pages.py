"""Page bodies kept once for every worker of a server (issue 18 point 6).

A ranking page's body is rendered once and then kept. Kept in a worker's memory, each of
the server's workers ranked and rendered the same page again: with 2,352 offers on the
6,000-household programme, « Ménages correspondants » spent most of its CPU on pages
another worker had already made (a first view costs about three times a kept one).

Here the bodies are kept in one SQLite file that every worker of the server reads and
writes, made by gunicorn's arbiter before it starts the workers
(``web/gunicorn_conf.on_starting`` puts its folder in ``RELOGEMENT_SHARED_PAGES``). Without
that setting (one process: tests, ``flask run``) they are kept in the process's memory.

A body is stored under a digest of its key: the caller's key holds everything the body
shows (the read position, the ranking's inputs, who may see and act), made of tuples,
strings, numbers, booleans, dates, decimals and UUIDs only, whose ``repr`` is the same in
every process, and under the version of the code that renders it (:func:`code_version`):
after a deploy, gunicorn's new workers (a reload keeps the folder) never serve a body the
old code rendered. Older bodies are dropped beyond ``size``. The store is a cache: a failing
read or write (disk full, file removed) is logged once and the page is rendered as if the
body were not kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

from relogement.web.cache import Cache

log = logging.getLogger(__name__)

FILE_NAME = "pages.sqlite"
# ≈ 30 kB a body: ≈ 250 MB at most, in the operating system's page cache and /tmp.
SIZE = 8192
# How many bodies a process writes between two evictions of the oldest ones.
EVICT_EVERY = 64


def digest(key: Hashable, version: bytes = b"") -> bytes:
    """The key as the same 16 bytes in every process running the same ``version``."""
    return hashlib.blake2b(version + repr(key).encode(), digest_size=16).digest()


def code_version(packages: Iterable[Path] | None = None) -> bytes:
    """What the rendering code is: each source and template file's path, size and
    modification time under ``packages`` (default: the folders of events, platform,
    projections and web), digested. Read once per process (a few hundred ``stat`` calls)."""
    if packages is None:
        from relogement import events, platform, projections, web

        packages = [Path(next(iter(p.__path__))) for p in (events, platform, projections, web)]
    h = hashlib.blake2b(digest_size=16)
    for folder in packages:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html") and path.is_file():
                st = path.stat()
                h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.digest()


class SharedPages:
    """Bodies by key, kept for every process using ``folder`` (None: this process only)."""

    def __init__(self, folder: str | os.PathLike | None, size: int = SIZE, version: bytes = b"") -> None:
        self.size = size
        self.version = version
        self.path = Path(folder) / FILE_NAME if folder else None
        self._memory = Cache(size)  # without a folder: this process's own LRU
        self._lock = threading.Lock()
        self._local = threading.local()
        self._written = 0
        self._failed = False

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The body kept under ``key``, else ``render()``'s, kept for the next readers."""
        k = digest(key, self.version)
        if self.path is None:
            return self._memory.get((k,), render)
        body = self._get(k)
        if body is None:
            body = render()
            self._put(k, body)
        return body

    def __len__(self) -> int:
        if self.path is None:
            return len(self._memory)
        try:
            return int(self._connection().execute("SELECT count(*) FROM pages").fetchone()[0])
        except sqlite3.Error as error:
            self._failure(error)
            return 0

    def _get(self, k: bytes) -> bytes | None:
        try:
            row = self._connection().execute("SELECT body FROM pages WHERE key = ?", (k,)).fetchone()
        except sqlite3.Error as error:
            self._failure(error)
            return None
        return None if row is None else bytes(row[0])

    def _put(self, k: bytes, body: bytes) -> None:
        try:
            conn = self._connection()
            conn.execute("INSERT OR IGNORE INTO pages (key, body) VALUES (?, ?)", (k, body))
            with self._lock:
                self._written += 1
                evict = self._written % EVICT_EVERY == 0
            if evict:
                # The oldest written first: a new read position makes every older body useless.
                conn.execute("DELETE FROM pages WHERE n <= (SELECT max(n) FROM pages) - ?", (self.size,))
        except sqlite3.Error as error:
            self._failure(error)

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process (a worker's threads; never one made before a fork).
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            try:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                raise sqlite3.OperationalError(f"{self.path.parent}: {error}") from error
            conn = sqlite3.connect(self.path, timeout=2.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # a cache: nothing to keep across a crash
            conn.execute("CREATE TABLE IF NOT EXISTS pages "
                         "(n INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, body BLOB NOT NULL)")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _failure(self, error: sqlite3.Error) -> None:
        if not self._failed:
            self._failed = True
            log.warning("pages gardées communes indisponibles (%s) : chaque page est calculée", error)
        self._local.conn = None
