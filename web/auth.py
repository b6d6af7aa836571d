"""Login, logout, language choice, and the server-side session behind the login cookie.

The signed Flask cookie holds only a session's random secret (Flask-Login's user id is that secret); the
record in `login_session` (workflows/sessions.py) says whose it is and whether it still holds, and is
checked before every request. Logging out deletes it, so a copy of the cookie opens nothing.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workflows.sessions import LoginSession, SessionPolicy, Sessions
from workflows.throttle import Throttle

from .extensions import LANGUAGES, byplan_service
from .extensions import db, login_manager
from .forms import unit_of_work

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None
# The server-side record is bound to the browser (its user agent) and checked on every request; Flask-Login's
# "basic" protection would only mark sessions non-fresh (nothing asks for a fresh login) and write to the
# cookie of every anonymous visitor, which keeps public pages from being cacheable.
login_manager.session_protection = None

# Flask-Login's own keys in the cookie; what else is in it (the language, flashes) survives a login.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "csrf_token")


class SignedIn:
    """What Flask-Login holds for a signed-in request: the user (every attribute is read through to it)
    and the session record. Its id for Flask-Login is the session's secret, so the cookie holds nothing
    else and a secret whose record is gone is no login."""

    __slots__ = ("user", "record", "_secret")
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user, record: LoginSession, secret: str):
        object.__setattr__(self, "user", user)
        object.__setattr__(self, "record", record)
        object.__setattr__(self, "_secret", secret)

    def get_id(self) -> str:
        return self._secret

    def __getattr__(self, name):
        return getattr(self.user, name)

    def __eq__(self, other):
        other = other.user if isinstance(other, SignedIn) else other
        return self.user == other

    def __hash__(self):
        return hash(self.user)


def sessions() -> Sessions:
    return current_app.extensions["byplan_sessions"]


def _throttle() -> Throttle:
    return current_app.extensions["byplan_throttle"]


def _setting(app, key: str, default: float) -> float:
    """A positive number from the app config (web/config.py reads it, typed, from BYPLAN_<key>)."""
    value = float(app.config.get(key) or default)
    if value <= 0:
        raise ValueError(f"{key} (BYPLAN_{key}) must be above 0")
    app.config[key] = value
    return value


def init_app(app) -> None:
    """The sessions service (idle timeout, lifetime) and the login throttle."""
    byplan = app.extensions["byplan"]
    policy = SessionPolicy(idle=timedelta(minutes=_setting(app, "SESSION_IDLE_MINUTES", 30)),
                           lifetime=timedelta(hours=_setting(app, "SESSION_MAX_HOURS", 12)))
    app.extensions["byplan_sessions"] = Sessions(byplan.engine.audit, policy, clock=byplan.engine.clock,
                                                 session_factory=app.extensions["byplan_session_factory"],
                                                 passwords=byplan.passwords)
    app.extensions["byplan_throttle"] = Throttle(byplan.engine.audit, clock=byplan.engine.clock)


@login_manager.user_loader
def _load_user(secret: str):
    record, wrote = sessions().resume(db.session, secret, request.headers.get("User-Agent", ""))
    if wrote:
        g.byplan_session_written = True
    return SignedIn(record.user, record, secret) if record is not None else None


@bp.before_app_request
def _check_session():
    """Check the session before the view runs (and before it writes): a copied cookie of an ended session
    is anonymous from the first line of every view."""
    if request.endpoint == "static" or "_user_id" not in session:
        return
    if not current_user.is_authenticated:
        session.pop("_user_id", None)  # the session ended: the cookie forgets it
    if g.pop("byplan_session_written", False):
        with unit_of_work() as uow:  # the record's last use, or the removal of one that no longer holds
            uow.commit()


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("tasks.home")


def start_session(user) -> LoginSession:
    """Sign this browser in as `user` with a new session (a new secret, so a cookie known from before the
    login is worth nothing): ends the browser's previous session, keeps the language. Returns its record."""
    old = session.get("_user_id")
    if old:
        sessions().log_out(db.session, old)
    for key in _LOGIN_KEYS:
        session.pop(key, None)
    record, secret = sessions().start(db.session, user, request.headers.get("User-Agent", ""))
    login_user(SignedIn(user, record, secret))
    return record


def _address() -> str:
    return request.remote_addr or ""


def login_policy():
    from workflows.identity.policy import LocalLoginPolicy

    cfg = current_app.config
    admin_totp = cfg.get("ADMIN_TOTP")
    if admin_totp is None:
        from .config import production

        admin_totp = production()
    return LocalLoginPolicy.from_settings(cfg.get("LOCAL_LOGIN", True), cfg.get("BREAK_GLASS_ADMINS") or "",
                                          admin_totp)


def _totp():
    from workflows.identity.totp import Totp

    byplan = byplan_service()
    return Totp(byplan.engine.audit, clock=byplan.engine.clock)


# The half-done login waiting for its second factor: {"uid", "at", "next"} in the signed cookie.
PENDING = "_2fa"
PENDING_SECONDS = 300


def pending_user():
    """The user whose password was right and whose second factor is awaited (None when none, or stale)."""
    from workflows.directory import User

    pending = session.get(PENDING)
    if not pending or byplan_service().engine.clock().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    return user if user is not None and user.active else None


def _login_page(errors, username, status, retry_after=None):
    from .providers import methods

    response = current_app.make_response((render_template(
        "login.html", errors=errors, username=username, methods=methods(), policy=login_policy(),
        next=request.args.get("next", "")), status))
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    errors: dict[str, str] = {}
    username = ""
    retry_after = None
    policy = login_policy()
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not policy.form_shown:
            return _login_page({"username": _("Log in with one of the methods below.")}, "", 422)
        if not username:
            errors["username"] = _("Enter your user name.")
        if not password:
            errors["password"] = _("Enter your password.")
        if not errors:
            second, refusal_local = None, False
            with unit_of_work() as uow:  # the attempt (or its refusal) is audited either way
                refusal = _throttle().check(db.session, username, _address())
                user = None
                if refusal is None:
                    # Local passwords off: only a break-glass administrator's is checked at all.
                    refusal_local = not policy.may_use_password(username, None)
                    user = None if refusal_local else byplan_service().log_in(db.session, username, password)
                    if user is not None and not policy.may_use_password(username, user):
                        refusal_local, user = True, None  # a break-glass name that is no administrator
                    if refusal_local:
                        byplan_service().engine.audit.append(
                            db.session, kind="login_failed", actor=username[:100],
                            summary="local password refused: local login is off", detail={"method": "password"})
                    if user is None:
                        _throttle().failed(db.session, username, _address())
                    else:
                        _throttle().succeeded(db.session, username)
                        totp = _totp()
                        enrolled = totp.enrolled(db.session, user)
                        if policy.must_use_totp(user, enrolled, totp.required(db.session, user)):
                            second = "account.totp_login" if enrolled else "account.totp_enrol"
                            session[PENDING] = {"uid": user.id, "next": request.args.get("next", ""),
                                                "at": byplan_service().engine.clock().timestamp()}
                        else:
                            start_session(user)
                uow.commit()
            if refusal is not None:
                retry_after = refusal.retry_after
                errors["password"] = _("Too many failed logins. Wait %(minutes)s min. and try again.",
                                       minutes=refusal.minutes)
            elif user is None and refusal_local:
                errors["password"] = _("Local passwords are switched off here. Log in with one of the methods "
                                       "below.")
            elif user is None:
                errors["password"] = _("The user name or password is wrong.")
            elif second:
                return redirect(url_for(second))
            else:
                return redirect(_safe_next(request.args.get("next")))
    status = 429 if retry_after else 422 if errors else 200
    return _login_page(errors, username, status, retry_after)


@bp.post("/logout")
@login_required
def logout():
    from .providers import logout_location

    with unit_of_work() as uow:
        provider_logout = logout_location(current_user.record.id)  # SAML SLO or OIDC end-session, if any
        sessions().log_out(db.session, current_user.get_id())
        uow.commit()
    logout_user()
    flash(_("You are logged out."))
    return redirect(provider_logout or url_for("public.catalogue"))


@bp.post("/language")
def language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlparse(request.referrer).path))
