"""In a real browser, once per protocol: the login page's SAML button through a pysaml2 IdP and back, and
the OpenID Connect button through npm oidc-provider's login form and back; then logout at the provider."""
from __future__ import annotations

import json
import threading

import pytest
from werkzeug.serving import make_server

from idp.keys import keypair
from idp.oidc_support import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, free_port
from idp.oidc_support import MAPPING as OIDC_MAPPING
from idp.saml_idp import MAPPING as SAML_MAPPING
from idp.saml_idp import SamlIdp, identity
from support import People, make_app

pytestmark = pytest.mark.browser


def _serve(app, port):
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _close(app):
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_saml_sign_in_and_single_logout_in_a_browser(sqlite_url, tmp_path, page):
    port, idp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    idp = SamlIdp(tmp_path / "idp", base_url=f"http://127.0.0.1:{idp_port}")
    key, cert = keypair(tmp_path, "sp")
    app = make_app(sqlite_url, WTF_CSRF_ENABLED=True, BASE_URL=base, SAML_IDP_METADATA=str(idp.metadata_file),
                   SAML_KEY_FILE=key, SAML_CERT_FILE=cert, SAML_MAPPING=json.dumps(SAML_MAPPING))
    People(app)
    idp.attach(app.test_client().get("/saml/metadata").get_data(as_text=True))
    idp.user = identity(name="Karen Kontakt")
    idp_server = idp.serve(idp_port, base + "/saml/metadata", base + "/saml/acs")
    server = _serve(app, port)
    try:
        page.goto(f"{base}/login")
        page.click("#login-saml")
        page.wait_for_url(f"http://127.0.0.1:{idp_port}/sso/redirect*")
        page.click("#continue")  # the IdP's form posts the signed response to Byplan's ACS
        page.wait_for_url(f"{base}/")  # the start page
        assert "Karen Kontakt" in page.content()
        page.click("button.bp-logout")
        page.wait_for_url(f"http://127.0.0.1:{idp_port}/slo/redirect*")  # Byplan sent a LogoutRequest
        page.goto(f"{base}/konto/sessioner")
        page.wait_for_url(f"{base}/login*")
    finally:
        server.shutdown()
        idp_server.shutdown()
        _close(app)


def test_openid_connect_sign_in_and_logout_in_a_browser(sqlite_url, tmp_path, page):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    op = OpenIdProvider(f"{base}/oidc/callback", f"{base}/", tmp_path / "op.log")
    app = make_app(sqlite_url, WTF_CSRF_ENABLED=True, BASE_URL=base, OIDC_ISSUER=op.issuer,
                   OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                   OIDC_SCOPES="openid profile email groups", OIDC_MAPPING=json.dumps(OIDC_MAPPING))
    People(app)
    server = _serve(app, port)
    try:
        page.goto(f"{base}/login")
        page.click("#login-oidc")
        page.wait_for_url(f"{op.issuer}/interaction/*", wait_until="commit")
        page.fill("input[name=login]", "sekretaer")
        page.fill("input[name=password]", "any")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")  # the start page
        assert "Sara Sekretær" in page.content()
        page.click("button.bp-logout")
        page.wait_for_url(f"{op.issuer}/session/end*", wait_until="commit")
        page.click("button[name=logout]")  # the OP asks: sign out?
        page.wait_for_url(f"{base}/", wait_until="commit")
        page.goto(f"{base}/konto/sessioner")
        page.wait_for_url(f"{base}/login*")
    finally:
        server.shutdown()
        op.stop()
        _close(app)
