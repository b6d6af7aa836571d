"""Login, logout, language choice, and the user loader."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workflows.directory import User

from .extensions import LANGUAGES, byplan_service
from .extensions import db, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


# Flask-Login needs these on the user object.
User.is_authenticated = property(lambda self: True)
User.is_active = property(lambda self: self.active)
User.is_anonymous = property(lambda self: False)
User.get_id = lambda self: str(self.id)


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("tasks.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    errors: dict[str, str] = {}
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username:
            errors["username"] = _("Enter your user name.")
        if not password:
            errors["password"] = _("Enter your password.")
        if not errors:
            user = byplan_service().log_in(db.session, username, password)
            db.session.commit()  # the attempt is audited either way
            if user is None:
                errors["password"] = _("The user name or password is wrong.")
            else:
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
    status = 422 if errors else 200
    return render_template("login.html", errors=errors, username=username), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("public.catalogue"))


@bp.post("/language")
def language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlparse(request.referrer).path))
