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


@pytest.mark.postgres
def test_the_clock_runs_and_registration_closes_at_the_deadline(postgres_server):
    """The benchmark's clock is not frozen: started a second after 23:59:59, every registration is refused as
    closed, none is stored, and the checks (including the deadline's) hold."""
    url = postgres_server.create_database("registration_after_deadline")
    result = p10_registration.run(municipalities=4, meetings=2, clients=4, per_municipality=2, url=url,
                                  before_deadline=-1)
    assert result.problems == [], result.problems
    assert result.refused == [] and result.samples[0].n == 0
    assert len(result.closed) == 4 * 2 * 2


def test_the_deadline_check_finds_an_acceptance_after_it_and_a_refusal_before_it():
    from datetime import datetime, timedelta, timezone

    closes = datetime(2031, 3, 14, 22, 59, 59, tzinfo=timezone.utc)
    second = timedelta(seconds=1)
    fine = p10_registration.Outcome(accepted=[(1, "a@x", closes - 2 * second, closes - second)],
                                    closed=[(closes - second, closes + second)])
    assert p10_registration.check_deadline(fine, closes) == []
    late = p10_registration.Outcome(accepted=[(1, "a@x", closes + second, closes + 2 * second)],
                                    closed=[(closes - 3 * second, closes - 2 * second)], errors=["Forbidden: x"])
    assert p10_registration.check_deadline(late, closes) == [
        "1 registrations accepted although they began after the deadline",
        "1 registrations refused as closed before the deadline", "1 refused for another reason"]
