"""The template markup's inline content reads the same whatever shape a cell has."""

from __future__ import annotations

import pytest

from mesoconsent import document as d
from mesoconsent.errors import TemplateError
from mesoconsent.markup import parse_section


def cells(row_markup: str) -> list[tuple[d.Inline, ...]]:
    (table,) = parse_section(f"<table><tr>{row_markup}</tr></table>", "test").blocks
    assert isinstance(table, d.Table)
    return [cell.inlines for cell in table.rows[0].cells]


@pytest.mark.parametrize(
    ("cell", "inlines"),
    [
        ("<strong>Label</strong>", (d.Text("Label", bold=True),)),
        ("<em>a note</em>", (d.Text("a note", italic=True),)),
        ('<check checked="yes"/>', (d.Checkbox(True),)),
        ('<check checked="no"/>', (d.Checkbox(False),)),
        ("<check/>", (d.Checkbox(False),)),
        # A template's line break inside the element reads as one space, at the edges as none.
        ("<strong>\n  two\n  lines\n</strong>", (d.Text("two lines", bold=True),)),
        ("<strong></strong>", ()),
        ("<br/>", (d.LineBreak(),)),
        ("<strong>Label</strong>: text", (d.Text("Label", bold=True), d.Text(": text"))),
        ("<strong><em>both</em></strong>", (d.Text("both", bold=True, italic=True),)),
        ("  <strong>spaced</strong>", (d.Text("  "), d.Text("spaced", bold=True))),
    ],
)
def test_a_cell_holding_one_element(cell: str, inlines: tuple[d.Inline, ...]) -> None:
    assert cells(f"<td>{cell}</td>") == [inlines]


@pytest.mark.parametrize("element", ["<h2>x</h2>", "<p>x</p>", "<table/>", "<b>x</b>"])
def test_a_block_or_unknown_element_in_a_cell_is_a_template_error(element: str) -> None:
    with pytest.raises(TemplateError, match="is not allowed inside <td>"):
        cells(f"<td>{element}</td>")
