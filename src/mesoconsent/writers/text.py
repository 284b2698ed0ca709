"""Write a document tree as plain UTF-8 text (for e-mail, screen readers, archiving, diffing)."""

from __future__ import annotations

from mesoconsent import document as d
from mesoconsent.bidi import header_and_notice, isolate_block
from mesoconsent.writers.shared import SharedBlocks, output

_WIDTH = 78  # underline length cap for headings


def _inline_text(inlines: tuple[d.Inline, ...]) -> str:
    out = []
    for inline in inlines:
        if isinstance(inline, d.Text):
            out.append(inline.text)
        elif isinstance(inline, d.LineBreak):
            out.append("\n")
        elif isinstance(inline, d.Checkbox):
            out.append("[x]" if inline.checked else "[ ]")
    return "".join(out)


def _item(text: str, marker: str) -> str:
    # Continuation lines line up under the text; lines are never re-wrapped, so text stays literal.
    return marker + text.replace("\n", "\n" + " " * len(marker))


def _block(block: d.Block) -> str:
    if isinstance(block, d.Paragraph):
        return _inline_text(block.inlines)
    if isinstance(block, d.Heading):
        text = _inline_text(block.inlines)
        underline = "=" if block.level <= 2 else "-"
        return f"{text}\n{underline * min(len(text), _WIDTH)}"
    if isinstance(block, d.ListBlock):
        return "\n".join(
            _item(_inline_text(item.inlines), f"{n}. " if block.ordered else " - ")
            for n, item in enumerate(block.items, start=1)
        )
    if isinstance(block, d.Table):
        lines = []
        for row in block.rows:
            cells = [_inline_text(cell.inlines).replace("\n", " / ") for cell in row.cells]
            lines.append(" | ".join(cells))
        return "\n".join(lines)
    if isinstance(block, d.Alert):
        inner = "\n\n".join(_block(b) for b in block.blocks)
        return "\n".join("!! " + line for line in inner.split("\n"))
    # As on paper: who signs, then the lines with their captions beneath (no punctuation of
    # our own, which would be English punctuation in every language).
    line, date = "_" * 36, "_" * 16
    return "\n\n".join(
        f"{s.role}\n{s.name}\n\n{line}   {date}\n{s.signature_caption:<{len(line)}}   "
        f"{s.date_caption}"
        for s in block.signers
    )


def _isolated_block(block: d.Block) -> str:
    return _block(isolate_block(block))


def write_text(document: d.Document, shared: SharedBlocks | None = None) -> bytes:
    """The plain text of ``document``; blocks registered in ``shared`` are written once."""
    rtl = document.direction == "rtl"
    header, notice = header_and_notice(document)  # left-to-right stretches isolated if rtl
    parts = [f"*** {notice} ***"] if notice else []
    parts += [_inline_text(header)] if header else []
    parts.extend(
        output(shared, block, ("text", rtl), _isolated_block if rtl else _block)
        for block in document.blocks
    )
    if notice:  # a printout has no page header: the notice closes the text too
        parts.append(f"*** {notice} ***")
    return ("\n\n".join(parts) + "\n").encode("utf-8")
