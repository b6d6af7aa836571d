"""Database engines: SQLite in WAL mode with serialized writers, or PostgreSQL with safety timeouts."""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

# Defaults for the web app (milliseconds; 0 turns a timeout off). See README, "Settings".
STATEMENT_TIMEOUT_MS = 30_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000


def configure_engine(engine: Engine, *, statement_timeout_ms: int | None = None,
                     idle_in_transaction_timeout_ms: int | None = None) -> Engine:
    """Make SQLite safe for concurrent use (WAL, foreign keys, BEGIN IMMEDIATE), or give PostgreSQL
    connections their timeouts.

    With IMMEDIATE transactions two writers never both read a row and then
    race to update it: the second waits (busy timeout) and then sees the
    first one's commit, so optimistic version checks stay meaningful.

    On PostgreSQL, `idle_in_transaction_timeout_ms` ends a session that sits in an open transaction
    doing nothing for that long (a worker host that died mid-transaction, a hung request), so its
    row locks are released instead of held until TCP keepalive gives up; `statement_timeout_ms`
    cancels a single statement that runs longer. None leaves the server's setting; 0 turns it off.
    Both are set at connection start-up (libpq options), so they hold for every connection of the pool.
    """
    if getattr(engine, "_byplan_configured", False):
        return engine
    engine._byplan_configured = True
    if engine.dialect.name == "postgresql":
        _postgres_timeouts(engine, statement_timeout_ms, idle_in_transaction_timeout_ms)
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_timeouts(engine: Engine, statement_ms: int | None, idle_ms: int | None) -> None:
    settings = {name: int(value) for name, value in (("statement_timeout", statement_ms),
                                                     ("idle_in_transaction_session_timeout", idle_ms))
                if value is not None}
    for name, value in settings.items():
        if value < 0:
            raise ValueError(f"{name} must be 0 (off) or a number of milliseconds, not {value}")
    if not settings:
        return
    options = " ".join(f"-c {name}={value}" for name, value in settings.items())

    @event.listens_for(engine, "do_connect")
    def _options(_dialect, _record, _cargs, cparams):
        cparams["options"] = f"{cparams['options']} {options}" if cparams.get("options") else options


def make_engine(url: str, *, statement_timeout_ms: int | None = None,
                idle_in_transaction_timeout_ms: int | None = None, **kwargs) -> Engine:
    return configure_engine(create_engine(url, **kwargs), statement_timeout_ms=statement_timeout_ms,
                            idle_in_transaction_timeout_ms=idle_in_transaction_timeout_ms)


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
