"""Just-in-time users and role refresh: a sign-in through an identity provider becomes a Byplan user.

The first sign-in creates the user (no local password: they can never log in with one); every sign-in
sets name, e-mail, municipality and roles to what the provider says now, so a role taken away at the
provider is gone at the next sign-in. A sign-in that grants no Byplan role is refused (`NoAccess`) and
creates nobody. Every sign-in, refusal and role change is an audit event naming the user, the provider
and the roles, never the assertion's or token's contents.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import AuditLog
from engine.models import utcnow

from ..directory import MUNICIPALITY_CONTACT, Municipality, User, UserRole
from ..errors import DomainError
from ..i18n import N_
from .mapping import Claims, Mapping
from .models import ExternalIdentity

# What no password hashes to: argon2 refuses to verify it, so a federated user has no local password.
NO_PASSWORD = "!federated"


class SignInRefused(DomainError):
    """A provider's answer that signs nobody in; `reason` is a short code for the audit log and tests."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


class NoAccess(SignInRefused):
    """The provider vouched for the user, but their roles give them nothing in Byplan."""

    def __init__(self):
        super().__init__(N_("Your user has no role in Byplan."), "no_role")


@dataclass(frozen=True)
class SignedInUser:
    user: User
    created: bool
    roles_before: frozenset[str]
    roles_after: frozenset[str]


def _username(session: Session, provider: str, claims: Claims) -> str:
    """A readable, unique user name: the e-mail address when it is free, else provider + a hash of the id."""
    candidate = claims.email.lower()[:100] if claims.email else ""
    if candidate and session.scalar(select(User.id).where(User.username == candidate)) is None:
        return candidate
    digest = hashlib.sha256(f"{provider}\x00{claims.subject}".encode()).hexdigest()[:12]
    return f"{provider}-{digest}"


class Identities:
    def __init__(self, audit: AuditLog, clock: Callable = utcnow):
        self.audit = audit
        self.clock = clock

    def refuse(self, session: Session, provider: str, reason: str, actor: str | None = None) -> None:
        """The audit event of a refused sign-in (the caller raises or renders the message)."""
        self.audit.append(session, kind="login_failed", actor=(actor or f"{provider}:unknown")[:100],
                          summary=f"{provider} sign-in refused: {reason}",
                          detail={"method": provider, "reason": reason})

    def sign_in(self, session: Session, provider: str, claims: Claims, mapping: Mapping) -> SignedInUser:
        """The user this provider's claims are, created or refreshed; raises NoAccess (audited) or
        SignInRefused when the claims name nobody or a deactivated user."""
        if not claims.subject:  # audited by the caller, as the protocol's own refusals
            raise SignInRefused(N_("The identity provider did not say who you are."), "no_subject")
        roles = claims.byplan_roles(mapping)
        municipality = None
        code = claims.municipality_code(mapping)
        if code:
            municipality = session.scalar(select(Municipality).where(Municipality.code == code))
        if MUNICIPALITY_CONTACT in roles and municipality is None:
            roles.discard(MUNICIPALITY_CONTACT)  # a contact for no known municipality is no contact
        link = session.scalar(select(ExternalIdentity).where(ExternalIdentity.provider == provider,
                                                             ExternalIdentity.subject == claims.subject))
        actor = link.user.username if link else f"{provider}:{claims.subject[:60]}"
        if link is not None and not link.user.active:
            self.refuse(session, provider, "deactivated", actor)
            raise SignInRefused(N_("Your user is deactivated in Byplan."), "deactivated")
        before = frozenset(link.user.roles - {"wg_member"}) if link else frozenset()
        if not roles:
            if link is not None and before:
                self._set_roles(link.user, set())
                self._role_event(session, provider, link.user, before, frozenset())
            self.refuse(session, provider, "no_role", actor)
            raise NoAccess()
        created = link is None
        if created:
            user = User(username=_username(session, provider, claims), name=claims.name or claims.email or
                        claims.subject[:200], email=claims.email, password_hash=NO_PASSWORD,
                        municipality=municipality)
            session.add(user)
            session.flush()
            link = ExternalIdentity(user_id=user.id, user=user, provider=provider, subject=claims.subject)
            session.add(link)
            self.audit.append(session, kind="admin", actor=user.username,
                              summary=f"user {user.username} created at first {provider} sign-in",
                              detail={"user": user.username, "method": provider})
        user = link.user
        if claims.name:
            user.name = claims.name
        if claims.email:
            user.email = claims.email
        user.municipality = municipality
        self._set_roles(user, roles)
        link.last_login_at = self.clock()
        after = frozenset(roles)
        if after != before:
            self._role_event(session, provider, user, before, after)
        self.audit.append(session, kind="login", actor=user.username, summary=f"signed in with {provider}",
                          detail={"method": provider, "user": user.username})
        session.flush()
        return SignedInUser(user, created, before, after)

    @staticmethod
    def _set_roles(user: User, roles: set[str]) -> None:
        keep = {r.role: r for r in user.role_rows if r.role in roles}
        user.role_rows = [keep.get(role) or UserRole(role=role) for role in sorted(roles)]

    def _role_event(self, session: Session, provider: str, user: User, before, after) -> None:
        self.audit.append(session, kind="identity_roles", actor=user.username,
                          summary=f"roles from {provider}: {', '.join(sorted(after)) or 'none'}",
                          detail={"user": user.username, "method": provider, "added": sorted(after - before),
                                  "removed": sorted(before - after)})


def is_federated(user: User) -> bool:
    return user.password_hash == NO_PASSWORD
