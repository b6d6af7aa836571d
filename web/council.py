"""The council: meetings (agenda, material, positions, minutes), decisions, feeds.

Each view parses the request, calls one service function and renders or redirects; the service decides
who may do and see what, and `attempt` runs every change in one unit of work.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows import council as council_domain
from workflows.council.forms import field_limits
from workflows.forms import describe

from .extensions import byplan_service
from .extensions import db
from .forms import attempt, form_id, uploaded_file

bp = Blueprint("council", __name__)

LABELS = {"kinds": council_domain.KINDS, "kind_labels": dict(council_domain.KINDS),
          "position_labels": dict(council_domain.POSITIONS), "positions": council_domain.POSITIONS,
          "outcome_labels": dict(council_domain.OUTCOMES), "status_labels": council_domain.STATUS_LABELS}
NEW_MEETING = {"title": "", "date": "", "start_time": "10:00", "place": "", "online_link": "",
               "item_deadline": "", "item_deadline_time": "", "publish_days": "7"}


def _service():
    return byplan_service().council


def _user():
    return current_user if current_user.is_authenticated else None


def _page(meeting_id: int, errors: dict | None = None, form: dict | None = None, status: int = 200):
    view = _service().meeting_view(db.session, meeting_id, _user())
    return render_template("council/meeting.html", v=view, errors=errors or {}, form=form or {},
                           limits=field_limits(council_domain.ItemForm), **LABELS,
                           papers=_service().papers.visible(db.session, _user(), meeting_id)), status


def _attempt(meeting_id: int, anchor: str, action, success: str):
    return attempt(action, anchor=anchor, success=success, domain_errors=(council_domain.CouncilError,),
                   rerender=lambda errors, form, status: _page(meeting_id, errors, form, status),
                   redirect_to=url_for("council.meeting", meeting_id=meeting_id))


@bp.get("/raadet/moeder")
def meetings():
    service = _service()
    return render_template("council/meetings.html", rows=service.meetings(db.session, _user()),
                           may_create=service.may_create_meeting(_user()), status_labels=council_domain.STATUS_LABELS)


def _new_meeting_page(values: dict, errors: dict, status: int):
    form = _service().new_meeting_form(current_user)
    return render_template("council/new.html", fields=describe(form()), values=values, errors=errors), status


@bp.get("/raadet/moeder/nyt")
@login_required
def new_meeting():
    return _new_meeting_page(dict(NEW_MEETING), {}, 200)


@bp.post("/raadet/moeder/nyt")
@login_required
def create_meeting():
    values = {k: request.form.get(k, "") for k in NEW_MEETING}
    created = {}

    def action():
        created["meeting"] = _service().create_meeting(db.session, current_user, values)

    response = attempt(action, anchor="meeting",
                       success=_("The meeting is created and the call for agenda items is open."),
                       rerender=lambda errors, form, status: _new_meeting_page(values, errors["meeting"], status),
                       redirect_to="", domain_errors=(council_domain.CouncilError,))
    if "meeting" in created and response.status_code == 302:
        response.headers["Location"] = url_for("council.meeting", meeting_id=created["meeting"].id)
    return response


@bp.get("/raadet/moeder/<id:meeting_id>")
def meeting(meeting_id: int):
    return _page(meeting_id)


@bp.post("/raadet/moeder/<id:meeting_id>/punkter")
@login_required
def add_item(meeting_id: int):
    raw = {k: request.form.get(k, "") for k in ("kind", "title", "description", "reason")}
    return _attempt(meeting_id, "punkter", lambda: _service().add_item(db.session, current_user, meeting_id, raw),
                    _("The item is added to the agenda."))


@bp.post("/raadet/moeder/<id:meeting_id>/frist")
@login_required
def move_deadline(meeting_id: int):
    raw = {k: request.form.get(k, "") for k in ("item_deadline", "item_deadline_time", "reason")}
    return _attempt(meeting_id, "frist", lambda: _service().move_deadline(db.session, current_user, meeting_id, raw),
                    _("The item deadline is moved."))


@bp.post("/raadet/moeder/<id:meeting_id>/udsend")
@login_required
def publish_now(meeting_id: int):
    raw = {"reason": request.form.get("reason", "")}
    return _attempt(meeting_id, "udsend", lambda: _service().publish_now(db.session, current_user, meeting_id, raw),
                    _("The agenda is published."))


@bp.post("/raadet/punkter/<id:item_id>/flyt")
@login_required
def move_item(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    direction = 1 if request.form.get("direction") == "down" else -1
    return _attempt(meeting_id, "punkter",
                    lambda: _service().move_item(db.session, current_user, item_id, direction,
                                                 request.form.get("reason")),
                    _("The agenda order is changed."))


@bp.post("/raadet/punkter/<id:item_id>/fjern")
@login_required
def remove_item(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    return _attempt(meeting_id, "punkter",
                    lambda: _service().remove_item(db.session, current_user, item_id, request.form.get("reason")),
                    _("The item is removed from the agenda."))


@bp.post("/raadet/punkter/<id:item_id>/materiale")
@login_required
def add_material(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    filename, content = uploaded_file()
    return _attempt(meeting_id, f"punkt-{item_id}",
                    lambda: _service().add_material(db.session, current_user, item_id, filename, content,
                                                    request.form.get("reason")),
                    _("The document is uploaded."))


@bp.post("/raadet/punkter/<id:item_id>/luk")
@login_required
def close_item(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    raw = {"reason": request.form.get("reason", "")}
    return _attempt(meeting_id, f"luk-{item_id}",
                    lambda: _service().close_item(db.session, current_user, item_id, raw),
                    _("The item is closed: the public sees only \"Closed item\"."))


@bp.post("/raadet/punkter/<id:item_id>/aabn")
@login_required
def open_item(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    raw = {"note": request.form.get("note", "")}
    return _attempt(meeting_id, f"aabn-{item_id}",
                    lambda: _service().open_item(db.session, current_user, item_id, raw),
                    _("The item is opened: it is public like any other item."))


@bp.post("/raadet/punkter/<id:item_id>/udsaet")
@login_required
def postpone_item(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    raw = {"meeting_id": request.form.get("to_meeting_id", ""), "reason": request.form.get("reason", "")}
    return _attempt(meeting_id, f"udsaet-{item_id}",
                    lambda: _service().postpone_item(db.session, current_user, item_id, raw),
                    _("The item is postponed to the chosen meeting."))


@bp.post("/raadet/punkter/<id:item_id>/holdning")
@login_required
def change_position(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    raw = {"position": request.form.get("position", ""), "comment": request.form.get("comment", "")}
    return _attempt(meeting_id, f"punkt-{item_id}",
                    lambda: _service().change_position(db.session, current_user, item_id, raw),
                    _("Your position is recorded."))


@bp.post("/raadet/punkter/<id:item_id>/referat")
@login_required
def write_minutes(item_id: int):
    meeting_id = form_id(request.form, "meeting_id") or 0
    return _attempt(meeting_id, f"punkt-{item_id}",
                    lambda: _service().write_minutes(db.session, current_user, item_id,
                                                     request.form.get("minutes", "")),
                    _("The minutes of the item are saved."))


@bp.post("/raadet/moeder/<id:meeting_id>/indsigelse")
@login_required
def object_to_minutes(meeting_id: int):
    raw = {"text": request.form.get("text", "")}
    return _attempt(meeting_id, "referat",
                    lambda: _service().object_to_minutes(db.session, current_user, meeting_id, raw),
                    _("Your objection is sent to the secretariat."))


@bp.get("/raadet/moeder/<id:meeting_id>/dokumenter/<id:document_id>")
def document(meeting_id: int, document_id: int):
    from .cases import send_document

    return send_document(*_service().meeting_document(db.session, _user(), meeting_id, document_id))


@bp.get("/raadet/beslutninger")
def decisions():
    return render_template("council/decisions.html", rows=_service().decisions(db.session),
                           outcome_labels=dict(council_domain.OUTCOMES))


@bp.get("/raadet/feed.atom")
def feed():
    return Response(_service().atom_feed(db.session, gettext=_, language=str(get_locale() or "da")),
                    mimetype="application/atom+xml")


@bp.get("/raadet/moeder.ics")
def calendar():
    return Response(_service().meetings_calendar(db.session), mimetype="text/calendar")
