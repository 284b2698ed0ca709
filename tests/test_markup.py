"""The template markup's inline content reads the same whatever shape a cell has."""

from __future__ import annotations

import re

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
        # Only "yes" ticks the box: any other value, in any case, gives an empty one.
        ('<check checked="Yes"/>', (d.Checkbox(False),)),
        ('<check checked="true"/>', (d.Checkbox(False),)),
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


@pytest.mark.parametrize(
    ("markup", "said"),
    [
        ('<p class="x">a</p>', "<p> has no attribute class (it may carry data-disclosure)"),
        ('<p><strong style="color:white">a</strong></p>', "<strong> has no attribute style"),
        (
            '<table widht="1 2"><tr><td>a</td><td>b</td></tr></table>',
            "<table> has no attribute widht (it may carry caption, class, widths)",
        ),
        ('<p><check checked="yes" x="1"/></p>', "<check> has no attribute x"),
        ('<h2 id="a" lang="fr">a</h2>', "<h2> has no attribute id, lang (it carries none)"),
        (
            '<signatures><signer role="patient" signature="S" date="D" dates="E">N</signer>'
            "</signatures>",
            "<signer> has no attribute dates (it may carry date, role, signature)",
        ),
        ('<table><tr data-screening="q" hidden="1"><td>a</td></tr></table>', "<tr> has no"),
    ],
)
def test_an_attribute_outside_the_vocabulary_is_a_template_error(markup: str, said: str) -> None:
    # Dropping it unseen would let a misspelt attribute (widht=) change the form's layout.
    with pytest.raises(TemplateError, match="has no attribute") as caught:
        parse_section(markup, "test")
    assert said in str(caught.value)
    # Said of the section where it is, not as if the section's shape were wrong.
    assert str(caught.value).startswith("{% static %} at test: <")


_SHAPE = "must hold whole blocks at the top level of the document"


@pytest.mark.parametrize(
    ("markup", "said"),
    [
        (
            '<table><tr><td data-disclosure="x.y">a</td></tr></table>',
            "data-disclosure belongs on <p> or <li>, not <td>",
        ),
        ("<h4>a</h4>", "<h4> is not allowed at block level"),
        (
            '<table widths="1 x"><tr><td>a</td></tr></table>',
            "<table widths> must give 1 positive whole number",
        ),
        ("<ul>a<li>b</li></ul>", "text directly inside <ul> must be in an <li>"),
    ],
)
def test_a_mistake_inside_a_static_section_is_not_blamed_on_its_shape(
    markup: str, said: str
) -> None:
    # Found by a review of the docs: every error in a static section was said to be of its
    # shape ("must hold whole blocks at the top level..."), sending the reader to look for a
    # misplaced section that was not.
    with pytest.raises(TemplateError) as caught:
        parse_section(markup, "test")
    assert str(caught.value) == f"{{% static %}} at test: {said}"


@pytest.mark.parametrize(
    ("markup", "said"),
    [
        ("<tr><td>a</td></tr><p>b</p>", "<tr> is not allowed at block level"),
        ("<li>a</li><p>b</p>", "<li> is not allowed at block level"),
        ("<td>a</td>", "<td> is not allowed at block level"),
        ("words<p>b</p>", "text directly inside <static> must be in a <p>"),
        ("<footer>a</footer><footer>b</footer>", "a document has one <footer>"),
    ],
)
def test_a_static_section_of_the_wrong_shape_says_what_it_must_hold(markup: str, said: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_section(markup, "test")
    message = str(caught.value)
    assert message.startswith(f"{{% static %}} at test {_SHAPE}")
    assert message.endswith(said)


@pytest.mark.parametrize("widths", ["0 1", "+1 2", "1.5 2", "\u0661 2", "\uff11 2", "1 2 3"])
def test_table_widths_are_one_positive_ascii_whole_number_per_column(widths: str) -> None:
    with pytest.raises(TemplateError, match="<table widths> must give 2 positive whole numbers"):
        parse_section(f'<table widths="{widths}"><tr><td>a</td><td>b</td></tr></table>', "test")


def test_the_vocabulary_s_attributes_are_accepted() -> None:
    (table,) = parse_section(
        '<table widths="1 3" class="fields"><tr data-screening="q"><td><check checked="yes"/>'
        "</td><td>a</td></tr></table>",
        "test",
    ).blocks
    assert isinstance(table, d.Table)
    assert table.rows[0].screening == "q"
    assert table.caption == ""
    (titled,) = parse_section(
        '<table caption=" Your\n  answers "><tr><td>a</td></tr></table>', "test"
    ).blocks
    assert isinstance(titled, d.Table)
    assert titled.caption == "Your answers"  # white space as a heading's
    (paragraph,) = parse_section('<p data-disclosure="risk">a</p>', "test").blocks
    assert isinstance(paragraph, d.Paragraph)
    assert paragraph.disclosure == "risk"


def test_a_misplaced_marker_says_where_it_belongs_and_an_unknown_element_says_what_it_is() -> None:
    # The attribute check leaves these to the messages that say more.
    with pytest.raises(TemplateError, match="data-disclosure belongs on <p> or <li>, not <td>"):
        cells('<td data-disclosure="risk">a</td>')
    with pytest.raises(TemplateError, match="<b> is not allowed inside <td>"):
        cells('<td><b class="x">a</b></td>')


@pytest.mark.parametrize(
    ("markup", "said"),
    [
        ("<ul>loose<li>an item</li></ul>", "text directly inside <ul> must be in an <li>"),
        ("<ol><li>an item</li>loose</ol>", "text directly inside <ol> must be in an <li>"),
        ("<table>loose<tr><td>a</td></tr></table>", "inside <table> must be in a <td> or <th>"),
        ("<table><tr>loose<td>a</td></tr></table>", "inside <tr> must be in a <td> or <th>"),
        (
            '<signatures>loose<signer role="patient" signature="S" date="D">Jo</signer>'
            "</signatures>",
            "text directly inside <signatures> must be in a <signer>, as a signer's name",
        ),
        ("<alert>loose<p>a</p></alert>", "text directly inside <alert> must be in a <p>"),
    ],
)
def test_loose_text_is_refused_saying_where_it_goes(markup: str, said: str) -> None:
    # A <p> is not allowed in a list, a table or a signature block: the advice to put the
    # words in one was an error of its own there.
    with pytest.raises(TemplateError, match=re.escape(said)):
        parse_section(markup, "test")


@pytest.mark.parametrize("element", ["br", 'check checked="yes"', "page-number", "page-count"])
@pytest.mark.parametrize("inside", ["I agree", "<strong>I agree</strong>"])
def test_an_element_that_holds_nothing_refuses_what_is_put_in_it(element: str, inside: str) -> None:
    # What was inside printed nowhere, in any format, without a word.
    tag = element.split()[0]
    for markup in (f"<p>A<{element}>{inside}</{tag}>B</p>", f"<p><{element}>{inside}</{tag}></p>"):
        with pytest.raises(TemplateError, match=re.escape(f"<{tag}> holds nothing")):
            parse_section(markup, "test")


def test_an_element_that_holds_nothing_may_be_written_open_and_closed() -> None:
    (paragraph,) = parse_section("<p>A<br></br>B<check checked='yes'> </check></p>", "t").blocks
    assert isinstance(paragraph, d.Paragraph)
    assert paragraph.inlines == (d.Text("A"), d.LineBreak(), d.Text("B"), d.Checkbox(True))
