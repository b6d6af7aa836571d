"""Byplan's settings: one table, read in one place by `create_app`.

Each setting is a Flask config key with a default. The value comes from, later ones winning:
the default here; the instance config file (`byplan.cfg` in the instance folder, or the file that
`BYPLAN_CONFIG` names: Python assignments, `MAIL_HOST = "smtp.example.dk"`); the environment variable
`BYPLAN_<KEY>` (Flask's `from_prefixed_env`; also the older names in `Setting.env`); `create_app`'s
`test_config`. Declared settings are converted to their type (environment values are text).

A new setting is one more `Setting` row (and one more row in the README's table, which
tests/test_config.py checks); any `BYPLAN_<KEY>` variable reaches `app.config[KEY]` even without one.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

PREFIX = "BYPLAN"
CONFIG_FILE = "byplan.cfg"


@dataclass(frozen=True)
class Setting:
    key: str  # the Flask config key; the environment variable is BYPLAN_<key>
    default: Any
    kind: type  # str, int, float or bool
    doc: str
    env: tuple[str, ...] = ()  # further environment variables that set it (older names), first wins


def retention_settings() -> list[Setting]:
    """RETENTION_<RULE>_DAYS: the retention rules' periods, from the one table of the rules."""
    from workflows.retention.rules import RULES

    return [Setting(rule.setting, rule.days, int, f"days {rule.data.lower()} are kept after {rule.after} "
                                                  f"({rule.action}); {rule.reason}") for rule in RULES]


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", None, str, "signs sessions and CSRF tokens; without one a random key is kept in "
                                     "`instance/secret_key`"),
    Setting("SQLALCHEMY_DATABASE_URI", None, str, "the database (`postgresql://…` or `sqlite:///…`); default "
                                                  "an SQLite file `instance/byplan.sqlite`", env=("DATABASE_URL",)),
    Setting("BASE_URL", "http://127.0.0.1:5000", str, "the site's address, for links in e-mails and calendars"),
    Setting("SESSION_COOKIE_SECURE", False, bool, "send cookies over HTTPS only (set it in production)",
            env=("BYPLAN_SECURE_COOKIES",)),
    Setting("MAX_UPLOAD_BYTES", 10 * 1024 * 1024, int, "the largest document upload, in bytes"),
    Setting("MAX_CONTENT_LENGTH", 10 * 1024 * 1024, int, "the largest request body, in bytes"),
    Setting("SCRIPT_TIME_LIMIT", 2.0, float, "seconds a BPMN script or expression may run before it is stopped"),
    Setting("RUN_WORKER", False, bool, "run the timer, message and mail worker in a thread of the web process "
                                       "(`byplan serve` does)"),
    Setting("WORKER_INTERVAL", 5.0, float, "seconds between the worker's sweeps"),
    Setting("DIGEST_HOUR", 7, int, "the hour (0–23, Copenhagen time) at which the worker sends each user's daily "
                                   "digest of the notifications they chose to receive collected"),
    Setting("MAIL_BACKEND", "sink", str, "`smtp` sends mail; `sink` keeps it in the outbox and shows it at "
                                         "`/post`"),
    Setting("MAIL_HOST", "localhost", str, "the SMTP server"),
    Setting("MAIL_PORT", 25, int, "the SMTP port"),
    Setting("MAIL_USERNAME", None, str, "SMTP login (none: no login)"),
    Setting("MAIL_PASSWORD", None, str, "SMTP password"),
    Setting("MAIL_STARTTLS", False, bool, "STARTTLS after connecting"),
    Setting("MAIL_SSL", False, bool, "implicit TLS (usually port 465); not with STARTTLS"),
    Setting("MAIL_SENDER", "Byplan <noreply@byplan.example>", str, "the From address"),
    Setting("MAIL_TIMEOUT", 10.0, float, "seconds to wait for the SMTP server"),
    Setting("MAIL_MAX_ATTEMPTS", 5, int, "delivery attempts before a mail is given up"),
    Setting("MAIL_RETRY_DELAY", 300.0, float, "seconds before the first retry; doubled for each further one"),
    Setting("SESSION_IDLE_MINUTES", 30.0, float, "a sign-in session ends after this many minutes without a request"),
    Setting("SESSION_MAX_HOURS", 12.0, float, "and this many hours after the login at the latest, however busy"),
    Setting("AUDIT_KEY", None, str, "the secret (16 characters or more) that keys the audit chains' HMACs; "
                                    "required in production, elsewhere kept in `instance/audit_key`"),
    Setting("PG_STATEMENT_TIMEOUT_MS", 30000, int, "PostgreSQL: milliseconds a web request's statement may run "
                                                   "(0: no limit; the CLI runs without one)"),
    Setting("PG_IDLE_TX_TIMEOUT_MS", 60000, int, "PostgreSQL: milliseconds a transaction may stay idle before "
                                                 "the server ends it and releases its locks (0: no limit)"),
    Setting("ACCESSIBILITY_URL", None, str, "the accessibility statement (footer link, `/was`); default "
                                            "`https://www.was.digst.dk/<host of BASE_URL>`"),
    Setting("CONTACT_URL", None, str, "the footer's contact link (`mailto:` or a page); none: no link"),
    Setting("PRIVACY_URL", None, str, "the footer's privacy policy link; none: no link"),
    Setting("LOG_FORMAT", "text", str, "`json`: one JSON object per log line (with `request_id` and `case_id`); "
                                       "`text`: readable lines"),
    Setting("METRICS_TOKEN", None, str, "the bearer token Prometheus sends to `/metrics`; none: only a signed-in "
                                        "administrator may read it"),
    Setting("READY_HEARTBEAT_SECONDS", 120, int, "`/readyz` fails when no worker has finished a sweep for this "
                                                 "many seconds (0: not checked)"),
    *retention_settings(),  # issue 18: one per retention rule (workflows/retention/rules.py)
    Setting("LOCAL_LOGIN", True, bool, "local user names and passwords on the login page; off: only the "
                                       "`BREAK_GLASS_ADMINS` may still log in with a password"),
    Setting("BREAK_GLASS_ADMINS", "", str, "comma-separated user names of administrators who may log in with a "
                                           "password (and TOTP) when `LOCAL_LOGIN` is off"),
    Setting("ADMIN_TOTP", None, bool, "two-factor sign-in (TOTP) for administrators with local accounts; none: "
                                      "required in production (`BYPLAN_ENV=production`), not in the demo"),
    Setting("SAML_IDP_METADATA", None, str, "SAML: the IdP's metadata, a file or an https URL; set, it turns SAML "
                                            "sign-in on"),
    Setting("SAML_IDP_ENTITY_ID", None, str, "SAML: the IdP's entity id, when the metadata holds several"),
    Setting("SAML_ENTITY_ID", None, str, "SAML: Byplan's entity id; default `<BASE_URL>/saml/metadata`"),
    Setting("SAML_KEY_FILE", None, str, "SAML: the PEM private key that signs requests (and decrypts, unless "
                                        "`SAML_ENCRYPTION_KEY_FILE`)"),
    Setting("SAML_CERT_FILE", None, str, "SAML: the PEM certificate of that key (in the SP metadata)"),
    Setting("SAML_ENCRYPTION_KEY_FILE", None, str, "SAML: a separate PEM key for encrypted assertions"),
    Setting("SAML_ENCRYPTION_CERT_FILE", None, str, "SAML: its certificate (in the SP metadata)"),
    Setting("SAML_MAPPING", None, str, "SAML: attributes → Byplan user and roles, JSON or a JSON file (README)"),
    Setting("SAML_ALLOW_UNSOLICITED", False, bool, "SAML: accept IdP-initiated responses (no AuthnRequest)"),
    Setting("SAML_LABEL", None, str, "SAML: the login button's text; default \"Log in through your municipality\""),
    Setting("OIDC_ISSUER", None, str, "OpenID Connect: the issuer (discovery at `<issuer>/.well-known/"
                                      "openid-configuration`); set, it turns OIDC sign-in on"),
    Setting("OIDC_CLIENT_ID", None, str, "OpenID Connect: Byplan's client id at the provider"),
    Setting("OIDC_CLIENT_SECRET", None, str, "OpenID Connect: the client secret"),
    Setting("OIDC_SCOPES", "openid profile email", str, "OpenID Connect: the scopes asked for"),
    Setting("OIDC_MAPPING", None, str, "OpenID Connect: claims → Byplan user and roles, JSON or a JSON file"),
    Setting("OIDC_LABEL", None, str, "OpenID Connect: the login button's text; default \"Log in as staff\""),
)

# Flask and extension options that are not deployment choices.
FIXED = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "da",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "API_TITLE": "Byplan API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {"components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
                         "security": [{"bearer": []}]},
}

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def convert(setting: Setting, value: Any) -> Any:
    """A value as the setting's type; text as from the environment or a file is parsed."""
    if value is None:
        return None
    if setting.kind is bool:
        if isinstance(value, str):
            text = value.strip().lower()
            if text not in _TRUE + _FALSE:
                raise ValueError(f"setting {setting.key}: {value!r} is not a yes/no value (1/0, true/false)")
            return text in _TRUE
        return bool(value)
    try:
        return setting.kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"setting {setting.key}: {value!r} is not a {setting.kind.__name__}") from None


def environment_names(setting: Setting) -> tuple[str, ...]:
    return (f"{PREFIX}_{setting.key}", *setting.env)


def configure(app: Flask, test_config: dict | None = None) -> None:
    """Fill `app.config`: defaults, then the instance config file, then the environment, then test_config."""
    app.config.from_mapping(FIXED)
    app.config.from_mapping({s.key: s.default for s in SETTINGS})
    named = os.environ.get(f"{PREFIX}_CONFIG")
    if named:
        app.config.from_pyfile(os.path.abspath(named))  # a file that is named must exist
    else:
        app.config.from_pyfile(CONFIG_FILE, silent=True)  # relative to the instance folder
    # Every BYPLAN_<KEY> variable, its value parsed as JSON where it is JSON (Flask's rule) ...
    app.config.from_prefixed_env(PREFIX, loads=_loads)
    # ... but a declared text setting keeps the text as written (a password "0123" or "1e5" stays one),
    # and the older variable names still count.
    for setting in SETTINGS:
        name = next((n for n in environment_names(setting) if n in os.environ), None)
        if name is not None:
            raw = os.environ[name]
            app.config[setting.key] = raw if setting.kind is str else _loads(raw)
    if test_config:
        app.config.update(test_config)
    for setting in SETTINGS:
        value = app.config.get(setting.key)
        if setting.kind is str and value == "" and setting.default is None:
            value = None  # an empty variable is no value (e.g. BYPLAN_MAIL_USERNAME= for no login)
        app.config[setting.key] = convert(setting, value)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "byplan.sqlite")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)
    app.config["AUDIT_KEY"] = audit_key(app)
    if not app.config["ACCESSIBILITY_URL"]:
        app.config["ACCESSIBILITY_URL"] = accessibility_url(app.config["BASE_URL"])


def accessibility_url(base_url: str) -> str:
    """The Agency for Digital Government's address of the site's accessibility statement (was.digst.dk)."""
    return f"https://www.was.digst.dk/{urlsplit(base_url).hostname or 'localhost'}"


def production() -> bool:
    """BYPLAN_ENV=production, or a configured BYPLAN_SECRET_KEY (the demo and development generate theirs)."""
    return (os.environ.get("BYPLAN_ENV", "").strip().lower() == "production"
            or bool(os.environ.get("BYPLAN_SECRET_KEY")))


def audit_key(app: Flask) -> str:
    """AUDIT_KEY keys the audit chains. Required in production: a key generated next to the database would
    be no secret from whoever can write the database; elsewhere it is generated once in the instance folder
    (instance/audit_key)."""
    key = app.config.get("AUDIT_KEY")
    if not key:
        if production():
            raise RuntimeError("BYPLAN_AUDIT_KEY must be set in production (a random secret, e.g. 64 hex "
                               "characters, kept outside the database and its backups)")
        key = instance_secret(app.instance_path, "audit_key")
    if len(key) < 16:
        raise RuntimeError("BYPLAN_AUDIT_KEY is too short: use a random secret of at least 16 characters")
    return key


def mail_settings(config) -> Any:
    """The mail settings (engine.mail.MailSettings) from the app's MAIL_* keys."""
    from engine.mail import MailSettings

    return MailSettings.from_mapping(config, prefix="MAIL_")


def _loads(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def instance_secret(instance_path: str, name: str = "secret_key") -> str:
    """A random secret kept in the instance folder, so sessions (or the audit chains) keep working across
    restarts without a default key."""
    path = Path(instance_path) / name
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
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


def markdown_table() -> str:
    """The README's settings table, as this module declares it."""
    rows = ["| environment variable | setting | default | what it does |", "|---|---|---|---|",
            f"| `{PREFIX}_CONFIG` | — | `instance/{CONFIG_FILE}` | the instance config file (Python assignments) |"]
    for s in SETTINGS:
        names = ", ".join(f"`{n}`" for n in environment_names(s))
        default = "none" if s.default is None else f"`{s.default}`"
        rows.append(f"| {names} | `{s.key}` | {default} | {s.doc} |")
    return "\n".join(rows)
