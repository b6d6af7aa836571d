"""Sets up networks and rounds for tests: municipalities with seats, a round with regional meetings."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.models import ReadyTask, utcnow


class NetworkDriver:
    def __init__(self, app, people):
        from web.extensions import db

        self.app, self.people, self.db = app, people, db
        self.byplan = app.extensions["byplan"]

    def network(self, name="Kommunernes It-arkitekturnetværk (KITA)", municipalities=(), seats=2) -> int:
        """A network with member municipalities (by name; created if missing) buying `seats` per meeting."""
        from workflows.directory import Municipality
        from workflows.network import Network, NetworkMembership

        with self.app.app_context():
            s = self.db.session
            network = s.scalar(select(Network).where(Network.name == name)) or Network(name=name)
            s.add(network)
            s.flush()
            for i, muni_name in enumerate(municipalities):
                muni = s.scalar(select(Municipality).where(Municipality.name == muni_name))
                if muni is None:
                    muni = Municipality(code=f"x{i}{len(muni_name)}", name=muni_name, region="Sjælland")
                    s.add(muni)
                    s.flush()
                s.add(NetworkMembership(network_id=network.id, municipality_id=muni.id, seats_per_meeting=seats))
            s.commit()
            return network.id

    def create_round(self, network_id: int, theme="Brug af rammearkitekturen", deadline_days=10,
                     regions=(("Midt-Nord", 20, 40),)) -> tuple[int, list[int]]:
        """A round with regional meetings (region, days ahead, capacity), confirmed and published."""
        today = utcnow().date()
        secretary = self.people.user
        with self.app.app_context():
            s = self.db.session
            networks = self.byplan.networks
            row = networks.create_round(s, secretary("secretary"), network_id, {
                "theme": theme, "format": "talk",
                "registration_deadline": (today + timedelta(days=deadline_days)).isoformat()})
            meeting_ids = []
            for region, days, capacity in regions:
                m = networks.add_meeting(s, secretary("secretary"), row.id, {
                    "region": region, "day": (today + timedelta(days=days)).isoformat(), "starts": "09:30",
                    "ends": "15:30", "venue": "Rådhuset", "address": "Torvet 1", "capacity": str(capacity)})
                networks.confirm_meeting(s, secretary("secretary"), m.id)
                meeting_ids.append(m.id)
            s.commit()
            round_id, case_id = row.id, row.case_id
        self.complete_single(case_id, "secretary", {})
        return round_id, meeting_ids

    def complete_single(self, case_id: int, username: str, values: dict, spec_prefix: str | None = None):
        with self.app.app_context():
            tasks = [t for t in self.db.session.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id))
                     if spec_prefix is None or t.spec_name.startswith(spec_prefix)]
            task = tasks[0]
            self.byplan.complete_task(self.db.session, self.people.user(username), task.id, values, None)
            self.db.session.commit()
