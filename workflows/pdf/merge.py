"""Pages of other PDF files placed into a generated, tagged document (an agenda pack's material).

The generated document (``render_pdf``) reserves one page for each page to be placed: an empty block
``<div class="pdf-insert">`` on a page of its own (see ``workflows/council/pdf/agenda.html``), so that
WeasyPrint's page numbers ("Side N af M") and bookmarks already count the placed pages. Each reserved
page keeps its page object (so the structure tree, the outline and the page numbers stay valid); the
placed page is drawn on it as a form XObject, scaled into the area above the footer, and tagged as one
``Figure`` with an alternative text, as a child of the reserved page's (empty) ``Div`` element.

What this keeps: the generated part's structure tree, title, language, MarkInfo, outline and page
labels. What it cannot do: an attached PDF's own tags (if it has any) are not carried over, so the text
of a placed page is reachable only as the Figure's alternative text plus the untagged text; the file
then no longer claims PDF/UA-1 in its XMP metadata (``pdfuaid:part`` is removed), because it would
not be true.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject,
)

PLACEHOLDER_CLASS = "pdf-insert"
#: the band at the bottom of a reserved page kept free for the footer (page number), in points
FOOTER_BAND = 17 * 72 / 25.4
_UA_CLAIM = re.compile(rb'\s*pdfuaid:part="1"')


class MergeError(Exception):
    """The generated document does not have the reserved pages the placed pages need."""


@dataclass(frozen=True)
class Placed:
    """A page to place, with the alternative text its Figure gets."""

    page: PageObject
    alt: str


def open_pdf(content: bytes) -> PdfReader | None:
    """An attached file as a PDF whose pages can be placed, or None (not a PDF, damaged, encrypted)."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        if not reader.pages:
            return None
        for page in reader.pages:  # read every page now: a damaged one is refused here, not in the merge
            page.mediabox  # noqa: B018
        return reader
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, NotImplementedError):
        return None


def _reserved_divs(root) -> list[DictionaryObject]:
    """The empty Div structure elements, in document order (each one is a reserved page)."""
    found: list[DictionaryObject] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
            return
        if not isinstance(node, DictionaryObject) or "/S" not in node:
            return
        kids = node.get("/K")
        if node["/S"] == "/Div" and "/Pg" in node and (kids is None or kids.get_object() == []):
            found.append(node)
            return
        if kids is not None:
            walk(kids)

    walk(root["/K"])
    return found


def _parent_tree_array(tree: DictionaryObject, page: PageObject) -> ArrayObject:
    """The page's array in the parent tree (MCID -> structure element), created if the page has none."""
    nums = tree["/ParentTree"].get_object()
    if "/Nums" not in nums:
        raise MergeError("the parent tree is not a flat number tree")
    entries = nums["/Nums"]
    if "/StructParents" in page:
        key = int(page["/StructParents"])
        for i in range(0, len(entries), 2):
            if int(entries[i]) == key:
                return entries[i + 1].get_object()
    key = max([int(entries[i]) for i in range(0, len(entries), 2)], default=-1) + 1
    array = ArrayObject()
    entries.extend([NumberObject(key), array])
    page[NameObject("/StructParents")] = NumberObject(key)
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(key + 1)
    return array


def _place(writer: PdfWriter, target: PageObject, placed: Placed, div: DictionaryObject, tree, n: int) -> None:
    source = placed.page
    box = source.cropbox
    llx, lly, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
    rotate = int(source.get("/Rotate", 0) or 0) % 360
    # the page as it is displayed: /Rotate turns it clockwise
    turn = {0: (1, 0, 0, 1, 0, 0), 90: (0, -1, 1, 0, 0, width), 180: (-1, 0, 0, -1, width, height),
            270: (0, 1, -1, 0, height, 0)}.get(rotate, (1, 0, 0, 1, 0, 0))
    if rotate in (90, 270):
        shown_w, shown_h = height, width
    else:
        shown_w, shown_h = width, height
    form = DecodedStreamObject()
    contents = source.get_contents()
    form.set_data(contents.get_data() if contents is not None else b"")
    resources = source.get("/Resources")
    form.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(v) for v in (llx, lly, llx + width, lly + height)]),
        NameObject("/Resources"): resources.get_object().clone(writer) if resources is not None
        else DictionaryObject(),
    })
    form_ref = writer._add_object(form)

    page_w, page_h = float(target.mediabox.width), float(target.mediabox.height)
    room = page_h - FOOTER_BAND
    scale = min(page_w / shown_w, room / shown_h) if shown_w and shown_h else 1.0
    x0 = (page_w - shown_w * scale) / 2
    y0 = FOOTER_BAND + (room - shown_h * scale) / 2
    ctm = (Transformation().translate(-llx, -lly).transform(Transformation(turn))
           .scale(scale, scale).translate(x0, y0)).ctm
    name = f"/BpInsert{n}"

    old = target.get("/Resources")
    own = DictionaryObject({k: v for k, v in old.get_object().items()}) if old is not None else DictionaryObject()
    xobjects = DictionaryObject(dict(own["/XObject"].get_object().items())) if "/XObject" in own else DictionaryObject()
    xobjects[NameObject(name)] = form_ref
    own[NameObject("/XObject")] = xobjects
    target[NameObject("/Resources")] = own

    mcids = _parent_tree_array(tree, target)
    mcid = len(mcids)
    figure = DictionaryObject({
        NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Figure"),
        NameObject("/P"): div.indirect_reference, NameObject("/Pg"): target.indirect_reference,
        NameObject("/K"): NumberObject(mcid), NameObject("/Alt"): TextStringObject(placed.alt),
        NameObject("/A"): DictionaryObject({
            NameObject("/O"): NameObject("/Layout"), NameObject("/Placement"): NameObject("/Block"),
            NameObject("/BBox"): ArrayObject([FloatObject(round(v, 3)) for v in
                                              (x0, y0, x0 + shown_w * scale, y0 + shown_h * scale)])}),
    })
    figure_ref = writer._add_object(figure)
    mcids.append(figure_ref)
    div[NameObject("/K")] = ArrayObject([figure_ref])

    existing = target.get_contents()
    matrix = " ".join(f"{v:.6f}" for v in ctm)
    draw = f"\nQ\n/Figure <</MCID {mcid}>> BDC\nq {matrix} cm {name} Do Q\nEMC\n".encode()
    stream = DecodedStreamObject()
    stream.set_data(b"q\n" + (existing.get_data() if existing is not None else b"") + draw)
    target[NameObject("/Contents")] = writer._add_object(stream)


def place_pages(document: bytes, pages: list[Placed]) -> bytes:
    """The generated `document` with `pages` drawn on its reserved pages, in order; without pages the
    document is returned as it is (still PDF/UA-1)."""
    if not pages:
        return document
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(document)))
    root = writer.root_object
    tree = root["/StructTreeRoot"].get_object()
    divs = _reserved_divs(tree)
    if len(divs) != len(pages):
        raise MergeError(f"{len(divs)} reserved pages for {len(pages)} pages to place")
    by_ref = {page.indirect_reference.idnum: page for page in writer.pages}
    for n, (div, placed) in enumerate(zip(divs, pages)):
        target = by_ref.get(div.raw_get("/Pg").idnum)
        if target is None:
            raise MergeError("a reserved page is not in the document")
        _place(writer, target, placed, div, tree, n)
    if "/Metadata" in root:  # an attached page's own tags are not carried over: no PDF/UA claim
        metadata = root["/Metadata"].get_object()
        stream = DecodedStreamObject()
        stream.update({k: v for k, v in metadata.items() if k not in ("/Filter", "/DecodeParms", "/Length")})
        stream.set_data(_UA_CLAIM.sub(b"", metadata.get_data()))
        root[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
