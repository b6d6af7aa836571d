"""Sign-in sessions that the server can end.

A login creates a `LoginSession` record; the browser's signed cookie holds only the session's random
secret, the table only its hash. Every request looks the record up and checks it (`Sessions.resume`):
an unknown secret, an idle or too old session, another browser, or a user whose password or active flag
changed since the login (the record's `fingerprint`) is no session. Ending a session deletes its record,
so a copied cookie is worth nothing afterwards. `end_sessions` is what any code path that changes a
user's password or deactivates them calls; the fingerprint covers the paths that forget to.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import ForeignKey, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.audit import AuditLog
from engine.models import Base, utcnow

from .directory import MIN_PASSWORD, User, token_hash
from .forms import FormInvalid, FormSchema, describe, load_values, text
from .i18n import N_

# last_seen_at is written at most this often: a read must not always write.
TOUCH_INTERVAL = timedelta(minutes=1)



class LoginSession(Base):
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
    user_agent_hash: Mapped[str] = mapped_column(String(64))
    browser: Mapped[str] = mapped_column(String(100), default="")  # "Firefox on Linux", for the sessions page
    # Binds the record to the user's password hash and active flag at login (see `fingerprint`).
    fingerprint: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)


def fingerprint(user: User) -> str:
    """Changes whenever the user's password or active flag changes, by whatever code path."""
    return hashlib.sha256(f"{user.id}\x00{user.password_hash}\x00{bool(user.active)}".encode()).hexdigest()


def user_agent_hash(user_agent: str) -> str:
    return hashlib.sha256((user_agent or "").encode("utf-8", "replace")).hexdigest()


_BROWSERS = [("Edge", r"Edg(?:e|A|iOS)?/"), ("Opera", r"OPR/"), ("Firefox", r"Firefox/|FxiOS/"),
             ("Chrome", r"Chrome/|CriOS/"), ("Safari", r"Safari/")]
_SYSTEMS = [("Windows", r"Windows"), ("Android", r"Android"), ("iOS", r"iPhone|iPad"), ("macOS", r"Mac OS X"),
            ("Linux", r"Linux|X11")]


def browser_label(user_agent: str) -> str:
    """A short name of the browser and system from a User-Agent header ("Firefox, Linux"); "" if unknown."""
    ua = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, ua)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, ua)), "")
    if not browser and not system:
        return ua[:60]
    return ", ".join(p for p in (browser, system) if p)


def end_sessions(session: Session, user_id: int, *, keep: int | None = None) -> int:
    """Delete every session of a user (but `keep`, a session id); returns how many ended."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep)
    return session.execute(stmt).rowcount or 0


class PasswordChangeForm(FormSchema):
    current_password = text(N_("Current password"), required=True, max_length=200, widget="password")
    new_password = text(N_("New password"), required=True, max_length=200, widget="password",
                        help=N_("At least 10 characters."))
    repeat_password = text(N_("Repeat the new password"), required=True, max_length=200, widget="password")


PASSWORD_FIELDS = describe(PasswordChangeForm())


class Sessions:
    """Starts, checks, lists and ends sign-in sessions."""

    def __init__(self, audit: AuditLog, policy: SessionPolicy | None = None,
                 clock: Callable[[], datetime] = utcnow, session_factory: Callable[[], Session] | None = None,
                 passwords=None):
        self.audit = audit
        self.passwords = passwords  # the argon2 hasher (runtime.build); None: the directory's default
        self.policy = policy or SessionPolicy()
        self.clock = clock
        self.session_factory = session_factory

    # ------------------------------------------------------------ lifecycle
    def start(self, session: Session, user: User, user_agent: str) -> tuple[LoginSession, str]:
        """A new session for a user who just proved who they are; returns it and its secret (the cookie's)."""
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        row = LoginSession(token_hash=token_hash(secret), user_id=user.id, user=user, created_at=now,
                           last_seen_at=now, user_agent_hash=user_agent_hash(user_agent),
                           browser=browser_label(user_agent)[:100], fingerprint=fingerprint(user))
        session.add(row)
        session.flush()
        return row, secret

    def _expired(self, row: LoginSession, now: datetime) -> bool:
        return now - row.last_seen_at > self.policy.idle or now - row.created_at > self.policy.lifetime

    def resume(self, session: Session, secret: str, user_agent: str) -> tuple[LoginSession | None, bool]:
        """The live session of a cookie's secret, or None; and whether the call wrote (the caller commits).

        A record that no longer holds (idle, too old, another browser, the password or active flag changed)
        is deleted."""
        if not secret or len(secret) > 200:
            return None, False
        row = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(secret)))
        if row is None:
            return None, False
        now = self.clock()
        if (self._expired(row, now) or not row.user.active or row.fingerprint != fingerprint(row.user)
                or row.user_agent_hash != user_agent_hash(user_agent)):
            session.execute(delete(LoginSession).where(LoginSession.id == row.id))
            session.expunge(row)
            return None, True
        if now - row.last_seen_at >= TOUCH_INTERVAL:
            session.execute(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
            row.last_seen_at = now
            return row, True
        return row, False

    def log_out(self, session: Session, secret: str) -> None:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(secret)))

    # ------------------------------------------------------------- the user
    def active_sessions(self, session: Session, user: User) -> list[LoginSession]:
        """The user's sessions that still hold, newest use first."""
        now = self.clock()
        rows = session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)
                               .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())).unique()
        return [r for r in rows if not self._expired(r, now) and r.fingerprint == fingerprint(r.user)]

    def end_one(self, session: Session, user: User, session_id: int | None) -> bool:
        """End one of the user's own sessions; False when it is not one of theirs (or already ended)."""
        if session_id is None:
            return False
        ended = session.execute(delete(LoginSession).where(LoginSession.id == session_id,
                                                           LoginSession.user_id == user.id)).rowcount
        if ended:
            self.audit.append(session, kind="session_ended", actor=user.username, summary="a session ended",
                              detail={"user": user.username, "count": 1})
        return bool(ended)

    def end_all(self, session: Session, user: User, *, keep: int | None = None) -> int:
        """End all of the user's sessions (but `keep`, the current one)."""
        count = end_sessions(session, user.id, keep=keep)
        self.audit.append(session, kind="session_ended", actor=user.username,
                          summary="all other sessions ended" if keep else "all sessions ended",
                          detail={"user": user.username, "count": count})
        return count

    def end_all_of(self, session: Session, actor: User, user_id: int) -> User:
        """An administrator ends every session of a user."""
        from engine import NotFound

        from .lanes import require_admin

        require_admin(actor)
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user")
        count = end_sessions(session, user.id)
        self.audit.append(session, kind="admin", actor=actor.username,
                          summary=f"all sessions of {user.username} ended",
                          detail={"user": user.username, "count": count})
        return user

    def change_password(self, session: Session, user: User, raw: dict) -> None:
        """The user's own password change: the current password, then the new one twice. Ends every session
        of the user (the caller starts a fresh one for the browser that made the change)."""
        values = load_values(PasswordChangeForm, raw)
        errors: dict[str, list[str]] = {}
        if not user.check_password(values["current_password"], self.passwords):
            errors["current_password"] = [N_("The current password is wrong.")]
        if len(values["new_password"]) < MIN_PASSWORD:
            errors["new_password"] = [N_("The password must be at least 10 characters.")]
        elif values["new_password"] != values["repeat_password"]:
            errors["repeat_password"] = [N_("The two new passwords are not the same.")]
        if errors:
            raise FormInvalid(errors)
        user.set_password(values["new_password"], self.passwords)
        end_sessions(session, user.id)
        self.audit.append(session, kind="password_changed", actor=user.username,
                          summary="own password changed; all sessions ended", detail={"user": user.username})

    # -------------------------------------------------------------- worker
    def sweep(self, session: Session | None = None) -> int:
        """Delete the records of sessions that ended by time, and throttle counters no longer needed."""
        from .throttle import sweep_counters

        own = session is None
        if own:
            session = self.session_factory()
        try:
            now = self.clock()
            removed = session.execute(delete(LoginSession).where(or_(
                LoginSession.last_seen_at < now - self.policy.idle,
                LoginSession.created_at < now - self.policy.lifetime))).rowcount or 0
            sweep_counters(session, now)
            if own:
                session.commit()
            return removed
        finally:
            if own:
                session.close()
