"""The hearing note (høringsnotat) generated from the record, as DOCX and as accessible PDF.

The structure is the Ministry of Justice's guidance on law quality (9.1.6): the hearing period; the
hearing list (every party, alphabetically, with whether it answered, answered late and was admitted or
not, or gave no answer); the summary the working group wrote; per section of the consulted text the
points raised, who raised them (anonymous where the party asked not to be published) and the
disposition with its reason; finally the changes made to the text. The document is Danish.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Disposition, Hearing, HearingParty, HearingResponse, LateStatus, NotePoint
from .records import REDACTED, HearingSection, comments_by_response, redactions_by_response, sections

ANONYMOUS = "Anonym høringspart"
GENERAL = "Generelle bemærkninger"
DISPOSITION_DA = {Disposition.INCORPORATED: "Indarbejdet", Disposition.PARTLY: "Delvist indarbejdet",
                  Disposition.NOT_INCORPORATED: "Ikke indarbejdet", Disposition.NOTED: "Taget til efterretning"}
ANSWERED, LATE_ADMITTED, LATE_REJECTED, LATE_PENDING, NO_ANSWER = (
    "Svar modtaget", "Svar modtaget efter fristen, medtaget", "Svar modtaget efter fristen, ikke medtaget",
    "Svar modtaget efter fristen, afventer afgørelse", "Intet svar")
_DANISH_ORDER = str.maketrans({"æ": "\U0010fff0", "ø": "\U0010fff1", "å": "\U0010fff2"})  # after every letter


def danish_key(name: str) -> str:
    """Alphabetical in Danish: … x y z æ ø å."""
    return name.casefold().translate(_DANISH_ORDER)


@dataclass
class NoteParty:
    name: str
    status: str


@dataclass
class NoteRow:
    point: str
    who: str
    disposition: str
    reason: str
    changed: bool  # incorporated or partly: the text changed


@dataclass
class NoteSection:
    label: str
    rows: list[NoteRow] = field(default_factory=list)


@dataclass
class NoteData:
    title: str
    opened: date | None
    deadline: date
    parties: list[NoteParty]
    summary: str
    sections: list[NoteSection]

    @property
    def changes(self) -> list[tuple[str, NoteRow]]:
        return [(s.label, r) for s in self.sections for r in s.rows if r.changed]

    @property
    def document_title(self) -> str:
        return f"Høringsnotat: {self.title}"


def _party_status(responses: list[HearingResponse]) -> str:
    if not responses:
        return NO_ANSWER
    if any(not r.late for r in responses):
        return LATE_ADMITTED if any(r.late and r.late_status == LateStatus.ADMITTED for r in responses) else ANSWERED
    statuses = {r.late_status for r in responses}
    if LateStatus.ADMITTED in statuses:
        return LATE_ADMITTED
    if LateStatus.PENDING in statuses:
        return LATE_PENDING
    return LATE_REJECTED


def note_data(session: Session, hearing: Hearing) -> NoteData:
    """Everything the note shows, read in four queries whatever the number of parties and points."""
    party_rows = list(session.scalars(select(HearingParty).where(HearingParty.hearing_id == hearing.id)))
    by_party: dict[int, list[HearingResponse]] = {}
    for r in session.scalars(select(HearingResponse).where(HearingResponse.hearing_id == hearing.id)):
        by_party.setdefault(r.party_id, []).append(r)
    parties = sorted((NoteParty(p.name, _party_status(by_party.get(p.id, []))) for p in party_rows),
                     key=lambda p: danish_key(p.name))
    names = {p.id: (ANONYMOUS if p.unpublish_requested else p.name) for p in party_rows}
    party_of = {r.id: r.party_id for rs in by_party.values() for r in rs}
    section_rows: list[HearingSection] = sections(session, hearing.id)
    groups: dict[int | None, NoteSection] = {None: NoteSection(GENERAL)}
    for s in section_rows:
        groups[s.id] = NoteSection(s.label)
    hidden = redacted_passages(session, hearing.id, {r.id: r.text for rs in by_party.values() for r in rs})
    for point in session.scalars(select(NotePoint).where(NotePoint.hearing_id == hearing.id)
                                 .order_by(NotePoint.id)):
        group = groups.get(point.section_id, groups[None])
        passages = hidden.get(point.response_id, [])
        group.rows.append(NoteRow(mask(point.point, passages), names.get(party_of.get(point.response_id), ANONYMOUS),
                                  DISPOSITION_DA.get(point.disposition, point.disposition),
                                  mask(point.reason, passages),
                                  point.disposition in (Disposition.INCORPORATED, Disposition.PARTLY)))
    ordered = [groups[None]] + [groups[s.id] for s in section_rows]
    opened = hearing.published_at.date() if hearing.published_at else None
    return NoteData(hearing.title, opened, hearing.deadline, parties, hearing.note_summary or "",
                    [g for g in ordered if g.rows])


def redacted_passages(session: Session, hearing_id: int, texts: dict[int, str]) -> dict[int, list[str]]:
    """The passages redacted from each response's published texts (overall text and section comments), by
    response id, longest first (two queries)."""
    comments = {c.id: c.comment for cs in comments_by_response(session, hearing_id).values() for c in cs}
    out: dict[int, list[str]] = {}
    for response_id, reds in redactions_by_response(session, hearing_id).items():
        for red in reds:
            text = comments.get(red.section_comment_id, "") if red.section_comment_id else texts.get(response_id, "")
            passage = text[red.start:red.end].strip()
            if passage:
                out.setdefault(response_id, []).append(passage)
    return {k: sorted(set(v), key=len, reverse=True) for k, v in out.items()}


def mask(text: str, passages: list[str]) -> str:
    """The note published to the public must not contain a redacted passage: a point or reason the working
    group wrote quoting one shows the redaction marker in its place."""
    for passage in passages:  # from a word's start: "Hansen" in "Hansens" too, not "klart" in "uklart"
        text = re.sub(rf"(?<!\w){re.escape(passage)}", REDACTED, text)
    return text


# ------------------------------------------------------------------ DOCX

def _header_row(table) -> None:
    """Mark the first row as the table's header row (repeated on each page, read as headers)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    for cell in table.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _table(doc, headers: list[str], rows: list[list[str]]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.paragraphs[0].add_run(text)
    _header_row(table)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    return table


def period_text(data: NoteData) -> str:
    from ..pdf import _date

    start = _date(data.opened) if data.opened else "—"
    return f"Høringen løb fra {start} til {_date(data.deadline)}."


def render_docx(data: NoteData) -> bytes:
    from docx import Document as Docx

    doc = Docx()
    doc.core_properties.title = data.document_title
    doc.core_properties.language = "da-DK"
    doc.core_properties.subject = "Høringsnotat"
    doc.add_heading(data.document_title, level=0)
    doc.add_heading("Høringsperiode", level=1)
    doc.add_paragraph(period_text(data))
    doc.add_heading("Høringsliste", level=1)
    _table(doc, ["Høringspart", "Svar"], [[p.name, p.status] for p in data.parties])
    doc.add_heading("Resumé", level=1)
    for paragraph in (data.summary or "—").split("\n\n"):
        doc.add_paragraph(paragraph.strip())
    doc.add_heading("Høringssvarene", level=1)
    for section in data.sections:
        doc.add_heading(section.label, level=2)
        _table(doc, ["Bemærkning", "Fra", "Behandling", "Begrundelse"],
               [[r.point, r.who, r.disposition, r.reason] for r in section.rows])
    doc.add_heading("Ændringer i teksten", level=1)
    if data.changes:
        _table(doc, ["Afsnit", "Ændring"], [[label, row.reason] for label, row in data.changes])
    else:
        doc.add_paragraph("Høringen har ikke ført til ændringer i teksten.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_pdf(data: NoteData) -> bytes:
    from ..pdf import render_pdf as render

    return render("hearing/pdf/note.html", {"note": data, "period": period_text(data)}, title=data.document_title,
                  lang="da")


def docx_headings(content: bytes) -> list[tuple[str, str]]:
    """The numbered headings of an uploaded DOCX as (number, title): "Heading N" styles, numbered by
    their level ("1", "1.1", "2") unless the heading text starts with its own number."""
    import re

    from docx import Document as Docx

    doc = Docx(io.BytesIO(content))
    counters: list[int] = []
    out: list[tuple[str, str]] = []
    for paragraph in doc.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        match = re.fullmatch(r"Heading (\d)", style)
        text = paragraph.text.strip()
        if not match or not text:
            continue
        level = int(match.group(1))
        counters = (counters + [0] * level)[:level]
        counters[-1] += 1
        own = re.match(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$", text)
        number, title = (own.group(1), own.group(2)) if own else (".".join(map(str, counters)), text)
        out.append((number[:20], title[:300]))
    return out
