"""Demo data: users for every role, a working group, the council, municipalities, proposals."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .directory import (
    ADMIN, COUNCIL_CHAIR, COUNCIL_MEMBER, MUNICIPALITY_CONTACT, SECRETARIAT, Municipality, User,
    WorkingGroup, add_member, create_user,
)
from .architecture_review.demo import load_review_demo
from .catalogue.demo import load_catalogue_demo
from .hearing import demo as hearing_demo
from .service import Byplan

DEMO_PASSWORD = "byplan-demo"

MUNICIPALITIES = [
    ("860", "Hjørring", "Midt-Nord"), ("710", "Favrskov", "Midt-Nord"), ("706", "Syddjurs", "Midt-Nord"),
    ("707", "Norddjurs", "Midt-Nord"), ("147", "Frederiksberg", "Hovedstaden"),
    ("101", "København", "Hovedstaden"), ("370", "Næstved", "Sjælland"), ("340", "Sorø", "Sjælland"),
    ("360", "Lolland", "Sjælland"), ("479", "Svendborg", "Syddanmark"), ("561", "Esbjerg", "Syddanmark"),
    ("580", "Aabenraa", "Syddanmark"),
]

# More municipalities of the 68 that took part in the network in 2017 (name, region).
MORE_MUNICIPALITIES = [
    ("Aalborg", "Midt-Nord"), ("Aarhus", "Midt-Nord"), ("Frederikshavn", "Midt-Nord"), ("Brønderslev", "Midt-Nord"),
    ("Jammerbugt", "Midt-Nord"), ("Thisted", "Midt-Nord"), ("Vesthimmerland", "Midt-Nord"), ("Rebild", "Midt-Nord"),
    ("Mariagerfjord", "Midt-Nord"), ("Randers", "Midt-Nord"), ("Viborg", "Midt-Nord"), ("Silkeborg", "Midt-Nord"),
    ("Herning", "Midt-Nord"), ("Holstebro", "Midt-Nord"), ("Skive", "Midt-Nord"), ("Horsens", "Midt-Nord"),
    ("Skanderborg", "Midt-Nord"), ("Odder", "Midt-Nord"), ("Ikast-Brande", "Midt-Nord"),
    ("Ringkøbing-Skjern", "Midt-Nord"),
    ("Gentofte", "Hovedstaden"), ("Gladsaxe", "Hovedstaden"), ("Lyngby-Taarbæk", "Hovedstaden"),
    ("Ballerup", "Hovedstaden"), ("Rudersdal", "Hovedstaden"), ("Furesø", "Hovedstaden"), ("Hillerød", "Hovedstaden"),
    ("Helsingør", "Hovedstaden"), ("Gribskov", "Hovedstaden"), ("Halsnæs", "Hovedstaden"),
    ("Høje-Taastrup", "Hovedstaden"), ("Albertslund", "Hovedstaden"), ("Glostrup", "Hovedstaden"),
    ("Rødovre", "Hovedstaden"), ("Hvidovre", "Hovedstaden"),
    ("Roskilde", "Sjælland"), ("Køge", "Sjælland"), ("Holbæk", "Sjælland"), ("Kalundborg", "Sjælland"),
    ("Slagelse", "Sjælland"), ("Ringsted", "Sjælland"), ("Guldborgsund", "Sjælland"), ("Vordingborg", "Sjælland"),
    ("Faxe", "Sjælland"), ("Stevns", "Sjælland"), ("Odense", "Syddanmark"), ("Kolding", "Syddanmark"),
    ("Vejle", "Syddanmark"), ("Fredericia", "Syddanmark"), ("Middelfart", "Syddanmark"), ("Haderslev", "Syddanmark"),
    ("Sønderborg", "Syddanmark"), ("Tønder", "Syddanmark"), ("Varde", "Syddanmark"), ("Faaborg-Midtfyn", "Syddanmark"),
    ("Nyborg", "Syddanmark"),
]

ROUND_2017 = {
    "theme": "Brug og implementering af rammearkitekturen",
    "meetings": [
        ("Midt-Nord", "2017-03-07", "Bramslevgaard", "Bramslevvej 11, 9500 Hobro",
         [("case", "Erfaringer med rammearkitekturen", "Hjørring Kommune", "Hjørring Kommune"),
          ("talk", "Rammearkitekturen i praksis", "KL og KOMBIT", "KL")]),
        ("Hovedstaden", "2017-03-14", "Frederiksberg Rådhus", "Smallegade 1, 2000 Frederiksberg",
         [("case", "Implementering af arkitekturprincipper", "Favrskov Kommune", "Favrskov Kommune"),
          ("case", "Implementering af arkitekturprincipper", "Syddjurs Kommune", "Syddjurs Kommune"),
          ("case", "Implementering af arkitekturprincipper", "Norddjurs Kommune", "Norddjurs Kommune")]),
        ("Sjælland", "2017-03-15", "Næstved Rådhus", "Teatergade 8, 4700 Næstved",
         [("case", "At bryde monopoler", "Sorø Kommune", "Sorø Kommune"),
          ("case", "Dialogværktøjer", "Lolland Kommune", "Lolland Kommune")]),
        ("Syddanmark", "2017-03-16", "Svendborg Rådhus", "Ramsherred 5, 5700 Svendborg",
         [("talk", "Brugerstyring", "KL og KOMBIT", "KOMBIT"),
          ("case", "Brugerstyring i praksis", "Esbjerg Kommune", "Esbjerg Kommune"),
          ("case", "Brugerstyring i praksis", "Aabenraa Kommune", "Aabenraa Kommune")]),
    ],
}

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
                                      roles, munis.get(muni), hasher=byplan.passwords)
    add_member(session, users["arbejdsgruppe"], group, lead=True)
    add_member(session, users["arkitekt"], group)

    lead, secretariat, chair = users["arbejdsgruppe"], users["sekretariat"], users["formand"]
    from datetime import date as _date

    from .council import CouncilMember

    for username in COUNCIL:
        session.add(CouncilMember(user_id=users[username].id, term_start=_date(2016, 1, 1),
                                  is_chair=username == "formand"))
    session.flush()
    load_catalogue_demo(session, byplan.search)  # issue 14

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
    __import__("workflows.council.demo_items", fromlist=["demo"]).demo(session, byplan, secretariat)  # issue 15
    __import__("workflows.council.demo_board", fromlist=["x"]).load_board_demo(session, byplan)  # issue 15: board
    _demo_hearing(session, byplan, secretariat, users["kommune"], group, list(munis.values()))
    __import__("workflows.council.oparl_demo", fromlist=["demo"]).demo(session, byplan, secretariat)  # issue 15
    hearing_demo.load(session, byplan, secretariat, lead, group, list(munis.values()))  # issue 16
    _demo_network(session, byplan, secretariat, munis)
    __import__("workflows.access_request.demo", fromlist=["demo"]).demo(session, byplan, secretariat)  # issue 18
    load_review_demo(session, byplan, DEMO_PASSWORD)  # issue 14: the board and three architecture reviews
    __import__("workflows.operations_demo", fromlist=["load"]).load(session, byplan)  # issue 19: controls, absence
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

    # Today's meeting: its item deadline (two days before, so passed at any hour) and agenda publication have
    # passed, every member has recorded a position, the chair has decided, and the minutes are out for approval.
    from .council import COPENHAGEN

    starts = (utcnow() + timedelta(hours=3)).astimezone(COPENHAGEN)
    held = council.create_meeting(session, secretariat, {
        "title": "Rådsmøde", "date": starts.date().isoformat(), "start_time": starts.strftime("%H:%M"),
        "place": "KL, Weidekampsgade 10, København S",
        "item_deadline": (starts.date() - timedelta(days=2)).isoformat(), "publish_days": "7"})
    step(decided, {"meeting_id": str(held.id)})
    council.add_item(session, secretariat, held.id, {"kind": "information", "title": "Nyt fra KOMBIT",
                                                     "description": "Status på de fælleskommunale løsninger."})
    [build] = tasks(held.case_id)
    byplan.complete_task(session, secretariat, build.id, {}, None)  # the publication time has passed
    for task in tasks(held.case_id):
        position = "object" if task.assignee == "raad7" else "agree"
        byplan.complete_task(session, users[task.assignee], task.id, {"position": position}, None)
    # The meeting has begun (an hour ago, as the demo tells it): its decisions are taken at the meeting.
    held.starts_at = utcnow() - timedelta(hours=1)
    byplan.engine.move_timer(session, held.case_id, "await_meeting", utcnow(), actor="demo")
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


def _demo_network(session: Session, byplan: Byplan, secretariat, munis: dict) -> None:
    """The networks; the seeds' March 2017 round as a record; and the next round, open for registration."""
    from datetime import date, datetime, timedelta, timezone

    from engine.models import ReadyTask, utcnow

    from .network import Network, NetworkMembership, ProgrammeItem, RegionalMeeting, Round

    for i, (name, region) in enumerate(MORE_MUNICIPALITIES):
        slug = name.lower().replace("ø", "oe").replace("æ", "ae").replace("å", "aa").replace(" ", "-")
        m = Municipality(code=f"d{i:02d}", name=name, region=region, email=f"hoering@{slug}.kommune.example")
        session.add(m)
        munis[name] = m
    session.flush()
    kita = Network(name="Kommunernes It-arkitekturnetværk (KITA)",
                   description="Erfaringsudveksling og sparring om kommunernes it-arkitektur, i fire regioner.")
    session.add_all([kita, Network(name="Netværk for digitale politikker, strategi og forankring"),
                     Network(name="Dialogforum (leverandører og konsulenthuse)")])
    session.flush()
    for m in munis.values():  # 68 member municipalities, two seats each
        session.add(NetworkMembership(network_id=kita.id, municipality_id=m.id, seats_per_meeting=2))

    spring = Round(network_id=kita.id, network=kita, theme=ROUND_2017["theme"], format="talk",
                   registration_deadline=date(2017, 2, 28), status="done",
                   published_at=datetime(2017, 2, 1, tzinfo=timezone.utc), created_by="sekretariat")
    session.add(spring)
    session.flush()
    for region, day, venue, address, programme in ROUND_2017["meetings"]:
        meeting = RegionalMeeting(round_id=spring.id, round=spring, region=region, day=date.fromisoformat(day),
                                  venue=venue, address=address, capacity=45, confirmed=True)
        session.add(meeting)
        session.flush()
        for n, (kind, title, speaker, organisation) in enumerate(programme, start=1):
            session.add(ProgrammeItem(meeting_id=meeting.id, position=n, kind=kind, title=title, speaker=speaker,
                                      organisation=organisation))

    networks = byplan.networks
    today = utcnow().date()
    upcoming = networks.create_round(session, secretariat, kita.id, {
        "theme": "Arkitektur i praksis: fra principper til projekter", "format": "workshop",
        "registration_deadline": (today + timedelta(days=21)).isoformat()})
    for n, (region, venue, address) in enumerate((
            ("Midt-Nord", "Aalborg Rådhus", "Boulevarden 13, 9000 Aalborg"),
            ("Hovedstaden", "KL-Huset", "Weidekampsgade 10, 2300 København S"),
            ("Sjælland", "Næstved Rådhus", "Teatergade 8, 4700 Næstved"),
            ("Syddanmark", "Odense Rådhus", "Flakhaven 2, 5000 Odense C"))):
        meeting = networks.add_meeting(session, secretariat, upcoming.id, {
            "region": region, "day": (today + timedelta(days=35 + n)).isoformat(), "starts": "09:30",
            "ends": "15:30", "venue": venue, "address": address, "capacity": "60"})
        networks.add_programme_item(session, secretariat, meeting.id, {
            "kind": "talk", "title": "Fra principper til projekter", "speaker": "KL og KOMBIT", "organisation": "KL"})
        networks.confirm_meeting(session, secretariat, meeting.id)
    [plan] = session.scalars(select(ReadyTask).where(ReadyTask.case_id == upcoming.case_id)).all()
    byplan.complete_task(session, secretariat, plan.id, {}, None)


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
