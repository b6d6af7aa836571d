"""The signed-in user's own account (/konto): their sessions, ending any or all of them, and their password;
and the administrator's button that ends every session of a user."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from workflows.forms import FormInvalid
from workflows.sessions import PASSWORD_FIELDS

from .auth import sessions, start_session
from .extensions import db
from .forms import form_id, unit_of_work

bp = Blueprint("account", __name__)


def _current_id() -> int:
    return current_user.record.id


@bp.get("/konto/sessioner")
@login_required
def sessions_page():
    rows = sessions().active_sessions(db.session, current_user.user)
    return render_template("account/sessions.html", rows=rows, current_id=_current_id(),
                           policy=sessions().policy)


@bp.post("/konto/sessioner/afslut")
@login_required
def end_session():
    session_id = form_id(request.form, "session_id")
    current = session_id == _current_id()
    with unit_of_work() as uow:
        ended = sessions().end_one(db.session, current_user.user, session_id)
        uow.commit()
    if current and ended:
        logout_user()
        flash(_("You are logged out."))
        return redirect(url_for("auth.login"))
    flash(_("The session is ended.") if ended else _("That session had already ended."))
    return redirect(url_for(".sessions_page"))


@bp.post("/konto/sessioner/afslut-alle")
@login_required
def end_other_sessions():
    with unit_of_work() as uow:
        count = sessions().end_all(db.session, current_user.user, keep=_current_id())
        uow.commit()
    flash(_("All your other sessions are ended (%(count)s).", count=count))
    return redirect(url_for(".sessions_page"))


@bp.route("/konto/adgangskode", methods=["GET", "POST"])
@login_required
def password():
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        raw = {f.name: request.form.get(f.name, "") for f in PASSWORD_FIELDS}
        user = current_user.user
        try:
            with unit_of_work() as uow:
                sessions().change_password(db.session, user, raw)
                start_session(user)  # every session ended, this browser gets a new one
                uow.commit()
        except FormInvalid as exc:
            errors, status = exc.errors, 422
        else:
            flash(_("Your password is changed. You are logged out everywhere else."))
            return redirect(url_for(".sessions_page"))
    return render_template("account/password.html", fields=PASSWORD_FIELDS, errors=errors), status


@bp.post("/admin/brugere/<id:user_id>/sessioner")
@login_required
def end_user_sessions(user_id: int):
    with unit_of_work() as uow:
        user = sessions().end_all_of(db.session, current_user.user, user_id)
        uow.commit()
    flash(_("All sessions of %(name)s are ended.", name=user.name))
    return redirect(url_for("admin.user", user_id=user_id) + "#status")
