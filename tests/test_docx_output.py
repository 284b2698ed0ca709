"""The DOCX is Word-native, complete, labelled and deterministic."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import attrs
import docx
import lxml.html
import pytest
from docx.opc.constants import CONTENT_TYPE as CT
from docx.oxml.ns import qn
from lxml import etree

import mesoconsent
from mesoconsent import document as d
from mesoconsent.resources import locales_dir
from mesoconsent.writers.docx import write_docx
from mesoconsent.writers.text import write_text
from tests.helpers import (
    XML_SPACE,
    W,
    answered,
    copy_templates,
    docx_paragraph_texts,
    docx_part,
    edit,
    example,
    present,
    unguarded_spaces,
    with_patient_name,
)


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return mesoconsent.render(example(), "docx").content


def test_python_docx_opens_it_with_real_heading_styles(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    styled = [(present(p.style).name, p.text) for p in document.paragraphs]
    assert styled[0] == ("Title", "Consent to mesotherapy treatment")
    assert ("Heading 1", "When mesotherapy may not be suitable") in styled
    assert ("Heading 1", "Risks and side effects") in styled
    assert ("Heading 2", "Rare but serious") in styled


def test_lists_are_real_word_lists(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    bullets = [p for p in document.paragraphs if present(p.style).name == "List Bullet"]
    assert len(bullets) >= 20
    numbering = docx_part(rendered, "word/numbering.xml")
    styles = docx_part(rendered, "word/styles.xml")
    list_style = present(styles.find(f".//{W}style[@{W}styleId='ListBullet']"))
    num_id = present(list_style.find(f".//{W}numId")).get(f"{W}val")
    num = present(numbering.find(f"{W}num[@{W}numId='{num_id}']"))
    abstract_id = present(num.find(f"{W}abstractNumId")).get(f"{W}val")
    abstract = present(numbering.find(f"{W}abstractNum[@{W}abstractNumId='{abstract_id}']"))
    assert present(abstract.find(f".//{W}numFmt")).get(f"{W}val") == "bullet"
    assert present(abstract.find(f".//{W}lvlText")).get(f"{W}val") == "\u2022"  # a visible bullet


def ordered_lists_engine(tmp_path: Path) -> mesoconsent.Engine:
    """The bundled templates with three lists numbered (<ol>): the planned treatment (made for
    each form), then two in a {% static %} section."""
    templates = copy_templates(tmp_path)
    for name, first in (
        ("common/base.html.j2", "consent.plan_areas"),
        ("mesotherapy/consent.html.j2", "procedure.practitioner"),
        ("mesotherapy/consent.html.j2", "aftercare.sun"),
    ):
        pattern = rf'(?s)<ul>\n(<li data-disclosure="{re.escape(first)}">.*?)</ul>'
        edit(templates / name, pattern, r"<ol>\n\1</ol>")
    return mesoconsent.Engine([templates], [locales_dir()], include_bundled=False)


def test_ordered_lists_are_numbered_word_lists_each_counting_from_one(tmp_path: Path) -> None:
    engine = ordered_lists_engine(tmp_path)
    content = engine.render(example(), "docx").content
    document = docx.Document(io.BytesIO(content))
    numbered = [p for p in document.paragraphs if present(p.style).name == "List Number"]
    assert len(numbered) == 3 + 4 + 4
    levels = [present(p._p.find(f"{W}pPr/{W}numPr/{W}ilvl")).get(f"{W}val") for p in numbered]
    assert levels == ["0"] * len(numbered)
    num_ids = [present(p._p.find(f"{W}pPr/{W}numPr/{W}numId")).get(f"{W}val") for p in numbered]
    # Each list its own numbering, so that each counts from 1 rather than going on.
    assert [len(list(group)) for _, group in itertools.groupby(num_ids)] == [3, 4, 4]
    assert len(set(num_ids)) == 3
    numbering = docx_part(content, "word/numbering.xml")
    for num_id in set(num_ids):
        num = present(numbering.find(f"{W}num[@{W}numId='{num_id}']"))
        abstract_id = present(num.find(f"{W}abstractNumId")).get(f"{W}val")
        start = num.find(f"{W}lvlOverride[@{W}ilvl='0']/{W}startOverride")
        assert present(start).get(f"{W}val") == "1"
        abstract = numbering.find(f"{W}abstractNum[@{W}abstractNumId='{abstract_id}']")
        level = present(present(abstract).find(f"{W}lvl[@{W}ilvl='0']"))
        assert present(level.find(f"{W}numFmt")).get(f"{W}val") == "decimal"
        assert present(level.find(f"{W}lvlText")).get(f"{W}val") == "%1."
    # The HTML and text forms number the same lists.
    page = lxml.html.document_fromstring(engine.render(example(), "html").content)
    assert [len(ol.findall("li")) for ol in page.iter("ol")] == [3, 4, 4]
    text = engine.render(example(), "text").content.decode()
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]
    assert numbers == [1, 2, 3, 1, 2, 3, 4, 1, 2, 3, 4]


def test_the_text_form_underlines_each_heading_by_its_level() -> None:
    # The plain-text form's only outline: the title and each section underlined with "=",
    # as the DOCX's Title and Heading 1; a subsection ("Rare but serious") with "-".
    lines = mesoconsent.render(example(), "text").content.decode().split("\n")
    for heading, underline in (
        ("Consent to mesotherapy treatment", "="),
        ("Risks and side effects", "="),
        ("Rare but serious", "-"),
    ):
        below = lines[lines.index(heading) + 1]
        assert below == underline * len(heading), heading


def test_a_list_item_s_further_lines_stay_under_its_text_in_the_text_form() -> None:
    # An item of several lines (a line break in a clinic's template or a translation): its
    # further lines line up under its text, not at the start of the line, where they would
    # read as a paragraph of their own, outside the list.
    item = d.ListItem((d.Text("Avoid the sun"), d.LineBreak(), d.Text("for two weeks")))
    lists = (d.ListBlock(False, (item,)), d.ListBlock(True, (item,)))
    document = attrs.evolve(mesoconsent.default_engine().compose(example()), blocks=lists)
    text = write_text(document).decode()
    assert " - Avoid the sun\n   for two weeks\n" in text
    assert "1. Avoid the sun\n   for two weeks\n" in text


def test_headings_keep_with_what_follows_and_are_outline_levels(rendered: bytes) -> None:
    # A heading left alone at the foot of a page, its section on the next, is what Word's
    # "Keep with next" prevents; the outline level puts it in the navigation pane.
    styles = docx_part(rendered, "word/styles.xml")
    for style_id, outline in (("Title", None), ("Heading1", "0"), ("Heading2", "1")):
        style = present(styles.find(f"{W}style[@{W}styleId='{style_id}']"))
        assert style.find(f"{W}pPr/{W}keepNext") is not None, style_id
        level = style.find(f"{W}pPr/{W}outlineLvl")
        assert (None if level is None else level.get(f"{W}val")) == outline, style_id
    document = docx.Document(io.BytesIO(rendered))
    for name in ("Title", "Heading 1", "Heading 2"):
        assert document.styles[name].paragraph_format.keep_with_next


def test_screening_checklist_is_a_table_with_yes_and_no(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    checklist = next(t for t in document.tables if t.rows[0].cells[0].text == "Question")
    assert [c.text for c in checklist.rows[0].cells] == ["Question", "Yes", "No"]
    assert len(checklist.rows) == 1 + 4
    for row in checklist.rows[1:]:
        # all answered no; each box followed by its column's heading
        assert (row.cells[1].text, row.cells[2].text) == ("\u2610 Yes", "\u2612 No")
    header_row = checklist.rows[0]._tr
    assert header_row.find(f"{W}trPr/{W}tblHeader") is not None  # repeats across pages
    header_runs = [run for cell in checklist.rows[0].cells for run in cell.paragraphs[0].runs]
    assert [run.text for run in header_runs] == ["Question", "Yes", "No"]
    assert all(run.bold for run in header_runs)


def test_footer_has_page_x_of_y_fields_and_header_names_clinic(rendered: bytes) -> None:
    footer = docx_part(rendered, "word/footer1.xml")
    instructions = [present(t.text).strip() for t in footer.iter(f"{W}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    # Each a whole complex field: begin, instruction, separate, the number shown until Word
    # or LibreOffice updates it, end. Without its begin or separate mark, it is no field.
    marks = [
        present(e.get(f"{W}fldCharType")) if e.tag == f"{W}fldChar" else present(e.text).strip()
        for e in footer.iter(f"{W}fldChar", f"{W}instrText")
    ]
    assert marks == ["begin", "PAGE", "separate", "end", "begin", "NUMPAGES", "separate", "end"]
    footer_text = "".join(t.text or "" for t in footer.iter(f"{W}t"))
    assert footer_text == "Page 1 of 1"
    header = docx_part(rendered, "word/header1.xml")
    header_text = "".join(t.text or "" for t in header.iter(f"{W}t"))
    assert header_text.startswith("Riverside Aesthetic Clinic · Consent to mesotherapy treatment")
    document = docx.Document(io.BytesIO(rendered))
    section = document.sections[0]
    assert section.header.paragraphs[0].text.split("\n")[0] == (
        "Riverside Aesthetic Clinic · Consent to mesotherapy treatment"
    )


_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


@pytest.mark.parametrize("locale", mesoconsent.default_engine().locales)
def test_every_page_names_the_patient_as_the_details_table_does(locale: str) -> None:
    # Found by a clinic's review: pages 2 and later carried no patient identifier, so a page
    # that came loose could not be matched to its patient. The header, on every page, now
    # gives the name and date of birth, written as the details table writes them.
    result = mesoconsent.default_engine().render_quietly(attrs.evolve(example(), locale=locale))
    document = docx.Document(io.BytesIO(result.content))
    (section,) = document.sections
    assert not section.different_first_page_header_footer  # one header, on every page
    lines = section.header.paragraphs[0].text.translate(_ISOLATES).split("\n")
    assert len(lines) == 2
    details = document.tables[0]
    name, born = (details.rows[i].cells[1].text.translate(_ISOLATES) for i in (0, 1))
    assert name == example().patient.full_name
    assert "1988" in born
    assert name in lines[1]
    assert born in lines[1]


def test_signature_lines_for_patient_and_practitioner(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    signatures = document.tables[-1]
    labels = [row.cells[0].text for row in signatures.rows]
    assert "Patient\nJane Example" in labels
    assert "Practitioner\nDr Alex Morgan" in labels
    line_cell = signatures.rows[0].cells[1]._tc
    bottom = line_cell.find(f"{W}tcPr/{W}tcBorders/{W}bottom")
    assert bottom is not None
    assert bottom.get(f"{W}val") == "single"
    captions = [row.cells[1].text for row in signatures.rows]
    assert captions.count("Signature") == 2
    date_line = signatures.rows[0].cells[3]._tc
    assert present(date_line.find(f"{W}tcPr/{W}tcBorders/{W}bottom")).get(f"{W}val") == "single"
    # Under each line its caption: "Signature" under the signature, "Date" under the date.
    caption_rows = signatures.rows[1::2]
    assert [(r.cells[1].text, r.cells[3].text) for r in caption_rows] == [("Signature", "Date")] * 2
    # Room to sign: each signing row is at least 850 twips (15 mm) high.
    for row in signatures.rows[::2]:
        height = present(present(row._tr.trPr).find(qn("w:trHeight")))
        assert height.get(qn("w:hRule")) == "atLeast"
        assert int(present(height.get(qn("w:val")))) >= 850
    # ... and wide enough: a handwritten date ("14/03/2026") takes 25 to 35 mm, and the date
    # line was 29 mm (found by a review of printed forms). 56.7 twips a millimetre.
    widths = [int(present(c.get(qn("w:w")))) for c in signatures._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert widths[1] >= 60 * 56.7  # the signature line
    assert widths[3] >= 40 * 56.7  # the date line


def test_spaces_word_would_drop_are_marked_to_be_kept(rendered: bytes) -> None:
    # A run is marked xml:space="preserve" only where Word would otherwise change its spaces.
    # Without the mark Word drops a space at either end of a run: "Dr " + "Alex" would print
    # as "DrAlex".
    spaced = with_patient_name(example(), " Jane Example ")
    spaced = attrs.evolve(spaced, clinic=attrs.evolve(spaced.clinic, phone="+44 20  7946"))
    content = mesoconsent.render(spaced).content
    assert unguarded_spaces(content) == []
    assert " Jane Example " in docx_paragraph_texts(content)
    # ... and only there: the example's runs need no mark, but for each box's label, after the
    # space that parts it from the box (made once per column: writers/docx.py, _box_cells).
    body = docx_part(rendered, "word/document.xml")
    preserved = [t.text for t in body.iter(f"{W}t") if t.get(XML_SPACE) == "preserve"]
    assert preserved == [" Yes", " No"] * 4


def test_every_style_the_document_uses_is_defined(rendered: bytes) -> None:
    styles = docx_part(rendered, "word/styles.xml")
    defined = {
        (style.get(f"{W}type"), style.get(f"{W}styleId")) for style in styles.iter(f"{W}style")
    }
    for part in ("word/document.xml", "word/header1.xml", "word/footer1.xml"):
        root = docx_part(rendered, part)
        for tag, kind in (("pStyle", "paragraph"), ("rStyle", "character"), ("tblStyle", "table")):
            for use in root.iter(f"{W}{tag}"):
                assert (kind, use.get(f"{W}val")) in defined, (part, tag, use.get(f"{W}val"))


@pytest.mark.parametrize(
    ("locale", "yes", "no"),
    [("en", "Yes", "No"), ("tr", "Evet", "Hay\u0131r"), ("ar", "نعم", "لا")],
)
def test_each_box_is_followed_by_its_column_s_heading(locale: str, yes: str, no: str) -> None:
    # A screen reader reading straight through heard "Are you pregnant? ☒ ☐", the answer
    # only in the column (found by an accessibility review): each box is followed by the
    # heading over it, in the form's language, in the text's font and size (not the box's).
    request = attrs.evolve(answered(example(), "pregnant"), locale=locale)
    rendered = mesoconsent.default_engine().render_quietly(request).content
    document = docx.Document(io.BytesIO(rendered))
    checklist = document.tables[
        next(
            n
            for n, t in enumerate(document.tables)
            if [c.text for c in t.rows[0].cells][1:2] == [yes]
        )
    ]
    assert [c.text for c in checklist.rows[0].cells[1:]] == [yes, no]
    texts = [(row.cells[1].text, row.cells[2].text) for row in checklist.rows[1:]]
    assert texts == [(f"\u2612 {yes}", f"\u2610 {no}")] + [(f"\u2610 {yes}", f"\u2612 {no}")] * 3
    for row in checklist.rows[1:]:
        for cell in row.cells[1:]:
            box, *label = cell.paragraphs[0].runs
            assert box.font.name == "Segoe UI Symbol"
            assert label
            assert all(run.font.name is None and run.font.size is None for run in label)
            # Right to left as the form's other runs are (inline_runs), where it is.
            assert all(
                (run._r.find(f"{W}rPr/{W}rtl") is not None) == (locale == "ar") for run in label
            )


_HEADING_STYLES = {"Heading1", "Heading2"}


@pytest.mark.parametrize("locale", mesoconsent.default_engine().locales)
def test_each_data_table_is_titled_by_its_section_s_heading(locale: str) -> None:
    # Found by an accessibility review: no table had a title (Word's Alt Text, w:tblCaption),
    # which a screen reader names on entering it. The details table and the checklist carry
    # their section's heading, in the form's language; the layout tables (the boxed warning,
    # the signature lines) carry none.
    # "Yes" to a question: the boxed warning's table too.
    request = attrs.evolve(answered(example(), "pregnant"), locale=locale)
    content = mesoconsent.default_engine().render_quietly(request).content
    body = present(docx_part(content, "word/document.xml").find(f"{W}body"))
    heading, titled = "", []
    for element in body:
        if element.tag == f"{W}p":
            style = element.find(f"{W}pPr/{W}pStyle")
            if style is not None and style.get(f"{W}val") in _HEADING_STYLES:
                heading = "".join(str(text) for text in element.itertext())
        elif element.tag == f"{W}tbl":
            properties = present(element.find(f"{W}tblPr"))
            caption = properties.find(f"{W}tblCaption")
            titled.append((heading, None if caption is None else caption.get(f"{W}val")))
            if caption is not None:  # in the schema's order: after w:tblLook (ISO 29500 17.4.60)
                assert properties[-1] is caption
                assert properties[-2].tag == f"{W}tblLook"
    catalog = mesoconsent.default_engine().catalog(locale)
    details = catalog.gettext("About you and your treatment")
    checklist = catalog.gettext("Your answers to the health questions")
    declaration = catalog.gettext("Declaration")
    assert [(h.translate(_ISOLATES), c) for h, c in titled] == [
        ("", None),  # the boxed warning, under the title
        (details.translate(_ISOLATES), details),
        (checklist.translate(_ISOLATES), checklist),
        (declaration.translate(_ISOLATES), None),  # the signature lines
    ]


def test_box_labels_are_the_writer_s_and_not_in_the_document_tree() -> None:
    # The gate reads the document tree (coverage.check_screening): a box there is a box alone.
    from mesoconsent import document as d

    document = mesoconsent.default_engine().compose(example())
    cells = [
        cell.inlines
        for block in document.blocks
        if isinstance(block, d.Table)
        for row in block.rows
        for cell in row.cells
        if any(isinstance(inline, d.Checkbox) for inline in cell.inlines)
    ]
    assert len(cells) == 8
    assert all(len(inlines) == 1 for inlines in cells)


def test_checklist_boxes_carry_a_font_that_has_them_on_the_run(rendered: bytes) -> None:
    # On the run, not in a character style: LibreOffice gives runs in table cells the default
    # font and size as direct formatting, which would override the style.
    body = docx_part(rendered, "word/document.xml")
    boxes = [t for t in body.iter(f"{W}t") if t.text in ("\u2610", "\u2612")]
    assert len(boxes) == 8
    for box in boxes:
        properties = present(present(box.getparent()).find(f"{W}rPr"))
        assert present(properties.find(f"{W}rFonts")).get(f"{W}ascii") == "Segoe UI Symbol"
        assert present(properties.find(f"{W}sz")).get(f"{W}val") == "26"


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("a", False),
        ("a b", False),
        ("a\u00a0", False),  # no-break and ideographic spaces are not XML white space
        ("\u3000a", False),
        (" a", True),
        ("a ", True),
        ("a  b", True),
        ("a\nb", True),
        ("a\rb", True),
    ],
)
def test_a_text_is_marked_preserve_exactly_where_xml_could_change_it(
    text: str, marked: bool
) -> None:
    from mesoconsent.writers.wordml import text_element

    assert text_element(text).startswith('<w:t xml:space="preserve">') is marked


def test_witness_gets_a_signature_line_when_given() -> None:

    request = attrs.evolve(example(), witness=mesoconsent.Witness("Sam Interpreter", "interpreter"))
    texts = docx_paragraph_texts(mesoconsent.render(request).content)
    assert "Interpreter\nSam Interpreter" in texts
    assert any(text.startswith("Interpreter: I translated this form") for text in texts)


def test_language_and_core_properties(rendered: bytes) -> None:
    styles = docx_part(rendered, "word/styles.xml")
    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang is not None
    assert lang.get(f"{W}val") == "en-US"
    props = docx.Document(io.BytesIO(rendered)).core_properties
    assert props.title == "Consent to mesotherapy treatment"
    assert props.subject == "Informed consent: mesotherapy"
    assert props.language == "en-US"
    # The procedure file's version, as it is now (a bump must not break this test).
    version = mesoconsent.default_engine().procedures["mesotherapy"].template_version
    assert props.identifier == f"urn:mesoconsent:mesotherapy:{version}:en"
    assert props.version == version
    assert props.created.date().isoformat() == "2026-03-14"  # the consent date, not the clock
    assert "Jane" not in (props.author or "") + (props.keywords or "")  # no patient data


def test_disclosures_screening_rows_and_signers_carry_bookmarks(rendered: bytes) -> None:
    from mesoconsent.writers.docx import bookmark_name

    body = docx_part(rendered, "word/document.xml")
    names = [present(b.get(f"{W}name")) for b in body.iter(f"{W}bookmarkStart")]
    required = mesoconsent.default_engine().required_disclosures("mesotherapy")
    marks = [
        *required,
        *(
            f"screening.{q}"
            for q in ("pregnant", "breastfeeding", "clotting_disorder", "other_conditions")
        ),
        "signature.1.of.2",
        "signature.2.of.2",
    ]
    assert sorted(bookmark_name(mark) for mark in marks) == sorted(names)  # each exactly once
    assert all(len(present(name)) <= 40 for name in names)  # Word's limit


def test_the_alert_is_one_bookmark_over_its_paragraphs() -> None:
    # verify looks for each "yes" answer there, and only there.
    from mesoconsent.writers.docx import bookmark_name

    answers = {**example().screening, "pregnant": mesoconsent.ScreeningAnswer(True)}
    answers["clotting_disorder"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content
    body = docx_part(content, "word/document.xml")
    alert = next(t for t in body.iter(f"{W}tbl") if "Important" in _text(t))
    paragraphs = list(alert.iter(f"{W}p"))
    starts = list(alert.iter(f"{W}bookmarkStart"))
    assert [b.get(f"{W}name") for b in starts] == [bookmark_name("alert.screening")]
    number = starts[0].get(f"{W}id")
    assert starts[0].getparent() is paragraphs[0]
    ends = [e for e in body.iter(f"{W}bookmarkEnd") if e.get(f"{W}id") == number]
    assert len(ends) == 1
    assert ends[0].getparent() is paragraphs[-1]
    assert _text(paragraphs[-2]).startswith("Have you ever had a blood clotting")
    numbers = [b.get(f"{W}id") for b in body.iter(f"{W}bookmarkStart")]
    assert len(numbers) == len(set(numbers))


def _text(element: etree._Element) -> str:
    return "".join(str(text) for text in element.itertext())


def test_same_request_gives_identical_bytes(rendered: bytes) -> None:
    assert mesoconsent.render(example(), "docx").content == rendered
    with zipfile.ZipFile(io.BytesIO(rendered)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"


@pytest.mark.parametrize("format", mesoconsent.FORMATS)
def test_identical_bytes_across_processes_and_timezones(format: mesoconsent.Format) -> None:
    # In every format: the property test renders twice in one process, which cannot see an
    # order that changes with the process (a set's, by PYTHONHASHSEED) or with the clock.
    rendered = mesoconsent.render(example(), format).content
    script = (
        "import sys, mesoconsent; sys.stdout.buffer.write("
        f"mesoconsent.render(mesoconsent.example_request(), {format!r}).content)"
    )
    for tz, seed in (("UTC", "1"), ("Pacific/Kiritimati", "2"), ("America/Los_Angeles", "3")):
        env = {**os.environ, "TZ": tz, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, check=True
        )
        assert out.stdout == rendered


def test_hostile_text_is_printed_literally() -> None:

    hostile = "{{ 7*7 }} </w:t><w:p> & <script>alert(1)</script> {% raw %} %(phone)s"
    request = attrs.evolve(
        example(),
        clinic=attrs.evolve(example().clinic, name=hostile),
        treatment=attrs.evolve(example().treatment, product=hostile, treated_areas=(hostile,)),
    )
    texts = docx_paragraph_texts(mesoconsent.render(request).content)
    assert any(text.startswith(hostile + "\n12 River Street") for text in texts)  # clinic cell
    assert any(f"contact {hostile} at +44" in text for text in texts)
    assert f"Product or solution to be used: {hostile}" in texts
    assert f"Areas to be treated: {hostile}" in texts
    html = mesoconsent.render(request, "html").content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    text = mesoconsent.render(request, "text").content.decode()
    assert hostile in text
    assert "49" not in text


@pytest.mark.parametrize(
    "name",
    ["Ann < Bob", "Ann > Bob", "Ann ]]> Bob", "Tom & Jerry", 'O\'Brien "Jr"', "<Jane/>"],
)
def test_a_name_with_xml_s_special_characters_is_printed_literally(name: str) -> None:
    # Each character alone: "<" or "]]>" left as they are break the part's XML (Word refuses
    # the file), "&" too; quotes need no escape in text but must come out as they went in.
    request = with_patient_name(example(), name)
    content = mesoconsent.render(request).content
    document = docx.Document(io.BytesIO(content))
    assert name in docx_paragraph_texts(content)  # the details table
    assert "Patient\n" + name in docx_paragraph_texts(content)  # the signature line
    assert name in document.sections[0].header.paragraphs[0].text  # every page's header
    page = lxml.html.document_fromstring(mesoconsent.render(request, "html").content)
    cells = ["".join(map(str, td.itertext())) for td in page.iter("td")]
    assert name in cells  # the details table
    assert "Patient" + name in cells  # the signature line: role, line break, name
    assert name in "".join(map(str, present(page.find(".//header")).itertext()))
    text = mesoconsent.render(request, "text").content.decode()
    assert f"\nPatient\n{name}\n" in text


def test_a_tab_in_request_text_is_a_word_tab() -> None:
    # WordprocessingML writes a tab as <w:tab/>, between runs of text: a raw tab character
    # inside <w:t> is not a tab there, and how a reader shows it is up to the reader.
    name = "Ann\tLee"
    content = mesoconsent.render(with_patient_name(example(), name)).content
    parts = [docx_part(content, part) for part in ("word/document.xml", "word/header1.xml")]
    texts = [text.text or "" for part in parts for text in part.iter(f"{W}t")]
    assert not [text for text in texts if "\t" in text]
    tabbed = [
        run for part in parts for run in part.iter(f"{W}r") if run.find(f"{W}tab") is not None
    ]
    assert [[child.tag for child in run if child.tag != f"{W}rPr"] for run in tabbed] == [
        [f"{W}t", f"{W}tab", f"{W}t"]
    ] * 3  # the details table, the signature line and the header
    assert name in docx_paragraph_texts(content)  # read back as it was given


def test_a_title_and_subject_with_xml_s_special_characters_are_stored_literally(
    tmp_path: Path,
) -> None:
    # A clinic's own template may title a form "Fillers & boosters"; the core properties
    # must hold it as it is, not break docProps/core.xml. (Written as values, as a
    # translation is: text in the template itself is markup.)
    templates = copy_templates(tmp_path)
    title, subject = "Mesotherapy & <boosters>", 'Consent: "A & B" <2026>'
    consent = templates / "mesotherapy" / "consent.html.j2"
    edit(consent, r'_\("Consent to mesotherapy treatment"\)', f"'{title}'")
    edit(consent, r'_\("Informed consent: mesotherapy"\)', f"'{subject}'")
    engine = mesoconsent.Engine([templates], [locales_dir()], include_bundled=False)
    content = engine.render(example()).content
    properties = docx.Document(io.BytesIO(content)).core_properties
    assert (properties.title, properties.subject, properties.category) == (title, subject, subject)
    assert docx_paragraph_texts(content)[0] == title
    page = lxml.html.document_fromstring(engine.render(example(), "html").content)
    assert page.findtext(".//title") == title


def test_a_table_title_with_xml_s_special_characters_is_stored_literally(tmp_path: Path) -> None:
    # A table's title (w:tblCaption) is an attribute value: its section's heading, in the
    # form's language, which a translator (or a clinic's template) may write with straight
    # quotes. Left as it is, a '"' ends the attribute and Word refuses the whole file.
    templates = copy_templates(tmp_path)
    caption = 'Your "health" answers & <notes>'
    edit(
        templates / "mesotherapy" / "consent.html.j2",
        r'caption="\{\{ _\("Your answers to the health questions"\) \}\}"',
        f"caption=\"{{{{ '{caption}' }}}}\"",
    )
    engine = mesoconsent.Engine([templates], [locales_dir()], include_bundled=False)
    body = docx_part(engine.render(example()).content, "word/document.xml")
    titles = [title.get(f"{W}val") for title in body.iter(f"{W}tblCaption")]
    assert caption in titles
    page = lxml.html.document_fromstring(engine.render(example(), "html").content)
    assert caption in [table.get("aria-label") for table in page.iter("table")]


def test_a_custom_property_with_xml_s_special_characters_is_stored_literally() -> None:
    # The reviewer a catalog names (its Reviewed-By line) is free text: "Dr. A & B
    # <a@example.org>" left as it is breaks docProps/custom.xml, and Word refuses the file.
    reviewer = 'Dr. Ana "Nina" Souza & Co <ana@example.org>'
    document = mesoconsent.default_engine().compose(example())
    metadata = attrs.evolve(document.metadata, review_state="reviewed", reviewed_by=reviewer)
    content = write_docx(attrs.evolve(document, metadata=metadata))
    custom = docx_part(content, "docProps/custom.xml")
    properties = {
        prop.get("name"): "".join(map(str, prop.itertext())) for prop in custom.iter(_PROPERTY)
    }
    assert properties["mesoconsent.translation_reviewed_by"] == reviewer
    assert properties["mesoconsent.draft"] == "no"


_PROPERTY = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"


def test_every_part_has_the_content_type_of_its_kind(rendered: bytes) -> None:
    # A part without its content type (an Override in [Content_Types].xml) is read as plain
    # XML: Word reports the file as unreadable content, whatever python-docx makes of it.
    package = docx.Document(io.BytesIO(rendered)).part.package
    types = {str(part.partname): part.content_type for part in package.iter_parts()}
    assert types == {
        "/word/document.xml": CT.WML_DOCUMENT_MAIN,
        "/word/styles.xml": CT.WML_STYLES,
        "/word/numbering.xml": CT.WML_NUMBERING,
        "/word/settings.xml": CT.WML_SETTINGS,
        "/word/header1.xml": CT.WML_HEADER,
        "/word/footer1.xml": CT.WML_FOOTER,
        "/docProps/core.xml": CT.OPC_CORE_PROPERTIES,
        "/docProps/app.xml": CT.OFC_EXTENDED_PROPERTIES,
        "/docProps/custom.xml": CT.OFC_CUSTOM_PROPERTIES,
    }


def test_docx_passes_its_own_gate_in_html_and_text_too() -> None:
    for fmt in ("html", "text"):
        content = mesoconsent.render(example(), fmt).content.decode()
        for sentence in (
            "If you have ever had a blood clotting disorder, you may not be a good candidate",
            "Infection. This is rare, but it is a serious side effect.",
        ):
            assert sentence in content


def test_body_xml_has_no_empty_table_cells_or_trailing_table(rendered: bytes) -> None:
    body = docx_part(rendered, "word/document.xml").find(f"{W}body")
    assert body is not None
    for cell in body.iter(qn("w:tc")):
        assert cell.find(f"{W}p") is not None
    assert body[-2].tag == f"{W}p"  # Word needs a paragraph before the section properties


def test_an_alert_with_nothing_in_it_still_makes_a_cell_word_opens(tmp_path: Path) -> None:
    # A clinic's template may box a warning whose paragraphs all depend on the request
    # ({% for %} over nothing): the alert's one cell then has no paragraph of its own, and a
    # cell without one is a file Word refuses.
    templates = copy_templates(tmp_path)
    edit(templates / "common" / "base.html.j2", r"\{%- if flagged %\}", "<alert></alert>\n\\g<0>")
    engine = mesoconsent.Engine([templates], [locales_dir()], include_bundled=False)
    body = present(
        docx_part(engine.render(example()).content, "word/document.xml").find(f"{W}body")
    )
    cells = list(body.iter(qn("w:tc")))
    assert cells
    for cell in cells:
        assert cell.find(f"{W}p") is not None


def test_the_paragraph_after_the_signatures_is_a_point_high(rendered: bytes) -> None:
    """A line-high paragraph after the signatures went to a page of its own when they ended
    less than a line from the foot of a page: a blank last page, with the header."""
    body = docx_part(rendered, "word/document.xml").find(f"{W}body")
    assert body is not None
    assert body[-3].tag == f"{W}tbl"  # the signatures
    last = body[-2]
    assert last.tag == f"{W}p"
    assert last.find(f".//{W}t") is None  # no text
    spacing = present(last.find(f"{W}pPr/{W}spacing"))
    assert spacing.get(f"{W}lineRule") == "exact"
    assert int(spacing.get(f"{W}line") or 0) <= 20
    assert spacing.get(f"{W}before") == spacing.get(f"{W}after") == "0"
    size = present(last.find(f"{W}pPr/{W}rPr/{W}sz"))
    assert int(size.get(f"{W}val") or 0) <= 2


def test_declaration_and_signatures_are_kept_on_one_page(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Declaration")
    declaration = paragraphs[start + 1 :]
    assert declaration[0].text.startswith("The answers I gave")
    assert all(p.paragraph_format.keep_with_next for p in declaration[:-1])  # last is a spacer
    signature_rows = document.tables[-1].rows
    for row in signature_rows[:-1]:
        assert all(c.paragraphs[0].paragraph_format.keep_with_next for c in row.cells)
    assert present(signature_rows[-1]._tr.trPr).find(qn("w:cantSplit")) is not None


def test_rows_too_long_for_a_page_may_split() -> None:
    """An unsplittable row taller than a page sends LibreOffice into an endless layout loop."""
    long_name = "Jane " * 4000
    data = docx.Document(
        io.BytesIO(mesoconsent.render(with_patient_name(example(), long_name.strip())).content)
    )
    rows = [(row, "".join(c.text for c in row.cells)) for t in data.tables for row in t.rows]

    def cant_split(row: Any) -> bool:
        return present(row._tr.trPr).find(qn("w:cantSplit")) is not None

    long_rows = [row for row, text in rows if len(text) > 600]
    assert len(long_rows) == 2  # the details table and the signature block
    assert not any(cant_split(row) for row in long_rows)
    checklist = next(t for t in data.tables if t.rows[0].cells[0].text == "Question")
    assert all(cant_split(row) for row in checklist.rows)  # short rows still stay whole


def libreoffice_convert(content: bytes, folder: Path, format: str) -> Path:
    """The DOCX converted by LibreOffice (``format``: pdf, fodt...), with a profile of its own."""
    source = folder / "form.docx"
    source.write_bytes(content)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{folder}/profile",
            "--convert-to",
            format,
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return folder / f"form.{format}"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_a_form_with_a_20000_character_name(tmp_path: Path) -> None:
    content = mesoconsent.render(with_patient_name(example(), "x" * 20_000)).content
    assert libreoffice_convert(content, tmp_path, "pdf").stat().st_size > 0


ODF_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
ODF_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_sets_the_boxes_in_their_font_and_size(rendered: bytes, tmp_path: Path) -> None:
    # Read back from LibreOffice's own flat ODF: the font and size it gives each box. A box
    # in a character style comes back at the text's 11 pt: LibreOffice overrides the style
    # with the default font and size it gives runs in table cells.
    document = etree.parse(str(libreoffice_convert(rendered, tmp_path, "fodt")))
    properties = {
        style.get(f"{ODF_STYLE}name"): style.find(f"{ODF_STYLE}text-properties")
        for style in document.iter(f"{ODF_STYLE}style")
    }
    boxes = [
        span
        for span in document.iter(f"{ODF_TEXT}span")
        if (span.text or "").strip() in ("\u2610", "\u2612")
    ]
    assert len(boxes) == 8
    for box in boxes:
        text = present(properties.get(box.get(f"{ODF_TEXT}style-name")))
        assert (text.get(f"{ODF_STYLE}font-name"), text.get(f"{ODF_FO}font-size")) == (
            "Segoe UI Symbol",
            "13pt",
        )


@pytest.mark.parametrize(
    ("sessions", "days", "course"),
    [
        (4, 14, "4 sessions, every 2 weeks"),
        (2, 7, "2 sessions, every week"),
        (3, 10, "3 sessions, every 10 days"),
        (6, 1, "6 sessions, every day"),
        (1, 14, "1 session"),
    ],
)
def test_planned_course_reads_naturally(sessions: int, days: int, course: str) -> None:

    treatment = attrs.evolve(example().treatment, number_of_sessions=sessions, interval_days=days)
    text = mesoconsent.render(attrs.evolve(example(), treatment=treatment), "text").content.decode()
    assert f" - Planned course of treatment: {course}.\n" in text


def test_a_document_with_values_keeps_everything_else() -> None:
    # Document.with_values builds the document field by field: a field added later and
    # forgotten there would be lost on every render.
    fields = [field.name for field in attrs.fields(mesoconsent.document.Document)]
    assert fields == [
        "metadata", "direction", "header", "footer", "blocks", "draft_notice", "values",
        "paper_size",
    ]  # fmt: skip  # a new field must be added to with_values too
    document = attrs.evolve(
        mesoconsent.default_engine().compose(example()), draft_notice="x", paper_size="Letter"
    )
    changed = document.with_values("consent.plan_areas=00000000")
    assert changed == attrs.evolve(document, values="consent.plan_areas=00000000")
    # So does laid_out, with the values kept too.
    assert changed.laid_out("rtl", "A4") == attrs.evolve(changed, direction="rtl", paper_size="A4")


def test_titled_metadata_keeps_everything_else() -> None:
    # Metadata.titled is built field by field too.
    fields = [field.name for field in attrs.fields(mesoconsent.document.Metadata)]
    assert fields == [
        "title", "subject", "author", "language", "procedure", "template_version", "locale",
        "date", "generator", "review_state", "reviewed_by", "catalog_revision", "draft",
    ]  # fmt: skip  # a new field must be added to titled too
    values = {name: f"value of {name}" for name in fields if name != "draft"}
    metadata = mesoconsent.document.Metadata(**values, draft=True)
    assert metadata.titled("T", "S") == attrs.evolve(metadata, title="T", subject="S")


def test_only_the_checklist_s_box_columns_give_labels_which_hold_no_request_text(
    tmp_path: Path,
) -> None:
    # The labels are kept after a render (the shared rows' memo, the box cells' cache), so
    # they must be the catalog's words: a clinic's heading row may hold the patient's name
    # over its question column, which is no box column and gives no label.
    from mesoconsent import document as d
    from mesoconsent.writers.docx import _box_labels
    from tests.helpers import copy_templates, edit

    templates = copy_templates(tmp_path)
    edit(
        templates / "mesotherapy" / "consent.html.j2",
        r"\{%- static %\}\n<tr>\n",
        "<tr>\n<th>{{ request.patient.full_name }}</th>{%- if false %}",
    )
    edit(
        templates / "mesotherapy" / "consent.html.j2",
        r'<th>\{\{ _\("Question"\) \}\}</th>',
        "{% endif %}",
    )
    edit(templates / "mesotherapy" / "consent.html.j2", r"</tr>\n\{%- endstatic %\}", "</tr>")
    document = mesoconsent.Engine([templates]).compose(example())
    (checklist,) = [
        block
        for block in document.blocks
        if isinstance(block, d.Table) and any(row.screening for row in block.rows)
    ]
    assert d.plain_text(checklist.rows[0].cells[0].inlines) == "Jane Example"  # (the edit took)
    assert _box_labels(checklist) == ("", "Yes", "No")
    patient_table = next(block for block in document.blocks if isinstance(block, d.Table))
    assert _box_labels(patient_table) == ()
