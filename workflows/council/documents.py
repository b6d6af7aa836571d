"""The council's documents that leave the system: the agenda pack and the minutes as accessible PDFs.

Both are generated from the records (`papers`), rendered by the shared `workflows/pdf` renderer
(WeasyPrint PDF/UA-1) from `workflows/council/pdf/*.html`, and stored in the document store as versions
(sha256) of one document per meeting, kind and variant (`CouncilDocument`):

- the agenda pack when the agenda is published (`council.publish_agenda`), and again, as a new version,
  when a published agenda changes (an item added, moved or removed, material added: every such change
  goes through `Council._change`, which calls `agenda_changed`; the packs are regenerated just before the
  transaction commits, when the change is complete). An unchanged pack gets no new version.
- the minutes when they are published (`council.publish_minutes`); a draft for the secretariat on demand.

Variants: `internal` (staff and the council) and `public` (anyone, once the agenda or the minutes are
public): closed items as the placeholder "Lukket punkt", no internal reasons (papers.py). A member ruled
conflicted on a closed item is offered the public agenda pack, since the internal one holds that item's
material.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Callable

from sqlalchemy import ForeignKey, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from engine.models import Base, Document

from .. import lanes
from ..directory import User
from . import papers
from .models import AgendaItem, Conflict, Meeting, Ruling, get_meeting

PENDING = "council.documents.pending"  # session.info: ids of meetings whose agenda changed in this transaction


class Kind(StrEnum):
    AGENDA = "agenda"
    MINUTES = "minutes"


class Variant(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"


class CouncilDocument(Base):
    """The stored document of a meeting's agenda pack or minutes in one variant (its versions are the
    document store's)."""

    __tablename__ = "council_meeting_document"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "variant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # Kind
    variant: Mapped[str] = mapped_column(String(20))  # Variant
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    #: sha256 of what the document was made from (its HTML and the attached files): unchanged, no new version
    source_sha256: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime]

    document: Mapped[Document] = relationship(lazy="joined")


@dataclass(frozen=True)
class PaperLink:
    """A stored document as the meeting page lists it."""

    kind: str
    variant: str
    label: str
    document_id: int
    version: int
    filename: str
    size: int
    sha256: str
    generated_at: datetime


LABELS = {(Kind.AGENDA, Variant.INTERNAL): "Dagsorden med bilag (intern)",
          (Kind.AGENDA, Variant.PUBLIC): "Dagsorden med bilag",
          (Kind.MINUTES, Variant.INTERNAL): "Referat (intern)",
          (Kind.MINUTES, Variant.PUBLIC): "Referat"}


def _title(kind: str, variant: str, meeting: Meeting, draft: bool = False) -> str:
    name = "Dagsorden" if kind == Kind.AGENDA else ("Udkast til referat" if draft else "Referat")
    suffix = " (intern udgave)" if variant == Variant.INTERNAL else ""
    return f"{name}: {meeting.title}{suffix}"


def _filename(kind: str, variant: str, meeting: Meeting) -> str:
    base = "dagsorden" if kind == Kind.AGENDA else "referat"
    return f"{base}-{meeting.number or meeting.id}{'-intern' if variant == Variant.INTERNAL else ''}.pdf"


def _text(html: str) -> str:
    """The words of a generated document's HTML, for the search index (the attached files are indexed as
    documents of their own; extracting a long merged pack again would take longer than generating it)."""
    import re
    from html import unescape

    body = html.split("<body>", 1)[-1]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def render_agenda(paper: papers.MeetingPaper, title: str) -> tuple[bytes, str, str]:
    """(the agenda pack, sha256 of its sources, its generated text): the generated pages with every attached
    PDF's pages placed after its item (merge.place_pages)."""
    from ..pdf import render_html, render_pdf
    from ..pdf.merge import Placed, place_pages

    context = {"m": paper}
    html = render_html("council/pdf/agenda.html", context, title=title)
    source = hashlib.sha256(html.encode())
    placed = []
    for item in paper.items:
        for file in item.material:
            source.update(file.sha256.encode())
            if file.pages:
                placed += [Placed(page, f"Bilag til punkt {item.number}: {file.title}, side {n} af {file.pages}")
                           for n, page in enumerate(file.reader.pages, start=1)]
    generated = render_pdf("council/pdf/agenda.html", context, title=title)
    return place_pages(generated, placed), source.hexdigest(), _text(html)


def render_minutes(paper: papers.MeetingPaper, title: str) -> tuple[bytes, str, str]:
    from ..pdf import render_html, render_pdf

    context = {"m": paper}
    html = render_html("council/pdf/minutes.html", context, title=title)
    source = hashlib.sha256(html.encode()).hexdigest()
    return render_pdf("council/pdf/minutes.html", context, title=title), source, _text(html)


class MeetingPapers:
    """Generates, stores and lists the agenda packs and minutes of the council's meetings."""

    def __init__(self, documents, clock: Callable[[], datetime]):
        self.documents = documents
        self.clock = clock

    # ------------------------------------------------------------ making
    def _store(self, session: Session, meeting: Meeting, kind: str, variant: str, content: bytes,
               source: str, text: str, actor: str | None) -> CouncilDocument:
        row = session.scalar(select(CouncilDocument).where(CouncilDocument.meeting_id == meeting.id,
                                                           CouncilDocument.kind == kind,
                                                           CouncilDocument.variant == variant))
        if row is not None and row.source_sha256 == source:
            return row  # nothing changed: no new version
        version = self.documents.add(session, case_id=meeting.case_id, filename=_filename(kind, variant, meeting),
                                     content=content, actor=actor, title=_title(kind, variant, meeting),
                                     document_id=row.document_id if row is not None else None, text=text)
        if row is None:
            row = CouncilDocument(meeting_id=meeting.id, kind=kind, variant=variant, document_id=version.document_id,
                                  source_sha256=source, generated_at=self.clock())
            session.add(row)
        row.source_sha256, row.generated_at = source, self.clock()
        session.flush()
        return row

    def agenda_pack(self, session: Session, meeting_id: int, variant: str) -> bytes:
        """The agenda pack of one variant as it stands (not stored)."""
        meeting = get_meeting(session, meeting_id)
        paper = papers.agenda_paper(session, meeting.id, variant == Variant.PUBLIC, _opener())
        return render_agenda(paper, _title(Kind.AGENDA, variant, meeting))[0]

    def refresh_agenda(self, session: Session, meeting: Meeting, actor: str | None = None) -> list[CouncilDocument]:
        """Both variants of the agenda pack, stored (a new version only where the content changed)."""
        rows, opener = [], _opener()  # each attached PDF is opened once for both variants
        for variant in (Variant.INTERNAL, Variant.PUBLIC):
            paper = papers.agenda_paper(session, meeting.id, variant == Variant.PUBLIC, opener)
            content, source, text = render_agenda(paper, _title(Kind.AGENDA, variant, meeting))
            rows.append(self._store(session, meeting, Kind.AGENDA, variant, content, source, text, actor))
        return rows

    def refresh_minutes(self, session: Session, meeting: Meeting, actor: str | None = None) -> list[CouncilDocument]:
        rows = []
        for variant in (Variant.INTERNAL, Variant.PUBLIC):
            paper = papers.minutes_paper(session, meeting.id, variant == Variant.PUBLIC)
            content, source, text = render_minutes(paper, _title(Kind.MINUTES, variant, meeting))
            rows.append(self._store(session, meeting, Kind.MINUTES, variant, content, source, text, actor))
        return rows

    def minutes_draft(self, session: Session, user: User | None, meeting_id: int) -> tuple[str, bytes]:
        """The minutes as they stand, for the secretariat (internal variant, marked as a draft; not stored)."""
        lanes.require_secretariat(user)
        meeting = get_meeting(session, meeting_id)
        paper = papers.minutes_paper(session, meeting.id, public=False, draft=meeting.minutes_published_at is None)
        title = _title(Kind.MINUTES, Variant.INTERNAL, meeting, draft=paper.draft)
        return f"referat-udkast-{meeting.number or meeting.id}.pdf", render_minutes(paper, title)[0]

    # ------------------------------------------------------------- hooks
    def agenda_published(self, session: Session, meeting: Meeting) -> None:
        """`council.publish_agenda`: the first version of the agenda pack."""
        self.refresh_agenda(session, meeting)

    def minutes_published(self, session: Session, meeting: Meeting) -> None:
        """`council.publish_minutes`: the minutes as approved."""
        self.refresh_minutes(session, meeting)

    def agenda_changed(self, session: Session, meeting: Meeting) -> None:
        """A published agenda changed: its packs are regenerated just before this transaction commits (the
        change is complete then; a rolled-back change generates nothing)."""
        real = object_session(meeting) or session
        real.info.setdefault(PENDING, set()).add(meeting.id)
        if not event.contains(real, "before_commit", self._before_commit):
            event.listen(real, "before_commit", self._before_commit)
            event.listen(real, "after_rollback", _forget)

    def _before_commit(self, session: Session) -> None:
        for meeting_id in sorted(session.info.pop(PENDING, set())):
            meeting = session.get(Meeting, meeting_id)
            if meeting is not None and meeting.agenda_published_at is not None:
                self.refresh_agenda(session, meeting)

    # ------------------------------------------------------------- reads
    def _rows(self, session: Session, meeting_id: int) -> list[CouncilDocument]:
        return list(session.scalars(select(CouncilDocument).where(CouncilDocument.meeting_id == meeting_id)
                                    .order_by(CouncilDocument.kind, CouncilDocument.variant)))

    def _may(self, session: Session, user: User | None, meeting: Meeting, row: CouncilDocument) -> bool:
        if row.variant == Variant.PUBLIC:
            return meeting.is_public if row.kind == Kind.AGENDA else meeting.minutes_published_at is not None
        if not lanes.is_staff(user):
            return False
        if row.kind == Kind.AGENDA and not lanes.is_secretariat(user) and not lanes.is_admin(user):
            return not _conflicted_on_closed(session, meeting, user.username)
        return True

    def visible(self, session: Session, user: User | None, meeting_id: int) -> list[PaperLink]:
        """The meeting's stored documents this user may download, the internal variant before the public
        one of the same kind only when the user may read it."""
        meeting = get_meeting(session, meeting_id)
        links = []
        for row in self._rows(session, meeting.id):
            if not self._may(session, user, meeting, row):
                continue
            version = row.document.current
            links.append(PaperLink(row.kind, row.variant, LABELS[(Kind(row.kind), Variant(row.variant))],
                                   row.document_id, version.number, version.filename, version.size, version.sha256,
                                   version.uploaded_at))
        return sorted(links, key=lambda link: (link.kind != Kind.AGENDA, link.variant != Variant.INTERNAL))

    def document_ids(self, session: Session, user: User | None, meeting_id: int) -> frozenset[int]:
        """The ids of the stored documents this user may download (the meeting's document route)."""
        return frozenset(link.document_id for link in self.visible(session, user, meeting_id))

    def public_links(self, session: Session, meeting: Meeting) -> list[PaperLink]:
        """The public variants of a meeting (the Atom feed)."""
        return self.visible(session, None, meeting.id)


def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)


def _opener() -> Callable[[str, bytes], object]:
    """Opens attached PDFs, each content (by sha256) once."""
    from ..pdf.merge import open_pdf

    opened: dict[str, object] = {}

    def open_(sha256: str, content: bytes):
        if sha256 not in opened:
            opened[sha256] = open_pdf(content)
        return opened[sha256]

    return open_


def _conflicted_on_closed(session: Session, meeting: Meeting, username: str) -> bool:
    """Whether the chair ruled the member conflicted on a closed item of the meeting (one query)."""
    return bool(session.scalar(select(Conflict.id).join(AgendaItem, AgendaItem.id == Conflict.item_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.closed.is_(True), AgendaItem.removed.is_(False),
        Conflict.member == username, Conflict.ruling == Ruling.CONFLICTED.value).limit(1)))


def feed_links(meeting: Meeting) -> list[tuple[str, int]]:
    """(label, document id) of a meeting's public documents."""
    session = object_session(meeting)
    if session is None:
        return []
    rows = session.scalars(select(CouncilDocument).where(CouncilDocument.meeting_id == meeting.id,
                                                         CouncilDocument.variant == Variant.PUBLIC.value)
                           .order_by(CouncilDocument.kind))
    shown = []
    for row in rows:
        if row.kind == Kind.AGENDA and not meeting.is_public:
            continue
        if row.kind == Kind.MINUTES and meeting.minutes_published_at is None:
            continue
        shown.append((LABELS[(Kind(row.kind), Variant.PUBLIC)], row.document_id))
    return shown


ATOM = "http://www.w3.org/2005/Atom"


def with_document_links(feed: bytes, meetings: list[Meeting], links) -> bytes:
    """The Atom feed with each published minutes entry's PDFs (the public agenda pack and minutes) as
    `enclosure` links. (feedgen 1.0 writes an entry link's href only, without rel and type.)"""
    from lxml import etree

    wanted = {}
    for meeting in meetings:
        if meeting.minutes_published_at is None:
            continue
        shown = feed_links(meeting)
        if shown:
            wanted[f"{links('council.meeting', meeting_id=meeting.id)}#referat"] = [
                (label, links("council.document", meeting_id=meeting.id, document_id=document_id))
                for label, document_id in shown]
    if not wanted:
        return feed
    root = etree.fromstring(feed, etree.XMLParser(remove_blank_text=True))
    for entry in root.findall(f"{{{ATOM}}}entry"):
        for label, href in wanted.get(entry.findtext(f"{{{ATOM}}}id"), []):
            link = etree.Element(f"{{{ATOM}}}link", href=href, rel="enclosure", type="application/pdf", title=label)
            entry.find(f"{{{ATOM}}}link").addnext(link)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
