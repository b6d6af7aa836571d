"""The network round's BPMN service tasks (publish, close, evaluation, summary, conclusion) and task forms."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from engine import current_execution

from ..dates import COPENHAGEN, end_of_day
from ..directory import MUNICIPALITY_CONTACT, User, token_hash
from ..forms import FormDef, FormInvalid, register
from ..i18n import N_
from ..links import Links
from . import calendar, mail
from .forms import MaterialsForm, PlanForm, invalid
from .models import (
    EVALUATION_DAYS, NetworkMembership, RegistrationStatus, RoundStatus, get_meeting, get_round, meetings,
    registrations,
)


class RoundTasks:
    """The service-task operations of `network_round.bpmn`, named in its serviceTaskOperator elements."""

    def __init__(self, links: Links, clock: Callable[[], datetime], summarise: Callable):
        self.links = links
        self.clock = clock
        self.summarise = summarise

    def handlers(self) -> dict:
        return {"network.publish": self._publish, "network.close": self._close,
                "network.send_evaluation": self._send_evaluation, "network.summarise": self._summarise,
                "network.conclude": self._conclude}

    def _ctx(self, params):
        ctx = current_execution.get()
        return ctx.session, get_round(ctx.session, int(params["round_id"]))

    def _publish(self, params, data) -> dict:
        session, row = self._ctx(params)
        row.status = RoundStatus.OPEN
        row.published_at = self.clock()
        contacts = session.scalars(select(User).join(NetworkMembership, NetworkMembership.municipality_id ==
                                                     User.municipality_id)
                                   .where(NetworkMembership.network_id == row.network_id)).unique()
        url = self.links("network.round", round_id=row.id)
        for contact in contacts:
            if contact.has_role(MUNICIPALITY_CONTACT) and contact.email:
                mail.send(session, "open", to=contact.email, to_name=contact.name, case_id=row.case_id,
                          tag="network.open", round=row, url=url, user_id=contact.id)
        return {"deadline_at": end_of_day(row.registration_deadline).isoformat()}

    def _close(self, params, data) -> dict:
        session, row = self._ctx(params)
        row.status = RoundStatus.CLOSED
        mlist = meetings(session, row.id)
        programme_url = self.links("network.programme", round_id=row.id)
        for meeting in mlist:
            ics = calendar.invitation(meeting, self.links, self.clock())
            for reg in registrations(session, meeting.id, RegistrationStatus.REGISTERED):
                if reg.anonymised_at is not None:
                    continue  # personal data deleted on request: no address to write to
                mail.send(session, "practical", to=reg.email, to_name=reg.name, case_id=row.case_id,
                          tag="network.practical", ics=ics, meeting=meeting, programme_url=programme_url)
        return {"meetings": [{"meeting_id": m.id, "ends_at": m.ends_at.isoformat(), "title": m.title}
                             for m in mlist]}

    def _send_evaluation(self, params, data) -> dict:
        session = current_execution.get().session
        meeting = get_meeting(session, int(params["meeting_id"]))
        meeting.evaluation_deadline = self.clock().astimezone(COPENHAGEN).date() + timedelta(days=EVALUATION_DAYS)
        programme_url = self.links("network.programme", round_id=meeting.round_id)
        for reg in registrations(session, meeting.id, RegistrationStatus.REGISTERED):
            if reg.anonymised_at is not None:
                continue
            token = secrets.token_urlsafe(24)
            reg.evaluation_token_hash = token_hash(token)
            mail.send(session, "evaluation", to=reg.email, to_name=reg.name, case_id=meeting.round.case_id,
                      tag="network.evaluation", meeting=meeting, programme_url=programme_url,
                      evaluation_url=self.links("network.evaluation", token=token))
        return {"deadline_at": end_of_day(meeting.evaluation_deadline).isoformat()}

    def _summarise(self, params, data) -> dict:
        return self.summarise(current_execution.get().session, int(params["meeting_id"]))

    def _conclude(self, params, data) -> dict:
        session, row = self._ctx(params)
        row.status = RoundStatus.DONE
        return {"done": True}


# ------------------------------------------------------------- task forms

def _plan_submit(ctx, values: dict) -> dict:
    row = get_round(ctx.session, ctx.task_data["round_id"])
    mlist = meetings(ctx.session, row.id)
    if not mlist:
        raise invalid("note", N_("Add the round's regional meetings before publishing."))
    unconfirmed = [m.region for m in mlist if not m.confirmed]
    if unconfirmed:
        raise FormInvalid({"note": [N_("Confirm every regional meeting before publishing:"), ", ".join(unconfirmed)]})
    if end_of_day(row.registration_deadline) <= ctx.now:
        raise invalid("note", N_("The registration deadline has passed; change the round first."))
    return {}


register(FormDef("network.plan", PlanForm, _plan_submit))
register(FormDef("network.materials", MaterialsForm, lambda ctx, values: {}))
