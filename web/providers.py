"""The identity providers an installation has configured (SAML, OpenID Connect): built once by `init_app`
from the settings; what the login page offers; where our logout sends the browser on to the provider.
(web/sso.py has the sign-in endpoints; this module imports none of web.auth, which uses it.)"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from workflows.identity import federation
from workflows.identity.mapping import Mapping
from workflows.identity.provision import Identities
from workflows.identity.saml import SamlSettings, ServiceProvider

from .extensions import db


def init_app(app) -> None:
    """Build the SAML SP and the OIDC client from the settings (none when their settings are not set)."""
    byplan = app.extensions["byplan"]
    app.extensions["byplan_identities"] = Identities(byplan.engine.audit, clock=byplan.engine.clock)
    cfg = app.config
    saml = None
    if cfg.get("SAML_IDP_METADATA"):
        if not cfg.get("SAML_KEY_FILE") or not cfg.get("SAML_CERT_FILE"):
            raise RuntimeError("SAML sign-in needs BYPLAN_SAML_KEY_FILE and BYPLAN_SAML_CERT_FILE")
        base = cfg["BASE_URL"].rstrip("/")
        saml = ServiceProvider(SamlSettings(
            entity_id=cfg.get("SAML_ENTITY_ID") or base + "/saml/metadata", base_url=base,
            idp_metadata=cfg["SAML_IDP_METADATA"], key_file=cfg["SAML_KEY_FILE"], cert_file=cfg["SAML_CERT_FILE"],
            encryption_key_file=cfg.get("SAML_ENCRYPTION_KEY_FILE"),
            encryption_cert_file=cfg.get("SAML_ENCRYPTION_CERT_FILE"), idp_entity_id=cfg.get("SAML_IDP_ENTITY_ID"),
            allow_unsolicited=bool(cfg.get("SAML_ALLOW_UNSOLICITED")), mapping=Mapping.load(cfg.get("SAML_MAPPING"))),
            clock=byplan.engine.clock)
    app.extensions["byplan_saml"] = saml
    oidc = None
    if cfg.get("OIDC_ISSUER"):
        from workflows.identity.oidc import OidcClient, OidcSettings

        if not cfg.get("OIDC_CLIENT_ID"):
            raise RuntimeError("OpenID Connect sign-in needs BYPLAN_OIDC_CLIENT_ID")
        oidc = OidcClient(OidcSettings(issuer=cfg["OIDC_ISSUER"], client_id=cfg["OIDC_CLIENT_ID"],
                                       client_secret=cfg.get("OIDC_CLIENT_SECRET"),
                                       redirect_uri=cfg["BASE_URL"].rstrip("/") + "/oidc/callback",
                                       scopes=cfg.get("OIDC_SCOPES") or "openid",
                                       mapping=Mapping.load(cfg.get("OIDC_MAPPING"))),
                          clock=byplan.engine.clock)
    app.extensions["byplan_oidc"] = oidc


def methods() -> dict:
    """The login page's federated methods: {"saml": label, "oidc": label} for those configured."""
    out = {}
    if current_app.extensions.get("byplan_saml"):
        out["saml"] = current_app.config.get("SAML_LABEL") or _("Log in through your municipality")
    if current_app.extensions.get("byplan_oidc"):
        out["oidc"] = current_app.config.get("OIDC_LABEL") or _("Log in as staff")
    return out


def logout_location(login_session_id: int) -> str | None:
    """After our own logout ended the session: where the provider's logout is (SAML SLO, OIDC end-session),
    or None for a local session. Call before the session's record is deleted."""
    row = federation.of(db.session, login_session_id)
    if row is None:
        return None
    if row.provider == "saml" and current_app.extensions.get("byplan_saml"):
        return current_app.extensions["byplan_saml"].logout_location(row.name_id, row.session_index)
    if row.provider == "oidc" and current_app.extensions.get("byplan_oidc"):
        return current_app.extensions["byplan_oidc"].logout_location(current_app.config["BASE_URL"].rstrip("/")
                                                                     + "/")
    return None


def _origin(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def form_targets(app) -> list[str]:
    """The origins our logout form may end at (CSP form-action): the SAML IdP's SLO endpoint and the OIDC
    issuer, whose end-session endpoint the logout redirects to."""
    cached = app.extensions.get("byplan_form_targets")
    if cached is not None:
        return cached
    origins = []
    saml = app.extensions.get("byplan_saml")
    if saml is not None:
        from saml2 import BINDING_HTTP_REDIRECT

        try:
            endpoints = saml.client.metadata.single_logout_service(saml.idp_entity_id(), BINDING_HTTP_REDIRECT,
                                                                   "idpsso")
        except Exception:  # noqa: BLE001 - metadata unreadable: the logout stays local
            endpoints = []
        origins += [o for o in (_origin(e.get("location")) for e in endpoints or []) if o]
    oidc = app.extensions.get("byplan_oidc")
    if oidc is not None and _origin(oidc.settings.issuer):
        origins.append(_origin(oidc.settings.issuer))
    app.extensions["byplan_form_targets"] = sorted(set(origins))
    return app.extensions["byplan_form_targets"]
