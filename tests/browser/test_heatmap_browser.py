"""The heatmap in a browser: bpmn-js draws the proposal process of the demo with a colour step and the
figures on each step that cases passed, the table says the same; a screenshot goes to the test artefacts."""
from __future__ import annotations

import json

from a11y_support import axe_source, run_axe
from browser_support import log_in_new_page
from sqlalchemy import select


def test_the_heatmap_colours_the_diagram_and_shows_the_figures(browser, demo_site, artifacts):
    from engine.models import Case
    from web.extensions import db

    with demo_site.app.app_context():
        version_id = db.session.scalar(select(Case.process_version_id).where(Case.process_id == "proposal").limit(1))
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    page = log_in_new_page(context, demo_site.base, "sekretariat", demo_site.password)
    response = page.goto(f"{demo_site.base}/processer/{version_id}/varmekort")
    assert response.ok
    page.wait_for_selector("[data-diagram=ready]")
    heat = json.loads(page.get_attribute("[data-heat]", "data-heat"))
    passed = {element for element, item in heat.items() if item["passed"]}
    assert passed, "the demo's cases passed no step"
    for element in passed:
        shape = page.locator(f'.djs-element[data-element-id="{element}"]')
        level = heat[element]["level"]
        assert f"bp-heat-{level}" in shape.get_attribute("class")
    badges = page.locator(".bp-heat-badge")
    assert badges.count() == len([e for e in heat if page.locator(f'[data-element-id="{e}"]').count()])
    assert "passeret" in badges.first.inner_text()
    # the table gives every figure without the diagram
    for element in passed:
        row = page.locator(f'tr[data-element="{element}"]')
        assert row.locator("td.passed").inner_text() == str(heat[element]["passed"])
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    target = folder / "heatmap.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    source = axe_source()
    assert run_axe(page, source) == []
    page.goto(f"{demo_site.base}/analyse")
    assert run_axe(page, source) == []
    page.screenshot(path=str(folder / "dashboard.png"), full_page=True)
    context.close()
