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

import bisect
import io
import itertools
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO, NamedTuple, TypeVar

import attrs
from lxml import etree

from mesoconsent.compose import SIGNER_CAPTIONS, SIGNER_STATEMENTS
from mesoconsent.coverage import (
    DETAILS_NOT_SHOWN,
    has_words,
    headings_problem,
    normalize_space,
    question_lines,
    value_digest,
)
from mesoconsent.document import (
    ALERT_MARK,
    BOX_LABEL_MOST,
    EMPTY_BOX,
    SCREENING_PREFIX,
    SIGNATURE_PREFIX,
    STATEMENT_PREFIX,
    TICKED_BOX,
    signature_mark,
)
from mesoconsent.errors import DisclosureProblem, DocumentReadError
from mesoconsent.ooxml import (
    ALTERNATE_CONTENT,
    BOOKMARK_END,
    BOOKMARK_START,
    CHOICE,
    FALLBACK,
    TBL,
    TC,
    TR,
    P,
    R,
    W,
)
from mesoconsent.procedures import Procedure, ScreeningQuestion
from mesoconsent.signing import signed_name

# Re-exported: the report was defined here before it moved to a module of its own.
from mesoconsent.verify_report import VerifyReport as VerifyReport
from mesoconsent.visibility import (
    Visibility,
    draws,
    heading_text,
    is_header_row,
    lines_to_sign_on,
    paragraph_text,
    shown_text,
    written_text,
)

T = TypeVar("T")

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


@attrs.frozen
class DocxContent:
    """What ``verify`` reads out of a DOCX: only text a reader can see counts."""

    identifier: str | None
    language: str | None
    paragraphs: tuple[str, ...]
    stated: Mapping[str, Sequence[str]]
    status: str | None = None  # cp:contentStatus: "Draft" for a draft-mode document
    properties: Mapping[str, str] = attrs.field(factory=dict)  # docProps/custom.xml
    # For each checklist row found (as in ``stated``), the words heading its boxes' columns.
    headings: Mapping[str, Sequence[tuple[str, str] | None]] = attrs.field(factory=dict)
    # What other rows of the checklist's table (and of tables touching it) show over its
    # boxes, where they show anything.
    over_boxes: frozenset[tuple[str, str]] = frozenset()
    # The disclosures and checklist rows (by mark) printed on or after the first signer's
    # line: the patient would sign above them.
    after_signatures: frozenset[str] = frozenset()


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
    for tag, most, kind in ((P, _MAX_PARAGRAPHS, "paragraphs"), (R, _MAX_RUNS, "runs of text")):
        if next(itertools.islice(body.iter(tag), most, None), None) is not None:
            raise DocumentReadError(f"holds more {kind} than a consent form (over {most:,})")
    _resolve_alternatives(body)
    _drop_deleted_rows(body)
    identifier = language = status = None
    if core is not None:
        core_properties = _xml(core, "properties")
        identifier = (core_properties.findtext(f"{_DC}identifier") or "").strip() or None
        language = (core_properties.findtext(f"{_DC}language") or "").strip() or None
        status = (core_properties.findtext(f"{_CP}contentStatus") or "").strip() or None
    visibility = Visibility(_xml(styles, "styles") if styles is not None else None)
    paragraphs, stated, headings, over_boxes, after = _read_body(body, bookmarks, visibility)
    properties: dict[str, str] = {}
    if custom is not None:
        for item in _xml(custom, "custom properties").iter(f"{_CUSTOM}property"):
            properties[item.get("name", "")] = "".join(str(text) for text in item.itertext())
    return DocxContent(
        identifier, language, paragraphs, stated, status, properties, headings, over_boxes, after
    )


# The namespaces an mc:Choice may require that Word (2010 and later) understands: a Choice that
# requires another is not shown, and the next one, or the mc:Fallback, is.
_UNDERSTOOD = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://schemas.openxmlformats.org/drawingml/2006/main",
        "http://schemas.openxmlformats.org/drawingml/2006/picture",
        "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        "http://schemas.openxmlformats.org/officeDocument/2006/math",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://schemas.microsoft.com/office/word/2010/wordml",
        "http://schemas.microsoft.com/office/word/2012/wordml",
        "http://schemas.microsoft.com/office/word/2015/wordml/symex",
        "http://schemas.microsoft.com/office/word/2016/wordml/cid",
        "http://schemas.microsoft.com/office/word/2018/wordml",
        "http://schemas.microsoft.com/office/word/2018/wordml/cex",
        "http://schemas.microsoft.com/office/word/2020/wordml/sdtdatahash",
        "http://schemas.microsoft.com/office/word/2023/wordml/word16du",
        "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
        "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
        "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",
        "http://schemas.microsoft.com/office/word/2010/wordprocessingInk",
        "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",
        "http://schemas.microsoft.com/office/drawing/2010/main",
        "http://schemas.microsoft.com/office/drawing/2014/main",
        "http://schemas.microsoft.com/office/drawing/2014/chartex",
        "http://schemas.microsoft.com/office/drawing/2016/ink",
        "http://schemas.microsoft.com/office/drawing/2017/model3d",
        "urn:schemas-microsoft-com:vml",
        "urn:schemas-microsoft-com:office:office",
        "urn:schemas-microsoft-com:office:word",
    }
)


def _resolve_alternatives(body: etree._Element) -> None:
    """Put in place of each mc:AlternateContent the content Word shows: its first mc:Choice
    whose required namespaces it understands, else its mc:Fallback (ECMA-376 Part 3). Read
    as written, a Choice requiring a namespace no word processor knows would count while
    its Fallback, which is what prints, would not."""
    for alternate in list(body.iter(ALTERNATE_CONTENT)):
        parent = alternate.getparent()
        if parent is None:
            continue
        shown = next(
            (
                branch
                for branch in alternate
                if branch.tag == FALLBACK or (branch.tag == CHOICE and _understood(branch))
            ),
            None,
        )
        place = parent.index(alternate)
        parent.remove(alternate)
        for child in reversed(list(shown) if shown is not None else []):
            parent.insert(place, child)


def _understood(choice: etree._Element) -> bool:
    prefixes = choice.get("Requires", "").split()
    return bool(prefixes) and all(choice.nsmap.get(prefix) in _UNDERSTOOD for prefix in prefixes)


def _drop_deleted_rows(body: etree._Element) -> None:
    """Take out the table rows deleted with changes tracked (w:trPr/w:del): the form is read
    as it is once its changes are accepted (Word's "No Markup" view), as words in w:del are
    (visibility's _owner), and a deleted row is gone with its question or signature line."""
    for row in [row for row in body.iter(TR) if row.find(f"{W}trPr/{W}del") is not None]:
        parent = row.getparent()
        if parent is not None:
            parent.remove(row)


def _read_body(
    body: etree._Element, bookmarks: Mapping[str, str], visibility: Visibility
) -> tuple[
    tuple[str, ...],
    dict[str, list[str]],
    dict[str, list[tuple[str, str] | None]],
    frozenset[tuple[str, str]],
    frozenset[str],
]:
    """Paragraph texts in order, for each disclosure bookmark the text it spans, for each
    checklist row the words heading its boxes' columns, what other rows of its table show
    over the boxes (_checklist_headings), and the marks printed after the first signer's line.

    Editors sometimes move a bookmark's start or end into a neighbouring paragraph, so a
    bookmark covers every paragraph from the one holding its start to the one holding its end.
    """
    paragraphs: list[str] = []
    # Each paragraph's text, read once: a checklist row's are read again with the row, and
    # rows nested in rows, as a crafted file nests them, read each paragraph at every level.
    read: dict[etree._Element, str] = {}
    place: dict[etree._Element, int] = {}  # each paragraph's index in paragraphs
    rows: dict[str, list[etree._Element]] = {}
    open_marks: dict[str, tuple[str, list[int]]] = {}
    open_names: dict[str, str] = {}  # id -> bookmark name, of the marks in open_marks
    aliases: dict[str, str] = {}  # id of a repeated start -> id of the start it repeats
    spans: list[tuple[str, list[int]]] = []
    current_paragraph: etree._Element | None = None
    for element in body.iter(P, BOOKMARK_START, BOOKMARK_END):
        if any(ancestor.tag == FALLBACK for ancestor in element.iterancestors()):
            continue
        if element.tag == P:
            current_paragraph = element
            text = read[element] = paragraph_text(element, visibility)
            place[element] = len(paragraphs)
            paragraphs.append(text)
            for _, indices in open_marks.values():
                indices.append(len(paragraphs) - 1)
        elif element.tag == BOOKMARK_START:
            disclosure_id = bookmarks.get(element.get(f"{W}name", ""))
            if disclosure_id is None:
                continue
            row = next(element.iterancestors(TR), None)
            if disclosure_id.startswith(SIGNATURE_PREFIX) and (
                row is None or lines_to_sign_on(row) < 2
            ):
                # The signer's name is there, but not the lines to sign and date on: a form
                # nobody can sign is missing its signature block.
                continue
            if disclosure_id.startswith(SCREENING_PREFIX) and row is not None:
                # A checklist row is read whole: the question and both boxes.
                if all(seen is not row for seen in rows.setdefault(disclosure_id, [])):
                    rows[disclosure_id].append(row)
                continue
            name = element.get(f"{W}name", "")
            mark_id = element.get(f"{W}id", "")
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
            mark_id = element.get(f"{W}id", "")
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
        elif disclosure_id.startswith(SIGNATURE_PREFIX):
            # A signer's line: its caption, then the name, on lines of their own as they
            # print (an editor may have put the name in a paragraph of its own).
            stated.setdefault(disclosure_id, []).append("\n".join(paragraphs[i] for i in indices))
        else:
            stated.setdefault(disclosure_id, []).append(" ".join(paragraphs[i] for i in indices))
    for row_id, found in rows.items():
        stated[row_id] = [_row_text(row, read, visibility) for row in found]
    headings, over_boxes = _checklist_headings(rows, visibility)
    return tuple(paragraphs), stated, headings, over_boxes, _after_signatures(spans, rows, place)


def _row_text(
    row: etree._Element, read: Mapping[etree._Element, str], visibility: Visibility
) -> str:
    """A checklist row's text as it prints, each paragraph on a line of its own (details an
    editor put in a new paragraph under the question are on the line after it, as after a
    line break), but of each box cell only its box: the label after a box is checked against
    its column's heading (_checklist_headings), and the row's last two words must be its
    boxes, however many words a label has. Taken off cell by cell, where the row's text is
    built: the words of the row's end could be a label's or the question's."""
    in_boxes = {p for _, _, cell in _cells_by_column(row) if _is_box(cell) for p in cell.iter(P)}
    lines = []
    for paragraph in row.iter(P):
        text = read[paragraph] if paragraph in read else paragraph_text(paragraph, visibility)
        if paragraph in in_boxes:
            text = "".join(char for char in text if char in _BOX_MARKS)
        lines.append(text)
    return "\n".join(lines)


def _after_signatures(
    spans: Sequence[tuple[str, Sequence[int]]],
    rows: Mapping[str, Sequence[etree._Element]],
    place: Mapping[etree._Element, int],
) -> frozenset[str]:
    """The disclosures and checklist rows with a paragraph on or after the first signer's
    line (the gate's rule: nothing required after the signature block). A line moved up
    above the risks, or a risk moved down below the lines, has the patient sign above it."""
    lines = [indices[0] for mark, indices in spans if mark.startswith(SIGNATURE_PREFIX) and indices]
    if not lines:
        return frozenset()  # no line to sign on: reported as such
    first = min(lines)
    after = {
        mark
        for mark, indices in spans
        if indices
        and indices[-1] >= first
        and not mark.startswith(SIGNATURE_PREFIX)
        and mark != ALERT_MARK
    }
    after.update(
        row_id
        for row_id, found in rows.items()
        if any(place.get(p, -1) >= first for row in found for p in row.iter(P))
    )
    return frozenset(after)


_BOX_MARKS = frozenset({EMPTY_BOX, TICKED_BOX})

# A heading row as read: where each of its cells starts (twips from the table's start), and
# each one's words.
_Heading = tuple[list[float], list[str]]


# A row as it shows over a checklist's boxes: where each of its cells starts and ends (twips
# from its table's start), and each one's words as they print.
_Shown = tuple[list[float], list[float], list[str]]

# The words of a cell holding a table of its own: its columns can print any word over a box,
# wherever the cell is. Read as such, not word by word: the words of the tables inside, read
# again at every level of a crafted nesting, took as long as the file was deep (a 390 KB file
# of 70 levels took 79 s).
_NESTED = "\ufffd(a table inside a cell)"


class _Table(NamedTuple):
    """What the checklist rows of one table share, read once a table: the edges of its grid
    columns (twips from its start); for each of its rows, the row heading it (None if none
    does); and each of its other rows whose text shows, as it shows (a row of the form's own,
    or one an editor added)."""

    edges: tuple[int, ...]
    headings: dict[etree._Element, _Heading | None]
    shown: list[_Shown]


# Box layouts (the columns a table's checklist rows hold their boxes in) read for the other
# rows shown over them. A form has one; a file with more than this many is not one verify can
# vouch for, and reading each against every row would take as long as the file is crafted to.
_MOST_LAYOUTS = 16
_TOO_MANY_LAYOUTS = ("", "(checklist rows in too many layouts)")


def _checklist_headings(
    rows: Mapping[str, list[etree._Element]], visibility: Visibility
) -> tuple[dict[str, list[tuple[str, str] | None]], frozenset[tuple[str, str]]]:
    """For each checklist row (by its question's mark), the words heading its two boxes: in
    the cells of its heading row (_read_table) over each box's middle, "" where there is
    none, None if the row does not hold two boxes. Their colour is left aside: Word's own
    table styles print the rendered headings white on their pale fill, and refusing every
    form so restyled would drown what verify is for; a heading hidden otherwise (w:vanish,
    struck through, too small) says nothing of which column is which.

    And what every other row of the table shows over them, where it shows something (as it
    prints, colour and all), above the questions or below them, and the rows of a table
    right before or after it (Word shows tables with nothing between them as one): a row
    reading "No" then "Yes" relabels every answer, whatever the heading says. A cell over
    both boxes (a title across the table) labels neither, unless it holds a table."""
    checklist = {row for found in rows.values() for row in found}
    tables: dict[etree._Element, _Table] = {}

    def read(table: etree._Element) -> _Table:
        known = tables.get(table)
        if known is None:
            known = tables[table] = _read_table(table, visibility, checklist)
        return known

    layouts: set[tuple[etree._Element, tuple[float, float]]] = set()
    headings: dict[str, list[tuple[str, str] | None]] = {}
    over_boxes: set[tuple[str, str]] = set()
    for row_id, found in rows.items():
        pairs: list[tuple[str, str] | None] = []
        for row in found:
            table = next(row.iterancestors(TBL), None)
            facts = read(table) if table is not None else None
            boxes = _boxes(row, facts.edges if facts is not None else (0,))
            if boxes is None:
                pairs.append(None)  # not two boxes: its answer is unclear anyway
                continue
            middles, labels = boxes
            if any(labels):
                # A box's label is words over it as much as its heading is: "☒ No" in the
                # Yes column reads as a "no" whatever the heading says.
                over_boxes.add(labels)
            if table is None or facts is None:
                pairs.append(("", ""))
                continue
            heading = facts.headings.get(row)
            pairs.append(_over(heading, middles) if heading is not None else ("", ""))
            layouts.add((table, middles))
        headings[row_id] = pairs
    if len(layouts) > _MOST_LAYOUTS:
        return headings, frozenset({_TOO_MANY_LAYOUTS})
    for table, middles in layouts:
        for joined in _joined(table):
            for shown in read(joined).shown:
                over = _over_boxes(shown, middles)
                if any(over):
                    over_boxes.add(over)
    return headings, frozenset(over_boxes)


def _joined(table: etree._Element) -> Iterator[etree._Element]:
    """``table`` and the tables right before and after it with nothing between them, which
    Word shows as one table (and LibreOffice as tables touching): their rows are rows above
    or below the checklist's questions."""
    yield table
    for siblings in (table.itersiblings(preceding=True), table.itersiblings()):
        for sibling in siblings:
            if sibling.tag != TBL:
                break
            yield sibling


def _boxes(
    row: etree._Element, edges: Sequence[int]
) -> tuple[tuple[float, float], tuple[str, str]] | None:
    """Where the middles of a checklist row's two boxes are (twips from its table's start),
    and the label after each ("" where there is none); None if the row does not hold two."""
    boxes = [
        ((_edge(edges, start) + _edge(edges, end)) / 2, label)
        for start, end, cell in _cells_by_column(row)
        if (label := _box_label(cell)) is not None
    ]
    if len(boxes) != 2:
        return None
    (yes, yes_label), (no, no_label) = boxes
    return (yes, no), (yes_label, no_label)


def _over(row: _Heading, middles: tuple[float, float]) -> tuple[str, str]:
    """The words of a heading row's cells over each box's middle ("" where it has none)."""
    starts, words = row
    yes, no = (
        words[place] if (place := bisect.bisect_right(starts, middle) - 1) >= 0 else ""
        for middle in middles
    )
    return (yes, no)


def _over_boxes(row: _Shown, middles: tuple[float, float]) -> tuple[str, str]:
    """The words of the cell of ``row`` over each box's middle: "" where no cell is (a row
    cut short, w:gridBefore, w:gridAfter), and for both where one cell is over both (a
    title across the table labels neither), unless that cell holds a table."""
    starts, ends, words = row
    places = []
    for middle in middles:
        place = bisect.bisect_right(starts, middle) - 1
        places.append(place if place >= 0 and middle < ends[place] else -1)
    if places[0] == places[1] and places[0] >= 0 and words[places[0]] != _NESTED:
        return ("", "")
    yes, no = (words[place] if place >= 0 else "" for place in places)
    return (yes, no)


def _read_table(
    table: etree._Element, visibility: Visibility, checklist: Collection[etree._Element]
) -> _Table:
    """The heading row over each row of ``table``: the last row above it that is its first or
    is marked as a header row (w:tblHeader, as mesoconsent writes every row of <th>, which
    the render gate reads as headings wherever they are) and holds no boxes; and every row
    but the ``checklist`` rows whose text shows. Read in one pass: read again for each
    checklist row, the rows above it made verify quadratic (an 18 KB file of 10,000 header
    rows and 1,000 checklist rows took 99 s)."""
    widths = [
        _grid_count(column, 0, attribute="w", most=10**6)
        for column in table.iterfind(f"{W}tblGrid/{W}gridCol")
    ]
    if not all(widths):  # a grid without its widths: its columns taken as alike
        widths = [1] * len(widths)
    edges = [0, *itertools.accumulate(widths)]
    headings: dict[etree._Element, _Heading | None] = {}
    shown: list[_Shown] = []
    heading: _Heading | None = None
    rows = (each for each in table.iter(TR) if next(each.iterancestors(TBL), None) is table)
    for number, each in enumerate(rows):
        headings[each] = heading
        cells = _cells_by_column(each)
        starts = [_edge(edges, start) for start, _, _ in cells]
        if each not in checklist:
            words = [_shown_words(cell, visibility) for _, _, cell in cells]
            if any(words):
                shown.append((starts, [_edge(edges, end) for _, end, _ in cells], words))
        if (number == 0 or is_header_row(each)) and not any(
            _holds_no_table(cell) and _is_box(cell) for _, _, cell in cells
        ):
            heading = (starts, [_heading_words(cell, visibility) for _, _, cell in cells])
    return _Table(tuple(edges), headings, shown)


def _holds_no_table(cell: etree._Element) -> bool:
    return next(cell.iter(TBL), None) is None


def _heading_words(cell: etree._Element, visibility: Visibility) -> str:
    """A heading cell's words, whatever their colour (_NESTED if it holds a table)."""
    return _cell_words(cell, lambda paragraph: heading_text(paragraph, visibility))


def _shown_words(cell: etree._Element, visibility: Visibility) -> str:
    """A cell's words as they print, a box being none, so that a box cell shows its label
    (_NESTED if it holds a table)."""
    words = _cell_words(cell, lambda paragraph: shown_text(paragraph, visibility))
    if words in _BOX_MARKS:
        return ""
    if any(mark in words for mark in _BOX_MARKS) and _is_box(cell):
        return normalize_space("".join(char for char in words if char not in _BOX_MARKS))
    return words


def _cell_words(cell: etree._Element, read: Callable[[etree._Element], str]) -> str:
    """A cell's words, each paragraph's as ``read`` gives them; _NESTED if it holds a table."""
    if not _holds_no_table(cell):
        return _NESTED
    return normalize_space(" ".join(read(paragraph) for paragraph in cell.iter(P)))


def _edge(edges: Sequence[int], column: int) -> float:
    """Where grid column ``column`` starts, in twips; past the table's grid (a file that
    declares fewer columns than it uses), a twip a column."""
    last = len(edges) - 1
    return edges[column] if column <= last else edges[last] + column - last


def _cells_by_column(row: etree._Element) -> list[tuple[int, int, etree._Element]]:
    """A row's cells (those in content controls too, not those of tables inside them), each
    with the grid column it starts at and the one it ends before: after the columns it skips
    (w:gridBefore) and the columns each cell before it spans (w:gridSpan, at least one)."""
    column = _grid_count(row.find(f"{W}trPr/{W}gridBefore"), 0)
    cells = []
    for cell in row.iter(TC):
        if next(cell.iterancestors(TR), None) is row:
            span = max(1, _grid_count(cell.find(f"{W}tcPr/{W}gridSpan"), 1))
            cells.append((column, column + span, cell))
            column += span
    return cells


def _grid_count(
    element: etree._Element | None, default: int, *, attribute: str = "val", most: int = 999
) -> int:
    value = element.get(f"{W}{attribute}", "") if element is not None else ""
    ok = value.isascii() and value.isdigit() and len(value) <= len(str(most))
    return min(int(value), most) if ok else default


def _is_box(cell: etree._Element) -> bool:
    """Whether a cell is a box cell (_box_label)."""
    return _box_label(cell) is not None


def _box_label(cell: etree._Element) -> str | None:
    """What a box cell says after its box, white space normalised ("" if nothing: forms made
    before boxes were labelled with their column's heading, 2026-11-27); None if ``cell`` is
    no box cell: one box first, then no other, in at most BOX_LABEL_MOST characters. Its
    words however formatted, and anything drawn (U+FFFD): a label hidden or drawn says
    something still, and must be the heading too (_checklist_headings). Read no further
    than it takes to tell: a cell holding a question, and in a crafted file every table
    nested in it, is not one, and reading all of it for each row it is in, at every level of
    nesting, took as long as the file was deep."""
    seen = ""
    for paragraph in cell.iter(P):
        words = normalize_space(written_text(paragraph))  # (isolates too)
        if draws(paragraph):
            words += "\ufffd"
        if not words:
            continue
        seen = f"{seen} {words}" if seen else words
        if seen[0] not in _BOX_MARKS or len(seen) > 2 + BOX_LABEL_MOST:
            return None
    label = seen[1:].strip()
    if not seen or any(mark in label for mark in _BOX_MARKS):
        return None
    return label


def _has_ancestor(element: etree._Element, ancestor: etree._Element) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def parse_identifier(identifier: str | None) -> tuple[str, str, str] | None:
    """(procedure, template version, locale) from ``urn:mesoconsent:...``, or None."""
    match = _IDENTIFIER.fullmatch(identifier or "")
    return (match.group(1), match.group(2), match.group(3)) if match else None


_BOXES = {(TICKED_BOX, EMPTY_BOX): True, (EMPTY_BOX, TICKED_BOX): False}  # (Yes box, No box)
_SIGNATURE = re.compile(re.escape(SIGNATURE_PREFIX) + r"(\d+)\.of\.(\d+)")


def stored_form_problems(
    procedure: Procedure,
    marks: Mapping[str, Sequence[str]],
    paragraphs: Sequence[str],
    question: Callable[[ScreeningQuestion], str],
    translate: Callable[[str], str],
    headings: Mapping[str, Sequence[tuple[str, str] | None]] | None = None,
    digests: Mapping[str, str] | None = None,
    over_boxes: Iterable[tuple[str, str]] = (),
) -> list[DisclosureProblem]:
    """What a stored form lost besides disclosures: checklist rows, flags, the checklist's
    "Yes" and "No" headings (``headings``, as read for each row), signature lines, the
    statement a third signer (an interpreter, a witness) signs for.

    ``marks`` maps the ``screening.<id>``, ``alert.screening`` and ``signature.<n>.of.<count>``
    marks found to their text (the alert's paragraph by paragraph). A stored form cannot say
    what the patient really answered, but it must still ask every question with exactly one
    box ticked, name every "yes" in the alert (a paragraph of its own there, as rendered; the
    question's words anywhere else do not count) and no "no" there, show under each "yes" the
    details it was rendered with (_details_problem), and keep every signer's line, with the
    name it was rendered with where ``digests`` (the recorded ``mesoconsent.values``) hold
    its digest (forms made before 2026-11-27 do not).
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
        # The question on a line of its own, the details after it (as the gate requires):
        # only a "yes" has details, so under a "no" there is nothing.
        shown, after = question_lines(_without_last_two_words(found[0]), wording)  # (boxes)
        if shown != wording or (answer is False and after):
            problems.append(DisclosureProblem(key, "altered"))
        elif answer is None:
            problems.append(DisclosureProblem(key, "answer unclear"))
        elif answer and (reason := _details_problem(asked, after, digests)) is not None:
            problems.append(DisclosureProblem(key, reason))
        elif answer and wording not in alerted:
            problems.append(DisclosureProblem(key, "yes answer not flagged"))
        elif not answer and wording in alerted:
            # Ticked "No", yet still named in the alert: the patient reads both answers.
            problems.append(DisclosureProblem(key, "no answer flagged"))
    wanted = (translate("Yes"), translate("No"))
    normalized = (normalize_space(wanted[0]), normalize_space(wanted[1]))
    read = (each for found in (headings or {}).values() for each in found if each is not None)
    # Other rows of the checklist may show nothing over a box but its heading.
    relabelled = (
        word not in ("", want)
        for over in over_boxes
        for word, want in zip(over, normalized, strict=True)
    )
    if any(each != normalized for each in read) or any(relabelled):
        problems.append(headings_problem(wanted))
    signers = [_SIGNATURE.fullmatch(key) for key in marks]
    counts = {int(match.group(2)) for match in signers if match}
    if not counts:
        problems.append(DisclosureProblem("signatures", "missing"))
    for count in sorted(counts)[-1:]:
        for number in range(1, count + 1):
            mark = signature_mark(number, count)
            stated = marks.get(mark, ())
            digest = (digests or {}).get(mark)
            if not any(has_words(text) for text in stated):
                problems.append(DisclosureProblem(f"{SIGNATURE_PREFIX}{number}", "missing"))
            elif digest is not None and [value_digest(signed_name(t)) for t in stated] != [digest]:
                # Another name on the line: it records nothing of who signed.
                problems.append(DisclosureProblem(f"{SIGNATURE_PREFIX}{number}", "altered"))
        if count == 3:  # patient, practitioner, and an interpreter or a witness
            problems += _third_signer_problems(
                marks.get(signature_mark(3, 3), ()), texts, translate
            )
    return problems


def _details_problem(
    asked: ScreeningQuestion, after: str, digests: Mapping[str, str] | None
) -> str | None:
    """Why what a row ticked "yes" shows under its question (``after``, white space
    normalised) is not the details it was rendered with; None if it is. Where ``digests``
    hold the row's (coverage.details_digests), they say what it showed: details deleted are
    "details not shown", details rewritten ("None" for the patient's words) "altered". The
    details are compared as words, as the gate compares them: retyped on other lines or in
    paragraphs of their own, they say the same. A form made before the digests were recorded
    (2026-11-27), or a "yes" rendered without details, holds none: a question that asks for
    details must still show some, as render never makes one without them (validation
    requires them, the gate that they are shown, and the bundled templates have always
    shown them under the question); what they say cannot be checked."""
    digest = (digests or {}).get(asked.key)
    if digest is None:
        return DETAILS_NOT_SHOWN if asked.asks_details and not after else None
    if value_digest(after) == digest:
        return None
    return "altered" if after else DETAILS_NOT_SHOWN


def _without_last_two_words(text: str) -> str:
    """``text`` without its last two words (a checklist row's Yes and No boxes, each a
    paragraph of its own), the line breaks before them kept. Split from the right, in one
    pass: a regular expression anchored at the end tried every start, quadratic in a long
    word a crafted file may hold."""
    words = text.rsplit(None, 2)
    if len(words) < 2:
        return text
    return words[0] if len(words) == 3 else ""


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
    return [DisclosureProblem(f"{STATEMENT_PREFIX}{wanted[0]}", "missing")]
