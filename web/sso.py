"""Sign-in through identity providers: the SAML service provider's endpoints (/saml/…) and OpenID Connect
(/oidc/…). Thin: the checks are in workflows/identity; a good answer becomes the same server-side session
as a password login (web/auth.start_session), recorded with what the provider's logout names it by."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from flask_babel import gettext as _

from workflows.identity import federation
from workflows.identity.mapping import Mapping
from workflows.identity.provision import Identities, NoAccess, SignInRefused
from workflows.identity.saml import ServiceProvider

from .auth import _address, _safe_next, _throttle, start_session
from .extensions import byplan_service, db
from .forms import unit_of_work

bp = Blueprint("sso", __name__)


def _saml() -> ServiceProvider:
    sp = current_app.extensions.get("byplan_saml")
    if sp is None:
        abort(404)
    return sp


def _identities() -> Identities:
    return current_app.extensions["byplan_identities"]


def _throttle_key() -> str:
    return f"sso:{_address()}"


def finish(provider: str, accept, mapping: Mapping):
    """The common end of a federated sign-in: `accept(session)` checks the provider's answer and returns
    (claims, name_id, session_index, next_url); then JIT user and roles, the session, or a refusal page."""
    address = _address()
    with unit_of_work() as uow:
        refusal = _throttle().check(db.session, _throttle_key(), address)
        result = error = None
        if refusal is None:
            try:
                claims, name_id, session_index, next_url = accept(db.session)
                signed = _identities().sign_in(db.session, provider, claims, mapping)
            except NoAccess as exc:
                error = exc
            except SignInRefused as exc:
                error = exc
                if exc.reason != "deactivated":
                    _identities().refuse(db.session, provider, exc.reason)
                _throttle().failed(db.session, _throttle_key(), address)
            else:
                record = start_session(signed.user)
                federation.record(db.session, record, provider, name_id, session_index)
                result = next_url
        uow.commit()
    if refusal is not None:
        response = current_app.make_response((render_template(
            "sso/refused.html", message=_("Too many failed logins. Wait %(minutes)s min. and try again.",
                                          minutes=refusal.minutes)), 429))
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    if isinstance(error, NoAccess):
        return render_template("sso/no_access.html"), 403
    if error is not None:
        return render_template("sso/refused.html", message=_(error.message), reason=error.reason), 400
    return redirect(_safe_next(result))


# ------------------------------------------------------------------------------------------------ SAML

@bp.get("/saml/metadata")
def saml_metadata():
    return Response(_saml().metadata_xml(), mimetype="application/samlmetadata+xml")


@bp.get("/saml/login")
def saml_login():
    sp = _saml()
    try:
        with unit_of_work() as uow:
            location = sp.login_location(db.session, request.args.get("next", ""))
            uow.commit()
    except Exception:  # noqa: BLE001 - the IdP's metadata unreadable or unreachable: say so, no 500
        current_app.logger.exception("SAML: no AuthnRequest could be made")
        return render_template("sso/refused.html", message=_("The login service cannot be reached now. Try "
                                                               "again later."), reason="unavailable"), 503
    return redirect(location)


@bp.post("/saml/acs")
def saml_acs():
    sp = _saml()

    def accept(session):
        signed = sp.accept(session, request.form.get("SAMLResponse", ""))
        return signed.claims, signed.name_id, signed.session_index, signed.next_url

    return finish("saml", accept, sp.settings.mapping)


@bp.route("/saml/slo", methods=["GET", "POST"])
def saml_slo():
    """The IdP's LogoutRequest (ends the Byplan sessions it names), or its answer to ours."""
    sp = _saml()
    values = request.form if request.method == "POST" else request.args
    binding = "post" if request.method == "POST" else "redirect"
    if values.get("SAMLResponse"):
        sp.check_logout_response(values["SAMLResponse"], binding)
        return redirect(url_for("public.catalogue"))
    if not values.get("SAMLRequest"):
        abort(400)
    try:
        name_id, indexes, answer = sp.handle_logout_request(values["SAMLRequest"], binding,
                                                            values.get("RelayState"), values.get("SigAlg"),
                                                            values.get("Signature"))
    except SignInRefused as exc:
        with unit_of_work() as uow:
            byplan_service().engine.audit.append(db.session, kind="session_end_refused", actor="saml:logout",
                                                 summary=f"SAML logout request refused: {exc.reason}",
                                                 detail={"method": "saml", "reason": exc.reason})
            uow.commit()
        return render_template("sso/refused.html", message=_(exc.message), reason=exc.reason), 400
    with unit_of_work() as uow:
        federation.end(db.session, byplan_service().engine.audit, "saml", name_id, indexes)
        uow.commit()
    return redirect(answer["location"])


# ------------------------------------------------------------------------------------------------ OIDC

OIDC_FLOW = "_oidc"


def _oidc():
    client = current_app.extensions.get("byplan_oidc")
    if client is None:
        abort(404)
    return client


@bp.get("/oidc/login")
def oidc_login():
    from flask import session as cookie

    client = _oidc()
    try:
        url, flow = client.begin(request.args.get("next", ""))
    except SignInRefused as exc:  # discovery failed: the issuer unreachable, or not the configured one
        with unit_of_work() as uow:
            _identities().refuse(db.session, "oidc", exc.reason)
            uow.commit()
        return render_template("sso/refused.html", message=_(exc.message), reason=exc.reason), 400
    cookie[OIDC_FLOW] = flow
    return redirect(url)


@bp.get("/oidc/callback")
def oidc_callback():
    from flask import session as cookie

    client = _oidc()
    flow = cookie.pop(OIDC_FLOW, None)

    def accept(_session):
        signed = client.finish(flow, request.args.to_dict())
        return signed.claims, signed.name_id, signed.session_index, signed.next_url

    return finish("oidc", accept, client.settings.mapping)


@bp.after_app_request
def _logout_form_target(response):
    """The logout form (on every page) ends at the provider's logout: CSP's form-action must allow it."""
    if current_app.extensions.get("byplan_saml") or current_app.extensions.get("byplan_oidc"):
        from .providers import form_targets

        policy = response.headers.get("Content-Security-Policy", "")
        targets = form_targets(current_app)
        if targets and "form-action 'self'" in policy:
            response.headers["Content-Security-Policy"] = policy.replace(
                "form-action 'self'", "form-action 'self' " + " ".join(targets))
    return response
