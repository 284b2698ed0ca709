"""Write a document tree as a standalone, printable HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from mesoconsent import document as d
from mesoconsent.bidi import header_and_notice, isolate_block, isolate_inlines
from mesoconsent.writers.shared import (
    SharedBlocks,
    column_headings,
    declarations,
    fits_on_a_page,
    leading_headings,
    output,
)

_STYLE = """
body{font-family:Calibri,Carlito,"Segoe UI",Arial,sans-serif;max-width:44em;margin:2em auto;
line-height:1.4;color:#111;padding:0 1em}
h1,h2{color:#1f3864}header,footer{color:#595959;font-size:.85em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
table.grid td,table.grid th{border:1px solid #808080;padding:.3em .5em}
table.grid th{background:#d9e2f3}td.box{text-align:center}
table.grid th.question{background:none;font-weight:normal;text-align:start}
table.fields th{font-weight:normal;text-align:start}
tr{break-inside:avoid;page-break-inside:avoid}tr.long{break-inside:auto;page-break-inside:auto}
.alert{border:3px solid #c00000;background:#fbe4d5;padding:.5em 1em;margin:1em 0}
.signatures{break-inside:avoid;page-break-inside:avoid}
.declaration{break-inside:avoid;page-break-inside:avoid}
.signatures tr{break-inside:avoid;page-break-inside:avoid}
.signatures td{padding:2.5em .5em .2em;vertical-align:bottom}
.signatures .line{border-bottom:1px solid #000;width:40%}
.signatures .gap{width:4%;padding:0}
.signatures .date{border-bottom:1px solid #000;width:25%}
.caption{color:#595959;font-size:.85em;padding-top:0!important}
h1,h2,h3{break-after:avoid;page-break-after:avoid}
.draft{position:sticky;top:0;background:#fff;color:#c00000;font-weight:bold;
border:3px solid #c00000;padding:.3em 1em;text-align:center}
@media (max-height:30em){.draft{position:static}}
@media print{body{margin:0;max-width:none}.draft{position:static}
.page{display:table;width:100%}header{display:table-header-group;break-inside:avoid;
page-break-inside:avoid}header::after{content:"";display:block;height:1em}
main{display:table-row-group}}
""".replace("\n", "")


def _inlines(inlines: tuple[d.Inline, ...], label: str | None = None) -> str:
    """Inline markup; ``label`` names the boxes (a checklist's column heading)."""
    out = []
    for inline in inlines:
        if isinstance(inline, d.Text):
            text = escape(inline.text, quote=False)
            if inline.italic:
                text = f"<em>{text}</em>"
            if inline.bold:
                text = f"<strong>{text}</strong>"
            out.append(text)
        elif isinstance(inline, d.LineBreak):
            out.append("<br>")
        elif isinstance(inline, d.Checkbox):
            box = _CHECKED if inline.checked else _UNCHECKED
            out.append(box if label is None else box.replace(">", f' aria-label="{label}">', 1))
        # Page fields have no meaning on a web page (the printed page's footer has them).
    return "".join(out)


# A box shows its glyph; to assistive technology it is a read-only checkbox, checked or not,
# which a screen reader announces in its user's own language (the glyphs alone are not in
# common screen readers' symbol tables), named by its column's heading ("Yes"), in the form's
# language: without a name, a screen reader reading on says "checkbox checked, checkbox not
# checked", and which was "Yes" is only in the column (found by an accessibility review).
_CHECKED = f'<span role="checkbox" aria-checked="true" aria-readonly="true">{d.TICKED_BOX}</span>'
_UNCHECKED = f'<span role="checkbox" aria-checked="false" aria-readonly="true">{d.EMPTY_BOX}</span>'
_BOX = ' class="box"'


def _has_box(cell: d.Cell) -> bool:
    return any(isinstance(inline, d.Checkbox) for inline in cell.inlines)


def _attr(disclosure: str | None) -> str:
    return f' data-disclosure="{escape(disclosure)}"' if disclosure else ""


def _block(block: d.Block) -> str:
    if isinstance(block, d.Paragraph):
        return f"<p{_attr(block.disclosure)}>{_inlines(block.inlines)}</p>"
    if isinstance(block, d.Heading):
        return f"<h{block.level}>{_inlines(block.inlines)}</h{block.level}>"
    if isinstance(block, d.ListBlock):
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li{_attr(i.disclosure)}>{_inlines(i.inlines)}</li>" for i in block.items)
        return f"<{tag}>{items}</{tag}>"
    if isinstance(block, d.Table):
        return _table(block)
    if isinstance(block, d.Alert):
        # A region named by its first line ("Important: you answered Yes ..."), which a
        # screen reader lists among the page's landmarks. Not role="alert": screen readers
        # do not announce an alert that is there when the page loads, and it is no landmark,
        # so the warning was skipped by whoever moved through the page by its parts (found
        # by an accessibility review).
        first = next((b for b in block.blocks if isinstance(b, d.Paragraph)), None)
        name = "" if first is None else f' aria-label="{escape(d.plain_text(first.inlines))}"'
        return f'<section class="alert"{name}>{"".join(_block(b) for b in block.blocks)}</section>'
    # Each signer: a row to sign and date on, a row of captions. A gap cell keeps the
    # signature line and the date line apart, as in the DOCX; print CSS keeps the block on
    # one page.
    rows = []
    for signer in block.signers:
        rows.append(
            f"<tr><td><strong>{escape(signer.role)}</strong><br>{escape(signer.name)}</td>"
            '<td class="line"></td><td class="gap"></td><td class="date"></td></tr>'
            '<tr><td class="caption"></td>'
            f'<td class="caption">{escape(signer.signature_caption)}</td><td class="gap"></td>'
            f'<td class="caption">{escape(signer.date_caption)}</td></tr>'
        )
    return f'<table class="signatures">{"".join(rows)}</table>'


def _table(table: d.Table) -> str:
    # The heading rows at the top (the checklist's "Question / Yes / No") are the <thead>,
    # which browsers repeat at the top of every printed page the table continues on, as Word
    # repeats the DOCX's w:tblHeader rows: a page of boxes alone would not say which is
    # "Yes". A heading row further down is not repeated (nor by Word) and stays in the body.
    rows = table.rows
    headings = leading_headings(table)
    # Each box is named by the heading over it.
    labels = [escape(words) for words in column_headings(table)]
    fields = table.kind == "fields"
    written = [_row(row, () if row.header else labels, fields) for row in rows]
    # Named to assistive technology by its section's heading, as the DOCX's w:tblCaption.
    name = f' aria-label="{escape(table.caption)}"' if table.caption else ""
    if not headings:
        return f'<table class="{table.kind}"{name}>{"".join(written)}</table>'
    body = f"<tbody>{''.join(written[headings:])}</tbody>" if headings < len(rows) else ""
    head = f"<thead>{''.join(written[:headings])}</thead>"
    return f'<table class="{table.kind}"{name}>{head}{body}</table>'


def _row(row: d.Row, labels: Sequence[str] = (), fields: bool = False) -> str:
    """A row; in a table of ``fields``, the first cell is the label of the others."""
    cells = []
    for n, cell in enumerate(row.cells):
        if row.header:
            tag, opening = "th", "<th"
        elif n == 0 and row.screening is not None and not _has_box(cell):
            # A health question heads its row: a screen reader moving down a column of boxes
            # names each box's question (found by an accessibility review). Styled as a cell.
            tag, opening = "th", '<th scope="row" class="question"'
        elif n == 0 and fields and len(row.cells) > 1:
            # So does a label ("Date of birth") its value: styled as before, by the CSS.
            tag, opening = "th", '<th scope="row"'
        else:
            tag, opening = "td", "<td"
        box = _BOX if _has_box(cell) else ""
        label = labels[n] if n < len(labels) else None
        cells.append(f"{opening}{box}>{_inlines(cell.inlines, label)}</{tag}>")
    # Print CSS keeps a row on one page, as the DOCX's w:cantSplit does, unless it is too long
    # to fit on one (the same rows as in the DOCX).
    long = "" if fits_on_a_page(*(c.inlines for c in row.cells)) else _LONG
    return f"<tr{long}>{''.join(cells)}</tr>"


_LONG = ' class="long"'

_CSS_PAPER_SIZES = {"A4": "A4", "Letter": "letter"}  # CSS page size keywords


def _css_string(text: str) -> str:
    """``text`` as a CSS string: anything but letters, digits and spaces as an escape, so
    that no text (a translation) can end the string, or the style sheet. (The space after
    each escape ends it and is not part of the text.)"""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def _page_margin_box(box: str, content: str, style: str) -> str:
    """A print rule writing ``content`` (a CSS content value) in the page margin box ``box``
    of every page, in the text's fonts. One place counts the braces: the draft notice's rule
    closed one too many, and the stray brace made browsers drop the rule after it, the page
    numbers (found by the Nu HTML Checker)."""
    return (
        f"@media print{{@page{{@{box}{{content:{content};"
        f"font-family:Calibri,Carlito,Arial,sans-serif;{style}}}}}}}"
    )


def _css_content(inlines: tuple[d.Inline, ...]) -> str:
    """``inlines`` as a CSS ``content`` value: text as strings, page fields as counters."""
    pieces = []
    for inline in inlines:
        if isinstance(inline, d.PageField):
            pieces.append(f"counter({inline.kind})")
        elif isinstance(inline, d.Text):
            pieces.append(_css_string(inline.text))
        elif isinstance(inline, d.LineBreak):
            pieces.append(_css_string(" "))
        else:
            pieces.append(_css_string(d.TICKED_BOX if inline.checked else d.EMPTY_BOX))
    return " ".join(pieces)


def _isolated_block(block: d.Block) -> str:
    return _block(isolate_block(block))


def write_html(document: d.Document, shared: SharedBlocks | None = None) -> bytes:
    """The HTML page of ``document``; blocks registered in ``shared`` are written once."""
    meta = document.metadata
    rtl = document.direction == "rtl"
    header, notice = header_and_notice(document)  # left-to-right stretches isolated if rtl
    footer = isolate_inlines(document.footer) if rtl else document.footer
    blocks = document.blocks
    written = [
        output(shared, block, ("html", rtl), _isolated_block if rtl else _block) for block in blocks
    ]
    # The declaration (its heading, its paragraphs) and the signatures print on one page, as
    # in the DOCX: the signature table alone went to a page of its own (found by a review of
    # printed forms). Browsers still break one too long for a page.
    for held in reversed(declarations(blocks)):
        start = (
            held.start - 1
            if held.start and isinstance(blocks[held.start - 1], d.Heading)
            else held.start
        )
        written[start : held.stop + 1] = [
            '<div class="declaration">' + "\n".join(written[start : held.stop + 1]) + "</div>"
        ]
    body = "\n".join(written)
    properties = "".join(
        f'<meta name="{name}" content="{escape(value)}">\n'
        for name, value in document.custom_properties()
    )
    # Draft mode: a banner at the top of the page, which stays in view on screen (sticky) and
    # takes its own room: a fixed one covered text, on every printed page after the first.
    # Printed, each page also carries the notice in its top margin, where the browser
    # supports page margin boxes (Chromium, WeasyPrint; others print the banner once).
    # The banner is a section named by its own words: a landmark, which a screen reader's
    # user moving by landmarks reaches (a div with role="note" lay outside all of them).
    banner = (
        f'<section class="draft" aria-label="{escape(notice)}">{escape(notice)}</section>\n'
        if notice
        else ""
    )
    page_notice = (
        _page_margin_box("top-center", _css_string(notice), "color:#c00000;font-weight:bold")
        if notice
        else ""
    )
    # Each printed page carries the footer ("Page 2 of 4") in its bottom margin, the page
    # fields as the browser's page counters (Chromium 131 or later, WeasyPrint; a browser
    # without page margin boxes prints none): a page missing from a signed form shows.
    page_numbers = (
        _page_margin_box("bottom-center", _css_content(footer), "color:#595959;font-size:9pt")
        if footer
        else ""
    )
    # The header (clinic, title, patient) heads every printed page, as the DOCX's page header
    # does, so that a loose page can be matched to its patient. In print CSS only, div.page
    # is a table, the header its heading and <main> its body: browsers repeat a table's
    # heading at the top of every page it continues on (Chromium: only a heading that may not
    # split, hence break-inside:avoid), in room of its own however many lines it wraps to
    # (and a gap below it, its ::after: a table heading takes no margin or padding). A
    # position:fixed header repeats too but takes no room: it covers text on later pages, as
    # the draft banner did. A page margin box (@top-center) needs Chromium 131 or later and
    # must fit in the margin, and the header would still have to print in the page for other
    # browsers (twice on page 1 in Chromium). A browser that repeats no table heading prints
    # the header once, at the top, and Chromium repeats none taller than a good part of the
    # page: nothing is covered either way. The banner stays outside, above; on screen
    # nothing changes.
    page_open = f'<div class="page">\n<header>{_inlines(header)}</header>\n'
    # A paper the request names is the printed page's; otherwise the printer's own paper.
    paper = (
        f"@media print{{@page{{size:{_CSS_PAPER_SIZES[document.paper_size]}}}}}"
        if document.paper_size
        else ""
    )
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(meta.language)}" dir="{document.direction}">\n<head>\n'
        '<meta charset="utf-8">\n'
        f"<title>{escape(meta.title)}</title>\n"
        f'<meta name="generator" content="{escape(meta.generator)}">\n'
        f'<meta name="dcterms.identifier" content="{escape(meta.identifier)}">\n'
        f'<meta name="dcterms.date" content="{escape(meta.date)}">\n'
        f"{properties}"
        f"<style>{_STYLE}{paper}{page_notice}{page_numbers}</style>\n</head>\n"
        f"<body>\n{banner}{page_open}<main>\n{body}\n</main>\n</div>\n"
        "</body>\n</html>\n"
    )
    return page.encode("utf-8")
