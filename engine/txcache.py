"""Rows a transaction has already read, kept for the rest of that transaction only (bench P1).

A completion reads some rows more than once: the audit stream's head (the action's event and an
incident's event), a case's domain record (the task form, its mail, the search entry). `cache(session,
name)` is a dict that lives exactly as long as the session's current transaction (or savepoint): a
commit or a rollback starts an empty one, so nothing read under one transaction's locks and snapshot is trusted in
the next. Callers check that a cached object is still in the session before using it.
"""
from __future__ import annotations

from sqlalchemy.orm import Session, scoped_session

_KEY = "engine.txcache"
# {task id: True} of the human tasks the transaction's saves completed (each has a CompletedTask row)
COMPLETED_TASKS = "completed_tasks"


def cache(session: Session, name: str) -> dict | None:
    """The transaction's dict for `name`, or None outside a transaction (then read, do not cache)."""
    target = session() if isinstance(session, scoped_session) else session
    tx = target.get_transaction()
    if tx is None:
        return None
    nested = target.get_nested_transaction()  # a savepoint (a bulk action's case) starts its own
    holder = target.info.get(_KEY)
    if holder is None or holder[0] is not tx or holder[1] is not nested:  # held, so their identities stay unique
        holder = (tx, nested, {})
        target.info[_KEY] = holder
    return holder[2].setdefault(name, {})


def alive(session: Session, obj) -> bool:
    """Whether a cached ORM object is still usable in the session (not deleted, not expunged)."""
    from sqlalchemy import inspect

    if obj is None:
        return False
    state = inspect(obj)
    return (state.persistent or state.pending) and obj in session and obj not in session.deleted
