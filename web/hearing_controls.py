"""The hearing page's actions of issue 16 (on the hearings blueprint): sections of the consulted text,
the secretariat's deadline controls, redaction before publication, and the hearing note as DOCX / PDF.

Each view parses the form, calls one service method and redirects, or shows the page again with the
errors per field (422); nothing changes on an error."""
from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import login_required

from .extensions import db
from .forms import form_id
from .hearings import _attempt, _service, _user, bp

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.post("/hoeringer/<id:hearing_id>/afsnit")
@login_required
def enter_sections(hearing_id: int):
    text = request.form.get("sections", "")
    return _attempt(hearing_id, "afsnit", lambda: _service().sections.enter(db.session, _user(), hearing_id, text),
                    _("The sections are saved."))


@bp.post("/hoeringer/<id:hearing_id>/afsnit/import")
@login_required
def import_sections(hearing_id: int):
    document_id = form_id(request.form, "document_id") or 0
    service = _service()
    return _attempt(hearing_id, "afsnit",
                    lambda: service.sections.import_docx(db.session, _user(), hearing_id, document_id,
                                                         service.documents),
                    _("The sections are imported from the document's headings."))


@bp.post("/hoeringer/<id:hearing_id>/frist")
@login_required
def extend_deadline(hearing_id: int):
    raw = {k: request.form.get(k, "") for k in ("deadline", "reason")}
    return _attempt(hearing_id, "frist", lambda: _service().deadlines.extend(db.session, _user(), hearing_id, raw),
                    _("The deadline is extended; the parties that have not answered are told."))


@bp.post("/hoeringer/<id:hearing_id>/luk")
@login_required
def close_early(hearing_id: int):
    raw = {"close_reason": request.form.get("close_reason", "")}

    def action():
        return _service().deadlines.close_early(db.session, _user(), hearing_id, raw)

    return _attempt(hearing_id, "frist", action, _("The hearing is closed; the parties that have not answered "
                                                   "are told."))


@bp.post("/hoeringer/svar/<id:response_id>/overstregning")
@login_required
def redact(response_id: int):
    hearing_id = form_id(request.form, "hearing_id") or 0
    raw = {k: request.form.get(k, "") for k in ("section_id", "passage", "start", "end", "reason")}
    return _attempt(hearing_id, f"svar-{response_id}",
                    lambda: _service().publication.add_redaction(db.session, _user(), response_id, raw),
                    _("The passage is redacted in the published version."))


@bp.post("/hoeringer/overstregning/<id:redaction_id>/fjern")
@login_required
def remove_redaction(redaction_id: int):
    hearing_id = form_id(request.form, "hearing_id") or 0
    return _attempt(hearing_id, "svar",
                    lambda: _service().publication.remove_redaction(db.session, _user(), redaction_id),
                    _("The redaction is removed."))


@bp.get("/hoeringer/<id:hearing_id>/hoeringsnotat.<any(docx, pdf):kind>")
@login_required
def note_download(hearing_id: int, kind: str):
    """The note as it stands now, generated from the record (staff and the working group)."""
    service = _service()
    view = service.staff_view(db.session, _user(), hearing_id)  # the access check
    if not view["may_download_note"]:
        from engine import NotFound

        raise NotFound("note")
    filename, content = service.publication.draft(db.session, hearing_id, kind)
    return Response(content, mimetype=DOCX_TYPE if kind == "docx" else "application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
