"""OpenID Connect sign-in against a real OpenID Provider in the test (npm oidc-provider under node,
tests/idp/oidc_op.mjs), over HTTP: JIT users with mapped roles, RP-initiated logout, and the refusals."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from sqlalchemy import select

from idp.oidc_support import CLIENT_ID, CLIENT_SECRET, MAPPING, OpenIdProvider
from support import People, make_app

BASE = "http://localhost"


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    provider = OpenIdProvider(BASE + "/oidc/callback", BASE + "/", tmp_path_factory.mktemp("op") / "op.log")
    yield provider
    provider.stop()


def _app(sqlite_url, op, **config):
    settings = {"BASE_URL": BASE, "OIDC_ISSUER": op.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_SCOPES": "openid profile email groups",
                "OIDC_MAPPING": json.dumps(MAPPING), **config}
    app = make_app(sqlite_url, **settings)
    People(app)
    return app


@pytest.fixture
def oidc(sqlite_url, op):
    app = _app(sqlite_url, op)
    yield app, app.test_client(), op
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


def begin(client):
    response = client.get("/oidc/login", query_string={"next": "/konto/sessioner"})
    assert response.status_code == 302
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    return location


def callback(client, op, login="sekretaer", change=None):
    back = op.log_in(begin(client), login)
    assert back.startswith(BASE + "/oidc/callback?")
    if change:
        query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        query.update(change)
        back = BASE + "/oidc/callback?" + urlencode(query)
    return back.replace(BASE, "")


def signed_in(client) -> bool:
    return client.get("/konto/sessioner").status_code == 200


def audit(app, kind):
    from engine.audit import AuditEvent
    from web.extensions import db

    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)).all()


def roles_of(app, email):
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return None if user is None else user.roles


def test_login_page_offers_the_provider(oidc):
    _app, client, _op = oidc
    page = client.get("/login").get_data(as_text=True)
    assert "Log ind som medarbejder" in page and 'href="/oidc/login' in page


def test_sign_in_creates_the_user_with_roles_from_groups_and_a_session(oidc):
    app, client, op = oidc
    response = client.get(callback(client, op))
    assert response.status_code == 302 and response.headers["Location"].endswith("/konto/sessioner")
    assert signed_in(client)
    assert roles_of(app, "sara@kl.test") == {"secretariat"}
    assert audit(app, "login")[-1].detail["method"] == "oidc"
    everything = " ".join(f"{e.summary} {json.dumps(e.detail)}" for kind in ("login", "identity_roles", "admin")
                          for e in audit(app, kind))
    assert "eyJ" not in everything  # no ID or access token (JWTs) in the audit log
    other = app.test_client()
    assert other.get(callback(other, op, "admin")).status_code == 302
    assert roles_of(app, "anders@kl.test") == {"secretariat", "admin"}


def test_no_byplan_role_is_no_access(oidc):
    app, client, op = oidc
    response = client.get(callback(client, op, "udenfor"))
    assert response.status_code == 403 and "Ingen adgang til Byplan" in response.get_data(as_text=True)
    assert not signed_in(client) and roles_of(app, "ulla@kl.test") is None


def test_logout_ends_the_session_and_sends_the_browser_to_the_provider(oidc):
    _app, client, op = oidc
    client.get(callback(client, op))
    response = client.post("/logout")
    location = response.headers["Location"]
    assert location.startswith(op.issuer + "/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID] and query["post_logout_redirect_uri"] == [BASE + "/"]
    assert not signed_in(client)


def _refused(app, client, response, reason, message):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert message in response.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(app, "login_failed")[-1].detail == {"method": "oidc", "reason": reason}


def test_refused_wrong_state(oidc):
    app, client, op = oidc
    _refused(app, client, client.get(callback(client, op, change={"state": "forged"})), "state",
             "hører ikke til et login")


def test_refused_callback_without_a_login_started_here(oidc):
    app, client, op = oidc
    url = callback(client, op)
    stranger = app.test_client()  # a code and state delivered to another browser (login CSRF)
    _refused(app, stranger, stranger.get(url), "state", "hører ikke til et login")


def test_refused_wrong_nonce(oidc):
    app, client, op = oidc
    url = callback(client, op)
    with client.session_transaction() as cookie:
        flow = dict(cookie["_oidc"])
        flow["nonce"] = "another-nonce"
        cookie["_oidc"] = flow
    _refused(app, client, client.get(url), "nonce", "hører ikke til dette login")


def test_refused_expired_id_token(oidc):
    app, client, op = oidc
    url = callback(client, op)
    with time_machine.travel(timedelta(minutes=6)):  # the OP's ID tokens live two minutes
        _refused(app, client, client.get(url), "expired", "udløbet")


def test_refused_id_token_signed_by_another_key(oidc, monkeypatch):
    from joserfc.jwk import KeySet, RSAKey

    app, client, op = oidc
    url = callback(client, op)
    rp = app.extensions["byplan_oidc"]
    real = rp.keys()
    kid = real.keys[0].kid
    foreign = KeySet([RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})])
    monkeypatch.setattr(rp, "keys", lambda refresh=False: foreign)  # the keys Byplan trusts are not the signer's
    _refused(app, client, client.get(url), "signature", "ikke underskrevet")


def test_refused_unknown_issuer(sqlite_url, op):
    # Configured for an issuer the provider is not: its discovery document names another.
    app = _app(sqlite_url, op, OIDC_ISSUER=f"http://localhost:{op.port}")
    client = app.test_client()
    response = client.get("/oidc/login")
    assert response.status_code == 400 and "ikke kender" in response.get_data(as_text=True)
    assert audit(app, "login_failed")[-1].detail == {"method": "oidc", "reason": "issuer"}
    with app.app_context():
        from web.extensions import db

        db.engine.dispose()


def test_refused_error_from_the_provider(oidc):
    app, client, _op = oidc
    begin(client)
    with client.session_transaction() as cookie:
        state = cookie["_oidc"]["state"]
    response = client.get("/oidc/callback", query_string={"error": "access_denied", "state": state})
    _refused(app, client, response, "idp_status", "loggede dig ikke ind")
