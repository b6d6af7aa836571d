"""The meeting page's read model of the council as a board (issue 15): what each user sees of conflicts of
interest, absences, substitutes and attendance (workflows/council/board.py records them)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import lanes
from ..dates import COPENHAGEN
from ..directory import User
from . import models
from .models import (
    OVER_STATUSES, Absence, AgendaItem, Attendance, AttendanceStatus, ItemKind, Meeting, MeetingStatus, Ruling,
    absences, attendance, conflicted, conflicts, get_meeting, items, member_for, members, positions,
)


@dataclass(frozen=True)
class ConflictView:
    member: str  # user name
    name: str
    reason: str | None  # None: the reason is not shown to this user
    declared_by: str
    ruling: str | None
    ruling_note: str  # internal only ("" outside)
    reason_public: bool


@dataclass(frozen=True)
class AttendanceRow:
    member: str
    name: str
    status: str
    substitute: str | None  # user name
    substitute_name: str | None
    recorded: bool  # recorded by the secretariat (else prefilled from absences and rulings)


@dataclass(frozen=True)
class ItemBoard:
    item_id: int
    conflicts: list[ConflictView]
    conflicted_names: list[str] = field(default_factory=list)  # ruled conflicted: named in the minutes
    substitute_positions: list[tuple[str, str, str]] = field(default_factory=list)  # (substitute, member, stance)
    attendance: list[AttendanceRow] = field(default_factory=list)  # the item's: recorded, else prefilled
    attendance_recorded: bool = False  # the secretariat recorded attendance for the item itself


@dataclass(frozen=True)
class BoardPage:
    meeting_id: int
    public: bool
    absences: list[Absence]
    names: dict[str, str]
    attendance: list[AttendanceRow]
    attendance_recorded: bool
    items: dict[int, ItemBoard]
    me: str | None  # the viewer as a council member (user name)
    may_declare: bool  # the viewer (member or secretariat) may declare/raise conflicts and register absence
    may_rule: bool  # the viewer is the chair
    may_record: bool  # the secretariat may record attendance now
    substitutes_allowed: bool
    members: list[tuple[str, str]]  # (user name, name) of the council, for the secretariat's forms



def _attendance_rows(session: Session, meeting: Meeting, council: list[str], names: dict[str, str],
                     item: AgendaItem | None) -> tuple[list[AttendanceRow], bool]:
    """The attendance as recorded, else prefilled: absent (or substitute) from the absences, conflicted
    from the chair's rulings, present otherwise."""
    recorded = attendance(session, meeting.id, item.id if item else 0)
    base = attendance(session, meeting.id) if item else {}
    subs = {a.member: a.substitute for a in absences(session, meeting.id)}
    excluded = conflicted(session, item.id) if item else set()
    rows = []
    for member in council:
        row = recorded.get(member)
        if row is not None:
            status, substitute = row.status, row.substitute
        elif member in excluded:
            status, substitute = AttendanceStatus.CONFLICTED.value, None
        elif member in base:
            status, substitute = base[member].status, base[member].substitute
        elif member in subs:
            substitute = subs[member] if models.SUBSTITUTES_ALLOWED else None
            status = AttendanceStatus.SUBSTITUTE.value if substitute else AttendanceStatus.ABSENT.value
        else:
            status, substitute = AttendanceStatus.PRESENT.value, None
        rows.append(AttendanceRow(member, names.get(member, member), status, substitute,
                                  names.get(substitute, substitute) if substitute else None, row is not None))
    return rows, bool(recorded)

def board_page(session: Session, meeting_id: int, user: User | None, public: bool, today) -> BoardPage:
    """What the meeting page shows of conflicts, absences and attendance to this user (`public`: the
    meeting service's verdict on the viewer): the public sees, with the published minutes, the attendance
    and the conflict lines (the reason only where the chair made it public); members and the secretariat
    see the declarations, rulings and absences."""
    meeting = get_meeting(session, meeting_id)
    on = meeting.starts_at.astimezone(COPENHAGEN).date()
    council_rows = members(session, on)
    council = [m.user.username for m in council_rows]
    minutes_public = meeting.minutes_published_at is not None
    agenda = [i for i in items(session, meeting.id)]
    names = {m.user.username: m.user.name for m in council_rows}
    wanted = set()
    all_conflicts = {i.id: conflicts(session, i.id) for i in agenda}
    absent = absences(session, meeting.id)
    for rows in all_conflicts.values():
        wanted.update(c.member for c in rows)
    wanted.update(a.substitute for a in absent if a.substitute)
    item_positions = {i.id: positions(session, i.id) for i in agenda if i.kind == ItemKind.DECISION}
    wanted.update(p.acting_by for rows in item_positions.values() for p in rows if p.acting_by)
    wanted.update(a.substitute for a in session.scalars(select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.substitute.is_not(None))))
    missing = wanted - set(names)
    if missing:
        names.update(dict(session.execute(select(User.username, User.name).where(User.username.in_(missing)))
                          .all()))
    show = not public or minutes_public
    boards = {}
    for item in agenda:
        views = []
        for c in all_conflicts[item.id]:
            if public and c.ruling != Ruling.CONFLICTED:
                continue
            views.append(ConflictView(c.member, names.get(c.member, c.member),
                                      c.reason if (not public or c.reason_public) else None,
                                      c.declared_by, c.ruling, "" if public else c.ruling_note,
                                      c.reason_public))
        ruled = [v for v in views if v.ruling == Ruling.CONFLICTED]
        subs = [(names.get(p.acting_by, p.acting_by), names.get(p.member, p.member), p.position)
                for p in item_positions.get(item.id, []) if p.acting_by] if not public else []
        rows, recorded = _attendance_rows(session, meeting, council, names, item) if show else ([], False)
        boards[item.id] = ItemBoard(item.id, views if show else [],
                                    conflicted_names=[v.name for v in ruled] if show else [],
                                    substitute_positions=subs, attendance=rows,
                                    attendance_recorded=recorded)
    rows, recorded = _attendance_rows(session, meeting, council, names, None) if show else ([], False)
    me = user.username if user is not None and member_for(session, user, on) is not None else None
    over = meeting.status in OVER_STATUSES
    return BoardPage(
        meeting_id=meeting.id, public=public, absences=[] if public else absent, names=names,
        attendance=rows, attendance_recorded=recorded, items=boards, me=me,
        may_declare=not public and not over and (me is not None or lanes.is_secretariat(user)),
        may_rule=not public and not over and me is not None and any(
            m.is_chair for m in council_rows if m.user.username == me),
        may_record=not public and lanes.is_secretariat(user) and meeting.agenda_published_at is not None
        and meeting.status in (MeetingStatus.PUBLISHED, MeetingStatus.MINUTES)
        and today >= on,
        substitutes_allowed=models.SUBSTITUTES_ALLOWED,
        members=[(m.user.username, m.user.name) for m in council_rows])
