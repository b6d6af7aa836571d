"""The hearing family's further records (issue 16): sections of the consulted text, comments per section,
redactions before publication, deadline changes, the frozen hearing note and e-mail subscriptions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.models import Base, utcnow


class HearingSection(Base):
    """A numbered section of the consulted text ("1", "2.1"), imported from the DOCX's headings or entered."""

    __tablename__ = "hearing_section"
    __table_args__ = (UniqueConstraint("hearing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


class SectionComment(Base):
    """A response's own comment on one section of the consulted text."""

    __tablename__ = "hearing_section_comment"
    __table_args__ = (UniqueConstraint("response_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("hearing_response.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("hearing_section.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text)

    section: Mapped[HearingSection] = relationship(lazy="joined")


class Redaction(Base):
    """A passage [start, end) of a response's published text hidden in the published version, with its
    reason: of the response's overall text, or of one of its section comments (`section_comment_id`)."""

    __tablename__ = "hearing_redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("hearing_response.id", ondelete="CASCADE"), index=True)
    # hearing_section_comment.id of the response's comment redacted; None: the response's overall text
    section_comment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadlineChange(Base):
    """The secretariat extended a running hearing's deadline or closed it early, with a reason."""

    __tablename__ = "hearing_deadline_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "extend" or "close"
    old_deadline: Mapped[date] = mapped_column(Date)
    new_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HearingNoteDocument(Base):
    """The approved hearing note, frozen as document versions (DOCX and PDF) in the document store."""

    __tablename__ = "hearing_note_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id", ondelete="CASCADE"), unique=True)
    docx_document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    pdf_document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    docx_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """Someone's e-mail subscription to new hearings and/or published notes (all, one working group, or
    one topic: an architecture principle of the catalogue, `principle_id`). The row is deleted on
    unsubscribe: nothing personal is kept."""

    __tablename__ = "hearing_subscription"
    __table_args__ = (UniqueConstraint("email", "working_group_id", "principle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    principle_id: Mapped[int | None] = mapped_column(Integer, index=True)  # catalogue_principle.id: a topic
    new_hearings: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[bool] = mapped_column(default=True)
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ------------------------------------------------------------------ queries

def sections(session: Session, hearing_id: int) -> list[HearingSection]:
    return list(session.scalars(select(HearingSection).where(HearingSection.hearing_id == hearing_id)
                                .order_by(HearingSection.position, HearingSection.id)))


def section_counts(session: Session, hearing_id: int) -> list[tuple[HearingSection, int]]:
    """The sections with the number of responses commenting on each, most commented first (one query)."""
    from .models import HearingResponse

    counts = dict(session.execute(
        select(SectionComment.section_id, func.count()).join(HearingResponse,
                                                             HearingResponse.id == SectionComment.response_id)
        .where(HearingResponse.hearing_id == hearing_id, HearingResponse.current.is_(True))
        .group_by(SectionComment.section_id)).all())
    rows = [(s, counts.get(s.id, 0)) for s in sections(session, hearing_id)]
    return sorted(rows, key=lambda row: (-row[1], row[0].position))


def most_commented(session: Session, hearing_ids: list[int]) -> dict[int, tuple[str, int]]:
    """For each hearing, its most commented section (label, responses commenting), in one query."""
    from .models import HearingResponse

    if not hearing_ids:
        return {}
    rows = session.execute(
        select(HearingSection.hearing_id, HearingSection.number, HearingSection.title, func.count())
        .join(SectionComment, SectionComment.section_id == HearingSection.id)
        .join(HearingResponse, HearingResponse.id == SectionComment.response_id)
        .where(HearingSection.hearing_id.in_(hearing_ids), HearingResponse.current.is_(True))
        .group_by(HearingSection.hearing_id, HearingSection.id, HearingSection.number, HearingSection.title,
                  HearingSection.position)
        .order_by(HearingSection.hearing_id, func.count().desc(), HearingSection.position)).all()
    out: dict[int, tuple[str, int]] = {}
    for hearing_id, number, title, count in rows:
        out.setdefault(hearing_id, (f"{number} {title}", count))
    return out


def comments_by_response(session: Session, hearing_id: int) -> dict[int, list[SectionComment]]:
    from .models import HearingResponse

    out: dict[int, list[SectionComment]] = {}
    for c in session.scalars(select(SectionComment).join(HearingResponse,
                                                         HearingResponse.id == SectionComment.response_id)
                             .where(HearingResponse.hearing_id == hearing_id)
                             .order_by(SectionComment.response_id, SectionComment.id)):
        out.setdefault(c.response_id, []).append(c)
    return out


def redactions_by_response(session: Session, hearing_id: int) -> dict[int, list[Redaction]]:
    from .models import HearingResponse

    out: dict[int, list[Redaction]] = {}
    for r in session.scalars(select(Redaction).join(HearingResponse, HearingResponse.id == Redaction.response_id)
                             .where(HearingResponse.hearing_id == hearing_id).order_by(Redaction.start)):
        out.setdefault(r.response_id, []).append(r)
    return out


REDACTED = "[overstreget]"


def redact(text: str, redactions: list[Redaction]) -> str:
    """The text with each redacted passage replaced by a marker (overlapping passages merge)."""
    spans = sorted((r.start, r.end) for r in redactions)
    out, pos = [], 0
    for start, end in spans:
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(text[pos:start])
        out.append(REDACTED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def deadline_changes(session: Session, hearing_id: int) -> list[DeadlineChange]:
    return list(session.scalars(select(DeadlineChange).where(DeadlineChange.hearing_id == hearing_id)
                                .order_by(DeadlineChange.id)))


def note_document(session: Session, hearing_id: int) -> HearingNoteDocument | None:
    return session.scalar(select(HearingNoteDocument).where(HearingNoteDocument.hearing_id == hearing_id))


def response_texts(session: Session, response, published: bool) -> list[str]:
    """A response's texts: its overall text and its section comments; as published (redacted) or not."""
    comments = list(session.scalars(select(SectionComment).where(SectionComment.response_id == response.id)
                                    .order_by(SectionComment.id)))
    if not published:
        return [response.text, *(c.comment for c in comments)]
    reds = list(session.scalars(select(Redaction).where(Redaction.response_id == response.id)))
    return [redact(response.text, [r for r in reds if r.section_comment_id is None]),
            *(redact(c.comment, [r for r in reds if r.section_comment_id == c.id]) for c in comments)]
