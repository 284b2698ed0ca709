"""Right-to-left documents: an Arabic form reads right to left in Word and LibreOffice, and the
Latin-script names and numbers in it still display in order."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import mesoconsent
from mesoconsent.bidi import (
    _CLASS_TABLE,
    _CLASSES,
    LRI,
    PDI,
    _islands,
    _with_brackets,
    isolate_ltr,
    ltr_segments,
)
from mesoconsent.writers.docx import write_docx
from tests.helpers import answered, docx_paragraph_texts, example

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def part(content: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return etree.fromstring(package.read(name))


def arabic_form() -> bytes:
    return mesoconsent.render(attrs.evolve(example(), locale="ar")).content


def has_arabic(text: str) -> bool:
    """Arabic letters (strong right-to-left), not punctuation such as the Arabic comma, which a
    left-to-right stretch may hold between two Latin words."""
    return any(unicodedata.bidirectional(char) == "AL" for char in text)


def test_every_paragraph_is_right_to_left_and_right_aligned() -> None:
    body = part(arabic_form(), "word/document.xml")
    # Empty spacer paragraphs inherit right-to-left from the document defaults.
    paragraphs = [p for p in body.iter(f"{W}p") if p.find(f".//{W}t") is not None]
    assert paragraphs
    for paragraph in paragraphs:
        assert paragraph.find(f"{W}pPr/{W}bidi") is not None
        # In a right-to-left paragraph Word reads w:jc left/right relative to the text flow;
        # no w:jc (or "center") leaves it at its start: the right margin.
        jc = paragraph.find(f"{W}pPr/{W}jc")
        assert jc is None or jc.get(f"{W}val") == "center"
    assert body.find(f"{W}body/{W}sectPr/{W}bidi") is not None


def test_arabic_runs_are_right_to_left_and_latin_runs_are_isolated_left_to_right() -> None:
    body = part(arabic_form(), "word/document.xml")
    runs = [(run, "".join(str(t) for t in run.itertext())) for run in body.iter(f"{W}r")]
    arabic = [run for run, text in runs if has_arabic(text)]
    assert arabic
    assert all(run.find(f"{W}rPr/{W}rtl") is not None for run in arabic)
    name = [run for run, text in runs if text == f"{LRI}Jane Example{PDI}"]
    assert name  # the details table and the signature line
    assert all(run.find(f"{W}rPr/{W}rtl") is None for run in name)


def test_tables_and_the_signature_block_read_right_to_left() -> None:
    body = part(arabic_form(), "word/document.xml")
    tables = list(body.iter(f"{W}tbl"))
    assert len(tables) >= 3  # details, checklist, signatures
    assert all(table.find(f"{W}tblPr/{W}bidiVisual") is not None for table in tables)


def test_the_complex_script_language_and_font_cover_arabic() -> None:
    styles = part(arabic_form(), "word/styles.xml")
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults is not None
    assert defaults.find(f"{W}rFonts").get(f"{W}cs") == "Arial"  # type: ignore[union-attr]
    assert defaults.find(f"{W}lang").get(f"{W}bidi", "").startswith("ar-")  # type: ignore[union-attr]
    assert styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr/{W}bidi") is not None


def test_the_page_header_and_footer_are_right_to_left_too() -> None:
    # Each page's header (with a draft notice above it here) and its footer ("Page X of Y",
    # the numbers as fields) read right to left as the body does: every paragraph
    # right-to-left, every run but an isolated left-to-right one (the patient's name) too.
    document = mesoconsent.default_engine().compose(attrs.evolve(example(), locale="ar"))
    draft = attrs.evolve(document, draft_notice="مسودة: ليست للتوقيع")
    content = write_docx(draft)
    for name, paragraph_count in (("word/header1.xml", 2), ("word/footer1.xml", 1)):
        root = part(content, name)
        paragraphs = list(root.iter(f"{W}p"))
        assert len(paragraphs) == paragraph_count
        assert all(p.find(f"{W}pPr/{W}bidi") is not None for p in paragraphs), name
        runs = [run for run in root.iter(f"{W}r") if run.find(f"{W}br") is None]
        isolated = [run for run in runs if "".join(map(str, run.itertext())).startswith(LRI)]
        assert [run for run in runs if run.find(f"{W}rPr/{W}rtl") is None] == isolated, name
    header = part(content, "word/header1.xml")
    assert f"{LRI}Jane Example{PDI}" in [
        "".join(map(str, r.itertext())) for r in header.iter(f"{W}r")
    ]
    footer = part(content, "word/footer1.xml")
    assert len(list(footer.iter(f"{W}fldChar"))) == 6  # two page fields, their runs among those


def test_left_to_right_documents_are_unchanged() -> None:
    content = mesoconsent.render(attrs.evolve(example(), locale="fr")).content
    body = part(content, "word/document.xml")
    assert body.find(f".//{W}bidi") is None
    assert body.find(f".//{W}rtl") is None
    assert LRI not in "".join(docx_paragraph_texts(content))


def test_the_html_and_text_forms_are_right_to_left_with_isolated_latin() -> None:
    request = attrs.evolve(example(), locale="ar")
    html = mesoconsent.render(request, "html").content.decode()
    assert '<html lang="ar-EG" dir="rtl">' in html
    assert f"{LRI}Jane Example{PDI}" in html
    assert f"{LRI}+44 20 7946 0000{PDI}" in html  # in the body (the header has no phone)
    text = mesoconsent.render(request, "text").content.decode()
    assert f"{LRI}+44 20 7946 0000{PDI}" in text


def test_a_quoted_product_name_is_isolated_with_its_closing_quote_in_every_format() -> None:
    product = 'Jalupro "Super Hydro"'
    request = attrs.evolve(
        example(), locale="ar", treatment=attrs.evolve(example().treatment, product=product)
    )
    for fmt in ("html", "text"):
        shown = mesoconsent.render(request, fmt).content.decode()
        assert f"{LRI}{product}{PDI}" in shown.replace("&#34;", '"').replace("&quot;", '"'), fmt
    content = mesoconsent.render(request).content
    runs = [
        "".join(map(str, r.itertext())) for r in part(content, "word/document.xml").iter(f"{W}r")
    ]
    assert f"{LRI}{product}{PDI}" in runs


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Jane Example", [("Jane Example", True)]),
        # Arabic-Indic digits are laid out right to left: they end a Latin stretch, as a
        # right-to-left letter does, and are not isolated inside it.
        ("Acid ١٤ Hydro", [("Acid", True), (" ١٤ ", False), ("Hydro", True)]),
        ("اتصل بـ Clinic على", [("اتصل بـ ", False), ("Clinic", True), (" على", False)]),
        ("الرقم +44 20 7946 0000.", [("الرقم ", False), ("+44 20 7946 0000", True), (".", False)]),
        (
            "المنتج: Acid (as noted) و",
            [("المنتج: ", False), ("Acid (as noted)", True), (" و", False)],
        ),
        # A quotation mark closing inside a Latin stretch is isolated with it: left outside,
        # it would be laid out right to left, before the name it closes.
        (
            'المنتج Jalupro "Super Hydro" و',
            [("المنتج ", False), ('Jalupro "Super Hydro"', True), (" و", False)],
        ),
        (
            "المنتج Jalupro \u201cSuper Hydro\u201d و",
            [("المنتج ", False), ("Jalupro \u201cSuper Hydro\u201d", True), (" و", False)],
        ),
        (
            'المنتج (as "noted") و',
            [("المنتج (", False), ('as "noted"', True), (") و", False)],
        ),
        ("١٤ مارس", [("١٤ مارس", False)]),
        ("", []),
        # The Arabic comma separates two Latin stretches, each beside its own Arabic word
        # (found by a review of printed forms: one stretch put "(asthma)" by the wrong word).
        (
            "ربو (asthma)، Ventolin 100 µg عند الحاجة.",
            [
                ("ربو (", False),  # brackets around a stretch are the Arabic sentence's
                ("asthma", True),
                (")، ", False),
                ("Ventolin 100 µg", True),
                (" عند الحاجة.", False),
            ],
        ),
    ],
)
def test_left_to_right_stretches(text: str, pieces: list[tuple[str, bool]]) -> None:
    assert list(ltr_segments(text)) == pieces
    assert isolate_ltr(text).replace(LRI, "").replace(PDI, "") == text


# The left-to-right stretches as first written: a regular expression over the classes, and
# brackets counted again at each step. Both took time growing with the square of a run's
# length (a name of 100,000 "+" took 83 s to render in Arabic); ltr_segments must find the
# same stretches in time that grows with the length.
SPECIFIED_ISLAND = re.compile(r"S*[LE](?:[^R]*[LE])?S*")


def specified_brackets(text: str, start: int, end: int) -> tuple[int, int]:
    start, end = specified_quotes(text, start, end)
    pairs = {
        "(": ")",
        "[": "]",
        "{": "}",
        "\u201c": "\u201d",
        "\u00ab": "\u00bb",
        "\u2039": "\u203a",
    }
    for opening, closing in pairs.items():
        stretch = text[start:end]
        while stretch.count(opening) > stretch.count(closing) and text[end : end + 1] == closing:
            end += 1
            stretch = text[start:end]
        while (
            stretch.count(closing) > stretch.count(opening) and text[start - 1 : start] == opening
        ):
            start -= 1
            stretch = text[start:end]
    return specified_quotes(text, start, end)


def specified_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """A straight quotation mark left open inside the stretch takes in the one that closes
    it just after (or opens it just before)."""
    if text[start:end].count('"') % 2 == 1:
        if text[end : end + 1] == '"':
            return start, end + 1
        if text[start - 1 : start] == '"':
            return start - 1, end
    return start, end


def specified_stretches(text: str) -> list[tuple[int, int]]:
    classes = text.translate(_CLASS_TABLE)
    return [specified_brackets(text, *m.span()) for m in SPECIFIED_ISLAND.finditer(classes)]


def stretches(text: str) -> list[tuple[int, int]]:
    classes = text.translate(_CLASS_TABLE)
    return [_with_brackets(text, start, end) for start, end in _islands(classes)]


# Characters of every class (L, E, S, R, N), the brackets and quotation marks, so that short
# texts hit every case.
BIDI_SAMPLES = 'aZ19+-#%$\u0627\u0628\u0661\u05d0 .,:()[]{}\u200f"\u201c\u201d\u00ab\u00bb'


@given(st.text(alphabet=BIDI_SAMPLES, max_size=40) | st.text(max_size=40))
def test_left_to_right_stretches_are_found_as_specified(text: str) -> None:
    assert stretches(text) == specified_stretches(text)


@pytest.mark.parametrize(
    "text",
    [
        "+" * 20_000 + "\u0627",
        "+" * 20_000 + "1",
        "a" + "(" * 10_000 + "b" + ")" * 10_000,
        ("# " * 5_000 + "\u0627") * 2,
    ],
    ids=["signs", "signs then a digit", "brackets", "signs between Arabic"],
)
def test_long_runs_are_found_as_specified(text: str) -> None:
    # Long enough to show the quadratic time of the specification (a second or more each),
    # short enough to run it.
    assert stretches(text) == specified_stretches(text)


@given(st.text())
def test_each_character_is_classed_by_its_unicode_bidi_class(text: str) -> None:
    # The class table is filled on first sight (and keeps only the BMP): it must class
    # every character as unicodedata does, astral ones included, on every sight.
    expected = "".join(
        "R" if c == "\u060c" else _CLASSES.get(unicodedata.bidirectional(c), "N") for c in text
    )
    assert text.translate(_CLASS_TABLE) == expected
    assert text.translate(_CLASS_TABLE) == expected


ISOLATE_OPENERS = "\u2066\u2067\u2068"


def strong_before(text: str, index: int) -> str | None:
    """The bidi class (L, R or AL) of the first strong character before ``index`` at the same
    isolation level, skipping whole isolates, as rule W2 of the bidirectional algorithm looks
    for it to decide whether digits are European or Arabic numbers; None at the start."""
    depth = 0
    for char in reversed(text[:index]):
        if char == PDI:
            depth += 1
        elif char in ISOLATE_OPENERS:
            depth -= 1
        elif depth == 0 and unicodedata.bidirectional(char) in ("L", "R", "AL"):
            return unicodedata.bidirectional(char)
    return None


def paragraph_direction(line: str) -> str:
    """The direction a line of plain text is laid out in by rule P2: its first strong
    character outside isolates (left to right if it has none)."""
    kind = strong_before(line[::-1], len(line))
    return "rtl" if kind in ("R", "AL") else "ltr"


def test_in_a_left_to_right_text_form_an_arabic_address_keeps_the_forms_direction() -> None:
    address = "١٢ شارع النيل\nالقاهرة"  # noqa: RUF001  # Arabic letters, as meant
    clinic = mesoconsent.Clinic("عيادة النيل", address, "+20 2 1234 5678")
    text = mesoconsent.render(attrs.evolve(example(), clinic=clinic), "text").content.decode()
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Clinic | "))
    block = lines[first : first + 4]
    visible = [line.translate(dict.fromkeys(map(ord, ISOLATE_OPENERS + PDI))) for line in block]
    indent = " " * len("Clinic | ")
    assert visible == [
        "Clinic | عيادة النيل",
        indent + "١٢ شارع النيل",
        indent + "القاهرة",
        indent + "+20 2 1234 5678",
    ]
    # The Arabic lines are isolated, so that every line is laid out left to right, its
    # indentation on the left, and no digits read as Arabic numbers ("5678 1234 2 20+").
    assert [paragraph_direction(line) for line in block] == ["ltr"] * 4
    assert sum(line.count("\u2068") for line in block) == 3
    assert strong_before(block[3], block[3].index("+20")) is None
    english = mesoconsent.render(example(), "text").content.decode()
    assert not set(ISOLATE_OPENERS + PDI) & set(english)  # Latin-only forms are unchanged


def test_in_an_arabic_text_form_a_cells_further_lines_run_right_to_left_under_it() -> None:
    text = mesoconsent.render(attrs.evolve(example(), locale="ar"), "text").content.decode()
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if " | \u2066Riverside Aesthetic" in line)
    label = lines[first].split(" | ")[0]
    further = lines[first + 1 : first + 4]
    assert [line.split("\u2066")[0] for line in further] == ["\u200f" + " " * (len(label) + 3)] * 3
    assert [paragraph_direction(line) for line in further] == ["rtl"] * 3


def test_in_an_arabic_text_form_each_signature_line_runs_as_its_caption_does() -> None:
    text = mesoconsent.render(attrs.evolve(example(), locale="ar"), "text").content.decode()
    lines = text.splitlines()
    signing = [i for i, line in enumerate(lines) if line.strip("\u200f").startswith("____")]
    assert len(signing) == 2  # patient and practitioner
    for i in signing:
        assert paragraph_direction(lines[i]) == paragraph_direction(lines[i + 1]) == "rtl"


@pytest.mark.parametrize("locale", mesoconsent.default_engine().locales)
def test_text_forms_have_no_trailing_spaces(locale: str) -> None:
    request = attrs.evolve(
        example(),
        locale=locale,
        screening={**example().screening, "pregnant": mesoconsent.ScreeningAnswer(True)},
    )
    with pytest.warns():
        text = mesoconsent.render(request, "text").content.decode()
    assert [line for line in text.splitlines() if line != line.rstrip()] == []


def test_a_header_starting_with_an_arabic_clinic_name_stays_left_to_right() -> None:
    clinic = attrs.evolve(example().clinic, name="عيادة النيل")
    request = attrs.evolve(example(), clinic=clinic, locale="fr")
    with pytest.warns(mesoconsent.DraftTranslationWarning):
        header = mesoconsent.render(request, "text").content.decode().splitlines()[0]
    assert "عيادة النيل" in header
    assert paragraph_direction(header) == "ltr"
    english = mesoconsent.render(example(), "text").content.decode()
    assert "\u200e" not in english  # a Latin header needs no mark


@pytest.mark.parametrize(
    ("text", "columns"),
    [("Clinic", 6), ("Клиника", 7), ("診所", 4), ("e\u0301te\u0301", 3), ("\u2066ab\u2069", 2)],
)
def test_a_text_forms_cell_lines_are_indented_by_the_columns_text_takes(
    text: str, columns: int
) -> None:
    # Wide (CJK) characters take two columns of a monospaced font, combining marks and
    # isolates none, so a cell's further lines start under the cell.
    assert mesoconsent.writers.text._width(text) == columns


def test_a_text_forms_empty_cell_line_stays_with_the_cells_lines() -> None:
    # Details with an empty line: the lines after it are still indented under the question,
    # and the empty one carries no trailing spaces.
    request = attrs.evolve(
        example(),
        screening={
            **example().screening,
            "other_conditions": mesoconsent.ScreeningAnswer(True, "Asthma\n\nAn inhaler"),
        },
    )
    lines = mesoconsent.render(request, "text").content.decode().splitlines()
    row = next(i for i, line in enumerate(lines) if line.endswith("| [x] Yes | [ ] No"))
    assert lines[row + 1 : row + 4] == ["    Asthma", "", "    An inhaler"]


@pytest.mark.parametrize("format", ["docx", "html", "text"])
def test_a_line_of_details_in_latin_script_keeps_its_full_stop_at_its_end(
    format: mesoconsent.Format,
) -> None:
    # Found by a review of printed forms: in an Arabic form, "I breastfeed my baby." printed
    # as ".I breastfeed my baby": the full stop, outside the isolated stretch, was laid out
    # right to left, at the line's left end. A line with no right-to-left letter is now
    # isolated whole, its punctuation included; within an Arabic sentence, a Latin name's
    # punctuation stays the sentence's.
    details = "I breastfeed my baby.\nأرضع طفلي (Anna)."
    request = attrs.evolve(answered(example(), "breastfeeding", details=details), locale="ar")
    content = mesoconsent.default_engine().render_quietly(request, format).content
    if format == "docx":
        runs = [
            "".join(t.text or "" for t in run.iter(f"{W}t"))
            for run in part(content, "word/document.xml").iter(f"{W}r")
        ]
        shown = "\n".join(runs)
    else:
        shown = content.decode()
    assert f"{LRI}I breastfeed my baby.{PDI}" in shown
    assert f"{LRI}Anna{PDI}" in shown  # inside an Arabic line: the name alone, as before
