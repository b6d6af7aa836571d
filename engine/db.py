"""Database engines: SQLite in WAL mode with serialized writers, or PostgreSQL."""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker


def configure_engine(engine: Engine) -> Engine:
    """Make SQLite safe for concurrent use: WAL, foreign keys, BEGIN IMMEDIATE.

    With IMMEDIATE transactions two writers never both read a row and then
    race to update it: the second waits (busy timeout) and then sees the
    first one's commit, so optimistic version checks stay meaningful.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_byplan_configured", False):
        return engine
    engine._byplan_configured = True

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


def make_engine(url: str, **kwargs) -> Engine:
    return configure_engine(create_engine(url, **kwargs))


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
