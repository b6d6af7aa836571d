"""Two-factor login for local accounts (TOTP, recovery codes), and switching local passwords off except for
break-glass administrators."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from support import People, make_app


@pytest.fixture
def make(sqlite_url):
    apps = []

    def build(**config):
        app = make_app(sqlite_url, **config)
        if not apps:
            People(app)
        apps.append(app)
        return app, app.test_client()

    yield build
    for app in apps:
        with app.app_context():
            from web.extensions import db

            db.session.remove()
            db.engine.dispose()


def password_login(client, username):
    return client.post("/login", data={"username": username, "password": People.PASSWORD})


def signed_in(client) -> bool:
    return client.get("/konto/sessioner").status_code == 200


def enrol(client):
    page = client.get("/login/totp/tilmeld").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    qr = client.get("/login/totp/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert b"<script" not in qr.data
    wrong = client.post("/login/totp/tilmeld", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                                     else "111111"})
    assert wrong.status_code == 422 and not signed_in(client)
    done = client.post("/login/totp/tilmeld", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_an_administrator_must_enrol_and_then_give_a_code(make):
    app, client = make(ADMIN_TOTP=True)
    response = password_login(client, "admin")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/totp/tilmeld")
    assert not signed_in(client)  # the password alone is no session
    secret, codes = enrol(client)
    assert signed_in(client)
    from web.extensions import db
    from workflows.identity.models import RecoveryCode

    with app.app_context():
        stored = [r.code_hash for r in db.session.scalars(select(RecoveryCode))]
    assert len(stored) == 10 and not set(c.replace("-", "") for c in codes) & set(stored)  # hashed

    client.post("/logout")
    response = password_login(client, "admin")
    assert response.headers["Location"].endswith("/login/totp")
    same = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()})  # used at enrolment
    assert same.status_code == 422 and not signed_in(client)
    assert client.post("/login/totp", data={"code": codes[0]}).status_code == 302
    assert signed_in(client)

    client.post("/logout")
    password_login(client, "admin")
    assert client.post("/login/totp", data={"code": codes[0]}).status_code == 422  # a recovery code is once
    with time_machine.travel(timedelta(seconds=90)):
        assert client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
        assert signed_in(client)


def test_in_the_demo_an_administrator_logs_in_with_the_password_alone(make):
    _app, client = make(ADMIN_TOTP=False)
    assert password_login(client, "admin").status_code == 302 and signed_in(client)


def test_an_administrator_can_require_two_factor_for_a_user(make):
    app, admin = make(ADMIN_TOTP=False)
    password_login(admin, "admin")
    from web.extensions import db
    from workflows.directory import User

    with app.app_context():
        secretary = db.session.scalar(select(User).where(User.username == "secretary")).id
    assert admin.post(f"/admin/brugere/{secretary}/totp", data={"required": "1"}).status_code == 302
    other = app.test_client()
    response = password_login(other, "secretary")
    assert response.headers["Location"].endswith("/login/totp/tilmeld") and not signed_in(other)
    # ... and a user who is no administrator cannot require it of anyone
    enrol(other)
    assert other.post(f"/admin/brugere/{secretary}/totp", data={"required": "0"}).status_code == 403


def test_local_passwords_off_but_for_break_glass_administrators(make):
    _app, client = make(LOCAL_LOGIN=False, BREAK_GLASS_ADMINS="admin", ADMIN_TOTP=False)
    page = client.get("/login").get_data(as_text=True)
    assert "Nødlogin for administratorer" in page
    refused = password_login(client, "secretary")
    assert refused.status_code == 422 and "Lokale adgangskoder er slået fra" in refused.get_data(as_text=True)
    assert not signed_in(client)
    response = password_login(client, "admin")  # break-glass: always with a second factor
    assert response.headers["Location"].endswith("/login/totp/tilmeld")
    enrol(client)
    assert signed_in(client)
