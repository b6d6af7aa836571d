"""The API's search over what the caller may see."""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from workflows.search import SearchForm

from ..extensions import byplan_service, db
from ..search import hit_url, marked
from .common import bp, errors, required_text, token_required


class SearchQuery(SearchForm):
    """The search page's form (workflows.search.SearchForm) as the API's query. It differs in two ways: a
    query is required (the page shows an empty box without one), and the API pages by limit and offset
    where the page has page numbers."""

    class Meta(SearchForm.Meta):
        exclude = ("page",)

    q = required_text(SearchForm, "q",
                      description="Words to find (Danish words are stemmed: \"høringer\" finds \"høring\"); every "
                                  "word must occur, the last one also as a prefix.")
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))


class SpanField(fields.List):
    """[start, end): character offsets of a matched word in the plain text beside it."""

    def __init__(self, **kwargs):
        super().__init__(fields.List(fields.Integer(), validate=validate.Length(equal=2)), **kwargs)


class SearchHitSchema(Schema):
    kind = fields.String()
    key = fields.String()
    title = fields.String()
    title_highlights = SpanField(metadata={"description": "The matched words of `title`: [start, end) offsets."})
    snippet = fields.String(metadata={"description": "HTML: the text escaped, matches in <mark>."})
    snippet_text = fields.String(metadata={"description": "The snippet as plain text."})
    snippet_highlights = SpanField(metadata={"description": "The matched words of `snippet_text`: [start, end)."})
    rank = fields.Float()
    url = fields.String()


class SearchResultSchema(Schema):
    total = fields.Integer(metadata={"description": "Hits of the requested kind (or all)."})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "Hits per kind."})
    hits = fields.List(fields.Nested(SearchHitSchema))


@bp.route("/search")
class SearchView(MethodView):
    @token_required
    @bp.arguments(SearchQuery, location="query")
    @bp.response(200, SearchResultSchema)
    @errors(400, 401, 422)
    def get(self, args):
        """Search cases, documents, principles, hearings and meetings that I may see, best first."""
        hits, total, counts = byplan_service().search.find(db.session, g.api_user, args["q"], args.get("type"),
                                                           limit=args["limit"], offset=args["offset"])
        return {"total": total, "counts": counts,
                "hits": [{"kind": h.kind, "key": h.key, "title": h.title,
                          "title_highlights": [list(span) for span in h.title_highlight.spans],
                          "snippet": str(marked(h.snippet)), "snippet_text": h.snippet.text,
                          "snippet_highlights": [list(span) for span in h.snippet.spans],
                          "rank": h.rank, "url": hit_url(h)} for h in hits]}
