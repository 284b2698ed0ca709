"""Which text of a stored DOCX a reader sees. Text does not count as stated where its
formatting hides it (hidden, struck through, in the colour of what is behind it, too small,
squeezed, or in lines held too low for it), each property resolved as Word resolves it: the
run, its character style, its paragraph's style, its table's style and the formatting that
style gives the cell's row and column, then the document defaults (ECMA-376, 17.7.2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, NamedTuple, TypeVar, cast

from lxml import etree

from mesoconsent.ooxml import (
    BR,
    CR,
    FALLBACK,
    NO_BREAK_HYPHEN,
    OFF,
    REMOVED,
    SOFT_HYPHEN,
    TAB,
    TBL,
    TC,
    TEXT,
    TR,
    P,
    R,
    W,
)

T = TypeVar("T")

_Part = Literal["rPr", "pPr", "tcPr", "tblPr"]
_WHOLE = re.compile(r"[0-9]{1,3}")


class _Place(NamedTuple):
    """Where a cell is in its table."""

    row: int
    column: int
    rows: int
    columns: int  # in its row
    header_rows: int  # the first row and those after it marked as header rows


def _applying(
    place: _Place, look: frozenset[str], row_band: int, column_band: int
) -> tuple[str, ...]:
    """The table style formatting types for a cell in ``place``, strongest first: the corner
    cells, then the last and first columns, the total and header rows, banded columns over
    banded rows (MS-OI29500 2.1.252: Word's order; ISO 29500 17.7.6 lists the same kinds),
    and the whole table."""
    first_row = "firstRow" in look and place.row < place.header_rows
    last_row = "lastRow" in look and place.row == place.rows - 1 and not first_row
    first_column = "firstColumn" in look and place.column == 0
    last_column = "lastColumn" in look and place.column == place.columns - 1
    found = [
        kind
        for applies, kind in (
            (last_row and last_column, "seCell"),
            (last_row and first_column, "swCell"),
            (first_row and last_column, "neCell"),
            (first_row and first_column, "nwCell"),
            (last_column, "lastCol"),
            (first_column, "firstCol"),
            (last_row, "lastRow"),
            (first_row, "firstRow"),
        )
        if applies
    ]
    if column_band and "noVBand" not in look and not (first_column or last_column):
        counted = place.column - (1 if "firstColumn" in look else 0)
        found.append("band2Vert" if counted // column_band % 2 else "band1Vert")
    if row_band and "noHBand" not in look and not (first_row or last_row):
        counted = place.row - (place.header_rows if "firstRow" in look else 0)
        found.append("band2Horz" if counted // row_band % 2 else "band1Horz")
    found.append("wholeTable")
    return tuple(found)


def is_header_row(row: etree._Element) -> bool:
    """Whether a table row is marked to repeat at the top of each page (w:tblHeader)."""
    marked = row.find(f"{W}trPr/{W}tblHeader")
    return marked is not None and marked.get(f"{W}val", "true").lower() not in OFF


def _nearest(element: etree._Element, tag: str) -> etree._Element | None:
    """The nearest ancestor of ``element`` with ``tag`` (its table, its row)."""
    return next(element.iterancestors(tag), None)


class _Styles(NamedTuple):
    """The styles a paragraph's text is laid out in, as one word processor reads them."""

    paragraph: str | None
    table: str | None  # its table's, if it is in one
    conditions: tuple[str, ...]  # the table style's formatting for its cell, strongest first


class _View(NamedTuple):
    """A paragraph as one word processor lays it out: its styles, the height its lines are
    held to (None: they grow with the text), and the colour behind its text (None: the
    page)."""

    styles: _Styles
    line_height: float | None
    behind: str | None


# w:tblLook's options, and their bits in its w:val (ISO 29500-4 14.4.12).
_LOOK_BITS = {
    "firstRow": 0x0020,
    "lastRow": 0x0040,
    "firstColumn": 0x0080,
    "lastColumn": 0x0100,
    "noHBand": 0x0200,
    "noVBand": 0x0400,
}
# Word's reading of a table with no w:tblLook (MS-OI29500 2.1.160): header row, first column,
# banded rows.
_WORD_LOOK = frozenset({"firstRow", "firstColumn", "noVBand"})


def _table_look(look: etree._Element | None) -> frozenset[str]:
    """The options a w:tblLook sets: by its attributes, else (as Word reads it, only if it has
    none of them) by the bits of its w:val."""
    if look is None:
        return _WORD_LOOK
    named = {name: look.get(f"{W}{name}") for name in _LOOK_BITS}
    if any(value is not None for value in named.values()):
        # An option it leaves out is Word's default for it (LibreOffice's tdf#167843).
        return frozenset(
            name
            for name, value in named.items()
            if (name in _WORD_LOOK if value is None else value.lower() not in OFF)
        )
    try:
        bits = int(look.get(f"{W}val", "0"), 16)
    except ValueError:
        bits = 0
    return frozenset(name for name, bit in _LOOK_BITS.items() if bits & bit)


def _band_reader(tag: str) -> Callable[[etree._Element], int | None]:
    def read(properties: etree._Element) -> int | None:
        value = _val(properties, tag)
        return int(value) if value is not None and _WHOLE.fullmatch(value) else None

    return read


# One reader for each band size, made once: the style look-ups are remembered by reader, and a
# reader made for each table was never found again (memory grew with tables times styles).
_BAND_READERS = {tag: _band_reader(tag) for tag in ("tblStyleRowBandSize", "tblStyleColBandSize")}


class Visibility:
    """Which runs a reader sees. Text does not count as stated where its formatting hides it:
    hidden text (``w:vanish``), text in the colour of what is behind it (white on the page, black
    under a black highlight or shading), text smaller than 6 points as printed (in the size
    that applies to its script: ``w:szCs`` for right-to-left and complex-script text; two
    thirds of it when raised or lowered), letters scaled to less than half their width or
    condensed into each other, struck-through text (which reads as deleted), or text in lines
    held too low for it (an exact line height, which clips each letter; a fraction of a line;
    a negative height). Each property is resolved as Word resolves it: on the run, else its
    character style, else its paragraph's style, else its table's style (each with the styles
    it is based on), else the document defaults (ECMA-376, 17.7.2)."""

    def __init__(self, styles: etree._Element | None) -> None:
        # style id -> (the style it is based on, the style)
        self._styles: dict[str, tuple[str | None, etree._Element]] = {}
        self._defaults: etree._Element | None = None
        self._paragraph_defaults: etree._Element | None = None
        # The style of a paragraph (or table) that names none, or one there is not: Normal
        # (Normal Table), as Word and LibreOffice read it.
        self._default_paragraph: str | None = None
        self._default_table: str | None = None
        self._memo: dict[tuple[object, ...], object] = {}
        self._tables: dict[
            etree._Element, tuple[dict[etree._Element, int], int, frozenset[str], int, int]
        ] = {}
        self._rows: dict[etree._Element, dict[etree._Element, int]] = {}
        if styles is None:
            return
        self._defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        self._paragraph_defaults = styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
        for style in styles.iter(f"{W}style"):
            default = style.get(f"{W}default", "").lower() in ("1", "true", "on")
            if default and style.get(f"{W}type") == "paragraph":
                self._default_paragraph = style.get(f"{W}styleId")
            elif default and style.get(f"{W}type") == "table":
                self._default_table = style.get(f"{W}styleId")
            based_on = style.find(f"{W}basedOn")
            self._styles[style.get(f"{W}styleId", "")] = (
                based_on.get(f"{W}val") if based_on is not None else None,
                style,
            )

    def _from_style(
        self,
        style_id: str | None,
        read: Callable[[etree._Element], T | None],
        *,
        part: _Part = "rPr",
        condition: str | None = None,
    ) -> T | None:
        """A property of a style (of its run properties, or its paragraph or, for a table
        style, cell properties; with ``condition``, those of its formatting for such cells,
        w:tblStylePr), else of the style it is based on, and so on. Remembered for the
        document: every paragraph asks the same few questions of the same few styles."""
        key = (style_id, read, part, condition)
        if key in self._memo:
            return cast("T | None", self._memo[key])
        # Up the chain of styles each is based on, to the first that sets the property or
        # whose answer is known; every style on the way gets the same answer. Remembering it
        # only for the first made a chain of N styles, each used once, cost N * N steps (a
        # 26 KB file took 40 s).
        chain: dict[str, None] = {}  # in order, and quick to ask (a cycle ends the walk)
        value: T | None = None
        current = style_id
        while current is not None and current not in chain:
            known = (current, read, part, condition)
            if known in self._memo:
                value = cast("T | None", self._memo[known])
                break
            chain[current] = None
            based_on, style = self._styles.get(current, (None, None))
            value = self._own(style, read, part, condition)
            if value is not None:
                break
            current = based_on
        self._memo[key] = value
        for passed in chain:
            self._memo[(passed, read, part, condition)] = value
        return value

    def _own(
        self,
        style: etree._Element | None,
        read: Callable[[etree._Element], T | None],
        part: _Part,
        condition: str | None,
    ) -> T | None:
        """A property as ``style`` itself sets it (or its formatting for such cells), or None."""
        holder = style
        if style is not None and condition is not None:
            holder = next(
                (
                    formatting
                    for formatting in style.iterfind(f"{W}tblStylePr")
                    if formatting.get(f"{W}type") == condition
                ),
                None,
            )
        properties = holder.find(f"{W}{part}") if holder is not None else None
        return read(properties) if properties is not None else None

    def views_of(self, paragraph: etree._Element) -> tuple[_View, ...]:
        """The paragraph as Word lays it out and, where it differs, as LibreOffice does."""
        named = _val(paragraph.find(f"{W}pPr"), "pStyle")
        style = named if named in self._styles else self._default_paragraph
        table = _nearest(paragraph, TBL)
        cell = _nearest(paragraph, TC)
        if table is None:
            readings: tuple[_Styles, ...] = (_Styles(style, None, ()),)
        else:
            named = _val(table.find(f"{W}tblPr"), "tblStyle")
            table_style = named if named in self._styles else self._default_table
            readings = tuple(
                _Styles(style, table_style, conditions)
                for conditions in self._conditions(table, cell, table_style)
            )
        return tuple(
            _View(
                styles,
                self.line_height(paragraph, styles),
                self._behind(paragraph, cell, styles),
            )
            for styles in readings
        )

    def _conditions(
        self, table: etree._Element, cell: etree._Element | None, table_style: str | None
    ) -> tuple[tuple[str, ...], ...]:
        """The table style's formatting types that apply to ``cell``, strongest first, as
        Word reads them (band sizes from the table or its style: 0 for none, at most 3) and,
        where that differs, as LibreOffice does (bands of one): what the table's w:tblLook
        asks for, by the cell's row and column, the bands counted without the header rows
        (the first, and those after it marked w:tblHeader) and the total row and columns."""
        rows, header_rows, look, row_band, column_band = self._table_facts(table, table_style)
        row = _nearest(cell, TR) if cell is not None else None
        r = rows.get(row) if row is not None else None
        if cell is None or row is None or r is None:
            return (("wholeTable",),)
        cells = self._row_cells(row)
        place = _Place(r, cells[cell], len(rows), len(cells), header_rows)
        word = _applying(place, look, row_band, column_band)
        return tuple(dict.fromkeys((word, _applying(place, look, 1, 1))))

    def _row_cells(self, row: etree._Element) -> dict[etree._Element, int]:
        """The cells of a row (not those of tables inside it) and their places, listed once a
        row: listed for each paragraph, a row of N cells cost N * N steps."""
        cells = self._rows.get(row)
        if cells is None:
            listed = (each for each in row.iter(TC) if _nearest(each, TR) is row)
            cells = self._rows[row] = {each: place for place, each in enumerate(listed)}
        return cells

    def _table_facts(
        self, table: etree._Element, table_style: str | None
    ) -> tuple[dict[etree._Element, int], int, frozenset[str], int, int]:
        """What every cell of a table shares, worked out once a table: its rows (with their
        places; rows in content controls too, not those of tables inside it), how many header
        rows it has, its look, and its band sizes as Word reads them."""
        facts = self._tables.get(table)
        if facts is None:
            listed = [row for row in table.iter(TR) if _nearest(row, TBL) is table]
            # The first row, and those right after it marked as header rows.
            header_rows = next(
                (i for i, row in enumerate(listed) if not is_header_row(row)), len(listed)
            )
            facts = (
                {row: place for place, row in enumerate(listed)},
                max(1, header_rows),
                _table_look(table.find(f"{W}tblPr/{W}tblLook")),
                self._band_size(table, table_style, "tblStyleRowBandSize"),
                self._band_size(table, table_style, "tblStyleColBandSize"),
            )
            self._tables[table] = facts
        return facts

    def _band_size(self, table: etree._Element, table_style: str | None, tag: str) -> int:
        """Rows (or columns) to a band, as Word reads it: the table's, else its style's, else
        1; 0 for no banding, and at most 3."""
        read = _BAND_READERS[tag]
        own = table.find(f"{W}tblPr")
        size = read(own) if own is not None else None
        if size is None:
            size = self._from_style(table_style, read, part="tblPr")
        return 1 if size is None else min(size, 3)

    def _behind(
        self, paragraph: etree._Element, cell: etree._Element | None, styles: _Styles
    ) -> str | None:
        """The colour behind the paragraph's text (None: the page): its shading (on it, its
        style, its table's style, the defaults), else its cell's (on the cell, else from its
        table's style). A layer set to no colour lets the one below show."""
        shading = self._paragraph_property(paragraph, styles, _shading)
        if shading:
            return shading
        if cell is None:
            return None
        properties = cell.find(f"{W}tcPr")
        shading = _shading(properties) if properties is not None else None
        if shading is None:  # not set on the cell: as its table's style sets it
            shading = self._table_property(styles, _shading, "tcPr")
        return shading or None

    def _table_property(
        self, styles: _Styles, read: Callable[[etree._Element], T | None], part: _Part
    ) -> T | None:
        """A property from the table style: its formatting for the cell, strongest first,
        else its own."""
        for condition in styles.conditions:
            value = self._from_style(styles.table, read, part=part, condition=condition)
            if value is not None:
                return value
        return self._from_style(styles.table, read, part=part)

    def _paragraph_property(
        self,
        paragraph: etree._Element,
        styles: _Styles,
        read: Callable[[etree._Element], T | None],
    ) -> T | None:
        """A paragraph property as Word resolves it: on the paragraph, else its style, else
        its table's style (each with the styles it is based on), else the defaults."""
        properties = paragraph.find(f"{W}pPr")
        for value in (
            read(properties) if properties is not None else None,
            self._from_style(styles.paragraph, read, part="pPr"),
            self._table_property(styles, read, "pPr"),
            read(self._paragraph_defaults) if self._paragraph_defaults is not None else None,
        ):
            if value is not None:
                return value
        return None

    def line_height(self, paragraph: etree._Element, styles: _Styles) -> float | None:
        """The height (half-points) the paragraph's line spacing holds its lines to, or None
        where they grow to fit their text. ``w:line`` and ``w:lineRule`` are read as a pair
        (the first level that sets ``w:line``, with its rule) and one by one (each the first
        one set), as ECMA-376 and the word processors read them; the lower of the two holds.
        """
        paired = self._paragraph_property(paragraph, styles, _line_and_rule)
        line = self._paragraph_property(paragraph, styles, _LINE)
        rule = self._paragraph_property(paragraph, styles, _LINE_RULE)
        heights = [
            height
            for height in (
                _held_height(*paired) if paired is not None else None,
                _held_height(line, rule) if line is not None else None,
            )
            if height is not None
        ]
        return min(heights, default=None)

    def hidden(self, run: etree._Element, view: _View, *, by_colour: bool = True) -> bool:
        """Whether the run's text cannot be read, in a paragraph laid out as ``view``; without
        ``by_colour``, its colour on what is behind it left aside."""
        styles = view.styles
        properties = run.find(f"{W}rPr")
        character_style = _val(properties, "rStyle")

        def first(read: Callable[[etree._Element], T | None]) -> T | None:
            """A run property as Word resolves it: on the run, else its character style,
            else its paragraph's style, else its table's style, else the document defaults
            (ECMA-376, 17.7.2)."""
            for value in (
                read(properties) if properties is not None else None,
                self._from_style(character_style, read),
                self._from_style(styles.paragraph, read),
                self._table_property(styles, read, "rPr"),
                read(self._defaults) if self._defaults is not None else None,
            ):
                if value is not None:
                    return value
            return None

        if any(first(check) for check in _UNREADABLE):
            return True
        if by_colour and _on_its_own_colour(first(_colour), first(_shading) or view.behind):
            return True
        # The size a reader sees: a right-to-left or complex-script run (w:rtl, w:cs) is set
        # entirely in its complex-script size (w:szCs), as Word and LibreOffice do; in any
        # other run, Arabic, Hebrew, Thai or Indic letters are, and the rest in w:sz.
        if first(_complex_run):
            sizes = [first(_size_complex)]
        else:
            text = "".join(element.text or "" for element in run.iter(TEXT))
            sizes = [first(_size)]
            if _COMPLEX_SCRIPT.search(text) is not None:
                other = any(character.isalnum() for character in _COMPLEX_SCRIPT.sub("", text))
                sizes = [first(_size_complex), *(sizes if other else [])]
        # Raised or lowered text (superscript, subscript) prints at two thirds of its size.
        shown = _RAISED_SCALE if first(_raised) else 1.0
        spacing = first(_spacing)
        printed = [_DEFAULT_HALF_POINTS if size is None else size * shown for size in sizes]
        return any(
            _unreadable(size, spacing) or _clipped(size, view.line_height) for size in printed
        )


def _on_its_own_colour(colour: str | None, background: str | None) -> bool:
    """Text in the very colour of what is behind it (``background``; None: the white page):
    white on the page, black under a black highlight or shading (a redaction made by hand).
    Automatic text colour is never hidden this way: Word turns it white on a dark
    background."""
    if colour is None or colour == "AUTO":
        return False
    return _alike(colour, background or _PAGE)


_PAGE = "FFFFFF"
_HEX_COLOUR = re.compile(r"[0-9A-F]{6}")


def _alike(colour: str, background: str) -> bool:
    """Whether text of one colour cannot be read on the other: their contrast ratio (WCAG's,
    from relative luminance) is below 1.5, far under the 4.5 asked of readable text, so only
    colours a reader takes for the same one (black on #111111, yellow on white) count."""
    if not (_HEX_COLOUR.fullmatch(colour) and _HEX_COLOUR.fullmatch(background)):
        return colour == background
    lighter, darker = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05) < 1.5


def _luminance(colour: str) -> float:
    channels = []
    for start in (0, 2, 4):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _colour(properties: etree._Element) -> str | None:
    value = _val(properties, "color")
    return None if value is None else value.upper()


def _shading(properties: etree._Element | None) -> str | None:
    """The colour a run's (or paragraph's, or cell's) highlight or shading paints behind its
    text, as RRGGBB; "" where it is set to none (no colour: what is below shows, and a style
    below it does not count); None where it is not set."""
    if properties is None:
        return None
    highlight = _val(properties, "highlight")
    if highlight is not None and highlight != "none":
        return _HIGHLIGHTS.get(highlight, "")
    shading = properties.find(f"{W}shd")
    if shading is None:
        return "" if highlight == "none" else None
    # A solid pattern paints its pattern colour (Word's Shading dialog writes "Solid (100%)"
    # that way); any other is taken as its fill, which most of it shows.
    if shading.get(f"{W}val") == "solid":
        colour = shading.get(f"{W}color")
        if colour is not None and colour.lower() != "auto":
            return colour.upper()
    fill = shading.get(f"{W}fill")
    if fill is None or fill.lower() == "auto":
        return ""
    return fill.upper()


# Word's highlight colours (ST_HighlightColor), as RRGGBB.
_HIGHLIGHTS = {
    "black": "000000",
    "blue": "0000FF",
    "cyan": "00FFFF",
    "green": "00FF00",
    "magenta": "FF00FF",
    "red": "FF0000",
    "yellow": "FFFF00",
    "white": "FFFFFF",
    "darkBlue": "000080",
    "darkCyan": "008080",
    "darkGreen": "008000",
    "darkMagenta": "800080",
    "darkRed": "800000",
    "darkYellow": "808000",
    "darkGray": "808080",
    "lightGray": "C0C0C0",
}


def _val(properties: etree._Element | None, tag: str) -> str | None:
    element = properties.find(f"{W}{tag}") if properties is not None else None
    return element.get(f"{W}val") if element is not None else None


def _toggle(properties: etree._Element, *tags: str) -> bool | None:
    """True/False where one of these on/off properties is set, else None."""
    for tag in tags:
        element = properties.find(f"{W}{tag}")
        if element is not None:
            return element.get(f"{W}val", "true").lower() not in OFF
    return None


def _vanish(properties: etree._Element) -> bool | None:
    return _toggle(properties, "vanish", "specVanish")


def _struck(properties: etree._Element) -> bool | None:
    return _toggle(properties, "strike", "dstrike")


# Below 6 points (12 half-points) a line is no longer something a patient can read.
_MIN_READABLE_HALF_POINTS = 12


def _complex_run(properties: etree._Element) -> bool | None:
    """True if w:rtl or w:cs is on here, False if one is set and none on, None if neither is."""
    verdicts = [_toggle(properties, tag) for tag in ("rtl", "cs")]
    if any(verdicts):
        return True
    return None if verdicts == [None, None] else False


# Letters Word and LibreOffice set in a run's complex-script font and size: Hebrew, Arabic,
# Syriac, Thaana, N'Ko, Samaritan, Mandaic; the Indic scripts; Thai, Lao, Tibetan, Myanmar,
# Khmer; and the Hebrew and Arabic presentation forms.
_COMPLEX_SCRIPT = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufeff]"
)


def _squeezed(properties: etree._Element) -> bool | None:
    """Letters scaled to less than half their width (w:w, a percentage): at 1% a disclosure
    prints as a sliver."""
    scale = _measure(properties, "w", per_point=None, otherwise=0.0)
    return None if scale is None else scale < _MIN_READABLE_SCALE


_MIN_READABLE_SCALE = 50


def _raised(properties: etree._Element) -> bool | None:
    align = _val(properties, "vertAlign")
    return None if align is None else align in ("superscript", "subscript")


# Word and LibreOffice print superscript and subscript at about two thirds of the size.
_RAISED_SCALE = 2 / 3
# What Word sets text in where nothing gives a size: 10 points.
_DEFAULT_HALF_POINTS = 20.0


def _unreadable(half_points: float, spacing: float | None) -> bool:
    """Text of this size (as printed) is too small to read, or its letters are condensed
    (w:spacing, in twentieths of a point) by more than a third of it, into each other."""
    if half_points < _MIN_READABLE_HALF_POINTS:
        return True
    return spacing is not None and spacing < -half_points * 10 / 3


# OOXML gives these as a number in the property's own unit, or as a "universal measure"
# ("-10pt", "2mm"), or a scale as a percentage ("1%"): points per unit.
_POINTS = {"pt": 1.0, "pc": 12.0, "pi": 12.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}
_MEASURE = re.compile(r"([-+]?[0-9]+(?:\.[0-9]+)?)(pt|pc|pi|in|cm|mm|%)?")


def _measure(
    properties: etree._Element, tag: str, per_point: float | None, otherwise: float
) -> float | None:
    """A size, spacing or scale in the property's own unit (``per_point`` of them make a
    point; None for a percentage), or None where it is not set. A value that is none of
    OOXML's forms reads as ``otherwise``, chosen so that it never passes for readable text."""
    value = _val(properties, tag)
    return None if value is None else _in_units(value, per_point, otherwise)


def _in_units(value: str, per_point: float | None, otherwise: float) -> float:
    """A value in its own unit (``per_point`` of them make a point; None for a percentage),
    or ``otherwise`` where it is none of OOXML's forms."""
    found = _MEASURE.fullmatch(value.strip())
    if found is None:
        return otherwise
    number, unit = float(found.group(1)), found.group(2)
    if unit is None or unit == "%":
        return number
    return number * _POINTS[unit] * (per_point or 1.0)


def _size(properties: etree._Element) -> float | None:
    return _measure(properties, "sz", per_point=2, otherwise=0.0)  # half-points


def _size_complex(properties: etree._Element) -> float | None:
    return _measure(properties, "szCs", per_point=2, otherwise=0.0)


def _spacing(properties: etree._Element) -> float | None:
    # (in twentieths of a point)
    return _measure(properties, "spacing", per_point=20, otherwise=float("-inf"))


def _spacing_attribute(name: str) -> Callable[[etree._Element], str | None]:
    """A reader of one attribute of ``w:spacing`` (``line``, ``lineRule``) where it is set."""

    def read(properties: etree._Element) -> str | None:
        spacing = properties.find(f"{W}spacing")
        return spacing.get(f"{W}{name}") if spacing is not None else None

    return read


_LINE, _LINE_RULE = _spacing_attribute("line"), _spacing_attribute("lineRule")


def _line_and_rule(properties: etree._Element) -> tuple[str, str | None] | None:
    """``w:line`` and the ``w:lineRule`` beside it, where ``w:line`` is set."""
    spacing = properties.find(f"{W}spacing")
    line = spacing.get(f"{W}line") if spacing is not None else None
    return None if spacing is None or line is None else (line, spacing.get(f"{W}lineRule"))


def _held_height(line: str, rule: str | None) -> float | None:
    """The height (half-points) lines of this spacing are held to, or None where they grow to
    fit their text. ``exact`` holds them to ``line`` (twentieths of a point); ``auto`` is a
    multiple of the line (``line``/240), and below half a line the lines overlap; ``atLeast``
    grows. No rule is ``auto`` to ECMA-376 and ``exact`` to LibreOffice: the lower holds, as it
    does for a rule that is none of the three. A negative height hides the paragraph in
    LibreOffice, whatever the rule; a height in none of OOXML's forms is never readable."""
    # (A percentage is no form of a height; an unreadable value reads as negative.)
    twips = -1.0 if line.strip().endswith("%") else _in_units(line, per_point=20, otherwise=-1.0)
    if twips < 0:
        return 0.0
    exact = twips / 10
    overlapping = 0.0 if twips < _HALF_A_LINE else None
    if rule == "exact":
        return exact
    if rule == "atLeast":
        return None
    if rule == "auto":
        return overlapping
    return exact if overlapping is None else overlapping


# w:line of an "auto" spacing is in 240ths of a line: below 120 the lines overlap by half.
_HALF_A_LINE = 120


def _clipped(half_points: float, line_height: float | None) -> bool:
    """Text of this size (as printed) in lines held to this height loses its letters: the
    line is below the smallest readable size, or below half the text's own size (Word cuts
    off what does not fit in an exact line; LibreOffice draws the lines over each other)."""
    if line_height is None:
        return False
    return line_height < max(_MIN_READABLE_HALF_POINTS, half_points / 2)


_UNREADABLE: tuple[Callable[[etree._Element], bool | None], ...] = (_vanish, _struck, _squeezed)


def paragraph_text(
    paragraph: etree._Element, visibility: Visibility, *, by_colour: bool = True
) -> str:
    """The paragraph's text a reader sees; without ``by_colour``, whatever its colour on what
    is behind it (Visibility.hidden)."""
    views = visibility.views_of(paragraph)
    return _text(
        paragraph,
        lambda run: any(visibility.hidden(run, view, by_colour=by_colour) for view in views),
    )


def written_text(paragraph: etree._Element) -> str:
    """The paragraph's words however they are formatted: what it says, not what shows."""
    return _text(paragraph, lambda run: False)


def heading_text(paragraph: etree._Element, visibility: Visibility) -> str:
    """The paragraph's text as a heading reads, whatever its colour (Word's own table styles
    print a header row white on a pale fill): its words not hidden, struck through, too small
    or clipped. Characters drawn otherwise than as text (w:sym, a drawing, a text box's shape,
    an embedded object) read as U+FFFD: they could print any word."""
    return _with_drawn(paragraph, paragraph_text(paragraph, visibility, by_colour=False))


def shown_text(paragraph: etree._Element, visibility: Visibility) -> str:
    """The paragraph's text as it prints, colour and all (paragraph_text), with U+FFFD for
    characters drawn otherwise than as text (w:sym, drawings, shapes, objects), which could
    print any word: a label over a checklist box read as it shows."""
    return _with_drawn(paragraph, paragraph_text(paragraph, visibility))


def _with_drawn(paragraph: etree._Element, text: str) -> str:
    return f"{text}\ufffd" if draws(paragraph) else text


def draws(paragraph: etree._Element) -> bool:
    """Whether the paragraph prints something other than text: a symbol, a drawing, a VML
    shape or an embedded object of its own."""
    return any(_owner(element) is paragraph for tag in _DRAWN for element in paragraph.iter(tag))


# What prints in a run besides its text: symbols, drawings, VML shapes, embedded objects.
_DRAWN = (f"{W}sym", f"{W}drawing", f"{W}pict", f"{W}object")


def _text(paragraph: etree._Element, hidden: Callable[[etree._Element], bool]) -> str:
    pieces = []
    for run in paragraph.iter(R):
        if _owner(run) is not paragraph or hidden(run):
            continue
        for element in run:
            if element.tag == TEXT:
                # A line feed or carriage return written inside w:t prints as a space (Word,
                # LibreOffice): only w:br and w:cr break the line.
                pieces.append((element.text or "").replace("\r", " ").replace("\n", " "))
            elif element.tag == TAB:
                pieces.append("\t")
            elif element.tag in (BR, CR):
                pieces.append("\n")
            elif element.tag in _HYPHENS:
                # U+00AD and U+2011 as Word and LibreOffice save them: the text is unchanged.
                pieces.append(_HYPHENS[element.tag])
    return "".join(pieces)


_HYPHENS = {SOFT_HYPHEN: "\u00ad", NO_BREAK_HYPHEN: "\u2011"}


def lines_to_sign_on(row: etree._Element) -> int:
    """The cells of a signer's row drawn as lines to write on: a bottom border that shows."""
    lines = 0
    for cell in row.iterchildren(TC):
        bottom = cell.find(f"{W}tcPr/{W}tcBorders/{W}bottom")
        if bottom is not None and bottom.get(f"{W}val", "single") not in ("nil", "none"):
            colour = bottom.get(f"{W}color", "auto").upper()
            lines += bottom.get(f"{W}sz", "1") != "0" and not _alike(colour, _PAGE)
    return lines


def _owner(element: etree._Element) -> etree._Element | None:
    """The paragraph an element belongs to, or None inside a compatibility fallback (which a
    reader sees only where the preferred content cannot be shown) or a tracked deletion or
    move away (w:del, w:moveFrom): read as the form is once its changes are accepted, which
    is how Word shows it without markup. A deleted line break then breaks no line, and moved
    words count only where they were moved to."""
    for ancestor in element.iterancestors():
        if ancestor.tag == FALLBACK or ancestor.tag in REMOVED:
            return None
        if ancestor.tag == P:
            return ancestor
    return None
