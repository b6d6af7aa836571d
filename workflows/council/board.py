"""The council as a board (issue 15): conflicts of interest, absences with substitutes, attendance and what
the quorum rule reads from them. Process facts, not free text.

- A **conflict of interest** (inhabilitet) on an agenda item is declared by the member or raised by the
  secretariat for them, before or during the meeting, and ruled on by the chair (conflicted / not
  conflicted, with a note; the chair may make the reason public). A member ruled conflicted takes no part in
  the item: their position task for it is withdrawn (completed by the system, audited) or, ruled before the
  agenda is published, never created (tasks.ServiceTasks.publish_agenda); a position they recorded is
  removed; they cannot record one; they do not count toward the item's quorum; the minutes name them.
- An **absence** from a meeting is registered by the member or by the secretariat. Where the council's rules
  allow it (models.SUBSTITUTES_ALLOWED) it names a **substitute** (stedfortræder): any active user who is
  not a council member on the meeting's day, not the member, and not already another member's substitute at
  the same meeting. The substitute acts for the member at that meeting only: workflows.delegation resolves
  the member's assigned tasks in the meeting's case for them (inbox, task page, completion), and every act
  is recorded "Y for X" (audit detail `acting_for`, the position's `acting_by`, the minutes).
- **Attendance** is recorded by the secretariat at the meeting, per meeting (item 0) and per item, prefilled
  from the absences and the conflict rulings. The quorum rule (bpmn/council_quorum.dmn) reads from it who
  takes part; with no attendance recorded for the meeting, the members who recorded a position take part.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Forbidden
from engine.models import ReadyTask

from .. import lanes
from ..dates import COPENHAGEN
from ..directory import User
from ..forms import FormInvalid, load_values
from ..i18n import N_
from ..notifications import notify
from . import models
from .board_view import BoardPage, board_page
from .forms import AbsenceForm, ConflictForm, RulingForm
from .models import (
    OVER_STATUSES, Absence, AgendaItem, Attendance, AttendanceStatus, Conflict, CouncilError, Meeting,
    MeetingStatus, Position, Ruling, absences, attendance, conflicted, count_positions, get_item,
    get_meeting, member_for, members, positions,
)

SYSTEM = "system"  # the actor of what the process does by itself (workflows.timeline.SYSTEM_ACTORS)
#: the attendance statuses in which a member takes part (a substitute takes part for their member)
TAKING_PART = (AttendanceStatus.PRESENT.value, AttendanceStatus.SUBSTITUTE.value)
MEETING_STATUSES = [(AttendanceStatus.PRESENT.value, N_("Present")), (AttendanceStatus.ABSENT.value, N_("Absent")),
                    (AttendanceStatus.SUBSTITUTE.value, N_("Substitute"))]
ITEM_STATUSES = MEETING_STATUSES + [(AttendanceStatus.CONFLICTED.value, N_("Conflicted"))]
STATUS_LABELS = dict(ITEM_STATUSES)


# ------------------------------------------------------------------ what the quorum reads

def effective_status(member: str, meeting_rows: dict[str, Attendance], item_rows: dict[str, Attendance]) -> str:
    """A member's attendance at an item: the item's own record, else the meeting's, else absent."""
    row = item_rows.get(member) or meeting_rows.get(member)
    return row.status if row is not None else AttendanceStatus.ABSENT.value


def quorum_basis(session: Session, item: AgendaItem, council: list[str]) -> dict:
    """Who may take part in the item (`eligible`: the members not ruled conflicted) and who takes part
    (`participating`: present or represented by a substitute as the secretariat recorded it, else, where no
    attendance is recorded for the meeting, those who recorded a position), and on which `basis`."""
    excluded = conflicted(session, item.id)
    eligible = [m for m in council if m not in excluded]
    meeting_rows = attendance(session, item.meeting_id)
    if meeting_rows:
        item_rows = attendance(session, item.meeting_id, item.id)
        taking_part = [m for m in eligible if effective_status(m, meeting_rows, item_rows) in TAKING_PART]
        basis = "attendance"
    else:
        recorded = {p.member for p in positions(session, item.id)}
        taking_part = [m for m in eligible if m in recorded]
        basis = "positions"
    return {"eligible": len(eligible), "participating": len(taking_part), "basis": basis,
            "conflicted": sorted(m for m in council if m in excluded)}


def tally(session: Session, item: AgendaItem, now: datetime) -> dict:
    """The positions on a decision item and what the quorum rule (bpmn/council_quorum.dmn) reads: the members
    who may take part (`eligible`: not ruled conflicted) and those who take part (`participating`: present or
    represented by a substitute by the recorded attendance; with none recorded for the meeting, those who
    recorded a position), on which `basis`, who is `conflicted`, and which eligible members have not
    recorded a position (`missing`, user names). The council process's `count_positions` task returns it."""
    counts = count_positions(session, item.id)
    council = [m.user.username for m in members(session, now.astimezone(COPENHAGEN).date())]
    recorded = {p.member for p in positions(session, item.id)}
    basis = quorum_basis(session, item, council)
    return {**counts, **basis,
            "missing": [name for name in council if name not in recorded and name not in basis["conflicted"]]}


def substitute_for(session: Session, meeting_id: int, username: str) -> str | None:
    """The member the user is the registered substitute for at the meeting (None: for nobody)."""
    if not models.SUBSTITUTES_ALLOWED:
        return None
    return session.scalar(select(Absence.member).where(Absence.meeting_id == meeting_id,
                                                       Absence.substitute == username,
                                                       Absence.withdrawn_at.is_(None)))


class Board:
    """Conflicts, absences, attendance: the access rules live here; the web layer only parses and renders."""

    def __init__(self, council):
        self.engine = council.engine
        self.clock = council.clock
        self.mail = council.tasks.mail

    def _now(self) -> datetime:
        return self.clock()

    def _today(self):
        return self._now().astimezone(COPENHAGEN).date()

    def _audit(self, session: Session, kind: str, actor: str, meeting: Meeting, summary: str, detail: dict,
               people: tuple = ()) -> None:
        """An audit event; `people`: the user names in its summary and detail (written as references)."""
        self.engine.audit.append(session, kind=kind, actor=actor, case_id=meeting.case_id, summary=summary[:500],
                                 detail=detail, people=[p for p in people if p])

    def _member_named(self, session: Session, username: str, on) -> User:
        user = session.scalar(select(User).where(User.username == username))
        if member_for(session, user, on) is None:
            raise FormInvalid({"member": [N_("There is no council member with this user name.")]})
        return user

    def _who(self, session: Session, user: User, raw_member: str | None, on) -> str:
        """The member a declaration or an absence is for: oneself, or (the secretariat) the one named."""
        named = (raw_member or "").strip()
        if lanes.is_secretariat(user) and named and named != user.username:
            return self._member_named(session, named, on).username
        if member_for(session, user, on) is not None and named in ("", user.username):
            return user.username
        if lanes.is_secretariat(user):
            raise FormInvalid({"member": [N_("Name the council member.")]})
        raise Forbidden(N_("Only a council member, for themselves, or the secretariat can do this."))

    @staticmethod
    def _open_meeting(meeting: Meeting) -> None:
        if meeting.status in OVER_STATUSES:
            raise CouncilError(N_("The meeting is over; its record can no longer change."))

    # ------------------------------------------------------------ conflicts
    def declare_conflict(self, session: Session, user: User, item_id: int, raw: dict) -> Conflict:
        item = get_item(session, item_id)
        meeting = item.meeting
        on = meeting.starts_at.astimezone(COPENHAGEN).date()
        if not (lanes.is_secretariat(user) or member_for(session, user, on) is not None):
            raise Forbidden(N_("Only a council member, for themselves, or the secretariat can do this."))
        values = load_values(ConflictForm, raw)
        member = self._who(session, user, values.get("member"), on)
        self._open_meeting(meeting)
        if item.decided_at is not None:
            raise CouncilError(N_("The chair has decided this item; a conflict can no longer be declared."))
        if session.scalar(select(Conflict.id).where(Conflict.item_id == item.id, Conflict.member == member)):
            raise CouncilError(N_("A conflict of interest is already declared for this member on this item."),
                               "member")
        row = Conflict(item_id=item.id, member=member, reason=values["reason"], declared_by=user.username,
                       declared_at=self._now())
        session.add(row)
        session.flush()
        self._audit(session, "council.conflict_declared", user.username, meeting, f"{item.title}: {member}",
                    {"item_id": item.id, "member": member}, (member,))
        return row

    def rule_conflict(self, session: Session, user: User, item_id: int, raw: dict) -> Conflict:
        item = get_item(session, item_id)
        meeting = item.meeting
        chair = member_for(session, user, self._today())
        if chair is None or not chair.is_chair:
            raise Forbidden(N_("Only the chair rules on a conflict of interest."))
        values = load_values(RulingForm, raw)
        row = session.scalar(select(Conflict).where(Conflict.item_id == item.id, Conflict.member == values["member"]))
        if row is None:
            raise FormInvalid({"member": [N_("No conflict of interest is declared for this member on this item.")]})
        self._open_meeting(meeting)
        if item.decided_at is not None:
            raise CouncilError(N_("The chair has decided this item; the ruling can no longer change."))
        if row.ruling is not None:
            raise CouncilError(N_("The chair has already ruled on this conflict of interest."), "member")
        row.ruling = values["ruling"]
        row.ruling_note = values.get("note") or ""
        row.reason_public = bool(values.get("reason_public"))
        row.ruled_by, row.ruled_at = user.username, self._now()
        self._audit(session, "council.conflict_ruled", user.username, meeting,
                    f"{item.title}: {row.member} {row.ruling}",
                    {"item_id": item.id, "member": row.member, "ruling": row.ruling,
                     "reason_public": row.reason_public}, (row.member,))
        if row.ruling == Ruling.CONFLICTED:
            self._exclude(session, item, row.member)
            self._refresh_decisions(session, meeting, item.id)
        return row

    def _refresh_decisions(self, session: Session, meeting: Meeting, item_id: int = 0) -> None:
        """An item already before the chair (its decision task ready) had its counts taken when it came up:
        a ruling or attendance recorded since is counted again, and the decision tables (the suggested
        outcome, the quorum) read the new counts."""
        if meeting.case_id is None:
            return
        ready = list(session.scalars(select(ReadyTask).where(ReadyTask.case_id == meeting.case_id,
                                                             ReadyTask.form_key == "council.decide")))
        if not ready:
            return
        session.flush()
        instance = self.engine.load(session, meeting.case_id)
        for proj in ready:
            current = (self.engine.ready_task(instance, proj.id).data.get("item") or {}).get("item_id")
            if current is None or (item_id and current != item_id):
                continue
            counts = tally(session, get_item(session, current), self._now())
            self.engine.refresh_ready_task(session, meeting.case_id, proj.id, {"counts": counts},
                                           decisions=("propose", "check_quorum"), actor=SYSTEM,
                                           summary="counts taken again (conflict ruling or attendance)")

    def _exclude(self, session: Session, item: AgendaItem, member: str) -> None:
        """The member takes no part in the item: their position goes, their position task is withdrawn."""
        meeting = item.meeting
        position = session.scalar(select(Position).where(Position.item_id == item.id, Position.member == member))
        if position is not None:
            self._audit(session, "council.position_removed", SYSTEM, meeting, f"{item.title}: {member}",
                        {"item_id": item.id, "member": member, "position": position.position,
                         "reason": "conflict"}, (member,))
            session.delete(position)
        if meeting.case_id is None:
            return
        tasks = list(session.scalars(select(ReadyTask).where(ReadyTask.case_id == meeting.case_id,
                                                             ReadyTask.assignee == member,
                                                             ReadyTask.form_key == "council.position")))
        if not tasks:
            return
        instance = self.engine.load(session, meeting.case_id)
        mine = [t.id for t in tasks
                if (self.engine.ready_task(instance, t.id).data.get("request") or {}).get("item_id") == item.id]
        for task_id in mine:  # completed by the system: it leaves the member's inbox
            self.engine.complete_task(session, meeting.case_id, task_id, data={}, actor=SYSTEM,
                                      audit_data={"withdrawn": "conflict", "item_id": item.id})
            self._audit(session, "council.position_withdrawn", SYSTEM, meeting, f"{item.title}: {member}",
                        {"item_id": item.id, "member": member, "task_id": task_id}, (member,))

    # ------------------------------------------------------------- absences
    def register_absence(self, session: Session, user: User, meeting_id: int, raw: dict) -> Absence:
        meeting = get_meeting(session, meeting_id)
        on = meeting.starts_at.astimezone(COPENHAGEN).date()
        if not (lanes.is_secretariat(user) or member_for(session, user, on) is not None):
            raise Forbidden(N_("Only a council member, for themselves, or the secretariat can do this."))
        values = load_values(AbsenceForm, raw)
        member = self._who(session, user, values.get("member"), on)
        self._open_meeting(meeting)
        substitute = (values.get("substitute") or "").strip() or None
        if substitute is not None:
            self._check_substitute(session, meeting, member, substitute, on)
        row = session.scalar(select(Absence).where(Absence.meeting_id == meeting.id, Absence.member == member))
        if row is not None and row.withdrawn_at is None:
            raise CouncilError(N_("This member's absence is already registered; withdraw it first."), "member")
        if row is None:
            row = Absence(meeting_id=meeting.id, member=member, registered_by=user.username)
            session.add(row)
        row.substitute, row.reason, row.withdrawn_at = substitute, values.get("reason") or "", None
        row.registered_by, row.registered_at = user.username, self._now()
        session.flush()
        if substitute is not None:
            self._tell_substitute(session, meeting, member, substitute)
        self._audit(session, "council.absence", user.username, meeting,
                    f"{member}" + (f" (stedfortræder {substitute})" if substitute else ""),
                    {"member": member, "substitute": substitute}, (member, substitute))
        return row

    def _tell_substitute(self, session: Session, meeting: Meeting, member: str, substitute: str) -> None:
        people = {u.username: u for u in session.scalars(select(User).where(
            User.username.in_((member, substitute)))).unique()}
        to = people[substitute]
        if to.email:
            mail = self.mail.substitute(meeting, to.name, people[member].name)
            notify(session, mail.tag, to=to.email, to_name=to.name, case_id=meeting.case_id, subject=mail.subject,
                   body=mail.body, user_id=to.id, now=self._now())

    def _check_substitute(self, session: Session, meeting: Meeting, member: str, substitute: str, on) -> None:
        if not models.SUBSTITUTES_ALLOWED:
            raise FormInvalid({"substitute": [N_("The council's rules do not allow substitutes.")]})
        other = session.scalar(select(User).where(User.username == substitute, User.active.is_(True)))
        if other is None:
            raise FormInvalid({"substitute": [N_("There is no active user with this user name.")]})
        if other.username == member or member_for(session, other, on) is not None:
            raise FormInvalid({"substitute": [N_("A substitute is not a member of the council.")]})
        taken = session.scalar(select(Absence.member).where(Absence.meeting_id == meeting.id,
                                                            Absence.substitute == substitute,
                                                            Absence.withdrawn_at.is_(None),
                                                            Absence.member != member))
        if taken:
            raise FormInvalid({"substitute": [N_("This user is already another member's substitute at the "
                                                 "meeting.")]})

    def withdraw_absence(self, session: Session, user: User, meeting_id: int, raw: dict) -> Absence:
        meeting = get_meeting(session, meeting_id)
        on = meeting.starts_at.astimezone(COPENHAGEN).date()
        if not (lanes.is_secretariat(user) or member_for(session, user, on) is not None):
            raise Forbidden(N_("Only a council member, for themselves, or the secretariat can do this."))
        member = self._who(session, user, raw.get("member"), on)
        self._open_meeting(meeting)
        row = session.scalar(select(Absence).where(Absence.meeting_id == meeting.id, Absence.member == member,
                                                   Absence.withdrawn_at.is_(None)))
        if row is None:
            raise CouncilError(N_("No absence is registered for this member."), "member")
        row.withdrawn_at = self._now()
        self._audit(session, "council.absence_withdrawn", user.username, meeting, member, {"member": member},
                    (member,))
        return row

    # ------------------------------------------------------------ attendance
    def record_attendance(self, session: Session, user: User, meeting_id: int, raw: dict,
                          item_id: int = 0) -> list[Attendance]:
        """The secretariat records who attends the meeting (item 0) or one item: raw `status-<member>` (and
        `substitute-<member>` with the status substitute) for every member of the council."""
        lanes.require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        item = get_item(session, item_id) if item_id else None
        if item is not None and item.meeting_id != meeting.id:
            raise CouncilError(N_("The item is not on this meeting's agenda."))
        if meeting.status in (MeetingStatus.MINUTES_REVIEW, MeetingStatus.CONCLUDED) or \
                meeting.agenda_published_at is None or self._today() < meeting.starts_at.astimezone(COPENHAGEN).date():
            raise CouncilError(N_("Attendance is recorded at the meeting, until the minutes are sent for approval."))
        council = [m.user.username for m in members(session, meeting.starts_at.astimezone(COPENHAGEN).date())]
        allowed = dict(ITEM_STATUSES if item else MEETING_STATUSES)
        excluded = conflicted(session, item.id) if item else set()
        subs = {a.member: a.substitute for a in absences(session, meeting.id)}
        errors: dict[str, list[str]] = {}
        wanted: dict[str, tuple[str, str | None]] = {}
        for member in council:
            status = (raw.get(f"status-{member}") or "").strip()
            if member in excluded:
                status = AttendanceStatus.CONFLICTED.value  # the chair's ruling decides it
            if status not in allowed:
                errors[f"status-{member}"] = [N_("Choose the member's attendance.")]
                continue
            substitute = None
            if status == AttendanceStatus.CONFLICTED and member not in excluded:
                errors[f"status-{member}"] = [N_("Only the chair's ruling makes a member conflicted on an item.")]
                continue
            if status == AttendanceStatus.SUBSTITUTE:
                substitute = (raw.get(f"substitute-{member}") or "").strip() or subs.get(member)
                if not substitute:
                    errors[f"substitute-{member}"] = [N_("Name the substitute who acted for the member.")]
                    continue
                if substitute != subs.get(member):
                    try:
                        self._check_substitute(session, meeting, member, substitute,
                                               meeting.starts_at.astimezone(COPENHAGEN).date())
                    except FormInvalid as exc:
                        errors[f"substitute-{member}"] = exc.errors["substitute"]
                        continue
            wanted[member] = (status, substitute)
        if errors:
            raise FormInvalid(errors)
        existing = attendance(session, meeting.id, item_id)
        rows = []
        for member, (status, substitute) in wanted.items():
            row = existing.get(member) or Attendance(meeting_id=meeting.id, item_id=item_id, member=member)
            if row.id is None:
                session.add(row)
            row.status, row.substitute = status, substitute
            row.recorded_by, row.recorded_at = user.username, self._now()
            rows.append(row)
        session.flush()
        self._audit(session, "council.attendance", user.username, meeting,
                    f"{item.title if item else meeting.title}: "
                    + ", ".join(f"{m} {s}" for m, (s, _) in wanted.items()),
                    {"item_id": item_id, "attendance": [[m, s] for m, (s, _) in wanted.items()]},
                    (*wanted, *(sub for _, sub in wanted.values())))
        self._refresh_decisions(session, meeting, item_id)
        return rows

    # ------------------------------------------------------------------ read
    def board_page(self, session: Session, meeting_id: int, user: User | None, public: bool) -> BoardPage:
        """What the meeting page shows of conflicts, absences and attendance to this user (board_view)."""
        return board_page(session, meeting_id, user, public, self._today())
