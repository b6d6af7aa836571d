"""The sign-in pages of issue 17 are valid HTML (the Nu HTML Checker, as tests/test_html_validity.py):
the login page with both providers' buttons, the no-access and refusal pages, two-factor enrolment, the
recovery codes and the two-factor login."""
from __future__ import annotations

import json
import re

import pyotp

from idp.keys import keypair
from idp.saml_idp import MAPPING, SamlIdp
from support import People, make_app
from test_html_validity import errors, run_vnu


def test_sign_in_pages_are_valid_html(sqlite_url, tmp_path):
    idp = SamlIdp(tmp_path / "idp")
    key, cert = keypair(tmp_path, "sp")
    app = make_app(sqlite_url, BASE_URL="http://localhost", SAML_IDP_METADATA=str(idp.metadata_file),
                   SAML_KEY_FILE=key, SAML_CERT_FILE=cert, SAML_MAPPING=json.dumps(MAPPING), ADMIN_TOTP=True,
                   OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="byplan")
    People(app)
    client = app.test_client()
    pages = {"login": client.get("/login"),
             "refused": client.post("/saml/acs", data={"SAMLResponse": "x"})}
    with app.test_request_context():
        from flask import render_template

        pages["no_access"] = render_template("sso/no_access.html")
    client.post("/login", data={"username": "admin", "password": People.PASSWORD})
    pages["enrol"] = client.get("/login/totp/tilmeld")
    pages["enrol_error"] = client.post("/login/totp/tilmeld", data={"code": "12"})
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', pages["enrol"].get_data(as_text=True)).group(1)
    pages["codes"] = client.post("/login/totp/tilmeld", data={"code": pyotp.TOTP(secret).now()})
    client.post("/logout")
    client.post("/login", data={"username": "admin", "password": People.PASSWORD})
    pages["totp_login"] = client.post("/login/totp", data={"code": "nope"})
    assert "Log ind via din kommune" in pages["login"].get_data(as_text=True)
    files = []
    for name, page in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(page if isinstance(page, str) else page.get_data(as_text=True), "utf-8")
        files.append(path)
    found = errors(run_vnu(files))
    assert not found, [(m.get("url", "").rsplit("/", 1)[-1], m["message"]) for m in found]
    with app.app_context():
        from web.extensions import db

        db.engine.dispose()
