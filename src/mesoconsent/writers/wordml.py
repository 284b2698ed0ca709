"""WordprocessingML element builders: one small function per element, returning its XML text.

This is the low layer of the DOCX writer (the role ``docx/oxml`` plays in python-docx): it knows
the schema's element names and child order and nothing about consent forms. Text is escaped
here and only here. Builders return strings because joining strings is several times faster
than building and serialising an lxml tree, and a form is written once, never edited.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAMESPACES = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


_XML_WHITE_SPACE = " \t\n\r"


def escape_text(text: str) -> str:
    if "&" not in text and "<" not in text and ">" not in text:
        return text  # most text: three searches cost less than three calls to replace
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    """``text`` for an attribute value in double quotes."""
    return escape_text(text).replace('"', "&quot;")


@functools.lru_cache(maxsize=256)
def run_properties(
    *,
    bold: bool = False,
    italic: bool = False,
    rtl: bool = False,
    font: str | None = None,
    size_half_points: int | None = None,
    color: str | None = None,
) -> str:
    """``<w:rPr>`` with its children in schema order (rFonts, b, bCs, i, iCs, color, sz, rtl)."""
    parts = []
    if font:
        parts.append(f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:cs="{font}"/>')
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if italic:
        parts.append("<w:i/><w:iCs/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if size_half_points:
        parts.append(f'<w:sz w:val="{size_half_points}"/><w:szCs w:val="{size_half_points}"/>')
    if rtl:
        parts.append("<w:rtl/>")
    return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""


def text_element(text: str) -> str:
    """``<w:t>``, marked ``xml:space="preserve"`` where a reader could otherwise change its
    spaces: white space at either end (python-docx marks those), two spaces together or a line
    break. Most runs need no mark."""
    if (
        text[0] in _XML_WHITE_SPACE
        or text[-1] in _XML_WHITE_SPACE
        or "  " in text
        or "\n" in text
        or "\r" in text  # an XML reader reads it as a line break
    ):
        return f'<w:t xml:space="preserve">{escape_text(text)}</w:t>'
    return f"<w:t>{escape_text(text)}</w:t>"


def text_run(text: str, rpr: str = "") -> str:
    """``<w:r>`` holding ``text``; tabs become ``<w:tab/>`` so Word shows them as tabs."""
    if "\t" not in text:
        return f"<w:r>{rpr}{text_element(text)}</w:r>" if text else f"<w:r>{rpr}</w:r>"
    body = "<w:tab/>".join(text_element(piece) if piece else "" for piece in text.split("\t"))
    return f"<w:r>{rpr}{body}</w:r>"


def break_run(rpr: str = "") -> str:
    return f"<w:r>{rpr}<w:br/></w:r>"


def field_runs(instruction: str, cached: str, rpr: str = "") -> str:
    """A complex field (``PAGE``, ``NUMPAGES``) that Word and LibreOffice update on display."""
    return (
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r>{rpr}<w:t>{cached}</w:t></w:r>"
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
    )


@functools.lru_cache(maxsize=256)
def paragraph_properties(
    *,
    style: str | None = None,
    num_id: int | None = None,
    keep_next: bool = False,
    bidi: bool = False,
    align: str | None = None,
    spacing_after: int | None = None,
) -> str:
    """``<w:pPr>`` with children in schema order (pStyle, keepNext, numPr, bidi, spacing, jc)."""
    parts = []
    if style:
        parts.append(f'<w:pStyle w:val="{style}"/>')
    if keep_next:
        parts.append("<w:keepNext/>")
    if num_id is not None:
        parts.append(f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    if bidi:
        parts.append("<w:bidi/>")
    if spacing_after is not None:
        parts.append(f'<w:spacing w:before="0" w:after="{spacing_after}"/>')
    if align:
        parts.append(f'<w:jc w:val="{align}"/>')
    return f"<w:pPr>{''.join(parts)}</w:pPr>" if parts else ""


def paragraph(
    ppr: str, runs: str, *, start: tuple[int, str] | None = None, end: int | None = None
) -> str:
    """``<w:p>``; ``start`` (id, name) opens a bookmark before the runs, ``end`` closes the
    bookmark with that id after them (both on one paragraph: it spans the whole of it)."""
    opening = bookmark_start(*start) if start else ""
    closing = bookmark_end(end) if end is not None else ""
    return f"<w:p>{ppr}{opening}{runs}{closing}</w:p>"


def bookmark_start(number: int, name: str) -> str:
    return f'<w:bookmarkStart w:id="{number}" w:name="{name}"/>'


def bookmark_end(number: int) -> str:
    return f'<w:bookmarkEnd w:id="{number}"/>'


def table(
    column_widths: Iterable[int],
    rows: Iterable[str],
    *,
    style: str,
    borders: str = "",
    bidi: bool = False,
    header_row: bool = False,
    caption: str = "",
) -> str:
    """``<w:tbl>`` at full text width with fixed column widths in twentieths of a point;
    ``caption`` is its title (Word's Alt Text), which screen readers name it by."""
    widths = list(column_widths)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    visual = "<w:bidiVisual/>" if bidi else ""
    look = 0x0400 | (0x0020 if header_row else 0)  # noVBand, and firstRow when there is one
    title = f'<w:tblCaption w:val="{escape_attribute(caption)}"/>' if caption else ""
    return (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{style}"/>{visual}'
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/>{borders}<w:tblLayout w:type="fixed"/>'
        f'<w:tblLook w:val="{look:04X}" w:firstRow="{int(header_row)}" w:lastRow="0" '
        'w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f"{title}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def table_row(
    cells: Iterable[str],
    *,
    header: bool = False,
    min_height: int | None = None,
    keep_together: bool = True,
) -> str:
    """``<w:tr>``; kept on one page unless ``keep_together`` is off; a header row repeats on
    every page."""
    keep = "<w:cantSplit/>" if keep_together else ""
    height = f'<w:trHeight w:val="{min_height}" w:hRule="atLeast"/>' if min_height else ""
    repeat = "<w:tblHeader/>" if header else ""
    return f"<w:tr><w:trPr>{keep}{height}{repeat}</w:trPr>{''.join(cells)}</w:tr>"


def table_cell(width: int, content: str, *, fill: str | None = None, borders: str = "") -> str:
    """``<w:tc>``; content must be at least one paragraph (Word refuses an empty cell)."""
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{borders}{shading}'
        f'<w:vAlign w:val="center"/></w:tcPr>{content or "<w:p/>"}</w:tc>'
    )


def border_set(
    tag: str, sides: Iterable[str], *, value: str = "single", size: int = 4, color: str = "auto"
) -> str:
    """A ``<w:tblBorders>``/``<w:tcBorders>``/``<w:pBdr>`` element with the given sides drawn."""
    edges = "".join(
        f'<w:{side} w:val="{value}" w:sz="{size}" w:space="0" w:color="{color}"/>' for side in sides
    )
    return f"<w:{tag}>{edges}</w:{tag}>"
