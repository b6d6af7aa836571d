"""Access-to-documents requests (aktindsigt): the public request form and receipt, the secretariat's
dashboard and request page (documents, assessment, journal listing, delay letter, decisions), and the
requester's personal download (410 Gone after 30 days). Views parse, call one service method, render."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows.access_request import (
    ASSESSMENTS, LEGAL_BASES, AccessRequestError, AssessmentForm, DelayLetterForm, LinkExpired, RequestForm, exemption,
)
from workflows.access_request.models import Assessment
from workflows.errors import DomainError
from workflows.forms import FormInvalid, describe

from .extensions import byplan_service, db
from .forms import attempt, form_ids, unit_of_work, uploaded_file

bp = Blueprint("access_requests", __name__)


def _service():
    return byplan_service().access_requests


def _fields(schema) -> dict:
    return {spec.name: spec for spec in describe(schema)}


# ------------------------------------------------------------------ public
def _request_form(values: dict, errors: dict, status: int = 200):
    return render_template("access_requests/new.html", fields=_fields(RequestForm()), values=values,
                           errors=errors), status


@bp.get("/aktindsigt")
def new_request():
    return _request_form({}, {})


@bp.post("/aktindsigt")
def submit_request():
    raw = {k: request.form.get(k, "") for k in ("name", "email", "asked", "case_id")}
    try:
        with unit_of_work() as uow:
            req = _service().submit(db.session, raw)
            uow.commit()
    except FormInvalid as exc:
        return _request_form(raw, exc.errors, 422)
    except DomainError as exc:
        return _request_form(raw, {exc.field or "_": [str(exc)]}, 422)
    return render_template("access_requests/received.html", req=req), 201


@bp.get("/aktindsigt/hent/<token>")
def download(token: str):
    try:
        with unit_of_work() as uow:
            filename, content = _service().download(db.session, token)
            uow.commit()
    except LinkExpired as exc:
        return render_template("error.html", status=410, message=_(str(exc)), errors=None), 410
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


# ------------------------------------------------------------------ the secretariat
@bp.get("/aktindsigt/anmodninger")
@login_required
def dashboard():
    return render_template("access_requests/dashboard.html", rows=_service().open_requests(db.session, current_user))


def _render(request_id: int, errors: dict | None = None, form: dict | None = None, status: int = 200):
    service = _service()
    req = service.get(db.session, current_user, request_id)
    return render_template("access_requests/request.html", req=req, errors=errors or {}, form=form or {},
                           candidates=service.candidate_documents(db.session, current_user, req),
                           delay_task=service.delay_task(db.session, req), assessments=ASSESSMENTS,
                           legal_bases=LEGAL_BASES, exemption=exemption, Assessment=Assessment,
                           delay_fields=_fields(DelayLetterForm()), assessment_fields=_fields(AssessmentForm())), status


def _attempt(request_id: int, anchor: str, action, success: str):
    return attempt(action, anchor=anchor, success=success, domain_errors=(AccessRequestError,),
                   rerender=lambda errors, form, status: _render(request_id, errors, form, status),
                   redirect_to=url_for("access_requests.request_page", request_id=request_id))


@bp.get("/aktindsigt/anmodninger/<int:request_id>")
@login_required
def request_page(request_id: int):
    return _render(request_id)


@bp.post("/aktindsigt/anmodninger/<int:request_id>/dokumenter")
@login_required
def add_documents(request_id: int):
    ids = form_ids(request.form, "document_ids")
    return _attempt(request_id, "documents",
                    lambda: _service().add_documents(db.session, current_user, request_id, ids),
                    _("The documents are added to the request."))


@bp.post("/aktindsigt/anmodninger/<int:request_id>/dokumenter/<int:item_id>")
@login_required
def assess(request_id: int, item_id: int):
    raw = {k: request.form.get(k, "") for k in ("assessment", "redactions", "reason", "legal_basis")}
    filename, content = uploaded_file("redacted")
    redacted = (filename, content) if filename else None
    return _attempt(request_id, f"doc-{item_id}",
                    lambda: _service().assess(db.session, current_user, request_id, item_id, raw, redacted),
                    _("The assessment is saved."))


@bp.post("/aktindsigt/anmodninger/<int:request_id>/aktliste")
@login_required
def listing(request_id: int):
    release = request.form.get("release_listing") in ("1", "on", "true")
    return _attempt(request_id, "listing",
                    lambda: _service().set_listing(db.session, current_user, request_id, release),
                    _("The choice about the journal listing is saved."))


@bp.post("/aktindsigt/anmodninger/<int:request_id>/fristbrev")
@login_required
def delay_letter(request_id: int):
    raw = {k: request.form.get(k, "") for k in ("reason", "expected")}
    return _attempt(request_id, "delay",
                    lambda: _service().send_delay_letter(db.session, current_user, request_id, raw),
                    _("The delay letter is sent; its date is the new deadline."))


@bp.post("/aktindsigt/anmodninger/<int:request_id>/afgoerelse")
@login_required
def decide(request_id: int):
    final = request.form.get("final") in ("1", "on", "true")
    return _attempt(request_id, "decision",
                    lambda: _service().decide(db.session, current_user, request_id, final),
                    _("The decision is sent to the requester with a personal download link."))
