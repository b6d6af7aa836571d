"""Organisations: municipalities, working groups (members and lead), networks (member municipalities and seats)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import NotFound

from ..directory import GroupMembership, Municipality, User, WorkingGroup, add_member
from ..forms import load_values
from ..i18n import N_
from ..lanes import require_admin
from ..network import Network, NetworkMembership, RegionalMeeting, Registration, Round, promote_waiting
from .common import ACTIVE_ROUNDS, AdminBase, AdminError, Edit, Locked, RegistrationStatus, RoundStatus, invalid, \
    take_edit
from .forms import GroupForm, MemberForm, MunicipalityForm, NetworkForm, NetworkMemberForm, SeatsForm

MUNICIPALITY = Locked(N_("The municipality"), MunicipalityForm,
                      lambda m: {"name": m.name, "code": m.code, "region": m.region, "email": m.email or ""},
                      lambda m: m.name)
GROUP = Locked(N_("The working group"), GroupForm,
               lambda g: {"name": g.name, "description": g.description or ""}, lambda g: g.name)
NETWORK = Locked(N_("The network"), NetworkForm,
                 lambda n: {"name": n.name, "description": n.description or ""}, lambda n: n.name)
SEATS = Locked(N_("The membership of"), SeatsForm, lambda row: {"seats_per_meeting": row.seats_per_meeting},
               lambda row: row.municipality.name)


@dataclass
class GroupMember:
    membership: GroupMembership
    user: User


class OrganisationAdmin(AdminBase):
    def _save(self, session: Session, actor: User, model, row, values: dict, what: str, locked: Locked, edit: Edit):
        if row is None:
            row = model(**values)
            session.add(row)
            session.flush()
            self._log(session, actor, f"{what} {values['name']} created", {what: row.id, **values})
            return row
        locked.check(row, edit)
        changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
        for key, (_old, new) in changes.items():
            setattr(row, key, new)
        if changes:
            locked.flush(session, row)
            self._log(session, actor, f"{what} {row.name} changed", {what: row.id, "changes": changes})
        return row

    # ------------------------------------------------------- municipalities
    def municipalities(self, session: Session, actor: User) -> list[Municipality]:
        require_admin(actor)
        return list(session.scalars(select(Municipality).order_by(Municipality.name)))

    def get_municipality(self, session: Session, actor: User | None, municipality_id: int) -> Municipality:
        require_admin(actor)
        muni = session.get(Municipality, municipality_id)
        if muni is None:
            raise NotFound(f"municipality {municipality_id}")
        return muni

    def save_municipality(self, session: Session, actor: User, municipality_id: int | None, raw: dict) -> Municipality:
        require_admin(actor)
        muni = self.get_municipality(session, actor, municipality_id) if municipality_id else None
        own = muni.id if muni else None
        raw, edit = take_edit(raw)
        values = self._load(session, MunicipalityForm, raw, (
            (Municipality, "name", own, N_("A municipality with this name exists.")),
            (Municipality, "code", own, N_("A municipality with this code exists."))))
        values.setdefault("email", None)
        return self._save(session, actor, Municipality, muni, values, "municipality", MUNICIPALITY, edit)

    # ------------------------------------------------------- working groups
    def groups(self, session: Session, actor: User) -> list[tuple[WorkingGroup, int, User | None]]:
        """(group, member count, lead) for every group."""
        require_admin(actor)
        out = []
        for group in session.scalars(select(WorkingGroup).order_by(WorkingGroup.name)):
            members = self.group_members(session, actor, group.id)
            out.append((group, len(members), next((m.user for m in members if m.membership.is_lead), None)))
        return out

    def group_members(self, session: Session, actor: User | None, group_id: int) -> list[GroupMember]:
        require_admin(actor)
        rows = session.execute(select(GroupMembership, User).join(User, User.id == GroupMembership.user_id)
                               .where(GroupMembership.group_id == group_id).order_by(User.name)).unique()
        return [GroupMember(m, u) for m, u in rows]

    def get_group(self, session: Session, actor: User | None, group_id: int) -> WorkingGroup:
        require_admin(actor)
        group = session.get(WorkingGroup, group_id)
        if group is None:
            raise NotFound(f"working group {group_id}")
        return group

    def save_group(self, session: Session, actor: User, group_id: int | None, raw: dict) -> WorkingGroup:
        require_admin(actor)
        group = self.get_group(session, actor, group_id) if group_id else None
        raw, edit = take_edit(raw)
        values = self._load(session, GroupForm, raw, ((WorkingGroup, "name", group.id if group else None,
                                                       N_("A working group with this name exists.")),))
        values.setdefault("description", "")
        return self._save(session, actor, WorkingGroup, group, values, "working_group", GROUP, edit)

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
        group = self.get_group(session, actor, group_id)
        values = load_values(MemberForm, raw)
        user = session.get(User, values["user_id"])
        if user is None:
            raise invalid("user_id", N_("Choose one of the options."))
        if group.id in user.group_ids:
            raise invalid("user_id", N_("The user is already a member of the group."))
        add_member(session, user, group)
        membership = self._membership(session, group.id, user.id)
        detail = {"working_group": group.name, "user": user.username, "lead": values["lead"]}
        if values["lead"]:
            detail["previous_lead"] = self._make_lead(session, group.id, membership)
        self._log(session, actor, f"{user.username} added to working group {group.name}", detail)
        return membership

    def remove_group_member(self, session: Session, actor: User, group_id: int, user_id: int) -> None:
        require_admin(actor)
        group = self.get_group(session, actor, group_id)
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
        group = self.get_group(session, actor, group_id)
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

    def get_network(self, session: Session, actor: User | None, network_id: int) -> Network:
        require_admin(actor)
        net = session.get(Network, network_id)
        if net is None:
            raise NotFound(f"network {network_id}")
        return net

    def network_members(self, session: Session, actor: User | None, network_id: int) -> list[NetworkMembership]:
        require_admin(actor)
        return list(session.scalars(select(NetworkMembership).join(Municipality)
                                    .where(NetworkMembership.network_id == network_id).order_by(Municipality.name)))

    def save_network(self, session: Session, actor: User, network_id: int | None, raw: dict) -> Network:
        require_admin(actor)
        net = self.get_network(session, actor, network_id) if network_id else None
        raw, edit = take_edit(raw)
        values = self._load(session, NetworkForm, raw, ((Network, "name", net.id if net else None,
                                                         N_("A network with this name exists.")),))
        values.setdefault("description", "")
        return self._save(session, actor, Network, net, values, "network", NETWORK, edit)


    def _active_registrations(self, session: Session, network_id: int, municipality_id: int) -> dict[int, int]:
        """Registered colleagues per regional meeting of the network's open or closed rounds."""
        rows = session.execute(
            select(RegionalMeeting.id, func.count(Registration.id))
            .join(Registration, Registration.meeting_id == RegionalMeeting.id)
            .join(Round, Round.id == RegionalMeeting.round_id)
            .where(Round.network_id == network_id, Round.status.in_(ACTIVE_ROUNDS),
                   Registration.municipality_id == municipality_id,
                   Registration.status == RegistrationStatus.REGISTERED)
            .group_by(RegionalMeeting.id))
        return {meeting_id: n for meeting_id, n in rows}

    def _waiting_or_registered(self, session: Session, network_id: int, municipality_id: int) -> int:
        return session.scalar(
            select(func.count()).select_from(Registration)
            .join(RegionalMeeting, RegionalMeeting.id == Registration.meeting_id)
            .join(Round, Round.id == RegionalMeeting.round_id)
            .where(Round.network_id == network_id, Round.status.in_(ACTIVE_ROUNDS),
                   Registration.municipality_id == municipality_id,
                   Registration.status != RegistrationStatus.CANCELLED)) or 0

    def add_network_member(self, session: Session, actor: User, network_id: int, raw: dict) -> NetworkMembership:
        require_admin(actor)
        net = self.get_network(session, actor, network_id)
        values = load_values(NetworkMemberForm, raw)
        muni = session.get(Municipality, values["municipality_id"])
        if muni is None:
            raise invalid("municipality_id", N_("Choose one of the options."))
        if session.scalar(select(NetworkMembership.id).where(NetworkMembership.network_id == net.id,
                                                             NetworkMembership.municipality_id == muni.id)):
            raise invalid("municipality_id", N_("The municipality is already a member of the network."))
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
        net = self.get_network(session, actor, network_id)
        row = self._network_membership(session, net.id, membership_id)
        raw, edit = take_edit(raw)
        values = load_values(SeatsForm, raw)
        SEATS.check(row, edit)
        seats, old = values["seats_per_meeting"], row.seats_per_meeting
        if seats == old:
            return []
        registered = max(self._active_registrations(session, net.id, row.municipality_id).values(), default=0)
        if seats < registered:
            raise invalid("seats_per_meeting",
                          N_("Colleagues from the municipality already hold more seats than that at a meeting "
                             "of a current round; they must cancel first."))
        row.seats_per_meeting = seats
        SEATS.flush(session, row)
        promoted: list[Registration] = []
        if seats > old:
            meetings = session.scalars(select(RegionalMeeting).join(Round, Round.id == RegionalMeeting.round_id)
                                       .where(Round.network_id == net.id, Round.status == RoundStatus.OPEN))
            for meeting in meetings:
                promoted.extend(promote_waiting(session, meeting))
        self._log(session, actor, f"seats of {row.municipality.name} in {net.name}: {old} → {seats}",
                  {"network": net.name, "municipality": row.municipality.name, "seats_per_meeting": [old, seats],
                   "promoted_from_waiting_list": [r.id for r in promoted]})
        return promoted

    def remove_network_member(self, session: Session, actor: User, network_id: int, membership_id: int) -> None:
        require_admin(actor)
        net = self.get_network(session, actor, network_id)
        row = self._network_membership(session, net.id, membership_id)
        if self._waiting_or_registered(session, net.id, row.municipality_id):
            raise AdminError(N_("The municipality has colleagues registered for a current round of the network; "
                                "remove it when the round is concluded, or have them cancel first."))
        name = row.municipality.name
        session.delete(row)
        self._log(session, actor, f"{name} left network {net.name}", {"network": net.name, "municipality": name})
