"""Blocks that many documents share, and what each writer made of them.

Most of a consent form does not depend on the request: the procedure's sections are the same
words for every patient in a language. Composition builds those blocks once per template and
catalog (``{% static %}``, see fragments.py) and puts the same objects in every document;
the writers then write each of them once per writer and position instead of once per form.

Blocks are recognised by identity, never by equality: only objects registered here are
remembered, and those hold a catalog's words, never a request's. Patient text is not kept
after its render.

The writers also decide here, alike, which rows are kept on one page (:func:`fits_on_a_page`),
what heads a table's columns (:func:`leading_headings`, :func:`column_headings`), and what
is kept on the page of the signatures (:func:`declarations`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from mesoconsent import document as d

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B", bound="Shareable")
# What can be shared: blocks, table rows, list items, and a page footer (its inlines).
Shareable = d.Block | d.Row | d.ListItem | tuple[d.Inline, ...]

# Enough for every position of every shared block of a few templates in every language; past
# it, outputs are made per document as if nothing were shared (memory stays bounded whatever
# a template does).
_OUTPUT_LIMIT = 4096


class SharedBlocks:
    """A registry of shared blocks and a memo of their outputs, safe to use from many threads.

    Two threads may make the same output at the same time; both get equal values, one of
    which is kept. Nothing is ever evicted or changed, so a value read is always complete.
    """

    def __init__(self) -> None:
        self._blocks: dict[int, Shareable] = {}
        # Where each block was shared: a number per call of share, and its place in that call.
        self._sections: dict[int, tuple[int, int]] = {}
        # The rows made together as one question's answers (share_alternatives), by each row.
        self._alternatives: dict[int, tuple[d.Row, ...]] = {}
        self._outputs: dict[Hashable, object] = {}

    def __len__(self) -> int:
        """How many outputs are kept."""
        return len(self._outputs)

    def share(self, blocks: Iterable[Shareable]) -> None:
        """Register blocks (or table rows, list items or a footer) as shared; they are kept
        alive as long as this registry."""
        section = len(self._sections)
        for place, block in enumerate(blocks):
            if self._blocks.setdefault(id(block), block) is block:
                self._sections.setdefault(id(block), (section, place))

    def share_alternatives(self, rows: tuple[d.Row, ...]) -> None:
        """Register rows made together that stand for one another (a checklist row for each
        answer): a writer that writes one makes and keeps all of them (:meth:`alternatives`),
        so that what it keeps never tells which one a form showed."""
        self.share(rows)
        for row in rows:
            self._alternatives.setdefault(id(row), rows)

    def alternatives(self, row: d.Row) -> tuple[d.Row, ...]:
        """The rows registered with ``row`` by :meth:`share_alternatives` (``row`` among them),
        or those it stands for (``Row.stands_for``); () for any other."""
        if self.is_shared(row):
            return self._alternatives.get(id(row), ())
        return row.stands_for

    def is_shared(self, block: Shareable) -> bool:
        return self._blocks.get(id(block)) is block

    def place_of(self, block: d.Block) -> tuple[int, int] | None:
        """Where ``block`` was shared: which call of :meth:`share` (the blocks of one static
        section share a number) and its place among that call's blocks; None if it is not
        shared."""
        return self._sections.get(id(block)) if self.is_shared(block) else None

    def output(self, block: B, position: Hashable, make: Callable[[B], T]) -> T:
        """What ``make(block)`` returns at ``position`` (the writer and whatever else its
        output depends on); made once for a shared block, every time for any other."""
        if not self.is_shared(block):
            return make(block)
        return self._kept((id(block), position), make, block)

    def run_output(
        self,
        blocks: tuple[d.Block, ...],
        position: Hashable,
        make: Callable[[tuple[d.Block, ...]], T],
        *,
        all_shared: bool = False,
    ) -> T:
        """Like :meth:`output`, for consecutive blocks written as one: made once if every
        one of them is shared (``all_shared``: the caller found them so, by :meth:`place_of`,
        and they are not looked up again)."""
        if not all_shared and not all(self.is_shared(block) for block in blocks):
            return make(blocks)
        return self._kept((tuple(id(block) for block in blocks), position), make, blocks)

    def _kept(self, key: Hashable, make: Callable[[A], T], argument: A) -> T:
        # make and its argument, not a closure: this runs for every block of every document.
        found = self._outputs.get(key)
        if found is None:
            found = make(argument)
            if len(self._outputs) < _OUTPUT_LIMIT:
                found = self._outputs.setdefault(key, found)
        return found  # type: ignore[return-value]  # stored by this class with this key


def output(shared: SharedBlocks | None, block: B, position: Hashable, make: Callable[[B], T]) -> T:
    """``shared.output(...)``, or ``make(block)`` when nothing is shared."""
    return make(block) if shared is None else shared.output(block, position, make)


# A row kept on one page must fit on one: a 20,000-character name in an unsplittable row
# sends LibreOffice's layout into an endless loop, and Chromium moves such a row whole to the
# next page, leaving the rest of the page before it blank.
# Rows holding more text than this may split (DOCX: no w:cantSplit; HTML: class "long").
KEEP_TOGETHER_LIMIT = 600


def fits_on_a_page(*parts: tuple[d.Inline, ...]) -> bool:
    """Whether inlines this long (a row's cells, a signer's name) are kept on one page."""
    # The length of their plain text (d.plain_text), without joining it.
    length = sum(
        len(inline.text) if isinstance(inline, d.Text) else isinstance(inline, d.LineBreak)
        for inlines in parts
        for inline in inlines
    )
    return length <= KEEP_TOGETHER_LIMIT


def leading_headings(table: d.Table) -> int:
    """How many of the table's first rows are heading rows (those a page repeats)."""
    rows = table.rows
    return next((n for n, row in enumerate(rows) if not row.header), len(rows))


def column_headings(table: d.Table) -> tuple[str, ...]:
    """The words heading each column: the last leading heading row's, cell by cell (the
    checklist's "Question", "Yes", "No"); () for a table without one. Each writer names a
    box by its column's (the HTML's aria-label, the text's "[x] Yes", the DOCX's label)."""
    count = leading_headings(table)
    if not count:
        return ()
    return tuple(d.plain_text(cell.inlines) for cell in table.rows[count - 1].cells)


def declarations(blocks: tuple[d.Block, ...]) -> list[range]:
    """For each signature block, the indexes of the paragraphs between it and the block
    before them (the declaration's heading): kept with the signatures, so that the patient
    signs on the page that says what they declare."""
    found = []
    for index, block in enumerate(blocks):
        if isinstance(block, d.SignatureBlock):
            start = index
            while start > 0 and isinstance(blocks[start - 1], d.Paragraph):
                start -= 1
            found.append(range(start, index))
    return found
