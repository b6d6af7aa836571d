"""Network meetings: rounds, regional meetings, seats and registrations, programme, evaluation."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows import network as network_domain
from workflows.forms import FormInvalid, describe

from .extensions import byplan_service
from .extensions import db
from .forms import attempt, form_id, unit_of_work, uploaded_file

bp = Blueprint("network", __name__)


def _service():
    return byplan_service().networks


def _user():
    return current_user if current_user.is_authenticated else None


def _page(round_id: int, errors: dict | None = None, form: dict | None = None, status: int = 200):
    view = _service().round_view(db.session, round_id, _user())
    return render_template("network/round.html", v=view, errors=errors or {}, form=form or {},
                           meeting_fields=describe(network_domain.MeetingForm()),
                           formats=dict(network_domain.FORMATS), status_labels=network_domain.ROUND_STATUS), status


def _attempt(round_id: int, anchor: str, action, success: str):
    return attempt(action, anchor=anchor, success=success,
                   rerender=lambda errors, form, status: _page(round_id, errors, form, status),
                   redirect_to=url_for("network.round_page", round_id=round_id))


def _round_of(meeting_id: int) -> int:
    return network_domain.get_meeting(db.session, meeting_id).round_id


@bp.get("/netvaerk")
@login_required
def index():
    view = _service().index_view(db.session, current_user)
    return render_template("network/index.html", rounds=view["rounds"], mine=view["mine"], may_plan=view["may_plan"],
                           status_labels=network_domain.ROUND_STATUS)


@bp.route("/netvaerk/runder/ny", methods=["GET", "POST"])
@login_required
def new_round():
    errors: dict = {}
    values = {"theme": "", "format": "talk", "registration_deadline": "", "network_id": ""}
    networks = _service().round_form(db.session, current_user)
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        try:
            with unit_of_work() as uow:
                row = _service().create_round(db.session, current_user, form_id(request.form, "network_id") or 0,
                                              {k: v for k, v in values.items() if k != "network_id"})
                uow.commit()
        except FormInvalid as exc:
            errors = exc.errors
        else:
            flash(_("The round is created. Add its regional meetings, then publish it from the task."))
            return redirect(url_for("network.round_page", round_id=row.id))
    return render_template("network/new.html", networks=networks, values=values, errors=errors,
                           fields=describe(network_domain.RoundForm())), (422 if errors else 200)


@bp.get("/netvaerk/runder/<id:round_id>")
def round_page(round_id: int):
    return _page(round_id)


@bp.post("/netvaerk/runder/<id:round_id>/moeder")
@login_required
def add_meeting(round_id: int):
    raw = {f: request.form.get(f, "") for f in ("region", "day", "starts", "ends", "venue", "address",
                                                 "online_link", "capacity")}
    return _attempt(round_id, "moeder", lambda: _service().add_meeting(db.session, current_user, round_id, raw),
                    _("The regional meeting is added."))


@bp.post("/netvaerk/moeder/<id:meeting_id>/program")
@login_required
def add_programme(meeting_id: int):
    raw = {f: request.form.get(f, "") for f in ("kind", "title", "speaker", "organisation")}
    return _attempt(_round_of(meeting_id), f"moede-{meeting_id}",
                    lambda: _service().add_programme_item(db.session, current_user, meeting_id, raw),
                    _("The programme item is added."))


@bp.post("/netvaerk/moeder/<id:meeting_id>/bekraeft")
@login_required
def confirm(meeting_id: int):
    return _attempt(_round_of(meeting_id), f"moede-{meeting_id}",
                    lambda: _service().confirm_meeting(db.session, current_user, meeting_id),
                    _("The meeting is confirmed."))


@bp.post("/netvaerk/moeder/<id:meeting_id>/materiale")
@login_required
def add_material(meeting_id: int):
    filename, content = uploaded_file()
    round_id = _round_of(meeting_id)
    return _attempt(round_id, f"moede-{meeting_id}",
                    lambda: _service().add_material(db.session, current_user, meeting_id, filename, content),
                    _("The document is uploaded."))


@bp.post("/netvaerk/moeder/<id:meeting_id>/tilmeld")
@login_required
def register(meeting_id: int):
    raw = {f: request.form.get(f, "") for f in ("name", "email", "job_title")}
    round_id = _round_of(meeting_id)

    def action():
        reg = _service().register(db.session, current_user, meeting_id, raw,
                                  form_id(request.form, "municipality_id"))
        if reg.status == "waiting":
            flash(_("%(name)s is on the waiting list: your municipality's seats (or the venue) are full. "
                    "They move up automatically when a place is freed.", name=reg.name), "error")
    return _attempt(round_id, f"moede-{meeting_id}", action, _("The registration is saved."))


@bp.post("/netvaerk/tilmeldinger/<id:registration_id>/afmeld")
@login_required
def cancel(registration_id: int):
    round_id, meeting_id = _service().registration_place(db.session, registration_id)
    return _attempt(round_id, f"moede-{meeting_id}",
                    lambda: _service().cancel(db.session, current_user, registration_id),
                    _("The registration is cancelled."))


@bp.post("/netvaerk/tilmeldinger/<id:registration_id>/skift")
@login_required
def swap(registration_id: int):
    round_id, meeting_id = _service().registration_place(db.session, registration_id)
    raw = {f: request.form.get(f, "") for f in ("name", "email", "job_title")}
    return _attempt(round_id, f"moede-{meeting_id}",
                    lambda: _service().swap(db.session, current_user, registration_id, raw),
                    _("The seat is given to the new colleague."))


@bp.post("/netvaerk/tilmeldinger/<id:registration_id>/slet-persondata")
@login_required
def anonymise(registration_id: int):
    round_id, meeting_id = _service().registration_place(db.session, registration_id)
    return _attempt(round_id, f"moede-{meeting_id}",
                    lambda: _service().anonymise(db.session, current_user, registration_id),
                    _("The participant's personal data is deleted."))


@bp.get("/netvaerk/moeder/<id:meeting_id>/deltagere.csv")
@login_required
def participants_csv(meeting_id: int):
    body = _service().participants_csv(db.session, current_user, meeting_id)
    response = Response("\ufeff" + body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="deltagere-{meeting_id}.csv"'
    return response


@bp.get("/netvaerk/program/<id:round_id>")
def programme(round_id: int):
    view = _service().round_view(db.session, round_id, _user())
    return render_template("network/programme.html", v=view, formats=dict(network_domain.FORMATS))


@bp.get("/netvaerk/moeder/<id:meeting_id>/dokumenter/<id:document_id>")
@login_required
def document(meeting_id: int, document_id: int):
    from .cases import send_document

    return send_document(*_service().material(db.session, current_user, meeting_id, document_id))


@bp.get("/netvaerk/moeder.ics")
def calendar():
    return Response(_service().public_calendar(db.session), mimetype="text/calendar")


@bp.route("/netvaerk/evaluering/<token>", methods=["GET", "POST"])
def evaluation(token: str):
    reg = _service().registration_for_token(db.session, token)
    errors: dict = {}
    values = {"overall": "", "usefulness": "", "comment": ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        try:
            with unit_of_work() as uow:
                _service().evaluate(db.session, token, values)
                uow.commit()
        except FormInvalid as exc:
            errors = exc.errors
        except network_domain.NetworkError as exc:
            errors = {"_": [str(exc)]}
        else:
            flash(_("Thank you for your evaluation."))
            return redirect(url_for("network.evaluation", token=token))
    return render_template("network/evaluation.html", reg=reg, fields=describe(network_domain.EvaluationForm()),
                           values=values, errors=errors), (422 if errors else 200)
