"""Re-check a stored DOCX: are all the required disclosures still in it?

The document's own core properties say which procedure, template version and locale it was
rendered with (``dc:identifier``); each required disclosure is then looked up by its bookmark
and its words compared with the expected wording, so deleting a paragraph, emptying it or
rewording it is caught. Where an editor dropped a bookmark but kept the words, the words alone
count. Files re-saved by Word or LibreOffice are read the same way: only the XML text matters.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import attrs
from lxml import etree

from mesoconsent.errors import DisclosureProblem, DocumentReadError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _T, _TAB, _BR, _CR = f"{_W}p", f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"
_BOOKMARK_START, _BOOKMARK_END = f"{_W}bookmarkStart", f"{_W}bookmarkEnd"
_DC_IDENTIFIER = "{http://purl.org/dc/elements/1.1/}identifier"
_IDENTIFIER = re.compile(r"urn:mesoconsent:([a-z][a-z0-9_]*):([A-Za-z0-9.+-]+):([A-Za-z_]+)")
# The file comes from outside: no entities, no network, libxml2's default size limits.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_MAX_PART = 200 * 1024 * 1024  # refuse zip bombs rather than inflate them


@attrs.frozen
class DocxContent:
    """What ``verify`` reads out of a DOCX."""

    identifier: str | None
    paragraphs: tuple[str, ...]
    stated: dict[str, list[str]]


@attrs.frozen
class VerifyReport:
    """The outcome of :func:`mesoconsent.verify`. ``ok`` is True only if nothing is wrong."""

    procedure: str
    template_version: str
    locale: str
    problems: tuple[DisclosureProblem, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        raise DocumentReadError(f"{name} is too large to be a consent form")
    return archive.read(info)


def read_docx(source: str | os.PathLike[str] | bytes, bookmarks: Mapping[str, str]) -> DocxContent:
    """Read the paragraphs, disclosure bookmarks and identifier of a DOCX.

    ``bookmarks`` maps bookmark names to the disclosure ids they stand for.
    """
    # A file that cannot be opened raises OSError, as open() would.
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            main = _part(archive, "word/document.xml")
            core = _part(archive, "docProps/core.xml")
    except (zipfile.BadZipFile, OSError, EOFError):
        raise DocumentReadError("not a DOCX file (it is not a valid zip package)") from None
    if main is None:
        raise DocumentReadError("not a Word document (no word/document.xml)")
    try:
        body = etree.fromstring(main, _PARSER)
        identifier = None
        if core is not None:
            found = etree.fromstring(core, _PARSER).find(_DC_IDENTIFIER)
            identifier = (found.text or "").strip() if found is not None else None
    except etree.XMLSyntaxError:
        raise DocumentReadError("the document's XML is damaged") from None
    paragraphs, stated = _read_body(body, bookmarks)
    return DocxContent(identifier, paragraphs, stated)


def _paragraph_text(paragraph: etree._Element) -> str:
    pieces = []
    for element in paragraph.iter(_T, _TAB, _BR, _CR):
        if element.tag == _T:
            pieces.append(element.text or "")
        elif element.tag == _TAB:
            pieces.append("\t")
        else:
            pieces.append("\n")
    return "".join(pieces)


def _read_body(
    body: etree._Element, bookmarks: Mapping[str, str]
) -> tuple[tuple[str, ...], dict[str, list[str]]]:
    """Paragraph texts in order, and for each disclosure bookmark the text it spans.

    Editors sometimes move a bookmark's start or end into a neighbouring paragraph, so a
    bookmark covers every paragraph from the one holding its start to the one holding its end.
    """
    paragraphs: list[str] = []
    open_marks: dict[str, tuple[str, list[int]]] = {}
    spans: list[tuple[str, list[int]]] = []
    current_paragraph: etree._Element | None = None
    for element in body.iter(_P, _BOOKMARK_START, _BOOKMARK_END):
        if element.tag == _P:
            # Nested paragraphs (text boxes) are read as part of their own paragraph only.
            current_paragraph = element
            paragraphs.append(_paragraph_text(element))
            for _, indices in open_marks.values():
                indices.append(len(paragraphs) - 1)
        elif element.tag == _BOOKMARK_START:
            disclosure_id = bookmarks.get(element.get(f"{_W}name", ""))
            if disclosure_id is None:
                continue
            inside = current_paragraph is not None and _has_ancestor(element, current_paragraph)
            open_marks[element.get(f"{_W}id", "")] = (
                disclosure_id,
                [len(paragraphs) - 1] if inside else [],
            )
        else:
            mark = open_marks.pop(element.get(f"{_W}id", ""), None)
            if mark is not None:
                spans.append(mark)
    spans.extend(open_marks.values())
    stated: dict[str, list[str]] = {}
    for disclosure_id, indices in spans:
        stated.setdefault(disclosure_id, []).append(" ".join(paragraphs[i] for i in indices))
    return tuple(paragraphs), stated


def _has_ancestor(element: etree._Element, ancestor: etree._Element) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def parse_identifier(identifier: str | None) -> tuple[str, str, str] | None:
    """(procedure, template version, locale) from ``urn:mesoconsent:...``, or None."""
    match = _IDENTIFIER.fullmatch(identifier or "")
    return (match.group(1), match.group(2), match.group(3)) if match else None
