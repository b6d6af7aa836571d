"""The hearing process's BPMN steps: the service tasks (publish, remind, close, publish the note) and
the task forms (prepare, write the note, approve it) registered in the form registry."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Callable

from engine import current_execution
from engine.mail import queue_mail
from engine.models import utcnow

from ..dates import COPENHAGEN
from ..dates import end_of_day as deadline_moment  # the end of the deadline day
from ..directory import token_hash
from ..forms import FormDef, FormInvalid, register
from ..i18n import N_
from ..links import Links
from . import mail
from .forms import ApproveNoteForm, NoteForm, PrepareForm
from .models import (
    HearingStatus, NoteDecision, considered_count, get_hearing, missing_points, parties, pending_late, recount,
    responses,
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
        # N calendar days before, at the same Copenhagen wall-clock time (not N x 24 h: DST changes)
        reminder = (deadline_moment(hearing.deadline - timedelta(days=hearing.reminder_days))
                    if hearing.reminder_days else None)
        hearing.reminder_at = reminder if reminder is not None and reminder > now else None
        public_url = self.links("hearing.public", hearing_id=hearing.id)
        for party in parties(session, hearing.id):
            token = secrets.token_urlsafe(32)
            party.token_hash = token_hash(token)
            party.invited_at = now
            subject, body = mail.invitation(hearing, party, self.links("hearing.answer", token=token), public_url)
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
        for party in parties(session, hearing.id):
            if party.id in answered or not party.email:
                continue
            party.reminded_at = now
            count += 1
            subject, body = mail.reminder(hearing, party)
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
                                  "deadline": hearing.deadline, "reminder_days": hearing.reminder_days})


def _prepare_submit(ctx, values: dict, clock: Callable[[], datetime]) -> dict:
    hearing = get_hearing(ctx.session, ctx.task_data["hearing_id"])
    today = clock().astimezone(COPENHAGEN).date()
    errors: dict[str, list[str]] = {}
    if values["deadline"] <= today:
        errors["deadline"] = [N_("The deadline must be after today.")]
    elif values["reminder_days"] and values["deadline"] - timedelta(days=values["reminder_days"]) <= today:
        errors["reminder_days"] = [N_("The reminder would fall before tomorrow; choose fewer days or 0.")]
    party_rows = parties(ctx.session, hearing.id)
    if not party_rows:
        errors["parties"] = [N_("Add at least one party before publishing.")]
    without = [p.name for p in party_rows if not p.email]
    if without:
        errors["parties"] = [N_("These parties have no e-mail address:"), ", ".join(without)]
    if errors:
        raise FormInvalid(errors)
    hearing.title, hearing.summary = values["title"], values["summary"]
    hearing.deadline, hearing.reminder_days = values["deadline"], values["reminder_days"]
    return {"hearing_id": hearing.id}


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
                     _prepare_initial))
    register(FormDef("hearing.note", NoteForm, lambda ctx, values: _note_submit(ctx, values, clock), _note_initial))
    register(FormDef("hearing.approve", ApproveNoteForm, _approve_submit))


register_forms()
