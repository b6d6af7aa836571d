"""PostgreSQL safety nets (engine/db.py): a transaction abandoned while it holds a row lock is ended by
idle_in_transaction_session_timeout, so another connection can take the lock; a statement running
longer than statement_timeout is cancelled; the web app and the CLI get their configured values."""
from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from support import make_app

from engine.db import make_engine

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture
def pg_url(postgres_server):
    url = postgres_server.create_database(f"timeouts_{next(_names)}")
    setup = make_engine(url)
    with setup.begin() as conn:
        conn.execute(text("CREATE TABLE seat (id integer PRIMARY KEY, holder text)"))
        conn.execute(text("INSERT INTO seat VALUES (1, 'nobody')"))
    setup.dispose()
    return url


def _lock_row(conn, wait_ms: int) -> bool:
    """Try to lock seat 1 within `wait_ms`; True if the lock was taken (then released by rollback)."""
    try:
        with conn.begin():
            conn.execute(text(f"SET LOCAL lock_timeout = {int(wait_ms)}"))
            conn.execute(text("SELECT id FROM seat WHERE id = 1 FOR UPDATE")).one()
        return True
    except OperationalError as exc:
        assert "lock timeout" in str(exc).lower(), exc
        return False


def test_an_abandoned_transaction_releases_its_row_locks_after_the_idle_timeout(pg_url):
    dying = make_engine(pg_url, idle_in_transaction_timeout_ms=1000)
    other = make_engine(pg_url)
    try:
        abandoned = dying.connect()
        abandoned.begin()
        abandoned.execute(text("SELECT id FROM seat WHERE id = 1 FOR UPDATE")).one()
        abandoned.execute(text("UPDATE seat SET holder = 'dead worker' WHERE id = 1"))
        # ... and the worker dies: no commit, no rollback, the connection just sits there
        with other.connect() as conn:
            assert not _lock_row(conn, 100), "the abandoned transaction holds the row lock"
            deadline = time.monotonic() + 30
            while not _lock_row(conn, 500):
                assert time.monotonic() < deadline, "the lock was never released"
            assert conn.execute(text("SELECT holder FROM seat WHERE id = 1")).scalar_one() == "nobody"
        with pytest.raises(DBAPIError):  # the server ended the abandoned session
            abandoned.execute(text("SELECT 1"))
        abandoned.invalidate()
    finally:
        dying.dispose()
        other.dispose()


def test_without_the_timeout_the_lock_stays(pg_url):
    holder_engine, other = make_engine(pg_url, idle_in_transaction_timeout_ms=0), make_engine(pg_url)
    try:
        with holder_engine.connect() as holder, holder.begin():
            holder.execute(text("SELECT id FROM seat WHERE id = 1 FOR UPDATE")).one()
            time.sleep(1.5)
            with other.connect() as conn:
                assert not _lock_row(conn, 200)
    finally:
        holder_engine.dispose()
        other.dispose()


def test_a_statement_running_too_long_is_cancelled(pg_url):
    engine = make_engine(pg_url, statement_timeout_ms=200)
    try:
        with engine.connect() as conn:
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
            conn.rollback()
            assert conn.execute(text("SELECT 1")).scalar_one() == 1  # the connection stays usable
    finally:
        engine.dispose()


def _settings(app) -> tuple[str, str]:
    from web.extensions import db

    with app.app_context():
        try:
            return (db.session.execute(text("SHOW statement_timeout")).scalar_one(),
                    db.session.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one())
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_web_app_and_the_cli_get_their_timeouts(pg_url, monkeypatch):
    assert _settings(make_app(pg_url)) == ("30s", "1min")
    assert _settings(make_app(pg_url, PG_STATEMENT_TIMEOUT_MS=5000, PG_IDLE_TX_TIMEOUT_MS=0)) == ("5s", "0")
    from web.cli import _app

    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert _settings(_app()) == ("0", "1min")  # worker and commands: no statement timeout
