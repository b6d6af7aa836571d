"""Concurrent registrations on PostgreSQL (issue 19, P10 at small scale): many clients registering at once in
the last minute before the deadline oversell no meeting and no municipality's seats, lose or duplicate no
registration, and keep the waiting list in the order of arrival (each registration locks its meeting)."""
from __future__ import annotations

import pytest

from bench import p10_registration


@pytest.mark.postgres
def test_concurrent_registrations_keep_seats_and_the_waiting_list(postgres_server):
    url = postgres_server.create_database("registration_race")
    result = p10_registration.run(municipalities=12, meetings=2, clients=12, per_municipality=3, url=url)
    assert result.problems == [], result.problems
    assert result.refused == []
    assert result.samples[0].n == 12 * 2 * 3  # every registration accepted once (some on the waiting list)
