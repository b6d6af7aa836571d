"""The council's public record in the shape of OParl 1.1 (the German open standard for council information
systems), as plain JSON-ready dicts: read models only, no workflow is deserialized.

What is public follows the council service (service.py): a meeting once its agenda is published
(`Council.meetings(public=True)`), an item as the public sees it (`Council._item_view(..., public=True, ...)`:
the decision only with the published minutes), never a removed item. A closed item (`hidden_publicly`) is
given as OParl provides for a non-public item: `public: false`, the name "Lukket punkt", its number and
order, and nothing else (no material, no decision, no paper, no consultation); its files answer 404.

Objects: System, Body, Organization (the council, the working groups), Person and Membership (council
members: name, organisation and seat only, no e-mail), Meeting (with Location), AgendaItem, Paper (a proposal
put before the council), Consultation (a paper on an agenda item), File (an item's material). The body's
legislativeTerm is an empty list: the council has no common terms (each seat has its own). Every external
list is paged (`data`, `pagination`, `links`) and filtered by created/modified since/until; the order is the
object id's, so paging is stable. See docs/oparl.md.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from engine import NotFound
from engine.models import Blob, Document, DocumentVersion

from ..directory import WorkingGroup
from .models import (
    KINDS, OUTCOMES, STATUS_LABELS, AgendaChange, AgendaItem, AgendaItemDocument, CouncilMember, ItemKind, Meeting,
    Postponement,
)
from .oparl_paging import DEFAULT_LIMIT, MAX_LIMIT, ListQuery  # noqa: F401  (the web layer's names)
from .oparl_paging import clean as _clean, day as _day, latest as _latest, page, parse as _parse, select_page, stamp

SCHEMA = "https://schema.oparl.org/1.1/"
CLOSED_NAME = "Lukket punkt"
BODY_NAME = "Kommunernes It-Arkitekturråd"
COUNCIL_KEY = "council"
GROUP_PREFIX = "group-"
#: the external lists of the body (kind -> the object kind it lists)
LISTS = ("organization", "person", "membership", "meeting", "agendaItem", "paper", "consultation", "file")
_SHA512: dict[str, str] = {}  # sha256 -> sha512 of the same content (content-addressed, so never stale)
_SHA512_MAX = 4096


@dataclass
class PublicItem:
    item: AgendaItem
    view: object  # service.ItemView, as the public sees it
    hidden: bool  # a closed item: the placeholder only
    created: datetime
    modified: datetime


@dataclass
class PublicRecord:
    """The public meetings with their public items (one set of queries, whatever the number of items)."""

    meetings: dict[int, Meeting]
    items: dict[int, list[PublicItem]]  # meeting id -> its items in agenda order
    modified: dict[int, datetime]  # meeting id -> its last change, its embedded items' included

    def all_items(self) -> Iterable[PublicItem]:
        for rows in self.items.values():
            yield from rows

    def visible_items(self) -> Iterable[PublicItem]:
        return (p for p in self.all_items() if not p.hidden)


class OParl:
    def __init__(self, council, gettext: Callable[[str], str] = str):
        self.council = council
        self.links = council.links
        self._ = gettext
        self.base = self.links("oparl.system").rsplit("/", 1)[0]

    # ------------------------------------------------------------ urls
    def url(self, kind: str, key=None, *tail: str) -> str:
        return "/".join([self.base, kind] + ([str(key)] if key is not None else []) + list(tail))

    def body_url(self, tail: str | None = None) -> str:
        return self.url("body", "raadet", *([tail] if tail else []))

    def _type(self, name: str) -> str:
        return SCHEMA + name

    # ------------------------------------------------------- the record
    def record(self, session: Session, meeting_ids: Iterable[int] | None = None) -> PublicRecord:
        meetings = {m.id: m for m in self.council.meetings(session, public=True)}
        if meeting_ids is not None:
            wanted = set(meeting_ids)
            meetings = {k: m for k, m in meetings.items() if k in wanted}
        ids = list(meetings)
        rows = list(session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id.in_(ids))
            .options(selectinload(AgendaItem.documents).joinedload(AgendaItemDocument.document)
                     .selectinload(Document.versions))
            .order_by(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.id))) if ids else []
        changes = dict(session.execute(select(AgendaChange.meeting_id, func.max(AgendaChange.at))
                                       .where(AgendaChange.meeting_id.in_(ids))
                                       .group_by(AgendaChange.meeting_id)).all()) if ids else {}
        moved = dict(session.execute(select(Postponement.from_meeting_id, func.max(Postponement.at))
                                     .where(Postponement.from_meeting_id.in_(ids))
                                     .group_by(Postponement.from_meeting_id)).all()) if ids else {}
        items: dict[int, list[PublicItem]] = defaultdict(list)
        modified = {k: _latest(m.created_at, m.modified_at, m.agenda_published_at, m.minutes_published_at,
                               changes.get(k), moved.get(k)) for k, m in meetings.items()}
        for item in rows:
            meeting = meetings[item.meeting_id]
            uploads = [v.uploaded_at for link in item.documents for v in link.document.versions]
            created = item.created_at or meeting.created_at
            item_modified = _latest(created, item.modified_at, item.opened_at, meeting.agenda_published_at,
                                    meeting.minutes_published_at, *uploads)
            modified[meeting.id] = _latest(modified[meeting.id], item_modified)
            if item.removed:
                continue
            view = self.council._item_view(session, item, True, meeting.minutes_published_at is not None)
            items[meeting.id].append(PublicItem(item, view, item.hidden_publicly, created, item_modified))
        return PublicRecord(meetings, dict(items), modified)

    # --------------------------------------------------------- system
    def system(self, session: Session) -> dict:
        created, modified = self._body_moments(session)
        return _clean({
            "id": self.url("system"), "type": self._type("System"), "oparlVersion": SCHEMA,
            "body": self.url("body"), "name": "Byplan", "website": self.links("home"),
            "created": stamp(created), "modified": stamp(modified), "web": self.links("home")})

    def _body_moments(self, session: Session) -> tuple[datetime, datetime]:
        first = [session.scalar(select(func.min(Meeting.created_at))),
                 session.scalar(select(func.min(CouncilMember.created_at)))]
        last = [session.scalar(select(func.max(Meeting.agenda_published_at))),
                session.scalar(select(func.max(CouncilMember.modified_at)))]
        created = min((m for m in first if m is not None), default=None) or self.council.clock()
        return created, max([created] + [m for m in last if m is not None])

    def body(self, session: Session) -> dict:
        created, modified = self._body_moments(session)
        return _clean({
            "id": self.body_url(), "type": self._type("Body"), "system": self.url("system"), "name": BODY_NAME,
            "website": self.links("council.meetings"), "classification": "Råd",
            **{kind: self.body_url(kind) for kind in LISTS},
            "created": stamp(created), "modified": stamp(modified), "web": self.links("council.meetings")}) | {
            "legislativeTerm": []}  # obligatory, so the empty list is given (the council has no common terms)

    def bodies(self, session: Session, query: ListQuery) -> dict:
        body = self.body(session)
        return page(self.url("body"), [(1, body)], query, {1: (_parse(body["created"]),
                                                                     _parse(body["modified"]))})

    # --------------------------------------------------- organizations
    def _members(self, session: Session) -> list[CouncilMember]:
        rows = session.scalars(select(CouncilMember).order_by(CouncilMember.id)).unique()
        return [m for m in rows if m.user.active]

    def _council(self, members: list[CouncilMember], created: datetime) -> dict:
        modified = max([created] + [m.modified_at for m in members if m.modified_at is not None])
        return _clean({
            "id": self.url("organization", COUNCIL_KEY), "type": self._type("Organization"),
            "body": self.body_url(), "name": BODY_NAME, "organizationType": "Råd", "classification": "Råd",
            "membership": [self.url("membership", m.id) for m in members],
            "meeting": self.body_url("meeting"), "website": self.links("council.meetings"),
            "created": stamp(created), "modified": stamp(modified), "web": self.links("council.meetings")})

    def _group(self, group: WorkingGroup, fallback: datetime) -> dict:
        created = group.created_at or fallback
        return _clean({
            "id": self.url("organization", f"{GROUP_PREFIX}{group.id}"), "type": self._type("Organization"),
            "body": self.body_url(), "name": group.name, "organizationType": "Arbejdsgruppe",
            "classification": "Arbejdsgruppe", "subOrganizationOf": self.url("organization", COUNCIL_KEY),
            "created": stamp(created), "modified": stamp(group.modified_at or created)})

    def organizations(self, session: Session) -> list[tuple[object, dict]]:
        created, _ = self._body_moments(session)
        rows: list[tuple[object, dict]] = [((0, 0), self._council(self._members(session), created))]
        for group in session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)):
            rows.append(((1, group.id), self._group(group, created)))
        return rows

    def organization(self, session: Session, key: str) -> dict:
        created, _ = self._body_moments(session)
        if key == COUNCIL_KEY:
            return self._council(self._members(session), created)
        number = key.removeprefix(GROUP_PREFIX)
        group = session.get(WorkingGroup, int(number)) if key.startswith(GROUP_PREFIX) and number.isdigit() \
            and len(number) < 10 else None
        if group is None:
            raise NotFound(f"organization {key}")
        return self._group(group, created)

    # ------------------------------------------------ persons, memberships
    def _membership(self, member: CouncilMember, inner: bool = False) -> dict:
        created = member.created_at or member.user.created_at
        return _clean({
            "id": self.url("membership", member.id), "type": self._type("Membership"),
            "person": None if inner else self.url("person", member.id),
            "organization": self.url("organization", COUNCIL_KEY),
            "role": "Formand" if member.is_chair else "Medlem", "votingRight": True,
            "startDate": _day(member.term_start), "endDate": _day(member.term_end),
            "created": stamp(created), "modified": stamp(member.modified_at or created)})

    def _person(self, member: CouncilMember) -> dict:
        """A council member's public facts: the name, the organisation they sit for, the seat. No e-mail."""
        created = member.created_at or member.user.created_at
        return _clean({
            "id": self.url("person", member.id), "type": self._type("Person"), "body": self.body_url(),
            "name": member.user.name, "byplan:organisation": member.organisation,
            "membership": [self._membership(member, inner=True)],
            "created": stamp(created), "modified": stamp(member.modified_at or created)})

    def _member(self, session: Session, member_id: int) -> CouncilMember:
        member = session.get(CouncilMember, member_id)
        if member is None or not member.user.active:
            raise NotFound(f"person {member_id}")
        return member

    def person(self, session: Session, member_id: int) -> dict:
        return self._person(self._member(session, member_id))

    def membership(self, session: Session, member_id: int) -> dict:
        return self._membership(self._member(session, member_id))

    # ------------------------------------------------------ meetings
    def _location(self, meeting: Meeting, modified: datetime, inner: bool = False) -> dict | None:
        description = meeting.place or meeting.online_link
        if not description:
            return None
        return _clean({
            "id": self.url("location", meeting.id), "type": self._type("Location"), "description": description,
            "meetings": None if inner else [self.url("meeting", meeting.id)],
            "created": stamp(meeting.created_at), "modified": stamp(modified)})

    def _meeting(self, record: PublicRecord, meeting: Meeting, sha512: dict[str, str]) -> dict:
        modified = record.modified[meeting.id]
        return _clean({
            "id": self.url("meeting", meeting.id), "type": self._type("Meeting"),
            "name": meeting.title, "byplan:number": meeting.number,
            "meetingState": self._(STATUS_LABELS.get(meeting.status, meeting.status)), "cancelled": False,
            "start": stamp(meeting.starts_at), "location": self._location(meeting, modified, inner=True),
            "organization": [self.url("organization", COUNCIL_KEY)],
            "agendaItem": [self._item(p, sha512, inner=True) for p in record.items.get(meeting.id, [])],
            "created": stamp(meeting.created_at), "modified": stamp(modified),
            "web": self.links("council.meeting", meeting_id=meeting.id)})

    def meeting(self, session: Session, meeting_id: int) -> dict:
        record = self.record(session, [meeting_id])
        if meeting_id not in record.meetings:
            raise NotFound(f"meeting {meeting_id}")
        return self._meeting(record, record.meetings[meeting_id], self._checksums(session, record.visible_items()))

    def location(self, session: Session, meeting_id: int) -> dict:
        record = self.record(session, [meeting_id])
        meeting = record.meetings.get(meeting_id)
        location = self._location(meeting, record.modified[meeting_id]) if meeting is not None else None
        if location is None:
            raise NotFound(f"location {meeting_id}")
        return location

    # ---------------------------------------------------- agenda items
    def _item(self, public: PublicItem, sha512: dict[str, str], inner: bool = False) -> dict:
        item, view = public.item, public.view
        common = {
            "id": self.url("agendaItem", item.id), "type": self._type("AgendaItem"),
            "meeting": None if inner else self.url("meeting", item.meeting_id),
            "number": str(item.position), "order": item.position,
            "created": stamp(public.created), "modified": stamp(public.modified)}
        if public.hidden:  # a closed item: the placeholder, nothing of its content
            return _clean({**common, "name": CLOSED_NAME, "public": False})
        outcome_labels = dict(OUTCOMES)
        resolution = "\n\n".join(t.strip() for t in (view.changes, view.reason, view.minutes) if t and t.strip())
        return _clean({
            **common, "name": view.title, "public": True,
            "consultation": self.url("consultation", item.id) if item.proposal_id else None,
            "result": self._(outcome_labels[view.outcome]) if view.outcome in outcome_labels else None,
            "resolutionText": resolution if view.outcome else None,
            "auxiliaryFile": [self._file(link.document, sha512, inner=True) for link in view.documents],
            "keyword": [self._(dict(KINDS).get(item.kind, item.kind))],
            "web": self.links("council.meeting", meeting_id=item.meeting_id) + f"#punkt-{item.id}"})

    def _public_item(self, session: Session, item_id: int) -> tuple[PublicRecord, PublicItem]:
        item = session.get(AgendaItem, item_id)
        record = self.record(session, [item.meeting_id]) if item is not None else None
        found = next((p for p in record.all_items() if p.item.id == item_id), None) if record else None
        if found is None:
            raise NotFound(f"agenda item {item_id}")
        return record, found

    def agenda_item(self, session: Session, item_id: int) -> dict:
        _, found = self._public_item(session, item_id)
        return self._item(found, self._checksums(session, [found]))

    # ------------------------------------------- papers, consultations
    def _consultation(self, public: PublicItem, inner: bool = False) -> dict:
        item = public.item
        return _clean({
            "id": self.url("consultation", item.id), "type": self._type("Consultation"),
            "paper": None if inner else self.url("paper", item.proposal_id),
            "agendaItem": self.url("agendaItem", item.id), "meeting": self.url("meeting", item.meeting_id),
            "organization": [self.url("organization", COUNCIL_KEY)],
            "authoritative": item.kind == ItemKind.DECISION and public.view.outcome is not None,
            "role": "Beslutning" if item.kind == ItemKind.DECISION else "Drøftelse",
            "created": stamp(public.created), "modified": stamp(public.modified)})

    def consultation(self, session: Session, item_id: int) -> dict:
        _, found = self._public_item(session, item_id)
        if found.hidden or found.item.proposal_id is None:
            raise NotFound(f"consultation {item_id}")
        return self._consultation(found)

    def _papers(self, record: PublicRecord, only: int | None = None) -> dict[int, dict]:
        """A proposal is a paper once it is on a public agenda as an item that is not closed. Made from its
        items only (their title and working group are the proposal's as it was put on the agenda): the council
        family reads no proposal record."""
        by_proposal: dict[int, list[PublicItem]] = defaultdict(list)
        for public in record.visible_items():
            if public.item.proposal_id is not None and only in (None, public.item.proposal_id):
                by_proposal[public.item.proposal_id].append(public)
        papers = {}
        for proposal_id, consultations in by_proposal.items():
            consultations.sort(key=lambda p: (record.meetings[p.item.meeting_id].starts_at, p.item.id))
            first = consultations[0]
            groups = [self.url("organization", f"{GROUP_PREFIX}{first.item.working_group_id}")] \
                if first.item.working_group_id else None
            papers[proposal_id] = _clean({
                "id": self.url("paper", proposal_id), "type": self._type("Paper"), "body": self.body_url(),
                "name": first.view.title, "reference": f"Forslag {proposal_id}",
                "date": _day(min(record.meetings[p.item.meeting_id].agenda_published_at for p in consultations)),
                "paperType": "Forslag", "underDirectionOf": groups, "originatorOrganization": groups,
                "consultation": [self._consultation(p, inner=True) for p in consultations],
                "created": stamp(min(p.created for p in consultations)),
                "modified": stamp(max(p.modified for p in consultations))})
        return dict(sorted(papers.items()))

    def paper(self, session: Session, proposal_id: int) -> dict:
        item_meetings = session.scalars(select(AgendaItem.meeting_id).where(AgendaItem.proposal_id == proposal_id))
        paper = self._papers(self.record(session, set(item_meetings)), proposal_id).get(proposal_id)
        if paper is None:
            raise NotFound(f"paper {proposal_id}")
        return paper

    # ----------------------------------------------------------- files
    def _checksums(self, session: Session, publics: Iterable[PublicItem]) -> dict[str, str]:
        """sha512 of the current versions of the items' material: computed once per content (cached by
        its sha256), the missing ones read in one streamed query."""
        wanted = {link.document.current.sha256 for p in publics if not p.hidden for link in p.view.documents
                  if link.document.current is not None}
        missing = [sha for sha in wanted if sha not in _SHA512]
        if missing:
            if len(_SHA512) + len(missing) > _SHA512_MAX:
                _SHA512.clear()
            rows = session.execute(select(Blob.sha256, Blob.content).where(Blob.sha256.in_(missing))
                                   .execution_options(yield_per=1))
            for sha, content in rows:
                _SHA512[sha] = hashlib.sha512(content).hexdigest()
        return {sha: _SHA512[sha] for sha in wanted if sha in _SHA512}

    def _file(self, document: Document, sha512: dict[str, str], inner: bool = False,
              items: list[PublicItem] | None = None) -> dict:
        """A file; standalone (not inner) with the meetings and items it belongs to, and their changes."""
        version: DocumentVersion = document.current
        modified = _latest(document.created_at, version.uploaded_at, *(p.modified for p in items or []))
        return _clean({
            "id": self.url("file", document.id), "type": self._type("File"), "name": document.title,
            "fileName": version.filename, "mimeType": version.content_type, "date": _day(version.uploaded_at),
            "size": version.size, "sha512Checksum": sha512.get(version.sha256),
            "byplan:sha256Checksum": version.sha256,
            "accessUrl": self.url("file", document.id, "access"),
            "downloadUrl": self.url("file", document.id, "download"),
            "meeting": None if inner else sorted({self.url("meeting", p.item.meeting_id) for p in items or []}),
            "agendaItem": None if inner else [self.url("agendaItem", p.item.id) for p in items or []],
            "created": stamp(document.created_at), "modified": stamp(modified)})

    def _files(self, record: PublicRecord) -> dict[int, tuple[Document, list[PublicItem]]]:
        """The material of the public items (a closed item's material is never among it)."""
        files: dict[int, tuple[Document, list[PublicItem]]] = {}
        for public in record.visible_items():
            for link in public.view.documents:
                if link.document.current is not None:
                    files.setdefault(link.document_id, (link.document, []))[1].append(public)
        return files

    def public_file(self, session: Session, document_id: int) -> tuple[Document, list[PublicItem], PublicRecord]:
        meeting_ids = session.scalars(select(AgendaItem.meeting_id).join(
            AgendaItemDocument, AgendaItemDocument.item_id == AgendaItem.id)
            .where(AgendaItemDocument.document_id == document_id))
        record = self.record(session, set(meeting_ids))
        found = self._files(record).get(document_id)
        if found is None:
            raise NotFound(f"file {document_id}")
        return found[0], found[1], record

    def file(self, session: Session, document_id: int) -> dict:
        document, items, record = self.public_file(session, document_id)
        return self._file(document, self._checksums(session, items), items=items)

    def file_content(self, session: Session, document_id: int):
        """(document, version, content) of a public file."""
        self.public_file(session, document_id)
        return self.council.documents.get_version(session, document_id)

    # ------------------------------------------------------- the lists
    def listing(self, session: Session, kind: str, query: ListQuery) -> dict:
        url = self.body_url(kind)
        if kind == "organization":
            return page(url, self.organizations(session), query)
        if kind in ("person", "membership"):
            build = self._person if kind == "person" else self._membership
            return page(url, [(m.id, build(m)) for m in self._members(session)], query)
        record = self.record(session)
        if kind == "meeting":
            keys = sorted(record.meetings)
            moments = {k: (record.meetings[k].created_at, record.modified[k]) for k in keys}
            chosen = select_page(keys, moments, query)
            sha512 = self._checksums(session, (p for k in chosen for p in record.items.get(k, []) if not p.hidden))
            return page(url, [(k, None) for k in keys], query, moments,
                              lambda k: self._meeting(record, record.meetings[k], sha512))
        if kind in ("agendaItem", "consultation"):
            publics = {p.item.id: p for p in record.all_items()
                       if kind == "agendaItem" or (not p.hidden and p.item.proposal_id is not None)}
            moments = {k: (p.created, p.modified) for k, p in publics.items()}
            if kind == "consultation":
                return page(url, [(k, self._consultation(p)) for k, p in sorted(publics.items())], query,
                                  moments)
            chosen = select_page(sorted(publics), moments, query)
            sha512 = self._checksums(session, [publics[k] for k in chosen])
            return page(url, [(k, None) for k in sorted(publics)], query, moments,
                              lambda k: self._item(publics[k], sha512))
        if kind == "paper":
            return page(url, list(self._papers(record).items()), query)
        if kind == "file":
            files = self._files(record)
            moments = {k: (d.created_at, _latest(d.created_at, d.current.uploaded_at, *(p.modified for p in i)))
                       for k, (d, i) in files.items()}
            chosen = select_page(sorted(files), moments, query)
            sha512 = self._checksums(session, [p for k in chosen for p in files[k][1]])
            return page(url, [(k, None) for k in sorted(files)], query, moments,
                              lambda k: self._file(files[k][0], sha512, items=files[k][1]))
        raise NotFound(f"list {kind}")
