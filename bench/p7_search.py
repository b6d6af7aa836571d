"""P7: search over 100,000 records and documents vs 1,000, p95 latency, on SQLite and on PostgreSQL.

For each database kind, two databases in one run (a throwaway PostgreSQL server from tests/pgserver.py for
the PostgreSQL pair). Each holds N search entries, half cases and half documents, with titles and bodies of
40–80 Danish words from a vocabulary of a few hundred, spread over three visibilities (public, the lead's
working group, the secretariat's). The entries are written as `SearchIndex.put` writes them (the same
stemmed tokens; the FTS5 table and the tsvector come from the schema's triggers and generated column), in
bulk. Two queries, through the search page `GET /soeg?q=…` as the working group's lead (so the visibility
filter applies):

- a selective one: a word in exactly 20 entries in both databases (what a user who knows what they look
  for types);
- a common one: a word in 1 % of the entries (10 and 1,000 hits: the page shows 20, the count is of all).

Target: p95 of 100,000 <= 2 x p95 of 1,000, for each query and database.
"""
from __future__ import annotations

import random

from sqlalchemy import insert

from .common import Result, Sample, fast_passwords, quick, sqlite_app, timed

TARGET = 2.0
WORDS = ("kommune borger arkitektur princip data deling sikkerhed standard løsning system projekt "
         "samarbejde fællesskab digital service platform integration adgang identitet brugerstyring "
         "dokument sag høring beslutning råd netværk møde region udvikling drift leverandør aftale "
         "kontrakt økonomi gevinst risiko kvalitet test migrering version katalog regel afvigelse "
         "dispensation vurdering tilgængelighed åbenhed genbrug marked indkøb anskaffelse license "
         "kildekode infrastruktur netværk cloud hosting database register opslag grunddata adresse "
         "ejendom matrikel person virksomhed cvr cpr skat sundhed skole dagtilbud ældre beskæftigelse "
         "miljø klima teknik trafik vej byggeri plan lokalplan kommuneplan borgerrådgiver klage "
         "afgørelse journalisering arkivering sletning persondata samtykke logning overvågning").split()
RARE, COMMON = "kvantesikkerhed", "borgerportal"


def _text(rnd: random.Random, words: int) -> str:
    return " ".join(rnd.choice(WORDS) + ("" if rnd.random() > 0.1 else str(rnd.randint(1, 999)))
                    for _ in range(words))


class Corpus:
    def __init__(self, app, people, entries: int, seed: int = 7):
        from engine.search import PUBLIC, SearchEntry
        from web.extensions import db
        from workflows.directory import group_scope
        from workflows.search import scope_visibility

        self.app, self.people, self.entries = app, people, entries
        index = app.extensions["byplan"].search.index
        rnd = random.Random(seed)
        visibilities = [PUBLIC, scope_visibility(group_scope(people.group_id)), "secretariat"]
        visible = [k for k in range(entries) if k % 3 != 2]  # public or the lead's group: not the secretariat's
        rare = set(rnd.sample(visible, min(20, len(visible))))
        with app.app_context():
            s = db.session
            rows = []
            for k in range(entries):
                kind = "case" if k % 2 else "document"
                title = _text(rnd, 6)
                body = _text(rnd, rnd.randint(40, 80))
                if k in rare:
                    body += " " + RARE
                if k % 100 == 0:
                    title += " " + COMMON
                rows.append({"kind": kind, "key": f"b{k}", "title": title, "body": body,
                             "title_terms": index.analyzer.index_text(title),
                             "body_terms": index.analyzer.index_text(body),
                             "ref": {"case_id": k + 1} if kind == "case" else {"document_id": k + 1, "case_id": k + 1},
                             "visibility": visibilities[k % 3]})
                if len(rows) == 2000:
                    s.execute(insert(SearchEntry), rows)
                    rows = []
            if rows:
                s.execute(insert(SearchEntry), rows)
            s.commit()
        self.client = people.login(app.test_client(), "lead")

    def search(self, word: str) -> None:
        response = self.client.get(f"/soeg?q={word}")
        assert response.status_code == 200, response.status_code
        assert b'id="result-count"' in response.data


def _sqlite(entries: int) -> Corpus:
    app, people = sqlite_app("byplan-bench-p7-")
    return Corpus(app, people, entries)


def _measure(dbs: dict[int, Corpus], label: str, n: int) -> tuple[list[Sample], list[tuple]]:
    small, big = sorted(dbs)
    samples, ratios = [], []
    for word, what in ((RARE, "20 hits"), (COMMON, "1 % hits")):
        pair = {size: Sample(f"{label:<10} q={word:<16} {what:<8} {size:>7} entries") for size in dbs}
        for k in range(n + 5):
            for size, corpus in (dbs.items() if k % 2 else reversed(list(dbs.items()))):
                seconds = timed(lambda: corpus.search(word))
                if k >= 5:
                    pair[size].seconds.append(seconds)
        samples += [pair[small], pair[big]]
        ratios.append((f"{label} {what} p95, {big} / {small}", pair[big].p95_ms / pair[small].p95_ms, TARGET, "max"))
    return samples, ratios


def run(small: int = 1000, big: int | None = None, n: int | None = None,
        databases: tuple[str, ...] = ("sqlite", "postgresql")) -> Result:
    big = big or (10_000 if quick() else 100_000)
    n = n or (20 if quick() else 200)
    samples, ratios = [], []
    if "sqlite" in databases:
        s, r = _measure({small: _sqlite(small), big: _sqlite(big)}, "SQLite", n)
        samples += s
        ratios += r
    if "postgresql" in databases:
        from pgserver import PostgresServer
        from support import People, make_app

        from web.cli import init_db

        fast_passwords()
        with PostgresServer("byplan_bench_p7") as pg:
            dbs = {}
            for size in (small, big):
                url = pg.create_database(f"p7_{size}")
                app = make_app(url)
                init_db(app)
                dbs[size] = Corpus(app, People(app), size)
            s, r = _measure(dbs, "PostgreSQL", n)
            samples += s
            ratios += r
            for corpus in dbs.values():
                with corpus.app.app_context():
                    from web.extensions import db

                    db.session.remove()
                    db.engine.dispose()
    return Result("P7", f"search over {big} entries vs {small} (search page, as a working group's lead)",
                  samples, ratios)


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
