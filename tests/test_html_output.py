"""The HTML page as it prints: the signature block and the draft notice."""

from __future__ import annotations

import re

import attrs
import lxml.html
import pytest

import mesoconsent
from mesoconsent.writers.html import _css_string
from tests.helpers import example

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
