"""Hearings: the secretariat's dashboard and hearing page, municipality answers, party links,
public hearing pages, calendar feeds and the demo mailbox.

Every view parses the request, calls one method of the hearing service (which decides who may see and
do what) and renders or redirects; actions run in one unit of work (`attempt` / `unit_of_work`)."""
from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows import hearing as hearings_domain
from workflows.forms import describe
from workflows.hearing.forms import PrepareForm, page_forms
from workflows.hearing.sections import Sections
from workflows.service import FormInvalid

from .extensions import byplan_service
from .extensions import db
from .forms import attempt, form_id, form_ids, unit_of_work, uploaded_file

bp = Blueprint("hearings", __name__)


def _service():
    return byplan_service().hearings


def _user():
    """The signed-in user, or None for an anonymous visitor (the service decides what they may do)."""
    return current_user if current_user.is_authenticated else None


def _files() -> list[tuple[str, bytes]]:
    return [(f.filename, f.read()) for f in request.files.getlist("files") if f and f.filename]


def _back(hearing_id: int, anchor: str = ""):
    return redirect(url_for("hearings.hearing", hearing_id=hearing_id) + (f"#{anchor}" if anchor else ""))


def _labels() -> dict:
    return {"status_labels": hearings_domain.STATUS_LABELS, "late_labels": hearings_domain.LATE_LABELS,
            "dispositions": hearings_domain.DISPOSITIONS, "disposition_labels": dict(hearings_domain.DISPOSITIONS)}


def _render_staff(view: dict, errors: dict | None = None, form: dict | None = None, status: int = 200):
    return render_template("hearings/hearing.html", v=view, errors=errors or {}, form=form or {},
                           fields=page_forms(), calendar_url=_user_calendar_url(), **_labels()), status


def _attempt(hearing_id: int, anchor: str, action, success: str):
    return attempt(action, anchor=anchor, success=success, domain_errors=(hearings_domain.HearingError,),
                   rerender=lambda errors, form, status: _render_staff(
                       _service().staff_view(db.session, _user(), hearing_id), errors, form, status),
                   redirect_to=url_for("hearings.hearing", hearing_id=hearing_id))


def _respond(action, rerender, field: str):
    """Run a party's action in one unit of work: (result, None), or (None, the page again with the errors)."""
    try:
        with unit_of_work() as uow:
            result = action()
            uow.commit()
    except FormInvalid as exc:
        return None, rerender(exc.errors, 422)
    except hearings_domain.HearingError as exc:
        return None, rerender({field: [str(exc)]}, 422)
    return result, None


# ----------------------------------------------------------------- staff

@bp.get("/hoeringer")
@login_required
def index():
    sort = request.args.get("sort", "deadline")
    page = _service().overview(db.session, _user(), sort)
    if page.kind == "municipality":
        return render_template("hearings/municipality.html", rows=page.view, calendar_url=_user_calendar_url(),
                               status_labels=hearings_domain.STATUS_LABELS)
    return render_template("hearings/dashboard.html", rows=page.view, sort=sort, now=_service().clock(),
                           may_create=page.may_create, top_sections=page.extra.get("top_sections", {}),
                           status_labels=hearings_domain.STATUS_LABELS, calendar_url=_user_calendar_url())


@bp.route("/hoeringer/ny", methods=["GET", "POST"])
@login_required
def new():
    groups = _service().new_form(db.session, _user())
    errors: dict = {}
    values = {"title": "", "summary": "", "working_group_id": str(groups[0].id) if groups else ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        group_id = form_id(request.form, "working_group_id") or 0
        try:
            with unit_of_work() as uow:
                hearing = _service().create(db.session, _user(), title=values["title"], summary=values["summary"],
                                            working_group_id=group_id)
                uow.commit()
        except FormInvalid as exc:
            errors = exc.errors
        else:
            flash(_("The hearing is created. Add parties and material, then publish it from the task."))
            return _back(hearing.id)
    fields = {spec.name: spec for spec in describe(PrepareForm())}
    return render_template("hearings/new.html", groups=groups, values=values, errors=errors,
                           fields=fields), (422 if errors else 200)


@bp.get("/hoeringer/<id:hearing_id>")
@login_required
def hearing(hearing_id: int):
    page = _service().hearing_page(db.session, _user(), hearing_id)
    if page.kind == "party":
        return _contact_page(hearing_id, page.view)
    return _render_staff(page.view)


@bp.post("/hoeringer/<id:hearing_id>/parter/kommuner")
@login_required
def add_municipalities(hearing_id: int):
    ids = form_ids(request.form, "municipality_id")
    return _attempt(hearing_id, "parter", lambda: _service().add_municipalities(db.session, _user(), hearing_id, ids),
                    _("The municipalities are added as parties."))


@bp.post("/hoeringer/<id:hearing_id>/parter/ekstern")
@login_required
def add_external(hearing_id: int):
    raw = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
    return _attempt(hearing_id, "parter", lambda: _service().add_external_party(db.session, _user(), hearing_id, raw),
                    _("The party is added."))


@bp.post("/hoeringer/<id:hearing_id>/parter/<id:party_id>/fjern")
@login_required
def remove_party(hearing_id: int, party_id: int):
    return _attempt(hearing_id, "parter", lambda: _service().remove_party(db.session, _user(), hearing_id, party_id),
                    _("The party is removed."))


@bp.post("/hoeringer/<id:hearing_id>/materiale")
@login_required
def add_material(hearing_id: int):
    filename, content = uploaded_file()
    return _attempt(hearing_id, "materiale",
                    lambda: _service().add_document(db.session, _user(), hearing_id, filename, content,
                                                    request.form.get("title") or None),
                    _("The document is uploaded."))


@bp.post("/hoeringer/svar/<id:response_id>/afgoerelse")
@login_required
def decide_late(response_id: int):
    hearing_id = form_id(request.form, "hearing_id") or 0
    raw = {"decision": request.form.get("decision", ""), "reason": request.form.get("reason", "")}
    return _attempt(hearing_id, f"svar-{response_id}",
                    lambda: _service().decide_late(db.session, _user(), response_id, raw),
                    _("The decision on the late response is recorded."))


@bp.post("/hoeringer/<id:hearing_id>/notat/punkter")
@login_required
def add_point(hearing_id: int):
    raw = {k: request.form.get(k, "") for k in ("response_id", "section_id", "point", "disposition", "reason")}
    return _attempt(hearing_id, "notat", lambda: _service().add_point(db.session, _user(), hearing_id, raw),
                    _("The point is added to the hearing note."))


@bp.post("/hoeringer/<id:hearing_id>/notat/punkter/<id:point_id>/slet")
@login_required
def delete_point(hearing_id: int, point_id: int):
    return _attempt(hearing_id, "notat", lambda: _service().delete_point(db.session, _user(), hearing_id, point_id),
                    _("The point is deleted."))


# -------------------------------------------------- municipality contact

def _contact_page(hearing_id: int, view: dict, errors: dict | None = None, text: str = "", status: int = 200):
    return render_template("hearings/respond.html", v=view, errors=errors or {}, text=text, fields=page_forms(),
                           action=url_for("hearings.contact_respond", hearing_id=hearing_id),
                           document_url=lambda doc_id: url_for("hearings.public_document", hearing_id=hearing_id,
                                                               document_id=doc_id),
                           allow_late=False), status


@bp.post("/hoeringer/<id:hearing_id>/svar")
@login_required
def contact_respond(hearing_id: int):
    service, text = _service(), request.form.get("text", "")
    _response, page = _respond(
        lambda: service.respond_as_contact(db.session, _user(), hearing_id, _response_raw(text), _files()),
        lambda errors, status: _contact_page(hearing_id, service.contact_view(db.session, _user(), hearing_id),
                                             errors, text, status), "text")
    if page is not None:
        return page
    flash(_("Your response is received."))
    return redirect(url_for("hearings.hearing", hearing_id=hearing_id))


def _response_raw(text: str) -> dict:
    """The response form: the text on the whole, and a comment per section (fields section-<id>)."""
    return {"text": text, "section_comments": Sections.from_form(request.form)}


# ------------------------------------------------------------ party link

def _party_page(token: str, errors: dict | None = None, text: str = "", status: int = 200):
    view = _service().token_view(db.session, token)
    return render_template("hearings/respond.html", v=view, errors=errors or {}, text=text, fields=page_forms(),
                           action=url_for("hearings.party_link", token=token), token=token,
                           document_url=lambda doc_id: url_for("hearings.party_document", token=token,
                                                               document_id=doc_id),
                           allow_late=True), status


@bp.route("/hoering/svar/<token>", methods=["GET", "POST"])
def party_link(token: str):
    if request.method == "GET":
        return _party_page(token)
    service, text = _service(), request.form.get("text", "")
    response, page = _respond(lambda: service.respond_by_token(db.session, token, _response_raw(text), _files()),
                              lambda errors, status: _party_page(token, errors, text, status), "text")
    if page is not None:
        return page
    flash(_("Your late response is received; the secretariat decides whether it is included.")
          if response.late else _("Your response is received. You can replace it until the deadline."))
    return redirect(url_for("hearings.party_link", token=token))


@bp.post("/hoering/svar/<token>/offentliggoerelse")
def party_unpublish(token: str):
    unpublish = request.form.get("unpublish") == "1"
    _result, page = _respond(lambda: _service().unpublish_by_token(db.session, token, unpublish),
                             lambda errors, status: _party_page(token, errors, status=status), "unpublish")
    if page is not None:
        return page
    flash(_("Your choice about publication is saved."))
    return redirect(url_for("hearings.party_link", token=token))


@bp.get("/hoering/svar/<token>/dokumenter/<id:document_id>")
def party_document(token: str, document_id: int):
    return _download(*_service().token_document(db.session, token, document_id))


# ---------------------------------------------------------------- public

@bp.get("/offentlige-hoeringer")
def public_list():
    return render_template("hearings/public_list.html", rows=_service().public(db.session),
                           status_labels=hearings_domain.STATUS_LABELS)


@bp.get("/offentlige-hoeringer/<id:hearing_id>")
def public_hearing(hearing_id: int):
    view = _service().public_view(db.session, hearing_id)
    return render_template("hearings/public.html", v=view, dispositions=dict(hearings_domain.DISPOSITIONS),
                           status_labels=hearings_domain.STATUS_LABELS)


@bp.get("/offentlige-hoeringer/<id:hearing_id>/dokumenter/<id:document_id>")
def public_document(hearing_id: int, document_id: int):
    return _download(*_service().public_document(db.session, hearing_id, document_id))


@bp.get("/offentlige-hoeringer/<id:hearing_id>/dokumenter/<id:document_id>/v<int:number>")
def public_document_version(hearing_id: int, document_id: int, number: int):
    """A version of a concluded hearing's material: the text that resulted from the hearing."""
    service = _service()
    hearing = hearings_domain.get_hearing(db.session, hearing_id)
    return _download(*service.publication.document_version(db.session, hearing, document_id, number))


def _download(doc, version, content):
    from .cases import send_document

    return send_document(doc, version, content)


@bp.get("/offentlige-hoeringer.ics")
def public_calendar():
    body = _service().public_calendar(db.session, "Høringsfrister – Kommunernes It-Arkitekturråd")
    return Response(body, mimetype="text/calendar")


def calendar_token(user_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return f"{user_id}-" + hmac.new(key, f"calendar:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _user_calendar_url() -> str:
    return url_for("hearings.user_calendar", token=calendar_token(current_user.id), _external=False)


@bp.get("/kalender/<token>.ics")
def user_calendar(token: str):
    user_id, _, _mac = token.partition("-")
    if not user_id.isdigit() or not hmac.compare_digest(calendar_token(int(user_id)), token):
        abort(404)  # the feed link is the credential: a forged one names no feed
    body = _service().user_calendar(db.session, int(user_id), "Høringsfrister – {name}")
    return Response(body, mimetype="text/calendar")


# ------------------------------------------------------------ demo mailbox

MAILBOX_PAGE = 25


@bp.get("/post")
@login_required
def mailbox():
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    mails = _service().demo_mailbox(db.session, _user(), sink_backend=current_app.config["MAIL_BACKEND"] == "sink",
                                    limit=MAILBOX_PAGE + 1, offset=(page - 1) * MAILBOX_PAGE)  # one more: a next page?
    return render_template("hearings/mailbox.html", mails=mails[:MAILBOX_PAGE], page=page,
                           more=len(mails) > MAILBOX_PAGE)
