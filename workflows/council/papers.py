"""What the council's documents say: the agenda pack's and the minutes' content, read from the records.

Two variants of each: `internal` (the secretariat and the council: closed items in full, positions,
reasons) and `public` (closed items as the placeholder "Lukket punkt" only, no internal reasons, no
positions: the public meeting page shows none either). The documents are Danish; their wording is here
and in the templates `workflows/council/pdf/*.html`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Blob

from ..dates import COPENHAGEN
from ..directory import User

from .models import (
    AgendaItem, AttendanceStatus, ItemKind, Meeting, MinutesObjection, Ruling, absences, attendance, conflicts,
    count_positions, get_meeting, items, members, positions, postponements,
)

AUTHOR = "Kommunernes It-Arkitekturråd"  # the council: a proper name (as the feed and the calendar)
CLOSED = "Lukket punkt"
KIND_DA = {ItemKind.DECISION.value: "Beslutning", ItemKind.DISCUSSION.value: "Drøftelse",
           ItemKind.INFORMATION.value: "Orientering"}
OUTCOME_DA = {"approved": "Godkendt", "approved_with_changes": "Godkendt med ændringer", "rejected": "Afvist",
              "sent_back": "Sendt tilbage til arbejdsgruppen"}
STANCE_DA = {"agree": "Tilslutning", "object": "Indsigelse", "abstain": "Undlod at tage stilling"}
#: The council's rules of procedure for the minutes: the public minutes show no positions (as the public
#: meeting page), the internal minutes show each member's position with its comment and the counts.
PUBLIC_POSITIONS = False


@dataclass(frozen=True)
class Material:
    title: str
    filename: str
    size: int
    sha256: str
    pages: int | None  # a PDF placed in the pack: its pages; None: listed only
    reader: object = field(repr=False, compare=False, default=None)  # the opened PDF (pypdf) when placed


@dataclass
class ItemPaper:
    number: int
    closed: bool  # shown as the placeholder only (public variant)
    title: str
    kind: str
    working_group: str
    description: str = ""
    closed_note: str = ""  # internal: "Lukket punkt: <reason>"
    material: list[Material] = field(default_factory=list)
    # minutes
    decision: str = ""
    changes: str = ""
    reason: str = ""
    quorum_exception: str = ""
    decided_place: str = ""
    minutes: str = ""
    counts: str = ""
    positions: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # conflicts, attendance, postponement


@dataclass
class MeetingPaper:
    council: str
    title: str
    number: int | None
    starts_at: datetime
    place: str
    online_link: str
    public: bool
    agenda_published_at: datetime | None
    items: list[ItemPaper]
    # minutes
    draft: bool = False
    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    substitutes: list[str] = field(default_factory=list)
    attendance_recorded: bool = False
    postponed: list[str] = field(default_factory=list)
    summary: str = ""
    objections: list[str] = field(default_factory=list)
    objection_count: int = 0
    approval: str = ""


def _names(session: Session, usernames) -> dict[str, str]:
    usernames = sorted(set(u for u in usernames if u))
    if not usernames:
        return {}
    return dict(session.execute(select(User.username, User.name).where(User.username.in_(usernames))).all())


def _material(session: Session, item: AgendaItem, open_pdf) -> list[Material]:
    """The item's material; `open_pdf(sha256, content)` opens an attached PDF (None: not placeable)."""
    rows = []
    for link in item.documents:
        version = link.document.current
        if version is None:
            continue
        content = session.scalar(select(Blob.content).where(Blob.sha256 == version.sha256)) or b""
        reader = open_pdf(version.sha256, content) if version.content_type == "application/pdf" else None
        rows.append(Material(link.document.title, version.filename, version.size, version.sha256,
                             len(reader.pages) if reader is not None else None, reader))
    return rows


def _base(meeting: Meeting, public: bool, rows: list[ItemPaper]) -> MeetingPaper:
    return MeetingPaper(council=AUTHOR, title=meeting.title, number=meeting.number, starts_at=meeting.starts_at,
                        place=meeting.place or "", online_link=meeting.online_link or "", public=public,
                        agenda_published_at=meeting.agenda_published_at, items=rows)


def _item(item: AgendaItem, number: int, public: bool) -> ItemPaper:
    if public and item.hidden_publicly:
        return ItemPaper(number=number, closed=True, title=CLOSED, kind="", working_group="")
    paper = ItemPaper(number=number, closed=False, title=item.title, kind=KIND_DA.get(item.kind, item.kind),
                      working_group=item.working_group.name if item.working_group else "",
                      description=item.description or "")
    if item.closed and not public:
        paper.closed_note = CLOSED + (f" – begrundelse: {item.closed_reason}" if item.closed_reason else "")
        if item.opened_at is not None:
            paper.closed_note += " (åbnet af formanden)"
    return paper


def agenda_paper(session: Session, meeting_id: int, public: bool, open_pdf) -> MeetingPaper:
    """The agenda pack's content: cover, agenda, each item with its material (a closed item's material only
    in the internal variant)."""
    meeting = get_meeting(session, meeting_id)
    rows = []
    for number, item in enumerate(items(session, meeting.id), start=1):
        paper = _item(item, number, public)
        if not paper.closed:
            paper.material = _material(session, item, open_pdf)
        rows.append(paper)
    return _base(meeting, public, rows)


def _local(at: datetime) -> str:
    from ..pdf import _datetime

    return _datetime(at)


def _attendance(session: Session, meeting: Meeting, paper: MeetingPaper, names: dict[str, str]) -> None:
    """Who was there: the attendance the secretariat recorded, else the registered absences."""
    day = meeting.starts_at.astimezone(COPENHAGEN).date()
    council = [m.user.username for m in members(session, day)]
    recorded = attendance(session, meeting.id)
    away = {a.member: a for a in absences(session, meeting.id)}
    paper.attendance_recorded = bool(recorded)
    for member in sorted(set(council) | set(recorded), key=lambda u: names.get(u, u)):
        row = recorded.get(member)
        status = row.status if row is not None else None
        substitute = (row.substitute if row is not None else None) or (
            away[member].substitute if member in away else None)
        if status == AttendanceStatus.SUBSTITUTE.value or (status is None and substitute):
            paper.substitutes.append(f"{names.get(substitute, substitute)} (stedfortræder for "
                                     f"{names.get(member, member)})")
        elif status == AttendanceStatus.ABSENT.value or (status is None and member in away):
            paper.absent.append(names.get(member, member))
        elif status == AttendanceStatus.PRESENT.value or (status is None and not recorded):
            paper.present.append(names.get(member, member))


def _acting(meeting_absences, member: str, at: datetime, names: dict[str, str]) -> str:
    """"Y for X" when a substitute acted for the absent member X at this meeting."""
    absence = meeting_absences.get(member)
    if absence is not None and absence.substitute and at >= absence.registered_at:
        return f"{names.get(absence.substitute, absence.substitute)} for {names.get(member, member)}"
    return names.get(member, member)


def _decision(session: Session, item: AgendaItem, paper: ItemPaper, public: bool, names, away) -> None:
    if item.decided_at is not None:
        paper.decision = OUTCOME_DA.get(item.outcome, item.outcome or "")
        paper.changes = item.changes or ""
        paper.reason = item.reason or ""
        if not public:
            paper.quorum_exception = item.quorum_exception or ""
        if item.decided_meeting_id is not None:
            held = session.get(Meeting, item.decided_meeting_id)
            if held is not None:
                paper.decided_place = ", ".join(p for p in (held.title, held.place or held.online_link) if p)
    paper.minutes = item.minutes or ""
    if item.kind == ItemKind.DECISION and (not public or PUBLIC_POSITIONS):
        counts = count_positions(session, item.id)
        paper.counts = ", ".join(f"{STANCE_DA[k]} {counts.get(k, 0)}" for k in ("agree", "object", "abstain"))
        paper.positions = [f"{_acting(away, p.member, p.recorded_at, names)}: {STANCE_DA.get(p.position, p.position)}"
                           + (f" – {p.comment}" if p.comment else "") for p in positions(session, item.id)]


def _item_lines(session: Session, meeting: Meeting, item: AgendaItem, public: bool, names) -> list[str]:
    lines = []
    for conflict in conflicts(session, item.id):
        who = names.get(conflict.member, conflict.member)
        if conflict.ruling == Ruling.CONFLICTED.value:
            line = f"{who} deltog ikke i behandlingen af punktet på grund af inhabilitet."
            if conflict.reason and (not public or conflict.reason_public):
                line += f" Begrundelse: {conflict.reason}"
            if conflict.ruling_note and not public:
                line += f" Formandens afgørelse: {conflict.ruling_note}"
            lines.append(line)
        elif not public:
            state = ("Formanden fandt ikke, at der forelå inhabilitet" if conflict.ruling == Ruling.NOT_CONFLICTED
                     else "Ikke afgjort af formanden")
            lines.append(f"{who} rejste spørgsmålet om sin habilitet ({conflict.reason}). {state}"
                         + (f": {conflict.ruling_note}" if conflict.ruling_note else "") + ".")
    excluded = {c.member for c in conflicts(session, item.id) if c.ruling == Ruling.CONFLICTED.value}
    for member, row in sorted(attendance(session, meeting.id, item.id).items()):
        if member in excluded:
            continue
        who = names.get(member, member)
        if row.status == AttendanceStatus.ABSENT.value:
            lines.append(f"{who} var ikke til stede under behandlingen af punktet.")
        elif row.status == AttendanceStatus.CONFLICTED.value:
            lines.append(f"{who} deltog ikke i behandlingen af punktet på grund af inhabilitet.")
        elif row.status == AttendanceStatus.SUBSTITUTE.value and row.substitute:
            lines.append(f"{names.get(row.substitute, row.substitute)} deltog som stedfortræder for {who}.")
    return lines


def _postponements(session: Session, meeting: Meeting, public: bool, paper: MeetingPaper,
                   by_item: dict[int, ItemPaper]) -> None:
    for row in postponements(session, meeting.id):
        item = session.get(AgendaItem, row.item_id)
        if item is None:
            continue
        title = CLOSED if public and item.hidden_publicly else item.title
        other = session.get(Meeting, row.to_meeting_id if row.from_meeting_id == meeting.id else row.from_meeting_id)
        when = f"{other.title} ({_local(other.starts_at)})" if other is not None else "et andet møde"
        reason = f" Begrundelse: {row.reason}" if row.reason and not public else ""
        if row.from_meeting_id == meeting.id:
            paper.postponed.append(f"{title}: udsat til møde {when}.{reason}")
        if row.to_meeting_id == meeting.id and row.item_id in by_item:
            by_item[row.item_id].lines.append(f"Punktet er udsat fra møde {when}.{reason}")


def minutes_paper(session: Session, meeting_id: int, public: bool, draft: bool = False) -> MeetingPaper:
    """The minutes' content: attendance, each item's decision, positions (internal), conflicts, attendance
    per item, postponements, the objections to the draft and the approval."""
    meeting = get_meeting(session, meeting_id)
    rows = items(session, meeting.id)
    people = set()
    for item in rows:
        people |= {p.member for p in positions(session, item.id)} | {c.member for c in conflicts(session, item.id)}
        people |= {a.member for a in attendance(session, meeting.id, item.id).values()}
        people |= {a.substitute for a in attendance(session, meeting.id, item.id).values()}
    away = {a.member: a for a in absences(session, meeting.id)}
    people |= set(away) | {a.substitute for a in away.values()}
    people |= {a.member for a in attendance(session, meeting.id).values()}
    people |= {a.substitute for a in attendance(session, meeting.id).values()}
    day = meeting.starts_at.astimezone(COPENHAGEN).date()
    people |= {m.user.username for m in members(session, day)}
    objections = list(session.scalars(select(MinutesObjection).where(MinutesObjection.meeting_id == meeting.id)
                                      .order_by(MinutesObjection.round, MinutesObjection.at)))
    people |= {o.member for o in objections}
    names = _names(session, people)

    papers, by_item = [], {}
    for number, item in enumerate(rows, start=1):
        paper = _item(item, number, public)
        if not paper.closed:
            _decision(session, item, paper, public, names, away)
            paper.lines = _item_lines(session, meeting, item, public, names)
        papers.append(paper)
        by_item[item.id] = paper
    paper = _base(meeting, public, papers)
    paper.draft = draft
    _attendance(session, meeting, paper, names)
    _postponements(session, meeting, public, paper, by_item)
    paper.summary = meeting.minutes_summary or ""
    paper.objection_count = len(objections)
    if not public:
        paper.objections = [f"{names.get(o.member, o.member)} ({_local(o.at)}, runde {o.round}): {o.text}"
                            for o in objections]
    if meeting.minutes_published_at is not None:
        rounds = meeting.minutes_round or 1
        paper.approval = (f"Referatet er godkendt af rådets medlemmer (uden indsigelser inden fristen"
                          f"{', efter ' + str(rounds) + ' runder' if rounds > 1 else ''}) og offentliggjort "
                          f"{_local(meeting.minutes_published_at)}.")
    elif draft:
        paper.approval = "Udkast: referatet er endnu ikke godkendt."
    return paper
