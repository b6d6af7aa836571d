"""The identity tables: a user's identities at identity providers, SAML requests in flight and assertions
already used (replay), the sessions that a provider's single logout ends, and local two-factor secrets."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models import Base, utcnow

from ..directory import User


class ExternalIdentity(Base):
    """Who a user is at one identity provider: `provider` ("saml" or "oidc") and the provider's stable,
    unique id for them (SAML: the configured unique-id attribute or the persistent NameID; OIDC: iss + sub)."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class SamlRequest(Base):
    """An AuthnRequest this SP sent and has not seen answered: a response must answer one of these
    (InResponseTo) unless unsolicited responses are allowed. Used once: the answer deletes it."""

    __tablename__ = "saml_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), unique=True)
    next_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(index=True)


class SamlAssertionSeen(Base):
    """The id of every accepted assertion until it could no longer be valid: the same id twice is a replay."""

    __tablename__ = "saml_assertion_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    assertion_id: Mapped[str] = mapped_column(String(200), unique=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class FederatedSession(Base):
    """A Byplan session started by an identity provider, with what its single logout names it by."""

    __tablename__ = "federated_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_session_id: Mapped[int] = mapped_column(ForeignKey("login_session.id", ondelete="CASCADE"),
                                                  unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    name_id: Mapped[str] = mapped_column(String(300), index=True)  # SAML NameID; OIDC iss + sub
    session_index: Mapped[str | None] = mapped_column(String(200))  # SAML SessionIndex; OIDC sid
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class TotpSecret(Base):
    """A local account's TOTP secret; `confirmed_at` once the user proved a code from it (enrolment done).
    `last_step` is the last time step accepted: a code is good once."""

    __tablename__ = "totp_secret"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int] = mapped_column(default=0)
    # An administrator's demand that this user use two-factor sign-in (administrators always must,
    # outside the demo).
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class RecoveryCode(Base):
    """A one-time recovery code, stored hashed; `used_at` once spent."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
