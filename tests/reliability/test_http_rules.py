"""HTTP rules (issue 11): no-store for signed-in users and token calls, cacheable public pages and feeds with
ETag and 304, the API's WWW-Authenticate (RFC 6750 §3), a favicon, and the feeds announced in <head>."""
from __future__ import annotations

import lxml.html
import pytest
import time_machine

from engine.models import utcnow

from reliability_support import login, route_urls, token

PUBLIC = ["/principper", "/offentlige-hoeringer", "/raadet/beslutninger", "/raadet/moeder", "/raadet/feed.atom",
          "/raadet/moeder.ics", "/offentlige-hoeringer.ics", "/netvaerk/moeder.ics"]


@pytest.mark.parametrize("role", ["secretary", "admin", "contact"])
def test_every_response_to_a_signed_in_user_is_no_store(demo_app, role):
    client = login(demo_app.test_client(), role)
    problems = []
    for route, url in sorted(route_urls(demo_app).items()):
        method, rule = route.split(" ", 1)
        if method != "GET" or rule.startswith(("/api/", "/static/")) or rule == "/favicon.ico":
            continue
        response = client.get(url)
        if response.headers.get("Cache-Control") != "no-store":
            problems.append(f"{route}: {response.status_code} {response.headers.get('Cache-Control')!r}")
    assert problems == []


def test_every_api_response_to_a_token_is_no_store(demo_app):
    headers = {"Authorization": f"Bearer {token(demo_app, 'secretary')}"}
    client = demo_app.test_client()
    for url in ["/api/v1/tasks", "/api/v1/cases", "/api/v1/hearings", "/api/v1/cases/999999"]:
        response = client.get(url, headers=headers)
        assert response.headers["Cache-Control"] == "no-store", url


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_and_feeds_are_cacheable_with_an_etag_and_304(demo_app, url):
    client = demo_app.test_client()
    client.get(url)  # a first visit may set the cookie (the language form's CSRF token): never public
    # (the clock stands still: the Atom feed's <updated> is today the time of the request)
    with time_machine.travel(utcnow(), tick=False):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        etag = response.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_public_page_is_not_public_for_a_signed_in_user_nor_a_response_that_sets_a_cookie(demo_app):
    first = demo_app.test_client().get("/principper")
    assert "session=" in first.headers.get("Set-Cookie", "")
    assert first.headers["Cache-Control"] == "no-store"
    client = login(demo_app.test_client(), "secretary")
    response = client.get("/principper")
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_personal_links_are_not_cached(demo_app):
    from reliability_support import PARTY_TOKEN

    client = demo_app.test_client()
    client.get("/login")
    for url in [f"/hoering/svar/{PARTY_TOKEN}", "/login"]:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", url


def test_api_401_says_how_to_authenticate(demo_app):
    client = demo_app.test_client()
    missing = client.get("/api/v1/tasks")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="byplan"'
    wrong = client.get("/api/v1/tasks", headers={"Authorization": "Bearer bp_not-a-real-token"})
    assert wrong.status_code == 401
    challenge = wrong.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="byplan", error="invalid_token"')
    assert wrong.headers["Cache-Control"] == "no-store"


def test_a_revoked_token_is_an_invalid_token(demo_app):
    from web.extensions import db
    from workflows.directory import ApiToken, token_hash

    value = token(demo_app, "secretary")
    with demo_app.app_context():
        row = db.session.query(ApiToken).filter_by(token_hash=token_hash(value)).one()
        from engine.models import utcnow

        row.revoked_at = utcnow()
        db.session.commit()
    response = demo_app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_favicon(demo_app):
    client = demo_app.test_client()
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data


@pytest.mark.parametrize("role", ["anonymous", "secretary"])
def test_every_page_links_the_favicon_and_announces_the_feeds(demo_app, role):
    client = login(demo_app.test_client(), role)
    for url in ["/principper", "/login", "/raadet/moeder", "/opgaver"]:
        response = client.get(url)
        if response.status_code != 200:
            continue
        head = lxml.html.fromstring(response.data).find("head")
        links = {(link.get("rel"), link.get("type")): link.get("href") for link in head.iter("link")}
        assert links[("alternate", "application/atom+xml")] == "/raadet/feed.atom", url
        calendars = {link.get("href") for link in head.iter("link")
                     if link.get("rel") == "alternate" and link.get("type") == "text/calendar"}
        assert calendars == {"/raadet/moeder.ics", "/offentlige-hoeringer.ics", "/netvaerk/moeder.ics"}, url
        icons = [link.get("href") for link in head.iter("link") if link.get("rel") == "icon"]
        assert "/favicon.ico" in icons, url
        for href in calendars | {"/raadet/feed.atom", *icons}:
            assert client.get(href).status_code == 200, href
