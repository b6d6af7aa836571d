"""The Byplan sessions an identity provider started, so that its single logout can end them and our
logout can tell the provider (workflows/sessions.py keeps the sessions themselves)."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.audit import AuditLog

from ..sessions import LoginSession
from .models import FederatedSession


def record(session: Session, login_session: LoginSession, provider: str, name_id: str,
           session_index: str | None) -> None:
    session.add(FederatedSession(login_session_id=login_session.id, provider=provider, name_id=name_id[:300],
                                 session_index=(session_index or None) and session_index[:200],
                                 user_id=login_session.user_id))
    session.flush()


def of(session: Session, login_session_id: int) -> FederatedSession | None:
    return session.scalar(select(FederatedSession).where(FederatedSession.login_session_id == login_session_id))


def end(session: Session, audit: AuditLog, provider: str, name_id: str, session_indexes: list[str]) -> int:
    """End the Byplan sessions of a provider's logout request (its NameID, and session indexes if named)."""
    query = select(FederatedSession).where(FederatedSession.provider == provider,
                                           FederatedSession.name_id == name_id[:300])
    if session_indexes:
        query = query.where(FederatedSession.session_index.in_([s[:200] for s in session_indexes]))
    rows = list(session.scalars(query))
    ids = [r.login_session_id for r in rows]
    if ids:
        session.execute(delete(FederatedSession).where(FederatedSession.login_session_id.in_(ids)))
        session.execute(delete(LoginSession).where(LoginSession.id.in_(ids)))
    audit.append(session, kind="session_ended", actor=f"{provider}:logout",
                 summary=f"single logout from the {provider} identity provider",
                 detail={"method": provider, "count": len(ids)})
    return len(ids)
