"""A brake on password guessing: failed logins counted per user name and per address, in the database.

After `USER_LIMIT` failed logins for one user name (from any address), or `ADDRESS_LIMIT` from one
address, each within `WINDOW` of the one before, further attempts are refused without looking at the
password: first for `FIRST_DELAY`, doubling with every further failure up to `MAX_DELAY`. A success resets
the user name's count (not the address's). The counters are rows, locked while a login is checked (on
PostgreSQL by a row lock, on SQLite by its one writer), so they hold across the processes of a server.
Keys are stored hashed: the table holds no user names or addresses.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import String, delete, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.audit import AuditLog
from engine.models import Base, utcnow

USER_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=15)


class LoginThrottle(Base):
    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]


@dataclass(frozen=True)
class Refusal:
    """A login attempt refused unchecked; `retry_after` in whole seconds, `limit` "user" or "address"."""

    retry_after: int
    limit: str

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}\x00{value}".encode("utf-8", "replace")).hexdigest()


def _keys(username: str, address: str) -> list[tuple[str, str, int]]:
    """(scope, key hash, limit), always in this order (the rows are locked in it: no deadlock)."""
    return [("user", _key("user", username.strip().lower()[:200]), USER_LIMIT),
            ("address", _key("address", (address or "")[:100]), ADDRESS_LIMIT)]


def delay(failures: int, limit: int) -> timedelta:
    """How long a counter with `failures` (at least `limit`) refuses: 1, 2, 4, 8 … minutes, at most 15."""
    return min(FIRST_DELAY * (2 ** min(failures - limit, 10)), MAX_DELAY)


def _insert_missing(session: Session, key_hash: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(LoginThrottle).values(key_hash=key_hash, failures=0)
                    .on_conflict_do_nothing(index_elements=["key_hash"]))


class Throttle:
    def __init__(self, audit: AuditLog, clock: Callable[[], datetime] = utcnow):
        self.audit = audit
        self.clock = clock

    def _rows(self, session: Session, username: str, address: str) -> list[tuple[str, LoginThrottle, int]]:
        out = []
        for scope, key_hash, limit in _keys(username, address):
            _insert_missing(session, key_hash)
            row = session.scalar(select(LoginThrottle).where(LoginThrottle.key_hash == key_hash)
                                 .with_for_update().execution_options(populate_existing=True))
            out.append((scope, row, limit))
        return out

    def check(self, session: Session, username: str, address: str) -> Refusal | None:
        """Before the password is checked: a Refusal (audited) while the user name or address is held back."""
        now = self.clock()
        refusal = None
        for scope, row, _limit in self._rows(session, username, address):
            if row.locked_until is not None and row.locked_until > now:
                seconds = math.ceil((row.locked_until - now).total_seconds())
                if refusal is None or seconds > refusal.retry_after:
                    refusal = Refusal(seconds, scope)
        if refusal is not None:
            self.audit.append(session, kind="login_throttled", actor=username.strip()[:100],
                              summary="login refused: too many failed attempts",
                              detail={"limit": refusal.limit, "retry_after": refusal.retry_after,
                                      "address": (address or "")[:100]})
        return refusal

    def failed(self, session: Session, username: str, address: str) -> None:
        now = self.clock()
        for _scope, row, limit in self._rows(session, username, address):
            if row.last_failure_at is None or now - row.last_failure_at > WINDOW:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= limit:
                row.locked_until = now + delay(row.failures, limit)
        session.flush()

    def succeeded(self, session: Session, username: str) -> None:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == _keys(username, "")[0][1]))


def sweep_counters(session: Session, now: datetime) -> int:
    """Delete counters that no longer hold anything back and whose last failure is outside the window."""
    return session.execute(delete(LoginThrottle).where(
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        or_(LoginThrottle.last_failure_at.is_(None), LoginThrottle.last_failure_at < now - WINDOW),
    )).rowcount or 0


__all__ = ["ADDRESS_LIMIT", "USER_LIMIT", "WINDOW", "LoginThrottle", "Refusal", "Throttle", "delay",
           "sweep_counters"]
