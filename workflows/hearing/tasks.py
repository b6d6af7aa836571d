"""The hearing process's BPMN steps: the service tasks (publish, remind, close, publish the note) and
the task forms (prepare, write the note, approve it) registered in the form registry."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Callable

from sqlalchemy import select

from engine import current_execution
from engine.mail import queue_mail
from engine.models import Document, utcnow
from engine.workdays import holiday_name, is_working_day, next_working_day

from ..dates import COPENHAGEN
from ..dates import end_of_day as deadline_moment  # the end of the deadline day
from ..directory import token_hash
from ..forms import FormDef, FormInvalid, register
from ..i18n import N_
from ..links import Links
from ..task_context import DocumentRef, HearingNoteRef, HearingPreparationContext, NotePoint, PartyRef
from . import mail
from .deadlines import WEEKDAYS_DA, deadline_errors, reminder_moment
from .records import DeadlineChange
from .forms import ApproveNoteForm, NoteForm, PrepareForm
from .models import (
    DISPOSITIONS, HearingDocument, HearingStatus, NoteDecision, considered_count, contact_names, get_hearing, material,
    missing_points, note_points, parties, pending_late, recount, responses,
)


class HearingSteps:
    """The service-task handlers, with the links and the clock they need."""

    def __init__(self, links: Links, clock: Callable[[], datetime] = utcnow):
        self.links = links
        self.clock = clock

    def service_handlers(self) -> dict:
        return {"hearing.publish": self.publish, "hearing.remind": self.remind,
                "hearing.close": self.close, "hearing.publish_note": self.publish_note}

    def _context(self, params):
        ctx = current_execution.get()
        return ctx.session, get_hearing(ctx.session, int(params["hearing_id"]))

    def publish(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        now = self.clock()
        hearing.status = HearingStatus.OPEN
        hearing.published_at = now
        hearing.deadline_at = deadline_moment(hearing.deadline)
        # N working days before, at the end of that day in Copenhagen (not N x 24 h: DST changes)
        reminder = reminder_moment(hearing.deadline, hearing.reminder_days, hearing.reminder_working_days)
        hearing.reminder_at = reminder if reminder is not None and reminder > now else None
        public_url = self.links("hearing.public", hearing_id=hearing.id)
        contacts = contact_names(session, hearing.id)
        for party in parties(session, hearing.id):
            token = secrets.token_urlsafe(32)
            party.token_hash = token_hash(token)
            party.invited_at = now
            subject, body = mail.invitation(hearing, party, self.links("hearing.answer", token=token), public_url,
                                           contacts.get(party.municipality_id))
            queue_mail(session, to=party.email, to_name=party.name, case_id=hearing.case_id, tag="hearing.invite",
                       subject=subject, body=body)
        recount(session, hearing)
        return {"deadline_at": hearing.deadline_at.isoformat(),
                "reminder_at": hearing.reminder_at.isoformat() if hearing.reminder_at else None}

    def remind(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        if hearing.status != HearingStatus.OPEN:
            return {"reminded": 0}
        answered = {r.party_id for r in responses(session, hearing.id)}
        now = self.clock()
        count = 0
        contacts = contact_names(session, hearing.id)
        for party in parties(session, hearing.id):
            if party.id in answered or not party.email:
                continue
            party.reminded_at = now
            count += 1
            subject, body = mail.reminder(hearing, party, contacts.get(party.municipality_id))
            queue_mail(session, to=party.email, to_name=party.name, case_id=hearing.case_id, tag="hearing.reminder",
                       subject=subject, body=body)
        hearing.reminded_at = now
        return {"reminded": count}

    def close(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        hearing.status = HearingStatus.CLOSED
        hearing.closed_at = self.clock()
        recount(session, hearing)
        return {"answered": hearing.answered_count}

    def publish_note(self, params: dict, task_data: dict) -> dict:
        session, hearing = self._context(params)
        hearing.status = HearingStatus.CONCLUDED
        hearing.concluded_at = self.clock()
        return {"published": considered_count(session, hearing.id)}


# ------------------------------------------------------------- task forms

def _prepare_initial(ctx) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    return PrepareForm().initial({"title": hearing.title, "summary": hearing.summary,
                                  "deadline": hearing.deadline, "reminder_days": hearing.reminder_days,
                                  "reminder_unit": "working"})


def _prepare_submit(ctx, values: dict, clock: Callable[[], datetime]) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    today = clock().astimezone(COPENHAGEN).date()
    errors: dict[str, list[str]] = {}
    moved = None
    if values.get("deadline") and values["deadline"] > today and not is_working_day(values["deadline"]):
        # a deadline on a holiday or weekend is moved to the next working day, with a warning on the pages
        moved = (values["deadline"], next_working_day(values["deadline"]))
        values = {**values, "deadline": moved[1]}
    if deadline_errors(values["deadline"], today):
        errors["deadline"] = deadline_errors(values["deadline"], today)
    elif values["reminder_days"] and reminder_moment(
            values["deadline"], values["reminder_days"],
            values.get("reminder_unit") == "working") <= deadline_moment(today):
        errors["reminder_days"] = [N_("The reminder would fall before tomorrow; choose fewer days or 0.")]
    party_rows = parties(ctx.session, hearing.id)
    if not party_rows:
        errors["parties"] = [N_("Add at least one party before publishing.")]
    without = [p.name for p in party_rows if not p.email]
    if without:
        errors["parties"] = [N_("These parties have no e-mail address:"), ", ".join(without)]
    offered = {d.id for d in _offered(ctx.session, hearing)}
    if any(i not in offered for i in values.get("material_documents") or []):
        errors["material_documents"] = [N_("Choose one of the options.")]
    if errors:
        raise FormInvalid(errors)
    for document_id in values.get("material_documents") or []:  # the existing versions become material
        ctx.session.add(HearingDocument(hearing_id=hearing.id, document_id=document_id))
    hearing.title, hearing.summary = values["title"], values["summary"]
    hearing.deadline, hearing.reminder_days = values["deadline"], values["reminder_days"]
    hearing.reminder_working_days = values.get("reminder_unit") == "working"
    if moved is not None:
        name = holiday_name(moved[0]) or WEEKDAYS_DA[moved[0].weekday()]
        ctx.session.add(DeadlineChange(hearing_id=hearing.id, kind="moved", old_deadline=moved[0],
                                       new_deadline=moved[1], created_by=ctx.user.username if ctx.user else "system",
                                       reason=f"{name} {moved[0]:%d.%m.%Y} er ikke en arbejdsdag.",
                                       created_at=clock()))
    return {"hearing_id": hearing.id}


def _offered(session, hearing) -> list[Document]:
    """The documents of the hearing's case (the proposal's, when a proposal runs it) not yet its material."""
    if hearing.case_id is None:
        return []
    taken = {d.id for d in material(session, hearing.id)}
    return [d for d in session.scalars(select(Document).where(Document.case_id == hearing.case_id)
                                       .order_by(Document.created_at, Document.id)) if d.id not in taken]


def _prepare_choices(ctx) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    return {"material_documents": [(str(d.id), f"{d.title} (v{d.current.number})" if d.current else d.title)
                                   for d in _offered(ctx.session, hearing)]}


def _prepare_context(ctx) -> HearingPreparationContext:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    return HearingPreparationContext(
        hearing_id=hearing.id, title=hearing.title, status=hearing.status,
        parties=[PartyRef(p.name, p.email or "") for p in parties(ctx.session, hearing.id)],
        material=[DocumentRef.of(d) for d in material(ctx.session, hearing.id)],
        offered=[DocumentRef.of(d) for d in _offered(ctx.session, hearing)])


def note_record(session, hearing) -> HearingNoteRef:
    """A hearing's note as task pages show it: the summary and each point with its party and disposition."""
    names = {p.id: p.name for p in parties(session, hearing.id)}
    points = [NotePoint(names.get(point.response.party_id, "") if point.response is not None else "",
                        point.point or "", dict(DISPOSITIONS).get(point.disposition, point.disposition or ""),
                        point.reason or "")
              for point in note_points(session, hearing.id)]
    return HearingNoteRef(hearing_id=hearing.id, title=hearing.title, status=hearing.status,
                          note_summary=hearing.note_summary or "", points=points)


def _note_context(ctx) -> HearingNoteRef:
    return note_record(ctx.session, get_hearing(ctx.session, ctx.task_data["hearing_id"]))


def _note_initial(ctx) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    return {"note_summary": hearing.note_summary}


def _note_submit(ctx, values: dict, clock: Callable[[], datetime]) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    missing = missing_points(ctx.session, hearing.id)
    pending = [r.party.name for r in pending_late(ctx.session, hearing.id)]
    errors = {}
    if missing:
        errors["points"] = [N_("Every response needs at least one point with a disposition:"),
                            ", ".join(r.party.name for r in missing)]
    if pending:
        errors["late"] = [N_("The secretariat must first decide on the late responses from:"), ", ".join(pending)]
    if errors:
        raise FormInvalid(errors)
    hearing.note_summary = values.get("note_summary") or ""
    hearing.note_submitted_at = clock()
    return {}


def _approve_submit(ctx, values: dict) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    if values["note_decision"] == NoteDecision.APPROVE:
        missing = missing_points(ctx.session, hearing.id)
        if missing:
            raise FormInvalid({"note_decision": [N_("Every response needs at least one point with a disposition:"),
                                                 ", ".join(r.party.name for r in missing)]})
    else:
        hearing.note_submitted_at = None  # returned: the working group may change the points again
    hearing.note_return_reason = values.get("reason") if values["note_decision"] == NoteDecision.RETURN else None
    return {"note_decision": values["note_decision"]}


def register_forms(clock: Callable[[], datetime] = utcnow) -> None:
    """Register the hearing's task forms; `runtime.build` registers them again with the services' clock."""
    register(FormDef("hearing.prepare", PrepareForm, lambda ctx, values: _prepare_submit(ctx, values, clock),
                     _prepare_initial, choices=_prepare_choices, context=_prepare_context))
    register(FormDef("hearing.note", NoteForm, lambda ctx, values: _note_submit(ctx, values, clock), _note_initial,
                     context=_note_context))
    register(FormDef("hearing.approve", ApproveNoteForm, _approve_submit, context=_note_context))


register_forms()
