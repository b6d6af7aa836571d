"""The DKFDS layout (issue 13): vendored design system, header, grouped menu, footer, accessibility statement."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from steps.proposal_driver import ProposalDriver
from support import make_app

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"


def test_pages_use_the_vendored_design_system_without_inline_style_or_script(client, people):
    for path in ("/login", "/principper", "/offentlige-hoeringer", "/raadet/moeder"):
        body = client.get(path).data.decode()
        assert 'href="/static/vendor/dkfds/css/dkfds.min.css"' in body, path
        assert 'class="header bp-header"' in body and "<footer>" in body, path
        assert not re.search(r"\sstyle=", body), f"{path}: an inline style (the CSP forbids it)"
        assert not re.search(r"<script(?![^>]*\ssrc=)", body), f"{path}: an inline script"
        assert not re.search(r'<(?:link|script)[^>]+(?:href|src)="(?:https?:)?//', body), f"{path}: a CDN"


def test_the_vendored_assets_are_served_locally(client):
    css = STATIC / "vendor/dkfds/css/dkfds.min.css"
    assert css.is_file(), "run `make vendor`"
    text = css.read_text(encoding="utf-8")
    fonts = set(re.findall(r"url\((\.\./fonts/[^)]+\.woff2)\)", text))
    assert fonts, "the style sheet names its IBM Plex Sans fonts"
    for font in fonts:
        assert (css.parent / font).resolve().is_file(), font
    assert client.get("/static/vendor/dkfds/css/dkfds.min.css").status_code == 200
    assert client.get("/static/vendor/dkfds/img/all-svg-icons.svg").status_code == 200


def test_the_header_names_the_service_the_user_and_offers_log_out_and_language(client, people):
    people.login(client, "secretary")
    body = client.get("/opgaver").data.decode()
    header = body.split("</header>")[0]
    assert ">Byplan</a>" in header and ">Secretary</span>" in header
    assert 'action="/logout"' in header and "Log ud" in header
    assert 'action="/language"' in header and 'name="lang" value="en"' in header
    assert 'id="header-q" type="search" name="q" class="form-input"' in header
    assert 'class="skip-link" href="#indhold"' in body


def test_the_secretariat_menu_is_grouped_and_the_others_flat(client, people):
    people.login(client, "secretary")
    header = client.get("/opgaver").data.decode().split("</header>")[0]
    for group in ("Sager og opgaver", "Høringer og møder", "Drift", "Offentligt"):
        assert f'<summary class="nav-link"><span>{group}</span></summary>' in header, group
    wide = header.split('class="bp-nav bp-nav-wide"')[1]
    assert wide.count('class="bp-nav-group"') == 4
    top_level = re.findall(r'^    (?:<li><a class="nav-link"|<li class="bp-nav-group")', wide, re.M)
    assert len(top_level) <= 6, "the menu fits one row: at most six entries"
    # without JavaScript, the narrow-screen menu is a <details> element too
    assert '<details class="menu-toggle">' in header and "<summary" in header

    client.post("/logout")
    people.login(client, "councillor")
    header = client.get("/opgaver").data.decode().split("</header>")[0]
    assert 'class="bp-nav-group"' not in header and "Drift" not in header
    assert 'href="/raadet/moeder"' in header


def test_the_footer_links_the_accessibility_statement_and_was_redirects_there(sqlite_url):
    app = make_app(sqlite_url, BASE_URL="https://byplan.kl.example:8443/")
    client = app.test_client()
    assert app.config["ACCESSIBILITY_URL"] == "https://www.was.digst.dk/byplan.kl.example"
    footer = client.get("/login").data.decode().split("<footer>")[1]
    assert 'href="https://www.was.digst.dk/byplan.kl.example"' in footer and "Tilgængelighedserklæring" in footer
    assert "Kontakt" not in footer and "Privatlivspolitik" not in footer  # not configured: no dead links
    response = client.get("/was")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://www.was.digst.dk/byplan.kl.example"


def test_the_accessibility_contact_and_privacy_links_are_configurable(sqlite_url, monkeypatch):
    monkeypatch.setenv("BYPLAN_ACCESSIBILITY_URL", "https://www.was.digst.dk/app-byplan")
    monkeypatch.setenv("BYPLAN_CONTACT_URL", "mailto:sekretariat@kl.example")
    monkeypatch.setenv("BYPLAN_PRIVACY_URL", "https://kl.example/privatliv")
    client = make_app(sqlite_url).test_client()
    footer = client.get("/principper").data.decode().split("<footer>")[1]
    assert 'href="https://www.was.digst.dk/app-byplan"' in footer
    assert 'href="mailto:sekretariat@kl.example">Kontakt</a>' in footer
    assert 'href="https://kl.example/privatliv">Privatlivspolitik</a>' in footer
    assert client.get("/was").headers["Location"] == "https://www.was.digst.dk/app-byplan"


def test_flashes_are_dkfds_alerts(client, people):
    people.login(client, "secretary")
    body = client.post("/logout", follow_redirects=True).data.decode()
    flashes = body.split('<div class="flashes" role="status">')[1].split("</main>")[0]
    assert '<div class="alert alert-success alert--paragraph">' in flashes
    assert 'class="icon-svg alert-icon"' in flashes and "Du er logget ud." in flashes


@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


def test_the_case_page_shows_where_the_proposal_is_as_a_step_indicator(client, people, driver):
    case_id = driver.start("lead", "Genbrug før køb før byg")
    people.login(client, "lead")
    body = client.get(f"/sager/{case_id}").data.decode()
    steps = body.split('class="step-indicator" aria-label="Sagens forløb"')[1].split("</ol>")[0]
    assert steps.count("<li") == 6
    assert re.search(r'<li class="current"[^>]*aria-current="step"', steps)
    assert "Kladde" in steps and "Indsendt" in steps
    # the status is a tag: a colour and the word
    assert re.search(r'<span class="badge[^"]*bp-status" data-state="draft">Kladde</span>', body)
    driver.submit("lead", summary="Resumé", statement="Udsagn", rationale="Begrundelse", implications="Følger")
    body = client.get(f"/sager/{case_id}").data.decode()
    steps = body.split('class="step-indicator"')[1].split("</ol>")[0]
    current = re.findall(r'<li class="([a-z ]+)"', steps)
    assert current[:2] == ["done", "current"], current


def test_every_table_cell_names_its_column_on_narrow_screens():
    """At 320 px a table is one block per row (byplan.css); each data cell carries its column's name in
    data-title, so a row still says what each value is (WCAG 1.3.1 / 1.4.10)."""
    templates = Path(__file__).resolve().parents[1] / "web" / "templates"
    unlabelled = []
    for path in sorted(templates.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for table in re.findall(r"<table\b.*?</table>", source, re.S):
            if "<thead" not in table:
                continue
            body = table.split("</thead>", 1)[1]
            for cell in re.findall(r"<td\b[^>]*>", body):
                if "data-title" not in cell and "colspan" not in cell:
                    unlabelled.append(f"{path.relative_to(templates)}: {cell}")
    assert unlabelled == []
