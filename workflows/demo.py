"""Demo data: users for every role, a working group, the council, municipalities, proposals."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .directory import (
    ADMIN, COUNCIL_CHAIR, COUNCIL_MEMBER, MUNICIPALITY_CONTACT, SECRETARIAT, Municipality, User,
    WorkingGroup, add_member, create_user,
)
from .service import Byplan

DEMO_PASSWORD = "byplan-demo"

MUNICIPALITIES = [
    ("860", "Hjørring", "Midt-Nord"), ("710", "Favrskov", "Midt-Nord"), ("706", "Syddjurs", "Midt-Nord"),
    ("707", "Norddjurs", "Midt-Nord"), ("147", "Frederiksberg", "Hovedstaden"),
    ("101", "København", "Hovedstaden"), ("370", "Næstved", "Sjælland"), ("340", "Sorø", "Sjælland"),
    ("360", "Lolland", "Sjælland"), ("479", "Svendborg", "Syddanmark"), ("561", "Esbjerg", "Syddanmark"),
    ("580", "Aabenraa", "Syddanmark"),
]

USERS = [
    ("sekretariat", "Sara Sekretariat", (SECRETARIAT,), None),
    ("formand", "Frederik Formand", (COUNCIL_CHAIR, COUNCIL_MEMBER), None),
    ("raadsmedlem", "Rikke Rådsmedlem", (COUNCIL_MEMBER,), None),
    ("arbejdsgruppe", "Anders Arbejdsgruppe (leder)", (), None),
    ("arkitekt", "Amalie Arkitekt", (), None),
    ("kommune", "Karen Kontaktperson (Hjørring)", (MUNICIPALITY_CONTACT,), "Hjørring"),
    ("admin", "Adam Administrator", (ADMIN,), None),
    ("raad3", "Rasmus Rådsmedlem (KOMBIT)", (COUNCIL_MEMBER,), None),
    ("raad4", "Rebekka Rådsmedlem (Aarhus)", (COUNCIL_MEMBER,), None),
    ("raad5", "Rune Rådsmedlem (Odense)", (COUNCIL_MEMBER,), None),
    ("raad6", "Ronja Rådsmedlem (Aalborg)", (COUNCIL_MEMBER,), None),
    ("raad7", "Ruben Rådsmedlem (KL)", (COUNCIL_MEMBER,), None),
]
COUNCIL = ("formand", "raadsmedlem", "raad3", "raad4", "raad5", "raad6", "raad7")


def load_demo(session: Session, byplan: Byplan) -> list[tuple[str, str, str]] | None:
    """Create the demo data once. Returns (username, password, roles) rows, or None if present."""
    if session.scalar(select(User).where(User.username == "sekretariat")) is not None:
        return None
    munis = {}
    for code, name, region in MUNICIPALITIES:
        slug = name.lower().replace("ø", "oe").replace("æ", "ae").replace("å", "aa")
        m = Municipality(code=code, name=name, region=region, email=f"hoering@{slug}.kommune.example")
        session.add(m)
        munis[name] = m
    group = WorkingGroup(name="Brugerstyring",
                         description="Arbejdsgruppen for fælleskommunal brugerstyring og adgangsstyring.")
    session.add(group)
    session.flush()
    users = {}
    for username, name, roles, muni in USERS:
        users[username] = create_user(session, username, name, f"{username}@byplan.example", DEMO_PASSWORD,
                                      roles, munis.get(muni))
    add_member(session, users["arbejdsgruppe"], group, lead=True)
    add_member(session, users["arkitekt"], group)

    lead, secretariat, chair = users["arbejdsgruppe"], users["sekretariat"], users["formand"]
    from datetime import date as _date

    from .council import CouncilMember

    for username in COUNCIL:
        session.add(CouncilMember(user_id=users[username].id, term_start=_date(2016, 1, 1),
                                  is_chair=username == "formand"))
    session.flush()

    def step(case, values):
        from engine.models import ReadyTask

        task = session.scalar(select(ReadyTask).where(ReadyTask.case_id == case.id))
        who = {"Arbejdsgruppe": lead, "Sekretariat": secretariat, "Råd": chair}[task.lane]
        return byplan.complete_task(session, who, task.id, values, None)

    draft = {"kind": "principle", "summary": "", "statement": "", "rationale": "", "implications": ""}
    byplan.start_proposal(session, lead, group.id, "Genbrug før køb før byg", "principle")

    c2 = byplan.start_proposal(session, lead, group.id, "Fælles brugerstyring via Context Handler")
    step(c2, {**draft, "title": "Fælles brugerstyring via Context Handler",
              "summary": "Kommunale løsninger anvender fælles brugerstyring.",
              "statement": "Adgang til kommunale it-løsninger styres via den fælleskommunale Context Handler.",
              "rationale": "Én brugerstyring mindsker administration og øger sikkerheden.",
              "implications": "Nye løsninger skal kunne modtage identitetstokens fra Context Handler."})

    c3 = byplan.start_proposal(session, lead, group.id, "Referencearkitektur for brugerstyring",
                               "reference_architecture")
    step(c3, {**draft, "kind": "reference_architecture", "title": "Referencearkitektur for brugerstyring",
              "summary": "Digitaliseringsstyrelsens referencearkitektur for brugerstyring, tilpasset kommunerne."})
    step(c3, {"screening": "complete"})

    c4 = byplan.start_proposal(session, lead, group.id, "Data genbruges på tværs")
    step(c4, {**draft, "title": "Data genbruges på tværs",
              "summary": "Data registreres én gang og genbruges.",
              "statement": "Kommunale data registreres ét sted og genbruges på tværs af løsninger.",
              "rationale": "Mindre dobbeltregistrering og bedre datakvalitet.",
              "implications": "Løsninger skal udstille data via fælles snitflader."})
    step(c4, {"screening": "complete"})
    _demo_council(session, byplan, users, step, c3, c4)
    _demo_hearing(session, byplan, secretariat, users["kommune"], group, list(munis.values()))
    return [(u, DEMO_PASSWORD, ", ".join(sorted(users[u].roles))) for u, *_ in USERS]


def _demo_council(session: Session, byplan: Byplan, users: dict, step, on_next_agenda, decided) -> None:
    """Today's council meeting, which approved a principle (its minutes out for approval),
    and the next meeting, which takes agenda items."""
    from datetime import timedelta

    from engine.models import ReadyTask, utcnow

    council, secretariat = byplan.council, users["sekretariat"]
    today = utcnow().date()

    def tasks(case_id):
        return list(session.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id)))

    # Today's meeting: its item deadline (yesterday) and agenda publication have passed, every member has
    # recorded a position, the chair has decided, and the minutes are out for approval.
    from .council import COPENHAGEN

    starts = (utcnow() + timedelta(hours=3)).astimezone(COPENHAGEN)
    held = council.create_meeting(session, secretariat, {
        "title": "Rådsmøde", "date": starts.date().isoformat(), "start_time": starts.strftime("%H:%M"),
        "place": "KL, Weidekampsgade 10, København S",
        "item_deadline": (starts.date() - timedelta(days=1)).isoformat(), "publish_days": "7"})
    step(decided, {"meeting_id": str(held.id)})
    council.add_item(session, secretariat, held.id, {"kind": "information", "title": "Nyt fra KOMBIT",
                                                     "description": "Status på de fælleskommunale løsninger."})
    [build] = tasks(held.case_id)
    byplan.complete_task(session, secretariat, build.id, {}, None)  # the publication time has passed
    for task in tasks(held.case_id):
        position = "object" if task.assignee == "raad7" else "agree"
        byplan.complete_task(session, users[task.assignee], task.id, {"position": position}, None)
    [decide] = tasks(held.case_id)
    byplan.complete_task(session, users["formand"], decide.id, {"decision": "approved"}, None)
    session.commit()  # the router works in its own transactions, like the worker
    byplan.engine.route_messages()
    [minutes] = tasks(held.case_id)
    byplan.complete_task(session, secretariat, minutes.id, {
        "minutes_summary": "Rådet godkendte princippet om datagenbrug. KOMBIT orienterede om status."}, None)

    upcoming = council.create_meeting(session, secretariat, {
        "title": "Rådsmøde", "date": (today + timedelta(days=30)).isoformat(), "start_time": "10:00",
        "place": "KL, Weidekampsgade 10, København S", "online_link": "https://møde.example/raadet",
        "item_deadline": (today + timedelta(days=14)).isoformat(), "publish_days": "7"})
    step(on_next_agenda, {"meeting_id": str(upcoming.id)})


def _demo_hearing(session: Session, byplan: Byplan, secretariat, contact, group, municipalities) -> None:
    """Seed 001: Digitaliseringsstyrelsen's reference architecture for user management, sent for hearing."""
    from engine.models import ReadyTask

    from .hearing import deadline_moment, default_deadline

    hearings = byplan.hearings
    hearing = hearings.create(session, secretariat, title="Referencearkitektur for brugerstyring",
                              summary=("Digitaliseringsstyrelsens fællesoffentlige referencearkitektur for "
                                       "brugerstyring sendes i høring blandt kommunerne og leverandørerne."),
                              working_group_id=group.id)
    hearings.add_municipalities(session, secretariat, hearing.id, [m.id for m in municipalities])
    for name, email in (("KOMBIT", "hoering@kombit.example"), ("Leverandør A/S", "kontakt@leverandoer.example")):
        hearings.add_external_party(session, secretariat, hearing.id, {"name": name, "email": email})
    hearings.add_document(session, secretariat, hearing.id, "referencearkitektur-brugerstyring.txt",
                          "Referencearkitektur for brugerstyring (udkast til høring)\n".encode(),
                          "Referencearkitektur for brugerstyring – høringsudkast")
    task = session.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
    deadline = default_deadline()
    byplan.complete_task(session, secretariat, task.id,
                         {"title": hearing.title, "summary": hearing.summary, "deadline": deadline.isoformat(),
                          "reminder_days": "7"}, None)
    assert hearing.deadline_at == deadline_moment(deadline)
    party = hearings.party_for_contact(session, contact, hearing.id)
    hearings.respond(session, party, {"text": "Hjørring Kommune støtter referencearkitekturen, men ønsker en "
                                              "overgangsperiode for eksisterende løsninger."},
                     [], contact.username, allow_late=False)
