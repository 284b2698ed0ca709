"""The parts of a consent DOCX that do not depend on the patient: styles, numbering, settings,
relationships and content types. Built once per language and reused (see ``docx.py``).

Styles use Word's built-in names ("heading 1", "List Bullet", "Table Grid", ...) so that Word,
LibreOffice and python-docx all recognise them as the real thing: the navigation pane shows the
headings, "List Bullet" paragraphs are real lists, and screen readers announce both.
"""

from __future__ import annotations

from mesoconsent.writers.wordml import NAMESPACES, XML_DECLARATION, border_set, escape_text

# Page sizes in twips (twentieths of a point): A4 is 210 x 297 mm, US Letter 8.5 x 11 in.
PAGE_SIZES = {"A4": (11906, 16838), "Letter": (12240, 15840)}
# The text block is 9298 twips (164 mm) wide on either paper, so that every table and column
# is laid out once, for both: the side margins take the difference (23 mm on A4, 26 mm on
# Letter, which is about Word's inch there). Top and bottom margins are 22 mm on both.
TEXT_WIDTH = 9298
MARGIN_TOP = MARGIN_BOTTOM = 1247

BULLET_NUM_ID = 1
# Ordered lists each get their own w:num (from 2 up) so that each one starts again at 1.
FIRST_ORDERED_NUM_ID = 2

BODY_FONT = "Calibri"
# Complex-script text (Arabic) takes the w:cs font. Calibri has no Arabic letters; Arial has, on
# Windows and macOS, and LibreOffice substitutes a metric-compatible font that does too.
COMPLEX_SCRIPT_FONT = "Arial"
# Chinese, Japanese and Korean text takes the w:eastAsia font, and Calibri has no kana, hanzi
# or hangul: Word then draws it in a font of its own choosing (a serif Mincho beside the sans
# Calibri). Each script gets the sans-serif font Windows ships for it (Word elsewhere, and
# LibreOffice, substitute one of the same script).
EAST_ASIAN_FONTS = {
    "ja": "Yu Gothic",
    "ko": "Malgun Gothic",
    "zh-Hans": "Microsoft YaHei",
    "zh-Hant": "Microsoft JhengHei",
}
# The language Word gives the Latin text (names, addresses, products) of such a form, as in
# its own Japanese, Chinese and Korean documents: marked Japanese, LibreOffice breaks a Latin
# word anywhere ("Hyaluronic acid ... trea|tment notes").
EAST_ASIAN_LATIN_LANGUAGE = "en-US"
# A font with the ballot-box glyphs (U+2610, U+2612) on Windows; others substitute one.
SYMBOL_FONT = "Segoe UI Symbol"
ACCENT = "1F3864"

CONTENT_TYPES = (
    XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
    "</Types>"
)

CORE_NAMESPACES = (
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)

PACKAGE_RELS = (
    XML_DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
    "</Relationships>"
)

DOCUMENT_RELS = (
    XML_DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
    '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
    '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>'
    "</Relationships>"
)


def section_properties(paper_size: str, rtl: bool) -> str:
    """``<w:sectPr>`` of the form's one section: its page size and margins, header and footer,
    and for a right-to-left form its direction (columns, page-number alignment, gutter)."""
    width, height = PAGE_SIZES[paper_size]
    side = (width - TEXT_WIDTH) // 2
    return (
        '<w:sectPr><w:headerReference w:type="default" r:id="rId4"/>'
        '<w:footerReference w:type="default" r:id="rId5"/>'
        f'<w:pgSz w:w="{width}" w:h="{height}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{side}" w:bottom="{MARGIN_BOTTOM}" '
        f'w:left="{side}" w:header="567" w:footer="567" w:gutter="0"/>'
        f"{'<w:bidi/>' if rtl else ''}</w:sectPr>"
    )


def _paragraph_style(
    style_id: str,
    name: str,
    ppr: str = "",
    rpr: str = "",
    *,
    based_on: str = "Normal",
    next_style: str | None = None,
) -> str:
    next_element = f'<w:next w:val="{next_style}"/>' if next_style else ""
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f'<w:basedOn w:val="{based_on}"/>{next_element}<w:qFormat/>'
        f"<w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
    )


def styles_xml(language: str, bidi: bool) -> str:
    """``word/styles.xml`` with the document language set on the default run properties."""
    rtl_ppr = "<w:bidi/>" if bidi else ""
    cs_font = COMPLEX_SCRIPT_FONT if bidi else BODY_FONT
    east_asian = east_asian_font(language) or BODY_FONT
    heading_ppr = '<w:keepNext/><w:keepLines/><w:spacing w:before="280" w:after="100"/>'
    grid_borders = border_set(
        "tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"), color="808080"
    )
    cell_margins = (
        '<w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>'
        '<w:bottom w:w="60" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar>'
    )
    return (
        XML_DECLARATION + f"<w:styles {NAMESPACES}>"
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'<w:rFonts w:ascii="{BODY_FONT}" w:hAnsi="{BODY_FONT}" w:eastAsia="{east_asian}" '
        f'w:cs="{cs_font}"/><w:sz w:val="22"/><w:szCs w:val="22"/>'
        f"<w:lang {_language_attributes(language, bidi)}/>"
        "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
        f'{rtl_ppr}<w:spacing w:after="120" w:line="264" w:lineRule="auto"/>'
        "</w:pPr></w:pPrDefault></w:docDefaults>"
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        "<w:qFormat/></w:style>"
        + _paragraph_style(
            "Title",
            "Title",
            '<w:keepNext/><w:spacing w:after="200"/>',
            f'<w:b/><w:bCs/><w:color w:val="{ACCENT}"/><w:sz w:val="36"/><w:szCs w:val="36"/>',
            next_style="Normal",
        )
        + _paragraph_style(
            "Heading1",
            "heading 1",
            heading_ppr + '<w:outlineLvl w:val="0"/>',
            f'<w:b/><w:bCs/><w:color w:val="{ACCENT}"/><w:sz w:val="28"/><w:szCs w:val="28"/>',
            next_style="Normal",
        )
        + _paragraph_style(
            "Heading2",
            "heading 2",
            heading_ppr + '<w:outlineLvl w:val="1"/>',
            '<w:b/><w:bCs/><w:sz w:val="24"/><w:szCs w:val="24"/>',
            next_style="Normal",
        )
        + _paragraph_style(
            "ListBullet",
            "List Bullet",
            f'<w:numPr><w:numId w:val="{BULLET_NUM_ID}"/></w:numPr><w:spacing w:after="80"/>'
            '<w:ind w:left="360" w:hanging="360"/>',
        )
        + _paragraph_style(
            "ListNumber",
            "List Number",
            '<w:spacing w:after="80"/><w:ind w:left="360" w:hanging="360"/>',
        )
        + _paragraph_style(
            "Header",
            "header",
            "",
            '<w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/>',
        )
        + _paragraph_style(
            "Footer",
            "footer",
            '<w:jc w:val="center"/>',
            '<w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/>',
        )
        + _paragraph_style("TableText", "Table Text", '<w:spacing w:after="0"/>', based_on="Normal")
        + _paragraph_style(
            "SignatureCaption",
            "Signature Caption",
            '<w:spacing w:after="0"/>',
            '<w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/>',
        )
        + '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        f'<w:uiPriority w:val="99"/><w:semiHidden/><w:tblPr>{cell_margins}</w:tblPr></w:style>'
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/>'
        f'<w:basedOn w:val="TableNormal"/><w:tblPr>{grid_borders}{cell_margins}</w:tblPr></w:style>'
        "</w:styles>"
    )


def east_asian_font(language: str) -> str | None:
    """The w:eastAsia font of a form in ``language`` (a BCP 47 tag, as language_tag makes
    it), or None if it is not written in Chinese, Japanese or Korean script. Chinese is
    Traditional where the tag names that script or a region that writes it (zh-TW, zh-HK)."""
    subtags = language.split("-")
    if subtags[0] != "zh":
        return EAST_ASIAN_FONTS.get(subtags[0])
    traditional = "Hant" in subtags or (
        "Hans" not in subtags and any(region in subtags for region in ("TW", "HK", "MO"))
    )
    return EAST_ASIAN_FONTS["zh-Hant" if traditional else "zh-Hans"]


def _language_attributes(language: str, bidi: bool, east_asian: bool = True) -> str:
    """The w:val, w:eastAsia and w:bidi of a w:lang (or, ``east_asian`` False, of the
    w:themeFontLang, which names an East Asian language only in a form written in one): the
    form's language, but the Latin text of a Chinese, Japanese or Korean form in
    EAST_ASIAN_LATIN_LANGUAGE."""
    cjk = east_asian_font(language) is not None
    latin = EAST_ASIAN_LATIN_LANGUAGE if cjk else language
    east_asian_lang = f' w:eastAsia="{language}"' if east_asian or cjk else ""
    # The complex-script language is only meaningful for a right-to-left language.
    bidi_lang = f' w:bidi="{language}"' if bidi else ""
    return f'w:val="{latin}"{east_asian_lang}{bidi_lang}'


def numbering_xml(ordered_lists: int) -> str:
    """``word/numbering.xml``: one bullet list definition, and a fresh count per ordered list."""
    bullet = (
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        '<w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="360" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>'
    )
    decimal = (
        '<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="360" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>'
    )
    nums = [f'<w:num w:numId="{BULLET_NUM_ID}"><w:abstractNumId w:val="0"/></w:num>']
    nums.extend(
        f'<w:num w:numId="{FIRST_ORDERED_NUM_ID + index}"><w:abstractNumId w:val="1"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        for index in range(ordered_lists)
    )
    return (
        XML_DECLARATION
        + f"<w:numbering {NAMESPACES}>{bullet}{decimal}{''.join(nums)}</w:numbering>"
    )


def settings_xml(language: str, bidi: bool) -> str:
    return (
        XML_DECLARATION + f"<w:settings {NAMESPACES}>"
        '<w:zoom w:percent="100"/><w:defaultTabStop w:val="709"/>'
        '<w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" '
        'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        f"<w:themeFontLang {_language_attributes(language, bidi, east_asian=False)}/>"
        "</w:settings>"
    )


CUSTOM_PROPERTY_FORMAT = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one Word uses


def custom_xml_start(properties: list[tuple[str, str]]) -> str:
    """``docProps/custom.xml`` (named text properties, shown in Word's File > Properties >
    Custom and readable by document-management software) up to its end, CUSTOM_XML_END,
    which more properties (custom_property) may come before."""
    return (
        XML_DECLARATION
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        + "".join(
            custom_property(pid, name, value)
            for pid, (name, value) in enumerate(properties, start=2)  # pids start at 2
        )
    )


def custom_property(pid: int, name: str, value: str) -> str:
    esc = escape_text
    return (
        f'<property fmtid="{CUSTOM_PROPERTY_FORMAT}" pid="{pid}" name="{esc(name)}">'
        f"<vt:lpwstr>{esc(value)}</vt:lpwstr></property>"
    )


CUSTOM_XML_END = "</Properties>"


def app_xml(generator: str) -> str:
    return (
        XML_DECLARATION
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Application>{generator}</Application><DocSecurity>0</DocSecurity></Properties>"
    )
