"""The same consent form made without mesoconsent: the baselines of docs/performance.md.

Everything here is built at start-up from mesoconsent's own English rendering of the bundled
example, so the baselines say exactly what mesoconsent's form says and nothing binary has to
be committed:

- a docxtpl template (made with python-docx: title, patient-details table, every section with
  its paragraphs and bullet lists, the screening checklist as a ``{%tr for %}`` loop, the
  signature block as a ``{%tr for %}`` loop, a header and a page-numbered footer), rendered the
  way a typical docxtpl user does it: load the template, render, save, per form;
- two "floor" writers that do the least a correct DOCX needs: a plain Jinja2 template of
  ``word/document.xml`` with the same content, and the other parts (content types,
  relationships, styles, numbering, settings, header, footer, core properties) zipped with
  deflate. :class:`FloorWriter` with ``precompressed=False`` deflates every part of every form;
  with ``precompressed=True`` the unchanging parts are deflated, and their ZIP entries laid
  out, once, and each form copies those bytes and deflates only its own parts (a small ZIP
  writer of its own: ``zipfile`` cannot copy deflated data, and re-opening a template zip in
  append mode costs about 0.1 ms more per form). With ``fast_deflater`` (zlib-ng), its own
  parts are deflated as mesoconsent deflates a form's own XML: a third floor, for comparison
  only (the issue measured its floors with zlib).

The section texts are static in both templates, as in a clinic's hand-made template; the
patient details, screening answers, signers and header are template variables. The styles,
numbering and settings parts are taken from mesoconsent's output, so every form looks alike.
"""

from __future__ import annotations

import importlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

import docx
import jinja2
from docx.oxml import parse_xml
from docx.shared import Pt
from docx.table import Table
from docxtpl import DocxTemplate

import mesoconsent
from mesoconsent import document as d

_zlib_ng: ModuleType | None
try:  # what mesoconsent deflates a form's own XML with (mesoconsent/writers/zip.py)
    _zlib_ng = importlib.import_module("zlib_ng.zlib_ng")
except ImportError:
    _zlib_ng = None

CHECKED, UNCHECKED = "\u2612", "\u2610"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# zlib's default, as zipfile uses it (mesoconsent deflates what it makes once at 9, and a
# form's own XML at 3).
COMPRESSLEVEL = 6

StaticStyle = Literal["Title", "Heading1", "Heading2", "Normal", "ListBullet"]


@dataclass(frozen=True)
class Static:
    """A paragraph whose text is part of the template."""

    style: StaticStyle
    text: str


@dataclass(frozen=True)
class Details:
    """The patient-details table: (label, context variable) per row."""

    rows: tuple[tuple[str, str], ...]
    caption: str = ""


@dataclass(frozen=True)
class Screening:
    """The screening checklist: a header row, then one row per question (a loop)."""

    header: tuple[str, ...]
    caption: str = ""


@dataclass(frozen=True)
class Signatures:
    """The signature block: two rows per signer (a loop)."""


Item = Static | Details | Screening | Signatures


@dataclass
class FormSpec:
    """What the form says (``layout``) and the data a render fills in (``context``)."""

    layout: list[Item] = field(default_factory=list)
    context: dict[str, object] = field(default_factory=dict)
    # Texts every correct rendering must show (checked with python-docx).
    probes: list[str] = field(default_factory=list)


def _text(inlines: tuple[d.Inline, ...]) -> str:
    # Line breaks (the clinic address) become " / ", as in mesoconsent's text output.
    return d.plain_text(inlines).replace("\n", " / ")


def _static(style: StaticStyle, inlines: tuple[d.Inline, ...]) -> Static:
    text = _text(inlines)
    if "{" in text or "}" in text:
        raise ValueError(f"a template text would read as a template tag: {text!r}")
    return Static(style, text)


def _variable_name(label: str, taken: set[str]) -> str:
    name = "field_" + (re.sub(r"\W+", "_", label.lower()).strip("_") or "x")
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _paragraphs(block: d.Block) -> Iterator[Static]:
    if isinstance(block, d.Paragraph):
        yield _static("Normal", block.inlines)
    elif isinstance(block, d.Heading):
        style: StaticStyle = (
            "Title" if block.level == 1 else "Heading1" if block.level == 2 else "Heading2"
        )
        yield _static(style, block.inlines)
    elif isinstance(block, d.ListBlock):
        for item in block.items:
            yield _static("ListBullet", item.inlines)
    elif isinstance(block, d.Alert):
        for inner in block.blocks:
            yield from _paragraphs(inner)


def form_spec(document: d.Document) -> FormSpec:
    """The layout and context of a form saying what ``document`` says."""
    spec = FormSpec()
    taken: set[str] = set()
    screening: list[dict[str, str]] = []
    for block in document.blocks:
        if isinstance(block, d.Table) and block.kind == "fields":
            rows = []
            for row in block.rows:
                label, value = (_text(cell.inlines) for cell in row.cells)
                name = _variable_name(label, taken)
                rows.append((label, name))
                spec.context[name] = value
                spec.probes.append(value)
            spec.layout.append(Details(tuple(rows), block.caption))
        elif isinstance(block, d.Table):
            header = next(row for row in block.rows if row.header)
            headings = tuple(_text(cell.inlines) for cell in header.cells)
            spec.layout.append(Screening(headings, block.caption))
            for row in block.rows:
                if row.header:
                    continue
                question, *answers = row.cells
                # Each box followed by its column's heading, as mesoconsent writes it ("☒ Yes").
                boxes = [
                    (
                        CHECKED
                        if any(isinstance(i, d.Checkbox) and i.checked for i in c.inlines)
                        else UNCHECKED
                    )
                    + f" {heading}"
                    for c, heading in zip(answers, headings[1:], strict=True)
                ]
                screening.append(
                    {"question": _text(question.inlines), "yes": boxes[0], "no": boxes[1]}
                )
                spec.probes += [_text(question.inlines), *boxes]
        elif isinstance(block, d.SignatureBlock):
            spec.layout.append(Signatures())
            spec.context["signers"] = [
                {
                    "role": s.role,
                    "name": s.name,
                    "signature": s.signature_caption,
                    "date": s.date_caption,
                }
                for s in block.signers
            ]
        else:
            for paragraph in _paragraphs(block):
                spec.layout.append(paragraph)
                spec.probes.append(paragraph.text)
    spec.context["screening"] = screening
    spec.context["header"] = _text(document.header)
    spec.probes.append(_text(document.header))
    meta = document.metadata
    spec.context["core"] = {
        "title": meta.title,
        "subject": meta.subject,
        "creator": meta.author,
        "language": meta.language,
        "created": f"{meta.date}T00:00:00Z",
    }
    return spec


# -- docxtpl -------------------------------------------------------------------------------

_DOCX_STYLE_NAMES: dict[StaticStyle, str | None] = {
    "Title": "Title",
    "Heading1": "Heading 1",
    "Heading2": "Heading 2",
    "Normal": None,
    "ListBullet": "List Bullet",
}
_FOOTER_FIELDS = '<w:fldSimple {ns} w:instr=" {instr} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def build_docxtpl_template(spec: FormSpec, path: Path) -> Path:
    """Write a docxtpl template of the form to ``path`` (made with python-docx)."""
    document = docx.Document()
    for item in spec.layout:
        if isinstance(item, Static):
            document.add_paragraph(item.text, style=_DOCX_STYLE_NAMES[item.style])
        elif isinstance(item, Details):
            table = document.add_table(rows=0, cols=2)
            for label, name in item.rows:
                cells = table.add_row().cells
                cells[0].paragraphs[0].add_run(label).bold = True
                cells[1].text = "{{ " + name + " }}"
            _title(table, item.caption)
        elif isinstance(item, Screening):
            table = document.add_table(rows=4, cols=len(item.header), style="Table Grid")
            for cell, text in zip(table.rows[0].cells, item.header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            table.rows[1].cells[0].text = "{%tr for q in screening %}"
            for cell, text in zip(
                table.rows[2].cells, ("{{ q.question }}", "{{ q.yes }}", "{{ q.no }}"), strict=True
            ):
                cell.text = text
            table.rows[3].cells[0].text = "{%tr endfor %}"
            _title(table, item.caption)
        else:
            table = document.add_table(rows=4, cols=4)
            table.rows[0].cells[0].text = "{%tr for s in signers %}"
            who = table.rows[1].cells[0].paragraphs[0]
            who.add_run("{{ s.role }}").bold = True
            who.add_run().add_break()
            who.add_run("{{ s.name }}")
            table.rows[1].height = Pt(42)
            table.rows[2].cells[1].text = "{{ s.signature }}"
            table.rows[2].cells[3].text = "{{ s.date }}"
            table.rows[3].cells[0].text = "{%tr endfor %}"
    section = document.sections[0]
    section.header.paragraphs[0].text = "{{ header }}"
    footer = section.footer.paragraphs[0]
    footer.add_run("Page ")
    footer._p.append(parse_xml(_FOOTER_FIELDS.format(ns=_W_NS, instr="PAGE")))
    footer.add_run(" of ")
    footer._p.append(parse_xml(_FOOTER_FIELDS.format(ns=_W_NS, instr="NUMPAGES")))
    document.save(str(path))
    return path


def _title(table: Table, caption: str) -> None:
    """The table's title (w:tblCaption), as mesoconsent gives its data tables."""
    if caption:
        table._tbl.tblPr.append(
            parse_xml(f'<w:tblCaption {_W_NS} w:val="{_escape_attribute(caption)}"/>')
        )


def render_docxtpl(template: Path, context: dict[str, object]) -> bytes:
    """One form, as a typical docxtpl user makes it: load the template, render, save."""
    form = DocxTemplate(str(template))
    form.render(context, autoescape=True)
    out = io.BytesIO()
    form.save(out)
    return out.getvalue()


# -- the floor writers ---------------------------------------------------------------------

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_CT}.document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{_CT}.styles+xml"/>'
    f'<Override PartName="/word/numbering.xml" ContentType="{_CT}.numbering+xml"/>'
    f'<Override PartName="/word/settings.xml" ContentType="{_CT}.settings+xml"/>'
    f'<Override PartName="/word/header1.xml" ContentType="{_CT}.header+xml"/>'
    f'<Override PartName="/word/footer1.xml" ContentType="{_CT}.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    XML_DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    XML_DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/numbering" Target="numbering.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rId4" Type="{_REL}/header" Target="header1.xml"/>'
    f'<Relationship Id="rId5" Type="{_REL}/footer" Target="footer1.xml"/>'
    "</Relationships>"
)
HEADER = (
    XML_DECLARATION + f"<w:hdr {_NAMESPACES}>"
    '<w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr>'
    '<w:r><w:t xml:space="preserve">{{ header }}</w:t></w:r></w:p></w:hdr>'
)


def _field(instruction: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


FOOTER = (
    XML_DECLARATION + f"<w:ftr {_NAMESPACES}>"
    '<w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>'
    '<w:r><w:t xml:space="preserve">Page </w:t></w:r>'
    + _field("PAGE")
    + '<w:r><w:t xml:space="preserve"> of </w:t></w:r>'
    + _field("NUMPAGES")
    + "</w:p></w:ftr>"
)
CORE = (
    XML_DECLARATION + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
    '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{{ core.title }}</dc:title><dc:subject>{{ core.subject }}</dc:subject>"
    "<dc:creator>{{ core.creator }}</dc:creator><dc:language>{{ core.language }}</dc:language>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{{ core.created }}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{{ core.created }}</dcterms:modified>'
    "</cp:coreProperties>"
)
# A4, 23 mm side margins, like mesoconsent's forms.
TEXT_WIDTH = 9298
SECTION_PROPERTIES = (
    '<w:sectPr><w:headerReference w:type="default" r:id="rId4"/>'
    '<w:footerReference w:type="default" r:id="rId5"/>'
    '<w:pgSz w:w="11906" w:h="16838"/>'
    '<w:pgMar w:top="1247" w:right="1304" w:bottom="1247" w:left="1304" w:header="567" '
    'w:footer="567" w:gutter="0"/></w:sectPr>'
)
# The parts taken from mesoconsent's output (so both forms look alike), and the styles the
# floor's document uses from them.
BORROWED_PARTS = ("word/styles.xml", "word/numbering.xml", "word/settings.xml")
USED_STYLES = (
    "Title",
    "Heading1",
    "Heading2",
    "ListBullet",
    "TableText",
    "TableGrid",
    "TableNormal",
    "SignatureCaption",
    "Header",
    "Footer",
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _p(content: str, style: str | None = None, *, bold: bool = False) -> str:
    """A one-run paragraph; ``content`` is XML text or a template expression."""
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    rpr = "<w:rPr><w:b/><w:bCs/></w:rPr>" if bold else ""
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{content}</w:t></w:r></w:p>'


def _cell(width: int, content: str, extra: str = "") -> str:
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{extra}</w:tcPr>{content}</w:tc>'


def _table(widths: list[int], rows: str, style: str, caption: str = "") -> str:
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    title = f'<w:tblCaption w:val="{_escape_attribute(caption)}"/>' if caption else ""
    return (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{style}"/><w:tblW w:w="{sum(widths)}" '
        f'w:type="dxa"/><w:tblLayout w:type="fixed"/>{title}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        f"{rows}</w:tbl>"
        # Word merges tables that touch.
        '<w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p>'
    )


def document_template_source(spec: FormSpec) -> str:
    """The Jinja2 source of the floor's ``word/document.xml``."""
    body = []
    for item in spec.layout:
        if isinstance(item, Static):
            style = None if item.style == "Normal" else item.style
            body.append(_p(_escape(item.text), style))
        elif isinstance(item, Details):
            widths = [2789, TEXT_WIDTH - 2789]
            rows = "".join(
                "<w:tr>"
                + _cell(widths[0], _p(_escape(label), "TableText", bold=True))
                + _cell(widths[1], _p("{{ " + name + " }}", "TableText"))
                + "</w:tr>"
                for label, name in item.rows
            )
            body.append(_table(widths, rows, "TableNormal", item.caption))
        elif isinstance(item, Screening):
            widths = [TEXT_WIDTH - 2 * 1000, 1000, 1000]
            header = "".join(
                _cell(
                    width,
                    _p(_escape(text), "TableText", bold=True),
                    '<w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/>',
                )
                for width, text in zip(widths, item.header, strict=True)
            )
            row = (
                _cell(widths[0], _p("{{ q.question }}", "TableText"))
                + _cell(widths[1], _p("{{ q.yes }}", "TableText"))
                + _cell(widths[2], _p("{{ q.no }}", "TableText"))
            )
            rows = (
                f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{header}</w:tr>"
                f"{{% for q in screening %}}<w:tr>{row}</w:tr>{{% endfor %}}"
            )
            body.append(_table(widths, rows, "TableGrid", item.caption))
        else:
            widths = [3719, 3719, 232, TEXT_WIDTH - 3719 - 3719 - 232]
            line = (
                '<w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" '
                'w:color="000000"/></w:tcBorders>'
            )
            who = (
                '<w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>'
                '<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">{{ s.role }}</w:t>'
                '</w:r><w:r><w:br/></w:r><w:r><w:t xml:space="preserve">{{ s.name }}</w:t>'
                "</w:r></w:p>"
            )
            blank = '<w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr></w:p>'
            signing = (
                '<w:tr><w:trPr><w:trHeight w:val="850"/></w:trPr>'
                + _cell(widths[0], who)
                + _cell(widths[1], blank, line)
                + _cell(widths[2], blank)
                + _cell(widths[3], blank, line)
                + "</w:tr>"
            )
            captions = (
                "<w:tr>"
                + _cell(widths[0], blank)
                + _cell(widths[1], _p("{{ s.signature }}", "SignatureCaption"))
                + _cell(widths[2], blank)
                + _cell(widths[3], _p("{{ s.date }}", "SignatureCaption"))
                + "</w:tr>"
            )
            rows = f"{{% for s in signers %}}{signing}{captions}{{% endfor %}}"
            body.append(_table(widths, rows, "TableNormal"))
    return (
        XML_DECLARATION
        + f"<w:document {_NAMESPACES}><w:body>{''.join(body)}{SECTION_PROPERTIES}"
        + "</w:body></w:document>"
    )


def borrowed_parts(mesoconsent_docx: bytes) -> dict[str, bytes]:
    """Styles, numbering and settings from a mesoconsent DOCX, checked for the floor's use."""
    with zipfile.ZipFile(io.BytesIO(mesoconsent_docx)) as archive:
        parts = {name: archive.read(name) for name in BORROWED_PARTS}
    styles = parts["word/styles.xml"].decode()
    missing = [s for s in USED_STYLES if f'w:styleId="{s}"' not in styles]
    if missing:
        raise RuntimeError(f"mesoconsent's styles.xml no longer defines {missing}")
    return parts


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    return info


# ZIP records (APPNOTE 4.3.7, 4.3.12, 4.3.16): local file header, central directory header,
# end of central directory. Version 2.0 (deflate), no flags, no extra fields, no comments.
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_DATE = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
_DEFLATE, _VERSION = 8, 20


@dataclass(frozen=True)
class _Deflated:
    name: bytes
    crc: int
    size: int
    data: bytes

    @classmethod
    def of(
        cls, name: str, content: bytes, deflater: ModuleType = zlib, level: int = COMPRESSLEVEL
    ) -> _Deflated:
        compressor = deflater.compressobj(level, deflater.DEFLATED, -15)  # raw, as ZIP stores it
        data = compressor.compress(content) + compressor.flush()
        return cls(name.encode("ascii"), zlib.crc32(content), len(content), data)

    def local_entry(self) -> bytes:
        header = _LOCAL.pack(
            b"PK\x03\x04", _VERSION, 0, _DEFLATE, 0, _DOS_DATE,
            self.crc, len(self.data), self.size, len(self.name), 0,
        )  # fmt: skip
        return header + self.name + self.data

    def central_entry(self, offset: int) -> bytes:
        header = _CENTRAL.pack(
            b"PK\x01\x02", _VERSION, _VERSION, 0, _DEFLATE, 0, _DOS_DATE,
            self.crc, len(self.data), self.size, len(self.name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        return header + self.name


class _PrecompressedZip:
    """Zips with the same leading parts: those are deflated, and their local and central
    directory entries laid out, once; each archive copies them and adds its own parts."""

    def __init__(self, static: list[tuple[str, bytes]]) -> None:
        local, central = [], []
        offset = 0
        for name, content in static:
            part = _Deflated.of(name, content)
            central.append(part.central_entry(offset))
            local.append(part.local_entry())
            offset += len(local[-1])
        self._count = len(static)
        self._local = b"".join(local)
        self._central = b"".join(central)

    def archive(
        self,
        parts: tuple[tuple[str, bytes], ...],
        deflater: ModuleType = zlib,
        level: int = COMPRESSLEVEL,
    ) -> bytes:
        chunks, central = [self._local], [self._central]
        offset = len(self._local)
        for name, content in parts:
            part = _Deflated.of(name, content, deflater, level)
            central.append(part.central_entry(offset))
            chunks.append(part.local_entry())
            offset += len(chunks[-1])
        directory = b"".join(central)
        count = self._count + len(parts)
        end = _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
        return b"".join((*chunks, directory, end))


class FloorWriter:
    """The least work a correct DOCX of the form needs (see the module docstring)."""

    def __init__(
        self,
        spec: FormSpec,
        borrowed: dict[str, bytes],
        *,
        precompressed: bool,
        fast_deflater: ModuleType | None = None,
    ):
        """``fast_deflater`` (zlib-ng, with ``precompressed``) deflates the form's own parts at
        its level 1, as mesoconsent deflates a form's own XML."""
        self.fast_deflater = fast_deflater
        environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        self.precompressed = precompressed
        self._document = environment.from_string(document_template_source(spec))
        self._header = environment.from_string(HEADER)
        self._core = environment.from_string(CORE)
        self._static: list[tuple[str, bytes]] = [
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("_rels/.rels", PACKAGE_RELS.encode()),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS.encode()),
            ("word/footer1.xml", FOOTER.encode()),
            *borrowed.items(),
        ]
        self._zip = _PrecompressedZip(self._static)

    def render(self, context: dict[str, object]) -> bytes:
        dynamic = (
            ("word/document.xml", self._document.render(context).encode()),
            ("word/header1.xml", self._header.render(context).encode()),
            ("docProps/core.xml", self._core.render(context).encode()),
        )
        if self.precompressed:
            if self.fast_deflater is not None:
                return self._zip.archive(dynamic, self.fast_deflater, 1)
            return self._zip.archive(dynamic)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in (*self._static, *dynamic):
                archive.writestr(_entry(name), data, compresslevel=COMPRESSLEVEL)
        return buffer.getvalue()


# -- all of it -----------------------------------------------------------------------------


def docx_texts(content: bytes) -> list[str]:
    """Every paragraph text of a DOCX (body, tables, header), read back with python-docx."""
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    texts.extend(p.text for p in document.sections[0].header.paragraphs)
    return texts


def check_docx(content: bytes, probes: list[str]) -> None:
    """Raise AssertionError unless python-docx opens ``content`` and it shows every probe."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        damaged = archive.testzip()  # reads every part, checking its CRC
    if damaged is not None:
        raise AssertionError(f"part {damaged} of the DOCX is damaged")
    shown = "\n".join(docx_texts(content))
    missing = [probe for probe in probes if probe not in shown]
    if missing:
        raise AssertionError(f"{len(missing)} texts missing from the DOCX, first {missing[0]!r}")


@dataclass
class Equivalents:
    """The baselines, ready to render the example form."""

    spec: FormSpec
    template: Path
    deflate_all: FloorWriter
    precompressed: FloorWriter
    # The same, its own parts deflated by zlib-ng; None where zlib-ng is not installed.
    precompressed_fast: FloorWriter | None

    def docxtpl(self) -> bytes:
        return render_docxtpl(self.template, self.spec.context)

    def floor_deflate_all(self) -> bytes:
        return self.deflate_all.render(self.spec.context)

    def floor_precompressed(self) -> bytes:
        return self.precompressed.render(self.spec.context)

    def floor_precompressed_fast(self) -> bytes:
        if self.precompressed_fast is None:
            raise RuntimeError("zlib-ng is not installed")
        return self.precompressed_fast.render(self.spec.context)

    def check(self) -> None:
        """Each baseline makes a DOCX python-docx opens, saying what mesoconsent's form says."""
        renders = [self.docxtpl, self.floor_deflate_all, self.floor_precompressed]
        if self.precompressed_fast is not None:
            renders.append(self.floor_precompressed_fast)
        for render in renders:
            check_docx(render(), self.spec.probes)


def build_equivalents(
    engine: mesoconsent.Engine, request: mesoconsent.ConsentRequest, workdir: Path
) -> Equivalents:
    """Build (and check) the baselines of ``request``'s form, which must be in English."""
    if not request.locale.startswith("en"):
        raise ValueError("the baselines copy the English form")
    spec = form_spec(engine.compose(request))
    borrowed = borrowed_parts(engine.render(request, "docx").content)
    equivalents = Equivalents(
        spec,
        build_docxtpl_template(spec, workdir / "consent-template.docx"),
        FloorWriter(spec, borrowed, precompressed=False),
        FloorWriter(spec, borrowed, precompressed=True),
        None
        if _zlib_ng is None
        else FloorWriter(spec, borrowed, precompressed=True, fast_deflater=_zlib_ng),
    )
    equivalents.check()
    return equivalents
