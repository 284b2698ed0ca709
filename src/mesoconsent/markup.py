"""Parse the restricted markup that consent templates render into a document tree.

Templates produce a small, strict XML vocabulary (documented in docs/templates.md)::

    <document title=".." subject=".." dir="ltr|rtl">
      <header>..</header> <footer>.. <page-number/> .. <page-count/></footer>
      <h1>..</h1> <h2>..</h2> <h3>..</h3>
      <p data-disclosure="risks.rare_infection">..</p>
      <ul>/<ol> <li data-disclosure="..">..</li>
      <table widths="6 1 1" class="grid|fields"><tr><th>..</th><td>..</td></tr></table>
      (a row answering a screening question: <tr data-screening="<question id>">)
      <alert><p>..</p></alert>
      <signatures><signer role=".." signature=".." date="..">name</signer></signatures>
    </document>

with ``<strong>``, ``<em>``, ``<br/>`` and ``<check checked="yes|no"/>`` inside text. Jinja2's
autoescaping guarantees patient text arrives here as character data, never as elements, so
anything outside this vocabulary is a template bug and is reported as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal, TypeVar, cast
from xml.etree import ElementTree

import attrs

from mesoconsent import document as d
from mesoconsent.errors import TemplateError

T = TypeVar("T")


def _parse(markup: str) -> ElementTree.Element:
    """The markup's element tree, as the standard library's ElementTree (expat) reads it.

    Not lxml, which the rest of the package uses for DOCX: this tree is walked element by
    element in Python, and an lxml element makes a new proxy object, and new strings for its
    tag and text, at every access, which cost a fifth of the parse (the standard library's
    elements are Python objects already). Comments and processing instructions are dropped.
    A document type declaration is refused: it is the one way markup could define entities,
    and nothing a template writes needs one (patient text cannot hold one: its "<" arrives as
    "&lt;").
    """
    if "<!DOCTYPE" in markup:
        raise ElementTree.ParseError("a document type declaration (<!DOCTYPE) is not allowed")
    parser = ElementTree.XMLParser()
    parser.feed(markup)
    return parser.close()


# A {% static %} section (fragments.py) is replaced by a placeholder, which stands for blocks
# at the top level of the document, for rows directly inside a <table>, for list items
# directly inside a <ul> or <ol>, or for the page footer (a child of <document>).
PLACEHOLDER_TAG = "static-blocks"
ROWS_PLACEHOLDER_TAG = "static-rows"
ITEMS_PLACEHOLDER_TAG = "static-items"
FOOTER_PLACEHOLDER_TAG = "static-footer"
# Around the row of a checklist line with details, rendered in place of its static section's
# rows: it links the row to them (Row.stands_for), for the DOCX writer (fragments.py).
DETAILS_TAG = "static-details"
_PLACEHOLDERS = (
    PLACEHOLDER_TAG,
    ROWS_PLACEHOLDER_TAG,
    ITEMS_PLACEHOLDER_TAG,
    FOOTER_PLACEHOLDER_TAG,
    DETAILS_TAG,
)


# The attributes each element may carry; any other is a TemplateError, as an unknown element
# is: a misspelt one (widht=) would otherwise be dropped and change the form unseen.
# data-disclosure and data-screening are checked where they are placed (_check_placement),
# which says where they belong.
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "document": frozenset({"title", "subject", "dir"}),
    "table": frozenset({"widths", "class", "caption"}),
    "signer": frozenset({"role", "signature", "date"}),
    "check": frozenset({"checked"}),
    **{tag: frozenset({"ref"}) for tag in _PLACEHOLDERS},
}
# The markers of a disclosure and of a screening row, and the elements each belongs on.
_MARKERS = {"data-disclosure": ("p", "li"), "data-screening": ("tr",)}
_PLACED_ATTRIBUTES = frozenset(_MARKERS)
_VOCABULARY = frozenset(
    {"document", "header", "footer", "h1", "h2", "h3", "p", "ul", "ol", "li", "table", "tr"}
    | {"th", "td", "alert", "signatures", "signer", "strong", "em", "br", "check"}
    | {"page-number", "page-count", *_PLACEHOLDERS}
)
_NO_ATTRIBUTES: frozenset[str] = frozenset()
_ACCEPTED = {tag: _ATTRIBUTES.get(tag, _NO_ATTRIBUTES) | _PLACED_ATTRIBUTES for tag in _VOCABULARY}


def _placed(root: ElementTree.Element) -> list[ElementTree.Element]:
    """Elements whose place is checked: those that mark a disclosure or a screening row, and
    static-section placeholders. Raises TemplateError for an attribute the element may not
    carry (checked in the same walk of the tree, which every render makes)."""
    placed = []
    for element in root.iter():
        # keys(), not attrib: the C element makes an attrib dictionary for an element that has
        # none when it is first asked for one.
        names = element.keys()
        if not names:
            if element.tag in _PLACEHOLDERS:
                placed.append(element)
            continue
        accepted = _ACCEPTED.get(element.tag)
        # An element outside the vocabulary (None) is reported as such where it is built.
        if accepted is not None and not accepted.issuperset(names):
            unknown = sorted(set(names) - accepted)
            raise TemplateError(
                f"<{element.tag}> has no attribute {', '.join(unknown)}"
                f"{_allowed_attributes(element.tag)}"
            )
        if not _PLACED_ATTRIBUTES.isdisjoint(names) or element.tag in _PLACEHOLDERS:
            placed.append(element)
    return placed


def _allowed_attributes(tag: str) -> str:
    allowed = sorted(_ATTRIBUTES.get(tag, _NO_ATTRIBUTES))
    allowed += [marker for marker, tags in _MARKERS.items() if tag in tags]
    return f" (it may carry {', '.join(allowed)})" if allowed else " (it carries none)"


@attrs.frozen
class Parts:
    """What a static section holds: blocks, the rows of a table, the items of a list or the
    page footer (one kind of them, or nothing)."""

    blocks: tuple[d.Block, ...] = ()
    rows: tuple[d.Row, ...] = ()
    items: tuple[d.ListItem, ...] = ()
    footer: tuple[d.Inline, ...] | None = None


@attrs.frozen
class Inserted:
    """What the placeholders of one render stand for, by reference (fragments.py): blocks,
    rows, list items, footers, and the section each came from (its template, line and
    number), for errors."""

    blocks: Mapping[str, tuple[d.Block, ...]] = attrs.Factory(dict)
    rows: Mapping[str, tuple[d.Row, ...]] = attrs.Factory(dict)
    items: Mapping[str, tuple[d.ListItem, ...]] = attrs.Factory(dict)
    sections: Mapping[str, str] = attrs.Factory(dict)
    footers: Mapping[str, tuple[d.Inline, ...]] = attrs.Factory(dict)
    # The rows a checklist row with the patient's own words stands for, by the reference of
    # the <static-details> around it.
    stands_for: Mapping[str, tuple[d.Row, ...]] = attrs.Factory(dict)


_NOTHING_INSERTED = Inserted()


def parse_document(
    markup: str, metadata: d.Metadata, inserted: Inserted | None = None
) -> d.Document:
    """Turn rendered template markup into a :class:`~mesoconsent.document.Document`.

    ``inserted`` holds the blocks, rows, list items and footers of the static sections that
    the markup's ``<static-blocks ref=".."/>``, ``<static-rows ref=".."/>``,
    ``<static-items ref=".."/>`` and ``<static-footer ref=".."/>`` placeholders stand for
    (see fragments.py).
    """
    try:
        return _document(markup, metadata, inserted or _NOTHING_INSERTED)
    except RecursionError:  # elements nested thousands deep: only a template can write that
        raise TemplateError(_TOO_DEEP) from None


_TOO_DEEP = "template markup is nested too deeply"


def _document(markup: str, metadata: d.Metadata, inserted: Inserted) -> d.Document:
    try:
        root = _parse(markup)
    except ElementTree.ParseError as error:
        raise TemplateError(f"template produced malformed markup: {error}") from None
    placed = _placed(root)
    _check_placeholders(root, placed, inserted)
    if root.tag != "document":
        raise TemplateError(f"template markup must have <document> at the top, not <{root.tag}>")
    metadata = metadata.titled(root.get("title", "").strip(), root.get("subject", "").strip())
    direction = root.get("dir", "ltr")
    if direction not in ("ltr", "rtl"):
        raise TemplateError(f'<document dir="{direction}"> must be "ltr" or "rtl"')
    header: tuple[d.Inline, ...] = ()
    footer: tuple[d.Inline, ...] = ()
    blocks: list[d.Block] = []
    once: set[str] = set()  # a second header or footer would replace the first unseen
    for child in root:
        if child.tag in ("header", "footer", FOOTER_PLACEHOLDER_TAG):
            kind = "header" if child.tag == "header" else "footer"
            if kind in once:
                raise TemplateError(f"a document has one <{kind}>")
            once.add(kind)
        if child.tag == "header":
            header = _inlines(child)
        elif child.tag == "footer":
            footer = _inlines(child)
        elif child.tag == FOOTER_PLACEHOLDER_TAG:
            footer = _fragment(inserted.footers, child.get("ref", ""), FOOTER_PLACEHOLDER_TAG)
        elif child.tag == PLACEHOLDER_TAG:
            blocks.extend(_fragment(inserted.blocks, child.get("ref", ""), PLACEHOLDER_TAG))
        else:
            blocks.append(_block(child, inserted))
    _reject_loose_text(root)
    _check_placement(placed)
    return d.Document(
        metadata=metadata,
        direction=cast(Literal["ltr", "rtl"], direction),
        header=header,
        footer=footer,
        blocks=tuple(blocks),
    )


def _check_placeholders(
    root: ElementTree.Element, placed: list[ElementTree.Element], inserted: Inserted
) -> None:
    """Every placeholder of blocks or of a footer is a child of the root, every placeholder
    of rows a child of a <table>, and every placeholder of list items a child of a <ul> or
    <ol>."""
    placeholders = [element for element in placed if element.tag in _PLACEHOLDERS]
    if not placeholders:
        return
    at_top = (PLACEHOLDER_TAG, FOOTER_PLACEHOLDER_TAG)
    where_allowed = {id(child) for child in root if child.tag in at_top}
    for container, allowed in _CONTAINED.items():
        for element in root.iter(container):
            where_allowed.update(id(child) for child in element if child.tag in allowed)
    for element in placeholders:
        if id(element) not in where_allowed:
            problem = _MISPLACED[element.tag]
            raise TemplateError(f"{{% static %}}{_section_of(element, inserted)} {problem}")


# The placeholders each container may hold, and what a misplaced one is told.
_CONTAINED = {
    "table": (ROWS_PLACEHOLDER_TAG, DETAILS_TAG),
    "ul": (ITEMS_PLACEHOLDER_TAG,),
    "ol": (ITEMS_PLACEHOLDER_TAG,),
}
_MISPLACED = {
    PLACEHOLDER_TAG: "must be at the top level of the document, around whole blocks",
    ROWS_PLACEHOLDER_TAG: "holds table rows (<tr>): it belongs directly inside a <table>",
    ITEMS_PLACEHOLDER_TAG: "holds list items (<li>): it belongs directly inside a <ul> or <ol>",
    DETAILS_TAG: "holds table rows (<tr>): it belongs directly inside a <table>",
    FOOTER_PLACEHOLDER_TAG: "holds the page footer (<footer>): it belongs directly inside "
    "<document>",
}


def _section_of(placeholder: ElementTree.Element, inserted: Inserted) -> str:
    """ " at <template>, line <n>, section <k>" for a placeholder (only an error needs it),
    or "" if that is not known."""
    where = inserted.sections.get(placeholder.get("ref", ""))
    return f" at {where}" if where else ""


def _fragment(fragments: Mapping[str, tuple[T, ...]], ref: str, tag: str) -> tuple[T, ...]:
    try:
        return fragments[ref]  # each render's references are random: a template cannot guess
    except KeyError:
        raise TemplateError(f"<{tag}> is written by {{% static %}} only") from None


def parse_section(markup: str, where: str) -> Parts:
    """The blocks of a static section's markup; or its rows if it holds table rows (<tr>)
    and nothing else, its items if it holds list items (<li>) and nothing else, or the
    footer if it holds one <footer> and nothing else (``where`` names it in errors)."""
    try:
        root = _parse(f"<static>{markup}</static>")
    except ElementTree.ParseError as error:
        raise TemplateError(
            f"{{% static %}} at {where} must hold whole blocks (<h2>, <p>, <ul>...), whole "
            f"table rows (<tr>) or whole list items (<li>): {error}"
        ) from None
    tags = {child.tag for child in root}
    # Whether the section's shape is wrong (what it holds at its top level), or something
    # in it is: an error of the second kind must not send its reader to look for a section
    # in the wrong place (found by a review).
    of_shape = (
        bool(tags & _CELL_TAGS)
        or (len(tags) > 1 and bool(tags & _PART_TAGS))
        or (tags == {"footer"} and len(root) > 1)
        or _holds_loose_text(root)
    )
    try:
        _check_placement(_placed(root))
        _reject_loose_text(root)
        if tags == {"tr"}:
            return Parts(rows=tuple(_row(child) for child in root))
        if tags == {"li"}:
            return Parts(items=tuple(_item(child) for child in root))
        if tags == {"footer"}:
            if len(root) != 1:
                raise TemplateError("a document has one <footer>")
            return Parts(footer=_inlines(root[0]))
        return Parts(blocks=tuple(_block(child, _NOTHING_INSERTED) for child in root))
    except RecursionError:
        raise TemplateError(f"{{% static %}} at {where}: {_TOO_DEEP}") from None
    except TemplateError as error:
        if not of_shape:
            raise TemplateError(f"{{% static %}} at {where}: {error}") from None
        raise TemplateError(
            f"{{% static %}} at {where} must hold whole blocks at the top level of the "
            f"document, whole rows of a table, whole items of a list or the page footer: "
            f"{error}"
        ) from None


# What a static section may hold instead of blocks (all of one kind), and cells, which it
# may not hold at all.
_PART_TAGS = frozenset({"tr", "li", "footer"})
_CELL_TAGS = frozenset({"td", "th"})


def _check_placement(placed: list[ElementTree.Element]) -> None:
    """Tagged elements (_placed) where the gate would only report the item missing, not why."""
    for marker, tags in _MARKERS.items():
        for element in placed:
            if element.get(marker) is not None and element.tag not in tags:
                where = " or ".join(f"<{tag}>" for tag in tags)
                raise TemplateError(f"{marker} belongs on {where}, not <{element.tag}>")


def _block(element: ElementTree.Element, inserted: Inserted) -> d.Block:
    """A block; ``inserted`` holds the rows and items that static sections in its tables and
    lists stand for."""
    tag = element.tag
    if tag == "table":
        return _table(element, inserted)
    if tag in ("ul", "ol"):
        return _list(element, inserted.items)
    if tag == "alert":
        return _alert(element, inserted)
    builder = _BLOCKS.get(tag)
    if builder is None:
        raise TemplateError(f"<{tag}> is not allowed at block level")
    return builder(element)


def _paragraph(element: ElementTree.Element) -> d.Paragraph:
    return d.Paragraph(_inlines(element), disclosure=element.get("data-disclosure"))


def _heading(element: ElementTree.Element) -> d.Heading:
    return d.Heading(int(element.tag[1]), _inlines(element))


def _list(
    element: ElementTree.Element, inserted: Mapping[str, tuple[d.ListItem, ...]]
) -> d.ListBlock:
    items = _contents(element, "li", _item, ITEMS_PLACEHOLDER_TAG, inserted)
    return d.ListBlock(ordered=element.tag == "ol", items=tuple(items))


def _contents(
    container: ElementTree.Element,
    tag: str,
    make: Callable[[ElementTree.Element], T],
    placeholder: str,
    inserted: Mapping[str, tuple[T, ...]],
    details: Inserted | None = None,
) -> list[T]:
    """What a <table> or list holds: each <tag> made by ``make``, in each placeholder's
    place the parts of its static section, and (a table's, given ``details``) the rows of
    each <static-details>."""
    contents: list[T] = []
    for child in container:
        if child.tag == tag:
            contents.append(make(child))
        elif child.tag == placeholder:
            contents.extend(_fragment(inserted, child.get("ref", ""), placeholder))
        elif child.tag == DETAILS_TAG and details is not None:
            contents.extend(cast(list[T], _details_rows(child, details)))
        else:
            raise TemplateError(f"<{container.tag}> may only hold <{tag}>, not <{child.tag}>")
    _reject_loose_text(container)
    return contents


def _item(element: ElementTree.Element) -> d.ListItem:
    return d.ListItem(_inlines(element), disclosure=element.get("data-disclosure"))


def _table(element: ElementTree.Element, inserted: Inserted) -> d.Table:
    rows = _contents(element, "tr", _row, ROWS_PLACEHOLDER_TAG, inserted.rows, inserted)
    columns = max((len(row.cells) for row in rows), default=0)
    if not columns:
        raise TemplateError("a <table> needs at least one <tr> with a cell")
    spec = element.get("widths", "").split()
    if not all(width.isascii() and width.isdigit() and int(width) > 0 for width in spec) or (
        spec and len(spec) != columns
    ):
        numbers = "number" if columns == 1 else "numbers"
        raise TemplateError(f"<table widths> must give {columns} positive whole {numbers}")
    widths = tuple(int(width) for width in spec) or (1,) * columns
    if any(len(row.cells) != columns for row in rows):
        raise TemplateError("every <tr> of a <table> must have the same number of cells")
    kind = element.get("class", "grid")
    if kind not in ("grid", "fields"):
        raise TemplateError('<table class> must be "grid" or "fields"')
    caption = " ".join(element.get("caption", "").split())
    return d.Table(tuple(rows), widths, cast(Literal["grid", "fields"], kind), caption)


def single_row(parts: Parts) -> d.Row | None:
    """The row of a static section that holds one row and nothing else, or None."""
    if len(parts.rows) != 1 or parts != Parts(rows=parts.rows):
        return None
    return parts.rows[0]


def row_shape(row: d.Row) -> tuple[int, bool, str | None]:
    """What rows that stand for one another share: cells, header or not, question."""
    return len(row.cells), row.header, row.screening


def _details_rows(element: ElementTree.Element, inserted: Inserted) -> list[d.Row]:
    """The rows of a <static-details>: the first linked to the rows it stands for, if it is
    like them (then the writer makes them at its place)."""
    ref = element.get("ref", "")
    alternatives = _fragment(inserted.stands_for, ref, DETAILS_TAG)
    rows = []
    for child in element:
        if child.tag != "tr" or (child.tail and not child.tail.isspace()):
            raise TemplateError(
                f"{{% static for %}}{_section_of(element, inserted)}: with the patient's "
                f"details, a line made other than table rows (<tr>): it must make a row, as "
                f"it does without them"
            )
        rows.append(_row(child))
    if rows and all(row_shape(row) == row_shape(rows[0]) for row in alternatives):
        rows[0] = attrs.evolve(rows[0], stands_for=alternatives)
    return rows


def _row(row: ElementTree.Element) -> d.Row:
    cells = []
    header = True
    for cell in row:
        tag = cell.tag
        if tag == "td":
            header = False
        elif tag != "th":
            raise TemplateError(f"<tr> may only hold <th> or <td>, not <{tag}>")
        cells.append(d.Cell(_inlines(cell)))
    _reject_loose_text(row)
    return d.Row(tuple(cells), header=header, screening=row.get("data-screening"))


def _alert(element: ElementTree.Element, inserted: Inserted) -> d.Alert:
    inner = [_block(child, inserted) for child in element]
    _reject_loose_text(element)
    if not all(isinstance(block, d.Paragraph | d.ListBlock) for block in inner):
        raise TemplateError("<alert> may only hold <p>, <ul> and <ol>")
    return d.Alert(tuple(cast(list[d.Paragraph | d.ListBlock], inner)))


def plain_name(element: ElementTree.Element) -> str:
    """A signer's name: element content, never an attribute, since XML attribute values
    turn tabs and line breaks into spaces and the name must print exactly as given."""
    if len(element):
        raise TemplateError("<signer> holds the signer's name as plain text only")
    return element.text or ""


def _signatures(element: ElementTree.Element) -> d.SignatureBlock:
    signers = []
    for child in element:
        if child.tag != "signer":
            raise TemplateError(f"<signatures> may only hold <signer>, not <{child.tag}>")
        try:
            signers.append(
                d.Signer(
                    role=str(child.attrib["role"]),
                    name=plain_name(child),
                    signature_caption=str(child.attrib["signature"]),
                    date_caption=str(child.attrib["date"]),
                )
            )
        except KeyError as missing:
            raise TemplateError(f"<signer> needs the attribute {missing}") from None
    _reject_loose_text(element)
    if not signers:
        raise TemplateError("<signatures> needs at least one <signer>")
    return d.SignatureBlock(tuple(signers))


_BLOCKS: dict[str, Callable[[ElementTree.Element], d.Block]] = {
    "p": _paragraph,
    "h1": _heading,
    "h2": _heading,
    "h3": _heading,
    "signatures": _signatures,
}


# A line break in the template source, with the indentation around it, is layout of the
# template, not text: it reads as one space (or nothing at the edge of a block). Patient text
# never holds a line break by the time it gets here: validation rejects one in single-line
# fields and the template turns those of multi-line fields into <br/>.
_SOURCE_BREAK = re.compile(r"[ \t\r]*\n[ \t\r\n]*")
_LEADING_BREAK = re.compile(r"\A[ \t\r]*\n[ \t\r\n]*")
_TRAILING_BREAK = re.compile(r"[ \t\r]*\n[ \t\r\n]*\Z")


def _inlines(element: ElementTree.Element) -> tuple[d.Inline, ...]:
    text = element.text
    if len(element) == 0 and (not text or "\n" not in text):
        # Most paragraphs are one run of plain text on one line: nothing to merge or tidy.
        return (d.Text(text),) if text else ()
    if not text and len(element) == 1:
        # Most table cells are a bold label or a box, alone: also nothing to merge or tidy.
        only = element[0]
        if not only.tail and len(only) == 0:
            inline = _alone(only)
            if inline is not None:
                return (inline,)
    raw: list[d.Inline] = []
    _collect(element, raw, bold=False, italic=False)
    joined = _merge(raw)
    if not any(isinstance(inline, d.Text) and "\n" in inline.text for inline in joined):
        return joined  # no template line breaks to tidy, and no empty runs
    merged = list(joined)
    if merged and isinstance(merged[0], d.Text):
        first = merged[0]
        merged[0] = d.Text(_LEADING_BREAK.sub("", first.text), first.bold, first.italic)
    if merged and isinstance(merged[-1], d.Text):
        last = merged[-1]
        merged[-1] = d.Text(_TRAILING_BREAK.sub("", last.text), last.bold, last.italic)
    tidy = (
        d.Text(_SOURCE_BREAK.sub(" ", i.text), i.bold, i.italic) if isinstance(i, d.Text) else i
        for i in merged
    )
    return tuple(inline for inline in tidy if not isinstance(inline, d.Text) or inline.text)


def _alone(element: ElementTree.Element) -> d.Inline | None:
    """The inline an element without children makes on its own, where that is simple: one
    line of bold or italic text, or a box. None for anything else (_collect decides)."""
    tag = element.tag
    if tag == "check":
        _check_empty(element)
        return _BOXES[element.get("checked") == "yes"]
    text = element.text
    if not text or "\n" in text:
        return None
    if tag == "strong":
        return d.Text(text, True, False)
    if tag == "em":
        return d.Text(text, False, True)
    return None


_BOXES = {checked: d.Checkbox(checked) for checked in (True, False)}


def _collect(
    element: ElementTree.Element, out: list[d.Inline], *, bold: bool, italic: bool
) -> None:
    if element.text:
        out.append(d.Text(element.text, bold, italic))
    for child in element:
        tag = child.tag
        if tag in _HOLDING_NOTHING:
            _check_empty(child)
        if tag == "strong":
            _collect(child, out, bold=True, italic=italic)
        elif tag == "em":
            _collect(child, out, bold=bold, italic=True)
        elif tag == "br":
            out.append(d.LineBreak())
        elif tag == "check":
            out.append(_BOXES[child.get("checked") == "yes"])
        elif tag == "page-number":
            out.append(d.PageField("page"))
        elif tag == "page-count":
            out.append(d.PageField("pages"))
        else:
            raise TemplateError(f"<{tag}> is not allowed inside <{element.tag}>")
        if child.tail:
            out.append(d.Text(child.tail, bold, italic))


_HOLDING_NOTHING = frozenset({"br", "check", "page-number", "page-count"})


def _check_empty(element: ElementTree.Element) -> None:
    """What is put in an element that holds nothing would print nowhere, without a word."""
    text = element.text
    if len(element) or (text and not text.isspace()):
        raise TemplateError(
            f"<{element.tag}> holds nothing: write <{element.tag}/> (what is inside it would "
            "not print)"
        )


def _merge(inlines: list[d.Inline]) -> tuple[d.Inline, ...]:
    """Join neighbouring runs of the same formatting; whitespace is kept exactly."""
    merged: list[d.Inline] = []
    for inline in inlines:
        last = merged[-1] if merged else None
        if (
            isinstance(inline, d.Text)
            and isinstance(last, d.Text)
            and (last.bold, last.italic) == (inline.bold, inline.italic)
        ):
            merged[-1] = d.Text(last.text + inline.text, last.bold, last.italic)
        else:
            merged.append(inline)
    return tuple(merged)


def _reject_loose_text(element: ElementTree.Element) -> None:
    """Block containers hold blocks; stray words between them would be silently lost."""
    if _holds_loose_text(element):
        where = _WORDS_GO.get(element.tag, "in a <p>")
        raise TemplateError(f"text directly inside <{element.tag}> must be {where}")


def _holds_loose_text(element: ElementTree.Element) -> bool:
    text = element.text
    return bool(text and not text.isspace()) or any(
        (tail := child.tail) and not tail.isspace() for child in element
    )


# Where words go in the elements that hold no <p> (elsewhere, in a <p>).
_WORDS_GO = {
    "ul": "in an <li>",
    "ol": "in an <li>",
    "table": "in a <td> or <th>, in a <tr>",
    "tr": "in a <td> or <th>",
    "signatures": "in a <signer>, as a signer's name",
}
