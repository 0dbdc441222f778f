"""Engines and transactions: SQLite (WAL) by default, PostgreSQL via ISOFLOW_DATABASE_URL.

:meth:`Database.write` is the one way to change the store: one transaction per use case,
committed on success and rolled back on any error. On SQLite a write transaction starts with
``BEGIN IMMEDIATE`` (it takes the database's write lock up front, so two writers never
interleave a read-check-write); on PostgreSQL rows are locked with ``SELECT ... FOR UPDATE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_WRITE = "isoflow_write"


class Database:
    """One database: its engine and its read and write transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = self.url.database
            if not database or database == ":memory:":
                raise ValueError("isoflow needs an SQLite file, not an in-memory database")
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
            kwargs["pool_size"] = 20
            kwargs["max_overflow"] = 60
            kwargs["pool_timeout"] = 120
        elif self.dialect == "postgresql":
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 60
            kwargs["pool_timeout"] = 120
            # recycle instead of pre-ping: a ping is one more round trip on every request
            kwargs["pool_recycle"] = 1800
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        #: In-process memo of the services for this database (e.g. ledgers, which are
        #: append-only and so cacheable exactly); never a source of truth.
        self.memo: dict[str, object] = {}
        # SQLite has one writer at a time: queue this process's writers on a mutex instead
        # of letting them poll the database lock (busy_timeout backs off up to 100 ms).
        self._write_mutex = Lock() if self.dialect == "sqlite" else None
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(**{_WRITE: True}),
                                    expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reading (a consistent snapshot; never commits changes)."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The transaction of one use case: commits if the block succeeds, else rolls back."""
        if self._write_mutex is None:
            with self._writer() as session, session.begin():
                yield session
            return
        with self._write_mutex, self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so BEGIN is ours (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed transaction survives a power cut, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_databases: dict[str, Database] = {}
_databases_lock = Lock()


def database_for(url: str) -> Database:
    """The process-wide :class:`Database` for ``url`` (engines are pooled, so share them)."""
    with _databases_lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = Database(url)
        return db


def default_database() -> Database:
    """The database named by the settings (``ISOFLOW_DATABASE_URL``)."""
    from isoflow.config import get_settings

    return database_for(get_settings().database_url)
