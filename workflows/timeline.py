"""A case's timeline in words: one mapping from audit event kinds to sentences.

The audit log stores technical facts (kind, actor's user name, a summary such as "item: object"); the
timeline says what happened ("Rikke Rådsmedlem gjorde indsigelse mod »…«", "Fristen udløb"). The
sentences are English message ids (marked with N_) that the web layer translates with their parameters;
the actors' user names are resolved to people's names in one query for the whole page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit_people import Pseudonyms

from .directory import User
from .delegation import act_label
from .i18n import N_

# Actors that are the system itself, not a person.
SYSTEM_ACTORS = {"timer", "router", "worker", "system", "scheduler"}


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    text: str  # an English message id with %(...)s parameters
    params: dict = field(default_factory=dict)
    danish: tuple[str, ...] = ()  # the parameters that are Danish whatever the UI language (BPMN names)


POSITION_SENTENCES = {
    "agree": N_("%(actor)s agreed to »%(item)s«"),
    "object": N_("%(actor)s objected to »%(item)s«"),
    "abstain": N_("%(actor)s abstained on »%(item)s«"),
}
LATE_SENTENCES = {
    "admitted": N_("%(actor)s admitted the late answer from %(party)s"),
    "rejected": N_("%(actor)s rejected the late answer from %(party)s"),
}


def _dmy(iso: str | None) -> str:
    """An ISO date of an event's detail as 13.4.2026 (read the same in Danish and English)."""
    try:
        day = datetime.fromisoformat(iso or "").date()
    except ValueError:
        return iso or ""
    return f"{day.day}.{day.month}.{day.year}"


def _hearing_sentence(kind: str, summary: str, detail: dict) -> tuple[str, dict, tuple[str, ...]] | None:
    """Issue 16: the hearing's controls, redaction and note as sentences (None: not one of these kinds)."""
    reason = {"reason": detail["reason"]} if detail.get("reason") else {}
    if kind == "hearing.extend":
        dates = {"old": _dmy(detail.get("old")), "new": _dmy(detail.get("new"))}
        if reason:
            return N_("%(actor)s extended the hearing's deadline from %(old)s to %(new)s: %(reason)s"), \
                dates | reason, ()
        return N_("%(actor)s extended the hearing's deadline from %(old)s to %(new)s"), dates, ()
    if kind == "hearing.close":
        dates = {"old": _dmy(detail.get("old"))}
        if reason:
            return N_("%(actor)s closed the hearing early, before its deadline %(old)s: %(reason)s"), \
                dates | reason, ()
        return N_("%(actor)s closed the hearing early, before its deadline %(old)s"), dates, ()
    if kind == "hearing.deadline":
        return N_("The hearing's reminder and deadline were moved to the new date"), {}, ()
    if kind in ("hearing.redaction", "hearing.redaction_removed"):
        section = detail.get("section")
        party = _before(summary, ": ") if kind == "hearing.redaction" else summary
        if section and party.endswith(f", {section}"):  # "Aarhus, 2.1 Sag: 0-9"
            party = party[:-len(section) - 2]
        if kind == "hearing.redaction_removed":
            return N_("%(actor)s removed a redaction from the answer of %(party)s"), {"party": party}, ()
        if section:
            return (N_("%(actor)s redacted a passage of the comment of %(party)s on section %(section)s before "
                       "publication: %(reason)s"),
                    {"party": party, "section": section, "reason": detail.get("reason", "")}, ("section",))
        return (N_("%(actor)s redacted a passage of the answer of %(party)s before publication: %(reason)s"),
                {"party": party, "reason": detail.get("reason", "")}, ())
    if kind == "hearing.note_approved":
        return N_("The approved hearing note was stored as a document and published with the answers"), {}, ()
    return None


def _before(summary: str, sep: str) -> str:
    return summary.rsplit(sep, 1)[0] if sep in summary else summary


BOARD_SENTENCES = {
    "council.conflict_declared": N_("%(actor)s declared a conflict of interest on »%(item)s«"),
    "council.conflict_ruled": N_("%(actor)s ruled on a conflict of interest on »%(item)s«"),
    "council.position_withdrawn": N_("A position task on »%(item)s« was withdrawn: conflict of interest"),
    "council.position_removed": N_("A position on »%(item)s« was removed: conflict of interest"),
    "council.absence": N_("%(actor)s registered an absence from the meeting"),
    "council.absence_withdrawn": N_("%(actor)s withdrew an absence from the meeting"),
    "council.attendance": N_("%(actor)s recorded the attendance at »%(item)s«"),
}


def _sentence(kind: str, summary: str, detail: dict) -> tuple[str, dict, tuple[str, ...]]:
    """(message id, parameters besides the actor, Danish parameters) of one audit event."""
    if kind == "start":
        return N_("%(actor)s started the case"), {}, ()
    if kind == "complete":
        return N_("%(actor)s completed the task »%(task)s«"), {"task": summary}, ("task",)
    if kind == "timer":
        return N_("The deadline passed"), {}, ()
    if kind == "message":
        return N_("The case received a message from another case"), {}, ()
    if kind == "document":
        return N_("%(actor)s uploaded the document »%(title)s«"), {"title": _before(summary, " v")}, ()
    if kind == "incident":
        step = detail.get("element_name") or ""
        if step:
            return N_("The case stopped at the step »%(step)s« because of an error"), {"step": step}, ("step",)
        return N_("The case stopped because of an error"), {}, ()
    if kind == "retry":
        return N_("%(actor)s retried the failed step »%(step)s«"), {"step": summary}, ("step",)
    if kind == "fix_data":
        return N_("%(actor)s changed a variable of the failed step"), {}, ()
    if kind == "migrate":
        return N_("%(actor)s moved the case to a new version of the process"), {}, ()
    if kind == "council.position":
        position = detail.get("position") or summary.rsplit(": ", 1)[-1]
        text = POSITION_SENTENCES.get(position, N_("%(actor)s recorded a position on »%(item)s«"))
        return text, {"item": _before(summary, ": ")}, ()
    if kind in BOARD_SENTENCES:  # issue 15: conflicts of interest, absences, attendance
        return BOARD_SENTENCES[kind], {"item": _before(summary, ": ")}, ()
    if kind == "hearing.response":
        party = _before(summary, " v")
        if detail.get("late"):
            return N_("%(party)s answered the hearing after the deadline"), {"party": party}, ()
        return N_("%(party)s answered the hearing"), {"party": party}, ()
    if kind == "hearing.unpublish":
        if detail.get("unpublish", True):
            return N_("%(party)s asked that their answer is not published"), {"party": summary}, ()
        return N_("%(party)s withdrew the request not to publish their answer"), {"party": summary}, ()
    if kind == "hearing.late":
        decision = detail.get("decision") or summary.rsplit(": ", 1)[-1]
        return (LATE_SENTENCES.get(decision, N_("%(actor)s decided on the late answer from %(party)s")),
                {"party": _before(summary, ": ")}, ())
    if kind.startswith("hearing.") and (hearing := _hearing_sentence(kind, summary, detail)) is not None:
        return hearing
    if kind == "case.suspend":
        return N_("%(actor)s suspended the case: %(reason)s"), {"reason": detail.get("reason") or summary}, ()
    if kind == "case.resume":
        return N_("%(actor)s resumed the case: %(reason)s"), {"reason": detail.get("reason") or summary}, ()
    if kind == "case.terminate":
        return N_("%(actor)s terminated the case: %(reason)s"), {"reason": detail.get("reason") or summary}, ()
    if kind == "case.comment":
        return N_("%(actor)s wrote an internal comment"), {}, ()
    if kind == "council.item_postponed":  # issue 15: the item (and a proposal's case) moves to a later meeting
        return (N_("%(actor)s postponed the agenda item to the meeting »%(meeting)s«"),
                {"meeting": detail.get("meeting") or summary}, ())
    if kind == "council.item_closed":
        return N_("%(actor)s closed an agenda item (lukket punkt)"), {}, ()
    if kind == "council.item_opened":
        return N_("%(actor)s opened a closed agenda item to the public"), {}, ()
    if kind == "network.anonymise":
        return N_("%(actor)s deleted a participant's personal data"), {}, ()
    return N_("%(actor)s changed the case"), {}, ()


def display_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """People's names by user name, in one query for all of them."""
    wanted = {u for u in usernames if u and u not in SYSTEM_ACTORS and not u.startswith("party:")}
    if not wanted:
        return {}
    return dict(session.execute(select(User.username, User.name).where(User.username.in_(wanted))).all())


def entries(session: Session, events) -> list[TimelineEntry]:
    """The timeline of a page's audit events, the actors named in one query."""
    events = list(events)
    revealed = Pseudonyms().reveal(session, events)  # issue 18: the log names people by reference
    names = display_names(session, [u for actor, _summary, detail in revealed
                                     for u in (actor, (detail or {}).get("acting_for"))])
    out = []
    for e, (actor, summary, detail) in zip(events, revealed):
        text, params, danish = _sentence(e.kind, summary, detail)
        # A person's name; a user no longer known (or the system) is "the system", never a login name.
        actor_name = names.get(actor or "", "") or None
        principal = (detail or {}).get("acting_for")
        if actor_name and principal:  # an act under an out-of-office delegation (workflows.delegation)
            actor_name = act_label(actor_name, names.get(principal) or principal)
        params = {"actor": actor_name, **params}
        out.append(TimelineEntry(at=e.at, kind=e.kind, text=text, params=params, danish=danish))
    return out
