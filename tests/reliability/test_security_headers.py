"""CSRF on every POST form, the session cookie's flags, and the security headers on every response."""
from __future__ import annotations

import re

import lxml.html
import pytest
from sqlalchemy import func, select

from reliability_support import DEMO_USERS, PASSWORD, copy_demo, login, route_urls
from support import make_app


def _csrf_app(demo_template, tmp_path, **config):
    return make_app(copy_demo(demo_template, tmp_path), WTF_CSRF_ENABLED=True, **config)


def _token_from(html: bytes) -> str:
    doc = lxml.html.fromstring(html)
    return doc.xpath("//input[@name='csrf_token']/@value")[0]


def _login_with_csrf(client, role: str):
    token = _token_from(client.get("/login").data)
    response = client.post("/login", data={"username": DEMO_USERS[role], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def _audit_count(app) -> int:
    from engine.models import AuditEvent
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def csrf_app(demo_template, tmp_path):
    app = _csrf_app(demo_template, tmp_path)
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_login_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin").status_code == 302  # not signed in


# POST routes that take no CSRF token on purpose (each exempted with @csrf.exempt, checked below), and why
CSRF_EXEMPT = {
    # issue 16: the link in the mail is the credential; a mail client's one-click POST (RFC 8058) has no token
    "POST /hoeringer/abonnement/afmeld/<token>": "subscriptions.unsubscribe",
}


def test_the_csrf_exempt_routes_are_exempt_on_purpose(csrf_app):
    from web.extensions import csrf

    exempt = set(getattr(csrf, "_exempt_views", set()))
    rules = {f"{m} {r.rule}": r.endpoint for r in csrf_app.url_map.iter_rules() for m in r.methods}
    for route, endpoint in CSRF_EXEMPT.items():
        assert rules.get(route) == endpoint, route
        view = csrf_app.view_functions[endpoint]
        assert f"{view.__module__}.{view.__name__}" in exempt, route


@pytest.mark.parametrize("role", ["admin", "secretary", "lead", "contact", "chair"])
def test_every_post_form_without_csrf_token_is_refused_and_changes_nothing(csrf_app, role):
    client = _login_with_csrf(csrf_app.test_client(), role)
    urls = route_urls(csrf_app)
    for route, url in sorted(urls.items()):
        if not route.startswith("POST ") or route.startswith("POST /api/") or route == "POST /login":
            continue
        if route in CSRF_EXEMPT:
            continue
        before = _audit_count(csrf_app)
        response = client.post(url, data={"name": "x", "title": "x", "text": "x", "version": "1"})
        assert response.status_code == 400, (route, response.status_code)
        assert _audit_count(csrf_app) == before, route
    assert client.get("/opgaver").status_code == 200  # the refused logout did not sign out


def test_the_api_needs_no_csrf_token_but_a_bearer_token(csrf_app):
    from reliability_support import token

    headers = {"Authorization": f"Bearer {token(csrf_app, 'secretary')}"}
    response = csrf_app.test_client().post("/api/v1/council/meetings/1/items", headers=headers,
                                           json={"kind": "information", "title": "Orientering"})
    assert response.status_code in (201, 404, 422), response.get_json()


@pytest.mark.parametrize("role", ["anonymous", "admin", "secretary", "lead", "contact", "chair"])
def test_every_post_form_on_every_page_carries_a_csrf_token(csrf_app, role):
    client = csrf_app.test_client()
    if role != "anonymous":
        _login_with_csrf(client, role)
    checked = 0
    for route, url in sorted(route_urls(csrf_app).items()):
        if not route.startswith("GET ") or route == "GET /static/<path:filename>":
            continue
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        doc = lxml.html.fromstring(response.data)
        for form in doc.xpath("//form[translate(@method, 'POST', 'post')='post']"):
            assert form.xpath(".//input[@type='hidden'][@name='csrf_token']"), \
                f"{route}: a POST form to {form.get('action')} without csrf_token"
            checked += 1
    assert checked > 0 or role == "anonymous"


# ----------------------------------------------------------------- cookies

def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax(demo_app):
    response = demo_app.test_client().post("/login", data={"username": "admin", "password": PASSWORD})
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=Lax", cookie, re.I)
    assert "Secure" not in cookie  # plain HTTP in development and tests


def test_session_cookie_is_secure_when_configured(demo_template, tmp_path, monkeypatch):
    monkeypatch.setenv("BYPLAN_SECURE_COOKIES", "1")
    app = make_app(copy_demo(demo_template, tmp_path))
    response = app.test_client().post("/login", data={"username": "admin", "password": PASSWORD},
                                      base_url="https://localhost")
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and re.search(r"SameSite=Lax", cookie, re.I)


# ----------------------------------------------------------------- headers

def _check_headers(route: str, response) -> list[str]:
    problems = []
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src") or directives.get("default-src", "")
    if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script.split():
        problems.append(f"{route}: script-src {script!r}")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append(f"{route}: frame-ancestors {directives.get('frame-ancestors')!r}")
    if "object-src" not in directives and directives.get("default-src") not in ("default-src 'self'",
                                                                                "default-src 'none'"):
        problems.append(f"{route}: no default-src 'self'")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{route}: X-Content-Type-Options {h.get('X-Content-Type-Options')!r}")
    if h.get("X-Frame-Options") != "DENY":
        problems.append(f"{route}: X-Frame-Options {h.get('X-Frame-Options')!r}")
    if h.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append(f"{route}: Referrer-Policy {h.get('Referrer-Policy')!r}")
    return problems


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_security_headers_on_every_response(demo_app, role):
    client = login(demo_app.test_client(), role)
    problems = []
    for route, url in sorted(route_urls(demo_app).items()):
        if route.startswith("GET "):
            problems += _check_headers(route, client.get(url))
    # error answers too: 404, 405, 400 (NUL), 413, and the API's 401
    problems += _check_headers("404", client.get("/findes-ikke"))
    problems += _check_headers("405", client.put("/principper"))
    problems += _check_headers("400", client.get("/soeg?q=%00"))
    problems += _check_headers("401", client.get("/api/v1/tasks"))
    problems += _check_headers("413", client.post("/login", data={"username": "x" * (11 * 1024 * 1024)}))
    assert problems == []
