"""The council's open data as OParl 1.1 under /oparl/v1.1 (entry point: /oparl/v1.1/system), read-only and
public: no token, no session, JSON with `Access-Control-Allow-Origin: *`, cacheable like the public pages.

A separate API from /api/v1 (its own standard, its own URL space, not in the OpenAPI document). Each view
parses its query, asks workflows/council/oparl.py (which decides what is public) and dumps the answer;
errors are OParl error objects (type https://schema.oparl.org/1.1/Error, message, debug).
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, request
from flask_babel import force_locale, gettext

from engine import NotFound
from workflows.council.oparl import DEFAULT_LIMIT, LISTS, MAX_LIMIT, SCHEMA, ListQuery, OParl

from ..extensions import byplan_service, db

bp = Blueprint("oparl", __name__, url_prefix="/oparl/v1.1")
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")


class BadQuery(Exception):
    pass


def _json(obj: dict, status: int = 200) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json")


def _error(status: int, message: str, debug: str = "") -> Response:
    return _json({"type": SCHEMA + "Error", "message": message, "debug": debug}, status)


def _answer(build):
    """Run a read in Danish (OParl's content language here) and answer it as JSON (404 as an OParl error)."""
    try:
        with force_locale("da"):
            return _json(build(OParl(byplan_service().council, gettext)))
    except NotFound as exc:
        return _error(404, "Findes ikke, eller er ikke offentligt.", str(exc))
    except BadQuery as exc:
        return _error(400, "Ugyldig forespørgsel.", str(exc))


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))  # a '+' not URL-encoded arrives as ' '
    except ValueError:
        raise BadQuery(f"{name}: a date-time (yyyy-mm-ddThh:mm:ss±hh:mm) is expected") from None
    if moment.tzinfo is None:
        raise BadQuery(f"{name}: the date-time needs its time zone (±hh:mm)")
    return moment


def _number(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadQuery(f"{name}: a whole number from 1 is expected")
    return min(int(raw), maximum)


def _query() -> ListQuery:
    return ListQuery(**{name: _moment(name) for name in FILTERS},
                     limit=_number("limit", DEFAULT_LIMIT, MAX_LIMIT), page=_number("page", 1, 10**9))


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"  # OParl 2.6: every answer may be read by any site
    return response


@bp.get("/system")
def system():
    return _answer(lambda o: o.system(db.session))


@bp.get("/body")
def bodies():
    return _answer(lambda o: o.bodies(db.session, _query()))


@bp.get("/body/raadet")
def body():
    return _answer(lambda o: o.body(db.session))


@bp.get("/body/raadet/<any(" + ", ".join(LISTS) + "):oparl_list>")
def listing(oparl_list: str):
    return _answer(lambda o: o.listing(db.session, oparl_list, _query()))


@bp.get("/organization/<oparl_organization>")
def organization(oparl_organization: str):
    return _answer(lambda o: o.organization(db.session, oparl_organization))


@bp.get("/person/<id:oparl_member_id>")
def person(oparl_member_id: int):
    return _answer(lambda o: o.person(db.session, oparl_member_id))


@bp.get("/membership/<id:oparl_member_id>")
def membership(oparl_member_id: int):
    return _answer(lambda o: o.membership(db.session, oparl_member_id))


@bp.get("/meeting/<id:oparl_meeting_id>")
def meeting(oparl_meeting_id: int):
    return _answer(lambda o: o.meeting(db.session, oparl_meeting_id))


@bp.get("/location/<id:oparl_meeting_id>")
def location(oparl_meeting_id: int):
    return _answer(lambda o: o.location(db.session, oparl_meeting_id))


@bp.get("/agendaItem/<id:oparl_item_id>")
def agenda_item(oparl_item_id: int):
    return _answer(lambda o: o.agenda_item(db.session, oparl_item_id))


@bp.get("/consultation/<id:oparl_item_id>")
def consultation(oparl_item_id: int):
    return _answer(lambda o: o.consultation(db.session, oparl_item_id))


@bp.get("/paper/<id:oparl_paper_id>")
def paper(oparl_paper_id: int):
    return _answer(lambda o: o.paper(db.session, oparl_paper_id))


@bp.get("/file/<id:oparl_file_id>")
def file(oparl_file_id: int):
    return _answer(lambda o: o.file(db.session, oparl_file_id))


def _content(file_id: int, disposition: str) -> Response:
    from ..cases import attachment_header

    try:
        _, version, content = OParl(byplan_service().council).file_content(db.session, file_id)
    except NotFound as exc:
        return _error(404, "Findes ikke, eller er ikke offentligt.", str(exc))
    response = Response(content, mimetype=version.content_type)
    # OParl 2.7: the access URL is never an attachment, the download URL always one (with the file's name)
    response.headers["Content-Disposition"] = attachment_header(version.filename).replace("attachment", disposition, 1)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/file/<id:oparl_file_id>/access")
def file_access(oparl_file_id: int):
    return _content(oparl_file_id, "inline")


@bp.get("/file/<id:oparl_file_id>/download")
def file_download(oparl_file_id: int):
    return _content(oparl_file_id, "attachment")


@bp.get("/")
@bp.get("/<path:oparl_unknown>")
def unknown(oparl_unknown: str = ""):
    """Any other address under /oparl/v1.1 (an unknown list, an id that is not a number): an OParl 404."""
    return _error(404, "Findes ikke, eller er ikke offentligt.", f"no OParl object at /{oparl_unknown}")
