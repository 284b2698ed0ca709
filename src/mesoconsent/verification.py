"""Re-check a stored DOCX: are all the required disclosures, answers and signature lines
still in it?

The document's own core properties say which procedure, template version and catalog it was
rendered with (``dc:identifier``); each required disclosure is then looked up by its bookmark
and its words compared with the expected wording, so deleting a paragraph, emptying it,
hiding it or rewording it is caught. Where an editor dropped a bookmark but kept the words,
the words alone count. Checklist rows and signers' lines are found by their marks too
(:func:`stored_form_problems`). Files re-saved by Word or LibreOffice are read the same way:
only the XML matters, and only text a reader can see counts.
"""

from __future__ import annotations

import io
import itertools
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, BinaryIO, Literal, NamedTuple, TypeVar, cast

import attrs
from lxml import etree

from mesoconsent.compose import SIGNER_CAPTIONS, SIGNER_STATEMENTS
from mesoconsent.coverage import has_words, normalize_space
from mesoconsent.document import ALERT_MARK, SCREENING_PREFIX, SIGNATURE_PREFIX, signature_mark
from mesoconsent.errors import DisclosureProblem, DocumentReadError
from mesoconsent.procedures import Procedure, ScreeningQuestion

# Re-exported: the report was defined here before it moved to a module of its own.
from mesoconsent.verify_report import VerifyReport as VerifyReport

T = TypeVar("T")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _T, _TAB, _BR, _CR, _TR = (f"{_W}{tag}" for tag in ("p", "r", "t", "tab", "br", "cr", "tr"))
_TC = f"{_W}tc"
_TBL = f"{_W}tbl"
_BOOKMARK_START, _BOOKMARK_END = f"{_W}bookmarkStart", f"{_W}bookmarkEnd"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "/officeDocument"
_CORE_PROPERTIES = "/metadata/core-properties"
_CUSTOM_PROPERTIES = "/custom-properties"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_STYLES = "/styles"
_IDENTIFIER = re.compile(
    r"urn:mesoconsent:([a-z][a-z0-9_]*):([0-9A-Za-z][0-9A-Za-z.+-]*):([A-Za-z0-9_]+)"
)
# The file comes from outside: no entities, no network, libxml2's default size limits.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# A DOCX comes from outside: what it may hold is bounded, so that a small crafted file cannot
# take minutes or gigabytes (an 18 KB file inflating to a million empty paragraphs took 24 s).
# The example form's main document is 24 KB, about 150 KB once Word has saved it; its
# package 12 parts, 12 KB; its body 200 paragraphs and 600 runs.
_MAX_ENTRIES = 1000  # parts in the package
_MAX_DIRECTORY = 1024 * 1024  # the package's list of parts (zipfile reads it whole)
_MAX_PART = 4 * 1024 * 1024  # each part that is read, inflated
_MAX_PARAGRAPHS = 20_000
_MAX_RUNS = 100_000
_TOO_MANY_PARTS = "holds more parts than a consent form"
_FALSE = ("0", "false", "off")


@attrs.frozen
class DocxContent:
    """What ``verify`` reads out of a DOCX: only text a reader can see counts."""

    identifier: str | None
    language: str | None
    paragraphs: tuple[str, ...]
    stated: Mapping[str, Sequence[str]]
    status: str | None = None  # cp:contentStatus: "Draft" for a draft-mode document
    properties: Mapping[str, str] = attrs.field(factory=dict)  # docProps/custom.xml


def _part(archive: zipfile.ZipFile, name: str | None, what: str) -> bytes | None:
    if name is None:
        return None
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        # Named by what it is, not by its name in the package: that is the file's to choose,
        # and could say anything (a line forging verify's report, say).
        raise DocumentReadError(
            f"too large to be a consent form (its {what}: over {_MAX_PART // 2**20} MB)"
        )
    return archive.read(info)


def _open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """The file at ``path``, opened to read, if it is a regular file: a device (/dev/zero)
    would be read without end, and a named pipe would wait for a writer. Only the parts
    verify reads are read from it (not its images), so its own size is not bounded."""
    descriptor = os.open(
        path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    )
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise DocumentReadError("not a DOCX file (not a regular file)")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _check_directory(handle: BinaryIO) -> None:
    """Refuse a package whose list of parts is larger than a form's, before zipfile reads it
    whole: a million parts of a few bytes each is a small file and a large amount of memory.
    The count and the list's size are read as zipfile reads them (a zip64 end record, where
    there is one, over the classic one, whatever the classic one says), and both are checked:
    zipfile goes by the size."""
    if _end_record is None:  # a Python whose zipfile reads it otherwise: checked after listing
        return
    end = _end_record(handle)
    if end is not None and (
        end[_ENTRIES_TOTAL] > _MAX_ENTRIES or end[_DIRECTORY_SIZE] > _MAX_DIRECTORY
    ):
        raise DocumentReadError(_TOO_MANY_PARTS)
    handle.seek(0)


# zipfile's reading of a package's end record (private, in every CPython since 2.x), and the
# places in it of the number of parts and the size of their list.
_end_record: Callable[[BinaryIO], list[Any] | None] | None = getattr(zipfile, "_EndRecData", None)
_ENTRIES_TOTAL = getattr(zipfile, "_ECD_ENTRIES_TOTAL", 4)
_DIRECTORY_SIZE = getattr(zipfile, "_ECD_SIZE", 5)


def _xml(data: bytes, what: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        raise DocumentReadError(f"the document's {what} is damaged XML") from None


def _targets(archive: zipfile.ZipFile, rels_name: str, base: str) -> dict[str, str]:
    """Relationship type suffix -> part name, from one ``.rels`` part."""
    data = _part(archive, rels_name, "relationships")
    targets: dict[str, str] = {}
    if data is None:
        return targets
    for relationship in _xml(data, "relationships").iter(_RELS):
        kind, target = relationship.get("Type", ""), relationship.get("Target", "")
        if relationship.get("TargetMode") == "External" or not target:
            continue
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(base, target))
        )
        for suffix in (_OFFICE_DOCUMENT, _CORE_PROPERTIES, _CUSTOM_PROPERTIES, _STYLES):
            if kind.endswith(suffix):
                targets.setdefault(suffix, name)
    return targets


def read_docx(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview,
    bookmarks: Mapping[str, str],
) -> DocxContent:
    """Read the visible paragraphs, disclosure bookmarks and identifier of a DOCX.

    ``bookmarks`` maps bookmark names to the disclosure ids they stand for. The main document
    and its properties are found through the package relationships, as Word finds them.
    """
    # A file that cannot be opened raises OSError, as open() would.
    if isinstance(source, bytes | bytearray | memoryview):
        handle: BinaryIO = io.BytesIO(bytes(source))
    else:
        handle = _open_regular(source)
    try:
        with handle:
            _check_directory(handle)
            with zipfile.ZipFile(handle) as archive:
                if len(archive.infolist()) > _MAX_ENTRIES:
                    raise DocumentReadError(_TOO_MANY_PARTS)
                package = _targets(archive, "_rels/.rels", "")
                main_name = package.get(_OFFICE_DOCUMENT)
                main = _part(archive, main_name, "main document")
                core = _part(archive, package.get(_CORE_PROPERTIES), "properties")
                custom = _part(archive, package.get(_CUSTOM_PROPERTIES), "custom properties")
                styles = None
                if main_name is not None:
                    folder, file_name = posixpath.split(main_name)
                    rels = posixpath.join(folder, "_rels", f"{file_name}.rels")
                    styles_name = _targets(archive, rels, folder).get(_STYLES)
                    styles = _part(archive, styles_name, "styles")
    except DocumentReadError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        RuntimeError,
        ValueError,
        NotImplementedError,
    ):
        # Damaged, encrypted or unusually compressed: not something verify can vouch for.
        raise DocumentReadError(
            "not a DOCX file, or a damaged one (not a readable zip package)"
        ) from None
    if main is None:
        raise DocumentReadError("not a Word document (no main document part)")
    body = _xml(main, "main document")
    for tag, most, kind in ((_P, _MAX_PARAGRAPHS, "paragraphs"), (_R, _MAX_RUNS, "runs of text")):
        if next(itertools.islice(body.iter(tag), most, None), None) is not None:
            raise DocumentReadError(f"holds more {kind} than a consent form (over {most:,})")
    identifier = language = status = None
    if core is not None:
        core_properties = _xml(core, "properties")
        identifier = (core_properties.findtext(f"{_DC}identifier") or "").strip() or None
        language = (core_properties.findtext(f"{_DC}language") or "").strip() or None
        status = (core_properties.findtext(f"{_CP}contentStatus") or "").strip() or None
    visibility = _Visibility(_xml(styles, "styles") if styles is not None else None)
    paragraphs, stated = _read_body(body, bookmarks, visibility)
    properties: dict[str, str] = {}
    if custom is not None:
        for item in _xml(custom, "custom properties").iter(f"{_CUSTOM}property"):
            properties[item.get("name", "")] = "".join(str(text) for text in item.itertext())
    return DocxContent(identifier, language, paragraphs, stated, status, properties)


_Part = Literal["rPr", "pPr", "tcPr", "tblPr"]
_WHOLE = re.compile(r"[0-9]{1,3}")


class _Place(NamedTuple):
    """Where a cell is in its table."""

    row: int
    column: int
    rows: int
    columns: int  # in its row
    header_rows: int  # the first row and those after it marked as header rows


def _applying(
    place: _Place, look: frozenset[str], row_band: int, column_band: int
) -> tuple[str, ...]:
    """The table style formatting types for a cell in ``place``, strongest first: the corner
    cells, then the last and first columns, the total and header rows, banded columns over
    banded rows (MS-OI29500 2.1.252: Word's order; ISO 29500 17.7.6 lists the same kinds),
    and the whole table."""
    first_row = "firstRow" in look and place.row < place.header_rows
    last_row = "lastRow" in look and place.row == place.rows - 1 and not first_row
    first_column = "firstColumn" in look and place.column == 0
    last_column = "lastColumn" in look and place.column == place.columns - 1
    found = [
        kind
        for applies, kind in (
            (last_row and last_column, "seCell"),
            (last_row and first_column, "swCell"),
            (first_row and last_column, "neCell"),
            (first_row and first_column, "nwCell"),
            (last_column, "lastCol"),
            (first_column, "firstCol"),
            (last_row, "lastRow"),
            (first_row, "firstRow"),
        )
        if applies
    ]
    if column_band and "noVBand" not in look and not (first_column or last_column):
        counted = place.column - (1 if "firstColumn" in look else 0)
        found.append("band2Vert" if counted // column_band % 2 else "band1Vert")
    if row_band and "noHBand" not in look and not (first_row or last_row):
        counted = place.row - (place.header_rows if "firstRow" in look else 0)
        found.append("band2Horz" if counted // row_band % 2 else "band1Horz")
    found.append("wholeTable")
    return tuple(found)


def _header_row(row: etree._Element) -> bool:
    marked = row.find(f"{_W}trPr/{_W}tblHeader")
    return marked is not None and marked.get(f"{_W}val", "true").lower() not in _FALSE


def _nearest(element: etree._Element, tag: str) -> etree._Element | None:
    """The nearest ancestor of ``element`` with ``tag`` (its table, its row)."""
    return next(element.iterancestors(tag), None)


class _Styles(NamedTuple):
    """The styles a paragraph's text is laid out in, as one word processor reads them."""

    paragraph: str | None
    table: str | None  # its table's, if it is in one
    conditions: tuple[str, ...]  # the table style's formatting for its cell, strongest first


class _View(NamedTuple):
    """A paragraph as one word processor lays it out: its styles, the height its lines are
    held to (None: they grow with the text), and the colour behind its text (None: the
    page)."""

    styles: _Styles
    line_height: float | None
    behind: str | None


# w:tblLook's options, and their bits in its w:val (ISO 29500-4 14.4.12).
_LOOK_BITS = {
    "firstRow": 0x0020,
    "lastRow": 0x0040,
    "firstColumn": 0x0080,
    "lastColumn": 0x0100,
    "noHBand": 0x0200,
    "noVBand": 0x0400,
}
# Word's reading of a table with no w:tblLook (MS-OI29500 2.1.160): header row, first column,
# banded rows.
_WORD_LOOK = frozenset({"firstRow", "firstColumn", "noVBand"})


def _table_look(look: etree._Element | None) -> frozenset[str]:
    """The options a w:tblLook sets: by its attributes, else (as Word reads it, only if it has
    none of them) by the bits of its w:val."""
    if look is None:
        return _WORD_LOOK
    named = {name: look.get(f"{_W}{name}") for name in _LOOK_BITS}
    if any(value is not None for value in named.values()):
        # An option it leaves out is Word's default for it (LibreOffice's tdf#167843).
        return frozenset(
            name
            for name, value in named.items()
            if (name in _WORD_LOOK if value is None else value.lower() not in _FALSE)
        )
    try:
        bits = int(look.get(f"{_W}val", "0"), 16)
    except ValueError:
        bits = 0
    return frozenset(name for name, bit in _LOOK_BITS.items() if bits & bit)


def _band_reader(tag: str) -> Callable[[etree._Element], int | None]:
    def read(properties: etree._Element) -> int | None:
        value = _val(properties, tag)
        return int(value) if value is not None and _WHOLE.fullmatch(value) else None

    return read


# One reader for each band size, made once: the style look-ups are remembered by reader, and a
# reader made for each table was never found again (memory grew with tables times styles).
_BAND_READERS = {tag: _band_reader(tag) for tag in ("tblStyleRowBandSize", "tblStyleColBandSize")}


class _Visibility:
    """Which runs a reader sees. Text does not count as stated where its formatting hides it:
    hidden text (``w:vanish``), text in the colour of what is behind it (white on the page, black
    under a black highlight or shading), text smaller than 6 points as printed (in the size
    that applies to its script: ``w:szCs`` for right-to-left and complex-script text; two
    thirds of it when raised or lowered), letters scaled to less than half their width or
    condensed into each other, struck-through text (which reads as deleted), or text in lines
    held too low for it (an exact line height, which clips each letter; a fraction of a line;
    a negative height). Each property is resolved as Word resolves it: on the run, else its
    character style, else its paragraph's style, else its table's style (each with the styles
    it is based on), else the document defaults (ECMA-376, 17.7.2)."""

    def __init__(self, styles: etree._Element | None) -> None:
        # style id -> (the style it is based on, the style)
        self._styles: dict[str, tuple[str | None, etree._Element]] = {}
        self._defaults: etree._Element | None = None
        self._paragraph_defaults: etree._Element | None = None
        # The style of a paragraph (or table) that names none, or one there is not: Normal
        # (Normal Table), as Word and LibreOffice read it.
        self._default_paragraph: str | None = None
        self._default_table: str | None = None
        self._memo: dict[tuple[object, ...], object] = {}
        self._tables: dict[
            etree._Element, tuple[dict[etree._Element, int], int, frozenset[str], int, int]
        ] = {}
        self._rows: dict[etree._Element, dict[etree._Element, int]] = {}
        if styles is None:
            return
        self._defaults = styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
        self._paragraph_defaults = styles.find(f"{_W}docDefaults/{_W}pPrDefault/{_W}pPr")
        for style in styles.iter(f"{_W}style"):
            default = style.get(f"{_W}default", "").lower() in ("1", "true", "on")
            if default and style.get(f"{_W}type") == "paragraph":
                self._default_paragraph = style.get(f"{_W}styleId")
            elif default and style.get(f"{_W}type") == "table":
                self._default_table = style.get(f"{_W}styleId")
            based_on = style.find(f"{_W}basedOn")
            self._styles[style.get(f"{_W}styleId", "")] = (
                based_on.get(f"{_W}val") if based_on is not None else None,
                style,
            )

    def _from_style(
        self,
        style_id: str | None,
        read: Callable[[etree._Element], T | None],
        *,
        part: _Part = "rPr",
        condition: str | None = None,
    ) -> T | None:
        """A property of a style (of its run properties, or its paragraph or, for a table
        style, cell properties; with ``condition``, those of its formatting for such cells,
        w:tblStylePr), else of the style it is based on, and so on. Remembered for the
        document: every paragraph asks the same few questions of the same few styles."""
        key = (style_id, read, part, condition)
        if key in self._memo:
            return cast("T | None", self._memo[key])
        # Up the chain of styles each is based on, to the first that sets the property or
        # whose answer is known; every style on the way gets the same answer. Remembering it
        # only for the first made a chain of N styles, each used once, cost N * N steps (a
        # 26 KB file took 40 s).
        chain: dict[str, None] = {}  # in order, and quick to ask (a cycle ends the walk)
        value: T | None = None
        current = style_id
        while current is not None and current not in chain:
            known = (current, read, part, condition)
            if known in self._memo:
                value = cast("T | None", self._memo[known])
                break
            chain[current] = None
            based_on, style = self._styles.get(current, (None, None))
            value = self._own(style, read, part, condition)
            if value is not None:
                break
            current = based_on
        self._memo[key] = value
        for passed in chain:
            self._memo[(passed, read, part, condition)] = value
        return value

    def _own(
        self,
        style: etree._Element | None,
        read: Callable[[etree._Element], T | None],
        part: _Part,
        condition: str | None,
    ) -> T | None:
        """A property as ``style`` itself sets it (or its formatting for such cells), or None."""
        holder = style
        if style is not None and condition is not None:
            holder = next(
                (
                    formatting
                    for formatting in style.iterfind(f"{_W}tblStylePr")
                    if formatting.get(f"{_W}type") == condition
                ),
                None,
            )
        properties = holder.find(f"{_W}{part}") if holder is not None else None
        return read(properties) if properties is not None else None

    def views_of(self, paragraph: etree._Element) -> tuple[_View, ...]:
        """The paragraph as Word lays it out and, where it differs, as LibreOffice does."""
        named = _val(paragraph.find(f"{_W}pPr"), "pStyle")
        style = named if named in self._styles else self._default_paragraph
        table = _nearest(paragraph, _TBL)
        cell = _nearest(paragraph, _TC)
        if table is None:
            readings: tuple[_Styles, ...] = (_Styles(style, None, ()),)
        else:
            named = _val(table.find(f"{_W}tblPr"), "tblStyle")
            table_style = named if named in self._styles else self._default_table
            readings = tuple(
                _Styles(style, table_style, conditions)
                for conditions in self._conditions(table, cell, table_style)
            )
        return tuple(
            _View(
                styles,
                self.line_height(paragraph, styles),
                self._behind(paragraph, cell, styles),
            )
            for styles in readings
        )

    def _conditions(
        self, table: etree._Element, cell: etree._Element | None, table_style: str | None
    ) -> tuple[tuple[str, ...], ...]:
        """The table style's formatting types that apply to ``cell``, strongest first, as
        Word reads them (band sizes from the table or its style: 0 for none, at most 3) and,
        where that differs, as LibreOffice does (bands of one): what the table's w:tblLook
        asks for, by the cell's row and column, the bands counted without the header rows
        (the first, and those after it marked w:tblHeader) and the total row and columns."""
        rows, header_rows, look, row_band, column_band = self._table_facts(table, table_style)
        row = _nearest(cell, _TR) if cell is not None else None
        r = rows.get(row) if row is not None else None
        if cell is None or row is None or r is None:
            return (("wholeTable",),)
        cells = self._row_cells(row)
        place = _Place(r, cells[cell], len(rows), len(cells), header_rows)
        word = _applying(place, look, row_band, column_band)
        return tuple(dict.fromkeys((word, _applying(place, look, 1, 1))))

    def _row_cells(self, row: etree._Element) -> dict[etree._Element, int]:
        """The cells of a row (not those of tables inside it) and their places, listed once a
        row: listed for each paragraph, a row of N cells cost N * N steps."""
        cells = self._rows.get(row)
        if cells is None:
            listed = (each for each in row.iter(_TC) if _nearest(each, _TR) is row)
            cells = self._rows[row] = {each: place for place, each in enumerate(listed)}
        return cells

    def _table_facts(
        self, table: etree._Element, table_style: str | None
    ) -> tuple[dict[etree._Element, int], int, frozenset[str], int, int]:
        """What every cell of a table shares, worked out once a table: its rows (with their
        places; rows in content controls too, not those of tables inside it), how many header
        rows it has, its look, and its band sizes as Word reads them."""
        facts = self._tables.get(table)
        if facts is None:
            listed = [row for row in table.iter(_TR) if _nearest(row, _TBL) is table]
            # The first row, and those right after it marked as header rows.
            header_rows = next(
                (i for i, row in enumerate(listed) if not _header_row(row)), len(listed)
            )
            facts = (
                {row: place for place, row in enumerate(listed)},
                max(1, header_rows),
                _table_look(table.find(f"{_W}tblPr/{_W}tblLook")),
                self._band_size(table, table_style, "tblStyleRowBandSize"),
                self._band_size(table, table_style, "tblStyleColBandSize"),
            )
            self._tables[table] = facts
        return facts

    def _band_size(self, table: etree._Element, table_style: str | None, tag: str) -> int:
        """Rows (or columns) to a band, as Word reads it: the table's, else its style's, else
        1; 0 for no banding, and at most 3."""
        read = _BAND_READERS[tag]
        own = table.find(f"{_W}tblPr")
        size = read(own) if own is not None else None
        if size is None:
            size = self._from_style(table_style, read, part="tblPr")
        return 1 if size is None else min(size, 3)

    def _behind(
        self, paragraph: etree._Element, cell: etree._Element | None, styles: _Styles
    ) -> str | None:
        """The colour behind the paragraph's text (None: the page): its shading (on it, its
        style, its table's style, the defaults), else its cell's (on the cell, else from its
        table's style). A layer set to no colour lets the one below show."""
        shading = self._paragraph_property(paragraph, styles, _shading)
        if shading:
            return shading
        if cell is None:
            return None
        properties = cell.find(f"{_W}tcPr")
        shading = _shading(properties) if properties is not None else None
        if shading is None:  # not set on the cell: as its table's style sets it
            shading = self._table_property(styles, _shading, "tcPr")
        return shading or None

    def _table_property(
        self, styles: _Styles, read: Callable[[etree._Element], T | None], part: _Part
    ) -> T | None:
        """A property from the table style: its formatting for the cell, strongest first,
        else its own."""
        for condition in styles.conditions:
            value = self._from_style(styles.table, read, part=part, condition=condition)
            if value is not None:
                return value
        return self._from_style(styles.table, read, part=part)

    def _paragraph_property(
        self,
        paragraph: etree._Element,
        styles: _Styles,
        read: Callable[[etree._Element], T | None],
    ) -> T | None:
        """A paragraph property as Word resolves it: on the paragraph, else its style, else
        its table's style (each with the styles it is based on), else the defaults."""
        properties = paragraph.find(f"{_W}pPr")
        for value in (
            read(properties) if properties is not None else None,
            self._from_style(styles.paragraph, read, part="pPr"),
            self._table_property(styles, read, "pPr"),
            read(self._paragraph_defaults) if self._paragraph_defaults is not None else None,
        ):
            if value is not None:
                return value
        return None

    def line_height(self, paragraph: etree._Element, styles: _Styles) -> float | None:
        """The height (half-points) the paragraph's line spacing holds its lines to, or None
        where they grow to fit their text. ``w:line`` and ``w:lineRule`` are read as a pair
        (the first level that sets ``w:line``, with its rule) and one by one (each the first
        one set), as ECMA-376 and the word processors read them; the lower of the two holds.
        """
        paired = self._paragraph_property(paragraph, styles, _line_and_rule)
        line = self._paragraph_property(paragraph, styles, _LINE)
        rule = self._paragraph_property(paragraph, styles, _LINE_RULE)
        heights = [
            height
            for height in (
                _held_height(*paired) if paired is not None else None,
                _held_height(line, rule) if line is not None else None,
            )
            if height is not None
        ]
        return min(heights, default=None)

    def hidden(self, run: etree._Element, view: _View) -> bool:
        """Whether the run's text cannot be read, in a paragraph laid out as ``view``."""
        styles = view.styles
        properties = run.find(f"{_W}rPr")
        character_style = _val(properties, "rStyle")

        def first(read: Callable[[etree._Element], T | None]) -> T | None:
            """A run property as Word resolves it: on the run, else its character style,
            else its paragraph's style, else its table's style, else the document defaults
            (ECMA-376, 17.7.2)."""
            for value in (
                read(properties) if properties is not None else None,
                self._from_style(character_style, read),
                self._from_style(styles.paragraph, read),
                self._table_property(styles, read, "rPr"),
                read(self._defaults) if self._defaults is not None else None,
            ):
                if value is not None:
                    return value
            return None

        if any(first(check) for check in _UNREADABLE):
            return True
        if _on_its_own_colour(first(_colour), first(_shading) or view.behind):
            return True
        # The size a reader sees: a right-to-left or complex-script run (w:rtl, w:cs) is set
        # entirely in its complex-script size (w:szCs), as Word and LibreOffice do; in any
        # other run, Arabic, Hebrew, Thai or Indic letters are, and the rest in w:sz.
        if first(_complex_run):
            sizes = [first(_size_complex)]
        else:
            text = "".join(element.text or "" for element in run.iter(_T))
            sizes = [first(_size)]
            if _COMPLEX_SCRIPT.search(text) is not None:
                other = any(character.isalnum() for character in _COMPLEX_SCRIPT.sub("", text))
                sizes = [first(_size_complex), *(sizes if other else [])]
        # Raised or lowered text (superscript, subscript) prints at two thirds of its size.
        shown = _RAISED_SCALE if first(_raised) else 1.0
        spacing = first(_spacing)
        printed = [_DEFAULT_HALF_POINTS if size is None else size * shown for size in sizes]
        return any(
            _unreadable(size, spacing) or _clipped(size, view.line_height) for size in printed
        )


def _on_its_own_colour(colour: str | None, background: str | None) -> bool:
    """Text in the very colour of what is behind it (``background``; None: the white page):
    white on the page, black under a black highlight or shading (a redaction made by hand).
    Automatic text colour is never hidden this way: Word turns it white on a dark
    background."""
    if colour is None or colour == "AUTO":
        return False
    return _alike(colour, background or _PAGE)


_PAGE = "FFFFFF"
_HEX_COLOUR = re.compile(r"[0-9A-F]{6}")


def _alike(colour: str, background: str) -> bool:
    """Whether text of one colour cannot be read on the other: their contrast ratio (WCAG's,
    from relative luminance) is below 1.5, far under the 4.5 asked of readable text, so only
    colours a reader takes for the same one (black on #111111, yellow on white) count."""
    if not (_HEX_COLOUR.fullmatch(colour) and _HEX_COLOUR.fullmatch(background)):
        return colour == background
    lighter, darker = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05) < 1.5


def _luminance(colour: str) -> float:
    channels = []
    for start in (0, 2, 4):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _colour(properties: etree._Element) -> str | None:
    value = _val(properties, "color")
    return None if value is None else value.upper()


def _shading(properties: etree._Element | None) -> str | None:
    """The colour a run's (or paragraph's, or cell's) highlight or shading paints behind its
    text, as RRGGBB; "" where it is set to none (no colour: what is below shows, and a style
    below it does not count); None where it is not set."""
    if properties is None:
        return None
    highlight = _val(properties, "highlight")
    if highlight is not None and highlight != "none":
        return _HIGHLIGHTS.get(highlight, "")
    shading = properties.find(f"{_W}shd")
    if shading is None:
        return "" if highlight == "none" else None
    # A solid pattern paints its pattern colour (Word's Shading dialog writes "Solid (100%)"
    # that way); any other is taken as its fill, which most of it shows.
    if shading.get(f"{_W}val") == "solid":
        colour = shading.get(f"{_W}color")
        if colour is not None and colour.lower() != "auto":
            return colour.upper()
    fill = shading.get(f"{_W}fill")
    if fill is None or fill.lower() == "auto":
        return ""
    return fill.upper()


# Word's highlight colours (ST_HighlightColor), as RRGGBB.
_HIGHLIGHTS = {
    "black": "000000",
    "blue": "0000FF",
    "cyan": "00FFFF",
    "green": "00FF00",
    "magenta": "FF00FF",
    "red": "FF0000",
    "yellow": "FFFF00",
    "white": "FFFFFF",
    "darkBlue": "000080",
    "darkCyan": "008080",
    "darkGreen": "008000",
    "darkMagenta": "800080",
    "darkRed": "800000",
    "darkYellow": "808000",
    "darkGray": "808080",
    "lightGray": "C0C0C0",
}


def _val(properties: etree._Element | None, tag: str) -> str | None:
    element = properties.find(f"{_W}{tag}") if properties is not None else None
    return element.get(f"{_W}val") if element is not None else None


def _toggle(properties: etree._Element, *tags: str) -> bool | None:
    """True/False where one of these on/off properties is set, else None."""
    for tag in tags:
        element = properties.find(f"{_W}{tag}")
        if element is not None:
            return element.get(f"{_W}val", "true").lower() not in _FALSE
    return None


def _vanish(properties: etree._Element) -> bool | None:
    return _toggle(properties, "vanish", "specVanish")


def _struck(properties: etree._Element) -> bool | None:
    return _toggle(properties, "strike", "dstrike")


# Below 6 points (12 half-points) a line is no longer something a patient can read.
_MIN_READABLE_HALF_POINTS = 12


def _complex_run(properties: etree._Element) -> bool | None:
    """True if w:rtl or w:cs is on here, False if one is set and none on, None if neither is."""
    verdicts = [_toggle(properties, tag) for tag in ("rtl", "cs")]
    if any(verdicts):
        return True
    return None if verdicts == [None, None] else False


# Letters Word and LibreOffice set in a run's complex-script font and size: Hebrew, Arabic,
# Syriac, Thaana, N'Ko, Samaritan, Mandaic; the Indic scripts; Thai, Lao, Tibetan, Myanmar,
# Khmer; and the Hebrew and Arabic presentation forms.
_COMPLEX_SCRIPT = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufeff]"
)


def _squeezed(properties: etree._Element) -> bool | None:
    """Letters scaled to less than half their width (w:w, a percentage): at 1% a disclosure
    prints as a sliver."""
    scale = _measure(properties, "w", per_point=None, otherwise=0.0)
    return None if scale is None else scale < _MIN_READABLE_SCALE


_MIN_READABLE_SCALE = 50


def _raised(properties: etree._Element) -> bool | None:
    align = _val(properties, "vertAlign")
    return None if align is None else align in ("superscript", "subscript")


# Word and LibreOffice print superscript and subscript at about two thirds of the size.
_RAISED_SCALE = 2 / 3
# What Word sets text in where nothing gives a size: 10 points.
_DEFAULT_HALF_POINTS = 20.0


def _unreadable(half_points: float, spacing: float | None) -> bool:
    """Text of this size (as printed) is too small to read, or its letters are condensed
    (w:spacing, in twentieths of a point) by more than a third of it, into each other."""
    if half_points < _MIN_READABLE_HALF_POINTS:
        return True
    return spacing is not None and spacing < -half_points * 10 / 3


# OOXML gives these as a number in the property's own unit, or as a "universal measure"
# ("-10pt", "2mm"), or a scale as a percentage ("1%"): points per unit.
_POINTS = {"pt": 1.0, "pc": 12.0, "pi": 12.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}
_MEASURE = re.compile(r"([-+]?[0-9]+(?:\.[0-9]+)?)(pt|pc|pi|in|cm|mm|%)?")


def _measure(
    properties: etree._Element, tag: str, per_point: float | None, otherwise: float
) -> float | None:
    """A size, spacing or scale in the property's own unit (``per_point`` of them make a
    point; None for a percentage), or None where it is not set. A value that is none of
    OOXML's forms reads as ``otherwise``, chosen so that it never passes for readable text."""
    value = _val(properties, tag)
    return None if value is None else _in_units(value, per_point, otherwise)


def _in_units(value: str, per_point: float | None, otherwise: float) -> float:
    """A value in its own unit (``per_point`` of them make a point; None for a percentage),
    or ``otherwise`` where it is none of OOXML's forms."""
    found = _MEASURE.fullmatch(value.strip())
    if found is None:
        return otherwise
    number, unit = float(found.group(1)), found.group(2)
    if unit is None or unit == "%":
        return number
    return number * _POINTS[unit] * (per_point or 1.0)


def _size(properties: etree._Element) -> float | None:
    return _measure(properties, "sz", per_point=2, otherwise=0.0)  # half-points


def _size_complex(properties: etree._Element) -> float | None:
    return _measure(properties, "szCs", per_point=2, otherwise=0.0)


def _spacing(properties: etree._Element) -> float | None:
    # (in twentieths of a point)
    return _measure(properties, "spacing", per_point=20, otherwise=float("-inf"))


def _spacing_attribute(name: str) -> Callable[[etree._Element], str | None]:
    """A reader of one attribute of ``w:spacing`` (``line``, ``lineRule``) where it is set."""

    def read(properties: etree._Element) -> str | None:
        spacing = properties.find(f"{_W}spacing")
        return spacing.get(f"{_W}{name}") if spacing is not None else None

    return read


_LINE, _LINE_RULE = _spacing_attribute("line"), _spacing_attribute("lineRule")


def _line_and_rule(properties: etree._Element) -> tuple[str, str | None] | None:
    """``w:line`` and the ``w:lineRule`` beside it, where ``w:line`` is set."""
    spacing = properties.find(f"{_W}spacing")
    line = spacing.get(f"{_W}line") if spacing is not None else None
    return None if spacing is None or line is None else (line, spacing.get(f"{_W}lineRule"))


def _held_height(line: str, rule: str | None) -> float | None:
    """The height (half-points) lines of this spacing are held to, or None where they grow to
    fit their text. ``exact`` holds them to ``line`` (twentieths of a point); ``auto`` is a
    multiple of the line (``line``/240), and below half a line the lines overlap; ``atLeast``
    grows. No rule is ``auto`` to ECMA-376 and ``exact`` to LibreOffice: the lower holds, as it
    does for a rule that is none of the three. A negative height hides the paragraph in
    LibreOffice, whatever the rule; a height in none of OOXML's forms is never readable."""
    # (A percentage is no form of a height; an unreadable value reads as negative.)
    twips = -1.0 if line.strip().endswith("%") else _in_units(line, per_point=20, otherwise=-1.0)
    if twips < 0:
        return 0.0
    exact = twips / 10
    overlapping = 0.0 if twips < _HALF_A_LINE else None
    if rule == "exact":
        return exact
    if rule == "atLeast":
        return None
    if rule == "auto":
        return overlapping
    return exact if overlapping is None else overlapping


# w:line of an "auto" spacing is in 240ths of a line: below 120 the lines overlap by half.
_HALF_A_LINE = 120


def _clipped(half_points: float, line_height: float | None) -> bool:
    """Text of this size (as printed) in lines held to this height loses its letters: the
    line is below the smallest readable size, or below half the text's own size (Word cuts
    off what does not fit in an exact line; LibreOffice draws the lines over each other)."""
    if line_height is None:
        return False
    return line_height < max(_MIN_READABLE_HALF_POINTS, half_points / 2)


_UNREADABLE: tuple[Callable[[etree._Element], bool | None], ...] = (_vanish, _struck, _squeezed)


def _paragraph_text(paragraph: etree._Element, visibility: _Visibility) -> str:
    views = visibility.views_of(paragraph)
    pieces = []
    for run in paragraph.iter(_R):
        if _owner(run) is not paragraph or any(visibility.hidden(run, v) for v in views):
            continue
        for element in run:
            if element.tag == _T:
                pieces.append(element.text or "")
            elif element.tag == _TAB:
                pieces.append("\t")
            elif element.tag in (_BR, _CR):
                pieces.append("\n")
    return "".join(pieces)


def _lines_to_sign_on(row: etree._Element) -> int:
    """The cells of a signer's row drawn as lines to write on: a bottom border that shows."""
    lines = 0
    for cell in row.iterchildren(_TC):
        bottom = cell.find(f"{_W}tcPr/{_W}tcBorders/{_W}bottom")
        if bottom is not None and bottom.get(f"{_W}val", "single") not in ("nil", "none"):
            colour = bottom.get(f"{_W}color", "auto").upper()
            lines += bottom.get(f"{_W}sz", "1") != "0" and not _alike(colour, _PAGE)
    return lines


def _owner(element: etree._Element) -> etree._Element | None:
    """The paragraph an element belongs to, or None inside a compatibility fallback (which a
    reader sees only where the preferred content cannot be shown)."""
    for ancestor in element.iterancestors():
        if ancestor.tag == _FALLBACK:
            return None
        if ancestor.tag == _P:
            return ancestor
    return None


def _read_body(
    body: etree._Element, bookmarks: Mapping[str, str], visibility: _Visibility
) -> tuple[tuple[str, ...], dict[str, list[str]]]:
    """Paragraph texts in order, and for each disclosure bookmark the text it spans.

    Editors sometimes move a bookmark's start or end into a neighbouring paragraph, so a
    bookmark covers every paragraph from the one holding its start to the one holding its end.
    """
    paragraphs: list[str] = []
    rows: dict[str, list[etree._Element]] = {}
    open_marks: dict[str, tuple[str, list[int]]] = {}
    open_names: dict[str, str] = {}  # id -> bookmark name, of the marks in open_marks
    aliases: dict[str, str] = {}  # id of a repeated start -> id of the start it repeats
    spans: list[tuple[str, list[int]]] = []
    current_paragraph: etree._Element | None = None
    for element in body.iter(_P, _BOOKMARK_START, _BOOKMARK_END):
        if any(ancestor.tag == _FALLBACK for ancestor in element.iterancestors()):
            continue
        if element.tag == _P:
            current_paragraph = element
            paragraphs.append(_paragraph_text(element, visibility))
            for _, indices in open_marks.values():
                indices.append(len(paragraphs) - 1)
        elif element.tag == _BOOKMARK_START:
            disclosure_id = bookmarks.get(element.get(f"{_W}name", ""))
            if disclosure_id is None:
                continue
            row = next(element.iterancestors(_TR), None)
            if disclosure_id.startswith(SIGNATURE_PREFIX) and (
                row is None or _lines_to_sign_on(row) < 2
            ):
                # The signer's name is there, but not the lines to sign and date on: a form
                # nobody can sign is missing its signature block.
                continue
            if disclosure_id.startswith(SCREENING_PREFIX) and row is not None:
                # A checklist row is read whole: the question and both boxes.
                if all(seen is not row for seen in rows.setdefault(disclosure_id, [])):
                    rows[disclosure_id].append(row)
                continue
            name = element.get(f"{_W}name", "")
            mark_id = element.get(f"{_W}id", "")
            repeated = next((i for i, open_name in open_names.items() if open_name == name), None)
            if repeated is not None:
                # The same bookmark started again before it ended: LibreOffice writes a
                # bookmark over a paragraph split in two like that (the first start never
                # ended). It is one bookmark, ended by the second start's end.
                aliases[mark_id] = repeated
                continue
            inside = current_paragraph is not None and _has_ancestor(element, current_paragraph)
            open_marks[mark_id] = (disclosure_id, [len(paragraphs) - 1] if inside else [])
            open_names[mark_id] = name
        else:
            mark_id = element.get(f"{_W}id", "")
            mark_id = aliases.pop(mark_id, mark_id)
            open_names.pop(mark_id, None)
            mark = open_marks.pop(mark_id, None)
            if mark is not None:
                spans.append(mark)
    spans.extend(open_marks.values())
    stated: dict[str, list[str]] = {}
    for disclosure_id, indices in spans:
        if disclosure_id == ALERT_MARK:  # paragraph by paragraph: each names one question
            stated.setdefault(disclosure_id, []).extend(paragraphs[i] for i in indices)
        else:
            stated.setdefault(disclosure_id, []).append(" ".join(paragraphs[i] for i in indices))
    for row_id, found in rows.items():
        stated[row_id] = [
            " ".join(_paragraph_text(p, visibility) for p in row.iter(_P)) for row in found
        ]
    return tuple(paragraphs), stated


def _has_ancestor(element: etree._Element, ancestor: etree._Element) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def parse_identifier(identifier: str | None) -> tuple[str, str, str] | None:
    """(procedure, template version, locale) from ``urn:mesoconsent:...``, or None."""
    match = _IDENTIFIER.fullmatch(identifier or "")
    return (match.group(1), match.group(2), match.group(3)) if match else None


_BOXES = {("\u2612", "\u2610"): True, ("\u2610", "\u2612"): False}  # (Yes box, No box)
_SIGNATURE = re.compile(re.escape(SIGNATURE_PREFIX) + r"(\d+)\.of\.(\d+)")


def stored_form_problems(
    procedure: Procedure,
    marks: Mapping[str, Sequence[str]],
    paragraphs: Sequence[str],
    question: Callable[[ScreeningQuestion], str],
    translate: Callable[[str], str],
) -> list[DisclosureProblem]:
    """What a stored form lost besides disclosures: checklist rows, flags, signature lines,
    the statement a third signer (an interpreter, a witness) signs for.

    ``marks`` maps the ``screening.<id>``, ``alert.screening`` and ``signature.<n>.of.<count>``
    marks found to their text (the alert's paragraph by paragraph). A stored form cannot say
    what the patient really answered, but it must still ask every question with exactly one
    box ticked, name every "yes" in the alert (a paragraph of its own there, as rendered; the
    question's words anywhere else do not count) and no "no" there, and keep every signer's
    line.
    """
    problems: list[DisclosureProblem] = []
    texts = [normalize_space(text) for text in paragraphs]
    alerted = {normalize_space(text) for text in marks.get(ALERT_MARK, ())}
    for asked in procedure.screening:
        key = asked.key
        found = marks.get(key, ())
        if len(found) != 1:
            problems.append(DisclosureProblem(key, "duplicated" if found else "missing"))
            continue
        wording = normalize_space(question(asked))
        head, _, boxes = normalize_space(found[0]).rpartition(" ")
        head, _, yes_box = head.rpartition(" ")
        answer = _BOXES.get((yes_box, boxes))
        if not head.startswith(wording):
            problems.append(DisclosureProblem(key, "altered"))
        elif answer is None:
            problems.append(DisclosureProblem(key, "answer unclear"))
        elif answer and wording not in alerted:
            problems.append(DisclosureProblem(key, "yes answer not flagged"))
        elif not answer and wording in alerted:
            # Ticked "No", yet still named in the alert: the patient reads both answers.
            problems.append(DisclosureProblem(key, "no answer flagged"))
    signers = [_SIGNATURE.fullmatch(key) for key in marks]
    counts = {int(match.group(2)) for match in signers if match}
    if not counts:
        problems.append(DisclosureProblem("signatures", "missing"))
    for count in sorted(counts)[-1:]:
        for number in range(1, count + 1):
            stated = marks.get(signature_mark(number, count), ())
            if not any(has_words(text) for text in stated):
                problems.append(DisclosureProblem(f"{SIGNATURE_PREFIX}{number}", "missing"))
        if count == 3:  # patient, practitioner, and an interpreter or a witness
            problems += _third_signer_problems(
                marks.get(signature_mark(3, 3), ()), texts, translate
            )
    return problems


def _third_signer_problems(
    stated: Sequence[str], texts: Sequence[str], translate: Callable[[str], str]
) -> list[DisclosureProblem]:
    """The statement the third signer signs for must be there: the one of their role (by the
    caption of their line), or either where the caption says neither."""
    caption = normalize_space(stated[0].split("\n")[0]) if stated else ""
    roles = [r for r, c in SIGNER_CAPTIONS.items() if normalize_space(translate(c)) == caption]
    wanted = roles or list(SIGNER_STATEMENTS)
    if any(normalize_space(translate(SIGNER_STATEMENTS[role])) in texts for role in wanted):
        return []
    return [DisclosureProblem(f"statement.{wanted[0]}", "missing")]
