"""The access-request service: receiving a request, the secretariat's assessment, the delay letter, the
decisions with their letter and download, and the dashboard. Access rules live here: anyone may submit;
only the secretariat sees and handles requests; a download needs the personal link's token.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.mail import queue_mail
from engine.models import Document, ReadyTask, utcnow
from engine.workdays import add_working_days, is_working_day, working_days_between

from ..dates import COPENHAGEN, end_of_day
from ..directory import User, token_hash
from ..forms import FormInvalid, load_values
from ..i18n import N_
from ..lanes import require_secretariat
from ..links import Links
from . import mail
from .forms import AssessmentForm, DelayLetterForm, RequestForm
from .models import (
    DEADLINE_WORKING_DAYS, DELAY_LETTER_WORKING_DAY, LINK_DAYS, AccessDecision, AccessDocument, AccessRequest,
    AccessRequestError, Assessment, RequestStatus,
)
from .tasks import build_zip, decision_letter

PROCESS_ID = "access_request"
ASSESS_TASKS = ("assess", "assess_after_delay")


class LinkExpired(AccessRequestError):
    """The personal download link is past its 30 days: answered with 410 Gone."""


@dataclass
class OpenRequest:
    """A dashboard row (read from the request table, not from the workflow)."""

    id: int
    number: str
    received_on: date
    deadline: date
    status: str
    days_left: int
    assessed: int
    documents: int


def local_today(now: datetime) -> date:
    return now.astimezone(COPENHAGEN).date()


class AccessRequests:
    def __init__(self, engine, documents, links: Links | None = None, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.documents = documents
        self.links = links
        self.clock = clock

    # ------------------------------------------------------------------ receiving
    def submit(self, session: Session, raw: dict) -> AccessRequest:
        """A request from the public form: validated, numbered, deadline set, receipt mailed, process started."""
        values = load_values(RequestForm, raw)
        now = self.clock()
        received = local_today(now)
        about = values.get("case_id")
        year = received.year
        count = session.scalar(select(func.count()).select_from(AccessRequest)
                               .where(AccessRequest.number.like(f"AI-{year}-%"))) or 0
        req = AccessRequest(number=f"AI-{year}-{count + 1:04d}", name=values["name"], email=values["email"],
                            asked=values["asked"], about_case_id=about, received_on=received,
                            # the first working day after receipt is day 1 (also for a request sent at a weekend)
                            deadline=add_working_days(received, DEADLINE_WORKING_DAYS),
                            delay_due=add_working_days(received, DELAY_LETTER_WORKING_DAY),
                            created_at=now)
        session.add(req)
        session.flush()
        case = self.engine.start(session, PROCESS_ID, actor=f"access_request:{req.id}",
                                 title=f"Aktindsigt {req.number}",
                                 data={"request_id": req.id, "delay_at": end_of_day(req.delay_due).isoformat()})
        req.case_id = case.id
        if about is not None:
            self._add_case_documents(session, req, about)
        subject, body = mail.receipt(req)
        queue_mail(session, to=req.email, to_name=req.name, subject=subject, body=body, case_id=case.id,
                   tag="access_request.receipt")
        self.engine.audit.append(session, kind="access_request.received", actor=f"access_request:{req.id}",
                                 case_id=case.id, summary=f"request {req.number} received",
                                 detail={"request_id": req.id, "deadline": req.deadline.isoformat()})
        return req

    def _add_case_documents(self, session: Session, req: AccessRequest, case_id: int) -> None:
        for doc_id in session.scalars(select(Document.id).where(Document.case_id == case_id).order_by(Document.id)):
            req.documents.append(AccessDocument(document_id=doc_id))

    # ------------------------------------------------------------------ reading
    def open_requests(self, session: Session, user: User) -> list[OpenRequest]:
        require_secretariat(user)
        today = local_today(self.clock())
        counts = dict(session.execute(select(AccessDocument.request_id, func.count())
                                      .group_by(AccessDocument.request_id)).all())
        assessed = dict(session.execute(select(AccessDocument.request_id, func.count())
                                        .where(AccessDocument.assessment.is_not(None))
                                        .group_by(AccessDocument.request_id)).all())
        rows = session.execute(select(AccessRequest.id, AccessRequest.number, AccessRequest.received_on,
                                      AccessRequest.deadline, AccessRequest.status)
                               .where(AccessRequest.status != RequestStatus.DECIDED)
                               .order_by(AccessRequest.deadline, AccessRequest.id))
        return [OpenRequest(id=r.id, number=r.number, received_on=r.received_on, deadline=r.deadline, status=r.status,
                            days_left=working_days_between(today, r.deadline), assessed=assessed.get(r.id, 0),
                            documents=counts.get(r.id, 0)) for r in rows]

    def get(self, session: Session, user: User, request_id: int) -> AccessRequest:
        require_secretariat(user)
        req = session.get(AccessRequest, request_id)
        if req is None:
            raise NotFound(f"access request {request_id}")
        return req

    def candidate_documents(self, session: Session, user: User, req: AccessRequest) -> list[Document]:
        """Documents the secretariat may add: those of the case the requester named, not yet added."""
        require_secretariat(user)
        taken = {d.document_id for d in req.documents}
        if req.about_case_id is None:
            return []
        return [d for d in session.scalars(select(Document).where(Document.case_id == req.about_case_id)
                                           .order_by(Document.id)) if d.id not in taken]

    def delay_task(self, session: Session, req: AccessRequest) -> ReadyTask | None:
        return self._task(session, req, ("delay_letter",))

    def _task(self, session: Session, req: AccessRequest, names) -> ReadyTask | None:
        if req.case_id is None:
            return None
        return session.scalar(select(ReadyTask).where(ReadyTask.case_id == req.case_id,
                                                      ReadyTask.spec_name.in_(names)))

    # ------------------------------------------------------------------ assessing
    def add_documents(self, session: Session, user: User, request_id: int, document_ids: list[int]) -> AccessRequest:
        req = self._open(session, user, request_id)
        taken = {d.document_id for d in req.documents}
        for doc_id in document_ids:
            if session.get(Document, doc_id) is None:
                raise FormInvalid({"document_ids": [N_("Choose one of the options.")]})
            if doc_id not in taken:
                req.documents.append(AccessDocument(document_id=doc_id))
                taken.add(doc_id)
        session.flush()
        return req

    def assess(self, session: Session, user: User, request_id: int, item_id: int, raw: dict,
               redacted: tuple[str, bytes] | None = None) -> AccessDocument:
        """One document's assessment; a release in part needs the redactions, their reason and the redacted copy
        (uploaded), a refusal its legal basis."""
        req = self._open(session, user, request_id)  # the role first: a stranger learns nothing from errors
        values = load_values(AssessmentForm, raw)
        item = next((d for d in req.documents if d.id == item_id), None)
        if item is None:
            raise NotFound(f"access document {item_id}")
        if item.decision_id is not None:
            raise AccessRequestError(N_("The document is already covered by a decision."), "assessment")
        kind = values["assessment"]
        if kind == Assessment.PARTIAL and redacted is None and item.redacted_document_id is None:
            raise FormInvalid({"redacted": [N_("Upload the redacted copy that is released.")]})
        item.assessment = kind
        item.redactions = values.get("redactions", "") if kind == Assessment.PARTIAL else ""
        item.reason = values.get("reason", "")
        item.legal_basis = values.get("legal_basis") if kind != Assessment.FULL else None
        if kind == Assessment.PARTIAL and redacted is not None:
            filename, content = redacted
            version = self.documents.add(session, case_id=req.case_id, filename=filename, content=content,
                                         actor=user.username, title=f"{item.document.title} (overstreget)")
            item.redacted_document_id = version.document_id
        session.flush()
        self.engine.audit.append(session, kind="access_request.assessed", actor=user.username, case_id=req.case_id,
                                 summary=f"document {item.document_id}: {kind}",
                                 detail={"request_id": req.id, "document_id": item.document_id, "assessment": kind,
                                         "legal_basis": item.legal_basis})
        return item

    def set_listing(self, session: Session, user: User, request_id: int, release: bool) -> AccessRequest:
        req = self._open(session, user, request_id)
        req.release_listing = bool(release)
        session.flush()
        return req

    def _open(self, session: Session, user: User, request_id: int) -> AccessRequest:
        req = self.get(session, user, request_id)
        if not req.open:
            raise AccessRequestError(N_("The request is decided; nothing more can be changed."))
        return req

    # ------------------------------------------------------------------ delay letter
    def send_delay_letter(self, session: Session, user: User, request_id: int, raw: dict) -> AccessRequest:
        req = self._open(session, user, request_id)
        values = load_values(DelayLetterForm, raw)
        task = self.delay_task(session, req)
        if task is None:
            raise AccessRequestError(N_("A delay letter is due only when no decision is made by the 5th working day."))
        today = local_today(self.clock())
        expected = values["expected"]
        if expected <= today or not is_working_day(expected):
            raise FormInvalid({"expected": [N_("Choose a working day after today.")]})
        req.delay_reason, req.deadline = values["reason"], expected
        req.delayed_at, req.status = self.clock(), RequestStatus.DELAYED
        subject, body = mail.delay_letter(req)
        queue_mail(session, to=req.email, to_name=req.name, subject=subject, body=body, case_id=req.case_id,
                   tag="access_request.delay")
        self.engine.complete_task(session, req.case_id, task.id, {"new_deadline": expected.isoformat()},
                                  actor=user.username)
        self.engine.audit.append(session, kind="access_request.delayed", actor=user.username, case_id=req.case_id,
                                 summary=f"delay letter for {req.number}",
                                 detail={"request_id": req.id, "deadline": expected.isoformat()})
        return req

    # ------------------------------------------------------------------ deciding
    def decide(self, session: Session, user: User, request_id: int, final: bool) -> tuple[AccessDecision, str]:
        """A decision on the documents assessed and not yet decided; `final` needs every document assessed and
        ends the process. Returns the decision and the personal download link (mailed, never stored)."""
        req = self._open(session, user, request_id)
        pending = [d for d in req.documents if d.decision_id is None]
        assessed = [d for d in pending if d.assessment is not None]
        if final and len(assessed) != len(pending):
            raise AccessRequestError(N_("Every document must be assessed before the final decision; "
                                        "release the assessed ones in a partial decision."), "final")
        if not assessed and not (final and req.release_listing):
            raise AccessRequestError(N_("No document has been assessed since the last decision."), "final")
        if final and not req.documents and not req.release_listing:
            raise AccessRequestError(N_("Add the documents the request covers, or release the journal listing."),
                                     "final")
        if not final and self._task(session, req, ASSESS_TASKS) is None:
            raise AccessRequestError(N_("Send the delay letter first."), "final")
        now = self.clock()
        token = secrets.token_urlsafe(32)
        decision = AccessDecision(final=final, token_hash=token_hash(token), created_at=now,
                                  expires_at=now + timedelta(days=LINK_DAYS))
        req.decisions.append(decision)
        session.flush()
        for item in assessed:
            item.decision_id = decision.id
        pdf = decision_letter(req, assessed, final, now)
        version = self.documents.add(session, case_id=req.case_id,
                                     filename=f"afgoerelse-{req.number}-{decision.id}.pdf",
                                     content=pdf, actor=user.username,
                                     title=f"Afgørelse om aktindsigt {req.number}")
        decision.letter_document_id = version.document_id
        url = self.links("access_request.download", token=token) if self.links else token
        released = sum(1 for d in assessed if d.assessment != Assessment.REFUSED)
        subject, body = mail.decision(req, decision, url, released, len(assessed) - released)
        queue_mail(session, to=req.email, to_name=req.name, subject=subject, body=body, case_id=req.case_id,
                   tag="access_request.decision")
        if final:
            task = self._task(session, req, ASSESS_TASKS)
            if task is None:
                raise AccessRequestError(N_("Send the delay letter first."), "final")
            req.status, req.decided_at = RequestStatus.DECIDED, now
            self.engine.complete_task(session, req.case_id, task.id, {"decided": True}, actor=user.username)
        self.engine.audit.append(session, kind="access_request.decided", actor=user.username, case_id=req.case_id,
                                 summary=f"{'final' if final else 'partial'} decision on {req.number}",
                                 detail={"request_id": req.id, "decision_id": decision.id, "documents": len(assessed),
                                         "released": released})
        return decision, url

    # ------------------------------------------------------------------ downloading
    def download(self, session: Session, token: str) -> tuple[str, bytes]:
        """The zip of a decision by its personal link; NotFound for an unknown link, LinkExpired after 30 days.
        Every download is an audit event."""
        decision = session.scalar(select(AccessDecision).where(AccessDecision.token_hash == token_hash(token or "")))
        if decision is None:
            raise NotFound("download link")
        req = decision.request
        if self.clock() >= decision.expires_at:
            raise LinkExpired(N_("The download link has expired (it is valid for 30 days). Ask the secretariat "
                                 "for a new one, quoting the request number."))
        content = build_zip(session, self.documents, req, decision)
        decision.downloads += 1
        self.engine.audit.append(session, kind="access_request.download", actor=f"access_request:{req.id}",
                                 case_id=req.case_id, summary=f"decision {decision.id} downloaded",
                                 detail={"request_id": req.id, "decision_id": decision.id,
                                         "download": decision.downloads})
        return f"aktindsigt-{req.number}-{decision.id}.zip", content
