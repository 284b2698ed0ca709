"""Write a document tree as plain UTF-8 text (for e-mail, screen readers, archiving, diffing)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from mesoconsent import document as d
from mesoconsent.bidi import (
    FSI,
    LRM,
    PDI,
    RLM,
    has_rtl,
    header_and_notice,
    isolate_block,
    starts_rtl,
)
from mesoconsent.writers.shared import SharedBlocks, column_headings, output

_WIDTH = 78  # underline length cap for headings


def _inline_text(inlines: tuple[d.Inline, ...], label: str = "") -> str:
    """Inlines as text; a box is followed by ``label`` (its column's heading), if given."""
    out = []
    for inline in inlines:
        if isinstance(inline, d.Text):
            out.append(inline.text)
        elif isinstance(inline, d.LineBreak):
            out.append("\n")
        elif isinstance(inline, d.Checkbox):
            out.append("[x]" if inline.checked else "[ ]")
            if label:
                out.append(f" {label}")
    return "".join(out)


def _item(text: str, marker: str) -> str:
    # Continuation lines line up under the text; lines are never re-wrapped, so text stays literal.
    return marker + text.replace("\n", "\n" + " " * len(marker))


def _cell_lines(cell: d.Cell, ltr_document: bool, label: str = "") -> list[str]:
    """A table cell's lines. In a left-to-right document, a line holding right-to-left text
    is isolated: otherwise the bidirectional algorithm takes the digits that follow it (a
    phone number after an Arabic address) for Arabic numbers, and shows their groups in
    reverse order, and the line's indentation would move to its right. (A right-to-left
    document's cells are isolated the other way round, before they get here:
    bidi.isolate_block.)"""
    lines = _inline_text(cell.inlines, label).split("\n")
    if ltr_document:
        lines = [f"{FSI}{line}{PDI}" if has_rtl(line) else line for line in lines]
    return lines


def _table(table: d.Table, ltr_document: bool) -> str:
    """A row on a line of its own: the first line of each cell, joined by " | ". A cell's
    further lines follow the row's line, each on its own, indented to where the cell starts
    (the first cell's by four spaces). So a health question's answer boxes always follow
    the question on its line, and its details (the patient's words, after a line break in
    the cell) come after them: written into one line, details such as "x | [ ] | [x]" read
    as the answer. In a right-to-left document a mark starts each such line: its text is
    isolated, so without one it would be laid out left to right, its indentation on the left.
    """
    start = "" if ltr_document else RLM
    # Each box is followed by the heading over it ("[x] Yes | [ ] No"): a screen reader
    # speaks neither brackets nor bars, so "Are you pregnant? | [x] | [ ]" was heard as
    # "Are you pregnant? x", the answer only in the column (found by an accessibility review).
    labels = column_headings(table)
    lines = []
    for row in table.rows:
        named = () if row.header else labels
        cells = [
            _cell_lines(cell, ltr_document, named[n] if n < len(named) else "")
            for n, cell in enumerate(row.cells)
        ]
        lines.append(" | ".join(cell[0] for cell in cells))
        if any(len(cell) > 1 for cell in cells):
            lines.extend(_further_lines(cells, start))
    return "\n".join(lines)


def _further_lines(cells: list[list[str]], start: str) -> Iterator[str]:
    last = max(position for position, cell in enumerate(cells) if len(cell) > 1)
    column = 0
    for position, cell in enumerate(cells[: last + 1]):
        indent = start + " " * (column if position else _CELL_INDENT)
        yield from (indent + line if line else "" for line in cell[1:])
        if position < last:  # (the width of a line is not free to work out)
            column += _width(cell[0]) + len(" | ")


_CELL_INDENT = 4


def _width(text: str) -> int:
    """The columns ``text`` takes in a monospaced font: wide (CJK) characters take two,
    combining marks and invisible format characters none."""
    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.category(char) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


def _block(block: d.Block, ltr_document: bool = True) -> str:
    if isinstance(block, d.Paragraph):
        return _inline_text(block.inlines)
    if isinstance(block, d.Heading):
        text = _inline_text(block.inlines)
        underline = "=" if block.level <= 2 else "-"
        # As wide as the heading shows: a Japanese heading takes two columns a character.
        return f"{text}\n{underline * min(_width(text), _WIDTH)}"
    if isinstance(block, d.ListBlock):
        return "\n".join(
            _item(_inline_text(item.inlines), f"{n}. " if block.ordered else " - ")
            for n, item in enumerate(block.items, start=1)
        )
    if isinstance(block, d.Table):
        return _table(block, ltr_document)
    if isinstance(block, d.Alert):
        inner = "\n\n".join(_block(b, ltr_document) for b in block.blocks)
        return "\n".join(f"!! {line}".rstrip(" ") for line in inner.split("\n"))
    # As on paper: who signs, then the lines with their captions beneath (no punctuation of
    # our own, which would be English punctuation in every language). A line of underscores
    # has no direction of its own: in a right-to-left document a mark gives it one, so that
    # it is laid out as its captions are (the signature's line on the right, above its
    # caption), not left to right under right-to-left captions.
    line, date = "_" * 36, "_" * 16
    signing = f"{line}   {date}" if ltr_document else f"{RLM}{line}   {date}"
    return "\n\n".join(
        f"{s.role}\n{s.name}\n\n{signing}\n{_padded(s.signature_caption, len(line))}   "
        f"{s.date_caption}"
        for s in block.signers
    )


def _padded(text: str, columns: int) -> str:
    """``text`` followed by spaces up to ``columns`` columns (as it shows: see _width)."""
    return text + " " * (columns - _width(text))


def _isolated_block(block: d.Block) -> str:
    return _block(isolate_block(block), ltr_document=False)


def write_text(document: d.Document, shared: SharedBlocks | None = None) -> bytes:
    """The plain text of ``document``; blocks registered in ``shared`` are written once."""
    rtl = document.direction == "rtl"
    header, notice = header_and_notice(document)  # left-to-right stretches isolated if rtl
    parts = [f"*** {notice} ***"] if notice else []
    if header:
        line = _inline_text(header)
        # A header that starts with a right-to-left clinic name would be laid out as a
        # right-to-left line in a left-to-right form (the direction of a plain-text line is
        # that of its first letter): a left-to-right mark keeps it in the form's direction.
        parts.append(f"{LRM}{line}" if not rtl and starts_rtl(line) else line)
    parts.extend(
        output(shared, block, ("text", rtl), _isolated_block if rtl else _block)
        for block in document.blocks
    )
    if notice:  # a printout has no page header: the notice closes the text too
        parts.append(f"*** {notice} ***")
    return ("\n\n".join(parts) + "\n").encode("utf-8")
