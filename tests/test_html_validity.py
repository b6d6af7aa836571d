"""Valid HTML: the Nu HTML Checker (npm vnu-jar, pinned in package-lock.json; run with the system's Java) over
the pages the accessibility crawl visits, anonymously and as each role of the demo.

The pages are fetched with the Flask test client (no browser): the same start pages, the same bounds (two pages
of each kind, at most 60 per role) and the same skipped paths as tests/a11y_support.py's crawl. All pages go to
one checker run (one JVM); each role's test fails on any error in a page that role saw."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
import pytest

from a11y_support import ROLES, SKIP, mail_only_paths, pattern
from support import make_app

ROOT = Path(__file__).resolve().parents[1]
VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
EVALUATION_TOKEN = "html-evaluation-token"
CSRF = re.compile(r'(name="csrf_token" value=")[^"]*"')


def run_vnu(files: list[Path]) -> list[dict]:
    """The checker's messages for the files (one JVM for all of them)."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.fail("java or node_modules/vnu-jar missing: run `make install` and `make check-java` "
                    "(Debian: apt-get install default-jre-headless)")
    result = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--stdout", *map(str, files)],
                            capture_output=True, text=True, timeout=900)
    messages = json.loads(result.stdout)["messages"]
    assert result.returncode == 0 or messages, result.stderr
    return messages


def errors(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


class Crawler:
    """Breadth-first over same-origin links, as a11y_support.crawl does in the browser."""

    def __init__(self, client, per_kind: int = 2, limit: int = 60):
        self.client, self.per_kind, self.limit = client, per_kind, limit

    def links(self, path: str, html: str) -> list[str]:
        found = []
        for href in lxml.html.fromstring(html).xpath("//a/@href"):
            url = urlsplit(urldefrag(urljoin("http://localhost" + path, href))[0])
            if url.scheme not in ("http", "https") or url.hostname not in ("localhost", "127.0.0.1"):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if not SKIP.search(url.path):
                found.append(link)
        return found

    def crawl(self, start: list[str]) -> dict[str, str]:
        kinds: Counter = Counter()
        queue, queued, pages = list(start), set(start), {}
        while queue and len(pages) < self.limit:
            path = queue.pop(0)
            if kinds[pattern(path)] >= self.per_kind and path not in start:
                continue
            kinds[pattern(path)] += 1
            response = self.client.get(path, follow_redirects=True)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            if response.mimetype != "text/html":
                continue
            landed = response.request.path + (f"?{response.request.query_string.decode()}"
                                              if response.request.query_string else "")
            queued.add(landed)
            html = response.get_data(as_text=True)
            pages[path] = html
            for link in self.links(landed, html):
                if link not in queued:
                    queued.add(link)
                    queue.append(link)
        return pages


def log_in(client, username: str, password: str):
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    assert response.status_code in (302, 303), response.status_code


@pytest.fixture(scope="module")
def checked(sqlite_template, tmp_path_factory) -> dict:
    """Every page of the crawl, per role ("public" for no login), and the checker's errors per page."""
    from web.extensions import db
    from workflows.demo import DEMO_PASSWORD, load_demo

    folder = tmp_path_factory.mktemp("html")
    target = folder / "byplan.sqlite"
    shutil.copyfile(sqlite_template, target)
    app = make_app(f"sqlite:///{target}", WTF_CSRF_ENABLED=True)
    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
    mail = mail_only_paths(app, EVALUATION_TOKEN)
    crawls = {"public": Crawler(app.test_client()).crawl(["/", "/login", mail["party"], mail["evaluation"],
                                                          "/regler/ar-2-1/forskel"])}
    for role, username in ROLES.items():
        client = app.test_client()
        log_in(client, username, DEMO_PASSWORD)
        crawls[role] = Crawler(client).crawl(["/", "/soeg?q=brugerstyring"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    files: dict[str, Path] = {}  # the same page seen by several roles is checked once
    where: dict[tuple[str, str], str] = {}
    for role, pages in crawls.items():
        for path, html in pages.items():
            digest = hashlib.sha256(CSRF.sub(r'\1"', html).encode()).hexdigest()[:16]
            if digest not in files:
                files[digest] = folder / f"{digest}.html"
                files[digest].write_text(html, "utf-8")
            where[(role, path)] = digest
    by_file: dict[str, list[dict]] = {}
    for message in errors(run_vnu(list(files.values()))):
        by_file.setdefault(Path(urlsplit(message.get("url", "")).path).stem, []).append(message)
    found = {key: by_file.get(digest, []) for key, digest in where.items()}
    total = sum(len(v) for v in by_file.values())
    kinds = Counter(re.sub(r"“[^”]*”", "…", m["message"]) for v in by_file.values() for m in v)
    print(f"\nNu HTML Checker: {total} errors in {len(by_file)} of {len(files)} distinct pages "
          f"({len(where)} pages over {len(crawls)} crawls)" + "".join(f"\n  {n} × {k}" for k, n in kinds.items()))
    return {"crawls": crawls, "found": found}


def report(found: dict[tuple[str, str], list[dict]], role: str) -> str:
    lines = []
    for (who, path), messages in found.items():
        if who != role:
            continue
        for m in messages:
            lines.append(f"{path}:{m.get('lastLine', '?')}: {m['message']}  [{m.get('extract', '').strip()[:120]}]")
    return "\n".join(lines)


@pytest.mark.parametrize("role", ["public", *ROLES])
def test_pages_are_valid_html(role, checked):
    pages = checked["crawls"][role]
    assert len(pages) >= 3, sorted(pages)
    text = report(checked["found"], role)
    assert not text, f"the Nu HTML Checker found errors on pages seen as {role}:\n{text}"


def test_the_checker_reports_errors(tmp_path):
    """The check itself works: today's faults (a duplicate id, a time with microseconds) fail it."""
    page = tmp_path / "faulty.html"
    page.write_text('<!DOCTYPE html><html lang="da"><head><title>x</title></head><body>'
                    '<h2 id="h-password">x</h2><p id="h-password">y</p>'
                    '<time datetime="2026-12-01T19:27:34.780976+00:00">z</time></body></html>', "utf-8")
    messages = [m["message"] for m in errors(run_vnu([page]))]
    assert any("Duplicate ID" in m for m in messages), messages
    assert any("datetime" in m for m in messages), messages
