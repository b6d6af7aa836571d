"""Two-factor sign-in for local accounts: TOTP (RFC 6238, pyotp) with one-time recovery codes.

Enrolment: `begin` makes a secret (shown as a QR code, `qr_svg`, and as text), `confirm` takes a first code
from the user's app, marks the secret confirmed and returns ten recovery codes (shown once, stored hashed).
At login `verify` takes a code (each time step once: a code seen is not good again) or a recovery code
(spent when used). Every enrolment, use of a recovery code and refusal is an audit event.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Callable

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.audit import AuditLog
from engine.models import utcnow

from ..directory import User
from ..lanes import require_admin
from .models import RecoveryCode, TotpSecret

RECOVERY_CODES = 10
ISSUER = "Byplan"


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


class Totp:
    def __init__(self, audit: AuditLog, clock: Callable[[], datetime] = utcnow):
        self.audit = audit
        self.clock = clock

    def row(self, session: Session, user: User) -> TotpSecret | None:
        return session.scalar(select(TotpSecret).where(TotpSecret.user_id == user.id))

    def enrolled(self, session: Session, user: User) -> bool:
        row = self.row(session, user)
        return row is not None and row.confirmed_at is not None

    def required(self, session: Session, user: User) -> bool:
        row = self.row(session, user)
        return row is not None and row.required

    def begin(self, session: Session, user: User) -> TotpSecret:
        """The user's unconfirmed secret (a new one unless one is waiting); an enrolled secret is kept."""
        row = self.row(session, user)
        if row is None:
            row = TotpSecret(user_id=user.id, secret=pyotp.random_base32(), last_step=0, required=False)
            session.add(row)
        elif row.confirmed_at is not None:
            return row
        session.flush()
        return row

    @staticmethod
    def uri(user: User, row: TotpSecret) -> str:
        return pyotp.TOTP(row.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)

    @staticmethod
    def qr_svg(uri: str) -> bytes:
        import io

        import segno

        out = io.BytesIO()
        segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, title="TOTP")
        return out.getvalue()

    def _step_ok(self, row: TotpSecret, code: str) -> int | None:
        """The time step a six-digit code belongs to (now, or one step either side), if not used before."""
        totp = pyotp.TOTP(row.secret)
        now = self.clock().timestamp()
        for offset in (0, -1, 1):
            moment = now + offset * totp.interval
            step = totp.timecode(datetime.fromtimestamp(moment))
            if step > row.last_step and hmac.compare_digest(totp.at(moment), code):
                return step
        return None

    def confirm(self, session: Session, user: User, code: str) -> list[str] | None:
        """The recovery codes when the code fits the waiting secret; None when not."""
        row = self.row(session, user)
        code = (code or "").strip().replace(" ", "")
        step = self._step_ok(row, code) if row is not None and code.isdigit() and len(code) == 6 else None
        if step is None:
            self.audit.append(session, kind="totp", actor=user.username, summary="TOTP enrolment code wrong",
                              detail={"user": user.username})
            return None
        row.last_step = step
        row.confirmed_at = self.clock()
        codes = self._new_codes(session, user)
        self.audit.append(session, kind="totp", actor=user.username, summary="TOTP two-factor sign-in enrolled",
                          detail={"user": user.username})
        return codes

    def _new_codes(self, session: Session, user: User) -> list[str]:
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        codes = []
        for _ in range(RECOVERY_CODES):
            raw = secrets.token_hex(5)
            codes.append(f"{raw[:5]}-{raw[5:]}")
            session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
        session.flush()
        return codes

    def verify(self, session: Session, user: User, code: str) -> bool:
        """A login's second factor: a TOTP code or an unused recovery code."""
        row = self.row(session, user)
        if row is None or row.confirmed_at is None:
            return False
        code = (code or "").strip().replace(" ", "")
        if code.isdigit() and len(code) == 6:
            step = self._step_ok(row, code)
            if step is not None:
                row.last_step = step
                return True
        elif code:
            spare = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                              RecoveryCode.code_hash == _hash(code),
                                                              RecoveryCode.used_at.is_(None)))
            if spare is not None:
                spare.used_at = self.clock()
                self.audit.append(session, kind="totp", actor=user.username, summary="recovery code used",
                                  detail={"user": user.username})
                return True
        self.audit.append(session, kind="login_failed", actor=user.username, summary="wrong two-factor code",
                          detail={"method": "totp"})
        return False

    def remaining_codes(self, session: Session, user: User) -> int:
        return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                 RecoveryCode.used_at.is_(None))).all())

    def set_required(self, session: Session, actor: User, user: User, required: bool) -> None:
        """An administrator requires (or stops requiring) two-factor sign-in of a local account."""
        require_admin(actor)
        row = self.row(session, user)
        if row is None:
            row = TotpSecret(user_id=user.id, secret=pyotp.random_base32(), last_step=0, required=required)
            session.add(row)
        row.required = required
        session.flush()
        self.audit.append(session, kind="admin", actor=actor.username,
                          summary=f"two-factor sign-in {'required' if required else 'no longer required'} "
                                  f"for {user.username}", detail={"user": user.username, "required": required})
