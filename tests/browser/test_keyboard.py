"""The core flows with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows; no mouse), over the demo data:
the skip link, logging in, the search box, completing a task with a form, answering a hearing as a municipality and
registering a colleague for a network meeting. Every element the keyboard reaches shows a visible focus indicator."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow !== 'none' && s.boxShadow !== '';
    const box = el.getBoundingClientRect();
    return {element: el.outerHTML.slice(0, 160), ring: outline || shadow, visible: el.matches(':focus-visible'),
            onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0};
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUS)


def assert_focus_shown(page):
    info = focused(page)
    assert info is not None, "the focus is lost (on the body)"
    assert info["visible"] and info["ring"], f"no visible focus indicator: {info}"
    assert info["onScreen"], f"the focused element is off screen: {info}"


def has_focus(locator) -> bool:
    return locator.evaluate_all("els => els.includes(document.activeElement)")


def tab_to(page, target, *, backwards=False, limit=200):
    """Press Tab (or Shift+Tab) until ``target`` (a selector or locator; any of its elements) has the focus; every
    stop along the way must show its focus."""
    locator = page.locator(target) if isinstance(target, str) else target
    expect(locator.first).to_be_attached()
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert_focus_shown(page)
        if has_focus(locator):
            return
    raise AssertionError(f"{target} is not reachable with the keyboard")


def choose(page, radio: str):
    """Check a radio button as a keyboard user does: Tab into its group, then Space and the arrow keys."""
    target = page.locator(radio)
    group = page.locator(f"input[type=radio][name='{target.get_attribute('name')}']")
    if not has_focus(group):
        tab_to(page, group)  # Chromium enters an unchecked group at its first or last option
    page.keyboard.press("Space")
    for _ in range(group.count()):
        if target.is_checked():
            break
        page.keyboard.press("ArrowDown")
        assert_focus_shown(page)
    expect(target).to_be_checked()


@pytest.fixture
def kb_page(browser, demo_site):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def keyboard_login(page, base, username, password):
    page.goto(f"{base}/login")
    tab_to(page, "#f-username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#f-password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def test_skip_link_moves_the_focus_to_the_main_content(kb_page, demo_site):
    page = kb_page
    page.goto(f"{demo_site.base}/principper")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    assert_focus_shown(page)  # visible when focused, although hidden until then
    page.keyboard.press("Enter")
    expect(page.locator("main#indhold")).to_be_focused()
    # the next Tab continues inside the main content, not in the header
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert_focus_shown(page)
    # and Shift+Tab goes back out of it
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert not page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_secretariat_logs_in_searches_and_screens_a_proposal(kb_page, demo_site):
    page, base = kb_page, demo_site.base
    keyboard_login(page, base, "sekretariat", demo_site.password)

    # the search box in the header
    tab_to(page, "#header-q")
    page.keyboard.type("brugerstyring")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/soeg\?q=brugerstyring"))
    expect(page.locator("main")).to_contain_text("Fælles brugerstyring via Context Handler")
    tab_to(page, page.locator("main a", has_text="Fælles brugerstyring via Context Handler").first)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sager/\d+$"))
    case_url = page.url

    # the inbox: open the screening task and complete its form
    page.goto(f"{base}/opgaver")
    task_link = page.locator("main table tr", has_text="Fælles brugerstyring via Context Handler").locator(
        "a[href^='/opgaver/']")
    tab_to(page, task_link)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/opgaver/[0-9a-f-]+$"))
    expect(page.locator("h1")).to_have_text("Vurdér forslaget")

    # submitted empty: the error summary, then the field through its link
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    tab_to(page, summary.locator("a[href='#f-screening']"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("fieldset#f-screening")).to_be_focused()
    assert_focus_shown(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "screening"
    choose(page, "#f-screening-1")  # complete
    choose(page, "#f-hearing-1")  # no hearing: straight to the council
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(case_url) + r"(#.*)?$"))  # back on the case page
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.locator("section[aria-labelledby=h-tasks]")).not_to_contain_text("Vurdér forslaget")


def test_municipality_answers_a_hearing_and_registers_a_colleague(kb_page, demo_site):
    page, base = kb_page, demo_site.base
    keyboard_login(page, base, "kommune", demo_site.password)

    # the hearing: from the menu to the municipality's hearings, then the response form
    tab_to(page, "header nav a[href='/hoeringer']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/hoeringer")
    tab_to(page, page.locator("main a", has_text="Referencearkitektur for brugerstyring"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hoeringer/\d+$"))
    tab_to(page, "#f-text")
    page.keyboard.press("Control+A")
    page.keyboard.type("Hjørring Kommune støtter referencearkitekturen uden forbehold.")
    tab_to(page, "form[enctype='multipart/form-data'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Hjørring Kommune støtter referencearkitekturen uden forbehold.")

    # the network round open for registration: a colleague on the municipality's seats
    page.goto(f"{base}/netvaerk")
    tab_to(page, page.locator("main a", has_text="Arkitektur i praksis").first)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/netvaerk/runder/\d+$"))
    form = page.locator("main form[action$='/tilmeld']").first
    tab_to(page, form.locator("input[name=name]"))
    page.keyboard.type("Anne Andersen")
    page.keyboard.press("Tab")
    page.keyboard.type("anne@hjoerring.example")
    page.keyboard.press("Tab")
    page.keyboard.type("Enterprisearkitekt")
    tab_to(page, form.locator("button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.locator("main li", has_text="Anne Andersen").first).to_contain_text("anne@hjoerring.example")
