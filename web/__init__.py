"""Byplan's web layer: app factory, blueprints, templates, JSON API."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session
from werkzeug.routing import IntegerConverter

from workflows.forms import MAX_ID

from .config import configure, mail_settings
from .extensions import LANGUAGES, babel, byplan_service, csrf, db, login_manager, openapi
from .forms import FormRequest

__all__ = ["LANGUAGES", "byplan_service", "create_app"]


def _locale():
    """Danish unless the user chose English (a Danish public-sector site: not the browser's guess)."""
    lang = session.get("lang") if request else None
    return lang if lang in LANGUAGES else "da"


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id; larger numbers are a 404, not an integer overflow in the database."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = FormRequest
    app.url_map.converters["id"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure(app, test_config)  # web/config.py: defaults, instance byplan.cfg, BYPLAN_* variables, test_config

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    from . import formats

    formats.register(app)  # one style of numbers, dates and times (replaces Flask-Babel's datetimeformat)
    openapi.init_app(app)

    from engine.db import configure_engine, make_session_factory
    from workflows.runtime import build

    from .links import FlaskLinks

    with app.app_context():
        configure_engine(db.engine, statement_timeout_ms=app.config["PG_STATEMENT_TIMEOUT_MS"],
                         idle_in_transaction_timeout_ms=app.config["PG_IDLE_TX_TIMEOUT_MS"])
        session_factory = make_session_factory(db.engine)
    app.extensions["byplan"] = build(session_factory, max_upload_bytes=app.config["MAX_UPLOAD_BYTES"],
                                     script_time_limit=app.config["SCRIPT_TIME_LIMIT"],
                                     base_url=app.config["BASE_URL"], mail=mail_settings(app.config),
                                     links=FlaskLinks(app, app.config["BASE_URL"]),
                                     digest_hour=app.config["DIGEST_HOUR"],
                                     audit_key=app.config["AUDIT_KEY"])
    app.extensions["byplan_session_factory"] = session_factory
    app.extensions["byplan"].retention.config = app.config  # issue 18: the retention periods (RETENTION_*_DAYS)

    from . import api as api_module
    from . import admin, auth, cases, council, deployments, errors, hearings, network, processes, public, search, tasks
    from . import account, providers, site, sso
    from . import catalogue  # issue 14

    auth.init_app(app)  # the server-side sessions and the login throttle
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    providers.init_app(app)  # issue 17: SAML and OpenID Connect sign-in
    app.register_blueprint(sso.bp)
    if app.extensions["byplan_saml"] is not None:  # posted by the IdP (signed SAML, not our form)
        csrf.exempt(sso.saml_acs)
        csrf.exempt(sso.saml_slo)
    site.register(app)  # caching rules, WWW-Authenticate, favicon
    app.register_blueprint(tasks.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(catalogue.bp)  # issue 14: rule pages and their differences
    from . import hearing_controls  # noqa: F401  (issue 16: its views are on the hearings blueprint)

    app.register_blueprint(hearings.bp)
    app.register_blueprint(council.bp)
    from . import council_documents
    app.register_blueprint(council_documents.bp)  # issue 15: the minutes' draft as PDF
    app.register_blueprint(network.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(deployments.bp)
    app.register_blueprint(search.bp)
    from . import preferences, subscriptions

    app.register_blueprint(preferences.bp)  # issue 13: the user's choice of mail per kind
    from . import analytics as analytics_pages, ops

    app.register_blueprint(analytics_pages.bp)  # issue 19: heatmap, dashboard, lead times
    ops.init_app(app)  # issue 19: /healthz, /readyz, /metrics, request ids and JSON logs
    from . import case_controls
    app.register_blueprint(case_controls.bp)  # issue 19: case controls, bulk actions, delegation, comments
    from . import access_requests, privacy  # issue 18: access requests; record of processing and erasure
    app.register_blueprint(access_requests.bp)
    app.register_blueprint(privacy.bp)
    from . import reviews

    app.register_blueprint(reviews.bp)  # issue 14: architecture reviews, the board, the public register
    app.register_blueprint(subscriptions.bp)  # issue 16: e-mail subscriptions to hearings
    app.register_blueprint(__import__("web.council_board", fromlist=["bp"]).bp)  # issue 15: conflicts, attendance
    openapi.register_blueprint(api_module.bp)
    app.register_blueprint(__import__("web.api.oparl", fromlist=["bp"]).bp)  # issue 15: OParl 1.1 open data
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

        from flask_login import current_user

        from workflows import lanes

        user = current_user if current_user and current_user.is_authenticated else None
        # What the menu offers follows the services' own named checks (workflows/lanes.py): no role
        # tests in templates.
        menu = {"staff": lanes.is_process_staff(user), "admin": lanes.is_admin(user),
                "proposer": lanes.is_group_member(user),
                "secretariat": lanes.is_secretariat(user)}  # issue 18: access requests
        return {"current_lang": str(get_locale() or "da"), "languages": LANGUAGES, "lane_labels": lanes.LANE_LABELS,
                "menu": menu}

    from .engine_messages import translate

    app.add_template_filter(translate, "engine_text")  # an engine message (deployment, migration) translated

    @app.template_filter("da")
    def _danish(text):
        """Text that is Danish whatever the UI language (the names in bpmn/): marked lang="da" on a page in
        another language, so a screen reader pronounces it as Danish (WCAG 3.1.2 language of parts)."""
        from flask_babel import get_locale
        from markupsafe import Markup

        if not text or str(get_locale() or "da") == "da":
            return text
        return Markup('<span lang="da">%s</span>') % text

    @app.template_filter("machine_datetime")
    def _machine_datetime(value):
        """A moment as HTML's <time datetime> wants it: UTC to the second ('2026-12-01T19:27:34+00:00'); HTML
        allows at most milliseconds, .isoformat() gives microseconds. A naive value is UTC."""
        from datetime import datetime, timezone

        if not isinstance(value, datetime):
            return value.isoformat()  # a date
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="seconds")

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
