"""Bad input over every HTML form, generically: the forms are collected (lxml) from every page a role
can open on the demo data — plus the role's task pages — and posted with mutated values:

- every field empty (missing input), wrong types in number/date/select fields;
- 1 MB in a text field: 413 (the form-memory limit) or 422, never stored;
- a NUL character: 400;
- each text field one character over the page's maxlength (10 001 characters where it sets none);
- numbers beyond a 32-bit INTEGER (2**31, 2**63) in number and select fields (record ids);
- the first and the last date Python knows (0001-01-01, 9999-12-31) in date fields;
- unicode (emoji, right-to-left, combining marks) and HTML/script in every text field;
- and, in a fresh copy of the database, every text field at its page's maxlength (at once, per form).

Never a 500, on SQLite and on PostgreSQL (which, unlike SQLite, refuses a string longer than its
VARCHAR column, an integer beyond its column's range and a NUL in text). Afterwards no page of the app
contains the script marker unescaped.
"""
from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from reliability_support import login, route_urls

MARKER = "xss7"
SCRIPT = f'<script>alert("{MARKER}")</script><img src=x onerror="{MARKER}()">'
UNESCAPED = re.compile(rf'<script>alert\("{MARKER}"\)|<img src=x onerror="{MARKER}', re.I)
UNICODE = "Æblegrød 🚀👩‍👩‍👧 עברית مرحبا e\u0301\u0301\u0301 \u202eRTL\u202c ﷽"
HUGE = "x" * (1024 * 1024)
LONG = 10_000  # the text fields' default limit (workflows/forms.py text): longer than any VARCHAR column
TEXT_TYPES = {"text", "email", "search", "url", "tel", "password", None}


def _pages(client, app) -> list[str]:
    urls = [url for route, url in sorted(route_urls(app).items())
            if route.startswith("GET ") and not route.startswith("GET /api/") and "static" not in route
            and not route.endswith((".ics", ".csv", ".atom", ".bpmn", ".json")) and "dokumenter" not in route
            and "/filer/" not in route]
    inbox = client.get("/opgaver")
    if inbox.status_code == 200:  # the role's own task pages: the task forms
        urls += sorted(set(re.findall(r'href="(/opgaver/[0-9a-f-]{36})"', inbox.get_data(as_text=True))))
    cases = client.get("/sager")
    if cases.status_code == 200:  # and the role's case pages, where completed forms show their values
        urls += sorted(set(re.findall(r'href="(/sager/\d+)"', cases.get_data(as_text=True))))
    return urls


def _forms(client, urls):
    """(page url, method, action, fields, has_file) of every form on the pages, each action once."""
    seen, forms = set(), []
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        doc = lxml.html.fromstring(response.data)
        for form in doc.forms:
            action = urljoin(url, form.get("action") or url)
            method = (form.get("method") or "get").lower()
            if urlsplit(action).path in ("/logout",) or (method, urlsplit(action).path) in seen:
                continue
            seen.add((method, urlsplit(action).path))
            fields = []
            for el in form.xpath(".//input[@name] | .//textarea[@name] | .//select[@name]"):
                kind = el.get("type", "").lower() if el.tag == "input" else el.tag
                if kind in ("submit", "button", "reset", "image", "file"):
                    continue
                if el.tag == "select":
                    options = el.xpath(".//option/@value")
                    value = options[-1] if options else ""
                elif kind in ("checkbox", "radio"):
                    value = el.get("value", "on")
                else:
                    value = el.get("value") or el.text or ""
                maxlength = el.get("maxlength")
                fields.append((el.get("name"), kind or "text", value, int(maxlength) if maxlength else None))
            fields = _date_fields(form, fields)
            has_file = bool(form.xpath(".//input[@type='file']"))
            forms.append((url, method, urlsplit(action).path + (f"?{urlsplit(action).query}" if urlsplit(action).query
                                                                 else ""), fields, has_file,
                          form.xpath(".//input[@type='file']/@name")))
    return forms


DATE_PARTS = ("day", "month", "year")


def _date_fields(form, fields):
    """The DKFDS date fields (<name>-day, -month, -year in the fieldset f-<name>) as one date field <name>
    (ISO text, as the server joins them; `_parts` splits it again for the post)."""
    parts: dict[str, dict[str, str]] = {}
    for name, kind, value, _ in fields:
        base, _, part = name.rpartition("-")
        if base and part in DATE_PARTS and form.xpath(f".//fieldset[@id='f-{base}']"):
            parts.setdefault(base, {})[part] = value
    dates = {base for base, found in parts.items() if set(found) == set(DATE_PARTS)}
    out = []
    for name, kind, value, maxlength in fields:
        base, _, part = name.rpartition("-")
        if base not in dates or part not in DATE_PARTS:
            out.append((name, kind, value, maxlength))
        elif part == "day":  # the date in the place of its first part
            day, month, year = (parts[base][p] for p in DATE_PARTS)
            value = f"{year}-{int(month):02d}-{int(day):02d}" if day.isdigit() and month.isdigit() and year else ""
            out.append((base, "date-parts", value, None))
    return out


def _parts(fields, data: dict) -> dict:
    """The data with each DKFDS date field posted as its three inputs, as the browser sends it: an ISO date
    split into day, month and year, anything else typed into the day."""
    dates = {name for name, kind, *_ in fields if kind == "date-parts"}
    out = {}
    for name, value in data.items():
        if name not in dates:
            out[name] = value
            continue
        match = re.fullmatch(r"(\d+)-(\d+)-(\d+)", value or "")
        year, month, day = match.groups() if match else ("", "", value or "")
        out.update({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})
    return out


def _is_text(kind: str) -> bool:
    return kind in TEXT_TYPES or kind == "textarea"


def _variants(fields):
    """(name, data, expected statuses or None for 'anything but a 5xx') per mutation."""
    base = {name: value for name, kind, value, _ in fields}
    keep = {name for name, kind, *_ in fields if kind == "hidden"}  # the version and ids the page sends
    texts = [name for name, kind, *_ in fields if _is_text(kind)]
    typed = [name for name, kind, *_ in fields if kind in ("number", "date", "date-parts", "time", "datetime-local",
                                                              "select")]
    numbers = [name for name, kind, *_ in fields if kind in ("number", "select")]
    dates = [name for name, kind, *_ in fields if kind in ("date", "date-parts")]
    if texts:  # refused mutations first: an accepted one may complete a task (later posts: 409)
        yield "nul", {**base, texts[0]: "a\x00b"}, {400}
        yield "huge", {**base, texts[0]: HUGE}, {413, 422}
        for name, kind, _, maxlength in fields:  # one character over the page's limit (or a long text)
            if _is_text(kind):
                yield f"over the limit of {name}", {**base, name: _long(kind, (maxlength or LONG) + 1)}, None
    yield "empty", {n: (v if n in keep else "") for n, v in base.items()}, None
    if typed:
        yield "wrong types", {**base, **{n: v for n, v in zip(typed, ["abc", "-1", "9" * 30, "2024-02-30",
                                                                       "25:61", "0x10"] * 5)}}, None
    if numbers:  # beyond a 32-bit INTEGER column (PostgreSQL refuses it; SQLite stores it)
        yield "big numbers", {**base, **{n: str(2**31) for n in numbers}}, None
        yield "huge numbers", {**base, **{n: str(2**63) for n in numbers}}, None
    if dates:  # dates at the ends of what Python can compute with (a deadline minus a week, a day plus a year)
        yield "first dates", {**base, **{n: "0001-01-01" for n in dates}}, None
        yield "last dates", {**base, **{n: "9999-12-31" for n in dates}}, None
    if texts:
        yield "unicode", {**base, **{n: UNICODE for n in texts}}, None
        yield "script", {**base, **{n: SCRIPT for n in texts}}, None


def _long(kind: str, length: int, tag: str = "") -> str:
    """A valid value of the kind, `length` characters long, made of characters a user name allows."""
    if kind == "email":
        return (tag + "a" * length)[:length - len("@example.org")] + "@example.org"
    return (tag + "langt_ord-" * (length // 10 + 1))[:length - 1] + "x"


def _longest(fields, tag: str) -> dict[str, str]:
    """Every text field as long as the page lets it be (LONG where the page sets no limit); `tag` keeps
    names unique. What the page leaves empty and is no text gets a plain valid value: dates far ahead
    (later fields earlier: a deadline before its meeting), HH:MM in the short fields of a time."""
    values, day = {}, 28
    for name, kind, value, maxlength in fields:
        if _is_text(kind) and (maxlength or LONG) <= 5:
            value = value or "10:00"
        elif _is_text(kind):
            value = _long(kind, maxlength or LONG, tag)
        elif kind in ("date", "date-parts") and not value:
            value, day = f"2099-06-{day:02d}", day - 7
        values[name] = value
    return values


def _post(client, method, action, data, files):
    if method == "get":
        return client.get(action, query_string=data)
    if files:
        data = {**data, **{name: (io.BytesIO(b"Et notat."), "notat.txt") for name in files}}
        return client.post(action, data=data, content_type="multipart/form-data")
    return client.post(action, data=data)


@pytest.mark.parametrize("role", ["anonymous", "admin", "secretary", "lead", "contact", "chair"])
def test_bad_input_in_every_form(fresh_demo_db, role):
    demo_app = fresh_demo_db()
    client = login(demo_app.test_client(), role)
    pages = _pages(client, demo_app)
    forms = _forms(client, pages)
    assert forms, "no forms found"
    problems = []
    for page, method, action, fields, has_file, file_names in forms:
        if action.startswith("/login") and role != "anonymous":
            continue
        for kind, data, expected in _variants(fields):
            response = _post(client, method, action, _parts(fields, data), file_names)
            status = response.status_code
            if method == "get" and kind == "huge":
                expected = None  # a filter or search: a long query finds nothing (servers cap the URL anyway)
            if status >= 500 or (expected is not None and status not in expected):
                problems.append(f"{method.upper()} {action} ({kind}): {status}")
            if method == "post" and kind == "script" and status in (200, 422):
                if UNESCAPED.search(response.get_data(as_text=True)):
                    problems.append(f"{action}: the re-rendered form shows the script unescaped")
    # the script marker, wherever it was stored, is shown escaped on every page
    for url in _pages(client, demo_app):
        response = client.get(url)
        if response.mimetype == "text/html" and UNESCAPED.search(response.get_data(as_text=True)):
            problems.append(f"{url}: the script is shown unescaped")
    # the longest text every field accepts, in a fresh copy of the database (the same ids, the tasks not
    # yet completed by the mutations above): stored, or refused by a domain rule, never a 500 (on
    # PostgreSQL: a form limit above its column's VARCHAR length)
    fresh = login(fresh_demo_db().test_client(), role)
    for number, (page, method, action, fields, has_file, file_names) in enumerate(forms):
        if method == "post" and not action.startswith("/login"):
            status = _post(fresh, method, action, _parts(fields, _longest(fields, f"{number}-")),
                           file_names).status_code
            if status >= 500:
                problems.append(f"POST {action} (longest values): {status}")
    if role == "anonymous":
        assert any(a.startswith("/soeg") for _, _, a, *_ in forms)
    assert problems == [], "\n".join(problems)
