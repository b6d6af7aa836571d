"""Sections of the consulted text: numbered headings imported from an uploaded DOCX's headings or
entered by the secretariat while the hearing is prepared; a response's comments per section."""
from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import NotFound

from ..forms import FormInvalid
from ..i18n import N_
from ..lanes import require_secretariat
from .models import HearingError, HearingStatus, get_hearing, material
from .records import HearingSection, SectionComment, sections

COMMENT_MAX = 20_000
LINE = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
FIELD = re.compile(r"^section-(\d+)$")  # the response form's field of one section's comment


def parse_lines(text: str) -> list[tuple[str, str]]:
    """'1 Formål' / '2.1 Data' per line -> [(number, title)]; FormInvalid naming the lines that are not."""
    rows, bad = [], []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        match = LINE.match(line)
        if match is None:
            bad.append(str(n))
        else:
            rows.append((match.group(1)[:20], match.group(2).strip()[:300]))
    if bad:
        raise FormInvalid({"sections": [N_("Write each section as its number and title, e.g. \"2.1 Data\". "
                                           "These lines are not:"), ", ".join(bad)]})
    numbers = [number for number, _ in rows]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise FormInvalid({"sections": [N_("Each section number may appear once:"), ", ".join(duplicates)]})
    return rows


class Sections:
    def _draft(self, session: Session, user, hearing_id: int):
        hearing = get_hearing(session, hearing_id)
        require_secretariat(user)
        if hearing.status != HearingStatus.DRAFT:
            raise HearingError(N_("The hearing is published; its sections can no longer change."), "sections")
        return hearing

    def replace(self, session: Session, hearing, rows: list[tuple[str, str]]) -> list[HearingSection]:
        session.execute(delete(HearingSection).where(HearingSection.hearing_id == hearing.id))
        out = [HearingSection(hearing_id=hearing.id, number=number, title=title, position=i)
               for i, (number, title) in enumerate(rows)]
        session.add_all(out)
        session.flush()
        return out

    def enter(self, session: Session, user, hearing_id: int, text: str) -> list[HearingSection]:
        hearing = self._draft(session, user, hearing_id)
        return self.replace(session, hearing, parse_lines(text))

    def import_docx(self, session: Session, user, hearing_id: int, document_id: int, documents) -> list:
        """The headings of a DOCX among the hearing's material become its sections."""
        from .note import docx_headings

        hearing = self._draft(session, user, hearing_id)
        if document_id not in {d.id for d in material(session, hearing.id)}:
            raise FormInvalid({"document_id": [N_("Choose one of the options.")]})
        _doc, version, content = documents.get_version(session, document_id)
        if not version.filename.lower().endswith(".docx"):
            raise FormInvalid({"document_id": [N_("Choose a Word document (DOCX).")]})
        try:
            rows = docx_headings(content)
        except Exception:  # noqa: BLE001 - a damaged upload is the user's input, not our failure
            raise FormInvalid({"document_id": [N_("The document could not be read.")]}) from None
        if not rows:
            raise FormInvalid({"document_id": [N_("The document has no headings.")]})
        seen, unique = set(), []
        for number, title in rows:
            if number not in seen:
                seen.add(number)
                unique.append((number, title))
        return self.replace(session, hearing, unique)

    # ------------------------------------------------------ comments of a response
    @staticmethod
    def from_form(form) -> dict[str, str]:
        """A response form's section comments: its `section-<id>` fields, as {id: comment}."""
        return {m.group(1): (form.get(key) or "") for key in form.keys() if (m := FIELD.match(key))}

    def check_comments(self, session: Session, hearing, raw: dict | None) -> dict[int, str]:
        """The non-empty comments by section id; FormInvalid for a section the hearing does not have."""
        known = {s.id for s in sections(session, hearing.id)}
        out, errors = {}, {}
        for key, comment in (raw or {}).items():
            comment = (comment or "").strip() if isinstance(comment, str) else None
            field = f"section-{key}"
            try:
                section_id = int(key)
            except (TypeError, ValueError):
                section_id = None
            if section_id not in known:
                errors[field] = [N_("The hearing has no such section.")]
            elif comment is None:
                errors[field] = [N_("Not valid text.")]
            elif len(comment) > COMMENT_MAX:
                errors[field] = [N_("The text is too long.")]
            elif comment:
                out[section_id] = comment
        if errors:
            raise FormInvalid(errors)
        return out

    @staticmethod
    def store_comments(session: Session, response, comments: dict[int, str]) -> None:
        session.add_all(SectionComment(response_id=response.id, section_id=sid, comment=text)
                        for sid, text in comments.items())

    @staticmethod
    def check_point_section(session: Session, hearing, section_id: int | None) -> int | None:
        if not section_id:
            return None
        section = session.get(HearingSection, section_id)
        if section is None or section.hearing_id != hearing.id:
            raise FormInvalid({"section_id": [N_("The hearing has no such section.")]})
        return section.id

    @staticmethod
    def get(session: Session, hearing_id: int, section_id: int) -> HearingSection:
        section = session.scalar(select(HearingSection).where(HearingSection.id == section_id,
                                                              HearingSection.hearing_id == hearing_id))
        if section is None:
            raise NotFound(f"section {section_id}")
        return section
