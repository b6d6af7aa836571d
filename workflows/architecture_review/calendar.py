"""The expiry dates of an owner's dispensations as an iCalendar file (through the one builder)."""
from __future__ import annotations

from datetime import timedelta

from ..calendar import CalendarEvent, build_calendar
from .models import Dispensation

PRODID = "-//Byplan//Dispensationer//DA"


def expiry_calendar(dispensations: list[tuple[Dispensation, str]], links, name: str) -> bytes:
    """One all-day event per dispensation (with the rule's code) on its expiry date."""
    return build_calendar(name, (
        CalendarEvent(uid=f"dispensation-{d.id}-expiry@byplan",
                      summary=f"Dispensation udløber: {code} ({d.review.project})",
                      start=d.expires_on, end=d.expires_on + timedelta(days=1), stamp=d.created_at,
                      url=links("review", review_id=d.review_id) if links is not None else None,
                      description=(d.conditions or "")[:500])
        for d, code in dispensations), prodid=PRODID)
