"""Numbers, dates and times in the UI language's own forms (Babel), one style everywhere.

Times without seconds ("10.00"), a date and time as the medium date with the short time
("1. dec. 2026 10.00"), decimals with the language's separator ("0,8 kB"). `register(app)` replaces
Flask-Babel's `datetimeformat` and `timeformat` filters and adds `decimal` and `filesize`.
"""
from __future__ import annotations

from datetime import datetime, time

from babel.dates import get_datetime_format
from flask_babel import format_date, format_decimal, format_time, get_locale

TIME_STYLE = "short"  # 10.00 / 10:00 AM: never seconds
DATE_STYLE = "medium"  # 1. dec. 2026 / Dec 1, 2026


def time_text(value: datetime | time | str | None) -> str:
    """A time of day without seconds; a datetime in the user's time zone, a time of day ("10:00") as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, time):
        from babel.dates import format_time as babel_time

        return babel_time(value, TIME_STYLE, locale=get_locale())
    return format_time(value, TIME_STYLE)


def datetime_text(value: datetime | None) -> str:
    """The date and the time without seconds, in the user's time zone, in the locale's order."""
    if value is None:
        return ""
    pattern = get_datetime_format(DATE_STYLE, locale=get_locale())
    return pattern.replace("{1}", format_date(value, DATE_STYLE)).replace("{0}", format_time(value, TIME_STYLE))


def decimal_text(value: float, digits: int = 1) -> str:
    """A number with at most `digits` decimals and the locale's decimal sign (0,8 in Danish)."""
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits) if digits else \
        format_decimal(round(value), format="#,##0")


def filesize_text(size: int) -> str:
    """A file size in kB (or MB from 1000 kB), with the locale's decimal sign: "0,8 kB"."""
    kb = size / 1024
    if kb >= 1000:
        return f"{decimal_text(kb / 1024)} MB"
    return f"{decimal_text(kb)} kB"


def date_parts(value) -> tuple[str, str, str]:
    """Day, month and year for a date field's three inputs, from the record's value (a date or ISO text) or,
    when the form is shown again after an error, from the parts as typed ("d.m.y", see join_date_parts)."""
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    if not isinstance(value, str) or not value:
        return "", "", ""
    if len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        year, month, day = value[:10].split("-")
        return day.lstrip("0") or day, month.lstrip("0") or month, year
    day, _, rest = value.partition(".")
    month, _, year = rest.partition(".")
    return day, month, year


def register(app) -> None:
    app.jinja_env.filters.update(datetimeformat=datetime_text, timeformat=time_text, decimal=decimal_text,
                                 filesize=filesize_text)
    app.jinja_env.globals["date_parts"] = date_parts
