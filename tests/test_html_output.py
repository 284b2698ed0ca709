"""The HTML page as it prints (the signature block, the draft notice, the checklist's heading
row and the patient line on every page), and what it carries of the DOCX: its headings,
checklist, alert, emphasis and properties."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from html.parser import HTMLParser
from typing import Literal

import attrs
import docx
import lxml.html
import pytest
import tinycss2
from docx.oxml.ns import qn
from lxml import etree

import mesoconsent
from mesoconsent import document as d
from mesoconsent.writers.html import _css_string, write_html
from tests.helpers import answered, example, present, with_patient_name

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


@pytest.mark.parametrize("locale", ["en", "fr", "ar"])
def test_each_answer_box_is_named_by_its_column_s_heading(locale: str) -> None:
    # Found by an accessibility review: a screen reader reading on heard "Are you pregnant?
    # checkbox checked, checkbox not checked", not which box was Yes: the answer was only in
    # the column. Each box is named by its column's heading, in the form's language.
    request = attrs.evolve(answered(example(), "pregnant"), locale=locale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = mesoconsent.render(request, "html").content.decode()
    catalog = mesoconsent.default_engine().catalog(locale)
    yes, no = catalog.gettext("Yes"), catalog.gettext("No")
    root = lxml.html.document_fromstring(page)
    rows = [row for row in root.iter("tr") if row.find("td[@class='box']") is not None]
    assert len(rows) == len(example().screening)
    for row in rows:
        boxes = row.findall("td[@class='box']/span")
        assert [box.get("aria-label") for box in boxes] == [yes, no]
    first = rows[0].findall("td[@class='box']/span")
    assert [box.get("aria-checked") for box in first] == ["true", "false"]  # "Yes" ticked
    # No other box is named: the patient-details table has none, the heading row neither.
    named = [box for box in root.iter("span") if box.get("aria-label") is not None]
    assert len(named) == 2 * len(rows)
    # The warning box is a region named by its first line, which screen readers list.
    (alert,) = root.findall(".//section[@class='alert']")
    opening = alert.find("p")
    assert opening is not None
    assert alert.get("aria-label") == _text(opening)
    assert alert.get("role") is None


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
    # The checklist's first row is its heading row, as in the DOCX (w:tblHeader).
    checklist = root.findall(".//table[@class='grid']")
    assert len(checklist) == 1
    (header,) = checklist[0].findall("thead/tr")
    rows = checklist[0].findall("tbody/tr")
    assert [(cell.tag, _text(cell)) for cell in header] == [
        ("th", "Question"),
        ("th", "Yes"),
        ("th", "No"),
    ]
    assert len(rows) == len(screening)
    # Each question heads its row (a screen reader names it moving down a column of boxes).
    assert [[cell.tag for cell in row] for row in rows] == [["th", "td", "td"]] * len(rows)
    assert all(row[0].get("scope") == "row" for row in rows)
    # The alert is a region named by its first line, and names the questions answered "yes".
    (alert,) = root.findall(".//section[@class='alert']")
    assert alert.get("aria-label", "").startswith("Important: you answered")
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


def test_a_property_with_html_s_special_characters_is_carried_literally() -> None:
    # The reviewer a catalog names (its Reviewed-By line) is free text, typed as a translator
    # types it: unescaped, a '"' there ends the <meta> element's content, and the rest of the
    # name is read as attributes of its own.
    reviewer = 'Dr. Ana "Nina" Souza & Co <ana@example.org>'
    document = mesoconsent.default_engine().compose(example())
    metadata = attrs.evolve(document.metadata, review_state="reviewed", reviewed_by=reviewer)
    root = lxml.html.document_fromstring(write_html(attrs.evolve(document, metadata=metadata)))
    metas = {meta.get("name"): meta.get("content") for meta in root.iter("meta")}
    assert metas["mesoconsent.translation_reviewed_by"] == reviewer
    assert metas["mesoconsent.draft"] == "no"  # and the properties after it are still there


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


# -- Printed on many pages: the checklist's heading row and the patient line on every page -----

_VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})


class _Structure(HTMLParser):
    """A page read as browsers tokenize it (``<style>`` text ends at the first ``</style>``):
    each element's path from the root and the text directly in each element. An end tag
    that does not close the element opened last (markup a browser would have to repair)
    fails."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.paths: list[tuple[str, ...]] = []
        self.text: dict[tuple[str, ...], str] = {}
        self.feed(page)
        self.close()
        assert self.open == [], self.open

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        path = (*self.open, tag)
        self.paths.append(path)
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1:] == [tag], (tag, self.open)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        path = tuple(self.open)
        self.text[path] = self.text.get(path, "") + data


def _print_css(style: str) -> str:
    """The rules inside the style sheet's ``@media print{...}`` blocks, run together."""
    rules = []
    for start in (m.end() for m in re.finditer(r"@media print\{", style)):
        depth, end = 1, start
        while depth:
            depth += {"{": 1, "}": -1}.get(style[end], 0)
            end += 1
        rules.append(style[start : end - 1])
    return "".join(rules)


def _long_details_request() -> mesoconsent.ConsentRequest:
    # Long enough to take the checklist onto a second printed page; one answer's details
    # longer than a row the DOCX keeps whole (600 characters), one shorter.
    screening = {
        **example().screening,
        "clotting_disorder": mesoconsent.ScreeningAnswer(True, "Takes warfarin daily. " * 30),
        "other_conditions": mesoconsent.ScreeningAnswer(True, "Asthma since 2019. " * 20),
    }
    return attrs.evolve(example(), screening=screening)


def _cell(text: str) -> d.Cell:
    return d.Cell((d.Text(text),))


def test_leading_heading_rows_are_the_thead_that_browsers_repeat_on_every_printed_page() -> None:
    # As in the DOCX, where every heading row is marked w:tblHeader and Word repeats those
    # at the top of the table: a heading row further down is a row of <th> in the body.
    heading = d.Row((_cell("Question"), _cell("Yes")), header=True)
    second = d.Row((_cell("(tick one)"), _cell("")), header=True)
    body = [d.Row((_cell(f"row {n}"), _cell("x"))) for n in range(3)]
    tables = (
        d.Table((heading, second, body[0], heading, body[1]), (3, 1)),
        d.Table((body[0], body[1]), (3, 1), kind="fields"),
        d.Table((heading,), (3, 1)),
        d.Table((heading, body[2]), (3, 1)),  # a checklist of one question
    )
    document = attrs.evolve(mesoconsent.default_engine().compose(example()), blocks=tables)
    root = lxml.html.document_fromstring(write_html(document))
    with_headings, without, only_headings, one_row = root.iter("table")
    assert [child.tag for child in with_headings] == ["thead", "tbody"]
    assert [_text(row) for row in with_headings.findall("thead/tr")] == [
        "QuestionYes",
        "(tick one)",
    ]
    assert [[cell.tag for cell in row] for row in with_headings.findall("tbody/tr")] == [
        ["td", "td"],
        ["th", "th"],
        ["td", "td"],
    ]
    assert [child.tag for child in without] == ["tr", "tr"]  # no heading: nothing to repeat
    assert [child.tag for child in only_headings] == ["thead"]  # and no empty body
    # The one row after the heading is the body: a procedure of a clinic's own may ask one
    # health question.
    assert [child.tag for child in one_row] == ["thead", "tbody"]
    assert [_text(row) for row in one_row.findall("tbody/tr")] == ["row 2x"]


def test_checklist_rows_are_kept_whole_on_a_page_as_in_the_docx() -> None:
    rendered = mesoconsent.render_formats(_long_details_request(), ("docx", "html"))
    document = docx.Document(io.BytesIO(rendered["docx"].content))
    (docx_checklist,) = (t for t in document.tables if t.rows[0].cells[0].text == "Question")
    whole_in_docx = [
        present(row._tr.trPr).find(qn("w:cantSplit")) is not None for row in docx_checklist.rows
    ]
    assert False in whole_in_docx  # the warfarin row may split
    root = lxml.html.document_fromstring(rendered["html"].content)
    (checklist,) = root.findall(".//table[@class='grid']")
    rows = checklist.findall("thead/tr") + checklist.findall("tbody/tr")
    assert [row.get("class") != "long" for row in rows] == whole_in_docx
    style = root.findtext(".//style") or ""
    assert re.search(r"(?:^|\})tr\{[^}]*break-inside:avoid", style)
    assert re.search(r"(?:^|\})tr\.long\{[^}]*break-inside:auto", style)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_patient_line_prints_at_the_top_of_every_page(locale: str) -> None:
    request = attrs.evolve(_long_details_request(), locale=locale)
    page = mesoconsent.render(request, "html").content.decode()
    structure = _Structure(page)
    # On screen the header shows once, above the form. Printed, the header and the form are
    # a table's heading and body (CSS display, in print only): browsers repeat a table's
    # heading at the top of every page it continues on, in room of its own, as they repeat
    # the checklist's heading row. A fixed header would cover text on later pages.
    body = [path for path in structure.paths if len(path) == 3 and path[:2] == ("html", "body")]
    assert body == [("html", "body", "div")]
    page_children = [path[3:] for path in structure.paths if len(path) == 4 and path[2] == "div"]
    assert page_children == [("header",), ("main",)]
    root = lxml.html.document_fromstring(page)
    assert root.get("dir") == ("rtl" if locale == "ar" else "ltr")
    (wrapper,) = root.findall("body/div[@class='page']")
    header = _text(wrapper.find("header"))
    name = "\u2066Jane Example\u2069" if locale == "ar" else "Jane Example"  # isolated in Arabic
    assert name in header
    style = root.findtext(".//style") or ""
    printed = _print_css(style)
    assert re.search(r"\.page\{[^}]*display:table[;}]", printed)
    assert re.search(r"(?:^|\})header\{[^}]*display:table-header-group", printed)
    # Chromium repeats a heading group only if it may not be split.
    assert re.search(r"(?:^|\})header\{[^}]*break-inside:avoid", printed)
    assert re.search(r"(?:^|\})main\{[^}]*display:table-row-group", printed)
    assert "position:fixed" not in page


def test_a_draft_banner_stays_above_the_repeated_header() -> None:
    document = attrs.evolve(
        mesoconsent.default_engine().compose(example()), draft_notice="DRAFT, NOT FOR SIGNATURE"
    )
    root = lxml.html.document_fromstring(write_html(document))
    assert [(child.tag, child.get("class")) for child in present(root.find("body"))] == [
        ("section", "draft"),
        ("div", "page"),
    ]


@pytest.mark.parametrize(
    ("locale", "paper_size", "draft_notice"),
    [
        ("en", None, None),
        ("en", "Letter", "DRAFT, NOT FOR SIGNATURE"),
        ("ar", "A4", "مسودة { } ; \" ' */ /*"),  # CSS's own characters in the notice
    ],
)
def test_the_style_sheet_parses_whole_so_no_rule_is_lost(
    locale: str, paper_size: Literal["A4", "Letter"] | None, draft_notice: str | None
) -> None:
    # Found by the Nu HTML Checker: the draft notice's page rule closed one brace too many,
    # and the stray brace took the page numbers' rule with it (a printed draft had no
    # "Page X of Y" in Chromium). Parsed as a browser parses it, no part may be an error.
    request = attrs.evolve(example(), locale=locale)
    document = mesoconsent.default_engine().compose(request)
    document = attrs.evolve(document, draft_notice=draft_notice, paper_size=paper_size)
    page = write_html(document).decode()
    style = present(re.search(r"<style>(.*?)</style>", page, re.DOTALL)).group(1)
    rules = tinycss2.parse_stylesheet(style, skip_whitespace=True, skip_comments=True)
    assert [rule.message for rule in rules if rule.type == "error"] == []
    selectors = [tinycss2.serialize(rule.prelude).strip() for rule in rules]
    assert all(selector and "{" not in selector and "}" not in selector for selector in selectors)
    margin_boxes = [
        box.lower_at_keyword
        for media in rules
        if media.type == "at-rule" and tinycss2.serialize(media.prelude).strip() == "print"
        for page_rule in tinycss2.parse_rule_list(media.content or [], skip_whitespace=True)
        if page_rule.type == "at-rule" and page_rule.lower_at_keyword == "page"
        for box in tinycss2.parse_rule_list(page_rule.content or [], skip_whitespace=True)
        if box.type == "at-rule"
    ]
    expected = ["top-center", "bottom-center"] if draft_notice else ["bottom-center"]
    assert margin_boxes == expected


_LANDMARKS = {"header", "main", "footer", "nav", "aside"}


def _outside_landmarks(element: lxml.html.HtmlElement) -> list[str]:
    """The elements under ``element`` holding text outside every landmark (axe's ``region``
    rule): a screen reader's user moving by landmarks never reaches them."""
    found = []
    for child in present(element):
        named_section = child.tag == "section" and child.get("aria-label")
        if child.tag in _LANDMARKS or named_section:
            continue
        if (child.text or "").strip():
            found.append(child.tag)
        found.extend(_outside_landmarks(child))
    return found


@pytest.mark.parametrize("draft", [False, True])
def test_everything_on_the_page_is_inside_a_landmark(draft: bool) -> None:
    # Found by an accessibility review (axe: region): the draft banner was a div on its own.
    document = mesoconsent.default_engine().compose(example())
    if draft:
        document = attrs.evolve(document, draft_notice="DRAFT, NOT FOR SIGNATURE")
    body = present(lxml.html.document_fromstring(write_html(document)).find("body"))
    assert _outside_landmarks(body) == []
    if draft:
        banner = present(body.find("section"))
        assert banner.get("aria-label") == _text(banner) == "DRAFT, NOT FOR SIGNATURE"


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_each_data_table_is_named_by_its_section_s_heading(locale: str) -> None:
    # As the DOCX's tables are titled (w:tblCaption): a screen reader names a table on
    # entering it. The signature lines, a layout table, are not named.
    request = attrs.evolve(example(), locale=locale)
    page = mesoconsent.default_engine().render_quietly(request, "html").content
    main = present(lxml.html.document_fromstring(page).find("body/div/main"))
    heading, named = "", []
    for element in main.iter("h2", "h3", "table"):
        if element.tag in ("h2", "h3"):
            heading = _text(element)
        elif element.tag == "table":
            named.append((element.get("class"), heading, element.get("aria-label")))
    catalog = mesoconsent.default_engine().catalog(locale)
    details = catalog.gettext("About you and your treatment")
    checklist = catalog.gettext("Your answers to the health questions")
    assert [(kind, label) for kind, _, label in named] == [
        ("fields", details),
        ("grid", checklist),
        ("signatures", None),
    ]
    assert all(label is None or label in heading for _, heading, label in named)


def test_each_label_of_the_details_table_heads_its_row() -> None:
    # As each health question heads its row: a screen reader on a value ("12 March 1988")
    # names its label ("Date of birth"). Found by an accessibility review.
    page = mesoconsent.render(example(), "html").content
    details = present(lxml.html.document_fromstring(page).find(".//table[@class='fields']"))
    rows = details.findall("tr")
    assert [row[0].tag for row in rows] == ["th"] * len(rows)
    assert all(row[0].get("scope") == "row" for row in rows)
    assert [row[1].tag for row in rows] == ["td"] * len(rows)
    assert [_text(row[0]) for row in rows[:2]] == ["Patient", "Date of birth"]
    style = present(re.search(r"<style>(.*?)</style>", page.decode())).group(1)
    assert "table.fields th{font-weight:normal;text-align:start}" in style  # looks as before


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_declaration_prints_on_the_page_of_the_signatures(locale: str) -> None:
    # Found by a review of printed forms: printed from Chromium, the signature table went to
    # a page of its own, apart from the declaration it signs (the DOCX keeps them together).
    page = mesoconsent.default_engine().render_quietly(
        attrs.evolve(example(), locale=locale), "html"
    )
    main = present(lxml.html.document_fromstring(page.content).find("body/div/main"))
    (declaration,) = main.findall("div[@class='declaration']")
    catalog = mesoconsent.default_engine().catalog(locale)
    assert [child.tag for child in declaration] == ["h2", "p", "p", "p", "table"]
    assert _text(declaration[0]) == catalog.gettext("Declaration")
    assert declaration[-1].get("class") == "signatures"
    assert main[-1] is declaration  # nothing left out after it
    style = present(re.search(r"<style>(.*?)</style>", page.content.decode())).group(1)
    assert ".declaration{break-inside:avoid;page-break-inside:avoid}" in style


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_each_printed_page_is_numbered_as_the_docx_s_footer_numbers_it(locale: str) -> None:
    # Found by a review of printed forms: the printed HTML had no "Page X of Y", so a page
    # missing from a signed form could not be noticed. The footer's words, in the form's
    # language, with the browser's page counters where the DOCX has its fields.
    engine = mesoconsent.default_engine()
    page = engine.render_quietly(attrs.evolve(example(), locale=locale), "html").content
    style = present(re.search(r"<style>(.*?)</style>", page.decode())).group(1)
    margin = re.search(r"@page\{@bottom-center\{content:([^;]*);", _print_css(style))
    assert margin is not None
    piece = r'"[^"]*"|counter\((?:page|pages)\)'
    assert re.fullmatch(rf"(?:\s*(?:{piece}))+", margin.group(1))  # strings and counters only
    pieces = re.findall(piece, margin.group(1))
    shown = "".join(
        {"counter(page)": "2", "counter(pages)": "4"}.get(piece) or css_string_value(piece)
        for piece in pieces
    )
    words = engine.catalog(locale).gettext("Page %(page)s of %(pages)s") % {"page": 2, "pages": 4}
    assert shown.translate(_ISOLATES) == words


_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


HOSTILE = 'Jo "Q" O\'Neil \\ </style><script>alert(1)</script> & </header> <!-- x'


def test_patient_text_cannot_break_out_of_the_printed_header_or_the_style_sheet() -> None:
    plain = _Structure(mesoconsent.render(example(), "html").content.decode())
    page = mesoconsent.render(with_patient_name(example(), HOSTILE), "html").content.decode()
    hostile = _Structure(page)
    # The same elements in the same places: the name added none and closed none.
    assert hostile.paths == plain.paths
    style = ("html", "head", "style")
    assert hostile.text[style] == plain.text[style]  # patient text never enters the CSS
    header = hostile.text[("html", "body", "div", "header")]
    assert f"Patient: {HOSTILE}, date of birth" in header
    root = lxml.html.document_fromstring(page)
    assert root.find(".//script") is None
    assert f"Patient: {HOSTILE}," in _text(root.find("body/div/header"))


def test_the_draft_banner_stays_at_the_top_of_a_short_window_instead_of_following_it() -> None:
    # Found by an accessibility review: at 400% zoom (a window 256 CSS pixels high) the
    # sticky banner covered a third of the screen, the text scrolling under it.
    style = re.search(
        r"<style>(.*?)</style>", mesoconsent.render(example(), "html").content.decode()
    )
    assert style is not None
    assert "@media (max-height:30em){.draft{position:static}}" in style.group(1)
