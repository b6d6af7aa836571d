"""WCAG 2.1 A/AA in a real browser: axe-core over every page of the demo, anonymously and as each role.

The pages are found by crawling same-origin links from the home page (bounded: two pages of each kind), plus
the pages only a mail leads to: a hearing party's personal answer page and a network evaluation form.
Screenshots of the main pages go to test-artifacts/screenshots/."""
from __future__ import annotations

import pytest
from browser_support import log_in_new_page
from sqlalchemy import select

from a11y_support import ROLES, axe_source, crawl, mail_only_paths, report, run_axe

pytestmark = pytest.mark.browser

EVALUATION_TOKEN = "a11y-evaluation-token"


@pytest.fixture(scope="module")
def axe():
    return axe_source()


@pytest.fixture(scope="module")
def checked() -> set[str]:
    """Pages checked so far in this module (kind and content): each is checked once, whoever sees it."""
    return set()


@pytest.fixture(scope="module")
def mail_links(demo_site) -> dict[str, str]:
    """The paths that only a mail leads to: an external hearing party's answer page and an evaluation form."""
    return mail_only_paths(demo_site.app, EVALUATION_TOKEN)




@pytest.fixture
def new_context(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK")
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def test_public_pages_have_no_wcag_violations(new_context, demo_site, axe, mail_links, checked):
    page = new_context().new_page()
    page.set_default_timeout(10_000)
    found = crawl(page, demo_site.base, axe, ["/", "/login", mail_links["party"], mail_links["evaluation"],
                                              "/regler/ar-2-1/forskel"],
                  checked=checked)
    assert not found, "axe found WCAG 2.1 A/AA violations:\n" + report(found)


@pytest.mark.parametrize("role", list(ROLES))
def test_pages_of_each_role_have_no_wcag_violations(role, new_context, demo_site, axe, checked):
    page = log_in_new_page(new_context(), demo_site.base, ROLES[role], demo_site.password)
    found = crawl(page, demo_site.base, axe, ["/", "/soeg?q=brugerstyring"], checked=checked)
    assert not found, f"axe found WCAG 2.1 A/AA violations as {role}:\n" + report(found)


def test_form_errors_have_no_wcag_violations(new_context, demo_site, axe, mail_links):
    """Pages re-rendered with field errors (error summary, aria-invalid, described-by)."""
    base, found = demo_site.base, {}
    page = new_context().new_page()
    page.goto(base + mail_links["party"])
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    found["party answer, empty"] = run_axe(page, axe)
    page.goto(base + mail_links["evaluation"])
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    found["evaluation, empty"] = run_axe(page, axe)
    page.goto(base + "/hoeringer/abonnement")  # issue 16: the subscription with its topic, a bad address
    page.fill("#f-email", "ikke-en-adresse")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    found["subscription, invalid address"] = run_axe(page, axe)

    page = log_in_new_page(new_context(), base, "admin", demo_site.password)
    page.goto(base + "/admin/brugere/ny")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector(".error-summary")
    found["new user, empty"] = run_axe(page, axe)
    found = {k: v for k, v in found.items() if v}
    assert not found, "axe found WCAG 2.1 A/AA violations:\n" + report(found)


def main_pages(app) -> dict[str, str]:
    """The main pages of the demo, by screenshot name."""
    from engine.models import Case
    from web.extensions import db
    from workflows.council import Meeting
    from workflows.hearing import Hearing
    from workflows.network import Round

    with app.app_context():
        s = db.session
        case = s.scalar(select(Case.id).where(Case.title == "Referencearkitektur for brugerstyring",
                                              Case.process_id == "proposal"))
        hearing = s.scalar(select(Hearing.id))
        # today's meeting, with decisions and minutes
        meeting = s.scalar(select(Meeting.id).where(Meeting.case_id.is_not(None)).order_by(Meeting.starts_at))
        open_round = s.scalar(select(Round.id).where(Round.status == "open"))
        proposal_version = s.scalar(select(Case.process_version_id).where(Case.id == case))
    return {"heatmap": f"/processer/{proposal_version}/varmekort", "dashboard": "/analyse",
            "inbox": "/opgaver", "case-diagram": f"/sager/{case}", "hearing-dashboard": "/hoeringer",
            "hearing": f"/hoeringer/{hearing}", "council-meeting": f"/raadet/moeder/{meeting}",
            "network-round": f"/netvaerk/runder/{open_round}", "processes": "/processer",
            "search": "/soeg?q=brugerstyring", "catalogue": "/principper",
            "review-register": "/register/arkitekturvurderinger"}


def test_screenshots_of_the_main_pages(new_context, demo_site, artifacts):
    """PNGs for people to look at (CI keeps test-artifacts/); each page must load and render."""
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    shots = [("secretariat", name, path) for name, path in main_pages(demo_site.app).items()]
    shots.append(("admin", "admin", "/admin"))
    pages = {}
    for username, name, path in shots:
        if username not in pages:
            pages[username] = log_in_new_page(new_context(), demo_site.base, ROLES[username], demo_site.password)
        page = pages[username]
        response = page.goto(demo_site.base + path)
        assert response.ok, f"{path}: {response.status}"
        if page.locator("[data-bpmn-url]").count():
            page.wait_for_selector("[data-diagram=ready]")
        target = folder / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000, f"{target} looks empty"


def test_axe_reports_violations(new_context, axe):
    """The check itself works: a page with known faults fails it."""
    page = new_context().new_page()
    page.set_content('<html><body><main><h1>x</h1><img src="data:,"><a href="/x"></a>'
                     '<p style="color:#bbb;background:#fff">low contrast</p></main></body></html>')
    found = {v["id"] for v in run_axe(page, axe)}
    assert {"html-has-lang", "image-alt", "link-name", "color-contrast"} <= found, found


def test_english_pages_have_no_wcag_violations(new_context, demo_site, axe):
    """The English UI: Danish BPMN names inside English text are marked lang="da"."""
    page = log_in_new_page(new_context(), demo_site.base, "sekretariat", demo_site.password)
    page.locator("button[name=lang][value=en]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    case = main_pages(demo_site.app)["case-diagram"]
    found = crawl(page, demo_site.base, axe, ["/opgaver", case, "/processer"], per_kind=1, limit=8)
    page.goto(demo_site.base + case)
    assert page.locator("main h2 [lang=da]").first.inner_text() == "Arkitekturforslag"
    assert not found, "axe found WCAG 2.1 A/AA violations in English:\n" + report(found)
