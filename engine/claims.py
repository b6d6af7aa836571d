"""Claiming queued rows one at a time, safely with several workers."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from sqlalchemy.orm import Session


def claim_each(session_factory: Callable[[], Session], query, key, limit: int) -> Iterator[tuple[Session, Any]]:
    """Yield (session, row) for rows of `query`, each in its own transaction.

    `query` is a select of either whole mapped rows (with an ``id``) or of
    `key` alone; `key` is the column that identifies a row. On PostgreSQL the
    row is locked with SKIP LOCKED, so concurrent workers take different rows.
    A row handled once in this sweep is not offered again, whether it
    succeeded or not. The caller's work commits when the loop resumes; an
    exception, or leaving the loop with ``break``, rolls back that row's
    transaction only (call ``session.commit()`` before ``break`` to keep it).
    """
    seen: set = set()
    while len(seen) < limit:
        with session_factory() as session, session.begin():
            claimed = query.limit(1).with_for_update(skip_locked=True)
            if seen:
                claimed = claimed.where(key.not_in(seen))
            row = session.scalar(claimed)
            if row is None:
                return
            seen.add(row if isinstance(row, (int, str)) else row.id)
            yield session, row
