"""A timeline entry (workflows.timeline) as a translated sentence, for the templates."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from workflows.timeline import TimelineEntry


def sentence(entry: TimelineEntry) -> Markup:
    """The entry's sentence in the UI language; BPMN names marked as Danish (WCAG 3.1.2) on an English page."""
    from flask_babel import get_locale

    danish_page = str(get_locale() or "da") == "da"
    params = {}
    for key, value in entry.params.items():
        if key == "actor" and not value:
            value = _("The system")
        if key in entry.danish and not danish_page:
            params[key] = Markup('<span lang="da">%s</span>') % value
        else:
            params[key] = escape(value)
    return Markup(_(entry.text)) % params if params else Markup(escape(_(entry.text)))
