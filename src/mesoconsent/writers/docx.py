"""Write a document tree as a Word-native, deterministic DOCX.

The package is assembled directly: ``word/document.xml``, the header, the footer and the core
properties are generated per document from the tree; styles, numbering, settings and
relationships come from ``docx_parts`` and are built once per language. Every zip entry has a
fixed timestamp and the core properties are dated with the consent date, so the same request
gives the same bytes on any day, with the same versions of mesoconsent and of the libraries it
uses: a clinic can hash and archive what the patient signed. (Another zlib or zlib-ng may
deflate the same parts into other bytes: docs/architecture.md.)

Each paragraph that states a required disclosure carries a bookmark named after the
disclosure id (see :func:`bookmark_name`). Bookmarks are invisible, survive editing and
re-saving in Word and LibreOffice, and go away when the paragraph is deleted, which is exactly
what ``verify`` needs to notice.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator

from mesoconsent import document as d
from mesoconsent.bidi import LRI, PDI, ltr_segments, whole_lines
from mesoconsent.writers import wordml as w
from mesoconsent.writers.docx_parts import (
    CONTENT_TYPES,
    CORE_NAMESPACES,
    CUSTOM_XML_END,
    DOCUMENT_RELS,
    FIRST_ORDERED_NUM_ID,
    PACKAGE_RELS,
    SYMBOL_FONT,
    TEXT_WIDTH,
    app_xml,
    custom_property,
    custom_xml_start,
    numbering_xml,
    section_properties,
    settings_xml,
    styles_xml,
)
from mesoconsent.writers.shared import (
    SharedBlocks,
    column_headings,
    declarations,
    fits_on_a_page,
    output,
)
from mesoconsent.writers.zip import (
    ONCE,
    CompressedPart,
    OpenPart,
    Segment,
    compress_part,
    deflate_segment,
    form_segment,
    segmented_part,
    stored_segment,
    zip_parts,
)

BOOKMARK_PREFIX = "_mc_"
DRAFT_COLOR = "C00000"
_FIELD_INSTRUCTIONS = {"page": "PAGE", "pages": "NUMPAGES"}


@functools.lru_cache(maxsize=1024)  # ids of procedure files, never request text
def bookmark_name(disclosure_id: str) -> str:
    """The bookmark that marks a disclosure: ``_mc_`` and 12 hex digits of the id's SHA-256.

    Word allows at most 40 letters, digits and "_" in a bookmark name, fewer than a readable
    id needs; a leading "_" keeps the bookmark out of Word's bookmark list. ``verify`` maps
    names back through the procedure's ids (:func:`bookmark_names`).
    """
    return BOOKMARK_PREFIX + hashlib.sha256(disclosure_id.encode()).hexdigest()[:12]


MAX_SIGNERS = 10


def structural_marks(screening_ids: Iterable[str]) -> list[str]:
    """Every mark besides disclosures that a document may carry: its screening rows, its
    alert and its signers (blocks of up to MAX_SIGNERS)."""
    marks = [d.screening_key(question) for question in screening_ids] + [d.ALERT_MARK]
    marks += [
        d.signature_mark(number, count)
        for count in range(1, MAX_SIGNERS + 1)
        for number in range(1, count + 1)
    ]
    return marks


def bookmark_names(disclosure_ids: Iterable[str]) -> dict[str, str]:
    """Bookmark name -> disclosure id, for reading a document back."""
    return {bookmark_name(disclosure_id): disclosure_id for disclosure_id in disclosure_ids}


# w.run_properties and w.paragraph_properties, by position: a cache lookup by keyword arguments
# cost more than writing the run.
def _text_properties(
    bold: bool, italic: bool, rtl: bool, size: int | None, color: str | None
) -> str:
    found = _TEXT_PROPERTIES.get((bold, italic, rtl, size, color))
    if found is not None:
        return found
    return w.run_properties(bold=bold, italic=italic, rtl=rtl, size_half_points=size, color=color)


# Every run of text the writer makes, made when it is imported rather than on first use: a
# cache filled by use would tell which kinds of run forms have had (italics: details, which a
# "yes" answer gives; right-to-left or not, within an Arabic form's details).
_TEXT_PROPERTIES = {
    (bold, italic, rtl, size, color): w.run_properties(
        bold=bold, italic=italic, rtl=rtl, size_half_points=size, color=color
    )
    for bold in (False, True)
    for italic in (False, True)
    for rtl in (False, True)
    for size, color in ((None, None), (24, DRAFT_COLOR))  # text, and the draft notice
}


@functools.lru_cache(maxsize=256)  # bounded: list numbers grow with a template's lists
def _paragraph_properties(
    style: str | None, num_id: int | None, keep_next: bool, bidi: bool, align: str | None
) -> str:
    return w.paragraph_properties(
        style=style, num_id=num_id, keep_next=keep_next, bidi=bidi, align=align
    )


class _BodyWriter:
    """Walks the blocks of one document, numbering bookmarks and ordered lists as it goes."""

    def __init__(self, rtl: bool, shared: SharedBlocks | None = None) -> None:
        self.rtl = rtl
        self.shared = shared
        self.bookmarks = 0
        self.ordered_lists = 0
        # Alerts are numbered apart from the other bookmarks, from ALERT_BOOKMARKS: numbered
        # with them, an alert (a "yes" answer) would move the number every static section
        # after it starts from, and so be told by what is kept. An alert in a static section
        # is the same on every form, and takes the next number like any bookmark there.
        self.alerts = 0
        self.in_static = False
        # The body's last block (segments): a signature block there is followed by
        # _END_SPACER, not _SPACER.
        self.last: d.Block | None = None

    def inline_runs(
        self,
        inlines: tuple[d.Inline, ...],
        *,
        bold: bool = False,
        size: int | None = None,
        color: str | None = None,
    ) -> str:
        if self.rtl:
            return self._rtl_inline_runs(inlines, bold, size, color)
        out = []
        for inline in inlines:
            if isinstance(inline, d.Text):
                rpr = _text_properties(bold or inline.bold, inline.italic, False, size, color)
                out.append(w.text_run(inline.text, rpr))
            else:
                out.append(self._other_run(inline, size))
        return "".join(out)

    def _rtl_inline_runs(
        self, inlines: tuple[d.Inline, ...], bold: bool, size: int | None, color: str | None
    ) -> str:
        """Runs of a right-to-left document: left-to-right stretches (Latin names, phone
        numbers) get their own isolated, left-to-right runs, and a line with no right-to-left
        letter is one such stretch whole (see bidi.py)."""
        out = []
        alone = whole_lines(inlines)
        for index, inline in enumerate(inlines):
            if isinstance(inline, d.Text):
                for piece, ltr in ltr_segments(inline.text, index in alone):
                    rpr = _text_properties(bold or inline.bold, inline.italic, not ltr, size, color)
                    out.append(w.text_run(f"{LRI}{piece}{PDI}" if ltr else piece, rpr))
            else:
                out.append(self._other_run(inline, size))
        return "".join(out)

    def _other_run(self, inline: d.LineBreak | d.Checkbox | d.PageField, size: int | None) -> str:
        if isinstance(inline, d.LineBreak):
            return _BREAK_RUN
        if isinstance(inline, d.Checkbox):
            return _CHECKBOX_RUNS[inline.checked]
        rpr = w.run_properties(rtl=self.rtl, size_half_points=size)
        return w.field_runs(_FIELD_INSTRUCTIONS[inline.kind], "1", rpr)

    def para(
        self,
        inlines: tuple[d.Inline, ...],
        *,
        style: str | None = None,
        disclosure: str | None = None,
        num_id: int | None = None,
        keep_next: bool = False,
        align: str | None = None,
        bold: bool = False,
        size: int | None = None,
        start: tuple[int, str] | None = None,
        end: int | None = None,
    ) -> str:
        """A paragraph; a disclosure's bookmark spans it, or ``start``/``end`` open or close a
        bookmark spanning several (see :meth:`new_mark`)."""
        ppr = _paragraph_properties(style, num_id, keep_next, self.rtl, align)
        if disclosure is not None:
            start = self.new_mark(bookmark_name(disclosure))
            end = start[0]
        runs = self.inline_runs(inlines, bold=bold, size=size)
        return w.paragraph(ppr, runs, start=start, end=end)

    def new_mark(self, name: str) -> tuple[int, str]:
        """A bookmark (id, name) with the next free id."""
        self.bookmarks += 1
        return self.bookmarks, name

    def blocks(self, blocks: tuple[d.Block, ...]) -> Iterator[str]:
        held = _declaration_paragraphs(blocks)
        for index, block in enumerate(blocks):
            yield self._block(block, index in held)

    def segments(self, blocks: tuple[d.Block, ...]) -> Iterator[Segment]:
        """The body's XML in deflated segments: the blocks of each static section are one,
        made and deflated once for each position it is written at (the bookmark and list
        numbers it starts from); the blocks between them make one each time. The numbering
        moves on as if every block had been written again.

        Each static section is a segment of its own, even next to another or to itself: were
        two written as one, what is kept would tell whether a form had something between
        them (the alert of a "yes" answer), or how often a section was repeated.

        Static sections that together hold less than INLINE_BELOW bytes between two stretches
        of the form's own blocks (a heading between two tables) join them in one stretch,
        deflated with them: their kept XML is copied in, which is cheaper than starting a
        compressor for each side. What is kept is the same either way."""
        held = _declaration_paragraphs(blocks)
        self.last = blocks[-1] if blocks else None
        shared = self.shared
        own: list[bytes] = []  # the form's own stretch so far, and what joined it
        between: list[Segment] = []  # static sections since the form's own last blocks
        for number, items in _runs(blocks, shared):
            run_blocks = tuple(block for _, block in items)
            keep = tuple(index in held for index, _ in items)
            if shared is None or number is None:
                xml = self._xml(run_blocks, keep).encode()
                if own and sum(len(segment.content) for segment in between) < INLINE_BELOW:
                    own += [segment.content for segment in between]
                else:
                    if own:
                        yield form_segment(b"".join(own))
                    yield from between
                    own = []
                between = []
                own.append(xml)
                continue
            position = ("docx", self.rtl, keep, self.bookmarks, self.ordered_lists)
            # (A run with a section number is of shared blocks alone: _runs found each one's.)
            segment, self.bookmarks, self.ordered_lists = shared.run_output(
                run_blocks,
                position,
                functools.partial(self._segment, keep=keep, make=_once),
                all_shared=True,
            )
            between.append(segment)
        if own:
            yield form_segment(b"".join(own))
        yield from between

    def _segment(
        self,
        blocks: tuple[d.Block, ...],
        keep: tuple[bool, ...],
        make: Callable[[bytes], Segment],
    ) -> tuple[Segment, int, int]:
        self.in_static = True
        try:
            xml = self._xml(blocks, keep)
        finally:
            self.in_static = False
        return make(xml.encode()), self.bookmarks, self.ordered_lists

    def _xml(self, blocks: tuple[d.Block, ...], keep: tuple[bool, ...]) -> str:
        return "".join(
            [self._block(block, keep_next) for block, keep_next in zip(blocks, keep, strict=True)]
        )

    def _block(self, block: d.Block, keep_next: bool) -> str:
        if isinstance(block, d.Paragraph):
            return self.para(block.inlines, disclosure=block.disclosure, keep_next=keep_next)
        if isinstance(block, d.Heading):
            style = {1: "Title", 2: "Heading1"}.get(block.level, "Heading2")
            return self.para(block.inlines, style=style)
        if isinstance(block, d.ListBlock):
            return self.list_block(block)
        if isinstance(block, d.Table):
            return self.table(block)
        if isinstance(block, d.Alert):
            return self.alert(block)
        return self.signatures(block)

    def list_block(self, block: d.ListBlock) -> str:
        if block.ordered:
            num_id: int | None = FIRST_ORDERED_NUM_ID + self.ordered_lists
            self.ordered_lists += 1
            style = "ListNumber"
        else:
            num_id, style = None, "ListBullet"  # the style carries the bullet numbering
        # Items of {% static %} sections are written once per position: the list's style and
        # numbering, and the bookmark number they start from.
        make = functools.partial(self._item_and_marks, style=style, num_id=num_id)
        paragraphs = []
        for item in block.items:
            position = ("docx", self.rtl, style, num_id, self.bookmarks)
            xml, self.bookmarks = output(self.shared, item, position, make)
            paragraphs.append(xml)
        return "".join(paragraphs)

    def _item_and_marks(self, item: d.ListItem, style: str, num_id: int | None) -> tuple[str, int]:
        """An item and the bookmark number after it."""
        xml = self.para(item.inlines, style=style, num_id=num_id, disclosure=item.disclosure)
        return xml, self.bookmarks

    def table(self, block: d.Table) -> str:
        widths = _column_widths(block.widths)
        shared = self.shared
        # Rows of {% static %} sections (the checklist's) are written once per position: their
        # columns and the bookmark number they start from. A checklist row is written with the
        # rows that stand for the question's other answers, or that a row with the patient's
        # own words stands for: what is kept is the same whatever the answer
        # (SharedBlocks.share_alternatives).
        labels = _box_labels(block)
        make = functools.partial(self._row_and_marks, widths=widths, labels=labels)
        rows = []
        for row in block.rows:
            start = self.bookmarks
            position = ("docx", self.rtl, widths, labels, start)
            for alternative in () if shared is None else shared.alternatives(row):
                output(shared, alternative, position, make)
                self.bookmarks = start
            xml, self.bookmarks = output(shared, row, position, make)
            rows.append(xml)
        grid = block.kind == "grid"
        style = "TableGrid" if grid else "TableNormal"  # (TableNormal draws no borders)
        header_row = grid and bool(block.rows) and block.rows[0].header
        table = w.table(
            widths, rows, style=style, bidi=self.rtl, header_row=header_row, caption=block.caption
        )
        return table + _SPACER

    def row(self, row: d.Row, widths: tuple[int, ...], labels: tuple[str, ...] = ()) -> str:
        """A row; a box alone in a cell of it is followed by ``labels``' word for its column
        (_box_labels), unless the row is a heading row."""
        rtl = self.rtl
        header = row.header
        named = () if header else labels
        # A screening row is marked in its first cell; verify reads the whole row from there.
        # (A bookmark across cells would not survive LibreOffice, which splits it.)
        mark = (
            self.new_mark(bookmark_name(d.screening_key(row.screening))) if row.screening else None
        )
        cells = []
        for column, (width, cell) in enumerate(zip(widths, row.cells, strict=True)):
            inlines = cell.inlines
            box = inlines[0] if len(inlines) == 1 else None
            label = named[column] if column < len(named) else ""
            if mark is None and isinstance(box, d.Checkbox):
                # A box alone (the checklist's answers), made once for both states at once,
                # so that what is kept never tells which a form showed.
                cells.append(_box_cells(width, header, rtl, label)[box.checked])
            else:
                cells.append(self.cell(cell, width, header, mark, label))
            mark = None  # the first cell only
        short = fits_on_a_page(*(cell.inlines for cell in row.cells))
        return w.table_row(cells, header=header, keep_together=short)

    def cell(
        self,
        cell: d.Cell,
        width: int,
        header: bool,
        mark: tuple[int, str] | None,
        label: str = "",
    ) -> str:
        """A table cell; ``mark`` opens the bookmark of its row (a screening row's first
        cell), which its paragraph spans. A box alone in it is followed by ``label``, its
        column's heading: a screen reader reading straight through heard "Are you pregnant?
        ☒ ☐" (NVDA names neither glyph), the answer only in the column (found by an
        accessibility review). Written as the cell's words are, in the text's font (the
        label is not in the document tree: the gate reads the boxes as they are there)."""
        inlines = cell.inlines
        only_box = len(inlines) == 1 and isinstance(inlines[0], d.Checkbox)
        centred = only_box or (header and width < TEXT_WIDTH // 5)
        align = "center" if centred else None
        ppr = _paragraph_properties("TableText", None, False, self.rtl, align)
        if only_box and label and len(label) <= d.BOX_LABEL_MOST:  # (longer: verify reads none)
            inlines = (*inlines, d.Text(f" {label}"))
        runs = self.inline_runs(inlines, bold=header)
        end = None if mark is None else mark[0]
        return _cell_start(width, header) + w.paragraph(ppr, runs, start=mark, end=end) + "</w:tc>"

    def _row_and_marks(
        self, row: d.Row, widths: tuple[int, ...], labels: tuple[str, ...]
    ) -> tuple[str, int]:
        """A row and the bookmark number after it."""
        return self.row(row, widths, labels), self.bookmarks

    def alert(self, block: d.Alert) -> str:
        """A boxed alert, its paragraphs spanned by the alert's bookmark: verify looks there,
        and only there, for the questions answered "yes"."""
        if self.in_static:
            mark = self.new_mark(bookmark_name(d.ALERT_MARK))
        else:
            self.alerts += 1
            mark = (ALERT_BOOKMARKS + self.alerts, bookmark_name(d.ALERT_MARK))
        content = _spanned("".join(self.blocks(block.blocks)), mark)
        box = w.border_set("tcBorders", ("top", "left", "bottom", "right"), size=18, color="C00000")
        cell = w.table_cell(TEXT_WIDTH, content, fill="FBE4D5", borders=box)
        return (
            w.table([TEXT_WIDTH], [w.table_row([cell])], style="TableNormal", bidi=self.rtl)
            + _SPACER
        )

    def signatures(self, block: d.SignatureBlock) -> str:
        """A name, a signature line and a separate date line per signer, captioned underneath.

        Every row but the last keeps with the next, so the block does not split across pages
        (unless a name is too long for that to be possible).
        """
        name_width, signature_width, gap_width, date_width = widths = _SIGNATURE_WIDTHS
        rtl = self.rtl
        together = all(fits_on_a_page((d.Text(s.name),)) for s in block.signers)
        rows = []
        count = len(block.signers)
        for number, signer in enumerate(block.signers, start=1):
            keep = together and number < count
            who = (d.Text(signer.role, bold=True), d.LineBreak(), d.Text(signer.name))
            # "signature 2 of 3": verify notices a signer's row, or the whole block, deleted.
            mark = self.new_mark(bookmark_name(d.signature_mark(number, count)))
            name = self.para(who, style="TableText", keep_next=together, start=mark, end=mark[0])
            name_cell = w.table_cell(name_width, name)
            lines = _signature_lines(rtl, together)
            rows.append(w.table_row([name_cell, lines], min_height=850, keep_together=together))
            signature_caption = self.para(
                (d.Text(signer.signature_caption),), style="SignatureCaption", keep_next=keep
            )
            date_caption = self.para(
                (d.Text(signer.date_caption),), style="SignatureCaption", keep_next=keep
            )
            rows.append(
                w.table_row(
                    [
                        _empty_caption(name_width, rtl, keep),
                        w.table_cell(signature_width, signature_caption),
                        _empty_caption(gap_width, rtl, keep),
                        w.table_cell(date_width, date_caption),
                    ]
                )
            )
        spacer = _END_SPACER if block is self.last else _SPACER
        return w.table(widths, rows, style="TableNormal", bidi=rtl) + spacer


# The first bookmark number of alerts outside static sections: above any other bookmark's
# (a form holds a few hundred at most).
ALERT_BOOKMARKS = 1_000_000


def _spanned(content: str, mark: tuple[int, str]) -> str:
    """Paragraphs (``content``) with a bookmark from the start of the first to the end of the
    last, inside them, as Word writes a bookmark over several paragraphs. An alert with no
    paragraph (an empty list) is left without."""
    if not content.startswith("<w:p>") or not content.endswith("</w:p>"):
        return content
    opened = len("<w:p>")
    if content.startswith("<w:pPr>", opened):  # the properties come first in a paragraph
        opened = content.index("</w:pPr>") + len("</w:pPr>")
    closed = len(content) - len("</w:p>")
    return (
        content[:opened]
        + w.bookmark_start(*mark)
        + content[opened:closed]
        + w.bookmark_end(mark[0])
        + content[closed:]
    )


# Word merges two tables that touch, and a table must not be the last thing in a cell or body.
_SPACER = w.paragraph(w.paragraph_properties(spacing_after=0), "")
# The paragraph a body must end with, after the signatures: one point high. A spacer of a
# line's height there went to a page of its own whenever the signatures ended less than a line
# from the foot of the page, which printed a blank last page ("Page 4 of 4") with the header.
_END_SPACER = (
    '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>'
)
_BREAK_RUN = w.break_run()
# The box's font and size are set on the run itself, not in a character style: LibreOffice
# gives runs in table cells the document's default font and size as direct formatting, which
# overrides a character style (an independent review saw the boxes print at text size).
_CHECKBOX_RUNS = {
    checked: w.text_run(
        d.TICKED_BOX if checked else d.EMPTY_BOX,
        w.run_properties(font=SYMBOL_FONT, size_half_points=26),
    )
    for checked in (True, False)
}


def _runs(
    blocks: tuple[d.Block, ...], shared: SharedBlocks | None
) -> Iterator[tuple[int | None, tuple[tuple[int, d.Block], ...]]]:
    """The blocks, numbered, in runs: each placement of a static section (its number), and
    the blocks between them (None)."""
    run: list[tuple[int, d.Block]] = []
    current: int | None = None
    for index, block in enumerate(blocks):
        place = None if shared is None else shared.place_of(block)
        section = None if place is None else place[0]
        # A new run at another section, at per-form blocks after a section, and at a
        # section's first block (the same section placed again).
        if run and (section != current or (place is not None and place[1] == 0)):
            yield current, tuple(run)
            run = []
        current = section
        run.append((index, block))
    if run:
        yield current, tuple(run)


def _declaration_paragraphs(blocks: tuple[d.Block, ...]) -> set[int]:
    """Indexes of the paragraphs kept with the signatures (shared.declarations). Word and
    LibreOffice still break a section too long for one page."""
    return {index for held in declarations(blocks) for index in held}


def _box_labels(table: d.Table) -> tuple[str, ...]:
    """The word each column's boxes are labelled with: the words of the last of the table's
    leading heading rows in that column (the checklist's "Yes" and "No", in the form's
    language), as the text and HTML writers name them; none if the table has no heading.

    Only over a checklist's boxes: the gate holds every row's words there to the catalog's
    "Yes" and "No" (coverage._heading_problems), and the labels are kept after the render,
    in the memo of shared rows (their position) and in the box cells' cache. Another
    column's heading, or another table's, may hold a request's text, which must not be
    (writers/shared.py: patient text is not kept)."""
    boxed = {
        column
        for row in table.rows
        if row.screening is not None
        for column, cell in enumerate(row.cells)
        if len(cell.inlines) == 1 and isinstance(cell.inlines[0], d.Checkbox)
    }
    if not boxed:
        return ()
    return tuple(
        words if column in boxed else "" for column, words in enumerate(column_headings(table))
    )


@functools.lru_cache(maxsize=256)
def _box_cells(width: int, header: bool, rtl: bool, label: str = "") -> dict[bool, str]:
    """A cell holding an empty box, and one holding a ticked box, by whether it is ticked;
    each followed by ``label`` (its column's heading), if any."""
    writer = _BodyWriter(rtl)
    return {
        checked: writer.cell(d.Cell((d.Checkbox(checked),)), width, header, None, label)
        for checked in (True, False)
    }


@functools.lru_cache(maxsize=256)
def _cell_start(width: int, header: bool) -> str:
    """A table cell up to its content: w.table_cell without the content and closing tag."""
    start, _ = w.table_cell(width, "\0", fill="D9E2F3" if header else None).split("\0")
    return start


@functools.lru_cache(maxsize=64)
def _column_widths(relative: tuple[int, ...]) -> tuple[int, ...]:
    total = sum(relative)
    widths = [TEXT_WIDTH * part // total for part in relative]
    widths[-1] += TEXT_WIDTH - sum(widths)  # rounding leftovers go to the last column
    return tuple(widths)


# Name, signature, gap, date: a 66 mm signature line and a 41 mm date line (a handwritten
# "14/03/2026" takes 25 to 35 mm; it was 29 mm, found by a review of printed forms).
_SIGNATURE_WIDTHS = _column_widths((13, 16, 1, 10))
_SIGNATURE_LINE = w.border_set("tcBorders", ("bottom",), size=8, color="000000")


@functools.cache  # four: direction, and whether the block keeps together
def _signature_lines(rtl: bool, together: bool) -> str:
    """The cells after a signer's name: the signature line, a gap and the date line."""
    _, signature_width, gap_width, date_width = _SIGNATURE_WIDTHS
    blank = _BodyWriter(rtl).para((), style="TableText", keep_next=together)
    return (
        w.table_cell(signature_width, blank, borders=_SIGNATURE_LINE)
        + w.table_cell(gap_width, blank)
        + w.table_cell(date_width, blank, borders=_SIGNATURE_LINE)
    )


@functools.cache  # eight: two widths, direction, and whether the row keeps with the next
def _empty_caption(width: int, rtl: bool, keep: bool) -> str:
    """A caption cell with nothing in it (under the name and the gap)."""
    return w.table_cell(width, _BodyWriter(rtl).para((), style="SignatureCaption", keep_next=keep))


# Static sections smaller than this, between two stretches of a form's own blocks, are deflated
# with them (_BodyWriter.segments). Starting a compressor costs about as much as deflating 2 KB
# of a form's XML; apart, the two stretches would need one each.
INLINE_BELOW = 1024


def _once(content: bytes) -> Segment:
    return deflate_segment(content, level=ONCE)


def _header_footer(
    tag: str, style: str, inlines: tuple[d.Inline, ...], rtl: bool, notice: str | None = None
) -> str:
    return _header_footer_start(tag) + _header_footer_body(tag, style, inlines, rtl, notice)


def _header_footer_start(tag: str) -> str:
    return w.XML_DECLARATION + f"<w:{tag} {w.NAMESPACES}>"


def _header_footer_body(
    tag: str, style: str, inlines: tuple[d.Inline, ...], rtl: bool, notice: str | None
) -> str:
    """A header's or footer's paragraphs and its end tag."""
    writer = _BodyWriter(rtl)
    body = writer.para(inlines, style=style)
    if notice is not None:
        # Draft mode: the notice heads every page, in bold red, above the usual header.
        runs = writer.inline_runs((d.Text(notice, bold=True),), size=24, color=DRAFT_COLOR)
        body = w.paragraph(w.paragraph_properties(style=style, bidi=rtl), runs) + body
    return f"{body}</w:{tag}>"


# The header's namespaces are the same in every form (its text is the form's own).
_HEADER_START = OpenPart.of("word/header1.xml", _header_footer_start("hdr").encode(), b"</w:hdr>")


def core_xml(metadata: d.Metadata) -> str:
    # "Draft" for a draft-mode document: not a form to sign.
    content_status = "Draft" if metadata.draft else "Final"
    esc = w.escape_text
    stamp = f"{metadata.date}T00:00:00Z"
    # Identifiers, not English words: the title and subject carry the form's own language.
    keywords = f"{metadata.procedure}; {metadata.locale}"
    return (
        w.XML_DECLARATION + f"<cp:coreProperties {CORE_NAMESPACES}>"
        f"<dc:title>{esc(metadata.title)}</dc:title>"
        f"<dc:subject>{esc(metadata.subject)}</dc:subject>"
        f"<dc:creator>{esc(metadata.author)}</dc:creator>"
        f"<cp:keywords>{esc(keywords)}</cp:keywords>"
        f"<dc:description>{esc(metadata.generator)}</dc:description>"
        f"<dc:identifier>{esc(metadata.identifier)}</dc:identifier>"
        f"<dc:language>{esc(metadata.language)}</dc:language>"
        "<cp:revision>1</cp:revision>"
        f"<cp:version>{esc(metadata.template_version)}</cp:version>"
        f"<cp:category>{esc(metadata.subject)}</cp:category>"
        f"<cp:contentStatus>{esc(content_status)}</cp:contentStatus>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


@functools.lru_cache(maxsize=64)
def _language_parts(language: str, rtl: bool, generator: str) -> tuple[CompressedPart, ...]:
    """The parts that depend only on the document's language, compressed once."""
    return (
        compress_part("word/styles.xml", styles_xml(language, rtl).encode(), level=ONCE),
        compress_part("word/settings.xml", settings_xml(language, rtl).encode(), level=ONCE),
        compress_part("docProps/app.xml", app_xml(generator).encode(), level=ONCE),
    )


@functools.cache
def _fixed_parts() -> dict[str, CompressedPart]:
    """The parts every form has in common, compressed once per process."""
    return {
        name: compress_part(name, text.encode(), level=ONCE)
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        )
    }


@functools.lru_cache(maxsize=16)
def _numbering_part(ordered_lists: int) -> CompressedPart:
    return compress_part("word/numbering.xml", numbering_xml(ordered_lists).encode(), level=ONCE)


def _custom_part(document: d.Document) -> CompressedPart:
    # The catalog's name, revision and review state are the same for every form in a
    # language, and deflated once; the digests of the stated values are each form's own, in
    # a stored block after them.
    properties = tuple(document.metadata.custom_properties())
    start = _custom_start(properties)
    if not document.values:
        return start.whole
    pid = len(properties) + 2  # (pids start at 2)
    tail = stored_segment(
        (custom_property(pid, d.VALUES_PROPERTY, document.values) + CUSTOM_XML_END).encode()
    )
    return start.followed_by(tail)


@functools.lru_cache(maxsize=256)
def _custom_start(properties: tuple[tuple[str, str], ...]) -> OpenPart:
    xml = custom_xml_start(list(properties))
    return OpenPart.of("docProps/custom.xml", xml.encode(), CUSTOM_XML_END.encode())


def _footer_part(footer: tuple[d.Inline, ...], rtl: bool) -> CompressedPart:
    # A footer from a {% static %} section ("Page X of Y") is made once per language
    # (write_docx); any other may hold request data, and is never kept.
    return compress_part(
        "word/footer1.xml", _header_footer("ftr", "Footer", footer, rtl).encode(), level=ONCE
    )


_DOCUMENT_START = deflate_segment(
    (w.XML_DECLARATION + f"<w:document {w.NAMESPACES}><w:body>").encode(), level=ONCE
)


@functools.cache  # one per paper and direction: four
def _document_end(paper_size: str, rtl: bool) -> Segment:
    section = section_properties(paper_size, rtl)
    return deflate_segment(f"{section}</w:body></w:document>".encode(), level=ONCE)


def write_docx(document: d.Document, shared: SharedBlocks | None = None) -> bytes:
    """The DOCX bytes of ``document``: the same document always gives the same bytes.

    Each run of blocks registered in ``shared`` (writers/shared.py) is written and deflated
    once, as a segment of its own (writers/zip.py). The parts' content is the same with or
    without ``shared``; the compressed bytes depend on which blocks it holds, which is why
    the engine registers the same blocks whether or not it shares them between documents.
    """
    rtl = document.direction == "rtl"
    body = _BodyWriter(rtl, shared)
    # A DOCX names its paper: A4 where the request names none.
    end = _document_end(document.paper_size or "A4", rtl)
    segments = [_DOCUMENT_START, *body.segments(document.blocks), end]
    if document.draft_notice is not None:
        # The notice opens the body too: a screen reader reads no page header, nor does an
        # export to PDF put one in its reading order (found by an accessibility review).
        runs = body.inline_runs(
            (d.Text(document.draft_notice, bold=True),), size=24, color=DRAFT_COLOR
        )
        notice = w.paragraph(_paragraph_properties(None, None, True, rtl, "center"), runs)
        segments.insert(1, form_segment(notice.encode()))
    meta = document.metadata
    fixed = _fixed_parts()
    header = _header_footer_body("hdr", "Header", document.header, rtl, document.draft_notice)
    footer = output(
        shared, document.footer, ("docx-footer", rtl), functools.partial(_footer_part, rtl=rtl)
    )
    return zip_parts(
        [
            fixed["[Content_Types].xml"],
            fixed["_rels/.rels"],
            segmented_part("docProps/core.xml", [form_segment(core_xml(meta).encode())]),
            _custom_part(document),
            segmented_part("word/document.xml", segments),
            fixed["word/_rels/document.xml.rels"],
            _numbering_part(body.ordered_lists),
            _HEADER_START.followed_by(form_segment(header.encode())),
            footer,
            *_language_parts(meta.language, rtl, meta.generator),
        ]
    )
