"""OParl 1.1's external lists (specification 2.5): filters by created/modified since/until, pages of
`limit` objects in a stable order, each page with `data`, `pagination` and `links` (first, prev, self, next,
last, with the filters kept); and the formats of OParl's dates (2.4)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Callable
from urllib.parse import urlencode

from ..dates import COPENHAGEN

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True)
class ListQuery:
    """An external list's filters and page (OParl 2.5): aware datetimes or None, page from 1."""

    created_since: datetime | None = None
    created_until: datetime | None = None
    modified_since: datetime | None = None
    modified_until: datetime | None = None
    limit: int = DEFAULT_LIMIT
    page: int = 1

    def keeps(self, created: datetime, modified: datetime) -> bool:
        return ((self.created_since is None or created >= self.created_since)
                and (self.created_until is None or created <= self.created_until)
                and (self.modified_since is None or modified >= self.modified_since)
                and (self.modified_until is None or modified <= self.modified_until))

    def params(self, page: int) -> dict[str, str]:
        """The canonical query string's parameters, sorted by name; page 1 and the default limit left out."""
        values = {"created_since": self.created_since, "created_until": self.created_until,
                  "limit": self.limit if self.limit != DEFAULT_LIMIT else None,
                  "modified_since": self.modified_since, "modified_until": self.modified_until,
                  "page": page if page > 1 else None}
        return {k: (stamp(v) if isinstance(v, datetime) else str(v)) for k, v in sorted(values.items())
                if v is not None}


def stamp(moment: datetime | None) -> str | None:
    """OParl's date-time: yyyy-mm-ddThh:mm:ss±hh:mm (Copenhagen time)."""
    return moment.astimezone(COPENHAGEN).replace(microsecond=0).isoformat() if moment is not None else None


def day(moment) -> str | None:
    if moment is None:
        return None
    return (moment.astimezone(COPENHAGEN).date() if isinstance(moment, datetime) else moment).isoformat()


def latest(*moments) -> datetime:
    return max(m for m in moments if m is not None)


def clean(obj: dict) -> dict:
    """OParl 2.4: no null, no empty string, no empty list for optional properties."""
    return {k: v for k, v in obj.items() if v is not None and v != "" and v != []}


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _filtered(keys: list, moments: dict, query: ListQuery) -> list:
    return [k for k in keys if query.keeps(*moments[k])]


def select_page(keys: list, moments: dict, query: ListQuery) -> list:
    """The keys on the query's page (after the filters), to build only those objects."""
    kept = _filtered(keys, moments, query)
    return kept[(query.page - 1) * query.limit:query.page * query.limit]


def page(url: str, rows: list[tuple[object, dict | None]], query: ListQuery,
         moments: dict | None = None, build: Callable[[object], dict] | None = None) -> dict:
    """One page of an external list: rows (key, object) in key order, filtered by their created/modified
    (from `moments`, else the object's own), then cut to the page; `build` makes the page's objects."""
    if moments is None:
        moments = {k: (parse(o["created"]), parse(o["modified"])) for k, o in rows}
    objects = dict(rows)
    kept = _filtered([k for k, _ in rows], moments, query)
    pages = max(1, ceil(len(kept) / query.limit))
    chosen = kept[(query.page - 1) * query.limit:query.page * query.limit]

    def link(number: int) -> str:
        params = query.params(number)
        return url + ("?" + urlencode(params) if params else "")

    links = {"first": link(1), "self": link(query.page), "last": link(pages)}
    if 1 < query.page <= pages:
        links["prev"] = link(query.page - 1)
    if query.page < pages:
        links["next"] = link(query.page + 1)
    return {"data": [objects[k] if objects[k] is not None else build(k) for k in chosen],
            "pagination": {"totalElements": len(kept), "elementsPerPage": query.limit,
                           "currentPage": query.page, "totalPages": pages},
            "links": links}
