"""Each benchmark runs in its tiny mode and reports a table with numbers (no timing is asserted)."""
from __future__ import annotations

import re

import pytest

from bench import p1_completion, p2_inbox, p3_timer_sweep, p4_hearing, p5_throughput, p6_council
from bench import p7_search, p8_case_page, p9_heatmap, p10_registration
from bench import p11_review_register, p12_hearing_note
from bench import p13_agenda_pack

NUMBER_ROW = re.compile(r"^\s{4}.+\s\d+\.\d\d\s+\d+\.\d\d\s+\d+", re.M)


def check(result, rows: int) -> None:
    table = result.table()
    assert len(NUMBER_ROW.findall(table)) == rows, table
    for sample in result.samples:
        assert sample.n > 0 and sample.median_ms > 0 and sample.p95_ms >= sample.median_ms
    for _label, value, _target, _direction in result.ratios:
        assert value > 0
    assert re.search(r"ratio .*: \d+\.\d\dx \(target [<>]= [\d.]+x\)\s+(PASS|MISS)", table), table


def test_p1_completion():
    check(p1_completion.run(n=3), 2)


def test_p2_inbox():
    check(p2_inbox.run(small=60, big=120, n=2), 8)


def test_p3_timer_sweep():
    check(p3_timer_sweep.run(big=30, due=3, rounds=1), 2)


def test_p4_hearing():
    check(p4_hearing.run(small=2, big=6, n=1), 4)


def test_p12_hearing_note():
    check(p12_hearing_note.run(small=(2, 3), big=(4, 8), n=1), 4)


@pytest.mark.postgres
def test_p5_throughput():
    check(p5_throughput.run(duration=1.0, workers=(1, 4), warmup=0.5), 2)


def test_p6_council():
    check(p6_council.run(big=(2, 4), small=(1, 3), n=1), 2)


@pytest.mark.postgres
def test_p10_registration(postgres_server):
    url = postgres_server.create_database("bench_p10_smoke")
    result = p10_registration.run(municipalities=4, meetings=2, clients=4, url=url)
    check(result, 1)
    assert result.problems == [] and result.refused == []


def test_p7_search():
    check(p7_search.run(small=20, big=60, n=2, databases=("sqlite",)), 4)


@pytest.mark.postgres
def test_p7_search_postgres():
    check(p7_search.run(small=20, big=60, n=2, databases=("postgresql",)), 4)


def test_p8_case_page():
    check(p8_case_page.run(small=5, big=60, n=1), 2)


def test_p9_heatmap():
    check(p9_heatmap.run(small=40, big=400, n=1), 4)


def test_p11_review_register():
    check(p11_review_register.run(small=2, big=4, n=1, rules=4), 4)


def test_p13_agenda_pack():
    check(p13_agenda_pack.run(small=(1, 1), big=(2, 1), n=1), 4)
