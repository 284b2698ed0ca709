"""The format-neutral document tree: what a consent form says and how it is structured.

Composition (``compose.py``) builds it from a template; writers (``writers/``) turn it into
DOCX, HTML or text and know nothing of procedures, catalogs or templates. Paragraphs and list
items that state a required disclosure carry its id, which the coverage gate checks and the
DOCX writer records as a bookmark so ``verify`` finds it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

import attrs


@attrs.frozen
class Text:
    """A run of text, exactly as it is to be shown."""

    text: str
    bold: bool = False
    italic: bool = False


@attrs.frozen
class LineBreak:
    """A line break within a paragraph."""


@attrs.frozen
class Checkbox:
    """A ticked or empty box (screening checklist)."""

    checked: bool


# The glyphs a box prints as, ticked and not (U+2612, U+2610): the writers draw them and
# verify reads them.
TICKED_BOX, EMPTY_BOX = "\u2612", "\u2610"


# The longest label (its column's heading, in characters) the DOCX writer writes after a box,
# and verify reads after one: a box followed by more is words, not a box, and reading no
# further keeps verify's reading of crafted cells short. Any language's "Yes" fits.
BOX_LABEL_MOST = 64


@attrs.frozen
class PageField:
    """The current page number ("page") or the page count ("pages"), filled in by the reader."""

    kind: Literal["page", "pages"]


Inline = Text | LineBreak | Checkbox | PageField


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The words of some inlines, as a reader would see them (fields and boxes as nothing)."""
    return "".join(
        inline.text if isinstance(inline, Text) else "\n" if isinstance(inline, LineBreak) else ""
        for inline in inlines
    )


@attrs.frozen
class Paragraph:
    inlines: tuple[Inline, ...]
    disclosure: str | None = None


@attrs.frozen
class Heading:
    level: int  # 1 = document title, 2 = section, 3 = subsection
    inlines: tuple[Inline, ...]


@attrs.frozen
class ListItem:
    inlines: tuple[Inline, ...]
    disclosure: str | None = None


@attrs.frozen
class ListBlock:
    ordered: bool
    items: tuple[ListItem, ...]


@attrs.frozen
class Cell:
    inlines: tuple[Inline, ...]


# The custom property holding the digests of stated values (Document.values).
VALUES_PROPERTY = "mesoconsent.values"

SCREENING_PREFIX = "screening."


def screening_key(question_id: str) -> str:
    """``screening.<id>``: a screening question's message context in catalogs, its mark in
    stored documents and its name in gate problems."""
    return SCREENING_PREFIX + question_id


SIGNATURE_PREFIX = "signature."

ALERT_PREFIX = "alert."
# The mark of the alert's paragraphs in stored documents: verify looks for every "yes"
# answer's question there, and no other, rather than anywhere on the form.
ALERT_MARK = ALERT_PREFIX + "screening"


# The name, in gate and verify problems, of the statement a third signer signs for
# (statement.interpreter): no disclosure id may start so either.
STATEMENT_PREFIX = "statement."


def signature_mark(number: int, count: int) -> str:
    """The mark of signer ``number`` of ``count`` in stored documents (``signature.2.of.3``)."""
    return f"{SIGNATURE_PREFIX}{number}.of.{count}"


@attrs.frozen
class Row:
    """A table row; ``screening`` is the id of the screening question it answers, if any.

    ``stands_for`` is set on a checklist row with the patient's own words: the rows of its
    ``{% static for %}`` section for each answer without them, which the DOCX writer makes
    whenever it writes this row, so that what it keeps is the same with details or without
    (writers/shared.py). It takes no part in comparisons."""

    cells: tuple[Cell, ...]
    header: bool = False
    screening: str | None = None
    stands_for: tuple[Row, ...] = attrs.field(default=(), eq=False, repr=False)


@attrs.frozen
class Table:
    """A table; ``widths`` are relative column widths (they need not add up to anything).
    ``caption`` names it to assistive technology (its section's heading; not printed)."""

    rows: tuple[Row, ...]
    widths: tuple[int, ...]
    kind: Literal["grid", "fields"] = "grid"
    caption: str = ""


@attrs.frozen
class Alert:
    """Something the reader must not miss (a screening flag): boxed and emphasised."""

    blocks: tuple[Paragraph | ListBlock, ...]


@attrs.frozen
class Signer:
    """One signature line: who signs, their name, and the captions under the lines."""

    role: str
    name: str
    signature_caption: str
    date_caption: str


@attrs.frozen
class SignatureBlock:
    signers: tuple[Signer, ...]


Block = Paragraph | Heading | ListBlock | Table | Alert | SignatureBlock


@attrs.frozen
class Metadata:
    """What the document records about itself (DOCX core properties, HTML meta)."""

    title: str
    subject: str
    author: str
    language: str  # BCP 47 tag, such as "en-US"
    procedure: str
    template_version: str
    locale: str
    date: str  # ISO date the document is dated (the consent date), never the clock
    generator: str
    # How far the catalog's translation is checked: "source" (English), "draft", "reviewed".
    review_state: str = "source"
    reviewed_by: str = ""
    catalog_revision: str = "source"
    # Rendered in draft mode: some text fell back to English; not a form to sign.
    draft: bool = False

    @property
    def identifier(self) -> str:
        return f"urn:mesoconsent:{self.procedure}:{self.template_version}:{self.locale}"

    def titled(self, title: str, subject: str) -> Metadata:
        """This metadata with ``title`` and ``subject`` (built directly: attrs.evolve takes a
        few microseconds more, on every render)."""
        return Metadata(
            title,
            subject,
            self.author,
            self.language,
            self.procedure,
            self.template_version,
            self.locale,
            self.date,
            self.generator,
            self.review_state,
            self.reviewed_by,
            self.catalog_revision,
            self.draft,
        )

    def custom_properties(self) -> list[tuple[str, str]]:
        """What the document records about its translation: DOCX custom properties, HTML
        ``<meta>`` elements."""
        properties = [
            ("mesoconsent.catalog", self.locale),
            ("mesoconsent.catalog_revision", self.catalog_revision),
            ("mesoconsent.translation_review", self.review_state),
        ]
        if self.reviewed_by:
            properties.append(("mesoconsent.translation_reviewed_by", self.reviewed_by))
        properties.append(("mesoconsent.draft", "yes" if self.draft else "no"))
        return properties


@attrs.frozen
class Document:
    metadata: Metadata
    direction: Literal["ltr", "rtl"]
    header: tuple[Inline, ...]
    footer: tuple[Inline, ...]
    blocks: tuple[Block, ...]
    # Draft mode: the notice every page carries (None for a complete form).
    draft_notice: str | None = None
    # A digest of each stated disclosure that holds request values (coverage.value_digest),
    # as "id=digest" pairs, recorded as the property VALUES_PROPERTY: verify compares them.
    values: str = ""
    # The paper the request names ("A4" or "Letter"), or None: the DOCX on A4, the HTML on
    # whatever paper the printer is set up for.
    paper_size: Literal["A4", "Letter"] | None = None

    def with_values(self, values: str) -> Document:
        """This document recording ``values`` (built directly: attrs.evolve takes a few
        microseconds more, on every render)."""
        return Document(
            self.metadata,
            self.direction,
            self.header,
            self.footer,
            self.blocks,
            self.draft_notice,
            values,
            self.paper_size,
        )

    def laid_out(
        self, direction: Literal["ltr", "rtl"], paper_size: Literal["A4", "Letter"] | None
    ) -> Document:
        """This document in ``direction``, on ``paper_size`` (built directly, as above)."""
        return Document(
            self.metadata,
            direction,
            self.header,
            self.footer,
            self.blocks,
            self.draft_notice,
            self.values,
            paper_size,
        )

    def custom_properties(self) -> list[tuple[str, str]]:
        """The metadata's custom properties, then the values' digests (DOCX custom
        properties, HTML ``<meta>`` elements)."""
        properties = self.metadata.custom_properties()
        if self.values:
            properties.append((VALUES_PROPERTY, self.values))
        return properties

    def disclosures(self) -> Iterator[tuple[str, str]]:
        """Every (disclosure id, stated text) pair, in document order."""
        for block in self.blocks:
            yield from _disclosures_in(block)

    def screening_rows(self) -> Iterator[Row]:
        """Every table row that answers a screening question."""
        for block in self.blocks:
            if isinstance(block, Table):
                yield from (row for row in block.rows if row.screening is not None)

    def tables(self) -> Iterator[Table]:
        """Every table of the body."""
        return (block for block in self.blocks if isinstance(block, Table))

    def texts(self) -> Iterator[str]:
        """The text of every paragraph, heading, list item, table row and signer's name of
        the body, each on its own."""
        for block in self.blocks:
            yield from _texts_of(block)
            if isinstance(block, SignatureBlock):
                yield from (signer.name for signer in block.signers)

    def alert_texts(self) -> Iterator[str]:
        """The words of every alert, each as one text."""
        for block in self.blocks:
            if isinstance(block, Alert):
                yield " ".join(_block_text(inner) for inner in block.blocks)


def _block_text(block: Paragraph | ListBlock) -> str:
    if isinstance(block, Paragraph):
        return plain_text(block.inlines)
    return " ".join(plain_text(item.inlines) for item in block.items)


def _texts_of(block: Block) -> Iterator[str]:
    """The text of each paragraph, heading, list item and table row of a block (an alert's
    too; a row's cells with " | " between them)."""
    if isinstance(block, Paragraph | Heading):
        yield plain_text(block.inlines)
    elif isinstance(block, ListBlock):
        yield from (plain_text(item.inlines) for item in block.items)
    elif isinstance(block, Table):
        yield from (_row_text(row) for row in block.rows)
    elif isinstance(block, Alert):
        for inner in block.blocks:
            yield from _texts_of(inner)


def _row_text(row: Row) -> str:
    return " | ".join(plain_text(cell.inlines) for cell in row.cells)


def boxed_texts(blocks: Iterable[Block]) -> list[str]:
    """The text of each paragraph, list item and table row without ``data-screening`` (an
    alert's too) that holds a box: where a screening question asked again could be shown
    answered otherwise. (Run for every form: a plain loop, no more than it needs.)"""
    found: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            if Checkbox in map(type, block.inlines):
                found.append(plain_text(block.inlines))
        elif isinstance(block, ListBlock):
            found.extend(
                plain_text(item.inlines)
                for item in block.items
                if Checkbox in map(type, item.inlines)
            )
        elif isinstance(block, Table):
            found.extend(
                _row_text(row)
                for row in block.rows
                if row.screening is None
                and any(Checkbox in map(type, cell.inlines) for cell in row.cells)
            )
        elif isinstance(block, Alert):
            found.extend(boxed_texts(block.blocks))
    return found


def block_disclosures(block: Block) -> tuple[tuple[str, str], ...]:
    """The (disclosure id, stated text) pairs of one block, in order."""
    return tuple(_disclosures_in(block))


def _disclosures_in(block: Block) -> Iterator[tuple[str, str]]:
    if isinstance(block, Paragraph) and block.disclosure:
        yield block.disclosure, plain_text(block.inlines)
    elif isinstance(block, ListBlock):
        for item in block.items:
            if item.disclosure:
                yield item.disclosure, plain_text(item.inlines)
    elif isinstance(block, Alert):
        for inner in block.blocks:
            yield from _disclosures_in(inner)
