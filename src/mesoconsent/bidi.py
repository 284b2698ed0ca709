"""Left-to-right text inside a right-to-left document.

An Arabic form holds Latin-script names, product names and phone numbers. Left to the Unicode
bidirectional algorithm alone, "+33 1 23 45 67 89" in a right-to-left paragraph displays its
digit groups in reverse order, and punctuation at the edge of a Latin name jumps to the other
side. The remedy the algorithm itself provides is isolation: each stretch of left-to-right text
(from its first to its last letter or digit, with a sign such as "+" just before a number) is
wrapped in LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE, so it is laid out as one
left-to-right unit. Requests may not contain these characters (validation.py), and the coverage
check ignores them, so they change how text is shown, never what it says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import cast

import attrs

from mesoconsent import document as d

LRI = "\u2066"
FSI = "\u2068"  # FIRST STRONG ISOLATE: takes the direction of its first letter
PDI = "\u2069"
RLM = "\u200f"  # RIGHT-TO-LEFT MARK
LRM = "\u200e"  # LEFT-TO-RIGHT MARK
ALM = "\u061c"  # ARABIC LETTER MARK
# The marks that set the direction of what is next to them.
DIRECTION_MARKS = LRM + RLM + ALM

# The bidirectional controls that change the order of the text after them: the embeddings and
# overrides (U+202A-U+202E) and the isolates (U+2066-U+2069), as the body of a character class.
# Neither requests (validation.py) nor translations (catalog_rules.py) may hold one; the writers put
# isolates in themselves. (The marks LRM, RLM and ALM only set the direction of what is next
# to them, and are allowed.)
REORDERING_CLASS = "\u202a-\u202e\u2066-\u2069"
REORDERING = re.compile(f"[{REORDERING_CLASS}]")

# Each character's bidi class, reduced to what matters here: L (strong left-to-right),
# E (European digit), S (a sign that belongs to an adjacent number: + - # $ % ...),
# R (strong right-to-left or Arabic digit), N (anything else: spaces, punctuation).
_CLASSES = {"L": "L", "EN": "E", "ES": "S", "ET": "S", "R": "R", "AL": "R", "AN": "R"}
_STRONG = re.compile("[LE]")


class _ClassTable(dict[int, str]):
    """Code point -> class letter, for ``str.translate``: looked up in unicodedata the first
    time a character is seen (a Python loop over every character was most of an Arabic
    form's extra cost). Only the Basic Multilingual Plane is kept, so it stays bounded
    whatever text it sees."""

    def __missing__(self, code: int) -> str:
        value = _CLASSES.get(unicodedata.bidirectional(chr(code)), "N")
        if code < 0x10000:
            self[code] = value
        return value


# The Arabic comma is a common separator (CS) to Unicode, as the Latin comma is, but it only
# ever separates right-to-left words: a Latin stretch on either side of one belongs to its own
# Arabic word. Classed as a separator, it joined "ربو (asthma)، Ventolin" into one isolated
# stretch, and "(asthma)" printed beside the wrong word (found by a review of printed forms).
_CLASS_TABLE = _ClassTable({0x060C: "R"})


def ltr_segments(text: str, whole_line: bool = False) -> tuple[tuple[str, bool], ...]:
    """``text`` cut into (piece, is_left_to_right) pieces, in order; the left-to-right pieces
    start and end with a letter or digit (or a sign attached to a number). A text that is a
    ``whole_line`` by itself (nothing else on its line) with no right-to-left character is
    one left-to-right piece, its punctuation included: "I breastfeed my baby." ended in a
    full stop laid out right to left, at the line's left end (a review of printed forms)."""
    classes = text.translate(_CLASS_TABLE)
    if whole_line and "R" not in classes and _STRONG.search(classes):
        return ((text, True),)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for island_start, island_end in _islands(classes):
        start, end = _with_brackets(text, island_start, island_end)
        start = max(start, position)
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return tuple(pieces)


def _islands(classes: str) -> Iterator[tuple[int, int]]:
    """The left-to-right stretches of a text, given its classes: in each stretch without a
    right-to-left character, from its first letter or digit to its last, with the signs just
    before and after. (A regular expression saying so, S*[LE](?:[^R]*[LE])?S*, backtracked:
    its time grew with the square of a run of signs, and a request may hold 100,000.)"""
    position = 0
    while (strong := _STRONG.search(classes, position)) is not None:
        first = strong.start()
        stop = classes.find("R", first)
        if stop < 0:
            stop = len(classes)
        last = max(classes.rfind("L", first, stop), classes.rfind("E", first, stop))
        before = classes[position:first]
        after = classes[last + 1 : stop]
        start = first - (len(before) - len(before.rstrip("S")))
        end = last + 1 + (len(after) - len(after.lstrip("S")))
        yield start, end
        position = stop


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a right-to-left letter or an Arabic digit."""
    return "R" in text.translate(_CLASS_TABLE)


def starts_rtl(text: str) -> bool:
    """Whether the first strong character of ``text`` (a letter; digits are weak) is right to
    left: what the bidirectional algorithm lays a plain-text line out by (rule P2)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


# Brackets, and the quotation marks that open and close differently (double and single
# guillemets, English double quotes).
_PAIRS = {"(": ")", "[": "]", "{": "}", "\u201c": "\u201d", "\u00ab": "\u00bb", "\u2039": "\u203a"}
# Quotation marks that open and close alike: paired by count.
_ALIKE = '"'


def _with_brackets(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a stretch to take in the brackets and quotation marks that close (or open)
    inside it, so that "(as recorded)" or 'Jalupro "Super Hydro"' is isolated whole: a mark
    left outside would be laid out right to left, on the wrong side of the Latin text."""
    start, end = _with_alike(text, start, end)
    for opening, closing in _PAIRS.items():
        # Counted once and then kept up to date: counted again at each step, a long run of
        # brackets took time growing with the square of its length.
        opened, closed = text.count(opening, start, end), text.count(closing, start, end)
        while opened > closed and text[end : end + 1] == closing:
            end += 1
            closed += 1
        while closed > opened and text[start - 1 : start] == opening:
            start -= 1
            opened += 1
    # Again, for a quotation around brackets that closes after them: '"Acid (noted)" ...'.
    return _with_alike(text, start, end)


def _with_alike(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in the quotation mark that closes (or opens) one left open inside the stretch."""
    if text.count(_ALIKE, start, end) % 2:
        if text[end : end + 1] == _ALIKE:
            end += 1
        elif text[start - 1 : start] == _ALIKE:
            start -= 1
    return start, end


def isolate_ltr(text: str, whole_line: bool = False) -> str:
    """``text`` with every left-to-right stretch isolated, for a right-to-left document."""
    return "".join(
        f"{LRI}{piece}{PDI}" if ltr else piece for piece, ltr in ltr_segments(text, whole_line)
    )


def whole_lines(inlines: tuple[d.Inline, ...]) -> frozenset[int]:
    """The indexes of the texts that are a line by themselves: between line breaks, or the
    start or end of the inlines (a details line, an address line, a name alone in a cell)."""
    last = len(inlines) - 1
    return frozenset(
        index
        for index, inline in enumerate(inlines)
        if isinstance(inline, d.Text)
        and (index == 0 or isinstance(inlines[index - 1], d.LineBreak))
        and (index == last or isinstance(inlines[index + 1], d.LineBreak))
    )


def isolate_inlines(inlines: tuple[d.Inline, ...]) -> tuple[d.Inline, ...]:
    """Inlines with every left-to-right stretch of their text isolated."""
    alone = whole_lines(inlines)
    return tuple(
        attrs.evolve(inline, text=isolate_ltr(inline.text, index in alone))
        if isinstance(inline, d.Text)
        else inline
        for index, inline in enumerate(inlines)
    )


def isolate_block(block: d.Block) -> d.Block:
    """A block of a right-to-left document with its left-to-right stretches isolated (for the
    HTML and text writers; the DOCX writer also gives them left-to-right runs)."""
    if isinstance(block, d.Paragraph | d.Heading):
        return attrs.evolve(block, inlines=isolate_inlines(block.inlines))
    if isinstance(block, d.ListBlock):
        items = tuple(attrs.evolve(i, inlines=isolate_inlines(i.inlines)) for i in block.items)
        return attrs.evolve(block, items=items)
    if isinstance(block, d.Table):
        rows = tuple(
            attrs.evolve(row, cells=tuple(d.Cell(isolate_inlines(c.inlines)) for c in row.cells))
            for row in block.rows
        )
        return attrs.evolve(block, rows=rows)
    if isinstance(block, d.Alert):
        inner = tuple(cast(d.Paragraph | d.ListBlock, isolate_block(b)) for b in block.blocks)
        return attrs.evolve(block, blocks=inner)
    signers = tuple(
        d.Signer(
            isolate_ltr(s.role),
            isolate_ltr(s.name),
            isolate_ltr(s.signature_caption),
            isolate_ltr(s.date_caption),
        )
        for s in block.signers
    )
    return attrs.evolve(block, signers=signers)


def header_and_notice(document: d.Document) -> tuple[tuple[d.Inline, ...], str | None]:
    """The page header and draft notice of a document, isolated if it is right to left (for
    the HTML and text writers)."""
    header, notice = document.header, document.draft_notice
    if document.direction == "rtl":
        header = isolate_inlines(header)
        notice = isolate_ltr(notice) if notice is not None else None
    return header, notice
