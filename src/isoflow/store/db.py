"""Engines and transactions: SQLite (WAL) by default, PostgreSQL via ISOFLOW_DATABASE_URL.

:meth:`Database.write` is the one way to change the store: one transaction per use case,
committed on success and rolled back on any error. On SQLite a write transaction starts with
``BEGIN IMMEDIATE`` (it takes the database's write lock up front, so two writers never
interleave a read-check-write); on PostgreSQL rows are locked with ``SELECT ... FOR UPDATE``.

:meth:`Database.write_rows` and :meth:`Database.read_rows` are the same transactions on a Core
connection, for the hot paths of the services that need no ORM objects (an ORM session and its
identity map cost more CPU than the few statements of a ledger read or append).
:meth:`Database.fetch` runs one read-only SELECT on the driver itself, for the hottest reads
(the bearer token on every request, a container and its ledger).
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from threading import Lock
from types import TracebackType
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one server process, the thread lock alone
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

AnySelect = Select[*tuple[Any, ...]]
_WRITE = "isoflow_write"
_STATEMENTS = "isoflow_statements"
_CURSOR = "isoflow_fetch_cursor"


class _SQLiteWriterQueue(AbstractContextManager["_SQLiteWriterQueue"]):
    """SQLite has one writer at a time. Writers wait their turn here, in the kernel, instead
    of polling the database lock (SQLite's busy handler sleeps 1, 2, 5 ... up to 100 ms
    between tries): a thread lock for the writers of this process, and an exclusive
    ``flock`` on ``<database>-writer.lock`` for those of other processes (server workers,
    the command line). Processes that do not take it (sqlite3 shell) are still serialised
    by SQLite itself."""

    def __init__(self, database: str) -> None:
        self._thread_lock = Lock()
        self._path = f"{database}-writer.lock"
        self._fd: int | None = None
        self._pid = 0

    def __enter__(self) -> _SQLiteWriterQueue:
        self._thread_lock.acquire()
        try:
            if fcntl is not None:
                if self._fd is None or self._pid != os.getpid():  # not an fd shared by fork
                    self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT,
                                                  0o644), os.getpid()
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if fcntl is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


class _Plan:
    """A SELECT compiled once for a dialect: its SQL with named parameters, the driver-side
    conversions of its parameters and result columns (those of the column types, e.g. UTC
    datetimes), and the named tuple its rows become."""

    def __init__(self, statement: AnySelect, dialect: Any) -> None:
        self.statement = statement  # keeps the id() the plan is filed under alive
        named = {"qmark": "named", "numeric": "named", "format": "pyformat"}
        # parameters by name (the SQL text only: conversions come from the engine's dialect)
        compiled = statement.compile(dialect=type(dialect)(paramstyle=named[dialect.paramstyle])
                                     if dialect.paramstyle in named else dialect)
        self.sql = str(compiled)
        self.binds: tuple[tuple[str, Callable[[Any], Any]], ...] = tuple(
            (name, proc) for name, bind in compiled.binds.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None)
        self.dialect = dialect
        self.columns = list(statement.selected_columns)
        self.results: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None
        names = [str(c.key) for c in self.columns]
        row_type: Any = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        self.row: Callable[..., Any] = row_type._make

    def result_processors(self, description: Any) -> tuple[tuple[int, Callable[[Any], Any]],
                                                            ...]:
        """The conversions of the result columns, given the driver's description of them
        (some depend on the type the server reports, e.g. PostgreSQL numerics)."""
        if self.results is None:
            self.results = tuple(
                (i, proc) for i, (c, d) in enumerate(zip(self.columns, description, strict=True))
                if (proc := c.type.dialect_impl(self.dialect).result_processor(self.dialect,
                                                                               d[1]))
                is not None)
        return self.results


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
            # hot reads run on the server's event loop: an unreachable server must fail a
            # request in seconds, not hang the worker (a URL's own connect_timeout wins)
            if "connect_timeout" not in self.url.query:
                kwargs["connect_args"] = {"connect_timeout": 10}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        #: In-process memo of the services for this database (e.g. ledgers, which are
        #: append-only and so cacheable exactly); never a source of truth.
        self.memo: dict[str, object] = {}
        # SQLite has one writer at a time: queue the writers instead of letting them poll.
        self._write_mutex = (_SQLiteWriterQueue(str(self.url.database))
                             if self.dialect == "sqlite" else None)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        # Single-statement reads need no transaction around them: on PostgreSQL that saves
        # the BEGIN and COMMIT round trips, on SQLite two statements. (SQLite is not put in
        # AUTOCOMMIT through SQLAlchemy, whose pool would then hand the transaction control
        # back to the driver; its begin hook below just issues no BEGIN.)
        self._statement_engine = (
            self.engine.execution_options(**{_STATEMENTS: True}) if self.dialect == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        self._plans: dict[int, _Plan] = {}
        # fetch(): on PostgreSQL, connections of their own that stay in autocommit mode
        # (switching a pooled connection there and back costs on every call); they only
        # ever read, so returning one to the pool needs no rollback.
        self._fetch_engine = self.engine if self.dialect != "postgresql" else create_engine(
            self.url, echo=echo, isolation_level="AUTOCOMMIT", pool_reset_on_return=None,
            pool_size=5, max_overflow=20, pool_timeout=120, pool_recycle=1800,
            connect_args=kwargs.get("connect_args", {}))

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

    @contextmanager
    def write_rows(self) -> Iterator[Connection]:
        """:meth:`write` on a Core connection: one use case's transaction, committed if the
        block succeeds, else rolled back; on SQLite it begins IMMEDIATE."""
        if self._write_mutex is None:
            with self._write_engine.begin() as connection:
                yield connection
            return
        with self._write_mutex, self._write_engine.begin() as connection:
            yield connection

    @contextmanager
    def read_rows(self) -> Iterator[Connection]:
        """A Core connection for reads in which every statement stands on its own: each one
        sees a consistent snapshot (so a statement that reads a row and what belongs to it
        is consistent), statements need not see the same one. On PostgreSQL it runs in
        autocommit mode, without BEGIN and COMMIT round trips; on SQLite every statement is
        its own (read) transaction likewise. Never for writes."""
        with self._statement_engine.connect() as connection:
            yield connection

    def fetch(self, statement: AnySelect, params: Mapping[str, Any]) -> list[Any]:
        """The rows of a read-only SELECT (named tuples, the column types' conversions
        applied), run on the driver directly. Each call is a statement of its own with its
        own consistent snapshot, as in :meth:`read_rows` (autocommit: no BEGIN, no
        COMMIT). For the hottest reads: SQLAlchemy's per-execution work costs several times
        what the driver does for an indexed lookup (measured on SQLite: 54 µs for the two
        lookups of an API read, 314 µs through Core)."""
        plan = self._plans.get(id(statement))
        if plan is None or plan.statement is not statement:
            plan = self._plans[id(statement)] = _Plan(statement, self.engine.dialect)
        if plan.binds:
            params = dict(params)
            for name, proc in plan.binds:
                params[name] = proc(params[name])
        raw = self._fetch_engine.raw_connection()
        try:
            # one cursor per pooled connection, kept with it (its info is dropped with it)
            cursor = raw.info.get(_CURSOR)
            if cursor is None:
                cursor = raw.info[_CURSOR] = raw.cursor()
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
            results = plan.results
            if results is None:
                results = plan.result_processors(cursor.description)
        except BaseException:
            raw.invalidate()  # a connection in an unknown state (e.g. the server restarted)
            raise
        finally:
            raw.close()
        make = plan.row
        if not results:
            return [make(r) for r in rows]
        out = []
        for r in rows:
            values = list(r)
            for i, proc in results:
                values[i] = proc(values[i])
            out.append(make(values))
        return out

    def dispose(self) -> None:
        self.engine.dispose()
        if self._fetch_engine is not self.engine:
            self._fetch_engine.dispose()


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


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
        # SQLite's lower() folds ASCII only: a search for 'минск' would miss 'Минск' (and
        # ILIKE compiles to lower() on SQLite). Python's folds every script, as PostgreSQL's
        # does in a UTF-8 database. No index is built on lower().
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_STATEMENTS, False):
            return  # read_rows(): each statement is its own transaction (driver autocommit)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE, False) else "BEGIN")


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
