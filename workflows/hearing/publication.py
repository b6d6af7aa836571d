"""Publication of a hearing's outcome: redaction of responses before publication, the hearing note frozen
as document versions when it is approved, and the public "we asked / you said / we did" view."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import DocumentStore, NotFound
from engine.models import Document, DocumentVersion

from ..forms import REQUIRED, FormInvalid
from ..i18n import N_
from ..lanes import require_secretariat
from ..links import Links
from . import note
from .models import HearingError, HearingResponse, HearingStatus, get_hearing, material, note_points
from .records import (
    HearingNoteDocument, HearingSection, Redaction, SectionComment, comments_by_response, note_document, redact,
    redactions_by_response, sections,
)

REASON_MAX = 2000


def publishable(response: HearingResponse) -> bool:
    """A response that may be published: it counts in the note and its party did not decline publication."""
    return response.considered and not response.party.unpublish_requested


class Publication:
    def __init__(self, engine, documents: DocumentStore, links: Links, clock: Callable[[], datetime]):
        self.engine, self.documents, self.links, self.clock = engine, documents, links, clock

    # ------------------------------------------------------------ redaction
    def _redactable(self, session: Session, user, response_id: int) -> HearingResponse:
        response = session.get(HearingResponse, response_id)
        if response is None:
            raise NotFound(f"response {response_id}")
        require_secretariat(user)
        hearing = get_hearing(session, response.hearing_id)
        if hearing.status == HearingStatus.CONCLUDED:
            raise HearingError(N_("The responses are published; redactions are made before publication."), "start")
        if hearing.status == HearingStatus.DRAFT:
            raise HearingError(N_("The hearing has not been published yet."), "start")
        if response.party.unpublish_requested:
            raise HearingError(N_("The party declined publication: this response is never published."), "start")
        if not response.considered:
            raise HearingError(N_("Only a response that counts in the hearing note is published."), "start")
        return response

    @staticmethod
    def _target(session: Session, response: HearingResponse, raw: dict) -> tuple[SectionComment | None, str]:
        """The published text a redaction applies to: the response's overall text (no `section_id`), or its
        comment on the section `section_id`; FormInvalid on `section_id` when the response has none there."""
        section_text = str(raw.get("section_id") or "").strip()
        if section_text in ("", "0"):
            return None, response.text
        comment = None
        if section_text.isdigit() and len(section_text) < 10:
            comment = session.scalar(select(SectionComment).where(SectionComment.response_id == response.id,
                                                                  SectionComment.section_id == int(section_text)))
        if comment is None:
            raise FormInvalid({"section_id": [N_("The response has no comment on that section.")]})
        return comment, comment.comment

    def add_redaction(self, session: Session, user, response_id: int, raw: dict) -> Redaction:
        """Hide characters [start, end) of a published text of the response, with a reason: of its overall
        text, or (`section_id`) of its comment on that section. The offsets are checked against that text."""
        response = self._redactable(session, user, response_id)
        errors: dict[str, list[str]] = {}
        try:
            comment, text = self._target(session, response, raw)
        except FormInvalid as exc:  # no text to check the passage against; the reason is still checked
            comment, text = None, None
            errors.update(exc.errors)
        outside = (N_("The passage must lie within the comment's text.") if comment is not None
                   else N_("The passage must lie within the response's text."))
        bounds = {}
        passage = raw.get("passage") or ""
        if text is not None and passage.strip():  # named by its text (the first occurrence from `start`, if given)
            at = text.find(passage, int(raw["start"]) if str(raw.get("start", "")).isdigit() else 0)
            if at < 0:
                errors["passage"] = [N_("The passage is not in the comment's text.") if comment is not None
                                     else N_("The passage is not in the response's text.")]
            else:
                raw = {**raw, "start": at, "end": at + len(passage)}
        for key in ("start", "end"):
            if errors:
                break
            try:
                bounds[key] = int(str(raw.get(key, "")).strip())
            except ValueError:
                errors[key] = [N_("Enter a whole number.") if str(raw.get(key, "")).strip() else REQUIRED]
        length = len(text or "")
        if not errors:
            if not 0 <= bounds["start"] < length:
                errors["start"] = [outside]
            if not bounds["start"] < bounds["end"] <= length:
                errors["end"] = [outside]
        reason = (raw.get("reason") or "").strip()
        if not reason:
            errors["reason"] = [REQUIRED]
        elif len(reason) > REASON_MAX:
            errors["reason"] = [N_("The text is too long.")]
        if errors:
            raise FormInvalid(errors)
        comment_id = comment.id if comment is not None else None
        redaction = Redaction(response_id=response.id, section_comment_id=comment_id, start=bounds["start"],
                              end=bounds["end"], reason=reason, created_by=user.username, created_at=self.clock())
        session.add(redaction)
        session.flush()
        existing = list(session.scalars(select(Redaction).where(Redaction.response_id == response.id)))
        redacted = redact(text, [r for r in existing if r.section_comment_id == comment_id])
        where = comment.section.label if comment is not None else ""
        # both versions audited: the event's detail names each by its sha256 (the original stays internal)
        self.engine.audit.append(
            session, kind="hearing.redaction", actor=user.username, case_id=response.party.hearing.case_id,
            summary=f"{response.party.name}{', ' + where if where else ''}: {bounds['start']}-{bounds['end']}",
            detail={"response_id": response.id, "section_comment_id": comment_id,
                    "section": where or None, "start": bounds["start"], "end": bounds["end"], "reason": reason,
                    "original_sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "redacted_sha256": hashlib.sha256(redacted.encode()).hexdigest()},
            data={"original": text, "redacted": redacted})
        return redaction

    def remove_redaction(self, session: Session, user, redaction_id: int) -> None:
        redaction = session.get(Redaction, redaction_id)
        if redaction is None:
            raise NotFound(f"redaction {redaction_id}")
        response = self._redactable(session, user, redaction.response_id)
        session.delete(redaction)
        self.engine.audit.append(session, kind="hearing.redaction_removed", actor=user.username,
                                 case_id=response.party.hearing.case_id, summary=response.party.name,
                                 detail={"response_id": response.id, "start": redaction.start, "end": redaction.end,
                                         "section_comment_id": redaction.section_comment_id})

    def published_texts(self, session: Session, hearing_id: int, rows: list[HearingResponse]) -> dict[int, str]:
        """The published (redacted) overall text of each publishable response, by response id."""
        by_response = redactions_by_response(session, hearing_id)
        return {r.id: redact(r.text, [x for x in by_response.get(r.id, []) if x.section_comment_id is None])
                for r in rows if publishable(r)}

    def published_comments(self, session: Session, hearing_id: int, rows: list[HearingResponse]
                           ) -> dict[int, list[PublishedComment]]:
        """The published (redacted) section comments of each publishable response, by response id."""
        ids = {r.id for r in rows if publishable(r)}
        by_comment: dict[int, list[Redaction]] = {}
        for red in (x for reds in redactions_by_response(session, hearing_id).values() for x in reds):
            if red.section_comment_id is not None:
                by_comment.setdefault(red.section_comment_id, []).append(red)
        return {response_id: [PublishedComment(c.section, redact(c.comment, by_comment.get(c.id, [])))
                              for c in comments]
                for response_id, comments in comments_by_response(session, hearing_id).items() if response_id in ids}

    # ------------------------------------------------------------ the note
    def draft(self, session: Session, hearing_id: int, kind: str) -> tuple[str, bytes]:
        """The note as it stands (filename, content): DOCX or PDF, generated from the record."""
        hearing = get_hearing(session, hearing_id)
        data = note.note_data(session, hearing)
        if kind == "docx":
            return f"hoeringsnotat-{hearing.id}.docx", note.render_docx(data)
        return f"hoeringsnotat-{hearing.id}.pdf", note.render_pdf(data)

    def freeze(self, session: Session, hearing_id: int, actor: str) -> HearingNoteDocument:
        """The approved note as document versions (DOCX and PDF, sha256) in the hearing's case."""
        hearing = get_hearing(session, hearing_id)
        existing = note_document(session, hearing.id)
        data = note.note_data(session, hearing)
        docx, pdf = note.render_docx(data), note.render_pdf(data)
        versions = []
        for filename, content, document_id in (
                (f"hoeringsnotat-{hearing.id}.docx", docx, existing.docx_document_id if existing else None),
                (f"hoeringsnotat-{hearing.id}.pdf", pdf, existing.pdf_document_id if existing else None)):
            versions.append(self.documents.add(session, case_id=hearing.case_id, filename=filename, content=content,
                                               actor=actor, title=data.document_title, document_id=document_id))
        if existing is None:
            existing = HearingNoteDocument(hearing_id=hearing.id, created_at=self.clock())
            session.add(existing)
        existing.docx_document_id, existing.pdf_document_id = versions[0].document_id, versions[1].document_id
        existing.docx_sha256, existing.pdf_sha256 = versions[0].sha256, versions[1].sha256
        session.flush()
        self.engine.audit.append(session, kind="hearing.note_approved", actor=actor, case_id=hearing.case_id,
                                 summary=data.document_title,
                                 detail={"hearing_id": hearing.id, "docx_sha256": existing.docx_sha256,
                                         "pdf_sha256": existing.pdf_sha256})
        return existing

    # ------------------------------------------------------ you said, we did
    def outcome(self, session: Session, hearing) -> list[OutcomeRow]:
        """Each point of a concluded hearing with its disposition and a link to the changed text: the newest
        version of the hearing's material made after the hearing opened (the resulting version)."""
        change_links = self.change_links(session, hearing)
        labels = {s.id: s.label for s in sections(session, hearing.id)}
        points = [p for p in note_points(session, hearing.id) if p.response is not None]
        hidden = note.redacted_passages(session, hearing.id, {p.response_id: p.response.text for p in points})
        return [OutcomeRow(labels.get(p.section_id, note.GENERAL), note.mask(p.point, hidden.get(p.response_id, [])),
                           note.DISPOSITION_DA.get(p.disposition, p.disposition),
                           note.mask(p.reason, hidden.get(p.response_id, [])),
                           change_links if p.disposition in ("incorporated", "partly") else [])
                for p in points]

    def public_points(self, session: Session, hearing) -> list[PublicPoint]:
        """The note's points as the public page shows them: the party (None where it asked to be anonymous),
        and the point and reason with every redacted passage of the response masked."""
        points = [p for p in note_points(session, hearing.id) if p.response is not None]
        hidden = note.redacted_passages(session, hearing.id, {p.response_id: p.response.text for p in points})
        return [PublicPoint(None if p.response.party.unpublish_requested else p.response.party.name,
                            note.mask(p.point, hidden.get(p.response_id, [])), p.disposition,
                            note.mask(p.reason, hidden.get(p.response_id, []))) for p in points]

    def change_links(self, session: Session, hearing) -> list[tuple[str, str]]:
        """(label, URL) of the changed text that resulted from the hearing: a rule's difference, new material."""
        links = self._rule_change_links(session, hearing)
        opened = hearing.published_at
        for document in material(session, hearing.id):
            newest = document.current
            if newest is None or opened is None or newest.number < 2 or newest.uploaded_at <= opened:
                continue
            links.append((f"{document.title}, version {newest.number}",
                          self.links("hearing.document_version", hearing_id=hearing.id, document_id=document.id,
                                     number=newest.number)))
        return links

    def _rule_change_links(self, session: Session, hearing) -> list[tuple[str, str]]:
        """For a rule consulted in this hearing and then decided: the catalogue's word-level difference between
        the rule's previous version and the one the council adopted (or the rule's page for a new rule)."""
        from ..catalogue.models import RuleStatus, RuleVersion  # the catalogue sits above the hearing family

        decided = (RuleStatus.ADOPTED, RuleStatus.SUPERSEDED)
        out = []
        for version in session.scalars(select(RuleVersion).where(RuleVersion.hearing_id == hearing.id,
                                                                 RuleVersion.status.in_(decided))):
            rule = version.rule
            label = f"{version.code}, version {version.version}"
            if version.version > 1:
                out.append((label, self.links("rule.diff", key=rule.key, fra=version.version - 1,
                                              til=version.version)))
            else:
                out.append((label, self.links("rule", key=rule.key)))
        return out

    def document_version(self, session: Session, hearing, document_id: int, number: int):
        if hearing.status != HearingStatus.CONCLUDED or document_id not in {d.id for d in material(session,
                                                                                                     hearing.id)}:
            raise NotFound(f"document {document_id}")
        exists = session.scalar(select(DocumentVersion.id).join(Document).where(
            Document.id == document_id, DocumentVersion.number == number))
        if exists is None:
            raise NotFound(f"document {document_id} v{number}")
        return self.documents.get_version(session, document_id, number)


@dataclass
class OutcomeRow:
    section: str
    point: str
    disposition: str
    reason: str
    changes: list[tuple[str, str]]


@dataclass
class PublishedComment:
    """A section comment as published: the section and the redacted comment."""

    section: HearingSection
    comment: str


@dataclass
class PublicPoint:
    party: str | None  # None: the party asked not to be published
    point: str
    disposition: str
    reason: str
