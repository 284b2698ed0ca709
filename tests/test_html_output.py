"""The HTML page as it prints (the signature block, the draft notice), and what it carries of
the DOCX: its headings, checklist, alert, emphasis and properties."""

from __future__ import annotations

import io
import re
import zipfile

import attrs
import docx
import lxml.html
import pytest
from lxml import etree

import mesoconsent
from mesoconsent.writers.html import _css_string
from tests.helpers import example, present

_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")


def css_string_value(css: str) -> str:
    """The text of a CSS string made of letters, digits, spaces and hexadecimal escapes."""
    assert css[0] == css[-1] == '"'
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), css[1:-1])


@pytest.mark.parametrize(
    "text",
    ['DRAFT, NOT FOR SIGNATURE: "x" \\ </style><script>', "مسودة: ليست للتوقيع", "a  b\tc\n"],
)
def test_text_in_the_style_sheet_reads_back_and_cannot_end_it(text: str) -> None:
    css = _css_string(text)
    assert css_string_value(css) == text
    assert not set('"\\<>\n') & set(css[1:-1].replace("\\", ""))  # only escapes carry them


def test_signature_and_date_lines_are_apart_and_the_block_prints_on_one_page() -> None:
    request = attrs.evolve(example(), witness=mesoconsent.Witness("Sam Witness"))
    page = mesoconsent.render(request, "html").content.decode()
    root = lxml.html.document_fromstring(page)
    rows = root.findall(".//table[@class='signatures']/tr")
    assert len(rows) == 6  # patient, practitioner, witness: a signing row and a caption row
    for signing, captions in zip(rows[::2], rows[1::2], strict=True):
        assert [cell.get("class") for cell in signing] == [None, "line", "gap", "date"]
        assert [cell.get("class") for cell in captions] == ["caption", "caption", "gap", "caption"]
    style = root.findtext(".//style") or ""
    assert re.search(r"\.signatures\{[^}]*break-inside:avoid", style)
    assert re.search(r"\.signatures tr\{[^}]*break-inside:avoid", style)


def test_each_answer_box_is_a_read_only_checkbox_to_assistive_technology() -> None:
    request = attrs.evolve(
        example(),
        screening={**example().screening, "pregnant": mesoconsent.ScreeningAnswer(True)},
    )
    with pytest.warns(mesoconsent.ContraindicationWarning):
        page = mesoconsent.render(request, "html").content.decode()
    root = lxml.html.document_fromstring(page)
    rows = [row for row in root.iter("tr") if row.find("td[@class='box']") is not None]
    assert len(rows) == len(example().screening)
    for row in rows:
        boxes = row.findall("td[@class='box']/span")
        assert [box.get("role") for box in boxes] == ["checkbox", "checkbox"]
        assert all(box.get("aria-readonly") == "true" for box in boxes)
        states = [box.get("aria-checked", "") for box in boxes]
        glyphs = [box.text for box in boxes]
        assert sorted(states) == ["false", "true"]
        assert glyphs == ["☒" if state == "true" else "☐" for state in states]
    checked = [row.findall("td[@class='box']/span")[0].get("aria-checked") for row in rows]
    assert checked == ["true", "false", "false", "false"]  # "yes" for the first question only


def _text(element: lxml.html.HtmlElement) -> str:
    return "".join(map(str, element.itertext()))


# Word's paragraph styles and the HTML heading levels that stand for them.
HEADING_LEVELS = {"Title": 1, "Heading 1": 2, "Heading 2": 3}


def test_the_page_has_the_docx_s_headings_checklist_alert_and_emphasis() -> None:
    screening = {
        **example().screening,
        "pregnant": mesoconsent.ScreeningAnswer(True),
        "other_conditions": mesoconsent.ScreeningAnswer(True, "Asthma since 2019"),
    }
    request = attrs.evolve(example(), screening=screening)
    with pytest.warns(mesoconsent.ContraindicationWarning):
        rendered = mesoconsent.render_formats(request, ("docx", "html"))
    document = docx.Document(io.BytesIO(rendered["docx"].content))
    root = lxml.html.document_fromstring(rendered["html"].content)
    # The same headings at the same levels: a screen reader's outline of the page is the
    # Word navigation pane's.
    docx_headings = [
        (HEADING_LEVELS[present(p.style).name], p.text)
        for p in document.paragraphs
        if present(p.style).name in HEADING_LEVELS
    ]
    html_headings = [(int(h.tag[1]), _text(h)) for h in root.iter("h1", "h2", "h3", "h4")]
    assert html_headings == docx_headings
    assert {level for level, _ in html_headings} == {1, 2, 3}
    # The checklist's first row is its header row, as in the DOCX (w:tblHeader).
    checklist = root.findall(".//table[@class='grid']")
    assert len(checklist) == 1
    header, *rows = checklist[0].findall("tr")
    assert [(cell.tag, _text(cell)) for cell in header] == [
        ("th", "Question"),
        ("th", "Yes"),
        ("th", "No"),
    ]
    assert len(rows) == len(screening)
    assert all(cell.tag == "td" for row in rows for cell in row)
    # The alert is announced as one, and names the questions answered "yes".
    (alert,) = root.findall(".//div[@class='alert']")
    assert alert.get("role") == "alert"
    assert _text(alert).startswith("Important: you answered")
    assert len(alert.findall(".//li")) == 2
    # The patient's own words, in italics in the DOCX, are emphasised on the page too.
    italic = [
        run.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if run.italic
    ]
    assert italic == ["Asthma since 2019"]
    assert [_text(em) for em in root.iter("em")] == ["Asthma since 2019"]


CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


def test_the_page_carries_the_docx_s_custom_properties_as_meta_elements() -> None:
    # The catalog, its revision and review, whether the form is a draft, and the digests
    # verify compares: documented as in both formats, under the same names.
    rendered = mesoconsent.render_formats(example(), ("docx", "html"))
    with zipfile.ZipFile(io.BytesIO(rendered["docx"].content)) as package:
        custom = etree.fromstring(package.read("docProps/custom.xml"))
    properties = {
        prop.get("name"): "".join(map(str, prop.itertext()))
        for prop in custom.iter(f"{CUSTOM}property")
    }
    assert {"mesoconsent.catalog", "mesoconsent.translation_review", "mesoconsent.draft"} < set(
        properties
    )
    root = lxml.html.document_fromstring(rendered["html"].content)
    metas = {
        meta.get("name"): meta.get("content")
        for meta in root.iter("meta")
        if (meta.get("name") or "").startswith("mesoconsent.")
    }
    assert metas == properties


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_each_required_disclosure_is_marked_once_in_the_html_with_its_words(locale: str) -> None:
    # The HTML marks each disclosure's element (data-disclosure), as the DOCX bookmarks it:
    # software embedding the page can find each one, and what is marked is what the gate
    # checked, the catalog's wording, once.
    engine = mesoconsent.default_engine()
    request = attrs.evolve(example(), locale=locale)
    page = lxml.html.fromstring(engine.render_quietly(request, "html").content)
    marked = [element for element in page.iter() if element.get("data-disclosure") is not None]
    ids = [str(element.get("data-disclosure")) for element in marked]
    assert sorted(ids) == sorted(engine.required_disclosures("mesotherapy"))
    catalog = engine.catalog(locale) if locale != "en" else None
    infection = next(e for e in marked if e.get("data-disclosure") == "risks.rare_infection")
    english = "Infection. This is rare, but it is a serious side effect."
    expected = english if catalog is None else catalog.pgettext("risks.rare_infection", english)
    assert " ".join("".join(map(str, infection.itertext())).split()) == expected
    assert expected != english or locale == "en"
