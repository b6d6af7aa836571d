"""Applying the retention rules (workflows/retention/rules.py): find what is due, anonymise or delete it.

`Retention.run(session, dry_run=True)` lists what each rule would change without changing anything;
`dry_run=False` changes it, forgets the audit pseudonyms of the people who are gone, records the run
(`retention_run`) and writes one audit event per rule that changed something (counts only, no people).
The worker runs it once a day; `byplan retention --dry-run` prints the list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import JSON, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.audit import AuditLog
from engine.mail import OutboxMail
from engine.models import AuditEvent, AuditPseudonym, Base, utcnow

from ..directory import User
from ..sessions import LoginSession
from .rules import RULES, periods

ANON_NAME = "(slettet)"


def anon_email(kind: str, row_id: int) -> str:
    return f"slettet-{kind}-{row_id}@invalid"


class RetentionRun(Base):
    """What one retention run or erasure did (counts and record ids; never a person's data)."""

    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "retention" or "erasure"
    actor: Mapped[str | None] = mapped_column(String(40))  # a pseudonymous reference, or "worker"
    subject_ref: Mapped[str | None] = mapped_column(String(40))  # the erased person's former reference
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass
class Due:
    rule: str
    action: str
    what: str  # a record's kind and id, e.g. "registration 12"


@dataclass
class RunReport:
    dry_run: bool
    due: list[Due] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {r.key: 0 for r in RULES}
        for d in self.due:
            out[d.rule] += 1
        return out


class Retention:
    def __init__(self, audit: AuditLog, clock: Callable[[], datetime] = utcnow, config=None):
        self.audit = audit
        self.clock = clock
        self.config = config if config is not None else {}
        self.last_daily: datetime | None = None

    def periods(self) -> dict[str, int]:
        return periods(self.config)

    def run(self, session: Session, dry_run: bool = True) -> RunReport:
        now = self.clock()
        report = RunReport(dry_run=dry_run)
        days = self.periods()
        for rule in RULES:
            finder = getattr(self, f"_{rule.key}")
            for what, apply in finder(session, now - timedelta(days=days[rule.key])):
                report.due.append(Due(rule.key, rule.action, what))
                if not dry_run:
                    apply()
        if not dry_run:
            session.flush()
            counts = {k: v for k, v in report.counts().items() if v}
            session.add(RetentionRun(kind="retention", actor="worker", report={"counts": counts, "periods": days},
                                     at=now))
            if counts:
                self.audit.append(session, kind="retention", actor="retention", summary="retention rules applied",
                                  detail={"counts": counts})
        return report

    def run_daily(self, session: Session) -> RunReport | None:
        """The worker's call: a real run at most once per calendar day (the last run is in the table)."""
        now = self.clock()
        last = session.scalar(select(func.max(RetentionRun.at)).where(RetentionRun.kind == "retention"))
        if last is not None and last.date() == now.date():
            return None
        return self.run(session, dry_run=False)

    def daily(self, session_factory) -> RunReport | None:
        """The worker's sweep: the daily run in its own transaction (once the day's run is done, a no-op)."""
        now = self.clock()
        if self.last_daily is not None and self.last_daily.date() == now.date():
            return None
        session = session_factory()
        try:
            report = self.run_daily(session)
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()
        self.last_daily = now
        return report

    # ---------------------------------------------------------------- the rules

    def _network_registrations(self, session, before):
        from ..network.models import Evaluation, RegionalMeeting, Registration

        rows = session.scalars(select(Registration).join(RegionalMeeting)
                               .where(Registration.anonymised_at.is_(None), RegionalMeeting.day < before.date())
                               .order_by(Registration.id))
        for reg in rows:
            def apply(reg=reg):
                self._forget(session, reg.email)
                reg.name, reg.email, reg.job_title = ANON_NAME, anon_email("registration", reg.id), ""
                reg.evaluation_token_hash, reg.anonymised_at = None, self.clock()
                for ev in session.scalars(select(Evaluation).where(Evaluation.registration_id == reg.id)):
                    ev.comment = ""
            yield f"registration {reg.id}", apply

    def _hearing_contacts(self, session, before):
        from ..hearing.models import Hearing, HearingParty

        rows = session.scalars(select(HearingParty).join(Hearing)
                               .where(Hearing.concluded_at.is_not(None), Hearing.concluded_at < before,
                                      HearingParty.email.is_not(None), ~HearingParty.email.like("slettet-%"))
                               .order_by(HearingParty.id))
        for party in rows:
            def apply(party=party):
                self._forget(session, party.email)
                party.email, party.token_hash = anon_email("party", party.id), None
            yield f"hearing party {party.id}", apply

    def _inactive_accounts(self, session, before):
        users = session.scalars(select(User).where(User.active.is_(False), ~User.username.like("slettet-%"))
                                .order_by(User.id)).unique()
        for user in users:
            last = self._last_activity(session, user) or user.created_at
            if last >= before:
                continue
            yield f"user {user.id}", (lambda user=user: anonymise_user(session, self.audit, user))

    def _mail_bodies(self, session, before):
        rows = session.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_not(None), OutboxMail.sent_at < before,
                                                        OutboxMail.body != ANON_NAME).order_by(OutboxMail.id))
        for mail in rows:
            def apply(mail=mail):
                mail.body, mail.to_name, mail.ics = ANON_NAME, "", None
            yield f"mail {mail.id}", apply

    def _login_sessions(self, session, before):
        for row in session.scalars(select(LoginSession).where(LoginSession.last_seen_at < before)
                                   .order_by(LoginSession.id)).unique():
            yield f"session {row.id}", (lambda row=row: session.delete(row))

    def _access_requesters(self, session, before):
        from ..access_request.models import AccessRequest, RequestStatus

        rows = session.scalars(select(AccessRequest).where(AccessRequest.status == RequestStatus.DECIDED,
                                                           AccessRequest.anonymised_at.is_(None),
                                                           AccessRequest.decided_at < before)
                               .order_by(AccessRequest.id))
        for req in rows:
            yield f"access request {req.id}", (lambda req=req: anonymise_requester(session, self.audit, req,
                                                                                 self.clock()))

    # ---------------------------------------------------------------- helpers

    def _forget(self, session: Session, subject: str | None) -> None:
        if subject:
            self.audit.pseudonyms.forget(session, subject)

    def _last_activity(self, session: Session, user: User) -> datetime | None:
        ref = session.scalar(select(AuditPseudonym.ref).where(AuditPseudonym.subject == user.username))
        if ref is None:
            return None
        return session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.actor == ref))


def anonymise_user(session: Session, audit: AuditLog, user: User) -> None:
    """Replace a user's identifying data; the account stays (deactivated) so records keep their links."""
    audit.pseudonyms.forget(session, user.username)
    audit.pseudonyms.forget(session, user.email)
    user.username = f"slettet-{user.id}"
    user.name, user.email, user.active = ANON_NAME, anon_email("user", user.id), False
    user.password_hash = "!"  # no password matches


def anonymise_requester(session: Session, audit: AuditLog, req, now: datetime) -> None:
    audit.pseudonyms.forget(session, req.email)
    req.name, req.email, req.anonymised_at = ANON_NAME, anon_email("request", req.id), now
