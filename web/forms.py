"""Small helpers for reading HTML form input."""
from __future__ import annotations


def form_version(form) -> int | None:
    raw = form.get("version", "")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
