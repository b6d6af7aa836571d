"""Administration: users and roles, municipalities, working groups, networks, council members, API tokens.

Each action is one method of `Admin`: plain values in, records changed in the caller's session, one
audit event of kind "admin" (actor, summary, and the changed fields; never a password or a token hash).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import ValidationError, validate, validates_schema
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import NotFound
from engine.audit import AuditLog
from engine.models import utcnow

from .errors import DomainError
from .council import CouncilMember
from .dates import COPENHAGEN
from .directory import (
    ADMIN, COUNCIL_CHAIR, COUNCIL_MEMBER, ROLE_LABELS, WG_MEMBER, ApiToken, GroupMembership, Municipality, User,
    UserRole, WorkingGroup, add_member, create_token, create_user, token_hash,
)
from .forms import (
    FieldSpec, FormInvalid, FormSchema, checkbox, choice, date_field, describe, email, integer, load_values,
    multi_choice, reference, text,
)
from .i18n import N_
from .lanes import require_admin
from .network import REGIONS, Network, NetworkMembership, RegionalMeeting, Registration, Round, promote_waiting
from .sessions import end_sessions

PAGE_SIZE = 25
MIN_PASSWORD = 10
# Roles given by hand; working-group membership (wg_member) follows from the groups.
# Roles that follow from records are set on those records' pages: working-group membership on the
# group's page, the council roles on the council page (terms, one chair at a time).
RECORD_ROLES = {WG_MEMBER, COUNCIL_MEMBER, COUNCIL_CHAIR}
ASSIGNABLE_ROLES = [(r, label) for r, label in ROLE_LABELS.items() if r not in RECORD_ROLES]
# Rounds whose registrations still matter: the meetings have not all been held.
ACTIVE_ROUNDS = ("open", "closed")


class AdminError(DomainError):
    """A refused administrative change; `field` names the form field it concerns."""

    key = "admin"


def _invalid(field: str, message: str) -> FormInvalid:
    return FormInvalid({field: [message]})


def today() -> date:
    return utcnow().astimezone(COPENHAGEN).date()


# -------------------------------------------------------------------- forms

USERNAME = validate.Regexp(r"^[A-Za-z0-9._@-]+$",
                           error=N_("Use letters, digits and . _ @ - only (no spaces)."))


def _password(label: str) -> Any:
    f = text(label, required=True, max_length=200, widget="password",
             help=N_("At least 10 characters. Give it to the user in a safe way; they should change it."))
    f.validators.append(validate.Length(min=MIN_PASSWORD, error=N_("The password must be at least 10 characters.")))
    return f


class UserEditForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    email = email(N_("E-mail"), required=True)
    municipality_id = reference(N_("Municipality"), required=False,
                                help=N_("For municipality contacts: the municipality they answer for."))
    roles = multi_choice(N_("Roles"), ASSIGNABLE_ROLES,
                         help=N_("Working-group membership is set on the working group's page, "
                                 "council membership and the chair on the council page."))


def _username() -> Any:
    f = text(N_("User name"), required=True, max_length=100, help=N_("Used to log in."))
    f.validators.append(USERNAME)
    return f


class UserCreateForm(UserEditForm):
    username = _username()
    password = _password(N_("Initial password"))


USER_CREATE_ORDER = ["username", "name", "email", "municipality_id", "roles", "password"]


class PasswordForm(FormSchema):
    password = _password(N_("New password"))


class MunicipalityForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=100)
    code = text(N_("Municipality code"), required=True, max_length=10, help=N_("The three-digit code, e.g. 860."))
    region = choice(N_("Region"), [(r, r) for r in REGIONS], widget="select")
    email = email(N_("E-mail for hearings"), help=N_("The municipality's mailbox for hearings (høringspostkasse)."))


class GroupForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    description = text(N_("Description"), widget="textarea", max_length=1000)


class MemberForm(FormSchema):
    user_id = reference(N_("User"))
    lead = checkbox(N_("Lead of the group"), help=N_("The lead submits the group's proposals; a group has one lead."))


class NetworkForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    description = text(N_("Description"), widget="textarea", max_length=5000)


class SeatsForm(FormSchema):
    seats_per_meeting = integer(N_("Seats per meeting"), minimum=1, maximum=100)


class NetworkMemberForm(SeatsForm):
    municipality_id = reference(N_("Municipality"))


class TermForm(FormSchema):
    term_start = date_field(N_("Term starts"))
    term_end = date_field(N_("Term ends"), required=False, help=N_("Leave empty while the term is open-ended."))
    organisation = text(N_("Organisation"), max_length=200)
    is_chair = checkbox(N_("Chair of the council"),
                        help=N_("There is one chair at a time: choosing a new chair ends the previous one's chairmanship."))

    @validates_schema(skip_on_field_errors=True)
    def _order(self, data, **kwargs):
        if data.get("term_end") and data["term_end"] < data["term_start"]:
            raise ValidationError(N_("The term cannot end before it starts."), "term_end")


class CouncilMemberForm(TermForm):
    user_id = reference(N_("User"))


class EndTermForm(FormSchema):
    last_day = date_field(N_("Last day of the term"))


class TokenForm(FormSchema):
    user_id = reference(N_("User"))
    label = text(N_("Label"), required=True, max_length=100, help=N_("What the token is for, e.g. the system that uses it."))


def fields_for(schema_cls: type[FormSchema], choices: dict[str, list[tuple[str, str]]] | None = None,
               order: list[str] | None = None) -> list[FieldSpec]:
    """The form's fields for the page, with choices that come from the records."""
    specs = describe(schema_cls())
    for spec in specs:
        if choices and spec.name in choices:
            spec.choices = choices[spec.name]
    if order:
        specs.sort(key=lambda s: order.index(s.name) if s.name in order else len(order))
    return specs


# -------------------------------------------------------------------- views

@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int


@dataclass
class GroupMember:
    membership: GroupMembership
    user: User


def _user_label(user: User) -> str:
    return f"{user.name} ({user.username})"


class Admin:
    def __init__(self, audit: AuditLog):
        self.audit = audit

    def _log(self, session: Session, actor: User, summary: str, detail: dict) -> None:
        self.audit.append(session, kind="admin", actor=actor.username, summary=summary, detail=detail)

    # ------------------------------------------------------------ choices
    def municipality_choices(self, session: Session, blank: bool = True) -> list[tuple[str, str]]:
        rows = [(str(m.id), m.name) for m in session.scalars(select(Municipality).order_by(Municipality.name))]
        return ([("", N_("(none)"))] if blank else []) + rows

    def user_choices(self, session: Session, exclude: set[int] = frozenset()) -> list[tuple[str, str]]:
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).unique()
        return [(str(u.id), _user_label(u)) for u in users if u.id not in exclude]

    # --------------------------------------------------------------- users
    def users(self, session: Session, actor: User, q: str = "", role: str = "", page: int = 1) -> Page:
        require_admin(actor)
        query = select(User)
        if q.strip():
            like = f"%{q.strip().lower()}%"
            query = query.where(or_(func.lower(User.name).like(like), func.lower(User.username).like(like),
                                    func.lower(User.email).like(like)))
        if role == WG_MEMBER:
            query = query.where(User.id.in_(select(GroupMembership.user_id)))
        elif role in ROLE_LABELS:
            query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = list(session.scalars(query.order_by(User.name, User.id).limit(PAGE_SIZE)
                                    .offset((page - 1) * PAGE_SIZE)).unique())
        return Page(rows=rows, total=total, page=page, pages=pages)

    def get_user(self, session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        return user

    def _municipality(self, session: Session, municipality_id: int | None) -> Municipality | None:
        if municipality_id is None:
            return None
        muni = session.get(Municipality, municipality_id)
        if muni is None:
            raise _invalid("municipality_id", N_("Choose one of the options."))
        return muni

    def _other_active_admins(self, session: Session, user: User) -> int:
        return session.scalar(select(func.count()).select_from(User).join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == ADMIN, User.active.is_(True), User.id != user.id)) or 0

    def create_user(self, session: Session, actor: User, raw: dict) -> User:
        require_admin(actor)
        values = self._load(session, UserCreateForm, raw, ((User, "username", None, N_("This user name is taken.")),))
        username = values["username"]
        muni = self._municipality(session, values.get("municipality_id"))
        roles = sorted(set(values["roles"]))
        user = create_user(session, username, values["name"], values["email"], values["password"], tuple(roles), muni)
        self._log(session, actor, f"user {username} created",
                  {"user": username, "name": user.name, "email": user.email, "roles": roles,
                   "municipality": muni.name if muni else None})
        return user

    def edit_user(self, session: Session, actor: User, user_id: int, raw: dict) -> User:
        require_admin(actor)
        user = self.get_user(session, user_id)
        values = load_values(UserEditForm, raw)
        muni = self._municipality(session, values.get("municipality_id"))
        old_roles = {r.role for r in user.role_rows}
        new_roles = set(values["roles"]) | (old_roles & RECORD_ROLES)  # the form does not hold those
        if ADMIN in old_roles and ADMIN not in new_roles and user.active and not self._other_active_admins(session, user):
            raise _invalid("roles", N_("This is the last administrator; make someone else an administrator first."))
        changes: dict[str, Any] = {}
        for key, new in (("name", values["name"]), ("email", values["email"])):
            if getattr(user, key) != new:
                changes[key] = [getattr(user, key), new]
                setattr(user, key, new)
        if user.municipality_id != (muni.id if muni else None):
            changes["municipality"] = [user.municipality.name if user.municipality else None,
                                       muni.name if muni else None]
            user.municipality = muni
        if new_roles != old_roles:
            changes["roles"] = [sorted(old_roles), sorted(new_roles)]
            self._set_roles(user, new_roles)
        if changes:
            self._log(session, actor, f"user {user.username} changed", {"user": user.username, "changes": changes})
        return user

    @staticmethod
    def _set_roles(user: User, roles: set[str]) -> None:
        user.role_rows = [r for r in user.role_rows if r.role in roles] + \
            [UserRole(role=r) for r in sorted(roles - {r.role for r in user.role_rows})]

    def set_active(self, session: Session, actor: User, user_id: int, active: bool) -> User:
        require_admin(actor)
        user = self.get_user(session, user_id)
        if user.active == active:
            return user
        if not active:
            if user.id == actor.id:
                raise AdminError(N_("You cannot deactivate yourself."))
            if user.has_role(ADMIN) and not self._other_active_admins(session, user):
                raise AdminError(N_("This is the last administrator; make someone else an administrator first."))
        user.active = active
        end_sessions(session, user.id)
        self._log(session, actor, f"user {user.username} {'reactivated' if active else 'deactivated'}",
                  {"user": user.username, "active": active})
        return user

    def reset_password(self, session: Session, actor: User, user_id: int, raw: dict) -> User:
        require_admin(actor)
        user = self.get_user(session, user_id)
        values = load_values(PasswordForm, raw)
        user.set_password(values["password"])
        end_sessions(session, user.id)
        self._log(session, actor, f"password of {user.username} reset", {"user": user.username})
        return user

    def roles_overview(self, session: Session, actor: User) -> list[tuple[str, str, list[User]]]:
        """(role, label, active members) for every role; working-group members through their groups."""
        require_admin(actor)
        out = []
        for role, label in ROLE_LABELS.items():
            if role == WG_MEMBER:
                query = select(User).where(User.id.in_(select(GroupMembership.user_id)))
            else:
                query = select(User).where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
            out.append((role, label, list(session.scalars(query.order_by(User.name)).unique())))
        return out

    # ------------------------------------------------------- municipalities
    def municipalities(self, session: Session, actor: User) -> list[Municipality]:
        require_admin(actor)
        return list(session.scalars(select(Municipality).order_by(Municipality.name)))

    def get_municipality(self, session: Session, municipality_id: int) -> Municipality:
        muni = session.get(Municipality, municipality_id)
        if muni is None:
            raise NotFound(f"municipality {municipality_id}")
        return muni

    @staticmethod
    def _load(session: Session, schema_cls: type[FormSchema], raw: dict,
              unique: tuple[tuple[Any, str, int | None, str], ...] = ()) -> dict:
        """Validate a form, and check that values meant to be unique (model, column, own id, message) are free,
        so every field's error is reported at once."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        try:
            values = load_values(schema_cls, raw)
        except FormInvalid as exc:
            errors = dict(exc.errors)
        for model, column, own_id, message in unique:
            value = (raw.get(column) or "").strip()
            if not value or column in errors:
                continue
            query = select(model.id).where(func.lower(getattr(model, column)) == value.lower())
            if own_id is not None:
                query = query.where(model.id != own_id)
            if session.scalar(query) is not None:
                errors[column] = [message]
        if errors:
            raise FormInvalid(errors)
        return values

    def save_municipality(self, session: Session, actor: User, municipality_id: int | None, raw: dict) -> Municipality:
        require_admin(actor)
        muni = self.get_municipality(session, municipality_id) if municipality_id else None
        own = muni.id if muni else None
        values = self._load(session, MunicipalityForm, raw, (
            (Municipality, "name", own, N_("A municipality with this name exists.")),
            (Municipality, "code", own, N_("A municipality with this code exists."))))
        values.setdefault("email", None)
        return self._save(session, actor, Municipality, muni, values, "municipality")

    def _save(self, session: Session, actor: User, model, row, values: dict, what: str):
        if row is None:
            row = model(**values)
            session.add(row)
            session.flush()
            self._log(session, actor, f"{what} {values['name']} created", {what: row.id, **values})
            return row
        changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
        for key, (_old, new) in changes.items():
            setattr(row, key, new)
        if changes:
            self._log(session, actor, f"{what} {row.name} changed", {what: row.id, "changes": changes})
        return row

    # ------------------------------------------------------- working groups
    def groups(self, session: Session, actor: User) -> list[tuple[WorkingGroup, int, User | None]]:
        """(group, member count, lead) for every group."""
        require_admin(actor)
        out = []
        for group in session.scalars(select(WorkingGroup).order_by(WorkingGroup.name)):
            members = self.group_members(session, group.id)
            out.append((group, len(members), next((m.user for m in members if m.membership.is_lead), None)))
        return out

    def group_members(self, session: Session, group_id: int) -> list[GroupMember]:
        rows = session.execute(select(GroupMembership, User).join(User, User.id == GroupMembership.user_id)
                               .where(GroupMembership.group_id == group_id).order_by(User.name)).unique()
        return [GroupMember(m, u) for m, u in rows]

    def get_group(self, session: Session, group_id: int) -> WorkingGroup:
        group = session.get(WorkingGroup, group_id)
        if group is None:
            raise NotFound(f"working group {group_id}")
        return group

    def save_group(self, session: Session, actor: User, group_id: int | None, raw: dict) -> WorkingGroup:
        require_admin(actor)
        group = self.get_group(session, group_id) if group_id else None
        values = self._load(session, GroupForm, raw, ((WorkingGroup, "name", group.id if group else None,
                                                       N_("A working group with this name exists.")),))
        values.setdefault("description", "")
        return self._save(session, actor, WorkingGroup, group, values, "working_group")

    def _membership(self, session: Session, group_id: int, user_id: int) -> GroupMembership:
        row = session.scalar(select(GroupMembership).where(GroupMembership.group_id == group_id,
                                                           GroupMembership.user_id == user_id))
        if row is None:
            raise NotFound(f"membership {group_id}/{user_id}")
        return row

    def _make_lead(self, session: Session, group_id: int, membership: GroupMembership) -> str | None:
        """One lead per group: the previous lead becomes a member. Returns the previous lead's user name."""
        previous = None
        for other in session.scalars(select(GroupMembership).where(GroupMembership.group_id == group_id,
                                                                   GroupMembership.is_lead.is_(True))):
            if other.id != membership.id:
                other.is_lead = False
                previous = session.get(User, other.user_id).username
        membership.is_lead = True
        return previous

    def add_group_member(self, session: Session, actor: User, group_id: int, raw: dict) -> GroupMembership:
        require_admin(actor)
        group = self.get_group(session, group_id)
        values = load_values(MemberForm, raw)
        user = session.get(User, values["user_id"])
        if user is None:
            raise _invalid("user_id", N_("Choose one of the options."))
        if group.id in user.group_ids:
            raise _invalid("user_id", N_("The user is already a member of the group."))
        add_member(session, user, group)
        membership = self._membership(session, group.id, user.id)
        detail = {"working_group": group.name, "user": user.username, "lead": values["lead"]}
        if values["lead"]:
            detail["previous_lead"] = self._make_lead(session, group.id, membership)
        self._log(session, actor, f"{user.username} added to working group {group.name}", detail)
        return membership

    def remove_group_member(self, session: Session, actor: User, group_id: int, user_id: int) -> None:
        require_admin(actor)
        group = self.get_group(session, group_id)
        membership = self._membership(session, group.id, user_id)
        others = session.scalar(select(func.count()).select_from(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.id != membership.id)) or 0
        if membership.is_lead and others:
            raise AdminError(N_("This member leads the group; make another member the lead first."))
        user = session.get(User, user_id)
        user.memberships.remove(membership)  # delete-orphan
        session.flush()
        self._log(session, actor, f"{user.username} removed from working group {group.name}",
                  {"working_group": group.name, "user": user.username})

    def set_group_lead(self, session: Session, actor: User, group_id: int, user_id: int) -> None:
        require_admin(actor)
        group = self.get_group(session, group_id)
        membership = self._membership(session, group.id, user_id)
        if membership.is_lead:
            return
        previous = self._make_lead(session, group.id, membership)
        user = session.get(User, user_id)
        self._log(session, actor, f"{user.username} leads working group {group.name}",
                  {"working_group": group.name, "lead": user.username, "previous_lead": previous})

    # ------------------------------------------------------------- networks
    def networks(self, session: Session, actor: User) -> list[tuple[Network, int, int]]:
        """(network, member municipalities, seats per meeting in all)."""
        require_admin(actor)
        out = []
        for net in session.scalars(select(Network).order_by(Network.name)):
            count, seats = session.execute(select(func.count(), func.coalesce(func.sum(
                NetworkMembership.seats_per_meeting), 0)).where(NetworkMembership.network_id == net.id)).one()
            out.append((net, count, seats))
        return out

    def get_network(self, session: Session, network_id: int) -> Network:
        net = session.get(Network, network_id)
        if net is None:
            raise NotFound(f"network {network_id}")
        return net

    def network_members(self, session: Session, network_id: int) -> list[NetworkMembership]:
        return list(session.scalars(select(NetworkMembership).join(Municipality)
                                    .where(NetworkMembership.network_id == network_id).order_by(Municipality.name)))

    def save_network(self, session: Session, actor: User, network_id: int | None, raw: dict) -> Network:
        require_admin(actor)
        net = self.get_network(session, network_id) if network_id else None
        values = self._load(session, NetworkForm, raw, ((Network, "name", net.id if net else None,
                                                         N_("A network with this name exists.")),))
        values.setdefault("description", "")
        return self._save(session, actor, Network, net, values, "network")

    def _active_registrations(self, session: Session, network_id: int, municipality_id: int) -> dict[int, int]:
        """Registered colleagues per regional meeting of the network's open or closed rounds."""
        rows = session.execute(
            select(RegionalMeeting.id, func.count(Registration.id))
            .join(Registration, Registration.meeting_id == RegionalMeeting.id)
            .join(Round, Round.id == RegionalMeeting.round_id)
            .where(Round.network_id == network_id, Round.status.in_(ACTIVE_ROUNDS),
                   Registration.municipality_id == municipality_id, Registration.status == "registered")
            .group_by(RegionalMeeting.id))
        return {meeting_id: n for meeting_id, n in rows}

    def _waiting_or_registered(self, session: Session, network_id: int, municipality_id: int) -> int:
        return session.scalar(
            select(func.count()).select_from(Registration)
            .join(RegionalMeeting, RegionalMeeting.id == Registration.meeting_id)
            .join(Round, Round.id == RegionalMeeting.round_id)
            .where(Round.network_id == network_id, Round.status.in_(ACTIVE_ROUNDS),
                   Registration.municipality_id == municipality_id, Registration.status != "cancelled")) or 0

    def add_network_member(self, session: Session, actor: User, network_id: int, raw: dict) -> NetworkMembership:
        require_admin(actor)
        net = self.get_network(session, network_id)
        values = load_values(NetworkMemberForm, raw)
        muni = session.get(Municipality, values["municipality_id"])
        if muni is None:
            raise _invalid("municipality_id", N_("Choose one of the options."))
        if session.scalar(select(NetworkMembership.id).where(NetworkMembership.network_id == net.id,
                                                             NetworkMembership.municipality_id == muni.id)):
            raise _invalid("municipality_id", N_("The municipality is already a member of the network."))
        row = NetworkMembership(network_id=net.id, municipality_id=muni.id, municipality=muni,
                                seats_per_meeting=values["seats_per_meeting"])
        session.add(row)
        session.flush()
        self._log(session, actor, f"{muni.name} joined network {net.name}",
                  {"network": net.name, "municipality": muni.name, "seats_per_meeting": row.seats_per_meeting})
        return row

    def _network_membership(self, session: Session, network_id: int, membership_id: int) -> NetworkMembership:
        row = session.get(NetworkMembership, membership_id)
        if row is None or row.network_id != network_id:
            raise NotFound(f"network membership {membership_id}")
        return row

    def change_seats(self, session: Session, actor: User, network_id: int, membership_id: int,
                     raw: dict) -> list[Registration]:
        """Change a member's seats. Fewer seats than colleagues already registered in an open or closed round
        is refused; more seats move colleagues up from the waiting lists of open rounds (returned)."""
        require_admin(actor)
        net = self.get_network(session, network_id)
        row = self._network_membership(session, net.id, membership_id)
        values = load_values(SeatsForm, raw)
        seats, old = values["seats_per_meeting"], row.seats_per_meeting
        if seats == old:
            return []
        registered = max(self._active_registrations(session, net.id, row.municipality_id).values(), default=0)
        if seats < registered:
            raise _invalid("seats_per_meeting",
                           N_("Colleagues from the municipality already hold more seats than that at a meeting "
                              "of a current round; they must cancel first."))
        row.seats_per_meeting = seats
        session.flush()
        promoted: list[Registration] = []
        if seats > old:
            meetings = session.scalars(select(RegionalMeeting).join(Round, Round.id == RegionalMeeting.round_id)
                                       .where(Round.network_id == net.id, Round.status == "open"))
            for meeting in meetings:
                promoted.extend(promote_waiting(session, meeting))
        self._log(session, actor, f"seats of {row.municipality.name} in {net.name}: {old} → {seats}",
                  {"network": net.name, "municipality": row.municipality.name, "seats_per_meeting": [old, seats],
                   "promoted_from_waiting_list": [r.id for r in promoted]})
        return promoted

    def remove_network_member(self, session: Session, actor: User, network_id: int, membership_id: int) -> None:
        require_admin(actor)
        net = self.get_network(session, network_id)
        row = self._network_membership(session, net.id, membership_id)
        if self._waiting_or_registered(session, net.id, row.municipality_id):
            raise AdminError(N_("The municipality has colleagues registered for a current round of the network; "
                                "remove it when the round is concluded, or have them cancel first."))
        name = row.municipality.name
        session.delete(row)
        self._log(session, actor, f"{name} left network {net.name}", {"network": net.name, "municipality": name})

    # -------------------------------------------------------------- council
    def council_members(self, session: Session, actor: User) -> list[CouncilMember]:
        require_admin(actor)
        return list(session.scalars(select(CouncilMember).join(User, User.id == CouncilMember.user_id)
                                    .order_by(CouncilMember.term_end.is_not(None), User.name)).unique())

    def get_council_member(self, session: Session, member_id: int) -> CouncilMember:
        row = session.get(CouncilMember, member_id)
        if row is None:
            raise NotFound(f"council member {member_id}")
        return row

    def council_candidates(self, session: Session) -> list[tuple[str, str]]:
        registered = set(session.scalars(select(CouncilMember.user_id)))
        return self.user_choices(session, exclude=registered)

    @staticmethod
    def _grant(user: User, role: str) -> None:
        if role not in {r.role for r in user.role_rows}:
            user.role_rows.append(UserRole(role=role))

    @staticmethod
    def _revoke(user: User, *roles: str) -> None:
        user.role_rows = [r for r in user.role_rows if r.role not in roles]

    def _make_chair(self, session: Session, member: CouncilMember) -> str | None:
        """One chair at a time: the chair flag and the chair role move to `member`; returns the previous chair."""
        if not member.active(today()):
            raise _invalid("is_chair", N_("Only a member whose term is current can be the chair."))
        previous = None
        for other in session.scalars(select(CouncilMember).where(CouncilMember.is_chair.is_(True),
                                                                 CouncilMember.id != member.id)).unique():
            other.is_chair = False
            self._revoke(other.user, COUNCIL_CHAIR)
            previous = other.user.username
        member.is_chair = True
        self._grant(member.user, COUNCIL_CHAIR)
        return previous

    def register_council_member(self, session: Session, actor: User, raw: dict) -> CouncilMember:
        """A council member: the record with the term, and the council-member role (the lanes follow roles)."""
        require_admin(actor)
        values = load_values(CouncilMemberForm, raw)
        user = session.get(User, values["user_id"])
        if user is None or not user.active:
            raise _invalid("user_id", N_("Choose one of the options."))
        if session.scalar(select(CouncilMember.id).where(CouncilMember.user_id == user.id)):
            raise _invalid("user_id", N_("The user is already registered; change their term on their page."))
        member = CouncilMember(user_id=user.id, user=user, term_start=values["term_start"],
                               term_end=values.get("term_end"), organisation=values.get("organisation") or "",
                               is_chair=False)
        session.add(member)
        session.flush()
        self._follow_term(member)
        detail = {"user": user.username, "term_start": member.term_start.isoformat(),
                  "term_end": member.term_end.isoformat() if member.term_end else None,
                  "organisation": member.organisation, "chair": values["is_chair"]}
        if values["is_chair"]:
            detail["previous_chair"] = self._make_chair(session, member)
        self._log(session, actor, f"{user.username} registered as council member", detail)
        return member

    def edit_council_member(self, session: Session, actor: User, member_id: int, raw: dict) -> CouncilMember:
        require_admin(actor)
        member = self.get_council_member(session, member_id)
        values = load_values(TermForm, raw)
        values.setdefault("term_end", None)
        values["organisation"] = values.get("organisation") or ""
        changes: dict[str, Any] = {}
        for key in ("term_start", "term_end", "organisation"):
            old, new = getattr(member, key), values[key]
            if old != new:
                changes[key] = [_plain(old), _plain(new)]
                setattr(member, key, new)
        if values["is_chair"] and not member.is_chair:
            changes["chair"] = [False, True]
            changes["previous_chair"] = self._make_chair(session, member)
        elif not values["is_chair"] and member.is_chair:
            changes["chair"] = [True, False]
            member.is_chair = False
            self._revoke(member.user, COUNCIL_CHAIR)
        self._follow_term(member)
        if changes:
            self._log(session, actor, f"council member {member.user.username} changed",
                      {"user": member.user.username, "changes": changes})
        return member

    def end_term(self, session: Session, actor: User, member_id: int, raw: dict) -> CouncilMember:
        """Set the last day of a member's term. Once it has passed, the member (and chair) roles go too."""
        require_admin(actor)
        member = self.get_council_member(session, member_id)
        values = load_values(EndTermForm, raw)
        if values["last_day"] < member.term_start:
            raise _invalid("last_day", N_("The term cannot end before it starts."))
        old = member.term_end
        member.term_end = values["last_day"]
        self._follow_term(member)
        self._log(session, actor, f"term of council member {member.user.username} ends {member.term_end}",
                  {"user": member.user.username, "term_end": [_plain(old), _plain(member.term_end)]})
        return member

    def _follow_term(self, member: CouncilMember) -> None:
        """A term that has ended takes the council roles and the chair with it."""
        if member.term_end is not None and member.term_end < today():
            member.is_chair = False
            self._revoke(member.user, COUNCIL_MEMBER, COUNCIL_CHAIR)
        else:
            self._grant(member.user, COUNCIL_MEMBER)

    # ------------------------------------------------------------ API tokens
    def tokens(self, session: Session, actor: User) -> list[ApiToken]:
        require_admin(actor)
        return list(session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None),
                                                              ApiToken.created_at.desc(), ApiToken.id.desc()))
                    .unique())

    def create_token(self, session: Session, actor: User, raw: dict) -> tuple[ApiToken, str]:
        """A new token for a user; the secret is returned once and only its hash is kept."""
        require_admin(actor)
        values = load_values(TokenForm, raw)
        user = session.get(User, values["user_id"])
        if user is None or not user.active:
            raise _invalid("user_id", N_("Choose one of the options."))
        secret = create_token(session, user, values["label"])
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
        self._log(session, actor, f"API token {row.id} created for {user.username}",
                  {"token": row.id, "user": user.username, "label": row.label})
        return row, secret

    def revoke_token(self, session: Session, actor: User, token_id: int) -> ApiToken:
        require_admin(actor)
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"token {token_id}")
        if row.revoked_at is not None:
            raise AdminError(N_("The token is already revoked."))
        row.revoked_at = utcnow()
        self._log(session, actor, f"API token {row.id} of {row.user.username} revoked",
                  {"token": row.id, "user": row.user.username, "label": row.label})
        return row


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
