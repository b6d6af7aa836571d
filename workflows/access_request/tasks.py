"""The access request's process steps outside the forms: the decision letter (PDF) and the download (zip).

The process (bpmn/access_request.bpmn) has user tasks only; the decision and the delay letter are sent
from the request's page, which completes them (service.py). This module builds what those steps send.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

from sqlalchemy import select

from engine.models import Document

from ..pdf import render_pdf
from .models import Assessment, exemption

LABELS = {Assessment.FULL: "Udleveres", Assessment.PARTIAL: "Udleveres delvis", Assessment.REFUSED: "Afslås"}


def _rows(items):
    released, refused = [], []
    for item in items:
        basis = exemption(item.legal_basis)
        basis_text = f"Offentlighedslovens {basis.section} ({basis.text})" if basis else ""
        if item.assessment == Assessment.REFUSED:
            refused.append({"title": item.document.title, "basis": basis_text, "explanation": item.reason})
        else:
            explanation = ""
            if item.assessment == Assessment.PARTIAL:
                explanation = f"Overstreget: {item.redactions}. {item.reason}"
                explanation += f" {basis_text}" if basis_text else ""
            released.append({"title": item.document.title, "label": LABELS[Assessment(item.assessment)],
                             "explanation": explanation})
    return released, refused


def decision_letter(req, items, final: bool, at: datetime) -> bytes:
    released, refused = _rows(items)
    title = f"{'Afgørelse' if final else 'Delafgørelse'} om aktindsigt {req.number}"
    return render_pdf("access_request/pdf/decision.html",
                      {"request": req, "released": released, "refused": refused, "final": final,
                       "listing": req.release_listing and final, "decided_at": at}, title=title)


def listing_csv(items) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Dokument", "Titel", "Dato", "Afgørelse", "Hjemmel", "Fil i denne download"])
    for item, filename in items:
        basis = exemption(item.legal_basis)
        writer.writerow([item.document_id, item.document.title, item.document.created_at.date().isoformat(),
                         LABELS[Assessment(item.assessment)], basis.section if basis else "", filename or ""])
    return out.getvalue().encode("utf-8-sig")


def journal_csv(session, case_id: int | None) -> bytes:
    """The journal listing of a case: every document's number, title and date (offentlighedsloven § 7)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Dokument", "Titel", "Dato"])
    if case_id is not None:
        for doc in session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)):
            writer.writerow([doc.id, doc.title, doc.created_at.date().isoformat()])
    return out.getvalue().encode("utf-8-sig")


def build_zip(session, documents, req, decision) -> bytes:
    """The decision's download: the letter, each released document (the redacted copy for a release in part),
    the listing of the decision's documents and, with the final decision, the journal listing if released."""
    items = [d for d in req.documents if d.decision_id == decision.id]
    buffer = io.BytesIO()
    listed = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        if decision.letter_document_id is not None:
            _doc, version, content = documents.get_version(session, decision.letter_document_id)
            zf.writestr(f"afgoerelse/{version.filename}", content)
        for item in items:
            filename = None
            if item.assessment == Assessment.FULL:
                _doc, version, content = documents.get_version(session, item.document_id)
                filename = f"dokumenter/{item.document_id}-{version.filename}"
            elif item.assessment == Assessment.PARTIAL and item.redacted_document_id is not None:
                _doc, version, content = documents.get_version(session, item.redacted_document_id)
                filename = f"dokumenter/{item.document_id}-overstreget-{version.filename}"
            if filename:
                zf.writestr(filename, content)
            listed.append((item, filename))
        zf.writestr("dokumentliste.csv", listing_csv(listed))
        if decision.final and req.release_listing:
            zf.writestr("journalliste.csv", journal_csv(session, req.about_case_id))
        zf.writestr("om.json", json.dumps({"request": req.number, "decision": decision.id, "final": decision.final,
                                           "documents": len(items)}, ensure_ascii=False, indent=1))
    return buffer.getvalue()


# ------------------------------------------------------------------ the task forms
def _on_the_request_page(ctx, values):
    from ..i18n import N_
    from .models import AccessRequestError

    raise AccessRequestError(N_("Assess the documents, send the delay letter and the decisions on the request's own "
                                "page (Access requests in the menu); the task is completed from there."))


def register_forms() -> None:
    """The user tasks of bpmn/access_request.bpmn are done on the request's page (service.py completes them);
    their forms refuse a completion from the generic task page, which would skip the letters."""
    from ..forms import FormDef, FormSchema, register

    class OnRequestPage(FormSchema):
        pass

    for key in ("access_request.assess", "access_request.delay_letter", "access_request.assess_after_delay"):
        register(FormDef(key, OnRequestPage, _on_the_request_page))


register_forms()
