"""P11 (issue 14): the public register of architecture reviews and the rule-usage page, 1,000 reviews x 30 rules vs 10.

Two fresh databases hold the same catalogue (30 adopted rules) and the same number of public decided
rounds per review (3, each with 30 answers and 2 dispensations), with 10 and with 1,000 reviews: 30 vs
3,000 public decisions, 900 vs 90,000 answers, 60 vs 6,000 dispensations. The records are bulk inserted
(only their number matters), and the rule-usage aggregate (RuleUsage) is what publication would have
counted. Timed: GET /register/arkitekturvurderinger (one page of 25 decisions, 50 dispensations, the
embargo count) and GET /register/arkitekturvurderinger/regler (the 30 rule-usage rows), anonymous, through
the test client (routing, queries, templates). Both pages show the same number of rows in both databases;
what may grow is only what reads more than aggregated rows. Target: big <= 1.3 x small, for each page.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, select

from .common import Result, Sample, quick, ratio, sqlite_app, timed

TARGET = 1.3
RULES = 30
ROUNDS = 3
T0 = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)


def build(reviews: int, rules: int = RULES):
    from web.extensions import db
    from workflows.architecture_review import Dispensation, Review, ReviewAnswer, ReviewDecision, RuleUsage

    from review_support import add_rules

    app, people = sqlite_app("byplan-bench-p6-")
    with app.app_context():
        s = db.session
        version_ids = []
        for p in range(1, -(-rules // 10) + 1):
            version_ids += add_rules(s, min(10, rules - len(version_ids)), municipal=1, principle_number=p)
        owner = people.user("contact").id
        s.execute(insert(Review), [
            {"id": i + 1, "project": f"Projekt {i}", "project_key": f"projekt-{i}", "organisation": "Hjørring Kommune",
             "description": "Benchmark", "phase": "operation", "municipal": True, "owner_id": owner,
             "status": "decided", "round": ROUNDS, "reviewers": "", "flagged": False, "created_at": T0,
             "updated_at": T0} for i in range(reviews)])
        decisions, answers, disps = [], [], []
        for i in range(reviews):
            for r in range(1, ROUNDS + 1):
                did = len(decisions) + 1
                at = T0 + timedelta(days=30 * r, minutes=i)
                decisions.append({"id": did, "review_id": i + 1, "round": r, "outcome": "approved_with_dispensations",
                                  "reason": "Benchmark", "body": "board", "decided_by": "councillor",
                                  "decided_at": at, "public_at": at + timedelta(days=20)})
                for k, vid in enumerate(version_ids):
                    answers.append({"review_id": i + 1, "round": r, "rule_version_id": vid, "position": k,
                                    "assessment": "deviates" if k < 2 else "meets", "explanation": "Forklaret",
                                    "wg_comment": "", "active": True})
                for vid in version_ids[:2]:
                    disps.append({"review_id": i + 1, "decision_id": did, "rule_version_id": vid, "reason": "Forklaret",
                                  "conditions": "Genvurderes", "owner_id": owner,
                                  "expires_on": date(2031, 1, 1) + timedelta(days=(i * 7 + r) % 700),
                                  "status": "live", "flagged": False, "created_at": at})
        s.execute(insert(ReviewDecision), decisions)
        for start in range(0, len(answers), 5000):
            s.execute(insert(ReviewAnswer), answers[start:start + 5000])
        s.execute(insert(Dispensation), disps)
        n = reviews * ROUNDS
        s.execute(insert(RuleUsage), [{"rule_version_id": vid, "meets": 0 if k < 2 else n,
                                       "deviates": n if k < 2 else 0,
                                       "not_applicable": 0, "dispensations": n if k < 2 else 0}
                                      for k, vid in enumerate(version_ids)])
        s.commit()
        assert s.scalar(select(ReviewDecision.id).order_by(ReviewDecision.id.desc()).limit(1)) == n
    return app


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def run(small: int = 10, big: int | None = None, n: int | None = None, rules: int = RULES) -> Result:
    big = big if big is not None else (200 if quick() else 1000)
    n = n if n is not None else (5 if quick() else 30)
    apps = {"small": build(small, rules), "big": build(big, rules)}
    clients = {k: a.test_client() for k, a in apps.items()}
    pages = [("register", "/register/arkitekturvurderinger"), ("rule usage", "/register/arkitekturvurderinger/regler")]
    samples: dict[tuple[str, str], Sample] = {}
    for page, _ in pages:
        for size, count in (("small", small), ("big", big)):
            samples[(page, size)] = Sample(f"{page}, {count} reviews x {rules} rules")
    for page, url in pages:  # warm up (templates compiled, caches filled)
        for size in clients:
            _get(clients[size], url)
    for _ in range(n):
        for page, url in pages:
            for size in ("small", "big"):  # interleaved, so load on the machine hits both alike
                samples[(page, size)].seconds.append(timed(lambda: _get(clients[size], url)))
    ratios = [(f"{page}: {big} / {small} reviews", ratio(samples[(page, "big")], samples[(page, "small")]), TARGET,
               "max") for page, _ in pages]
    return Result("P11", f"public review register and rule usage, {big} vs {small} reviews x {rules} rules",
                  list(samples.values()), ratios)


if __name__ == "__main__":
    print(run().table())
