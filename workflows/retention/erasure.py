"""Erasure of one person's data on request (GDPR art. 17), by an administrator.

The person is named by user name or e-mail address. Refused, with the list, while the person has open
cases (running cases they started, tasks assigned to them, undecided access requests, registrations for
meetings still to come): those need the data. Otherwise the person's data is anonymised everywhere it
is held, the audit log's mapping of their pseudonymous reference is deleted (the events and chains stay
as they are), and the report says what was done and what had to be kept and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.audit import AuditLog
from engine.mail import OutboxMail
from engine.models import AuditPseudonym, Case, Document, ReadyTask, utcnow

from ..directory import User
from ..errors import DomainError
from ..i18n import N_
from ..lanes import require_admin
from ..sessions import LoginSession
from .run import ANON_NAME, RetentionRun, anon_email, anonymise_requester, anonymise_user


class ErasureRefused(DomainError):
    key = "person"

    def __init__(self, message: str, open_items: list[str] | None = None, field: str | None = "person"):
        super().__init__(message, field)
        self.open_items = open_items or []


@dataclass
class ErasureReport:
    done: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    run_id: int | None = None


KEPT_DOCUMENTS = N_("Documents received or written in a case are records the authority must keep "
                    "(offentlighedsloven § 15, arkivloven); they stay in the case.")
KEPT_AUDIT = N_("The audit log's events stay unchanged so that its chains verify; they name the person only by a "
                "reference that no longer leads to them.")
KEPT_HEARING = N_("Hearing responses are documents received in a case and are kept; only the contact address "
                  "is removed.")


class Erasure:
    def __init__(self, audit: AuditLog, clock: Callable[[], datetime] = utcnow):
        self.audit = audit
        self.clock = clock

    def open_items(self, session: Session, username: str | None, email: str | None) -> list[str]:
        from ..access_request.models import AccessRequest, RequestStatus
        from ..network.models import RegionalMeeting, Registration

        items: list[str] = []
        if username:
            items += [f"sag {c.id}: {c.title}" for c in session.scalars(
                select(Case).where(Case.status == "running", Case.created_by == username).order_by(Case.id))]
            items += [f"sag {t.case_id}: {t.title}" for t in session.scalars(
                select(ReadyTask).where(ReadyTask.assignee == username).order_by(ReadyTask.case_id))]
        if email:
            items += [f"aktindsigt {r.number}" for r in session.scalars(
                select(AccessRequest).where(AccessRequest.email == email, AccessRequest.status != RequestStatus.DECIDED)
                .order_by(AccessRequest.id))]
            items += [f"tilmelding {r.id} ({r.meeting.day.isoformat()})" for r in session.scalars(
                select(Registration).join(RegionalMeeting)
                .where(Registration.email == email, Registration.anonymised_at.is_(None),
                       RegionalMeeting.day >= self.clock().date()).order_by(Registration.id))]
        return list(dict.fromkeys(items))

    def erase(self, session: Session, actor: User, person: str) -> ErasureReport:
        require_admin(actor)
        person = (person or "").strip()
        if not person:
            raise ErasureRefused(N_("Name the person by user name or e-mail address."))
        user = session.scalar(select(User).where(or_(User.username == person, User.email == person)))
        if user is not None and user.id == actor.id:
            raise ErasureRefused(N_("You cannot erase your own account."))
        username = user.username if user else None
        emails = {e for e in (person if "@" in person else None, user.email if user else None) if e}
        known = user is not None or self._known_email(session, emails)
        if not known:
            raise ErasureRefused(N_("No data about this person was found."))
        items = self.open_items(session, username, next(iter(sorted(emails)), None))
        for email in sorted(emails)[1:]:
            items += self.open_items(session, None, email)
        if items:
            raise ErasureRefused(N_("The person has open cases; erasure is refused until they are closed."),
                                 open_items=items)
        report = ErasureReport()
        refs = [r for r in session.scalars(select(AuditPseudonym.ref).where(
            AuditPseudonym.subject.in_([s for s in (username, *emails) if s])))]
        self._erase_everywhere(session, user, emails, report)
        report.kept.append(("audit", KEPT_AUDIT))
        session.flush()
        run = RetentionRun(kind="erasure", actor=self.audit.pseudonyms.ref(session, actor.username),
                           subject_ref=refs[0] if refs else None,
                           report={"done": report.done, "kept": [list(k) for k in report.kept]}, at=self.clock())
        session.add(run)
        session.flush()
        report.run_id = run.id
        self.audit.append(session, kind="erasure", actor=actor.username,
                          summary=f"erasure request {run.id} carried out",
                          detail={"run_id": run.id, "done": len(report.done), "kept": len(report.kept)})
        return report

    def _known_email(self, session: Session, emails: set[str]) -> bool:
        from ..access_request.models import AccessRequest
        from ..hearing.models import HearingParty
        from ..network.models import Registration

        if not emails:
            return False
        columns = (Registration.email, AccessRequest.email, HearingParty.email, OutboxMail.to_address)
        return any(session.scalar(select(c).where(c.in_(emails)).limit(1)) is not None for c in columns)

    def _erase_everywhere(self, session: Session, user: User | None, emails: set[str], report: ErasureReport):
        from ..access_request.models import AccessRequest
        from ..hearing.models import HearingParty
        from ..network.models import Evaluation, Registration

        now = self.clock()
        if user is not None:
            sessions = list(session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).unique())
            for row in sessions:
                session.delete(row)
            if sessions:
                report.done.append(f"{len(sessions)} sign-in sessions deleted")
            created = session.scalar(select(Document.id).where(Document.created_by == user.username).limit(1))
            if created is not None:
                report.kept.append(("documents", KEPT_DOCUMENTS))
            anonymise_user(session, self.audit, user)
            report.done.append(f"user account {user.id} anonymised and deactivated")
        for reg in session.scalars(select(Registration).where(Registration.email.in_(emails))):
            self.audit.pseudonyms.forget(session, reg.email)
            reg.name, reg.email, reg.job_title = ANON_NAME, anon_email("registration", reg.id), ""
            reg.evaluation_token_hash, reg.anonymised_at = None, now
            for ev in session.scalars(select(Evaluation).where(Evaluation.registration_id == reg.id)):
                ev.comment = ""
            report.done.append(f"registration {reg.id} anonymised")
        for party in session.scalars(select(HearingParty).where(HearingParty.email.in_(emails))):
            party.email, party.token_hash = anon_email("party", party.id), None
            report.done.append(f"hearing party {party.id}: contact address removed")
            report.kept.append((f"hearing party {party.id}", KEPT_HEARING))
        for req in session.scalars(select(AccessRequest).where(AccessRequest.email.in_(emails))):
            anonymise_requester(session, self.audit, req, now)
            report.done.append(f"access request {req.number}: requester anonymised")
        for mail in session.scalars(select(OutboxMail).where(OutboxMail.to_address.in_(emails))):
            mail.to_address, mail.to_name, mail.body, mail.ics = anon_email("mail", mail.id), "", ANON_NAME, None
            report.done.append(f"mail {mail.id} anonymised")
        for email in emails:
            self.audit.pseudonyms.forget(session, email)

