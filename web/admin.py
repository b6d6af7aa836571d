"""Administration (/admin): users and roles, municipalities, working groups, networks, council members and
API tokens. Each view parses the form, calls one service of workflows.admin (which decides who may),
and renders or redirects; changes run in one unit of work (web.forms)."""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from workflows import admin as admin_domain
from workflows.admin import ORIGINAL_FIELD, VERSION_FIELD, AdminError, fields_for
from workflows.directory import ROLE_LABELS, Municipality, WorkingGroup
from workflows.errors import StaleRecord
from workflows.forms import FormInvalid
from workflows.network import Network

from .errors import stale_message
from .extensions import byplan_service
from .extensions import db, login_manager
from .forms import attempt, unit_of_work

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _logged_in():
    """Anonymous visitors are asked to log in; who may do what is the services' decision (Forbidden → 403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _service() -> admin_domain.Admin:
    return byplan_service().admin


def _raw(specs, *, stamped: bool = False) -> dict:
    """The posted values of a form's fields (checkbox groups as lists); with `stamped`, the hidden version
    fields of an edit form too."""
    raw = {s.name: request.form.getlist(s.name) if s.widget == "checkboxes" else request.form.get(s.name, "")
           for s in specs}
    if stamped:
        for name in (VERSION_FIELD, ORIGINAL_FIELD):
            if name in request.form:
                raw[name] = request.form[name]
    return raw


def _act(action, *, anchor: str, success: str, rerender, redirect_to: str):
    """attempt() the action; an edit read from an older version of the record is shown again with the
    user's input, the message naming what changed, and the record's current version (409)."""
    try:
        return attempt(action, anchor=anchor, success=success, domain_errors=(AdminError,),
                       rerender=lambda errors, form, status: rerender(errors, status), redirect_to=redirect_to)
    except StaleRecord as exc:  # the unit of work has rolled back
        # Messages in the error lists pass through the templates' gettext, which marks them safe and formats
        # them with %: the message (it holds the record's name) goes in escaped, with % doubled.
        return rerender({anchor: {"_": [str(escape(stale_message(exc))).replace("%", "%%")]}}, 409)


def _form_page(title: str, specs, values: dict, errors: dict, submit: str, back: str, status: int = 200,
               stamp: dict | None = None):
    return render_template("admin/form.html", title=title, fields=specs, values=values, errors=errors,
                           submit=submit, back=back, stamp=stamp), status


@bp.get("")
def index():
    _service().overview(db.session, current_user)
    return render_template("admin/index.html")


# ------------------------------------------------------------------ users

def _user_create_fields():
    return fields_for(admin_domain.UserCreateForm,
                      {"municipality_id": _service().municipality_choices(db.session, current_user)},
                      order=admin_domain.USER_CREATE_ORDER)


def _user_edit_fields():
    return fields_for(admin_domain.UserEditForm,
                      {"municipality_id": _service().municipality_choices(db.session, current_user)})


@bp.get("/brugere")
def users():
    q = request.args.get("q", "")[:200]
    role = request.args.get("role", "")
    page = request.args.get("side", 1, type=int) or 1
    result = _service().users(db.session, current_user, q=q, role=role, page=page)
    return render_template("admin/users.html", result=result, q=q, role=role, role_labels=ROLE_LABELS)


@bp.route("/brugere/ny", methods=["GET", "POST"])
def new_user():
    specs = _user_create_fields()
    if request.method == "GET":
        return _form_page(_("New user"), specs, {"roles": []}, {}, _("Create the user"), url_for(".users"))
    raw = _raw(specs)
    return _act(lambda: _service().create_user(db.session, current_user, raw), anchor="brugere",
                success=_("The user is created."), redirect_to=url_for(".users"),
                rerender=lambda errors, status: _form_page(_("New user"), specs, raw, errors["brugere"],
                                                           _("Create the user"), url_for(".users"), status))


def _user_page(user_id: int, errors: dict | None = None, status: int = 200):
    user = _service().get_user(db.session, current_user, user_id)
    fields = _user_edit_fields()
    values = {"name": user.name, "email": user.email, "roles": sorted(r.role for r in user.role_rows),
              "municipality_id": str(user.municipality_id or "")}
    if errors and "bruger" in errors:
        values = _raw(fields)
    return render_template("admin/user.html", user=user, fields=fields, values=values,
                           stamp=_service().stamp(user), password_fields=fields_for(admin_domain.PasswordForm),
                           errors=errors or {}, role_labels=ROLE_LABELS), status


@bp.get("/brugere/<id:user_id>")
def user(user_id: int):
    return _user_page(user_id)


def _user_action(user_id: int, anchor: str, action, success: str):
    return _act(action, anchor=anchor, success=success, redirect_to=url_for(".user", user_id=user_id),
                rerender=lambda errors, status: _user_page(user_id, errors, status))


@bp.post("/brugere/<id:user_id>")
def edit_user(user_id: int):
    raw = _raw(_user_edit_fields(), stamped=True)
    return _user_action(user_id, "bruger", lambda: _service().edit_user(db.session, current_user, user_id, raw),
                        _("The user is saved."))


@bp.post("/brugere/<id:user_id>/aktiv")
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    return _user_action(user_id, "status",
                        lambda: _service().set_active(db.session, current_user, user_id, active),
                        _("The user is reactivated.") if active else _("The user is deactivated."))


@bp.post("/brugere/<id:user_id>/adgangskode")
def reset_password(user_id: int):
    raw = {"password": request.form.get("password", "")}
    return _user_action(user_id, "adgangskode",
                        lambda: _service().reset_password(db.session, current_user, user_id, raw),
                        _("The password is changed."))


@bp.get("/roller")
def roles():
    return render_template("admin/roles.html", roles=_service().roles_overview(db.session, current_user))


# --------------------------------------------------------- municipalities

def _municipality_fields():
    return fields_for(admin_domain.MunicipalityForm)


@bp.get("/kommuner")
def municipalities():
    return render_template("admin/municipalities.html",
                           rows=_service().municipalities(db.session, current_user))


def _save_page(kind: str, title: str, submit: str, back: str, specs, initial: dict, save, record=None):
    """A one-form page that creates (record None) or edits `record` with `save(raw)`."""
    if request.method == "GET":
        stamp = _service().stamp(record) if record is not None else None
        return _form_page(title, specs, initial, {}, submit, back, stamp=stamp)
    raw = _raw(specs, stamped=record is not None)

    def rerender(errors, status):
        if record is not None:
            db.session.refresh(record)  # the current version, after the rollback
        return _form_page(title, specs, raw, errors[kind], submit, back, status,
                          stamp=_service().stamp(record) if record is not None else None)

    return _act(lambda: save(raw), anchor=kind, success=_("Saved."), redirect_to=back, rerender=rerender)


@bp.route("/kommuner/ny", methods=["GET", "POST"])
def new_municipality():
    return _save_page("kommuner", _("New municipality"), _("Create the municipality"), url_for(".municipalities"),
                      _municipality_fields(), _service().initial(db.session, current_user, Municipality),
                      lambda raw: _service().save_municipality(db.session, current_user, None, raw))


@bp.route("/kommuner/<id:municipality_id>", methods=["GET", "POST"])
def municipality(municipality_id: int):
    muni = _service().get_municipality(db.session, current_user, municipality_id)
    initial = {"name": muni.name, "code": muni.code, "region": muni.region, "email": muni.email or ""}
    return _save_page("kommuner", muni.name, _("Save"), url_for(".municipalities"), _municipality_fields(),
                      initial,
                      lambda raw: _service().save_municipality(db.session, current_user, municipality_id, raw),
                      record=muni)


# --------------------------------------------------------- working groups

@bp.get("/arbejdsgrupper")
def groups():
    return render_template("admin/groups.html", rows=_service().groups(db.session, current_user))


@bp.route("/arbejdsgrupper/ny", methods=["GET", "POST"])
def new_group():
    return _save_page("arbejdsgrupper", _("New working group"), _("Create the working group"), url_for(".groups"),
                      fields_for(admin_domain.GroupForm), _service().initial(db.session, current_user, WorkingGroup),
                      lambda raw: _service().save_group(db.session, current_user, None, raw))


def _group_page(group_id: int, errors: dict | None = None, status: int = 200):
    group = _service().get_group(db.session, current_user, group_id)
    members = _service().group_members(db.session, current_user, group.id)
    group_fields = fields_for(admin_domain.GroupForm)
    member_fields = fields_for(admin_domain.MemberForm, {"user_id": _service().user_choices(
        db.session, current_user, exclude={m.user.id for m in members})})
    errors = errors or {}
    values = {"name": group.name, "description": group.description}
    if "gruppe" in errors:
        values = _raw(group_fields)
    return render_template("admin/group.html", group=group, members=members, group_fields=group_fields,
                           member_fields=member_fields, values=values, stamp=_service().stamp(group),
                           member_values=_raw(member_fields) if "medlemmer" in errors else {},
                           errors=errors), status


def _group_action(group_id: int, anchor: str, action, success: str):
    return _act(action, anchor=anchor, success=success, redirect_to=url_for(".group", group_id=group_id),
                rerender=lambda errors, status: _group_page(group_id, errors, status))


@bp.route("/arbejdsgrupper/<id:group_id>", methods=["GET", "POST"])
def group(group_id: int):
    if request.method == "GET":
        return _group_page(group_id)
    raw = _raw(fields_for(admin_domain.GroupForm), stamped=True)
    return _group_action(group_id, "gruppe", lambda: _service().save_group(db.session, current_user, group_id, raw),
                         _("Saved."))


@bp.post("/arbejdsgrupper/<id:group_id>/medlemmer")
def add_group_member(group_id: int):
    raw = _raw(fields_for(admin_domain.MemberForm))
    return _group_action(group_id, "medlemmer",
                         lambda: _service().add_group_member(db.session, current_user, group_id, raw),
                         _("The member is added."))


@bp.post("/arbejdsgrupper/<id:group_id>/medlemmer/<id:user_id>/fjern")
def remove_group_member(group_id: int, user_id: int):
    return _group_action(group_id, "medlemmer",
                         lambda: _service().remove_group_member(db.session, current_user, group_id, user_id),
                         _("The member is removed."))


@bp.post("/arbejdsgrupper/<id:group_id>/medlemmer/<id:user_id>/leder")
def set_group_lead(group_id: int, user_id: int):
    return _group_action(group_id, "medlemmer",
                         lambda: _service().set_group_lead(db.session, current_user, group_id, user_id),
                         _("The lead is changed."))


# ---------------------------------------------------------------- networks

@bp.get("/netvaerk")
def networks():
    return render_template("admin/networks.html", rows=_service().networks(db.session, current_user))


@bp.route("/netvaerk/ny", methods=["GET", "POST"])
def new_network():
    return _save_page("netvaerk", _("New network"), _("Create the network"), url_for(".networks"),
                      fields_for(admin_domain.NetworkForm), _service().initial(db.session, current_user, Network),
                      lambda raw: _service().save_network(db.session, current_user, None, raw))


def _network_page(network_id: int, errors: dict | None = None, status: int = 200):
    net = _service().get_network(db.session, current_user, network_id)
    members = _service().network_members(db.session, current_user, net.id)
    taken = {m.municipality_id for m in members}
    network_fields = fields_for(admin_domain.NetworkForm)
    member_fields = fields_for(admin_domain.NetworkMemberForm, {"municipality_id": [
        c for c in _service().municipality_choices(db.session, current_user, blank=False) if int(c[0]) not in taken]},
        order=["municipality_id", "seats_per_meeting"])
    errors = errors or {}
    values = {"name": net.name, "description": net.description}
    if "netvaerk" in errors:
        values = _raw(network_fields)
    member_values = _raw(member_fields) if "medlemmer" in errors else {"seats_per_meeting": "2"}
    return render_template("admin/network.html", net=net, members=members, network_fields=network_fields,
                           member_fields=member_fields, values=values, member_values=member_values,
                           stamp=_service().stamp(net), stamps={m.id: _service().stamp(m) for m in members},
                           errors=errors, form=dict(request.form)), status


def _network_action(network_id: int, anchor: str, action, success: str):
    return _act(action, anchor=anchor, success=success, redirect_to=url_for(".network", network_id=network_id),
                rerender=lambda errors, status: _network_page(network_id, errors, status))


@bp.route("/netvaerk/<id:network_id>", methods=["GET", "POST"])
def network(network_id: int):
    if request.method == "GET":
        return _network_page(network_id)
    raw = _raw(fields_for(admin_domain.NetworkForm), stamped=True)
    return _network_action(network_id, "netvaerk",
                           lambda: _service().save_network(db.session, current_user, network_id, raw), _("Saved."))


@bp.post("/netvaerk/<id:network_id>/medlemmer")
def add_network_member(network_id: int):
    raw = _raw(fields_for(admin_domain.NetworkMemberForm))
    return _network_action(network_id, "medlemmer",
                           lambda: _service().add_network_member(db.session, current_user, network_id, raw),
                           _("The municipality is added."))


@bp.post("/netvaerk/<id:network_id>/medlemmer/<id:membership_id>/pladser")
def change_seats(network_id: int, membership_id: int):
    raw = _raw(fields_for(admin_domain.SeatsForm), stamped=True)
    return _network_action(network_id, f"medlem-{membership_id}",
                           lambda: _service().change_seats(db.session, current_user, network_id, membership_id, raw),
                           _("The seats are changed."))


@bp.post("/netvaerk/<id:network_id>/medlemmer/<id:membership_id>/fjern")
def remove_network_member(network_id: int, membership_id: int):
    return _network_action(network_id, f"medlem-{membership_id}",
                           lambda: _service().remove_network_member(db.session, current_user, network_id,
                                                                    membership_id),
                           _("The municipality is removed from the network."))


# ----------------------------------------------------------------- council

def _council_fields():
    return fields_for(admin_domain.CouncilMemberForm,
                      {"user_id": _service().council_candidates(db.session, current_user)},
                      order=["user_id", "term_start", "term_end", "organisation", "is_chair"])


def _council_page(errors: dict | None = None, status: int = 200):
    specs = _council_fields()
    values = _raw(specs) if errors else {"term_start": admin_domain.today().isoformat()}
    return render_template("admin/council.html", rows=_service().council_members(db.session, current_user),
                           fields=specs, values=values, errors=errors or {},
                           today=admin_domain.today()), status


@bp.route("/raad", methods=["GET", "POST"])
def council():
    if request.method == "GET":
        return _council_page()
    raw = _raw(_council_fields())
    return _act(lambda: _service().register_council_member(db.session, current_user, raw), anchor="ny",
                success=_("The council member is registered."), redirect_to=url_for(".council"),
                rerender=lambda errors, status: _council_page(errors, status))


def _member_page(member_id: int, errors: dict | None = None, status: int = 200):
    member = _service().get_council_member(db.session, current_user, member_id)
    specs = fields_for(admin_domain.TermForm)
    errors = errors or {}
    values = {"term_start": member.term_start.isoformat(),
              "term_end": member.term_end.isoformat() if member.term_end else "",
              "organisation": member.organisation, "is_chair": member.is_chair}
    if "periode" in errors:
        values = _raw(specs)
    end_fields = fields_for(admin_domain.EndTermForm)
    end_values = _raw(end_fields) if "afslut" in errors else {"last_day": admin_domain.today().isoformat()}
    return render_template("admin/council_member.html", member=member, fields=specs, values=values,
                           stamp=_service().stamp(member), end_fields=end_fields, end_values=end_values,
                           errors=errors), status


def _member_action(member_id: int, anchor: str, action, success: str):
    return _act(action, anchor=anchor, success=success, redirect_to=url_for(".council_member", member_id=member_id),
                rerender=lambda errors, status: _member_page(member_id, errors, status))


@bp.route("/raad/<id:member_id>", methods=["GET", "POST"])
def council_member(member_id: int):
    if request.method == "GET":
        return _member_page(member_id)
    raw = _raw(fields_for(admin_domain.TermForm), stamped=True)
    return _member_action(member_id, "periode",
                          lambda: _service().edit_council_member(db.session, current_user, member_id, raw),
                          _("Saved."))


@bp.post("/raad/<id:member_id>/afslut")
def end_term(member_id: int):
    raw = _raw(fields_for(admin_domain.EndTermForm), stamped=True)
    return _member_action(member_id, "afslut",
                          lambda: _service().end_term(db.session, current_user, member_id, raw),
                          _("The term's end is recorded."))


# -------------------------------------------------------------- API tokens

def _tokens_page(errors: dict | None = None, status: int = 200):
    specs = fields_for(admin_domain.TokenForm, {"user_id": _service().user_choices(db.session, current_user)})
    return render_template("admin/tokens.html", rows=_service().tokens(db.session, current_user), fields=specs,
                           values=_raw(specs) if errors and "ny" in errors else {}, errors=errors or {}), status


@bp.get("/tokens")
def tokens():
    return _tokens_page()


@bp.post("/tokens")
def create_token():
    """The secret is shown on this answer only: it is neither stored nor put in a redirect."""
    raw = _raw(fields_for(admin_domain.TokenForm))
    try:
        with unit_of_work() as uow:
            row, secret = _service().create_token(uow.session, current_user, raw)
            uow.commit()
    except FormInvalid as exc:
        return _tokens_page({"ny": exc.errors}, 422)
    response = make_response(render_template("admin/token_created.html", row=row, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<id:token_id>/tilbagekald")
def revoke_token(token_id: int):
    return _act(lambda: _service().revoke_token(db.session, current_user, token_id), anchor="tokens",
                success=_("The token is revoked."), redirect_to=url_for(".tokens"),
                rerender=lambda errors, status: _tokens_page(errors, status))
