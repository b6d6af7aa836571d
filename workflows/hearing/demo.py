"""The demo's second hearing (issue 16): a text in sections, responses with comments per section, and the
working group's draft hearing note with points per section (seeded ahead of the deadline)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

SECTIONS = "1 Formål\n2 Begreber\n2.1 Sag\n2.2 Dokument\n3 Snitflader\n4 Overgang"
RESPONSES = [
    ("KOMBIT", "KOMBIT bakker op om datamodellen.",
     {"2.1": "Begrebet sag bør følge FORM.", "3": "Snitfladerne bør bruge fælleskommunale standarder."}),
    ("Leverandør A/S", "Vi har enkelte bemærkninger.",
     {"3": "Vi ønsker en testperiode for snitfladerne.", "4": "Overgangsperioden er for kort."}),
]
POINTS = [
    ("KOMBIT", "2.1", "Begrebet sag bør følge FORM", "incorporated", "Afsnit 2.1 henviser nu til FORM."),
    ("KOMBIT", "3", "Fælleskommunale standarder for snitflader", "partly",
     "Standarderne nævnes som anbefaling, ikke som krav."),
    ("Leverandør A/S", "3", "Ønske om testperiode", "noted", "Testperioden aftales i projektet."),
    ("Leverandør A/S", "4", "Overgangsperioden er for kort", "not_incorporated",
     "Overgangen følger rådets plan for 2027."),
]


def load(session: Session, byplan, secretariat, lead, group, municipalities) -> int:
    from engine.models import ReadyTask

    from ..directory import WorkingGroup
    from .models import HearingParty, HearingResponse, NotePoint, default_deadline
    from .records import HearingSection

    # its own working group, so the demo's people keep the tasks and start pages they had
    group = WorkingGroup(name="Data og dokumenter",
                         description="Arbejdsgruppen for fælles data om sager og dokumenter.")
    session.add(group)
    session.flush()
    hearings = byplan.hearings
    hearing = hearings.create(session, secretariat, title="Fælles datamodel for sager og dokumenter",
                              summary="Arbejdsgruppens udkast til en fælles datamodel sendes i høring.",
                              working_group_id=group.id)
    # two municipalities the tests of the demo's first hearing do not pick out by name (not the contact's)
    others = [m for m in municipalities if m.name not in ("Favrskov", "Hjørring")][:2]
    hearings.add_municipalities(session, secretariat, hearing.id, [m.id for m in others])
    for name, email in (("KOMBIT", "data@kombit.example"), ("Leverandør A/S", "data@leverandoer.example")):
        hearings.add_external_party(session, secretariat, hearing.id, {"name": name, "email": email})
    hearings.sections.enter(session, secretariat, hearing.id, SECTIONS)
    task = session.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
    byplan.complete_task(session, secretariat, task.id, {
        "title": hearing.title, "summary": hearing.summary, "deadline": default_deadline().isoformat(),
        "reminder_days": "5", "reminder_unit": "working"}, None)
    sections = {s.number: s.id for s in session.scalars(select(HearingSection).where(
        HearingSection.hearing_id == hearing.id))}
    parties = {p.name: p for p in session.scalars(select(HearingParty).where(HearingParty.hearing_id == hearing.id))}
    for name, text, comments in RESPONSES:
        hearings.respond(session, parties[name], {"text": text, "section_comments": {
            str(sections[n]): c for n, c in comments.items()}}, [], f"demo:{name}", allow_late=False)
    responses = {r.party.name: r for r in session.scalars(select(HearingResponse).where(
        HearingResponse.hearing_id == hearing.id))}
    for name, number, point, disposition, reason in POINTS:  # the group's draft note (seeded as records)
        session.add(NotePoint(hearing_id=hearing.id, response_id=responses[name].id, section_id=sections[number],
                              point=point, disposition=disposition, reason=reason, created_by=lead.username))
    hearing.note_summary = ("To parter har svaret. Bemærkningerne handler især om snitflader og overgang; "
                            "afsnit 2.1 er ændret.")
    return hearing.id
