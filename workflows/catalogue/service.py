"""The public catalogue: what anyone may read, without login (the visibility rules live here).

The public sees principles with an adopted version, and of a rule the versions in hearing, adopted,
retired or superseded; a proposed or rejected version stays with its proposal (a rule with nothing else
does not exist for the public: NotFound).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound

from ..dates import COPENHAGEN
from .diff import Segment, changed, word_diff
from .models import (
    PUBLIC_STATUSES, Principle, PrincipleVersion, ReferenceArchitecture, ReferenceArchitectureVersion, Rule,
    RuleStatus, RuleVersion,
)

__all__ = ["PUBLIC_STATUSES", "field_diffs", "overview", "principle_page", "provenance", "public_rule",
           "public_versions", "reference_architectures", "retirement_line", "rule_diff", "rule_page", "validity_line"]

COUNCIL = "Kommunernes It-Arkitekturråd"
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")
#: the texts a rule's versions are compared on, in page order: (attribute, label msgid)
DIFF_FIELDS = (("title", "Title"), ("text", "Rule"), ("implications", "This means that"),
               ("background", "Background"), ("guidance", "Guidance"), ("attention", "Points of attention"),
               ("scope", "Scope"))


def danish_date(d) -> str:
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def validity_line(version) -> str | None:
    """"Godkendt af Kommunernes It-Arkitekturråd, <N>. møde, <date>" from the meeting that decided the
    version (None before a decision or without a numbered meeting). The council's name is its own,
    so the line is Danish in every language."""
    meeting = version.meeting
    if meeting is None or meeting.number is None or version.status not in (
            RuleStatus.ADOPTED, RuleStatus.RETIRED, RuleStatus.SUPERSEDED):
        return None
    return f"Godkendt af {COUNCIL}, {meeting.number}. møde, {danish_date(meeting.starts_at.astimezone(COPENHAGEN))}"


def retirement_line(version: RuleVersion) -> str | None:
    meeting = version.retired_meeting
    if version.status != RuleStatus.RETIRED or meeting is None or meeting.number is None:
        return None
    return f"Udgået efter beslutning i {COUNCIL}, {meeting.number}. møde, " \
           f"{danish_date(meeting.starts_at.astimezone(COPENHAGEN))}"


@dataclass(frozen=True)
class Link:
    """One provenance entry: what it is, its title, and the page it is on (a logical page for the view)."""

    kind: str  # "proposal", "hearing", "hearing_note", "agenda_item", "minutes", "retirement"
    title: str
    page: str | None = None
    params: dict = field(default_factory=dict)
    anchor: str | None = None


def provenance(session: Session, version) -> list[Link]:
    """Where a version came from, as public links (a page the public cannot open is named, not linked)."""
    from ..council.models import AgendaItem, MeetingStatus
    from ..hearing.models import Hearing
    from ..proposal.models import Proposal

    links: list[Link] = []
    proposal = session.get(Proposal, version.proposal_id) if version.proposal_id else None
    if proposal is not None:
        links.append(Link("proposal", f"{proposal.title} ({proposal.working_group.name})", "case",
                          {"case_id": proposal.case_id} if proposal.case_id else {}))
    hearing = session.get(Hearing, version.hearing_id) if version.hearing_id else None
    if hearing is not None and hearing.is_public:
        links.append(Link("hearing", hearing.title, "hearing.public", {"hearing_id": hearing.id}))
        if hearing.status == "concluded":
            links.append(Link("hearing_note", hearing.title, "hearing.public", {"hearing_id": hearing.id}))
    item = session.get(AgendaItem, version.agenda_item_id) if version.agenda_item_id else None
    meeting = version.meeting
    if meeting is not None and meeting.is_public:
        shown = item is not None and not item.hidden_publicly  # issue 15: never a closed item's title
        title = f"{meeting.number}. møde: {item.title if shown else 'Lukket punkt'}" \
            if item is not None and meeting.number else meeting.title
        links.append(Link("agenda_item", title, "council.meeting", {"meeting_id": meeting.id},
                          anchor=f"punkt-{item.id}" if item is not None else None))
        if meeting.status == MeetingStatus.CONCLUDED:
            links.append(Link("minutes", meeting.title, "council.meeting", {"meeting_id": meeting.id}))
    retired = getattr(version, "retired_meeting", None)
    if retired is not None and retired.is_public:
        links.append(Link("retirement", retired.title, "council.meeting", {"meeting_id": retired.id},
                          anchor=f"punkt-{version.retired_agenda_item_id}" if version.retired_agenda_item_id else None))
    return links


# ------------------------------------------------------------------ the catalogue page

@dataclass
class RuleEntry:
    rule: Rule
    version: RuleVersion  # the newest public version


@dataclass
class PrincipleEntry:
    principle: Principle
    version: PrincipleVersion
    rules: list[RuleEntry]


def public_versions(rule: Rule) -> list[RuleVersion]:
    return [v for v in rule.versions if v.is_public]


def overview(session: Session) -> list[PrincipleEntry]:
    """Every principle with an adopted (or retired) version, by number, with its public rules."""
    entries = []
    for principle in session.scalars(select(Principle).order_by(Principle.number)).unique():
        current = principle.current
        if current is None:
            continue
        rules = [RuleEntry(r, public_versions(r)[0]) for r in principle.rules if public_versions(r)]
        entries.append(PrincipleEntry(principle, current, rules))
    return entries


def reference_architectures(session: Session) -> list[ReferenceArchitectureVersion]:
    rows = session.scalars(select(ReferenceArchitecture).order_by(ReferenceArchitecture.key)).unique()
    return [a.current for a in rows if a.current is not None]


# ------------------------------------------------------------------ a rule's page

@dataclass
class FieldDiff:
    name: str
    label: str
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return changed(self.segments)


@dataclass
class RulePage:
    rule: Rule
    version: RuleVersion  # the version shown
    versions: list[RuleVersion]  # every public version, newest first
    validity: str | None
    retirement: str | None
    provenance: list[Link]
    superseded_by: RuleVersion | None
    current: RuleVersion | None  # the rule's decided version now


def public_rule(session: Session, key: str) -> Rule:
    rule = session.scalar(select(Rule).where(Rule.key == key))
    if rule is None or not public_versions(rule):
        raise NotFound(key)
    return rule


def rule_page(session: Session, key: str, version: int | None = None) -> RulePage:
    rule = public_rule(session, key)
    versions = public_versions(rule)
    shown = versions[0] if version is None else next((v for v in versions if v.version == version), None)
    if shown is None:
        raise NotFound(f"{key} v{version}")
    successor = session.get(RuleVersion, shown.superseded_by_id) if shown.superseded_by_id else None
    return RulePage(rule=rule, version=shown, versions=versions, validity=validity_line(shown),
                    retirement=retirement_line(shown), provenance=provenance(session, shown),
                    superseded_by=successor if successor is not None and successor.is_public else None,
                    current=rule.current)


def field_diffs(old: RuleVersion, new: RuleVersion, scope_label=lambda s: s) -> list[FieldDiff]:
    diffs = []
    for name, label in DIFF_FIELDS:
        a, b = getattr(old, name) or "", getattr(new, name) or ""
        if name == "scope":
            a, b = scope_label(a), scope_label(b)
        diffs.append(FieldDiff(name, label, word_diff(a, b)))
    return diffs


@dataclass
class RuleDiff:
    rule: Rule
    old: RuleVersion
    new: RuleVersion
    fields: list[FieldDiff]
    versions: list[RuleVersion]


def rule_diff(session: Session, key: str, old: int, new: int, scope_label=lambda s: s) -> RuleDiff:
    """The word-level difference between two public versions of a rule (any two, either order)."""
    rule = public_rule(session, key)
    versions = public_versions(rule)
    by_number = {v.version: v for v in versions}
    if old not in by_number or new not in by_number:
        raise NotFound(f"{key} v{old}..v{new}")
    return RuleDiff(rule, by_number[old], by_number[new], field_diffs(by_number[old], by_number[new], scope_label),
                    versions)


def principle_page(session: Session, key: str) -> tuple[Principle, list[PrincipleVersion], list[RuleEntry]]:
    principle = session.scalar(select(Principle).where(Principle.key == key))
    if principle is None or principle.current is None:
        raise NotFound(key)
    history = [v for v in principle.versions if v.is_public]
    rules = [RuleEntry(r, public_versions(r)[0]) for r in principle.rules if public_versions(r)]
    return principle, history, rules
