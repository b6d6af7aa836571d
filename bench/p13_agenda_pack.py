"""P13 (issue 15): generating a council meeting's agenda pack (one accessible PDF: cover, agenda, every item's
text and its attached PDFs placed after it, bookmarks and page numbers) for 20 items with 60 attached PDFs
vs 1 item with 3.

Both meetings are made through the services in one app (items and material added by the secretariat). The
attachments are realistic small multi-page PDFs (rendered once with `render_pdf`, three of 2-4 pages, each upload
re-saved with its own title, so every file is distinct and parsed on its own).
Timed: `MeetingPapers.agenda_pack` (read the records and the files, render the generated pages with WeasyPrint
PDF/UA-1, place the attached pages with pypdf), the internal variant (all material), in a session that is
rolled back. Interleaved, after a warm-up round. Then, once each and without a target, what publication pays:
both variants generated and stored as document versions, the search index extracting their text. Target: the
big pack within 20 x the small one (it holds 20 x the items and the material); the absolute seconds are reported
too.
"""
from __future__ import annotations

from .common import Result, Sample, quick, ratio, sqlite_app, timed

TARGET = 20.0


def attachments() -> list[bytes]:
    from workflows.pdf import render_pdf

    text = "Forslaget beskriver en fælles løsning for kommunerne, dens arkitektur, økonomi og tidsplan. "
    return [render_pdf("pdf/example.html", {"items": [f"Afsnit {n + 1}: {text * 6}" for n in range(sections)],
                                            "when": None}, title=f"Bilag med {sections} afsnit")
            for sections in (6, 10, 14)]


def distinct(content: bytes, n: int) -> bytes:
    """The attachment as a file of its own (another title, so another sha256): each is read and parsed like
    any other upload, none is shared with another item's."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(content)))
    writer.add_metadata({"/Title": f"Bilag nr. {n}"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


class PackBench:
    def __init__(self, sizes: list[tuple[int, int]], files: list[bytes]):
        from council_support import CouncilDriver
        from web.extensions import db

        self.app, self.people = sqlite_app("byplan-bench-p13-")
        self.byplan = self.app.extensions["byplan"]
        council = CouncilDriver(self.app, self.people)
        council.ensure_members(("chair", "councillor"))
        self.meetings, self.pages = {}, {}
        for items, per_item in sizes:
            meeting_id = council.create_meeting(title=f"Rådsmøde med {items} punkter")
            with self.app.app_context():
                secretary = self.people.user("secretary")
                for i in range(items):
                    item = self.byplan.council.add_item(db.session, secretary, meeting_id, {
                        "kind": "decision", "title": f"Beslutningspunkt {i + 1}",
                        "description": "Indstilling til rådet om en fælles løsning. " * 8})
                    for k in range(per_item):
                        self.byplan.council.add_material(db.session, secretary, item.id, f"bilag-{i + 1}-{k + 1}.pdf",
                                                         distinct(files[(i + k) % len(files)], i * 10 + k))
                db.session.commit()
            self.meetings[(items, per_item)] = meeting_id

    def store(self, size: tuple[int, int]) -> None:
        """What publication does: both variants generated and stored as versions (the search index extracts
        their text in the same transaction), rolled back."""
        from web.extensions import db
        from workflows.council import get_meeting

        with self.app.app_context():
            self.byplan.council.papers.refresh_agenda(db.session, get_meeting(db.session, self.meetings[size]))
            db.session.rollback()

    def generate(self, size: tuple[int, int]) -> bytes:
        from web.extensions import db

        with self.app.app_context():
            content = self.byplan.council.papers.agenda_pack(db.session, self.meetings[size], "internal")
            db.session.rollback()
            return content


def run(small: tuple[int, int] = (1, 3), big: tuple[int, int] | None = None, n: int | None = None) -> Result:
    from io import BytesIO

    from pypdf import PdfReader

    big = big or ((5, 3) if quick() else (20, 3))
    n = n or (2 if quick() else 5)
    bench = PackBench([small, big], attachments())
    samples = {size: Sample(f"agenda pack {size[0]:>2} items {size[0] * size[1]:>2} PDFs") for size in (small, big)}
    pages = {}
    for k in range(n + 1):  # interleaved; one warm-up round
        for size in (small, big):
            holder = {}
            seconds = timed(lambda: holder.setdefault("pdf", bench.generate(size)))
            pages[size] = len(PdfReader(BytesIO(holder["pdf"])).pages)
            if k >= 1:
                samples[size].seconds.append(seconds)
    for size in (small, big):
        samples[size].note = f"{pages[size]} pages, {samples[size].median_ms / 1000:.2f} s"
    stored = {size: Sample(f"stored, both variants {size[0]:>2} items") for size in (small, big)}
    for size in (small, big):  # once each: the figure publication pays (no target)
        stored[size].seconds.append(timed(lambda: bench.store(size)))
        stored[size].note = f"{stored[size].median_ms / 1000:.2f} s"
    return Result("P13", f"agenda pack generation, {big[0]} items with {big[0] * big[1]} attached PDFs vs {small[0]} "
                         f"with {small[0] * small[1]} (SQLite, service call, WeasyPrint + pypdf)",
                  [samples[small], samples[big], stored[small], stored[big]],
                  [(f"pack {big[0]}/{big[0] * big[1]} vs {small[0]}/{small[0] * small[1]}",
                    ratio(samples[big], samples[small]), TARGET, "max"),
                   ("stored, both variants, big vs small", ratio(stored[big], stored[small]), 0.0, "info")])


def main():
    result = run()
    print(result.table())
    return result


if __name__ == "__main__":
    main()
