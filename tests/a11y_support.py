"""Accessibility checks in the browser: axe-core (npm, pinned in package-lock.json) and a bounded crawler.

axe is injected by the tests (``page.evaluate``, which the page's CSP does not govern); the app never serves it.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Demo users (workflows/demo.py) per role.
ROLES = {
    "secretariat": "sekretariat",
    "admin": "admin",
    "working-group lead": "arbejdsgruppe",
    "working-group member": "arkitekt",
    "council member": "raadsmedlem",
    "chair": "formand",
    "municipality contact": "kommune",
}

# Not pages: downloads, feeds, calendars, diagrams, CSV exports, the API and static files.
SKIP = re.compile(r"^/(static|api|oparl)/|/dokumenter/|/filer/|\.(ics|bpmn|csv|atom|json|txt|pdf|docx)$|^/logout")


def axe_source() -> str:
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run `make vendor` (npm ci installs axe-core from package-lock.json)")
    return AXE.read_text(encoding="utf-8")


def run_axe(page, source: str) -> list[dict]:
    """The WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""",
        WCAG_AA,
    )


def report(found: dict[str, list[dict]]) -> str:
    """A readable report: per page, each rule with its impact and the failing elements."""
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}) – {v['help']}")
            for node in v["nodes"][:8]:
                summary = " ".join(node["summary"].split())[:300]
                lines.append(f"    {node['target']}  {summary}")
            if len(v["nodes"]) > 8:
                lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def pattern(path: str) -> str:
    """/sager/12?x=1 -> /sager/#: pages that differ only by ids are one kind of page."""
    return re.sub(r"/\d+(?=/|$)", "/#", urlsplit(path).path)


def same_origin_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    paths = []
    for href in hrefs:
        href, _ = urldefrag(href)
        if not href.startswith(base + "/"):
            continue
        path = href[len(base):]
        if not SKIP.search(urlsplit(path).path):
            paths.append(path)
    return paths


def content_key(page) -> str:
    """The page's kind and its main content (CSRF tokens aside): what another role may already have checked."""
    main = page.evaluate("() => (document.querySelector('main') || document.body).innerHTML")
    main = re.sub(r'name="csrf_token" value="[^"]*"', "", main)
    return pattern(urlsplit(page.url).path) + " " + hashlib.sha256(main.encode()).hexdigest()


def crawl(page, base: str, source: str, start: list[str], *, per_kind: int = 2, limit: int = 60,
          checked: set[str] | None = None, visit=None) -> dict[str, list[dict]]:
    """Breadth-first over same-origin links from ``start``: each page's axe violations, by page.

    At most ``per_kind`` pages of one kind (same path but for ids) and ``limit`` pages in all. A page whose main
    content is in ``checked`` (shared between roles: the public pages look the same to all) is not checked again,
    but for the first page, which checks the header and menu of the role. ``visit(page, path)`` is called on each
    page (screenshots)."""
    checked = checked if checked is not None else set()
    kinds: Counter = Counter()
    queue, queued, found = list(start), set(start), {}
    visited = 0
    while queue and visited < limit:
        path = queue.pop(0)
        kind = pattern(path)
        if kinds[kind] >= per_kind and path not in start:
            continue
        kinds[kind] += 1
        response = page.goto(base + path)
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        if page.locator("[data-bpmn-url]").count():
            page.wait_for_selector("[data-diagram]")  # the diagram drawn (or its failure shown)
        visited += 1
        landed = page.url[len(base):].split("#")[0]
        queued.add(landed)  # after a redirect: do not visit the same page again under its own address
        key = content_key(page)
        if key not in checked or visited == 1:
            checked.add(key)
            violations = run_axe(page, source)
            if violations:
                found[path] = violations
        if visit:
            visit(page, path)
        for link in same_origin_links(page, base):
            if link not in queued:
                queued.add(link)
                queue.append(link)
    if queue and visited >= limit:
        print(f"crawl: stopped after {limit} pages; not visited: {queue[:10]}")
    return found


def mail_only_paths(app, evaluation_token: str) -> dict[str, str]:
    """The paths that only a mail leads to, in the demo data: an external hearing party's answer page and a
    network evaluation form (a registered participant is given an evaluation link, as the mail after the
    meeting gives one)."""
    from datetime import timedelta

    from sqlalchemy import select

    from engine.mail import OutboxMail
    from web.extensions import db
    from workflows.directory import User, token_hash
    from workflows.network import RegionalMeeting, Round

    byplan = app.extensions["byplan"]
    with app.app_context():
        s = db.session
        mail = s.scalar(select(OutboxMail).where(OutboxMail.to_address == "kontakt@leverandoer.example",
                                                 OutboxMail.tag == "hearing.invite"))
        party = re.search(r"https?://[^/\s]+(/hoering/svar/\S+)", mail.body).group(1)
        contact = s.scalar(select(User).where(User.username == "kommune"))
        meeting = s.scalar(select(RegionalMeeting).join(Round).where(Round.status == "open")
                           .order_by(RegionalMeeting.day))
        reg = byplan.networks.register(s, contact, meeting.id, {"name": "Erik Evaluering",
                                                               "email": "erik@hjoerring.example",
                                                               "job_title": "Arkitekt"})
        reg.evaluation_token_hash = token_hash(evaluation_token)
        meeting.evaluation_deadline = meeting.day + timedelta(days=14)
        s.commit()
    return {"party": party, "evaluation": f"/netvaerk/evaluering/{evaluation_token}"}
