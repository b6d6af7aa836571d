"""The signed-in user's own account (/konto): their sessions, ending any or all of them, and their password;
and the administrator's button that ends every session of a user."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
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


# ------------------------------------------------------------------------- two-factor sign-in (issue 17)

def _two_factor_user():
    """Who is enrolling or answering: the signed-in user, or the login waiting for its second factor."""
    from .auth import pending_user

    if current_user.is_authenticated:
        return current_user.user, False
    user = pending_user()
    return user, True


def _finish_login(user):
    from flask import session as cookie

    from .auth import PENDING, _safe_next

    pending = cookie.pop(PENDING, None) or {}
    start_session(user)
    return _safe_next(pending.get("next"))


@bp.route("/login/totp", methods=["GET", "POST"])
def totp_login():
    from .auth import _address, _throttle, _totp, pending_user

    user = pending_user()
    if user is None:  # no login waits for its second factor
        abort(404)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        code = request.form.get("code", "")
        key = f"totp:{user.username}"
        with unit_of_work() as uow:
            refusal = _throttle().check(db.session, key, _address())
            ok = refusal is None and _totp().verify(db.session, user, code)
            if refusal is None:
                (_throttle().succeeded(db.session, key) if ok else _throttle().failed(db.session, key, _address()))
            target = _finish_login(user) if ok else None
            uow.commit()
        if ok:
            return redirect(target)
        status = 429 if refusal else 422
        errors["code"] = (_("Too many failed logins. Wait %(minutes)s min. and try again.", minutes=refusal.minutes)
                          if refusal else _("The code is wrong or has been used. Try the next code."))
    return render_template("account/totp_login.html", errors=errors), status


@bp.route("/login/totp/tilmeld", methods=["GET", "POST"])
def totp_enrol():
    from .auth import _totp

    user, pending = _two_factor_user()
    if user is None:
        return redirect(url_for("auth.login"))
    errors: dict[str, str] = {}
    status = 200
    totp = _totp()
    with unit_of_work() as uow:
        row = totp.begin(db.session, user)
        secret = row.secret
        if row.confirmed_at is not None and pending:
            uow.commit()
            return redirect(url_for(".totp_login"))
        codes = None
        if request.method == "POST" and row.confirmed_at is None:
            codes = totp.confirm(db.session, user, request.form.get("code", ""))
            if codes is not None and pending:
                _finish_login(user)
        uow.commit()
    if codes is not None:
        return render_template("account/totp_codes.html", codes=codes)
    if request.method == "POST":
        errors["code"] = _("The code is wrong. Enter the six digits your app shows now.")
        status = 422
    return render_template("account/totp_enrol.html", errors=errors, secret=secret,
                           enrolled=row.confirmed_at is not None), status


@bp.get("/login/totp/qr.svg")
def totp_qr():
    from flask import Response

    from .auth import _totp

    user, _pending = _two_factor_user()
    if user is None:
        abort(404)
    totp = _totp()
    with unit_of_work() as uow:
        row = totp.begin(db.session, user)  # the secret the enrolment page shows (made here if asked first)
        uow.commit()
    if row.confirmed_at is not None:
        abort(404)
    response = Response(totp.qr_svg(totp.uri(user, row)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/admin/brugere/<id:user_id>/totp")
@login_required
def require_totp(user_id: int):
    from engine import NotFound

    from workflows.directory import User

    from .auth import _totp

    with unit_of_work() as uow:
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("user")
        required = request.form.get("required") == "1"
        _totp().set_required(db.session, current_user.user, user, required)
        uow.commit()
    flash(_("Two-factor sign-in is required for %(name)s.", name=user.name) if required
          else _("Two-factor sign-in is no longer required for %(name)s.", name=user.name))
    return redirect(url_for("admin.user", user_id=user_id))
