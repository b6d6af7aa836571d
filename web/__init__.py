"""Byplan's web layer: app factory, blueprints, templates, JSON API."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, request, session
from werkzeug.routing import IntegerConverter

from workflows.forms import MAX_ID

from .extensions import babel, csrf, db, login_manager, openapi

LANGUAGES = ("da", "en")


def _locale():
    """Danish unless the user chose English (a Danish public-sector site: not the browser's guess)."""
    lang = session.get("lang") if request else None
    return lang if lang in LANGUAGES else "da"


def _instance_secret(instance_path: str) -> str:
    """A random secret kept in the instance folder, so sessions survive restarts without a default key."""
    import secrets

    path = Path(instance_path) / "secret_key"
    try:  # created once, atomically and private; concurrent starters read the winner's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        import time

        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id; larger numbers are a 404, not an integer overflow in the database."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["id"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    default_db = "sqlite:///" + os.path.join(app.instance_path, "byplan.sqlite")
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("BYPLAN_SECRET_KEY") or _instance_secret(app.instance_path),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", default_db),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        MAX_UPLOAD_BYTES=10 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="da",
        BABEL_DEFAULT_TIMEZONE="Europe/Copenhagen",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("BYPLAN_SECURE_COOKIES") == "1",
        WTF_CSRF_TIME_LIMIT=None,
        API_TITLE="Byplan API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
                          "security": [{"bearer": []}]},
        BASE_URL=os.environ.get("BYPLAN_BASE_URL", "http://127.0.0.1:5000"),
        # "sink" keeps mail in the outbox table and shows it at /post (demo); "smtp" sends it.
        MAIL_BACKEND=os.environ.get("BYPLAN_MAIL_BACKEND", "sink"),
        MAIL_HOST=os.environ.get("BYPLAN_MAIL_HOST", "localhost"),
        MAIL_PORT=os.environ.get("BYPLAN_MAIL_PORT", "25"),
        MAIL_USERNAME=os.environ.get("BYPLAN_MAIL_USERNAME") or None,
        MAIL_PASSWORD=os.environ.get("BYPLAN_MAIL_PASSWORD") or None,
        MAIL_STARTTLS=os.environ.get("BYPLAN_MAIL_STARTTLS") == "1",
        MAIL_SENDER=os.environ.get("BYPLAN_MAIL_SENDER", "Byplan <noreply@byplan.example>"),
        RUN_WORKER=False,
        WORKER_INTERVAL=5.0,
    )
    if test_config:
        app.config.update(test_config)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    openapi.init_app(app)

    from engine.db import configure_engine, make_session_factory
    from engine.mail import MailSettings
    from workflows.runtime import build

    from .links import FlaskLinks

    with app.app_context():
        configure_engine(db.engine)
        session_factory = make_session_factory(db.engine)
    mail = MailSettings(backend=app.config["MAIL_BACKEND"], host=app.config["MAIL_HOST"],
                        port=int(app.config["MAIL_PORT"]), username=app.config["MAIL_USERNAME"],
                        password=app.config["MAIL_PASSWORD"], starttls=bool(app.config["MAIL_STARTTLS"]),
                        sender=app.config["MAIL_SENDER"])
    app.extensions["byplan"] = build(session_factory, max_upload_bytes=app.config["MAX_UPLOAD_BYTES"],
                                     base_url=app.config["BASE_URL"], mail=mail,
                                     links=FlaskLinks(app, app.config["BASE_URL"]))
    app.extensions["byplan_session_factory"] = session_factory

    from . import api as api_module
    from . import admin, auth, cases, council, deployments, errors, hearings, network, processes, public, search, tasks
    from . import account, site

    auth.init_app(app)  # the server-side sessions and the login throttle
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    site.register(app)  # caching rules, WWW-Authenticate, favicon
    app.register_blueprint(tasks.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(hearings.bp)
    app.register_blueprint(council.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(deployments.bp)
    app.register_blueprint(search.bp)
    openapi.register_blueprint(api_module.bp)
    csrf.exempt(api_module.bp)
    errors.register(app)

    @app.before_request
    def _lang():
        g.lang = _locale()

    @app.before_request
    def _refuse_nul():
        """NUL characters are never valid text (PostgreSQL cannot store them): 400, not a 500."""
        from flask import abort

        if "\x00" in request.path or any("\x00" in v for v in request.args.values()) or \
                any("\x00" in v for v in request.form.values()) or \
                (request.is_json and b"\\u0000" in request.get_data()):
            abort(400)

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        from workflows.lanes import LANE_LABELS

        return {"current_lang": str(get_locale() or "da"), "languages": LANGUAGES, "lane_labels": LANE_LABELS}

    @app.template_filter("da")
    def _danish(text):
        """Text that is Danish whatever the UI language (the names in bpmn/): marked lang="da" on a page in
        another language, so a screen reader pronounces it as Danish (WCAG 3.1.2 language of parts)."""
        from flask_babel import get_locale
        from markupsafe import Markup

        if not text or str(get_locale() or "da") == "da":
            return text
        return Markup('<span lang="da">%s</span>') % text

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP frame-ancestors
        # The BPMN viewer (static/vendor/bpmn-js) needs nothing more: it styles through the CSSOM, not
        # style attributes, and its one inline icon is a data: image in its style sheet.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
        return response

    if app.config["RUN_WORKER"]:
        from .worker import start_background_worker

        start_background_worker(app)
    return app


def byplan_service():
    from flask import current_app

    return current_app.extensions["byplan"]
