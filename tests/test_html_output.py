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
