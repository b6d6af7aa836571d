"""Case list, case page, documents, and starting a proposal."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import DocumentRejected
from workflows import proposal
from workflows.directory import WorkingGroup
from workflows.forms import describe
from workflows.incidents import DataFixSchema
from workflows.forms import FormInvalid

from .extensions import byplan_service
from .errors import upload_message
from .extensions import db
from .forms import form_id, form_version, unit_of_work, uploaded_file

bp = Blueprint("cases", __name__)


@bp.app_template_filter("timeline_sentence")
def _timeline_sentence(entry):
    from .timeline import sentence

    return sentence(entry)


@bp.get("/sager")
@login_required
def cases():
    status = request.args.get("status") or None
    if status not in (None, "running", "completed", "incident"):
        status = None
    rows = byplan_service().cases(db.session, current_user, status=status)
    return render_template("cases.html", cases=rows, status=status)


def _case_page(case_id: int, upload_error: str | None = None, status: int = 200, fix_errors: dict | None = None):
    service = byplan_service()
    # ?proces= picks the diagram: the case's own process or one it called (the links under the diagram)
    view = service.case_view(db.session, current_user, case_id, diagram=True,
                             process_id=request.args.get("proces") or None)
    fix_values = {k: request.form.get(k, "") for k in ("name", "value")} if fix_errors else {}
    return render_template("case.html", view=view, status_labels=proposal.STATUS_LABELS,
                           upload_error=upload_error, upload_title=request.form.get("title", ""),
                           may_resolve=service.incidents.may_resolve(current_user),
                           fix_fields=describe(DataFixSchema()), fix_values=fix_values,
                           fix_errors=fix_errors or {}), status


@bp.get("/sager/<id:case_id>/diagram/<process_id>.bpmn")
@login_required
def diagram(case_id: int, process_id: str):
    """The BPMN file of the case's own process version that defines `process_id`, for the diagram viewer."""
    _file_name, xml = byplan_service().case_process_file(db.session, current_user, case_id, process_id)
    return xml_response(xml)


def xml_response(xml: str, download_name: str | None = None) -> Response:
    """BPMN XML, shown to a script (inline) or downloaded as an attachment."""
    response = Response(xml, mimetype="application/xml")
    response.headers["Cache-Control"] = "private, no-cache"
    # An uploaded file's foreign elements (XHTML, say) must never act as a page of ours if opened directly.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    if download_name:
        response.headers["Content-Disposition"] = attachment_header(download_name)
    return response


@bp.get("/sager/<id:case_id>")
@login_required
def case(case_id: int):
    return _case_page(case_id)


@bp.get("/sager/fejl")
@login_required
def incidents():
    rows = byplan_service().incidents.list(db.session, current_user)
    return render_template("incidents.html", cases=rows)


@bp.post("/sager/<id:case_id>/genoptag")
@login_required
def retry(case_id: int):
    with unit_of_work() as uow:
        case = byplan_service().incidents.retry(db.session, current_user, case_id, form_version(request.form))
        uow.commit()
    if case.status == "incident":
        flash(_("The retry failed again; the case is still stopped. See the new error below."), "error")
    else:
        flash(_("The failed step ran again and the case continues."))
    return redirect(url_for("cases.case", case_id=case_id) + "#haendelse")


@bp.post("/sager/<id:case_id>/data")
@login_required
def fix_data(case_id: int):
    try:
        with unit_of_work() as uow:
            name, _value = byplan_service().incidents.fix_data(db.session, current_user, case_id,
                                                                dict(request.form), form_version(request.form))
            uow.commit()
    except FormInvalid as exc:
        return _case_page(case_id, status=422, fix_errors=exc.errors)
    flash(_("The variable %(name)s is changed. Retry the failed step when the data is right.", name=name))
    return redirect(url_for("cases.case", case_id=case_id) + "#haendelse")


@bp.post("/sager/<id:case_id>/dokumenter")
@login_required
def upload(case_id: int):
    filename, content = uploaded_file()
    document_id = form_id(request.form, "document_id")
    try:
        with unit_of_work() as uow:
            byplan_service().upload(db.session, current_user, case_id, filename, content,
                                    title=request.form.get("title") or None, document_id=document_id)
            uow.commit()
    except DocumentRejected as exc:
        return _case_page(case_id, upload_message(exc), 413 if exc.too_large else 422)
    flash(_("The document is uploaded."))
    return redirect(url_for("cases.case", case_id=case_id) + "#dokumenter")


@bp.get("/dokumenter/<id:document_id>")
@bp.get("/dokumenter/<id:document_id>/v<id:number>")
@login_required
def download(document_id: int, number: int | None = None):
    return send_document(*byplan_service().download(db.session, current_user, document_id, number))


def send_document(doc, version, content) -> Response:
    """A stored document version as a download: always an attachment, with its stored content type."""
    response = Response(content, mimetype=version.content_type)
    response.headers["Content-Disposition"] = attachment_header(version.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_header(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@bp.route("/forslag/nyt", methods=["GET", "POST"])
@login_required
def new_proposal():
    groups = list(db.session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(current_user.group_ids))
                                     .order_by(WorkingGroup.name)))
    if not groups:
        abort(403)
    errors: dict = {}
    values = {"title": "", "kind": "principle", "group_id": str(groups[0].id), "target": ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        try:
            with unit_of_work() as uow:
                case = byplan_service().start_proposal(db.session, current_user,
                                                       form_id(request.form, "group_id") or 0,
                                                       values["title"], values["kind"], values["target"] or None)
                uow.commit()
        except FormInvalid as exc:
            errors = exc.errors
        else:
            flash(_("The proposal is created. Write it in the task below."))
            return redirect(url_for("cases.case", case_id=case.id))
    return render_template("new_proposal.html", groups=groups, values=values, errors=errors,
                           kinds=proposal.KINDS, targets=proposal.target_choices(db.session)), (422 if errors else 200)
