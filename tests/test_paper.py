"""The paper a clinic prints on: A4 unless the request says US Letter."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import docx
import pytest
from docx.shared import Twips

import mesoconsent
from tests.helpers import W, docx_part, example, example_dict, present, run_cli

A4 = (11906, 16838)  # twips: 210 x 297 mm
LETTER = (12240, 15840)  # 8.5 x 11 in


def on_paper(paper_size: str | None, locale: str = "en") -> mesoconsent.ConsentRequest:
    request = example()
    clinic = attrs.evolve(request.clinic, paper_size=paper_size)
    return attrs.evolve(request, clinic=clinic, locale=locale)


def page(content: bytes) -> tuple[int, int, int, int]:
    section = docx.Document(io.BytesIO(content)).sections[0]
    lengths = (section.page_width, section.page_height, section.left_margin, section.right_margin)
    width, height, left, right = (present(length).twips for length in lengths)
    return width, height, left, right


def test_a_form_is_on_a4_unless_the_request_names_a_paper() -> None:
    width, height, _, _ = page(mesoconsent.render(example(), "docx").content)
    assert (width, height) == A4
    assert example().clinic.paper_size is None


@pytest.mark.parametrize("locale", ["en", "ar", "de"])
def test_a_letter_form_is_on_letter_with_the_same_text_width(locale: str) -> None:
    a4 = page(mesoconsent.render(on_paper("A4", locale), "docx").content)
    letter = page(mesoconsent.render(on_paper("Letter", locale), "docx").content)
    assert letter[:2] == LETTER
    # The same width of text: every table and column is as wide as on A4, and no wider than
    # the page holds; the margins take the difference, half on each side.
    assert letter[0] - letter[2] - letter[3] == a4[0] - a4[2] - a4[3]
    assert letter[2] == letter[3] >= Twips(1440).twips  # at least an inch
    body = docx_part(
        mesoconsent.render(on_paper("Letter", locale), "docx").content, "word/document.xml"
    )
    text_width = letter[0] - letter[2] - letter[3]
    tables = list(body.iter(f"{W}tbl"))
    assert tables
    for table in tables:
        # Exactly the text's width: a table a few twentieths of a point short ends its right
        # border out of line with the text and the other tables. Its columns fill it.
        table_width = present(table.find(f"{W}tblPr/{W}tblW"))
        assert int(table_width.get(f"{W}w", "0")) == text_width
        columns = [int(column.get(f"{W}w", "0")) for column in table.iter(f"{W}gridCol")]
        assert sum(columns) == text_width


@pytest.mark.parametrize("paper_size", ["A4", "Letter"])
def test_the_top_and_bottom_margins_are_22_mm_with_the_header_and_footer_inside(
    paper_size: str,
) -> None:
    section = docx.Document(io.BytesIO(mesoconsent.render(on_paper(paper_size)).content)).sections[
        0
    ]
    top, bottom = (present(margin).twips for margin in (section.top_margin, section.bottom_margin))
    assert (top, bottom) == (1247, 1247)  # 22 mm, on either paper
    # The header and footer sit in the margins, clear of the text.
    assert 0 < present(section.header_distance).twips < top
    assert 0 < present(section.footer_distance).twips < bottom


def test_a_right_to_left_letter_form_keeps_its_right_to_left_section() -> None:
    body = docx_part(
        mesoconsent.render(on_paper("Letter", "ar"), "docx").content, "word/document.xml"
    )
    section = body.find(f"{W}body/{W}sectPr")
    assert section is not None
    assert section.find(f"{W}bidi") is not None


def test_naming_a4_gives_the_form_that_naming_nothing_gives() -> None:
    assert (
        mesoconsent.render(on_paper("A4"), "docx").content
        == mesoconsent.render(on_paper(None), "docx").content
    )


def test_forms_on_both_papers_from_one_engine_are_each_on_their_own_paper() -> None:
    # The section's end is made once per paper and direction, and the static sections once
    # per language: a cache keyed by direction alone would give the second paper the first
    # one's size, and one keyed by paper would change the rest of the form.
    engine = mesoconsent.Engine()
    orders = [("Letter", "A4", "Letter"), ("A4", "Letter", "A4")]
    for order in orders:
        for size in order:
            for locale in ("en", "ar", "tr"):
                docx_form = engine.render(on_paper(size, locale), "docx").content
                assert page(docx_form)[:2] == {"A4": A4, "Letter": LETTER}[size]
                html_form = engine.render(on_paper(size, locale), "html").content
                css = {"A4": b"@page{size:A4}", "Letter": b"@page{size:letter}"}[size]
                assert css in html_form
                fresh = mesoconsent.Engine(share_static_sections=False)
                assert docx_form == fresh.render(on_paper(size, locale), "docx").content


@pytest.mark.parametrize(
    ("given", "stored"), [("letter", "Letter"), ("LETTER", "Letter"), ("a4", "A4")]
)
def test_the_paper_is_named_in_any_case(given: str, stored: str) -> None:
    data = example_dict()
    data["clinic"]["paper_size"] = given
    request = mesoconsent.request_from_dict(data)
    assert request.clinic.paper_size == stored
    mesoconsent.validate(request)


def test_a_paper_in_json_that_is_not_text_is_refused_by_its_field() -> None:
    data = example_dict()
    data["clinic"]["paper_size"] = 4
    with pytest.raises(mesoconsent.ValidationError) as raised:
        mesoconsent.request_from_dict(data)
    assert [p.path for p in raised.value.problems] == ["clinic.paper_size"]


def test_a_request_that_names_no_paper_is_written_without_one() -> None:
    # A reader older than the field refuses the key, even as null.
    assert "paper_size" not in mesoconsent.request_to_dict(example())["clinic"]
    letter = on_paper("Letter")
    assert mesoconsent.request_to_dict(letter)["clinic"]["paper_size"] == "Letter"
    assert mesoconsent.request_from_dict(mesoconsent.request_to_dict(letter)) == letter


@pytest.mark.parametrize("value", ["Legal", "", "A 4", 4, True])
def test_another_paper_is_refused_by_its_field(value: object) -> None:
    clinic = attrs.evolve(example().clinic, paper_size=value)  # type: ignore[arg-type]
    request = attrs.evolve(example(), clinic=clinic)
    with pytest.raises(mesoconsent.ValidationError) as raised:
        mesoconsent.render(request, "docx")
    assert [(p.path, p.message) for p in raised.value.problems] == [
        ("clinic.paper_size", "must be A4 or Letter, or left out")
    ]


def test_the_html_prints_on_the_named_paper_and_otherwise_on_the_printers() -> None:
    assert b"@page{size:letter}" in mesoconsent.render(on_paper("Letter"), "html").content
    assert b"@page{size:A4}" in mesoconsent.render(on_paper("A4"), "html").content
    # Named nothing, the browser prints on the paper its printer is set up for.
    assert b"@page{size" not in mesoconsent.render(on_paper(None), "html").content


def test_a_letter_form_verifies(tmp_path: Path) -> None:
    # verify reads the text, whatever the page: a guard for a check of the layout added later.
    form = tmp_path / "form.docx"
    form.write_bytes(mesoconsent.render(on_paper("Letter"), "docx").content)
    assert page(form.read_bytes())[:2] == LETTER
    assert mesoconsent.verify(form).ok


def test_the_command_line_renders_a_letter_form_and_refuses_another_paper(tmp_path: Path) -> None:
    data = example_dict()
    data["clinic"]["paper_size"] = "Letter"
    (tmp_path / "letter.json").write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("render", "--input", "letter.json", "--output", "letter.docx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert page((tmp_path / "letter.docx").read_bytes())[:2] == LETTER

    data["clinic"]["paper_size"] = "Legal"
    (tmp_path / "legal.json").write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("render", "--input", "legal.json", "--output", "legal.docx", cwd=tmp_path)
    assert done.returncode != 0
    assert "clinic.paper_size: must be A4 or Letter" in done.stderr
    assert not (tmp_path / "legal.docx").exists()


def test_the_paper_size_option_replaces_the_requests(tmp_path: Path) -> None:
    data = example_dict()
    data["clinic"]["paper_size"] = "A4"
    (tmp_path / "a4.json").write_text(json.dumps(data), encoding="utf-8")
    done = run_cli(
        "render", "--input", "a4.json", "--paper-size", "letter", "-o", "x.docx", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert page((tmp_path / "x.docx").read_bytes())[:2] == LETTER
    done = run_cli("render", "--example", "--paper-size", "Letter", "-o", "y.docx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert page((tmp_path / "y.docx").read_bytes())[:2] == LETTER


def test_a_bad_paper_size_option_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("render", "--example", "--paper-size", "Legal", "-o", "x.docx", cwd=tmp_path)
    assert done.returncode == 2
    assert "--paper-size: not A4 or Letter: 'Legal'" in done.stderr
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_lays_each_form_out_on_its_requests_paper(tmp_path: Path, jobs: str) -> None:
    lines = [example_dict(), example_dict(), example_dict()]
    lines[1]["clinic"]["paper_size"] = "letter"
    lines[2]["clinic"]["paper_size"] = "A4"
    lines[2]["locale"] = "ar"
    (tmp_path / "batch.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    done = run_cli(
        "render", "--batch", "batch.jsonl", "--output-dir", "out", "--jobs", jobs, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    forms = sorted((tmp_path / "out").iterdir())
    assert [page(path.read_bytes())[:2] for path in forms] == [A4, LETTER, A4]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_is_laid_out_on_the_paper_option(tmp_path: Path, jobs: str) -> None:
    lines = [example_dict(), example_dict()]
    lines[1]["clinic"]["paper_size"] = "A4"
    lines[1]["locale"] = "ar"
    (tmp_path / "batch.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    done = run_cli(
        "render", "--batch", "batch.jsonl", "--output-dir", "out", "--jobs", jobs,
        "--paper-size", "Letter", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [page(path.read_bytes())[:2] for path in sorted((tmp_path / "out").iterdir())] == [
        LETTER,
        LETTER,
    ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_render_batch_takes_a_paper_size_for_requests_of_every_kind(jobs: int) -> None:
    requests: list[mesoconsent.BatchRequest] = [
        example(),
        example_dict(),
        json.dumps(example_dict()),
        json.dumps(example_dict()).encode(),
    ]
    results = list(mesoconsent.render_batch(requests, jobs=jobs, paper_size="letter"))
    assert [page(present(r.result).content)[:2] for r in results] == [LETTER] * 4
    with pytest.raises(ValueError, match="paper_size must be one of A4, Letter, not 'Legal'"):
        mesoconsent.render_batch(requests, paper_size="Legal")
