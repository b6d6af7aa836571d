"""Hearing deadlines in Danish working days, and the secretariat's controls of a running hearing:
extend the deadline or close the hearing early, with a reason that is recorded, shown on the public
page and mailed to the parties that have not answered. The reminder and deadline timers of the
hearing's workflow are moved to the new date (the waiting timer tasks' due times), so the worker fires
them then and the timer projection shows the new times."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.context import run_steps
from engine.workdays import add_working_days, holiday_name, is_working_day, next_working_day

from ..dates import COPENHAGEN, end_of_day
from ..forms import REQUIRED, FormInvalid
from ..i18n import N_
from ..lanes import require_secretariat
from ..links import Links
from ..notifications import notify
from . import mail
from .models import HearingError, HearingStatus, contact_users, get_hearing, parties, responses
from .records import DeadlineChange

MIN_PERIOD = timedelta(weeks=4)
REASON_MAX = 5000
REMINDER_TIMER, DEADLINE_TIMER = "reminder_timer", "deadline_timer"
WEEKDAYS_DA = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]


def deadline_errors(deadline: date | None, today: date) -> list[str]:
    """Why a deadline cannot be chosen (empty if it can): not after today, or not a working day."""
    if deadline is None:
        return [REQUIRED]
    if deadline <= today:
        return [N_("The deadline must be after today.")]
    if not is_working_day(deadline):
        name = holiday_name(deadline) or WEEKDAYS_DA[deadline.weekday()]
        following = next_working_day(deadline)
        return [N_("The deadline falls on a day that is not a working day:"), f"{name} {deadline:%d.%m.%Y}.",
                N_("The next working day is:"), f"{following:%d.%m.%Y}."]
    return []


def short_period(opened: date, deadline: date) -> bool:
    """The guidance's norm is at least four weeks: shorter periods get a warning."""
    return deadline - opened < MIN_PERIOD


def reminder_moment(deadline: date, days: int, working: bool = True) -> datetime | None:
    """The end of the day `days` working (or calendar) days before the deadline (None for no reminder), at
    the Copenhagen wall-clock time, not N x 24 h (summer and winter time)."""
    if not days:
        return None
    return end_of_day(add_working_days(deadline, -days) if working else deadline - timedelta(days=days))


def _waiting_timers(workflow):
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.get_tasks(state=TaskState.WAITING):
            if "event_value" in task.internal_data:
                yield task


def move_timers(engine, session: Session, case_id: int, moves: dict[str, datetime], *, actor: str,
                summary: str, fire: bool = False) -> dict[str, str]:
    """Set the due time of the case's waiting timers named in `moves` (by BPMN id); with `fire`, run the
    ones now due at once. Saved with the case (one audit event). Returns {timer: new due time}."""
    instance = engine.load(session, case_id)
    moved = {}
    for task in _waiting_timers(instance.workflow):
        name = task.task_spec.bpmn_id or task.task_spec.name
        if name in moves:
            task.internal_data["event_value"] = moves[name].isoformat()
            moved[name] = moves[name].isoformat()
    if fire:
        def step():
            instance.workflow.refresh_timers()
            instance.workflow.do_engine_steps()
        run_steps(session, case_id, actor, step)
    engine.save(session, instance, actor=actor, kind="hearing.deadline", summary=summary, detail={"timers": moved})
    return moved


class DeadlineControls:
    def __init__(self, engine, links: Links, clock: Callable[[], datetime]):
        self.engine, self.links, self.clock = engine, links, clock

    def _today(self) -> date:
        return self.clock().astimezone(COPENHAGEN).date()

    def _running(self, session: Session, user, hearing_id: int):
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        if hearing.status != HearingStatus.OPEN:
            raise HearingError(N_("Only a hearing that is open for responses can have its deadline changed."))
        return hearing

    def extend(self, session: Session, user, hearing_id: int, raw: dict) -> DeadlineChange:
        hearing = self._running(session, user, hearing_id)
        reason = (raw.get("reason") or "").strip()
        errors: dict[str, list[str]] = {}
        try:
            deadline = date.fromisoformat((raw.get("deadline") or "").strip())
        except ValueError:
            deadline = None
            errors["deadline"] = [N_("Enter a real date.") if raw.get("deadline") else REQUIRED]
        if deadline is not None:
            problems = deadline_errors(deadline, self._today())
            if not problems and deadline <= hearing.deadline:
                problems = [N_("An extended deadline must be later than the current one.")]
            if problems:
                errors["deadline"] = problems
        if not reason:
            errors["reason"] = [REQUIRED]
        elif len(reason) > REASON_MAX:
            errors["reason"] = [N_("The text is too long.")]
        if errors:
            raise FormInvalid(errors)
        now = self.clock()
        change = self._record(session, user, hearing, "extend", deadline, reason)
        hearing.deadline, hearing.deadline_at = deadline, end_of_day(deadline)
        moves = {DEADLINE_TIMER: hearing.deadline_at}
        if hearing.reminded_at is None:
            reminder = reminder_moment(deadline, hearing.reminder_days, hearing.reminder_working_days)
            hearing.reminder_at = reminder if reminder is not None and reminder > now else None
            if reminder is not None:
                moves[REMINDER_TIMER] = max(reminder, now)
        move_timers(self.engine, session, hearing.case_id, moves, actor=user.username,
                    summary=f"Frist forlænget til {deadline:%d.%m.%Y}")
        self._tell_silent(session, hearing, "extend", reason)
        return change

    def close_early(self, session: Session, user, hearing_id: int, raw: dict) -> DeadlineChange:
        hearing = self._running(session, user, hearing_id)
        reason = (raw.get("close_reason") or "").strip()
        if not reason:
            raise FormInvalid({"close_reason": [REQUIRED]})
        if len(reason) > REASON_MAX:
            raise FormInvalid({"close_reason": [N_("The text is too long.")]})
        now = self.clock()
        change = self._record(session, user, hearing, "close", self._today(), reason)
        self._tell_silent(session, hearing, "close", reason, today=self._today())
        hearing.deadline, hearing.deadline_at, hearing.reminder_at = self._today(), now, None
        # closed first, so a reminder timer firing with the deadline sends nothing
        hearing.status = HearingStatus.CLOSED
        due = now - timedelta(seconds=1)
        move_timers(self.engine, session, hearing.case_id, {DEADLINE_TIMER: due, REMINDER_TIMER: due},
                    actor=user.username, summary="Høringen lukket før tid", fire=True)
        return change

    def _record(self, session, user, hearing, kind: str, new: date, reason: str) -> DeadlineChange:
        change = DeadlineChange(hearing_id=hearing.id, kind=kind, old_deadline=hearing.deadline, new_deadline=new,
                                reason=reason, created_by=user.username, created_at=self.clock())
        session.add(change)
        self.engine.audit.append(session, kind=f"hearing.{kind}", actor=user.username, case_id=hearing.case_id,
                                 summary=f"{hearing.deadline:%d.%m.%Y} -> {new:%d.%m.%Y}",
                                 detail={"hearing_id": hearing.id, "kind": kind, "old": hearing.deadline.isoformat(),
                                         "new": new.isoformat(), "reason": reason}, data=reason)
        return change

    def _tell_silent(self, session, hearing, kind: str, reason: str, today: date | None = None) -> int:
        """Mail the parties that have not answered (on the hearing's new deadline, or its early close): the
        party's mailbox at once (it has no account), and each of a municipality party's contacts as they chose
        (workflows/notifications.py kinds `hearing.extend` / `hearing.close`), unless their address is the
        party's. A party that has answered, on time or late, hears nothing."""
        answered = {r.party_id for r in responses(session, hearing.id)}
        users = contact_users(session, hearing.id)
        public_url = self.links("hearing.public", hearing_id=hearing.id)
        count = 0
        for party in parties(session, hearing.id):
            if party.id in answered:
                continue
            contacts = users.get(party.municipality_id, []) if party.municipality_id is not None else []
            receivers = [(party.email, party.name, None, [c.name for c in contacts])] if party.email else []
            receivers += [(c.email, c.name, c.id, [c.name]) for c in contacts
                          if c.email and c.email.lower() != (party.email or "").lower()]
            for address, name, user_id, names in receivers:
                subject, body = mail.TEMPLATES.render("deadline_changed", hearing=hearing, kind=kind, reason=reason,
                                                      public_url=public_url, greeting=mail.greeting(party, names))
                notify(session, f"hearing.{kind}", to=address, to_name=name, subject=subject, body=body,
                       user_id=user_id, case_id=hearing.case_id, now=self.clock())
                count += 1
        return count
