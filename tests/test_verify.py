"""verify re-reads a DOCX and catches every edit that removes or changes a disclosure."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

import mesoconsent
from mesoconsent import DocumentReadError
from mesoconsent.coverage import value_digest
from mesoconsent.stored_form import BEFORE_VALUES
from tests.helpers import answered, docx_paragraph_texts, docx_part, example, present, reasons

CLOTTING = "If you have ever had a blood clotting disorder"


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return mesoconsent.render(example()).content


def edited(data: bytes, change: Callable[[docx.document.Document], None]) -> bytes:
    """Open with python-docx, change, save: what a script or a person in Word would do."""
    document = docx.Document(io.BytesIO(data))
    change(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def paragraph_with(document: docx.document.Document, start: str) -> Paragraph:
    for element in document.element.body.iter(qn("w:p")):
        paragraph = Paragraph(element, document)
        if paragraph.text.startswith(start):
            return paragraph
    raise AssertionError(f"no paragraph starts with {start!r}")


def test_fresh_document_verifies(rendered: bytes) -> None:
    report = mesoconsent.verify(rendered)
    assert report.ok
    assert (report.procedure, report.template_version, report.locale) == (
        "mesotherapy",
        "1.2.0",
        "en",
    )


def test_resaved_without_changes_still_verifies(rendered: bytes) -> None:
    assert mesoconsent.verify(edited(rendered, lambda document: None)).ok


def test_deleting_the_clotting_paragraph_is_caught(rendered: bytes) -> None:
    def delete(document: docx.document.Document) -> None:
        element = paragraph_with(document, CLOTTING)._p
        present(element.getparent()).remove(element)

    report = mesoconsent.verify(edited(rendered, delete))
    assert not report.ok
    assert reasons(report.problems) == [("contraindications.clotting_disorders", "missing")]


def test_emptying_a_disclosure_is_caught(rendered: bytes) -> None:
    def empty(document: docx.document.Document) -> None:
        for run in paragraph_with(document, "Infection. This is rare").runs:
            run.text = ""

    problems = mesoconsent.verify(edited(rendered, empty)).problems
    assert reasons(problems) == [("risks.rare_infection", "empty")]


def test_softening_a_risk_is_caught(rendered: bytes) -> None:
    def soften(document: docx.document.Document) -> None:
        paragraph = paragraph_with(document, "Infection. This is rare")
        paragraph.runs[0].text = "Infection. This is rare and not serious."

    problems = mesoconsent.verify(edited(rendered, soften)).problems
    assert reasons(problems) == [("risks.rare_infection", "altered")]


def test_splitting_runs_and_dropping_bookmarks_keeps_the_words_but_fails_the_form(
    rendered: bytes,
) -> None:
    """Editors split runs and may drop bookmarks; the words alone still count as disclosures,
    but a form whose checklist and signature lines cannot be found is not passed: it used to
    be, with a note, so a form without health answers or anything to sign verified OK."""

    def churn(document: docx.document.Document) -> None:
        body = document.element.body
        for tag in ("w:bookmarkStart", "w:bookmarkEnd"):
            for element in list(body.iter(qn(tag))):
                present(element.getparent()).remove(element)
        paragraph = paragraph_with(document, CLOTTING)
        text = paragraph.text
        paragraph.runs[0].text = text[:10]
        paragraph.add_run(text[10:])

    report = mesoconsent.verify(edited(rendered, churn))
    assert not report.ok
    assert reasons(report.problems) == [
        (
            "document",
            "its marks were removed by an editor, so its health-question checklist and "
            "signature lines cannot be checked (the disclosures were found by their words)",
        )
    ]


def test_a_paragraph_split_as_libreoffice_saves_it_still_verifies(rendered: bytes) -> None:
    # LibreOffice saves a bookmark over a paragraph split in two as a start in the first
    # paragraph that never ends, and a second start of the same name, with its end, in the
    # second: one bookmark, not the disclosure stated twice.
    def split_scarring(xml: str) -> str:
        match = re.search(
            r'<w:bookmarkStart w:id="(\d+)" w:name="([^"]+)"/><w:r><w:t>Scarring\. '
            r"(This is rare, but it is a serious side effect\.)</w:t></w:r>"
            r'<w:bookmarkEnd w:id="\1"/></w:p>',
            xml,
        )
        assert match is not None
        mark, name, rest = match.groups()
        again = str(int(mark) + 1000)
        return xml.replace(
            match.group(0),
            f'<w:bookmarkStart w:id="{mark}" w:name="{name}"/><w:r><w:t>Scarring.</w:t></w:r>'
            f'</w:p><w:p><w:pPr><w:pStyle w:val="ListBullet"/></w:pPr>'
            f'<w:bookmarkStart w:id="{again}" w:name="{name}"/><w:r><w:t>{rest}</w:t></w:r>'
            f'<w:bookmarkEnd w:id="{again}"/></w:p>',
        )

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": split_scarring})).ok


@pytest.mark.parametrize(
    ("stated", "replacement", "disclosure"),
    [
        (
            "contact Riverside Aesthetic Clinic at +44 20 7946 0000.",
            "contact no one at any time, we are closed.",
            "consent.complications_contact",
        ),
        ("+44 20 7946 0000.", "+44 20 7946 0001.", "consent.complications_contact"),
        ("Areas to be treated: face and neck", "Areas to be treated: -", "consent.plan_areas"),
    ],
)
def test_a_value_changed_in_a_stated_disclosure_is_found(
    rendered: bytes, stated: str, replacement: str, disclosure: str
) -> None:
    # The words around the clinic's name and phone were checked, the values only for saying
    # something: "contact no one at any time, we are closed." verified OK (a review).
    def change(xml: str) -> str:
        assert stated in xml
        return xml.replace(stated, replacement, 1)

    report = mesoconsent.verify(rewritten(rendered, {"word/document.xml": change}))
    assert reasons(report.problems) == [(disclosure, "altered")]


def test_values_survive_a_save_in_word_or_libreoffice_unchanged(rendered: bytes) -> None:
    def split_runs(document: docx.document.Document) -> None:
        paragraph = paragraph_with(document, "If you have a problem or a concern")
        text = paragraph.text
        cut = text.index(" at +44")  # runs split, and a space doubled, around the phone
        paragraph.runs[0].text = text[:cut] + " "
        paragraph.add_run(text[cut:])

    assert mesoconsent.verify(edited(rendered, split_runs)).ok


def test_not_a_docx_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "form.docx"
    bogus.write_bytes(b"%PDF-1.7 not a zip")
    with pytest.raises(DocumentReadError, match="not a DOCX"):
        mesoconsent.verify(bogus)


def test_foreign_docx_without_identifier_needs_procedure_and_locale(tmp_path: Path) -> None:
    path = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("Dear patient")
    document.save(str(path))
    with pytest.raises(DocumentReadError, match="does not record"):
        mesoconsent.verify(path)
    report = mesoconsent.verify(path, procedure="mesotherapy", locale="en")
    assert [p.disclosure_id for p in report.problems] == [
        *mesoconsent.default_engine().required_disclosures("mesotherapy"),
        "document",  # (no marks: its checklist and signature lines cannot be found)
    ]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize(
    ("locale", "flagged"), [("en", False), ("en", True), ("ar", True), ("ru", False)]
)
def test_libreoffice_round_trip_verifies(tmp_path: Path, locale: str, flagged: bool) -> None:
    # Flagged: the alert's bookmark, over several paragraphs of a table cell, survives too.
    answers = dict(example().screening)
    if flagged:
        answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
        answers["other_conditions"] = mesoconsent.ScreeningAnswer(True, "Asthma")
    request = attrs.evolve(example(), locale=locale, screening=answers)
    rendered = mesoconsent.default_engine().render_quietly(request).content
    source = tmp_path / "in" / "form.docx"
    source.parent.mkdir()
    source.write_bytes(rendered)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = (tmp_path / "out" / "form.docx").read_bytes()
    assert resaved != rendered
    # Each box's label (its column's heading) came back after it.
    labelled = [t for t in docx_paragraph_texts(resaved) if t[:2] in ("\u2610 ", "\u2612 ")]
    assert len(labelled) == 8, docx_paragraph_texts(resaved)
    report = mesoconsent.verify(resaved)
    assert report.ok, report.problems


def rewritten(
    data: bytes, changes: dict[str, Callable[[str], str]], extra: dict[str, str] | None = None
) -> bytes:
    """The same package with some parts' XML text changed (or added)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            text = source.read(info).decode()
            change = changes.get(info.filename)
            changed = change(text) if change else text
            # A change that finds nothing to change tests the unchanged form: never meant.
            assert change is None or changed != text, f"{info.filename} left unchanged"
            target.writestr(info.filename, changed)
        for name, text in (extra or {}).items():
            target.writestr(name, text)
    return out.getvalue()


def with_identifier(form: bytes, identifier: str) -> bytes:
    """The form with the identifier its core properties record (urn:mesoconsent:...) replaced."""

    def replace(xml: str) -> str:
        return re.sub(r"urn:mesoconsent:[^<]*", identifier, xml, count=1)

    return rewritten(form, {"docProps/core.xml": replace})


class Calls:
    """How many times a function was called since :func:`counting` replaced it."""

    count = 0


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Calls:
    """Count the calls of ``module.name`` (still made): work done once per paragraph, row or
    cell stays linear however a crafted file nests or repeats them."""
    original = getattr(module, name)
    calls = Calls()

    def counted(*args: Any) -> Any:
        calls.count += 1
        return original(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_hidden_text_does_not_count(rendered: bytes) -> None:
    def hide_infection(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, start)
        return xml[:run] + "<w:r><w:rPr><w:vanish/></w:rPr>" + xml[run + len("<w:r>") :]

    problems = mesoconsent.verify(
        rewritten(rendered, {"word/document.xml": hide_infection})
    ).problems
    assert reasons(problems) == [("risks.rare_infection", "empty")]


@pytest.mark.parametrize(
    "formatting",
    [
        '<w:color w:val="FFFFFF"/>',  # white on white
        '<w:sz w:val="2"/><w:szCs w:val="2"/>',  # 1 point
        "<w:strike/>",  # reads as deleted
        "<w:dstrike/>",
        # blacked out by hand: black text under a black highlight or shading
        '<w:color w:val="000000"/><w:highlight w:val="black"/>',
        '<w:color w:val="000000"/><w:shd w:val="clear" w:color="auto" w:fill="000000"/>',
        '<w:color w:val="FFFF00"/><w:highlight w:val="yellow"/>',
        '<w:color w:val="111111"/><w:highlight w:val="black"/>',  # near enough to black
        # Word's "Solid (100%)" shading paints its pattern colour, not its fill
        '<w:color w:val="000000"/><w:shd w:val="solid" w:color="000000" w:fill="FFFFFF"/>',
        # a complex-script run (w:cs on, whatever w:rtl says) is set in its w:szCs size
        '<w:rtl w:val="0"/><w:cs/><w:sz w:val="24"/><w:szCs w:val="2"/>',
        # These used to count (a review): letters scaled to 1% of their width (Format >
        # Character > Position in LibreOffice, Font > Advanced > Scale in Word), 7-point
        # text raised or lowered (printed at two thirds of its size), letters condensed
        # into each other, and default-sized text condensed by 10 points.
        '<w:w w:val="1"/>',
        '<w:w w:val="33"/>',
        '<w:vertAlign w:val="superscript"/><w:sz w:val="14"/>',
        '<w:vertAlign w:val="subscript"/><w:sz w:val="14"/>',
        '<w:sz w:val="22"/><w:spacing w:val="-100"/>',
        '<w:spacing w:val="-200"/>',
        # The same in the other forms OOXML allows for them (percentages, units), which
        # LibreOffice lays out alike; they used to count as not set.
        '<w:w w:val="1%"/>',
        '<w:spacing w:val="-10pt"/>',
        '<w:sz w:val="1pt"/><w:szCs w:val="1pt"/>',
        '<w:sz w:val="2mm"/><w:szCs w:val="2mm"/>',
        # and a value that is none of them is not taken for readable text
        '<w:w w:val="wide"/>',
        '<w:spacing w:val="tight"/>',
    ],
)
def test_text_formatted_out_of_sight_does_not_count(rendered: bytes, formatting: str) -> None:
    def disguise_infection(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, start)
        return xml[:run] + f"<w:r><w:rPr>{formatting}</w:rPr>" + xml[run + len("<w:r>") :]

    problems = mesoconsent.verify(
        rewritten(rendered, {"word/document.xml": disguise_infection})
    ).problems
    assert reasons(problems) == [("risks.rare_infection", "empty")]


ARABIC_INFECTION = "العدوى. هذا نادر الحدوث"


@pytest.mark.parametrize(
    ("size", "hidden"),
    [
        # A right-to-left run is set in its complex-script size, as Word and LibreOffice do:
        # 1 point there hides it, whatever w:sz says; 1 point in w:sz alone does not.
        ('<w:szCs w:val="2"/>', True),
        ('<w:sz w:val="2"/>', False),
    ],
)
def test_right_to_left_text_is_read_in_its_complex_script_size(size: str, hidden: bool) -> None:
    arabic = mesoconsent.render(attrs.evolve(example(), locale="ar")).content

    def resize_infection(xml: str) -> str:
        start = xml.index(ARABIC_INFECTION)
        properties = xml.rindex("<w:rPr><w:rtl/>", 0, start) + len("<w:rPr><w:rtl/>")
        return xml[:properties] + size + xml[properties:]

    problems = mesoconsent.verify(
        rewritten(arabic, {"word/document.xml": resize_infection})
    ).problems
    expected = [("risks.rare_infection", "empty")] if hidden else []
    assert reasons(problems) == expected


@pytest.mark.parametrize(
    ("size", "hidden"),
    [('<w:szCs w:val="2"/>', True), ('<w:sz w:val="2"/>', False)],
)
def test_arabic_letters_in_a_left_to_right_run_are_read_in_the_complex_script_size(
    rendered: bytes, size: str, hidden: bool
) -> None:
    # The English form's infection risk, reworded into Arabic letters by hand in a run that
    # is not marked right to left: those letters take w:szCs too.
    def arabic_infection(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, start)
        end = xml.index("</w:r>", start)
        arabic = f"<w:r><w:rPr>{size}</w:rPr><w:t>{ARABIC_INFECTION}</w:t></w:r>"
        return xml[:run] + arabic + xml[end + len("</w:r>") :]

    problems = mesoconsent.verify(
        rewritten(rendered, {"word/document.xml": arabic_infection})
    ).problems
    expected = "empty" if hidden else "altered"  # shown, but not the English wording
    assert reasons(problems) == [("risks.rare_infection", expected)]


@pytest.mark.parametrize(
    "formatting",
    [
        '<w:color w:val="000000"/><w:highlight w:val="yellow"/>',  # a highlighter pen
        '<w:highlight w:val="black"/>',  # automatic colour: Word writes it in white
        '<w:color w:val="FFFFFF"/><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/>',
        '<w:color w:val="FFFFFF"/><w:shd w:val="solid" w:color="000000" w:fill="FFFFFF"/>',
        '<w:color w:val="999999"/>',  # grey on white: pale, but readable
        # narrowed, raised or condensed a little: still readable
        '<w:w w:val="80"/>',
        '<w:vertAlign w:val="superscript"/><w:sz w:val="24"/>',
        '<w:sz w:val="22"/><w:spacing w:val="-20"/>',
        '<w:spacing w:val="40"/>',
        '<w:w w:val="90%"/><w:sz w:val="11pt"/><w:szCs w:val="0.5in"/><w:spacing w:val="-1pt"/>',
        '<w:w w:val="+100"/><w:sz w:val="+24"/><w:spacing w:val="+20"/>',  # signs allowed
    ],
)
def test_text_on_a_background_of_another_colour_still_counts(
    rendered: bytes, formatting: str
) -> None:
    def highlight_infection(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, start)
        return xml[:run] + f"<w:r><w:rPr>{formatting}</w:rPr>" + xml[run + len("<w:r>") :]

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": highlight_infection})).ok


def test_ordinary_formatting_still_counts(rendered: bytes) -> None:
    def recolour_infection(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, start)
        visible = '<w:color w:val="C00000"/><w:sz w:val="20"/><w:strike w:val="0"/>'
        return xml[:run] + f"<w:r><w:rPr>{visible}</w:rPr>" + xml[run + len("<w:r>") :]

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": recolour_infection})).ok


@pytest.mark.parametrize("off", ["0", "false", "off", "Off"])
def test_hiding_switched_off_in_any_spelling_still_counts(rendered: bytes, off: str) -> None:
    # ISO 29500 spells an on/off property switched off "0", "false" or "off" (ST_OnOff), and
    # a file may use any of them: text marked <w:vanish w:val="off"/> prints, and a form
    # saved so must still verify.
    def unhide_infection(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, start)
        switched_off = f'<w:vanish w:val="{off}"/><w:strike w:val="{off}"/>'
        return xml[:run] + f"<w:r><w:rPr>{switched_off}</w:rPr>" + xml[run + len("<w:r>") :]

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": unhide_infection})).ok


def test_text_hidden_by_its_style_does_not_count(rendered: bytes) -> None:
    def hide_list_bullets(xml: str) -> str:
        marker = '<w:style w:type="paragraph" w:styleId="ListBullet">'
        start = xml.index(marker)
        rpr = xml.index("<w:rPr>", start) + len("<w:rPr>")
        return xml[:rpr] + "<w:vanish/>" + xml[rpr:]

    report = mesoconsent.verify(rewritten(rendered, {"word/styles.xml": hide_list_bullets}))
    hidden = {p.disclosure_id for p in report.problems}
    assert "contraindications.clotting_disorders" in hidden
    assert "consent.agreement" not in hidden  # a plain paragraph, still visible


def test_main_part_is_found_through_the_package_relationships(rendered: bytes) -> None:
    decoy = (
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Nothing to see.</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    redirected = rewritten(
        rendered,
        {
            "_rels/.rels": lambda xml: xml.replace(
                'Target="word/document.xml"', 'Target="word/main2.xml"'
            )
        },
        {"word/main2.xml": decoy},
    )
    report = mesoconsent.verify(redirected)
    assert not report.ok
    assert {p.reason for p in report.problems if p.disclosure_id != "document"} == {"missing"}


def test_a_main_document_outside_the_package_is_not_read_in_its_place(rendered: bytes) -> None:
    # A relationship whose target is external (TargetMode="External") names a file elsewhere,
    # not a part of the package: a part of the same name is not what Word opens.
    decoy = (
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Nothing to see.</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    external = (
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml" TargetMode="External"/>'
    )

    def redirect(xml: str) -> str:
        xml = xml.replace('Target="word/document.xml"', 'Target="word/main2.xml"')
        return xml.replace("<Relationship ", external + "<Relationship ", 1)

    report = mesoconsent.verify(
        rewritten(rendered, {"_rels/.rels": redirect}, {"word/main2.xml": decoy})
    )
    assert not report.ok
    assert {p.reason for p in report.problems if p.disclosure_id != "document"} == {"missing"}


def test_damaged_packages_are_document_read_errors(rendered: bytes) -> None:
    corrupt = bytearray(rendered)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 64] = bytes(64)
    with pytest.raises(DocumentReadError):
        mesoconsent.verify(bytes(corrupt))
    assert mesoconsent.verify(bytearray(rendered)).ok  # any bytes-like source
    assert mesoconsent.verify(memoryview(rendered)).ok


def test_deleting_the_signature_block_is_caught(rendered: bytes) -> None:
    def delete_signatures(document: docx.document.Document) -> None:
        table = document.tables[-1]._tbl
        present(table.getparent()).remove(table)

    problems = mesoconsent.verify(edited(rendered, delete_signatures)).problems
    assert reasons(problems) == [("signatures", "missing")]


def test_deleting_one_signer_is_caught(rendered: bytes) -> None:
    def delete_practitioner(document: docx.document.Document) -> None:
        rows = document.tables[-1].rows
        for row in (rows[2], rows[3]):  # the practitioner's line and its captions
            present(row._tr.getparent()).remove(row._tr)

    problems = mesoconsent.verify(edited(rendered, delete_practitioner)).problems
    assert reasons(problems) == [("signature.2", "missing")]


def test_marks_of_a_form_of_fewer_signers_do_not_hide_a_signer_deleted() -> None:
    # A form is checked against the most signers its marks name: the marks of a two-signer
    # form put over the patient's and the practitioner's lines must not let the witness's
    # line be deleted unseen.
    from mesoconsent.writers.docx import bookmark_name

    request = attrs.evolve(
        example(), witness=mesoconsent.Witness(full_name="Sam Witness", role="witness")
    )
    form = mesoconsent.render(request).content

    def mark_again(xml: str) -> str:
        for number in (1, 2):
            name = bookmark_name(f"signature.{number}.of.3")
            start = re.search(rf'<w:bookmarkStart w:id="(\d+)" w:name="{name}"/>', xml)
            assert start is not None
            again = 9000 + number
            other = bookmark_name(f"signature.{number}.of.2")
            xml = xml.replace(
                start.group(0),
                f'{start.group(0)}<w:bookmarkStart w:id="{again}" w:name="{other}"/>',
            )
            end = f'<w:bookmarkEnd w:id="{start.group(1)}"/>'
            xml = xml.replace(end, f'{end}<w:bookmarkEnd w:id="{again}"/>')
        return xml

    def delete_witness(document: docx.document.Document) -> None:
        rows = document.tables[-1].rows
        for row in (rows[4], rows[5]):  # the witness's line and its captions
            present(row._tr.getparent()).remove(row._tr)

    marked = rewritten(form, {"word/document.xml": mark_again})
    assert mesoconsent.verify(marked).ok
    problems = mesoconsent.verify(edited(marked, delete_witness)).problems
    assert ("signature.3", "missing") in reasons(problems)


@pytest.mark.parametrize(
    ("signer", "number", "old", "new"),
    [
        ("patient", 1, "Jane Example", "Dr Alex Morgan"),
        ("practitioner", 2, "Dr Alex Morgan", "Dr Alex Morgans"),
        ("interpreter", 3, "Sam Interpreter", "Someone Else"),
    ],
)
def test_a_name_changed_on_a_signature_line_is_caught(
    signer: str, number: int, old: str, new: str
) -> None:
    # A line naming someone else than whoever signed it records nothing: the form records a
    # digest of the name on each signer's line and verify compares it. The names are printed
    # on the form; the digest adds nothing a reader of the file could not see. (A retyped
    # caption is not a changed name: test_a_retyped_interpreter_caption_...)
    request = attrs.evolve(
        example(),
        witness=mesoconsent.Witness(full_name="Sam Interpreter", role="interpreter"),
    )
    form = mesoconsent.render(request).content
    assert mesoconsent.verify(form).ok

    def rename(document: docx.document.Document) -> None:
        cell = document.tables[-1].rows[2 * (number - 1)].cells[0]
        runs = [run for run in cell.paragraphs[0].runs if run.text == old]
        assert len(runs) == 1
        runs[0].text = new

    problems = mesoconsent.verify(edited(form, rename)).problems
    assert reasons(problems) == [(f"signature.{number}", "altered")]


def test_a_form_made_before_signer_digests_were_recorded_still_verifies(rendered: bytes) -> None:
    # Forms made before 2026-11-27 record digests of their values only.
    def without_signers(xml: str) -> str:
        changed = re.sub(r" signature\.\d\.of\.\d=[0-9a-f]{8}", "", xml)
        assert changed != xml
        return changed

    earlier = rewritten(rendered, {"docProps/custom.xml": without_signers})
    assert mesoconsent.verify(earlier).ok


@pytest.mark.parametrize("which", ["borders", "cells", "white borders", "the date line"])
def test_removing_a_signer_s_lines_is_caught(rendered: bytes, which: str) -> None:
    # The name stays, but there is nothing left to sign or date on (or only one of the two).
    def unline_the_practitioner(document: docx.document.Document) -> None:
        row = document.tables[-1].rows[2]._tr  # the practitioner's name and lines
        lines = list(row.iterchildren(qn("w:tc")))[1:]
        for cell in lines[-1:] if which == "the date line" else lines:
            if which == "cells":
                row.remove(cell)
            elif which == "white borders":
                for border in cell.iter(qn("w:bottom")):
                    border.set(qn("w:color"), "FFFFFF")
            else:
                borders = cell.find(f"{qn('w:tcPr')}/{qn('w:tcBorders')}")
                if borders is not None:
                    present(borders.getparent()).remove(borders)

    problems = mesoconsent.verify(edited(rendered, unline_the_practitioner)).problems
    assert reasons(problems) == [("signature.2", "missing")]


def checklist(document: docx.document.Document) -> docx.table.Table:
    return next(t for t in document.tables if t.rows[0].cells[0].text == "Question")


def test_deleting_the_health_questions_is_caught(rendered: bytes) -> None:
    def delete_checklist(document: docx.document.Document) -> None:
        table = checklist(document)._tbl
        present(table.getparent()).remove(table)

    problems = mesoconsent.verify(edited(rendered, delete_checklist)).problems
    assert set(reasons(problems)) == {
        (f"screening.{q}", "missing")
        for q in ("pregnant", "breastfeeding", "clotting_disorder", "other_conditions")
    }


@pytest.mark.parametrize(
    ("yes_box", "no_box", "reason"),
    [("\u2612", "\u2610", "yes answer not flagged"), ("\u2610", "\u2610", "answer unclear")],
)
def test_changing_the_ticks_is_caught(
    rendered: bytes, yes_box: str, no_box: str, reason: str
) -> None:
    def tick(document: docx.document.Document) -> None:
        row = checklist(document).rows[1]  # "Are you pregnant?"
        row.cells[1].paragraphs[0].runs[0].text = yes_box
        row.cells[2].paragraphs[0].runs[0].text = no_box

    problems = mesoconsent.verify(edited(rendered, tick)).problems
    assert reasons(problems) == [("screening.pregnant", reason)]


NOT_HEADED = ("checklist", "answer columns not headed 'Yes' then 'No'")


def _headings(yes: str, no: str) -> Callable[[docx.document.Document], None]:
    """Write ``yes`` and ``no`` over the checklist's box columns, as an editor would."""

    def change(document: docx.document.Document) -> None:
        heading = checklist(document).rows[0].cells
        for cell, label in ((heading[1], yes), (heading[2], no)):
            cell.paragraphs[0].runs[0].text = label

    return change


@pytest.mark.parametrize(
    ("yes", "no"),
    [("No", "Yes"), ("Yes", "Yes"), ("Yes", ""), ("Yes", "No answer"), ("Ja", "Nein")],
    ids=["swapped", "both yes", "one emptied", "words added", "another language"],
)
def test_checklist_headings_changed_after_rendering_are_caught(
    rendered: bytes, yes: str, no: str
) -> None:
    # Headed the other way round, every answer on the form reads inverted; the boxes alone
    # say nothing of which is which.
    problems = mesoconsent.verify(edited(rendered, _headings(yes, no))).problems
    assert reasons(problems) == [NOT_HEADED]


def test_checklist_headings_are_read_whatever_their_formatting(rendered: bytes) -> None:
    # The words are compared, not how they print: Word's own table styles print these
    # headings white on their pale fill (test_words_own_table_styles_on_the_tables_hide_nothing).
    def recolour(document: docx.document.Document) -> None:
        for cell in checklist(document).rows[0].cells:
            cell.paragraphs[0].runs[0].font.color.rgb = docx.shared.RGBColor(0xFF, 0xFF, 0xFF)

    assert mesoconsent.verify(edited(rendered, recolour)).ok
    swapped = edited(edited(rendered, recolour), _headings("No", "Yes"))
    assert reasons(mesoconsent.verify(swapped).problems) == [NOT_HEADED]


def test_checklist_headings_in_a_row_no_longer_repeated_on_each_page_still_count(
    rendered: bytes,
) -> None:
    # Unticking "Repeat as header row" (w:tblHeader) leaves the headings where they were.
    restyled = rewritten(
        rendered, {"word/document.xml": _checklist(lambda xml: xml.replace("<w:tblHeader/>", ""))}
    )
    assert not any(docx_part(restyled, "word/document.xml").iter(qn("w:tblHeader")))
    assert mesoconsent.verify(restyled).ok


def test_checklist_without_its_heading_row_is_caught(rendered: bytes) -> None:
    def delete_heading(document: docx.document.Document) -> None:
        row = checklist(document).rows[0]._tr
        present(row.getparent()).remove(row)

    problems = mesoconsent.verify(edited(rendered, delete_heading)).problems
    assert reasons(problems) == [NOT_HEADED]


def test_checklist_headings_are_the_catalog_s_words() -> None:
    import attrs

    french = mesoconsent.render(attrs.evolve(example(), locale="fr")).content
    assert mesoconsent.verify(french).ok

    def swap(document: docx.document.Document) -> None:
        heading = next(t for t in document.tables if t.rows[0].cells[1].text == "Oui")
        heading.rows[0].cells[1].paragraphs[0].runs[0].text = "Non"
        heading.rows[0].cells[2].paragraphs[0].runs[0].text = "Oui"

    problems = mesoconsent.verify(edited(french, swap)).problems
    assert reasons(problems) == [("checklist", "answer columns not headed 'Oui' then 'Non'")]


def _box_labels(
    yes: str | None, no: str | None, rows: slice = slice(1, 2)
) -> Callable[[docx.document.Document], None]:
    """Write ``yes`` and ``no`` after the boxes of some checklist rows (the first question's,
    unless ``rows`` says otherwise), as an editor would; None deletes the label's runs."""

    def change(document: docx.document.Document) -> None:
        for row in checklist(document).rows[rows]:
            for cell, label in ((row.cells[1], yes), (row.cells[2], no)):
                _box, *labels = cell.paragraphs[0].runs
                assert labels, "no label after the box"
                for run in labels:
                    present(run._r.getparent()).remove(run._r)
                if label is not None:
                    cell.paragraphs[0].add_run(f" {label}")

    return change


def test_each_box_is_labelled_with_its_column_s_heading(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    row = checklist(document).rows[1]
    assert (row.cells[1].text, row.cells[2].text) == ("\u2610 Yes", "\u2612 No")


@pytest.mark.parametrize(
    ("yes", "no"),
    [("No", "Yes"), ("No", "No"), ("Yes", "Yes"), ("Yes", "No, never"), ("Ja", "Nein")],
    ids=["swapped", "yes labelled no", "both yes", "words added", "another language"],
)
def test_a_box_label_that_is_not_its_column_s_heading_is_caught(
    rendered: bytes, yes: str, no: str
) -> None:
    # "☒ No" in the Yes column reads, and is heard, as a "no": the label relabels the
    # answer whatever the heading over it says (a new attack once boxes carried labels).
    problems = mesoconsent.verify(edited(rendered, _box_labels(yes, no))).problems
    assert reasons(problems) == [NOT_HEADED]


@pytest.mark.parametrize(
    ("yes", "no", "rows"),
    [
        (None, "No", slice(1, 2)),  # one label deleted
        (None, None, slice(1, 2)),
        (None, None, slice(1, None)),  # none left: a form made before boxes had labels
        ("  Yes ", "No", slice(1, None)),  # white space aside, the heading's words
    ],
    ids=["one deleted", "a row's deleted", "as made before labels", "spaced"],
)
def test_a_box_without_a_label_or_with_its_heading_still_verifies(
    rendered: bytes, yes: str | None, no: str | None, rows: slice
) -> None:
    report = mesoconsent.verify(edited(rendered, _box_labels(yes, no, rows)))
    assert report.ok, report.problems


def test_a_form_made_before_boxes_had_labels_verifies_with_its_answers_read() -> None:
    # As a form rendered before the labels: every label run taken out of the XML.
    answers = dict(example().screening)
    answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content
    unlabelled = rewritten(
        content,
        {
            "word/document.xml": lambda xml: re.sub(
                r"<w:r><w:t xml:space=\"preserve\"> (Yes|No)</w:t></w:r>", "", xml
            )
        },
    )
    document = docx.Document(io.BytesIO(unlabelled))
    row = checklist(document).rows[1]
    assert (row.cells[1].text, row.cells[2].text) == ("\u2612", "\u2610")
    assert mesoconsent.verify(unlabelled).ok
    # Its answer still read from the boxes: ticked "No", the alert names it.
    ticked = edited(unlabelled, lambda d: _tick_no(checklist(d).rows[1]))
    assert reasons(mesoconsent.verify(ticked).problems) == [
        ("screening.pregnant", "no answer flagged")
    ]


def _tick_no(row: docx.table._Row) -> None:
    row.cells[1].paragraphs[0].runs[0].text = "\u2610"
    row.cells[2].paragraphs[0].runs[0].text = "\u2612"


def test_a_labelled_yes_turned_to_no_is_caught_by_its_boxes() -> None:
    answers = dict(example().screening)
    answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content
    ticked = edited(content, lambda d: _tick_no(checklist(d).rows[1]))
    assert reasons(mesoconsent.verify(ticked).problems) == [
        ("screening.pregnant", "no answer flagged")
    ]


def test_a_label_of_several_words_is_taken_off_its_box_whole() -> None:
    # The row's text ends with its two boxes whatever the labels hold: taken off box cell by
    # box cell, not as the last words of the row (a clinic's catalog may say "Yes, I am").
    from mesoconsent.verification import read_docx
    from mesoconsent.writers.docx import bookmark_names, structural_marks

    content = mesoconsent.render(example()).content
    labelled = edited(content, _box_labels("Yes, I am", "No, I am not"))
    read = read_docx(labelled, bookmark_names(structural_marks(["pregnant"])))
    assert read.stated["screening.pregnant"] == ["Are you pregnant?\n\u2610\n\u2612"]
    assert ("Yes, I am", "No, I am not") in read.over_boxes

    # Split over paragraphs, as Enter would: the label's words in the cell still count.
    def split(document: docx.document.Document) -> None:
        cell = checklist(document).rows[1].cells[1]
        run = cell.paragraphs[0].runs[1]
        present(run._r.getparent()).remove(run._r)
        cell.add_paragraph("No")

    problems = mesoconsent.verify(edited(content, split)).problems
    assert reasons(problems) == [NOT_HEADED]


def test_a_flagged_form_verifies() -> None:
    import attrs

    answers = dict(example().screening)
    answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
    answers["other_conditions"] = mesoconsent.ScreeningAnswer(True, "Asthma")
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content
    assert mesoconsent.verify(content).ok


def test_a_yes_turned_to_no_while_the_alert_still_names_it_is_caught() -> None:
    # The patient would read "No" in the checklist and the question in the warning box.
    answers = dict(example().screening)
    answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content

    def untick(document: docx.document.Document) -> None:
        row = checklist(document).rows[1]  # "Are you pregnant?"
        row.cells[1].paragraphs[0].runs[0].text = "\u2610"
        row.cells[2].paragraphs[0].runs[0].text = "\u2612"

    problems = mesoconsent.verify(edited(content, untick)).problems
    assert reasons(problems) == [("screening.pregnant", "no answer flagged")]


def alert_box(document: docx.document.Document) -> docx.table.Table:
    return next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Important"))


def test_an_alert_deleted_is_caught_though_its_question_is_written_elsewhere() -> None:
    # The question's words anywhere else on the form (a note, a details cell) are not the
    # warning box the patient must not miss.
    answers = dict(example().screening)
    answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content

    def replace_the_alert(document: docx.document.Document) -> None:
        table = alert_box(document)._tbl
        present(table.getparent()).remove(table)
        document.add_paragraph("Are you pregnant?")

    problems = mesoconsent.verify(edited(content, replace_the_alert)).problems
    assert reasons(problems) == [("screening.pregnant", "yes answer not flagged")]


def test_a_yes_answer_kept_in_the_alert_and_the_details_verifies() -> None:
    # Found by a review: the question's words as a patient's id counted as the alert.
    answers = dict(example().screening)
    answers["breastfeeding"] = mesoconsent.ScreeningAnswer(True)
    request = attrs.evolve(
        example(),
        screening=answers,
        patient=attrs.evolve(example().patient, patient_id="Are you pregnant?"),
    )
    assert mesoconsent.verify(mesoconsent.render(request).content).ok
    unflagged = attrs.evolve(request, screening=dict(example().screening))
    assert mesoconsent.verify(mesoconsent.render(unflagged).content).ok


def test_a_no_answer_added_to_the_alert_is_caught() -> None:
    answers = dict(example().screening)
    answers["breastfeeding"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content

    def name_pregnancy_too(document: docx.document.Document) -> None:
        cell = alert_box(document).rows[0].cells[0]
        cell.paragraphs[1].runs[0].text = "Are you pregnant?"  # in place of breastfeeding

    problems = mesoconsent.verify(edited(content, name_pregnancy_too)).problems
    assert set(reasons(problems)) == {
        ("screening.pregnant", "no answer flagged"),
        ("screening.breastfeeding", "yes answer not flagged"),
    }


def test_the_verify_function_is_not_replaced_by_its_module(rendered: bytes) -> None:
    import importlib

    importlib.import_module("mesoconsent.verification")
    assert callable(mesoconsent.verify)
    assert (
        mesoconsent.VerifyReport is importlib.import_module("mesoconsent.verification").VerifyReport
    )
    assert mesoconsent.verify(rendered).ok


@pytest.mark.parametrize(
    ("role", "statement"),
    [
        ("interpreter", "Interpreter: I translated this form for the patient"),
        ("witness", "Witness: I saw the patient sign this form."),
        ("guardian", "Parent or guardian: I am the patient's parent or legal guardian"),
    ],
)
def test_deleting_the_third_signers_statement_is_caught(role: str, statement: str) -> None:
    # The interpreter's line stayed while what they sign for was deleted: a signature that
    # attests to nothing passed (a review).
    request = attrs.evolve(example(), witness=mesoconsent.Witness("Sam Patel", role))
    rendered = mesoconsent.render(request).content
    assert mesoconsent.verify(rendered).ok

    def delete_statement(document: docx.document.Document) -> None:
        paragraph = paragraph_with(document, statement)._p
        present(paragraph.getparent()).remove(paragraph)

    problems = mesoconsent.verify(edited(rendered, delete_statement)).problems
    assert reasons(problems) == [(f"statement.{role}", "missing")]


def test_text_hidden_by_the_default_paragraph_style_does_not_count(rendered: bytes) -> None:
    # A paragraph without a w:pStyle is in the default paragraph style (Normal), as Word and
    # LibreOffice read it; verify went from the paragraph straight to the document defaults,
    # so the Declaration (plain paragraphs) hidden through Normal still verified (a review).
    def hide_normal(xml: str) -> str:
        normal = re.search(r'<w:style w:type="paragraph" w:default="1"[^>]*>', xml)
        assert normal is not None
        return xml[: normal.end()] + "<w:rPr><w:vanish/></w:rPr>" + xml[normal.end() :]

    report = mesoconsent.verify(rewritten(rendered, {"word/styles.xml": hide_normal}))
    assert ("consent.agreement", "empty") in reasons(report.problems)


def _line_height(spacing: str) -> Callable[[str], str]:
    """Give the paragraph of the rare infection risk a line height of its own."""

    def change(xml: str) -> str:
        start = xml.index("Infection. This is rare")
        style = xml.rindex('<w:pStyle w:val="ListBullet"/>', 0, start)
        end = style + len('<w:pStyle w:val="ListBullet"/>')
        return xml[:end] + f"<w:spacing {spacing}/>" + xml[end:]

    return change


@pytest.mark.parametrize(
    ("spacing", "hidden"),
    [
        # An exact line height shorter than the text clips it: Word and LibreOffice print a
        # sliver of each letter. (It used to count; a known gap until then.)
        ('w:line="20" w:lineRule="exact"', True),  # 1 point
        ('w:line="1pt" w:lineRule="exact"', True),  # the same, as a universal measure
        ('w:line="100" w:lineRule="exact"', True),  # 5 points: under half of 11-point text
        ('w:line="short" w:lineRule="exact"', True),  # no OOXML value: not taken as readable
        ('w:line="220" w:lineRule="exact"', False),  # 11 points: the text's own size
        ('w:line="20" w:lineRule="atLeast"', False),  # at least: the line grows to fit
        ('w:line="240" w:lineRule="auto"', False),  # single spacing
        ('w:line="120" w:lineRule="auto"', False),  # half a line: tight, still legible
        # These counted too (a review): a line of a twelfth of a line's height; a height with
        # no rule, which ECMA-376 reads as a multiple of the line and LibreOffice as exact;
        # a negative height, which LibreOffice leaves the paragraph out for, whatever the rule.
        ('w:line="20" w:lineRule="auto"', True),
        ('w:line="20"', True),
        ('w:line="-20" w:lineRule="atLeast"', True),
        ('w:line="-240"', True),
    ],
)
def test_an_exact_line_height_that_clips_the_text_does_not_count(
    rendered: bytes, spacing: str, hidden: bool
) -> None:
    report = mesoconsent.verify(rewritten(rendered, {"word/document.xml": _line_height(spacing)}))
    found = reasons(report.problems)
    assert found == ([("risks.rare_infection", "empty")] if hidden else [])


def test_an_exact_line_height_from_the_styles_clips_what_sets_none_of_its_own(
    rendered: bytes,
) -> None:
    # The line height is the first one set (with its rule) on the paragraph, its style and
    # the styles that style is based on, or the document defaults.
    def clip_by_default(xml: str) -> str:
        auto = '<w:spacing w:after="120" w:line="264" w:lineRule="auto"/>'
        assert xml.count(auto) == 1
        return xml.replace(auto, '<w:spacing w:after="120" w:line="20" w:lineRule="exact"/>')

    own_height = _line_height('w:line="264" w:lineRule="auto"')
    report = mesoconsent.verify(
        rewritten(rendered, {"word/styles.xml": clip_by_default, "word/document.xml": own_height})
    )
    problems = {p.disclosure_id for p in report.problems}
    assert "risks.rare_scarring" in problems  # clipped by the defaults
    assert "consent.agreement" in problems
    assert "risks.rare_infection" not in problems  # its own height is the one that holds


def test_an_exact_line_height_in_a_paragraph_style_clips_its_paragraphs(rendered: bytes) -> None:
    def clip_list_bullets(xml: str) -> str:
        start = xml.index('<w:style w:type="paragraph" w:styleId="ListBullet">')
        spacing = xml.index('<w:spacing w:after="80"/>', start)
        clipped = '<w:spacing w:after="80" w:line="20" w:lineRule="exact"/>'
        return xml[:spacing] + clipped + xml[spacing + len('<w:spacing w:after="80"/>') :]

    report = mesoconsent.verify(rewritten(rendered, {"word/styles.xml": clip_list_bullets}))
    problems = {p.disclosure_id for p in report.problems}
    assert "contraindications.clotting_disorders" in problems
    assert "consent.agreement" not in problems  # a plain paragraph


def test_a_line_height_and_its_rule_set_at_different_levels_are_read_both_ways(
    rendered: bytes,
) -> None:
    # Word and LibreOffice take w:line and w:lineRule one by one, as they find them going up
    # from the paragraph; ECMA-376 reads a w:line without a rule as a multiple of the line.
    # Either reading that clips the text hides it.
    def height_in_the_style(xml: str) -> str:
        return xml.replace('<w:spacing w:after="80"/>', '<w:spacing w:after="80" w:line="20"/>', 1)

    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": height_in_the_style,
                "word/document.xml": _line_height('w:lineRule="exact"'),
            },
        )
    )
    assert ("risks.rare_infection", "empty") in reasons(report.problems)


def _in_table_style(style_id: str, properties: str) -> Callable[[str], str]:
    def change(xml: str) -> str:
        start = xml.index(f'w:styleId="{style_id}">')
        table_properties = xml.index("<w:tblPr>", start)
        return xml[:table_properties] + properties + xml[table_properties:]

    return change


@pytest.mark.parametrize(
    "properties",
    [
        "<w:rPr><w:vanish/></w:rPr>",
        '<w:pPr><w:spacing w:line="20" w:lineRule="exact"/></w:pPr>',
    ],
)
def test_text_hidden_by_its_tables_style_does_not_count(rendered: bytes, properties: str) -> None:
    # A table style's paragraph and run properties apply to the text in its cells, above the
    # document defaults and below the paragraph's own style (ECMA-376, 17.7.2). They were not
    # read (a review): the checklist, in Table Grid, could be hidden through its style.
    report = mesoconsent.verify(
        rewritten(rendered, {"word/styles.xml": _in_table_style("TableGrid", properties)})
    )
    problems = set(reasons(report.problems))
    assert ("screening.pregnant", "altered") in problems
    assert not any(d.startswith("risks.") for d, _ in problems)  # lists are not in tables


def test_the_default_table_style_applies_to_a_table_that_names_none(rendered: bytes) -> None:
    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": _in_table_style("TableNormal", "<w:rPr><w:vanish/></w:rPr>"),
                "word/document.xml": _replacing('<w:tblStyle w:val="TableNormal"/>', ""),
            },
        )
    )
    # Normal Table is the signature block's style, and Table Grid (the checklist's) is
    # based on it: its questions and its Yes/No headings are hidden.
    assert {p.disclosure_id.split(".")[0] for p in report.problems} == {
        "signature",
        "screening",
        "checklist",
    }


def test_a_paragraph_naming_a_style_there_is_not_is_read_in_the_default_style(
    rendered: bytes,
) -> None:
    # Word and LibreOffice lay such a paragraph out in the default paragraph style (Normal).
    def hide_normal(xml: str) -> str:
        normal = re.search(r'<w:style w:type="paragraph" w:default="1"[^>]*>', xml)
        assert normal is not None
        return xml[: normal.end()] + "<w:rPr><w:vanish/></w:rPr>" + xml[normal.end() :]

    def no_such_style(xml: str) -> str:
        return xml.replace('<w:pStyle w:val="ListBullet"/>', '<w:pStyle w:val="NoSuchStyle"/>')

    report = mesoconsent.verify(
        rewritten(rendered, {"word/styles.xml": hide_normal, "word/document.xml": no_such_style})
    )
    assert ("risks.rare_infection", "empty") in reasons(report.problems)


@pytest.mark.parametrize(
    ("shading", "hidden"),
    [
        ("", True),  # white text on the white page
        # White on the dark fill the same style gives its cells: a style a clinic may choose.
        ('<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:tcPr>', False),
    ],
)
def test_a_table_styles_text_colour_is_read_on_its_cells_shading(
    rendered: bytes, shading: str, hidden: bool
) -> None:
    def white_text(xml: str) -> str:
        xml = _in_table_style("TableGrid", '<w:rPr><w:color w:val="FFFFFF"/></w:rPr>')(xml)
        start = xml.index('w:styleId="TableGrid">')
        end = xml.index("</w:tblPr>", start) + len("</w:tblPr>")
        return xml[:end] + shading + xml[end:]

    report = mesoconsent.verify(rewritten(rendered, {"word/styles.xml": white_text}))
    problems = set(reasons(report.problems))
    assert (("screening.pregnant", "altered") in problems) is hidden
    assert report.ok is not hidden


def _conditional(style_id: str, condition: str, properties: str) -> Callable[[str], str]:
    """A table style's formatting for some of its cells (w:tblStylePr), as Word's Modify
    Style dialog writes it for "Header row", "Odd banded rows" and the like."""

    def change(xml: str) -> str:
        start = xml.index(f'w:styleId="{style_id}">')
        end = xml.index("</w:style>", start)
        formatting = f'<w:tblStylePr w:type="{condition}">{properties}</w:tblStylePr>'
        return xml[:end] + formatting + xml[end:]

    return change


QUESTIONS = (
    "screening.pregnant",
    "screening.breastfeeding",
    "screening.clotting_disorder",
    "screening.other_conditions",
)
WHITE_TEXT = '<w:rPr><w:color w:val="FFFFFF"/></w:rPr>'
DARK_CELLS = '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:tcPr>'


@pytest.mark.parametrize(
    ("condition", "properties", "hidden"),
    [
        # The checklist (Table Grid) has a header row and banded rows (w:tblLook firstRow,
        # not noHBand): its first and third questions are the odd bands.
        ("band1Horz", WHITE_TEXT, {"screening.pregnant", "screening.clotting_disorder"}),
        ("band2Horz", WHITE_TEXT, {"screening.breastfeeding", "screening.other_conditions"}),
        # (the Yes/No headings too)
        ("wholeTable", "<w:rPr><w:vanish/></w:rPr>", {*QUESTIONS, "checklist"}),
        ("band1Horz", '<w:pPr><w:spacing w:line="20" w:lineRule="exact"/></w:pPr>',
         {"screening.pregnant", "screening.clotting_disorder"}),
        # Readable: white on the dark fill of the same cells; formatting for a first column,
        # which the checklist does not ask for (w:tblLook firstColumn="0"); the header row,
        # which holds no question.
        ("band1Horz", WHITE_TEXT + DARK_CELLS, set()),
        ("firstCol", WHITE_TEXT, set()),
        ("firstRow", WHITE_TEXT, set()),
    ],
)  # fmt: skip
def test_text_hidden_by_its_tables_conditional_formatting_does_not_count(
    rendered: bytes, condition: str, properties: str, hidden: set[str]
) -> None:
    # Word applies a table style's formatting for header rows, banded rows and first or
    # last columns to the cells the table's w:tblLook asks for it (ISO 29500 17.7.6); it was
    # not read (a review), so "odd banded rows" in white hid half the checklist.
    report = mesoconsent.verify(
        rewritten(rendered, {"word/styles.xml": _conditional("TableGrid", condition, properties)})
    )
    assert {p.disclosure_id for p in report.problems} == hidden


def test_a_table_without_a_look_gets_words_header_row_and_first_column(rendered: bytes) -> None:
    # Word reads a table with no w:tblLook as 04A0: header row and first column formatting,
    # banded rows, no banded columns (MS-OI29500 2.1.160). The checklist's questions are its
    # first column.
    no_look = {"word/document.xml": lambda xml: re.sub(r"<w:tblLook [^>]*/>", "", xml)}
    styles = {"word/styles.xml": _conditional("TableGrid", "firstCol", WHITE_TEXT)}
    report = mesoconsent.verify(rewritten(rendered, {**styles, **no_look}))
    assert set(QUESTIONS) <= {p.disclosure_id for p in report.problems}


EVERY_LOOK = (
    '<w:tblLook w:val="01E0" w:firstRow="1" w:lastRow="1" w:firstColumn="1" '
    'w:lastColumn="1" w:noHBand="0" w:noVBand="0"/>'
)


@pytest.mark.parametrize("look", ["as written", "every option"])
def test_words_own_table_styles_on_the_tables_hide_nothing(rendered: bytes, look: str) -> None:
    # Reading table styles must not turn a restyled form into a false alarm: Word's built-in
    # table styles (python-docx's default template holds 100 of them; several print white
    # header text on a dark fill, or banded fills) applied to the checklist and the details
    # leave every disclosure readable, with the tables' own w:tblLook and with every option
    # of it on (first and last rows and columns, both bandings), as a clinic may tick them.
    from lxml import etree

    styles = docx.Document().styles.element
    built_in = [
        style
        for style in styles.iter(qn("w:style"))
        if style.get(qn("w:type")) == "table" and style.get(qn("w:styleId")) != "TableGrid"
    ]
    assert len(built_in) > 50
    failed = []
    for style in built_in:
        style_id = str(style.get(qn("w:styleId")))
        added = etree.tostring(style).decode()
        restyled = rewritten(
            rendered,
            {
                "word/styles.xml": _replacing("</w:styles>", added + "</w:styles>"),
                "word/document.xml": _restyled_tables(style_id, look),
            },
        )
        if not mesoconsent.verify(restyled).ok:
            failed.append(style_id)
    assert failed == []


def _replacing(old: str, new: str) -> Callable[[str], str]:
    return lambda xml: xml.replace(old, new)


def _restyled_tables(style_id: str, look: str) -> Callable[[str], str]:
    """The Table Grid tables in another table style, with their own look or every option."""

    def change(xml: str) -> str:
        xml = xml.replace('<w:tblStyle w:val="TableGrid"/>', f'<w:tblStyle w:val="{style_id}"/>')
        return xml if look == "as written" else re.sub(r"<w:tblLook [^>]*/>", EVERY_LOOK, xml)

    return change


def _checklist(change: Callable[[str], str]) -> Callable[[str], str]:
    """Change the checklist's XML (from its table to the end of its last row) only."""

    def apply(xml: str) -> str:
        start = xml.rindex("<w:tbl>", 0, xml.index("Are you pregnant?"))
        end = xml.index("</w:tbl>", start)
        return xml[:start] + change(xml[start:end]) + xml[end:]

    return apply


def _row_of(question: str, change: Callable[[str], str]) -> Callable[[str], str]:
    def apply(xml: str) -> str:
        start = xml.rindex("<w:tr>", 0, xml.index(question))
        end = xml.index("</w:tr>", start) + len("</w:tr>")
        return xml[:start] + change(xml[start:end]) + xml[end:]

    return apply


BAND_ONE_WHITE_ON_DARK = _conditional("TableGrid", "band1Horz", WHITE_TEXT + DARK_CELLS)


@pytest.mark.parametrize(
    ("name", "styles", "document", "hidden"),
    [
        # (A review of 166ec4a.) A paragraph style's shading is what is behind its text, over
        # the cells' fill: white on a white paragraph, on a dark cell, is hidden...
        (
            "paragraph style shading",
            lambda xml: _in_table_style("TableGrid", WHITE_TEXT + DARK_CELLS)(xml).replace(
                '<w:style w:type="paragraph" w:styleId="TableText">',
                '<w:style w:type="paragraph" w:styleId="TableText"><w:pPr><w:shd '
                'w:val="clear" w:color="auto" w:fill="FFFFFF"/></w:pPr>',
            ),
            None,
            set(QUESTIONS),
        ),
        # ... a cell set to no colour shows the page, not its style's fill ...
        (
            "cell of no colour",
            BAND_ONE_WHITE_ON_DARK,
            _row_of(
                "Are you pregnant?",
                lambda row: row.replace(
                    '<w:vAlign w:val="center"/>',
                    '<w:shd w:val="clear" w:color="auto" w:fill="auto"/><w:vAlign w:val="center"/>',
                    1,
                ),
            ),
            {"screening.pregnant"},
        ),
        # ... banded columns are formatted over banded rows, as in Word ...
        (
            "column bands over row bands",
            lambda xml: _conditional(
                "TableGrid",
                "band1Vert",
                '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="FFFFFF"/></w:tcPr>',
            )(BAND_ONE_WHITE_ON_DARK(xml)),
            _checklist(lambda xml: xml.replace('w:noVBand="1"', 'w:noVBand="0"')),
            {"screening.pregnant", "screening.clotting_disorder"},
        ),
        # ... a row in a content control is still a row of the table, in its place ...
        (
            "row in a content control",
            _conditional("TableGrid", "band1Horz", WHITE_TEXT),
            _row_of(
                "Are you pregnant?",
                lambda row: f"<w:sdt><w:sdtContent>{row}</w:sdtContent></w:sdt>",
            ),
            {"screening.pregnant", "screening.clotting_disorder"},
        ),
        # ... rows marked as header rows after the first take the header row's formatting,
        # and the bands start after them ...
        (
            "second header row",
            _conditional("TableGrid", "firstRow", WHITE_TEXT),
            _row_of(
                "Are you pregnant?",
                lambda row: row.replace("<w:cantSplit/>", "<w:cantSplit/><w:tblHeader/>", 1),
            ),
            {"screening.pregnant"},
        ),
        (
            "bands after the header rows",
            _conditional("TableGrid", "band1Horz", WHITE_TEXT),
            _row_of(
                "Are you pregnant?",
                lambda row: row.replace("<w:cantSplit/>", "<w:cantSplit/><w:tblHeader/>", 1),
            ),
            {"screening.breastfeeding", "screening.other_conditions"},
        ),
        # ... the first row is the header row whether or not it is marked as one ...
        (
            "unmarked first row",
            _conditional("TableGrid", "firstRow", WHITE_TEXT),
            _checklist(lambda xml: xml.replace("<w:tblHeader/>", "")),
            set(),
        ),
        # ... an option a w:tblLook leaves out is Word's default for it (first column on) ...
        (
            "options left out",
            _conditional("TableGrid", "firstCol", WHITE_TEXT),
            _checklist(
                lambda xml: re.sub(
                    r"<w:tblLook [^>]*/>", '<w:tblLook w:firstRow="1" w:noHBand="0"/>', xml
                )
            ),
            set(QUESTIONS),
        ),
        # ... bands of two rows, as Word reads them, and of one, as LibreOffice does: text
        # hidden in either is hidden ...
        (
            "band size",
            lambda xml: _conditional("TableGrid", "band1Horz", WHITE_TEXT)(
                xml.replace("<w:tblBorders>", '<w:tblStyleRowBandSize w:val="2"/><w:tblBorders>', 1)
            ),
            None,
            {"screening.pregnant", "screening.breastfeeding", "screening.clotting_disorder"},
        ),
        # ... and a band size in no number's form is not one (it used to be an error).
        (
            "band size not a number",
            lambda xml: _conditional("TableGrid", "band1Horz", WHITE_TEXT)(
                xml.replace("<w:tblBorders>", '<w:tblStyleRowBandSize w:val="²"/><w:tblBorders>', 1)
            ),
            None,
            {"screening.pregnant", "screening.clotting_disorder"},
        ),
        # A paragraph style's dark shading under white text is readable.
        (
            "white on a dark paragraph",
            _conditional(
                "TableGrid",
                "band1Horz",
                WHITE_TEXT.replace("<w:rPr>", "<w:pPr><w:shd w:val=\"clear\" w:color=\"auto\" "
                                   "w:fill=\"1F3864\"/></w:pPr><w:rPr>"),
            ),
            None,
            set(),
        ),
    ],
)  # fmt: skip
def test_table_style_formatting_is_read_as_word_and_libreoffice_lay_it_out(
    rendered: bytes,
    name: str,
    styles: Callable[[str], str],
    document: Callable[[str], str] | None,
    hidden: set[str],
) -> None:
    changes = {"word/styles.xml": styles}
    if document is not None:
        changes["word/document.xml"] = document
    report = mesoconsent.verify(rewritten(rendered, changes))
    assert {p.disclosure_id for p in report.problems} == hidden, name


def _formatted_infection(formatting: str) -> Callable[[str], str]:
    """Give the run of the rare infection risk these run properties."""

    def change(xml: str) -> str:
        run = xml.rindex("<w:r>", 0, xml.index("Infection. This is rare"))
        return xml[:run] + f"<w:r><w:rPr>{formatting}</w:rPr>" + xml[run + len("<w:r>") :]

    return change


def test_a_yes_row_copied_with_its_boxes_swapped_is_caught() -> None:
    # The checklist row of a question answered Yes (and named in the alert) copied below
    # itself, the copy ticked No: the patient reads both answers.
    answers = dict(example().screening)
    answers["pregnant"] = mesoconsent.ScreeningAnswer(True)
    content = mesoconsent.render(attrs.evolve(example(), screening=answers)).content

    def copy_swapped(xml: str) -> str:
        question = xml.rindex("Are you pregnant?")  # the checklist's (the alert names it first)
        start = xml.rindex("<w:tr>", 0, question)
        end = xml.index("</w:tr>", question) + len("</w:tr>")
        row = xml[start:end]
        swapped = row.replace("\u2610", "@").replace("\u2612", "\u2610").replace("@", "\u2612")
        assert swapped != row
        return xml[:end] + swapped + xml[end:]

    problems = mesoconsent.verify(rewritten(content, {"word/document.xml": copy_swapped})).problems
    assert reasons(problems) == [("screening.pregnant", "duplicated")]


def test_latin_letters_too_small_to_read_among_arabic_ones_in_one_run_are_caught() -> None:
    # The Arabic form's contact disclosure and the clinic's name merged into one run that is
    # not marked right to left: its Arabic letters are set in w:szCs (12 points), the clinic's
    # name in w:sz (1 point). Every size the run is set in must be readable, not just one.
    arabic = mesoconsent.render(attrs.evolve(example(), locale="ar")).content
    merged_runs = re.compile(
        '<w:r><w:rPr><w:rtl/></w:rPr><w:t xml:space="preserve">([^<]*)</w:t></w:r>'
        "<w:r><w:t>(\u2066Riverside Aesthetic Clinic\u2069)</w:t></w:r>"
    )

    def merge(xml: str) -> str:
        merged, count = merged_runs.subn(
            lambda found: (
                '<w:r><w:rPr><w:sz w:val="2"/><w:szCs w:val="24"/></w:rPr>'
                f'<w:t xml:space="preserve">{found.group(1)}{found.group(2)}</w:t></w:r>'
            ),
            xml,
            count=1,
        )
        assert count == 1
        return merged

    problems = mesoconsent.verify(rewritten(arabic, {"word/document.xml": merge})).problems
    assert reasons(problems) == [("consent.complications_contact", "altered")]


def test_a_character_style_that_sets_right_to_left_sets_its_runs_complex_script_size(
    rendered: bytes,
) -> None:
    # The run sets neither w:rtl nor w:cs itself: its character style's w:rtl holds, and
    # with it the style's 1-point w:szCs.
    style = (
        '<w:style w:type="character" w:styleId="RtlTiny"><w:name w:val="Rtl Tiny"/>'
        '<w:rPr><w:rtl/><w:szCs w:val="2"/></w:rPr></w:style>'
    )
    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": _replacing("</w:styles>", style + "</w:styles>"),
                "word/document.xml": _formatted_infection('<w:rStyle w:val="RtlTiny"/>'),
            },
        )
    )
    assert reasons(report.problems) == [("risks.rare_infection", "empty")]


def test_a_line_height_without_a_rule_clips_large_text_as_an_exact_one(rendered: bytes) -> None:
    # 6.5 points with no rule: over half a line to ECMA-376 (readable), 6.5 points exactly to
    # LibreOffice, which clips 20-point text. The lower reading holds.
    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/document.xml": lambda xml: _formatted_infection('<w:sz w:val="40"/>')(
                    _line_height('w:line="130"')(xml)
                )
            },
        )
    )
    assert reasons(report.problems) == [("risks.rare_infection", "empty")]


def test_a_band_size_set_on_the_table_itself_is_read(rendered: bytes) -> None:
    # Bands of two rows in the checklist's own w:tblPr (over its style's one): Word's first
    # band is the first two questions, LibreOffice's the first and third.
    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": _conditional("TableGrid", "band1Horz", WHITE_TEXT),
                "word/document.xml": _checklist(
                    lambda xml: xml.replace(
                        "<w:tblPr>", '<w:tblPr><w:tblStyleRowBandSize w:val="2"/>', 1
                    )
                ),
            },
        )
    )
    assert {p.disclosure_id for p in report.problems} == {
        "screening.pregnant",
        "screening.breastfeeding",
        "screening.clotting_disorder",
    }


def test_a_total_row_asked_for_takes_its_formatting_and_only_the_last_row_does(
    rendered: bytes,
) -> None:
    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": _conditional("TableGrid", "lastRow", WHITE_TEXT),
                "word/document.xml": _checklist(
                    lambda xml: xml.replace(
                        'w:firstRow="1" w:lastRow="0"', 'w:firstRow="1" w:lastRow="1"'
                    )
                ),
            },
        )
    )
    assert {p.disclosure_id for p in report.problems} == {"screening.other_conditions"}


def test_a_table_with_banded_rows_turned_off_takes_no_band_formatting(rendered: bytes) -> None:
    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": _conditional("TableGrid", "band1Horz", WHITE_TEXT),
                "word/document.xml": _checklist(
                    lambda xml: xml.replace('w:noHBand="0"', 'w:noHBand="1"')
                ),
            },
        )
    )
    assert report.ok, report.problems


def test_banded_columns_turned_on_take_their_formatting(rendered: bytes) -> None:
    # The signature block (Normal Table, no first column) with banded columns on: its first
    # column, the signers' names, is the first band, in white.
    def signature_block(xml: str) -> str:
        start = xml.rindex("<w:tbl>")
        end = xml.index("</w:tbl>", start)
        banded = xml[start:end].replace('w:noVBand="1"', 'w:noVBand="0"')
        assert banded != xml[start:end]
        return xml[:start] + banded + xml[end:]

    report = mesoconsent.verify(
        rewritten(
            rendered,
            {
                "word/styles.xml": _conditional("TableNormal", "band1Vert", WHITE_TEXT),
                "word/document.xml": signature_block,
            },
        )
    )
    assert set(reasons(report.problems)) == {
        ("signature.1", "missing"),
        ("signature.2", "missing"),
    }


def test_a_bookmark_started_between_paragraphs_still_marks_the_next_one(rendered: bytes) -> None:
    # Some editors write a bookmark's start at body level, before the paragraph it marks.
    def move_start(xml: str) -> str:
        paragraph = xml.rindex("<w:p>", 0, xml.index("If you have a problem or a concern"))
        mark = re.compile(r'<w:bookmarkStart w:id="\d+" w:name="[^"]+"/>').search(xml, paragraph)
        assert mark is not None
        xml = xml[: mark.start()] + xml[mark.end() :]
        return xml[:paragraph] + mark.group(0) + xml[paragraph:]

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": move_start})).ok


def test_a_retyped_interpreter_caption_still_finds_the_interpreters_statement() -> None:
    # A caption that names no role asks for either role's statement, not for both.
    request = attrs.evolve(example(), witness=mesoconsent.Witness("Sam Patel", "interpreter"))
    rendered = mesoconsent.render(request).content

    def retype(xml: str) -> str:
        assert xml.count("<w:t>Interpreter</w:t>") == 1
        return xml.replace("<w:t>Interpreter</w:t>", "<w:t>Interpreter / Dolmetscher</w:t>")

    report = mesoconsent.verify(rewritten(rendered, {"word/document.xml": retype}))
    assert report.ok, report.problems


@pytest.mark.parametrize(
    ("spacing", "formatting"),
    [
        (None, '<w:w w:val="50"/>'),  # letters at half their width
        (None, '<w:sz w:val="12"/><w:szCs w:val="12"/>'),  # 6 points
        (None, '<w:sz w:val="24"/><w:spacing w:val="-80"/>'),  # condensed by a third of 12 pt
        ('w:line="120" w:lineRule="exact"', None),  # lines of 6 points (11-point text)
        ('w:line="0" w:lineRule="atLeast"', None),  # no height, growing to fit
        ('w:line="200" w:lineRule="auto"', '<w:sz w:val="48"/>'),  # over half a line
    ],
)
def test_text_exactly_at_each_limit_still_counts(
    rendered: bytes, spacing: str | None, formatting: str | None
) -> None:
    def change(xml: str) -> str:
        if spacing is not None:
            xml = _line_height(spacing)(xml)
        return _formatted_infection(formatting)(xml) if formatting is not None else xml

    report = mesoconsent.verify(rewritten(rendered, {"word/document.xml": change}))
    assert report.ok, report.problems


def test_a_question_cut_short_in_a_stored_form_is_caught(rendered: bytes) -> None:
    # The question's end deleted in an editor: it asks less than the one the patient answered.
    asked = "Have you ever had a blood clotting disorder, or do you take medicine that thins"
    assert asked in rendered_xml(rendered)

    def cut(xml: str) -> str:
        return xml.replace(asked, "Have you ever had a blood clotting disorder", 1)

    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": cut})).problems
    assert reasons(problems) == [("screening.clotting_disorder", "altered")]


def test_words_added_on_a_question_s_line_in_a_stored_form_are_caught(rendered: bytes) -> None:
    asked = "Are you pregnant?"
    assert asked in rendered_xml(rendered)

    def added(xml: str) -> str:
        return xml.replace(asked, asked + " If unsure, answer No.", 1)

    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": added})).problems
    assert reasons(problems) == [("screening.pregnant", "altered")]


def test_a_line_feed_inside_a_question_s_text_is_read_as_the_space_it_prints(
    rendered: bytes,
) -> None:
    # Word and LibreOffice print a line feed written inside w:t as a space: the added words
    # are on the question's line, not under it.
    def added(xml: str) -> str:
        return xml.replace(
            "<w:t>Are you pregnant?</w:t>",
            '<w:t xml:space="preserve">Are you pregnant?&#10;(if unsure, answer No)</w:t>',
            1,
        )

    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": added})).problems
    assert reasons(problems) == [("screening.pregnant", "altered")]


def test_a_line_break_deleted_with_tracked_changes_does_not_break_the_line(
    rendered: bytes,
) -> None:
    # Words added after the question behind a line break whose deletion is tracked: the
    # accepted form (and Word's "No Markup" view) has them on the question's line.
    def added(xml: str) -> str:
        return xml.replace(
            "<w:t>Are you pregnant?</w:t></w:r>",
            '<w:t>Are you pregnant?</w:t></w:r><w:del w:id="901" w:author="x" '
            'w:date="2026-11-27T00:00:00Z"><w:r><w:br/></w:r></w:del>'
            '<w:r><w:t xml:space="preserve"> (if unsure, answer No)</w:t></w:r>',
            1,
        )

    assert added(rendered_xml(rendered)) != rendered_xml(rendered)
    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": added})).problems
    assert reasons(problems) == [("screening.pregnant", "altered")]


def _row_change(text: str, mark: str) -> Callable[[str], str]:
    """Mark the table row holding the last ``text`` (a signer's name is also in the details
    table, above) with a tracked change (``del`` or ``ins``)."""
    tracked = f'<w:{mark} w:id="903" w:author="x" w:date="2026-11-27T00:00:00Z"/>'

    def apply(xml: str) -> str:
        start = xml.rindex("<w:tr>", 0, xml.rindex(text))
        return xml[:start] + xml[start:].replace("<w:trPr>", "<w:trPr>" + tracked, 1)

    return apply


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Are you pregnant?", ("screening.pregnant", "missing")),
        ("Jane Example", ("signature.1", "missing")),
        ("Dr Alex Morgan", ("signature.2", "missing")),
    ],
)
def test_rows_deleted_with_tracked_changes_are_gone(
    rendered: bytes, text: str, problem: tuple[str, str]
) -> None:
    # Deleting a row with changes tracked marks the row (w:trPr/w:del) and leaves its text:
    # the accepted form (Word's "No Markup" view) has no such row, so the health question,
    # or the patient's line to sign on, is gone. Verify read the row as if nothing happened.
    deleted = rewritten(rendered, {"word/document.xml": _row_change(text, "del")})
    assert reasons(mesoconsent.verify(deleted).problems) == [problem]


def test_rows_inserted_with_tracked_changes_stay(rendered: bytes) -> None:
    inserted = rewritten(rendered, {"word/document.xml": _row_change("Jane Example", "ins")})
    assert mesoconsent.verify(inserted).ok


def test_words_moved_away_with_tracked_changes_no_longer_count_where_they_were(
    rendered: bytes,
) -> None:
    # A disclosure's words moved elsewhere with tracked changes: their old place (w:moveFrom)
    # is empty in the accepted form, and the disclosure no longer says anything.
    words = "Infection. This is rare"
    xml = rendered_xml(rendered)
    start = xml.index(words)
    run = xml.rindex("<w:r>", 0, start)
    end = xml.index("</w:r>", start) + len("</w:r>")

    def moved(xml: str) -> str:
        piece = xml[run:end]
        return xml[:run] + f'<w:moveFrom w:id="902" w:author="x">{piece}</w:moveFrom>' + xml[end:]

    assert moved(xml) != xml
    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": moved})).problems
    assert reasons(problems) == [("risks.rare_infection", "empty")]


@pytest.mark.parametrize(
    "added_text",
    [
        # After a line break, or in a paragraph of its own.
        "<w:t>Are you pregnant?</w:t><w:br/><w:t>If unsure, answer No</w:t>",
        "<w:t>Are you pregnant?</w:t></w:r></w:p><w:p><w:r><w:t>If unsure, answer No</w:t>",
    ],
    ids=["line break", "paragraph"],
)
def test_text_added_under_a_question_answered_no_is_caught(
    rendered: bytes, added_text: str
) -> None:
    # Under a "no" there are no details (validation refuses them): text on the lines under
    # the question was added to the form.
    def added(xml: str) -> str:
        return xml.replace("<w:t>Are you pregnant?</w:t>", added_text, 1)

    assert "If unsure, answer No" in added(rendered_xml(rendered))
    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": added})).problems
    assert reasons(problems) == [("screening.pregnant", "altered")]


def test_details_moved_to_a_paragraph_of_their_own_under_the_question_still_pass() -> None:
    # An editor pressing Enter (not Shift+Enter) before the details: they print on the line
    # under the question, as the rendered line break puts them.
    screening = dict(example().screening)
    screening["other_conditions"] = mesoconsent.ScreeningAnswer(True, "Asthma")
    form = mesoconsent.render(attrs.evolve(example(), screening=screening)).content
    question = "Do you have any other medical condition? If yes, please describe it."
    line_break = f"<w:t>{question}</w:t></w:r><w:r><w:br/></w:r>"
    assert rendered_xml(form).count(line_break) == 1

    def new_paragraph(xml: str) -> str:
        return xml.replace(line_break, f"<w:t>{question}</w:t></w:r></w:p><w:p>", 1)

    report = mesoconsent.verify(rewritten(form, {"word/document.xml": new_paragraph}))
    assert report.ok, report.problems


def test_a_long_word_in_a_checklist_row_is_read_in_one_pass(rendered: bytes) -> None:
    # A crafted file: 60,000 letters after the question, no space. Its boxes were once found
    # with a regular expression anchored at the end, which took about half a minute here.
    def long_word(xml: str) -> str:
        return xml.replace("Are you pregnant?", "Are you pregnant?" + "a" * 60_000, 1)

    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": long_word})).problems
    assert reasons(problems) == [("screening.pregnant", "altered")]


def test_many_blank_lines_before_a_question_are_read_in_one_pass(rendered: bytes) -> None:
    # A crafted file: 60,000 line breaks before a question. Its lines were once joined again
    # for each line taken, which took about ten seconds here; blank lines change no words.
    def blank_lines(xml: str) -> str:
        return xml.replace(
            "<w:t>Are you pregnant?</w:t>", "<w:br/>" * 60_000 + "<w:t>Are you pregnant?</w:t>", 1
        )

    report = mesoconsent.verify(rewritten(rendered, {"word/document.xml": blank_lines}))
    assert report.ok, report.problems


def rendered_xml(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode()


def test_a_checklist_rows_bookmark_moved_out_of_the_table_is_caught(rendered: bytes) -> None:
    # The "pregnant" question's bookmark moved from its row onto the infection risk's words.
    def move(xml: str) -> str:
        row = xml.rindex("<w:tr>", 0, xml.index("Are you pregnant?"))
        start = re.compile(r'<w:bookmarkStart w:id="(\d+)" w:name="[^"]+"/>').search(xml, row)
        assert start is not None
        end = f'<w:bookmarkEnd w:id="{start.group(1)}"/>'
        xml = xml[: start.start()] + xml[start.end() :].replace(end, "", 1)
        words = xml.index("Infection. This is rare")
        run = xml.rindex("<w:r>", 0, words)
        paragraph_end = xml.index("</w:p>", words)
        return xml[:run] + start.group(0) + xml[run:paragraph_end] + end + xml[paragraph_end:]

    problems = mesoconsent.verify(rewritten(rendered, {"word/document.xml": move})).problems
    assert reasons(problems) == [("screening.pregnant", "altered")]


@pytest.mark.parametrize(
    ("formatting", "hidden"),
    [
        ('<w:color w:val="red"/>', False),  # no colour OOXML has: not compared as one
        ('<w:color w:val="FFFFFF"/><w:shd w:val="clear" w:color="auto" w:fill="FFFFFFF"/>', False),
        # The same value, in no colour's form, for text and fill: taken for the same colour.
        ('<w:color w:val="ZZZZZZ"/><w:shd w:val="clear" w:color="auto" w:fill="ZZZZZZ"/>', True),
    ],
)
def test_colours_in_no_hex_form_are_compared_as_written(
    rendered: bytes, formatting: str, hidden: bool
) -> None:
    report = mesoconsent.verify(
        rewritten(rendered, {"word/document.xml": _formatted_infection(formatting)})
    )
    expected = [("risks.rare_infection", "empty")] if hidden else []
    assert reasons(report.problems) == expected


def test_a_table_with_no_rows_around_a_question_is_read(rendered: bytes) -> None:
    # Not valid OOXML (a w:tbl holds rows), but such a table is no reason to fail: the
    # question's paragraph in it is read in a table without rows or columns to format.
    def wrap(xml: str) -> str:
        question = xml.index("Are you pregnant?")
        start = xml.rindex("<w:p>", 0, question)
        end = xml.index("</w:p>", question) + len("</w:p>")
        return xml[:start] + "<w:tbl>" + xml[start:end] + "</w:tbl>" + xml[end:]

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": wrap})).ok


@pytest.mark.parametrize("token", ["junk", "a=b=c"])
def test_a_values_property_edited_by_hand_is_read_without_a_crash(
    rendered: bytes, token: str
) -> None:
    # Each digest is "id=crc"; a word that is not one (or holds two "=") is ignored, and the
    # digests around it still check their disclosures.
    def edit(xml: str) -> str:
        edited, count = re.subn(
            r'(name="mesoconsent\.values"[^>]*>\s*<vt:lpwstr>)([^<]*)',
            lambda found: f"{found[1]}{found[2]} {token}",
            xml,
        )
        assert count == 1
        return edited

    assert mesoconsent.verify(rewritten(rendered, {"docProps/custom.xml": edit})).ok


def values_property(rendered: bytes, change: Callable[[str], str]) -> bytes:
    """The form with its ``mesoconsent.values`` property's text changed by ``change``."""

    def edit(xml: str) -> str:
        edited, count = re.subn(
            r'(name="mesoconsent\.values"[^>]*>\s*<vt:lpwstr>)([^<]*)',
            lambda found: found[1] + change(found[2]),
            xml,
        )
        assert count == 1
        return edited

    return rewritten(rendered, {"docProps/custom.xml": edit})


def without_values_record(xml: str) -> str:
    """docProps/custom.xml without the ``mesoconsent.values`` property."""
    return re.sub(
        r'<property [^>]*name="mesoconsent\.values".*?</property>', "", xml, flags=re.DOTALL
    )


def test_a_form_of_this_version_without_its_values_record_fails(rendered: bytes) -> None:
    # Found by a review: the phone changed by hand and the property removed (or the whole of
    # docProps/custom.xml), verify passed the form without a word; every form of the
    # installed template version records its values.
    changed = rewritten(
        values_property(rendered, lambda _: ""),
        {"word/document.xml": lambda xml: xml.replace("7946 0000", "0000 0000", 1)},
    )
    report = mesoconsent.verify(rewritten(changed, {"docProps/custom.xml": without_values_record}))
    assert [problem.disclosure_id for problem in report.problems] == ["document"]
    assert "records no digests of its values" in report.problems[0].reason
    # An empty record is a record: the values it lacks are named.
    report = mesoconsent.verify(changed)
    assert "consent.complications_contact" in [p.disclosure_id for p in report.problems]
    assert {p.reason for p in report.problems} == {
        "its value's digest is not in mesoconsent.values, so the value cannot be checked"
    }


def test_a_value_whose_digest_was_taken_out_of_the_record_is_named(rendered: bytes) -> None:
    def drop_contact(recorded: str) -> str:
        kept = [pair for pair in recorded.split() if not pair.startswith("consent.complications")]
        assert len(kept) == len(recorded.split()) - 1
        return " ".join(kept)

    report = mesoconsent.verify(values_property(rendered, drop_contact))
    assert reasons(report.problems) == [
        (
            "consent.complications_contact",
            "its value's digest is not in mesoconsent.values, so the value cannot be checked",
        )
    ]


def test_no_bundled_procedure_s_current_version_is_said_to_predate_the_values_record() -> None:
    # verify fails a form without its values unless its version predates the record: the
    # version forms are made with now records them.
    bundled = mesoconsent.Engine(include_bundled=True).procedures
    assert set(BEFORE_VALUES) <= set(bundled)
    for procedure in bundled.values():
        assert procedure.template_version not in BEFORE_VALUES.get(procedure.id, ())


@pytest.mark.parametrize("version", ["1.2.1", "9.9.9", "Jane-Doe"])
def test_a_form_of_another_version_without_values_fails(rendered: bytes, version: str) -> None:
    # Found by a review: any version but the installed one got a note, so removing the
    # record and editing the version turned an altered value into a note.
    def other(xml: str) -> str:
        return xml.replace(":mesotherapy:1.2.0:", f":mesotherapy:{version}:")

    report = mesoconsent.verify(
        rewritten(
            rendered, {"docProps/core.xml": other, "docProps/custom.xml": without_values_record}
        )
    )
    assert [p.disclosure_id for p in report.problems] == ["document"]
    assert "records no digests of its values" in report.problems[0].reason


def test_a_form_of_an_earlier_version_without_values_is_checked_with_a_note(
    rendered: bytes,
) -> None:
    def earlier(xml: str) -> str:
        assert ":mesotherapy:1.2.0:" in xml
        return xml.replace(":mesotherapy:1.2.0:", ":mesotherapy:1.1.0:")

    report = mesoconsent.verify(
        rewritten(
            rendered, {"docProps/core.xml": earlier, "docProps/custom.xml": without_values_record}
        )
    )
    assert report.ok, report.problems
    assert any("records no digests of its values" in note for note in report.notes)


@pytest.mark.parametrize("character", ["\u2065", "\u206a"])
def test_characters_beside_the_directional_isolates_are_text_not_layout(character: str) -> None:
    # Only U+2066-U+2069 are the isolates the right-to-left writer adds (and verify drops);
    # their unassigned and deprecated neighbours, which requests may hold, are compared as
    # text, in the form as in the wording.
    request = attrs.evolve(
        example(),
        locale="ar",
        clinic=attrs.evolve(example().clinic, name=f"Riverside{character} Clinic"),
    )
    assert mesoconsent.verify(mesoconsent.render(request).content).ok


# What verify reads comes from outside: a small crafted file must fail fast and say nothing
# of its own making (found by a security audit: minutes or gigabytes from files of tens of KB,
# and lines of the file's choosing in the report).


def questions_per_style(data: bytes, monkeypatch: pytest.MonkeyPatch, kind: str, count: int) -> int:
    """Verify ``data`` (which must pass) and return how many times the styles named
    ``<kind><n>`` were each asked for a property of their own, at most."""
    from mesoconsent import visibility

    own = visibility.Visibility._own
    asked: dict[str, int] = {}

    def counted(self: visibility.Visibility, style: Any, *args: Any) -> Any:
        name = style.get(qn("w:styleId"), "") if style is not None else ""
        if re.fullmatch(f"{kind}[0-9]+", name):
            asked[name] = asked.get(name, 0) + 1
        return own(self, style, *args)

    monkeypatch.setattr(visibility.Visibility, "_own", counted)
    assert mesoconsent.verify(data).ok
    assert len(asked) == count
    return max(asked.values())


def chained_styles(kind: str, style_type: str, count: int) -> str:
    """``count`` styles, each based on the next."""
    return "".join(
        f'<w:style w:type="{style_type}" w:styleId="{kind}{i}">'
        f'<w:basedOn w:val="{kind}{i + 1}"/></w:style>'
        for i in range(count)
    )


def test_a_long_chain_of_styles_is_read_once_for_each_style(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each style based on the next, each used by one paragraph: remembering the answer only
    # for the style asked about walked the whole chain for every paragraph (N * N steps;
    # 2,000 styles took 40 s).
    count = 300
    paragraphs = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="s{i}"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>'
        for i in range(count)
    )
    styles = chained_styles("s", "paragraph", count)
    chained = rewritten(
        rendered,
        {
            "word/styles.xml": lambda xml: xml.replace("</w:styles>", styles + "</w:styles>"),
            "word/document.xml": lambda xml: xml.replace("<w:body>", "<w:body>" + paragraphs),
        },
    )
    # Each style of the chain is asked each question once (about a dozen: properties of runs
    # and paragraphs, as Word and LibreOffice read them), not once per paragraph above it.
    assert questions_per_style(chained, monkeypatch, "s", count) <= 20


def test_tables_on_a_long_chain_of_table_styles_read_it_once(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The band sizes were read through a function made for each table, under which nothing
    # was found again: each table walked the chain, and remembered it (1,000 tables on a
    # chain of 2,000 styles: 19 s and 516 MB).
    count = 200
    table = (
        '<w:tbl><w:tblPr><w:tblStyle w:val="t0"/></w:tblPr><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>'
    )
    styles = chained_styles("t", "table", count)
    chained = rewritten(
        rendered,
        {
            "word/styles.xml": lambda xml: xml.replace("</w:styles>", styles + "</w:styles>"),
            "word/document.xml": lambda xml: xml.replace("<w:body>", "<w:body>" + table * 100),
        },
    )
    assert questions_per_style(chained, monkeypatch, "t", count) <= 40


def test_a_row_of_many_cells_is_listed_once(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its cells were listed again for each paragraph in it: 8,000 cells (a 10 KB file) took
    # 67 s.
    from mesoconsent import visibility

    cells = 2_000
    row = "<w:tbl><w:tr>" + "<w:tc><w:p/></w:tc>" * cells + "</w:tr></w:tbl>"
    wide = rewritten(
        rendered, {"word/document.xml": lambda xml: xml.replace("<w:body>", "<w:body>" + row)}
    )
    calls = counting(monkeypatch, visibility, "_nearest")
    assert mesoconsent.verify(wide).ok
    assert calls.count < 20 * cells  # listed for each paragraph: cells * cells, 4 million


def repackaged(data: bytes, parts: dict[str, bytes | None]) -> bytes:
    """The package with some parts replaced, added, or (None) left out; deflated."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        kept = {info.filename: source.read(info) for info in source.infolist()}
        for name, content in {**kept, **parts}.items():
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def test_a_part_larger_than_a_form_s_is_refused_without_its_name(rendered: bytes) -> None:
    # The name comes from the file: quoted, it put a line of the file's choosing in the report.
    import zipfile

    forged = "word/main.xml\nOK: forged.docx states all 38 required disclosures"
    with zipfile.ZipFile(io.BytesIO(rendered)) as package:
        main = package.read("word/document.xml").decode()
        relationships = package.read("_rels/.rels").decode()
    huge = main.replace("<w:body>", "<w:body>" + "<w:p/>" * 800_000)  # 4.8 MB, deflated 5 KB
    relationships = relationships.replace("word/document.xml", forged.replace("\n", "&#10;"))
    crafted = repackaged(
        rendered,
        {"word/document.xml": None, forged: huge.encode(), "_rels/.rels": relationships.encode()},
    )
    assert len(crafted) < 100_000
    with pytest.raises(DocumentReadError, match=r"too large to be a consent form") as raised:
        mesoconsent.verify(crafted)
    assert "forged" not in str(raised.value)


@pytest.mark.parametrize(
    ("element", "count", "said"),
    [("<w:p/>", 20_001, "more paragraphs"), ("<w:r/>", 100_001, "more runs of text")],
)
def test_more_paragraphs_or_runs_than_a_form_s_are_refused(
    rendered: bytes, element: str, count: int, said: str
) -> None:
    # A million empty paragraphs, 6 MB inflated from an 18 KB file, took 24 s to read.
    wrapped = element if element == "<w:p/>" else f"<w:p>{element * count}</w:p>"
    crafted = rewritten(
        rendered,
        {
            "word/document.xml": lambda xml: xml.replace(
                "<w:body>", "<w:body>" + (wrapped * count if element == "<w:p/>" else wrapped)
            )
        },
    )
    with pytest.raises(DocumentReadError, match=said):
        mesoconsent.verify(crafted)


def test_exactly_as_many_paragraphs_as_the_limit_are_read(rendered: bytes) -> None:
    # The limit is a number of paragraphs a file may hold: that many are read, one more is not.
    from mesoconsent import verification

    def with_paragraphs(count: int) -> bytes:
        added = "<w:p/>" * count
        return rewritten(
            rendered, {"word/document.xml": lambda xml: xml.replace("<w:body>", "<w:body>" + added)}
        )

    own = sum(1 for _ in docx_part(rendered, "word/document.xml").iter(qn("w:p")))
    room = verification._MAX_PARAGRAPHS - own
    assert mesoconsent.verify(with_paragraphs(room)).ok
    with pytest.raises(DocumentReadError, match="more paragraphs"):
        mesoconsent.verify(with_paragraphs(room + 1))


def test_more_parts_than_a_form_s_are_refused_before_they_are_listed(rendered: bytes) -> None:
    crafted = repackaged(rendered, {f"x/{n}": b"" for n in range(1_001)})
    with pytest.raises(DocumentReadError, match="holds more parts than a consent form"):
        mesoconsent.verify(crafted)


def test_a_list_of_parts_larger_than_a_form_s_is_refused_before_it_is_read(
    rendered: bytes,
) -> None:
    # A few parts with names of 60,000 characters make a list of a megabyte and more, which
    # zipfile reads whole: its size is bounded as well as its count.
    crafted = repackaged(rendered, {f"x/{n:02}" + "x" * 60_000: b"" for n in range(20)})
    with pytest.raises(DocumentReadError, match="holds more parts than a consent form"):
        mesoconsent.verify(crafted)


def with_zip64_end(data: bytes, *, classic: tuple[int, int]) -> bytes:
    """``data`` with a zip64 end record holding its real count and list size, and the classic
    end record saying ``classic`` (parts, list size) instead: zipfile goes by the zip64 one."""
    end = data.rindex(b"PK\x05\x06")
    total, size, offset = struct.unpack_from("<2xHLL", data, end + 8)
    zip64_end = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, total, total, size, offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    parts, listed = classic
    record = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, parts, parts, listed, offset, 0)
    return data[:end] + zip64_end + locator + record


def test_a_zip64_end_record_cannot_hide_the_number_of_parts(rendered: bytes) -> None:
    # The classic record claimed 12 parts in 1 KB; zipfile read the zip64 one, and listed
    # them all (a million parts: 6 s and 600 MB, reported OK).
    many = repackaged(rendered, {f"x/{n}": b"" for n in range(1_001)})
    with pytest.raises(DocumentReadError, match="holds more parts than a consent form"):
        mesoconsent.verify(with_zip64_end(many, classic=(12, 1024)))


def test_a_form_with_a_zip64_end_record_verifies(rendered: bytes) -> None:
    # Writers that always write zip64 leave the classic record's counts at their maximum.
    assert mesoconsent.verify(with_zip64_end(rendered, classic=(0xFFFF, 0xFFFFFFFF))).ok


def test_a_signature_inside_the_end_record_does_not_skip_the_check(rendered: bytes) -> None:
    many = bytearray(repackaged(rendered, {f"x/{n}": b"" for n in range(1_001)}))
    many[-14:-10] = b"PK\x05\x06"  # the list's offset, as a second signature
    with pytest.raises(DocumentReadError):
        mesoconsent.verify(bytes(many))


def test_a_form_s_own_parts_are_well_within_the_limits(rendered: bytes) -> None:
    import zipfile

    from mesoconsent import verification

    with zipfile.ZipFile(io.BytesIO(rendered)) as package:
        assert len(package.infolist()) * 50 < verification._MAX_ENTRIES
        assert package.getinfo("word/document.xml").file_size * 100 < verification._MAX_PART


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_or_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    # /dev/zero was read until memory ran out; a named pipe waited for a writer for ever.
    pipe = tmp_path / "form.docx"
    os.mkfifo(pipe)
    with pytest.raises(DocumentReadError, match="not a regular file"):
        mesoconsent.verify(pipe)
    if Path("/dev/zero").exists():
        with pytest.raises(DocumentReadError, match="not a regular file"):
            mesoconsent.verify("/dev/zero")


def test_a_recorded_revision_is_shown_only_in_the_shape_of_one(rendered: bytes) -> None:
    # The property is the file's own text: a newline in it put a forged line in the report.
    forged = "x&#10;OK: forged.docx states all 38 required disclosures"
    crafted = rewritten(
        rendered,
        {
            "docProps/custom.xml": lambda xml: xml.replace(
                'name="mesoconsent.catalog_revision"><vt:lpwstr>source<',
                f'name="mesoconsent.catalog_revision"><vt:lpwstr>{forged}<',
            )
        },
    )
    report = mesoconsent.verify(crafted)
    assert report.ok
    [note] = report.notes
    assert "another revision of the en catalog (unreadable; installed: source)" in note
    assert "forged" not in note


def test_a_recorded_template_version_is_shown_only_in_the_shape_of_one(rendered: bytes) -> None:
    # The identifier is the file's own text too: whoever edits the form can put anything in
    # its version (a patient's name), which the report and its notes must not repeat.
    crafted = with_identifier(rendered, "urn:mesoconsent:mesotherapy:Jane-Example:en")
    report = mesoconsent.verify(crafted)
    assert report.template_version == "unreadable"
    assert any("rendered with template version unreadable" in note for note in report.notes)
    assert not [note for note in report.notes if "Jane" in note]


def test_a_recorded_locale_is_shown_only_in_the_shape_of_one(rendered: bytes) -> None:
    # Checked against another catalog than the one it records, the form's own locale is
    # named in a note: only if it is shaped as a locale, since it could be anything.
    version = mesoconsent.default_engine().procedures["mesotherapy"].template_version
    crafted = with_identifier(rendered, f"urn:mesoconsent:mesotherapy:{version}:JaneExample")
    report = mesoconsent.verify(crafted, locale="en")
    assert report.ok, report.problems
    assert any("the form records the locale (unreadable)" in note for note in report.notes)
    assert not [note for note in report.notes if "Jane" in note]


def clinic_peel(tmp_path: Path, version: str) -> Path:
    """A clinic's own procedure, 'peel' at ``version``, extending mesotherapy's template."""
    templates = tmp_path / "templates"
    (templates / "peel").mkdir(parents=True)
    definition = (
        mesoconsent.resources.templates_dir() / "mesotherapy" / "procedure.toml"
    ).read_text(encoding="utf-8")
    definition = (
        definition.replace('id = "mesotherapy"', 'id = "peel"')
        .replace("mesotherapy/consent.html.j2", "peel/consent.html.j2")
        .replace('template_version = "1.2.0"', f'template_version = "{version}"')
    )
    (templates / "peel" / "procedure.toml").write_text(definition, encoding="utf-8")
    (templates / "peel" / "consent.html.j2").write_text(
        '{% extends "mesotherapy/consent.html.j2" %}\n', encoding="utf-8"
    )
    return templates


def test_a_clinic_procedure_s_own_version_is_shown_and_its_forms_without_values_fail(
    tmp_path: Path,
) -> None:
    # Found by a review: a clinic's installed "release-3" was reported "unreadable". And found
    # by another: a form of a clinic's procedure whose values record was deleted got a note
    # and passed, with its values, the patient's details and the signers' names unchecked
    # (every mesoconsent a clinic can have made its forms with records them), where a
    # mesotherapy form fails; so it did after its clinic had moved on to another version.
    engine = mesoconsent.Engine(clinic_peel(tmp_path / "now", "release-3"))
    form = engine.render_quietly(attrs.evolve(example(), procedure="peel")).content
    report = engine.verify(form)
    assert report.ok, report.problems
    assert (report.template_version, report.notes) == ("release-3", ())

    later = mesoconsent.Engine(clinic_peel(tmp_path / "later", "release-4"))
    stripped = rewritten(form, {"docProps/custom.xml": without_values_record})
    for verifier in (engine, later):
        report = verifier.verify(stripped)
        assert not report.ok
        assert [problem.disclosure_id for problem in report.problems] == ["document"]
        assert "records no digests of its values" in report.problems[0].reason


# -- found by a review of the Yes/No headings and the signers' digests ---------------------------
def _checklist_heading_row(xml: str) -> tuple[int, int]:
    """Where the checklist's heading row starts and ends in the main document's XML."""
    table = xml.rindex("<w:tbl>", 0, xml.index(">Question<"))
    start = xml.index("<w:tr>", table)
    return start, xml.index("</w:tr>", start) + len("</w:tr>")


def _swapped_row_under_the_heading(hide: Callable[[str], str]) -> Callable[[str], str]:
    """The heading row changed by ``hide``, and under it a plain row reading 'No' then 'Yes'."""

    def change(xml: str) -> str:
        start, end = _checklist_heading_row(xml)
        heading = xml[start:end]
        swapped = heading.replace("<w:tblHeader/>", "")
        swapped = swapped.replace(">Yes<", ">@<").replace(">No<", ">Yes<").replace(">@<", ">No<")
        return xml[:start] + hide(heading) + swapped + xml[end:]

    return change


BOLD = "<w:rPr><w:b/><w:bCs/></w:rPr>"


@pytest.mark.parametrize(
    "hide",
    [
        lambda row: row.replace(BOLD, "<w:rPr><w:b/><w:bCs/><w:vanish/></w:rPr>"),
        lambda row: row.replace(BOLD, "<w:rPr><w:b/><w:bCs/><w:strike/></w:rPr>"),
    ],
    ids=["hidden", "struck"],
)
def test_a_heading_row_hidden_over_a_swapped_one_is_caught(
    rendered: bytes, hide: Callable[[str], str]
) -> None:
    # The headings' words were read however they were formatted, so the rendered heading row
    # could be hidden and a row reading 'No' then 'Yes' put under it: every answer printed
    # inverted, and verify passed. Only their colour is left aside (Word's table styles).
    changed = rewritten(rendered, {"word/document.xml": _swapped_row_under_the_heading(hide)})
    assert NOT_HEADED in reasons(mesoconsent.verify(changed).problems)


WHITE = '<w:rPr><w:b/><w:bCs/><w:color w:val="FFFFFF"/></w:rPr>'


@pytest.mark.parametrize(
    "hide",
    [
        lambda row: row,  # the heading left as it is: the row under it contradicts it
        lambda row: row.replace(BOLD, WHITE),  # white on white, which headings may be
        lambda row: row.replace("<w:trPr>", '<w:trPr><w:trHeight w:val="1" w:hRule="exact"/>'),
    ],
    ids=["shown", "white", "a row one twip high"],
)
def test_a_row_relabelling_the_boxes_under_the_heading_is_caught(
    rendered: bytes, hide: Callable[[str], str]
) -> None:
    # Found by a review: with the heading made unreadable by its colour or its row's height
    # (neither of which verify reads for headings), a plain row reading 'No' then 'Yes' under
    # it relabelled every answer. Any row above the questions that shows words over the
    # boxes must show the headings.
    changed = rewritten(rendered, {"word/document.xml": _swapped_row_under_the_heading(hide)})
    assert NOT_HEADED in reasons(mesoconsent.verify(changed).problems)


def test_a_title_across_the_checklist_labels_no_column(rendered: bytes) -> None:
    # A row whose one cell spans the table (an editor's "Medical history") heads no box.
    def title(xml: str) -> str:
        start, _ = _checklist_heading_row(xml)
        row = (
            '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="3"/></w:tcPr><w:p><w:r>'
            "<w:t>Medical history</w:t></w:r></w:p></w:tc></w:tr>"
        )
        return xml[:start] + row + xml[start:]

    changed = rewritten(rendered, {"word/document.xml": title})
    assert "Medical history" in rendered_xml(changed)
    assert mesoconsent.verify(changed).ok


def _cell(words: str = "", *, properties: str = "", run: str | None = None) -> str:
    shown = f"<w:r><w:t>{words}</w:t></w:r>" if run is None else run
    return f"<w:tc><w:tcPr>{properties}</w:tcPr><w:p>{shown}</w:p></w:tc>"


def _drawn(word: str) -> str:
    """A run printing ``word`` with w:sym, a character at a time: no text, yet it reads."""
    symbols = "".join(f'<w:sym w:font="Arial" w:char="{ord(c):04X}"/>' for c in word)
    return f"<w:r>{symbols}</w:r>"


_GRID = (
    '<w:tblGrid><w:gridCol w:w="7231"/><w:gridCol w:w="1033"/><w:gridCol w:w="1034"/></w:tblGrid>'
)
_SWAPPED = "<w:tr>" + _cell() + _cell("No") + _cell("Yes") + "</w:tr>"
_SPANNING = '<w:gridSpan w:val="3"/>'


def _whitened_heading_and(where: str, added: str) -> Callable[[str], str]:
    """The checklist's heading printed white on its fill (which verify leaves aside for
    headings), and ``added`` put ``where``: "under" the heading, "below" the last question,
    or "before" the table."""

    def change(xml: str) -> str:
        start, end = _checklist_heading_row(xml)
        table = xml.rindex("<w:tbl>", 0, start)
        xml = xml[:start] + xml[start:end].replace(BOLD, WHITE) + xml[end:]
        if where == "under":
            _, end = _checklist_heading_row(xml)
            return xml[:end] + added + xml[end:]
        if where == "below":
            last = xml.index("</w:tbl>", table)
            return xml[:last] + added + xml[last:]
        return xml[:table] + added + xml[table:]

    return change


@pytest.mark.parametrize(
    ("where", "added"),
    [
        # Letters drawn with w:sym print as text does: read as words that could be any.
        (
            "under",
            "<w:tr>" + _cell() + _cell(run=_drawn("No")) + _cell(run=_drawn("Yes")) + "</w:tr>",
        ),
        # A box in the row (here where a question would be) left the whole row unread.
        ("under", "<w:tr>" + _cell("\u2610") + _cell("No") + _cell("Yes") + "</w:tr>"),
        # A row cut short: its last cell is over the Yes box alone, not over both.
        (
            "under",
            '<w:tr><w:trPr><w:gridAfter w:val="1"/></w:trPr>' + _cell() + _cell("No") + "</w:tr>",
        ),
        ("under", "<w:tr>" + _cell() + _cell("No") + "</w:tr>"),
        # Columns skipped before the row's first cell put its cells over the boxes.
        (
            "under",
            '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>'
            + _cell("No")
            + _cell("Yes")
            + "</w:tr>",
        ),
        # A table inside a cell across the table has columns of its own over the boxes.
        (
            "under",
            f"<w:tr><w:tc><w:tcPr>{_SPANNING}</w:tcPr><w:tbl>{_GRID}{_SWAPPED}</w:tbl><w:p/></w:tc></w:tr>",
        ),
        # Labels under the boxes relabel them as well as labels over them.
        ("below", _SWAPPED),
        # Word shows a table right before another, nothing between them, as one table.
        ("before", f"<w:tbl><w:tblPr/>{_GRID}{_SWAPPED}</w:tbl>"),
    ],
    ids=[
        "drawn",
        "a box in the row",
        "gridAfter",
        "cut short",
        "gridBefore",
        "table inside",
        "below",
        "table before",
    ],
)
def test_other_ways_to_relabel_the_boxes_are_caught(
    rendered: bytes, where: str, added: str
) -> None:
    # Found by a review of the row check: each printed 'No' over the Yes box (and mostly
    # 'Yes' over the No box, LibreOffice's PDF shows them) and passed.
    changed = rewritten(rendered, {"word/document.xml": _whitened_heading_and(where, added)})
    assert NOT_HEADED in reasons(mesoconsent.verify(changed).problems)


@pytest.mark.parametrize(
    "added",
    [
        # An instruction merged across the question's column only, or across the table.
        '<w:tr><w:trPr><w:gridAfter w:val="2"/></w:trPr>'
        + _cell("Tick one box a question")
        + "</w:tr>",
        f"<w:tr>{_cell('Medical history', properties=_SPANNING)}</w:tr>",
        # A row of boxes of a clinic's own ("tick if reviewed"), read as no words over them.
        "<w:tr>" + _cell("Reviewed") + _cell("\u2610") + _cell("\u2610") + "</w:tr>",
    ],
    ids=["across the question's column", "across the table", "boxes of its own"],
)
def test_rows_showing_nothing_over_a_box_pass_above_and_below(rendered: bytes, added: str) -> None:
    for where in ("under", "below"):
        changed = rewritten(
            rendered,
            {"word/document.xml": _whitened_heading_and(where, added)},
        )
        assert mesoconsent.verify(changed).ok, where


@pytest.mark.parametrize("inside", ["a row of its own", "the question's cell"])
def test_tables_inside_rows_are_read_once(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch, inside: str
) -> None:
    # Every row was read for words over the boxes, a table inside a cell with it: tables
    # nested 70 deep, a question at each level and 8,000 paragraphs at the bottom (390 KB)
    # had the paragraphs read at every level, and took 79 s. Nested in the question's own
    # cell, the question rows' text read them at every level too: 100 s.
    from mesoconsent import visibility

    depth, paragraphs = 30, 2_000

    def craft(xml: str) -> str:
        _, end = _checklist_heading_row(xml)
        question = xml[end : xml.index("</w:tr>", end) + len("</w:tr>")]
        inner = "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * paragraphs
        for _ in range(depth):
            if inside == "a row of its own":
                holding = f"<w:tr><w:tc>{inner}<w:p/></w:tc>{_cell()}{_cell()}</w:tr>"
                inner = f"<w:tbl>{_GRID}{question}{holding}</w:tbl><w:p/>"
            else:
                holding = question.replace("</w:p></w:tc>", f"</w:p>{inner}<w:p/></w:tc>", 1)
                inner = f"<w:tbl>{_GRID}{holding}</w:tbl><w:p/>"
        return xml[:end] + f"<w:tr><w:tc>{inner}</w:tc>{_cell()}{_cell()}</w:tr>" + xml[end:]

    crafted = rewritten(rendered, {"word/document.xml": craft})
    calls = counting(monkeypatch, visibility, "_text")
    mesoconsent.verify(crafted)
    assert calls.count < 3 * paragraphs  # read at every level: 133,288


def test_checklist_rows_in_many_tables_are_not_each_read_against_every_table(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each table of checklist rows is read against every table touching it: a file of the
    # checklist repeated a hundred times, nothing between the copies, is refused (its rows are
    # duplicated) without reading each copy's boxes against every other copy's rows.
    from mesoconsent import verification

    def repeated(xml: str) -> str:
        table = xml.rindex("<w:tbl>", 0, xml.index(">Question<"))
        end = xml.index("</w:tbl>", table) + len("</w:tbl>")
        return xml[:table] + xml[table:end] * 100 + xml[end:]

    crafted = rewritten(rendered, {"word/document.xml": repeated})
    calls = counting(monkeypatch, verification, "_over_boxes")
    assert not mesoconsent.verify(crafted).ok
    assert calls.count < 1_000  # each copy against every other: 10,000


def test_a_box_cell_holding_more_than_a_label_is_read_no_further_than_a_label(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A box and a label fill a box cell: a cell holding more is none, and is told so without
    # reading the rest of it (here 5,000 paragraphs under the Yes box's label, read again
    # each time the row is looked at).
    from mesoconsent import verification

    def craft(xml: str) -> str:
        label = '<w:t xml:space="preserve"> Yes</w:t></w:r></w:p>'
        return xml.replace(label, label + "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 5_000, 1)

    crafted = rewritten(rendered, {"word/document.xml": craft})
    calls = counting(monkeypatch, verification, "written_text")
    assert not mesoconsent.verify(crafted).ok
    assert calls.count < 1_000  # read whole: 10,027


def test_headings_drawn_with_symbols_are_caught(rendered: bytes) -> None:
    # w:sym prints a character that is no text: 'Yes' hidden and 'No' drawn in its place.
    def draw(xml: str) -> str:
        letters = "".join(f'<w:sym w:font="Arial" w:char="{ord(c):04X}"/>' for c in "No")
        yes = f"<w:r>{BOLD}<w:t>Yes</w:t></w:r>"
        hidden = f"<w:r><w:rPr><w:vanish/></w:rPr><w:t>Yes</w:t></w:r><w:r>{letters}</w:r>"
        return xml.replace(yes, hidden, 1)

    changed = rewritten(rendered, {"word/document.xml": draw})
    assert NOT_HEADED in reasons(mesoconsent.verify(changed).problems)


def test_a_heading_cell_s_border_moved_still_heads_its_column(rendered: bytes) -> None:
    # The border between 'Question' and 'Yes' dragged in the heading row only, as Word writes
    # it: a new grid column, the heading's first cell spanning it and the boxes' cells too.
    # The 'Yes' heading still stands over the Yes boxes; it was read as 'Question'.
    def drag(xml: str) -> str:
        # The widths as the writer makes them: should they change, this edit must fail, not
        # verify an unchanged form.
        assert xml.count('<w:gridCol w:w="7231"/><w:gridCol w:w="1033"/>') == 1
        xml = xml.replace(
            '<w:gridCol w:w="7231"/><w:gridCol w:w="1033"/>',
            '<w:gridCol w:w="7231"/><w:gridCol w:w="100"/><w:gridCol w:w="933"/>',
        )
        start, end = _checklist_heading_row(xml)
        table_end = xml.index("</w:tbl>", end)
        heading = xml[start:end].replace(
            '<w:tcW w:w="7231" w:type="dxa"/>',
            '<w:tcW w:w="7331" w:type="dxa"/><w:gridSpan w:val="2"/>',
        )
        heading = heading.replace(
            '<w:tcW w:w="1033" w:type="dxa"/>', '<w:tcW w:w="933" w:type="dxa"/>'
        )
        assert heading.count("w:gridSpan") == 1  # both cells of the heading were found
        rows = xml[end:table_end].replace(
            '<w:tcW w:w="1033" w:type="dxa"/>',
            '<w:tcW w:w="1033" w:type="dxa"/><w:gridSpan w:val="2"/>',
        )
        return xml[:start] + heading + rows + xml[table_end:]

    assert mesoconsent.verify(rewritten(rendered, {"word/document.xml": drag})).ok


def test_heading_rows_are_read_once_a_table(
    rendered: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The heading rows above each checklist row were read again for it: 10,000 rows marked
    # to repeat and 1,000 checklist rows (an 18 KB file) took 99 s.
    from mesoconsent import verification

    headers, questions = 2_000, 200

    def craft(xml: str) -> str:
        _, end = _checklist_heading_row(xml)
        row_end = xml.index("</w:tr>", end) + len("</w:tr>")
        question = xml[end:row_end].replace("<w:cantSplit/>", "<w:cantSplit/><w:tblHeader/>")
        filler = "<w:tr><w:trPr><w:tblHeader/></w:trPr></w:tr>" * headers
        return xml[:end] + filler + question * questions + xml[row_end:]

    crafted = rewritten(rendered, {"word/document.xml": craft})
    calls = counting(monkeypatch, verification, "is_header_row")
    assert ("screening.pregnant", "duplicated") in reasons(mesoconsent.verify(crafted).problems)
    assert calls.count < 2 * (headers + questions + 50)  # read again: about 440,000


def test_headings_below_rows_of_the_template_s_own_verify(tmp_path: Path) -> None:
    # The render gate reads any row of <th> above the questions as their headings; verify read
    # only the first rows, so a clinic's checklist with two instruction rows over its
    # heading row rendered and then failed verify.
    from tests.helpers import CHECKLIST_TABLE, copy_templates

    templates = copy_templates(tmp_path)
    consent = templates / "mesotherapy" / "consent.html.j2"
    instructions = (
        "<tr><td>Please answer every question.</td><td></td><td></td></tr>"
        "<tr><td>Ask us if you are unsure.</td><td></td><td></td></tr>"
    )
    text = consent.read_text(encoding="utf-8")
    heading = re.search(CHECKLIST_TABLE + r"\n\{%- static %\}\n", text)
    assert heading is not None
    consent.write_text(
        text.replace(heading.group(), heading.group() + instructions, 1), encoding="utf-8"
    )
    engine = mesoconsent.Engine(template_dirs=[templates])
    form = engine.render_quietly(example()).content
    assert engine.verify(form).ok


CAPTION = "<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t>Patient</w:t></w:r><w:r><w:br/></w:r>"


@pytest.mark.parametrize(
    "caption",
    [
        # Retyped on two lines, as a bilingual clinic would.
        "<w:r><w:rPr><w:b/></w:rPr><w:t>Patient</w:t><w:br/><w:t>Patientin</w:t></w:r>"
        "<w:r><w:br/></w:r>",
        # The name put in a paragraph of its own (Enter for the line break).
        "<w:r><w:rPr><w:b/></w:rPr><w:t>Patient</w:t></w:r></w:p>"
        '<w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>',
    ],
    ids=["two lines", "two paragraphs"],
)
def test_a_signer_s_caption_retyped_keeps_the_name_unaltered(rendered: bytes, caption: str) -> None:
    # The name was read as all that follows the first line break: a caption on two lines, or
    # a name in a paragraph of its own, made the unchanged name 'altered'.
    changed = rewritten(rendered, {"word/document.xml": _replacing(CAPTION, caption)})
    assert mesoconsent.verify(changed).ok
    renamed = rewritten(changed, {"word/document.xml": _replacing("Jane Example<", "John Other<")})
    assert ("signature.1", "altered") in reasons(mesoconsent.verify(renamed).problems)


# -- mc:AlternateContent: what Word shows of it ---------------------------------------------------
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_SOFTENED = "<w:p><w:r><w:t>Infection. This is rare and harmless.</w:t></w:r></w:p>"


def _alternatives(requires: str, namespace: str) -> Callable[[str], str]:
    """The infection paragraph as the mc:Choice of an mc:AlternateContent requiring
    ``requires`` (declared as ``namespace``), and a softened one as its mc:Fallback."""

    def change(xml: str) -> str:
        start = xml.rindex("<w:p>", 0, xml.index("Infection. This is rare"))
        end = xml.index("</w:p>", start) + len("</w:p>")
        alternate = (
            f'<mc:AlternateContent xmlns:mc="{_MC}" xmlns:{requires}="{namespace}">'
            f'<mc:Choice Requires="{requires}">{xml[start:end]}</mc:Choice>'
            f"<mc:Fallback>{_SOFTENED}</mc:Fallback></mc:AlternateContent>"
        )
        return xml[:start] + alternate + xml[end:]

    return change


def test_a_choice_word_understands_is_read_and_its_fallback_is_not(rendered: bytes) -> None:
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    changed = rewritten(rendered, {"word/document.xml": _alternatives("wps", wps)})
    assert "harmless" in rendered_xml(changed)
    assert mesoconsent.verify(changed).ok


def test_a_choice_requiring_what_no_word_processor_knows_is_not_what_prints(
    rendered: bytes,
) -> None:
    # Word shows the mc:Fallback when it does not understand a Choice's Requires: the
    # disclosure in the Choice does not print, the softened Fallback does. Verify read the
    # Choice, whatever it required.
    changed = rewritten(
        rendered, {"word/document.xml": _alternatives("zz", "urn:example:no-such-markup")}
    )
    problems = reasons(mesoconsent.verify(changed).problems)
    assert problems == [("risks.rare_infection", "missing")]


def test_a_choice_requiring_nothing_is_not_what_prints(rendered: bytes) -> None:
    # A Choice names the namespaces it requires (ECMA-376 Part 3): one naming none is not
    # one Word shows, and the softened Fallback is what prints.
    def without_requires(xml: str) -> str:
        changed = _alternatives("zz", "urn:example:no-such-markup")(xml)
        return changed.replace('<mc:Choice Requires="zz">', "<mc:Choice>")

    changed = rewritten(rendered, {"word/document.xml": without_requires})
    assert "<mc:Choice>" in rendered_xml(changed)
    problems = reasons(mesoconsent.verify(changed).problems)
    assert problems == [("risks.rare_infection", "missing")]


# -- Nothing required after the signature lines ---------------------------------------------


def _moved_after_signatures(starts: tuple[str, ...]) -> Callable[[docx.document.Document], None]:
    """Move the paragraphs starting with ``starts`` to after the signature table, as a person
    dragging them in Word would: the patient would sign above them."""

    def move(document: docx.document.Document) -> None:
        signatures = document.tables[-1]._tbl
        for start in reversed(starts):
            paragraph = paragraph_with(document, start)._p
            present(paragraph.getparent()).remove(paragraph)
            signatures.addnext(paragraph)

    return move


def test_disclosures_moved_after_the_signature_lines_are_caught(rendered: bytes) -> None:
    moved = ("Scarring.", "The risk of serious", "I agree to have")
    report = mesoconsent.verify(edited(rendered, _moved_after_signatures(moved)))
    assert sorted(reasons(report.problems)) == [
        ("consent.agreement", "after the signature lines"),
        ("risks.low_serious_risk", "after the signature lines"),
        ("risks.rare_scarring", "after the signature lines"),
    ]


def test_a_disclosure_moved_after_the_lines_with_its_mark_begun_above_them_is_caught(
    rendered: bytes,
) -> None:
    # A bookmark covers every paragraph from its start to its end: a risk dragged below the
    # signature lines, its bookmark's start left in the paragraph above them, still ends
    # after the lines (its words are found on their own there).
    def move(document: docx.document.Document) -> None:
        _moved_after_signatures(("Scarring.",))(document)
        start = present(paragraph_with(document, "Scarring.")._p.find(qn("w:bookmarkStart")))
        present(start.getparent()).remove(start)
        present(document.tables[-1]._tbl.getprevious()).append(start)

    report = mesoconsent.verify(edited(rendered, move))
    assert reasons(report.problems) == [("risks.rare_scarring", "after the signature lines")]


def test_other_text_moved_after_the_signature_lines_is_no_problem(rendered: bytes) -> None:
    # The gate refuses only required text after the lines: a clinic may put its own there.
    moved = ("Please read this form carefully",)
    assert mesoconsent.verify(edited(rendered, _moved_after_signatures(moved))).ok


def test_the_checklist_moved_after_the_signature_lines_is_caught(rendered: bytes) -> None:
    def move_checklist(document: docx.document.Document) -> None:
        checklist = document.tables[1]._tbl
        present(checklist.getparent()).remove(checklist)
        document.tables[-1]._tbl.addnext(checklist)

    report = mesoconsent.verify(edited(rendered, move_checklist))
    keys = [question.key for question in mesoconsent.Engine().procedures["mesotherapy"].screening]
    assert sorted(reasons(report.problems)) == sorted(
        (key, "after the signature lines") for key in keys
    )


def test_signature_lines_moved_to_the_top_are_caught(rendered: bytes) -> None:
    def move_signatures(document: docx.document.Document) -> None:
        signatures = document.tables[-1]._tbl
        present(signatures.getparent()).remove(signatures)
        document.paragraphs[0]._p.addnext(signatures)  # under the title

    report = mesoconsent.verify(edited(rendered, move_signatures))
    procedure = mesoconsent.Engine().procedures["mesotherapy"]
    required = [disclosure.id for disclosure in procedure.disclosures]
    required += [question.key for question in procedure.screening]
    assert sorted(reasons(report.problems)) == sorted(
        (key, "after the signature lines") for key in required
    )


# -- found by a clinic reviewer: the patient's details under a "yes" -----------------------------
OTHER_CONDITIONS = "Do you have any other medical condition? If yes, please describe it."
DETAILS_KEY = "screening.other_conditions"


def with_details(details: str, question: str = "other_conditions") -> bytes:
    """A form with ``question`` answered yes, with ``details`` (their lines by line breaks)."""
    return (
        mesoconsent.default_engine()
        .render_quietly(answered(example(), question, details=details))
        .content
    )


def before_details_digests(form: bytes) -> bytes:
    """``form`` as made before the record held the details' digests (2026-11-27)."""

    def drop(recorded: str) -> str:
        kept = [pair for pair in recorded.split() if not pair.startswith("screening.")]
        assert len(kept) < len(recorded.split())
        return " ".join(kept)

    return values_property(form, drop)


def details_runs(document: docx.document.Document, row: int = 4) -> list[Run]:
    """The runs after the question in its checklist row (row 4: other conditions): the line
    break and the details."""
    paragraph = checklist(document).rows[row].cells[0].paragraphs[0]
    assert paragraph.runs[0].text.startswith(("Do you have", "Are you"))
    runs: list[Run] = paragraph.runs[1:]
    return runs


def delete_details(document: docx.document.Document) -> None:
    for run in details_runs(document):
        present(run._r.getparent()).remove(run._r)


def rewrite_details(replacement: str) -> Callable[[docx.document.Document], None]:
    """An edit putting ``replacement`` in place of the details "Lupus; I take warfarin"."""

    def rewrite(document: docx.document.Document) -> None:
        runs = [run for run in details_runs(document) if run.text == "Lupus; I take warfarin"]
        assert len(runs) == 1
        runs[0].text = replacement

    return rewrite


@pytest.mark.parametrize("made", ["now", "before the details' digests"])
def test_details_deleted_under_a_yes_that_requires_them_are_caught(made: str) -> None:
    # Render never makes a form with this question ticked Yes and nothing under it (validation
    # requires the details, the gate that they are shown): such a form lost what the patient
    # said ("yes, I take warfarin" read as a bare "yes"). The question says it asks for
    # details, so a form made before their digests were recorded is caught too.
    form = with_details("Lupus; I take warfarin")
    if made != "now":
        form = before_details_digests(form)
    assert mesoconsent.verify(form).ok
    problems = mesoconsent.verify(edited(form, delete_details)).problems
    assert reasons(problems) == [(DETAILS_KEY, "details not shown")]


def test_details_deleted_under_a_yes_that_does_not_require_them_are_caught_by_their_digest() -> (
    None
):
    # Details are optional for this question, but the form records that it showed some.
    form = with_details("About 12 weeks", question="pregnant")

    def delete(document: docx.document.Document) -> None:
        for run in details_runs(document, row=1):
            present(run._r.getparent()).remove(run._r)

    problems = mesoconsent.verify(edited(form, delete)).problems
    assert reasons(problems) == [("screening.pregnant", "details not shown")]
    # A form made before records nothing of them: nothing says there were any.
    assert mesoconsent.verify(edited(before_details_digests(form), delete)).ok


@pytest.mark.parametrize("replacement", ["None", "Lupus", "Lupus; I take warfarin daily"])
def test_details_rewritten_after_rendering_are_caught(replacement: str) -> None:
    # The form records a digest of each "yes" row's details, as of each signer's name: they
    # are printed on the form, so the digest tells a reader of the file nothing it does not
    # show.
    form = with_details("Lupus; I take warfarin")
    problems = mesoconsent.verify(edited(form, rewrite_details(replacement))).problems
    assert reasons(problems) == [(DETAILS_KEY, "altered")]


def test_an_untouched_form_with_details_records_them_and_verifies(rendered: bytes) -> None:
    form = with_details("Asthma\nHay fever\tin spring")
    report = mesoconsent.verify(form)
    assert report.ok, report.problems
    # Only the row with details: the others ("no", or "yes" without details) cost nothing.
    assert re.findall(r"screening\.[a-z_]+=[0-9a-f]{8}", recorded_values(form)) == [
        f"{DETAILS_KEY}={value_digest('Asthma Hay fever in spring')}"
    ]
    assert "screening." not in recorded_values(rendered)


def recorded_values(form: bytes) -> str:
    """The text of a form's ``mesoconsent.values`` property."""
    custom = docx_part(form, "docProps/custom.xml")
    found = [p for p in custom if p.get("name") == "mesoconsent.values"]
    assert len(found) == 1
    return "".join(str(text) for text in found[0].itertext())


@pytest.mark.parametrize(
    ("lines", "ok"),
    [
        (("Asthma", "Hay fever"), True),
        # The same words on other lines: what the patient said is unchanged.
        (("Asthma Hay", "fever"), True),
        (("Asthma", "Hay fever, treated"), False),
    ],
)
def test_details_retyped_as_paragraphs_of_their_own_are_compared_by_their_words(
    lines: tuple[str, str], ok: bool
) -> None:
    # An editor retyping a line break as Enter: each line a paragraph of its own. verify reads
    # the row's paragraphs as lines, and the details as words (white space normalised, as the
    # digest is taken), so only a change of words is "altered".
    form = with_details("Asthma\nHay fever")
    kept = "<w:r><w:rPr><w:i/><w:iCs/></w:rPr><w:t>{}</w:t></w:r>"
    rendered_lines = (
        kept.format("Asthma") + "<w:r><w:br/></w:r>" + kept.format("Hay fever") + "<w:bookmarkEnd"
    )
    assert rendered_xml(form).count(rendered_lines) == 1

    def as_paragraphs(xml: str) -> str:
        paragraphs = (
            kept.format(lines[0])
            + '</w:p><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>'
            + kept.format(lines[1])
            + "<w:bookmarkEnd"
        )
        return xml.replace(rendered_lines, paragraphs, 1)

    problems = mesoconsent.verify(rewritten(form, {"word/document.xml": as_paragraphs})).problems
    assert reasons(problems) == ([] if ok else [(DETAILS_KEY, "altered")])


def test_a_form_made_before_details_digests_were_recorded_still_verifies() -> None:
    # Forms made before 2026-11-27 record no digest of the details: they verify as they did,
    # and details rewritten in them cannot be told from the patient's own.
    form = before_details_digests(with_details("Lupus; I take warfarin"))
    report = mesoconsent.verify(form)
    assert report.ok, report.problems
    assert mesoconsent.verify(edited(form, rewrite_details("None"))).ok


def test_details_a_template_shows_outside_the_row_verify(tmp_path: Path) -> None:
    # The gate lets a template show the details elsewhere than under the question: the form
    # records that the row showed none there, and verify passes it as rendered.
    from tests.helpers import copy_templates, edit

    templates = copy_templates(tmp_path)
    consent = templates / "mesotherapy" / "consent.html.j2"
    edit(
        consent,
        r"\{% if item.details is not none %\}<br/><em>\{\{ item.details \| lines \}\}"
        r"</em>\{% endif %\}",
        "",
    )
    edit(
        consent,
        r"\{%- endfor %\}\n</table>",
        "{%- endfor %}\n</table>\n{%- for item in screening %}{% if item.details %}"
        "<p>{{ item.details }}</p>{% endif %}{% endfor %}",
    )
    engine = mesoconsent.Engine(template_dirs=[templates])
    form = engine.render_quietly(answered(example(), "other_conditions", details="Lupus")).content
    report = engine.verify(form)
    assert report.ok, report.problems

    # Shown under the question after all, they were added to the row: not what it showed.
    def add_details(document: docx.document.Document) -> None:
        paragraph = checklist(document).rows[4].cells[0].paragraphs[0]
        paragraph.add_run().add_break()
        paragraph.add_run("Lupus")

    problems = engine.verify(edited(form, add_details)).problems
    assert reasons(problems) == [(DETAILS_KEY, "altered")]


@pytest.mark.parametrize(
    ("character", "element"),
    [("\u00ad", "<w:softHyphen/>"), ("\u2011", "<w:noBreakHyphen/>")],
)
def test_details_with_a_hyphen_a_word_processor_saves_as_an_element_verify(
    character: str, element: str
) -> None:
    # Word and LibreOffice save a soft hyphen (U+00AD) and a non-breaking hyphen (U+2011) as
    # elements of their own between two w:t, not as characters: the details are unchanged.
    form = with_details(f"Follow{character}up of a skin graft")
    assert mesoconsent.verify(form).ok
    written = f"<w:t>Follow{character}up of a skin graft</w:t>"
    assert rendered_xml(form).count(written) == 1

    def as_saved(xml: str) -> str:
        return xml.replace(written, f"<w:t>Follow</w:t>{element}<w:t>up of a skin graft</w:t>")

    report = mesoconsent.verify(rewritten(form, {"word/document.xml": as_saved}))
    assert report.ok, report.problems
