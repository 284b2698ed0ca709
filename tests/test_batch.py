"""Batch rendering: ``mesoconsent render --batch`` and :func:`mesoconsent.render_batch`."""

from __future__ import annotations

import errno
import io
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

import mesoconsent
import mesoconsent.batch
import mesoconsent.loading
import mesoconsent.output
import mesoconsent.staging
from mesoconsent.batch import cgroup_cpu_quota, default_jobs, output_name
from mesoconsent.batch_report import BatchSummary, Progress, line_numbers
from mesoconsent.cli import main
from tests.helpers import (
    docx_paragraph_texts,
    empty_catalog,
    example,
    example_dict,
    run_cli,
    run_cli_piped,
)

run = run_cli


def request(name: str, **changes: Any) -> dict[str, Any]:
    data = example_dict()
    data["patient"]["full_name"] = name
    for key, value in changes.items():
        data[key] = value
    return data


def write_batch(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bad_sessions(name: str) -> dict[str, Any]:
    data = request(name)
    data["treatment"]["number_of_sessions"] = 0
    return data


def flagged(name: str) -> dict[str, Any]:
    data = request(name)
    data["screening"]["pregnant"] = True
    return data


# Line 1 good, 2 invalid JSON, 3 a validation error, 4 blank, 5 good (en-GB), 6 good (flagged).
MIXED = [
    json.dumps(request("Alice Goodline")),
    '{"patient": {"full_name": "Bob Brokenjson"',
    json.dumps(bad_sessions("Carol Badvalue")),
    "",
    json.dumps(request("Dan Goodline", locale="en-GB")),
    json.dumps(flagged("Eve Flagged")),
]
GOOD_LINES = (1, 5, 6)


def test_good_lines_are_written_and_bad_lines_reported_by_number(tmp_path: Path) -> None:
    write_batch(tmp_path / "requests.jsonl", MIXED)
    result = run(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--jobs", "2", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == [output_name(line, "docx") for line in GOOD_LINES]  # nothing partial
    assert "line 2: invalid consent request" in result.stderr
    # The column in the line; its line number is the file's, not "line 1" of the request.
    assert f"request: not valid JSON (column {len(MIXED[1]) + 1})" in result.stderr
    assert "line 3: invalid consent request" in result.stderr
    assert "treatment.number_of_sessions: must be from 1 to 100" in result.stderr
    assert "2 request(s) failed, no form written: lines 2-3" in result.stderr
    assert "pregnant: line 6" in result.stderr  # the screening "yes", by line and question
    assert "rendered 3, failed 2 (of 5 requests)" in result.stdout
    assert "Traceback" not in result.stderr
    for name in ("Alice", "Bob", "Carol", "Dan", "Eve"):  # personal data stays out
        assert name not in result.stderr + result.stdout
    for line in GOOD_LINES:
        assert mesoconsent.verify(tmp_path / "out" / output_name(line, "docx")).ok


def test_the_summary_counts_each_form_with_yes_answers_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A form with two questions answered yes is one form for the practitioner to review,
    # listed under each of its questions.
    twice = flagged("Eve Flagged")
    twice["screening"]["breastfeeding"] = True
    lines = [json.dumps(twice), json.dumps(request("Alice Goodline")), json.dumps(flagged("Fay"))]
    batch = write_batch(tmp_path / "b.jsonl", lines)
    out = str(tmp_path / "out")
    status = main(["render", "--batch", str(batch), "--output-dir", out, "--jobs", "1"])
    assert status == 0
    error = capsys.readouterr().err
    assert "warning: 2 form(s) have a screening question answered yes" in error
    assert "  breastfeeding: line 1\n" in error
    assert "  pregnant: lines 1, 3\n" in error


def test_a_folder_holding_forms_of_an_earlier_batch_is_refused(tmp_path: Path) -> None:
    # A line that failed left the earlier batch's form under its number: "no form written:
    # line 2", and 000002.docx in the folder was another patient's.
    monday = [json.dumps(request(name)) for name in ("Ann Monday", "Bob Monday", "Cy Monday")]
    write_batch(tmp_path / "monday.jsonl", monday)
    assert (
        run("render", "--batch", "monday.jsonl", "--output-dir", "out", cwd=tmp_path).returncode
        == 0
    )
    before = {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()}
    write_batch(tmp_path / "tuesday.jsonl", [json.dumps(request("Dee Tuesday")), MIXED[2]])
    result = run("render", "--batch", "tuesday.jsonl", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "already holds forms (000001.docx, 000002.docx, 000003.docx)" in result.stderr
    assert "--overwrite" in result.stderr
    assert {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()} == before
    # With --overwrite the earlier forms are removed first: a line that fails leaves no form
    # under its number, nor does a number this batch does not reach.
    (tmp_path / "out" / "notes.txt").write_text("the clinic's own file")
    result = run(
        "render", "--batch", "tuesday.jsonl", "--output-dir", "out", "--overwrite", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "000001.docx",
        "notes.txt",
    ]
    assert "Dee Tuesday" in docx_paragraph_texts((tmp_path / "out" / "000001.docx").read_bytes())


@pytest.mark.parametrize("name", ["000002.html", "000002.txt", "1000000.docx", "000002.DOCX"])
def test_render_batch_refuses_a_folder_with_forms_unless_told_to_overwrite(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).write_text("an earlier patient's form")
    (tmp_path / "notes.txt").write_text("the clinic's own file")
    with pytest.raises(FileExistsError, match=re.escape(name)):
        mesoconsent.render_batch([example_dict()], tmp_path)
    # A blank line (no request numbered 2) and another format leave no earlier form either.
    results = list(mesoconsent.render_batch([example_dict()], tmp_path, overwrite=True, jobs=1))
    assert results[0].ok
    assert sorted(path.name for path in tmp_path.iterdir()) == ["000001.docx", "notes.txt"]
    bad = {**example_dict(), "locale": "zz"}
    for jobs in (1, 2):
        (tmp_path / "000002.docx").write_text("an earlier patient's form")
        results = list(
            mesoconsent.render_batch([example_dict(), bad], tmp_path, overwrite=True, jobs=jobs)
        )
        assert [item.ok for item in results] == [True, False]
        assert not (tmp_path / "000002.docx").exists()


def test_overwrite_removes_only_files_named_as_a_batch_names_its_forms(tmp_path: Path) -> None:
    # Found by reviews: any name of six digits or more was taken for a form, so a clinic's
    # date-stamped 20260314.txt, or a patient number's file, was removed.
    forms = ["000001.docx", "000002.HTML", "999999.txt", "1000000.docx"]
    others = ["20260314.txt", "1234567.TXT", "0000001.docx", "000000.docx", "notes.txt"]
    for name in forms + others:
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(mesoconsent.EarlierFormsError) as caught:
        mesoconsent.render_batch([example_dict()], tmp_path, jobs=1)
    assert sorted(caught.value.names) == sorted(forms)
    list(mesoconsent.render_batch([example_dict()], tmp_path, jobs=1, overwrite=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, "000001.docx"])


def test_overwrite_refuses_a_read_only_earlier_form_and_removes_none(tmp_path: Path) -> None:
    # It used to delete a read-only form it would have refused to replace.
    (tmp_path / "000001.docx").write_text("a form")
    (tmp_path / "000002.docx").write_text("a signed form")
    (tmp_path / "000002.docx").chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        mesoconsent.render_batch([example_dict()], tmp_path, overwrite=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["000001.docx", "000002.docx"]


@pytest.mark.parametrize("output_format", mesoconsent.FORMATS)
def test_batch_output_is_byte_identical_to_single_renders(
    tmp_path: Path, output_format: mesoconsent.Format
) -> None:
    write_batch(tmp_path / "requests.jsonl", MIXED)
    result = run(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--format", output_format,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    for line in GOOD_LINES:
        single = mesoconsent.render(mesoconsent.request_from_json(MIXED[line - 1]), output_format)
        assert (tmp_path / "out" / output_name(line, output_format)).read_bytes() == single.content


def test_batch_equals_the_single_render_command(tmp_path: Path) -> None:
    (tmp_path / "request.json").write_text(MIXED[4], encoding="utf-8")
    write_batch(tmp_path / "requests.jsonl", [MIXED[4]])
    assert run("render", "-i", "request.json", "-o", "single.docx", cwd=tmp_path).returncode == 0
    result = run("render", "--batch", "requests.jsonl", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rendered 1, failed 0 (of 1 requests)" in result.stdout
    assert (tmp_path / "out" / "000001.docx").read_bytes() == (
        tmp_path / "single.docx"
    ).read_bytes()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_is_read_from_standard_input_with_a_dash(tmp_path: Path, jobs: str) -> None:
    # Clinic software pipes the day's requests in, as it can one request with --input -.
    piped = run_cli_piped(
        "render", "--batch", "-", "--output-dir", "piped", "--jobs", jobs,
        stdin="\n".join(MIXED).encode(), cwd=tmp_path,
    )  # fmt: skip
    assert piped.returncode == 1, piped.stderr
    write_batch(tmp_path / "requests.jsonl", MIXED)
    from_file = run("render", "--batch", "requests.jsonl", "--output-dir", "file", cwd=tmp_path)
    assert from_file.returncode == 1
    names = sorted(path.name for path in (tmp_path / "piped").iterdir())
    assert names == [output_name(line, "docx") for line in GOOD_LINES]
    for name in names:
        assert (tmp_path / "piped" / name).read_bytes() == (tmp_path / "file" / name).read_bytes()
    assert b"line 2: invalid consent request" in piped.stderr
    assert b"rendered 3, failed 2 (of 5 requests)" in piped.stdout
    empty = run_cli_piped("render", "--batch", "-", "--output-dir", "none", stdin=b"", cwd=tmp_path)
    assert empty.returncode == 0
    assert b"warning: standard input holds no requests" in empty.stderr


def test_a_batch_file_named_dash_is_read_by_its_path(tmp_path: Path) -> None:
    write_batch(tmp_path / "-", [MIXED[0]])
    named = run_cli_piped(
        "render", "--batch", "./-", "--output-dir", "out", stdin=b"{}", cwd=tmp_path
    )
    assert named.returncode == 0, named.stderr
    assert [path.name for path in (tmp_path / "out").iterdir()] == [output_name(1, "docx")]


def test_two_jobs_give_the_same_bytes_as_one(tmp_path: Path) -> None:
    lines = [json.dumps(request(f"Patient {n}", locale=("en", "en-GB")[n % 2])) for n in range(12)]
    write_batch(tmp_path / "requests.jsonl", lines)
    outputs = {}
    for jobs in ("1", "2"):
        folder = tmp_path / f"out{jobs}"
        result = run(
            "render", "--batch", "requests.jsonl", "--output-dir", folder, "-j", jobs, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert "rendered 12, failed 0" in result.stdout
        outputs[jobs] = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert len(outputs["1"]) == 12
    assert outputs["1"] == outputs["2"]


def test_locale_and_draft_translation_warning(tmp_path: Path) -> None:
    write_batch(tmp_path / "requests.jsonl", [MIXED[0], MIXED[4]])
    result = run(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--locale", "de",
        "--format", "text", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 form(s) use a draft translation (de)" in result.stderr
    assert "draft mode" not in result.stderr
    assert "DraftTranslationWarning" not in result.stderr  # the CLI's own line, once
    german = mesoconsent.render(mesoconsent.request_from_json(MIXED[0]), "text")
    assert (tmp_path / "out" / "000001.txt").read_bytes() != german.content


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "b.jsonl", "--input", "r.json", "--output-dir", "out"], "not allowed with"),
        (["--batch", "b.jsonl", "--example", "--output-dir", "out"], "not allowed with"),
        (["--batch", "b.jsonl"], "--batch needs --output-dir"),
        (["--batch", "b.jsonl", "--output-dir", "out", "-o", "x.docx"], "--output names one"),
        (["--example", "--output-dir", "out"], "--output-dir is for --batch"),
        (["--example", "-o", "x.docx", "--jobs", "2"], "--jobs is for --batch"),
        (["--example"], "required: --output"),
        (["--batch", "b.jsonl", "--output-dir", "out", "--jobs", "0"], "must be at least 1"),
        (["--batch", "b.jsonl", "--output-dir", "out", "--jobs", "x"], "not a whole number"),
        (["--batch", "b.jsonl", "--output-dir", "out", "--locale", "xx"], "not an available"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    write_batch(tmp_path / "b.jsonl", [MIXED[0]])
    result = run("render", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.jsonl"]


def test_an_unreadable_batch_file_exits_3(tmp_path: Path) -> None:
    result = run("render", "--batch", "absent.jsonl", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 3
    assert "cannot read absent.jsonl" in result.stderr
    assert "Traceback" not in result.stderr


def test_render_batch_yields_results_in_input_order(tmp_path: Path) -> None:
    base = example()
    requests: list[mesoconsent.BatchRequest] = [
        base,  # a ConsentRequest
        request("Dict Person"),  # decoded JSON
        MIXED[1],  # invalid JSON, as text
        MIXED[4].encode(),  # bytes
        attrs.evolve(base, locale="nowhere"),  # invalid
    ]
    for jobs in (1, 2):
        results = list(mesoconsent.render_batch(requests, format="html", jobs=jobs))
        assert [item.index for item in results] == [0, 1, 2, 3, 4]
        assert [item.number for item in results] == [1, 2, 3, 4, 5]
        assert [item.ok for item in results] == [True, True, False, True, False]
        expected = [
            mesoconsent.render(base, "html"),
            mesoconsent.render(mesoconsent.request_from_dict(request("Dict Person")), "html"),
            None,
            mesoconsent.render(mesoconsent.request_from_json(MIXED[4]), "html"),
            None,
        ]
        for item, single in zip(results, expected, strict=True):
            assert item.path is None
            if single is None:
                assert item.result is None
                assert item.error is not None
                assert item.error.type == "ValidationError"
                assert item.error.problems
            else:
                assert item.error is None
                assert item.result == single  # content included: no output folder
        assert results[4].error is not None
        assert "locale: not an available locale" in results[4].error.message


def test_an_unexpected_error_is_reported_by_its_type_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug's message may quote the request: the result, which is logged, says only its type.
    def broken(self: Any, request: Any, format: Any = "docx", *, draft: bool = False) -> Any:
        raise RuntimeError(f"cannot lay out {request.patient.full_name}")

    monkeypatch.setattr(mesoconsent.Engine, "render_quietly", broken)
    [item] = mesoconsent.render_batch([request("Alice Secret")], tmp_path, "text", jobs=1)
    assert item.error == mesoconsent.batch.BatchError(
        "RuntimeError", "internal error (RuntimeError); nothing was written"
    )
    assert list(tmp_path.iterdir()) == []


def test_render_batch_writes_files_named_by_number(tmp_path: Path) -> None:
    lines = [
        (1, json.dumps(request("A"))),
        (4, json.dumps(flagged("B"))),
        (9, json.dumps(bad_sessions("C"))),
    ]
    results = list(
        mesoconsent.render_batch(
            [text for _, text in lines],
            tmp_path / "new" / "out",
            "text",
            numbers=[number for number, _ in lines],
            jobs=2,
        )
    )
    assert [item.number for item in results] == [1, 4, 9]
    first, second, third = results
    assert first.path == tmp_path / "new" / "out" / "000001.txt"
    assert first.result is not None
    assert first.result.content == b""  # the form is in the file
    assert second.result is not None
    assert [flag.question_id for flag in second.result.flags] == ["pregnant"]
    assert third.path is None
    assert third.error is not None
    assert third.error.type == "ValidationError"
    assert sorted(p.name for p in (tmp_path / "new" / "out").iterdir()) == [
        "000001.txt",
        "000004.txt",
    ]


def test_read_jsonl_numbers_lines_and_skips_blank_ones(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n   \n{"b": "\xe2\x80\xa8"}\n')
    assert mesoconsent.read_jsonl(path) == [
        (1, b'{"a": 1}\r'),
        (4, b'{"b": "\xe2\x80\xa8"}'),  # U+2028 inside a string does not split the line
    ]
    with pytest.raises(OSError, match="absent"):
        mesoconsent.read_jsonl(tmp_path / "absent.jsonl")
    # An open binary stream (standard input) reads alike, and is left open.
    stream = io.BytesIO(path.read_bytes())
    assert mesoconsent.read_jsonl(stream) == mesoconsent.read_jsonl(path)
    assert not stream.closed
    # A text stream (sys.stdin rather than sys.stdin.buffer) is named, not a str/bytes mix-up.
    with pytest.raises(TypeError, match=r"binary stream \(sys.stdin.buffer\), not StringIO"):
        mesoconsent.read_jsonl(io.StringIO('{"a": 1}\n'))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a path or a binary stream, not int"):
        mesoconsent.read_jsonl(3)  # type: ignore[arg-type]


def test_read_jsonl_stops_at_a_line_longer_than_any_request(tmp_path: Path) -> None:
    # /dev/zero, or a stream without line breaks, was read until memory ran out.
    largest = mesoconsent.loading.MAX_REQUEST_BYTES
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b" " * (largest + 1) + b"\n{}\n")
    with pytest.raises(
        OSError, match=r"line 2 is longer than any request \(over 16 MB\)"
    ) as raised:
        mesoconsent.read_jsonl(path)
    assert raised.value.filename == str(path)
    path.write_bytes(b'{"a": 1}\n' + b" " * (largest - 2) + b"x\r\n{}")  # as long as may be
    assert [number for number, _ in mesoconsent.read_jsonl(path)] == [1, 2, 3]


def test_read_jsonl_stops_past_the_most_requests_a_batch_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An endless stream of short lines (yes '{}') was read until memory ran out.
    monkeypatch.setattr(mesoconsent.batch, "MAX_BATCH_LINES", 5)
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b"{}\n" * 5)
    assert len(mesoconsent.read_jsonl(path)) == 5
    path.write_bytes(b"{}\n" * 6)
    with pytest.raises(OSError, match="more than 5 lines"):
        mesoconsent.read_jsonl(path)


def test_a_batch_file_saved_as_utf16_is_refused_whole_and_named_so(tmp_path: Path) -> None:
    # Windows PowerShell 5 saves files as UTF-16 (Out-File, ">"). Split on "\n" bytes, its
    # lines were each refused as "not valid JSON", one error per line of the batch.
    path = tmp_path / "requests.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-16")
    with pytest.raises(OSError, match="UTF-16") as raised:
        mesoconsent.read_jsonl(path)
    assert raised.value.strerror == (
        "UTF-16 encoded text (it starts with a UTF-16 byte-order mark); save it as UTF-8"
    )
    assert raised.value.filename == str(path)
    result = run_cli("render", "--batch", path, "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        f"mesoconsent: cannot read {path}: UTF-16 encoded text (it starts with a UTF-16 "
        "byte-order mark); save it as UTF-8\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_batch_from_an_endless_file_is_refused_before_rendering(tmp_path: Path) -> None:
    result = run_cli("render", "--batch", "/dev/zero", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 3
    assert "cannot read /dev/zero: line 1 is longer than any request" in result.stderr
    assert not (tmp_path / "out").exists()


def test_render_batch_checks_its_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        mesoconsent.render_batch([], format="pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="jobs"):
        mesoconsent.render_batch([], jobs=0)
    # Checked at the call, before anything is rendered or written (a duplicate found half-way
    # would stop a batch whose first forms were written, their results never yielded):
    valid = json.dumps(mesoconsent.request_to_dict(mesoconsent.example_request()))
    cases: list[tuple[list[Any], str]] = [
        ([1, 2, 1], "request number 1 is given twice"),
        ([1, 0, 3], r"whole numbers from 1 to 1,000,000 \(they name the forms' files\), not 0"),
        ([1, 2, 3.0], "not 3.0"),
        ([1, True, 3], "not True"),
        ([1, 1_000_001, 3], "not 1000001"),
    ]
    for numbers, problem in cases:
        for jobs in (1, 2):
            with pytest.raises(ValueError, match=problem):
                mesoconsent.render_batch(
                    [valid] * 3,
                    tmp_path / "out",
                    numbers=numbers,
                    jobs=jobs,
                )
    with pytest.raises(ValueError, match=r"numbers gives 1 number\(s\) for 2 request\(s\)"):
        mesoconsent.render_batch(["{}", "{}"], tmp_path / "out", numbers=[1], jobs=1)
    with pytest.raises(ValueError, match="locale 'xx': not an available locale; available: ar, de"):
        mesoconsent.render_batch(["{}"], tmp_path / "out", locale="xx", jobs=1)
    assert not list((tmp_path / "out").glob("*"))


def test_render_batch_names_an_argument_of_the_wrong_type() -> None:
    # Found by a review: these failed with Python's own words (or once per request, later).
    valid = json.dumps(mesoconsent.request_to_dict(mesoconsent.example_request()))
    with pytest.raises(TypeError, match="locale must be a locale name or None, not int"):
        mesoconsent.render_batch([valid], locale=5, jobs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="paper_size must be a paper size or None, not int"):
        mesoconsent.render_batch([valid], paper_size=4, jobs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="engine must be an Engine or None, not str"):
        mesoconsent.render_batch([valid], engine="x", jobs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"not one ConsentRequest: pass a list, \[request\]"):
        mesoconsent.render_batch(example(), jobs=1)  # type: ignore[arg-type]


def _stream_failing_at(position: int, count: int, failure: str) -> tuple[Any, Any]:
    """Requests without a length, and numbers for them: the request or the number at
    ``position`` (from 1) is bad."""
    valid = json.dumps(mesoconsent.request_to_dict(mesoconsent.example_request()))

    def requests() -> Any:
        for place in range(1, count + 1):
            if failure == "request" and place == position:
                raise RuntimeError("the database cursor broke")
            yield valid

    numbers = list(range(1, count + 1))
    if failure == "number":
        numbers[position - 1] = 5  # given twice
    return requests(), iter(numbers)


@pytest.mark.parametrize("failure", ["request", "number"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stream_that_fails_half_way_gives_the_results_before_it_first(
    tmp_path: Path, jobs: int, failure: str
) -> None:
    # Found by a review: with jobs=2 the error came first and no form was reported (nor
    # written); with jobs=1 the forms of the unfinished group before it were lost.
    requests, numbers = _stream_failing_at(21, 30, failure)
    results: list[mesoconsent.BatchResult] = []
    batch = mesoconsent.render_batch(requests, tmp_path / "out", numbers=numbers, jobs=jobs)
    error = RuntimeError if failure == "request" else ValueError
    with pytest.raises(error, match=r"database cursor broke|request number 5 is given twice"):
        _collect(batch, results)
    assert [result.number for result in results] == list(range(1, 21))
    assert all(result.ok for result in results)
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert written == [output_name(number, "docx") for number in range(1, 21)]


def _collect(batch: Any, results: list[Any]) -> None:
    for result in batch:
        results.append(result)


def _unpicklable_requests() -> list[Any]:
    generator = request("X")
    generator["treatment"]["treated_areas"] = (area for area in ["face"])
    read_only = request("Ida Readonly")  # valid, but a read-only mapping inside does not pickle
    read_only["patient"] = types.MappingProxyType(read_only["patient"])
    wrong: Any = []  # a ConsentRequest built by hand, with a list for a name
    built = attrs.evolve(example(), patient=attrs.evolve(example().patient, full_name=wrong))
    return [generator, read_only, built, request("Z")]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_a_json_document_in_any_bytes_like_object_is_rendered(
    tmp_path: Path, jobs: int, kind: type
) -> None:
    # Found by a review: request_from_json takes them, render_batch said "request: must be a
    # JSON object" (and a memoryview could not be sent to a worker).
    document = kind(json.dumps(example_dict()).encode())
    results = list(mesoconsent.render_batch([document], tmp_path / "out", jobs=jobs))
    assert [result.ok for result in results] == [True], results[0].error
    single = mesoconsent.render(example()).content
    assert (tmp_path / "out" / "000001.docx").read_bytes() == single


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unpicklable_request_fails_as_it_would_in_process(jobs: int) -> None:
    # Whatever the number of jobs, each request gets the result it gets rendered alone.
    results = list(mesoconsent.render_batch(_unpicklable_requests(), format="text", jobs=jobs))
    assert [item.ok for item in results] == [False, True, False, True]
    for failed in (results[0], results[2]):
        assert failed.error is not None
        assert failed.error.type == "ValidationError"
    assert results[0].error is not None
    assert "treatment.treated_areas" in results[0].error.message
    assert results[2].error is not None
    assert "patient.full_name" in results[2].error.message
    assert results[1].result is not None
    assert "Ida Readonly" in results[1].result.content.decode()


def test_an_unpicklable_request_fails_alike_with_one_job_or_two() -> None:
    alone, pooled = (
        list(mesoconsent.render_batch(_unpicklable_requests(), format="text", jobs=jobs))
        for jobs in (1, 2)
    )
    assert [item.error for item in alone] == [item.error for item in pooled]


def test_render_batch_with_the_spawn_start_method() -> None:
    results = list(
        mesoconsent.render_batch(
            [MIXED[0], MIXED[2], MIXED[4]],
            format="text",
            jobs=2,
            engine=mesoconsent.Engine(),
            mp_context=multiprocessing.get_context("spawn"),
        )
    )
    assert [item.ok for item in results] == [True, False, True]
    single = mesoconsent.render(mesoconsent.request_from_json(MIXED[4]), "text")
    assert results[2].result == single


def test_closing_the_iterator_early_stops_the_workers() -> None:
    results = mesoconsent.render_batch([MIXED[0]] * 40, format="text", jobs=2, chunksize=1)
    assert next(results).ok
    results.close()  # must not hang


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the patch reaches workers by fork",
)
def test_chunks_still_queued_for_the_workers_when_the_batch_is_closed_render_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks already in the pool's queue cannot be cancelled there: they used to be rendered
    # and written anyway, forms the caller never saw. Each worker holds on to the form it has
    # begun until the batch is told to stop, so that chunks are sure to wait in the queue then
    # (counting the forms written after close() instead depended on how busy the machine was).
    real = mesoconsent.batch._render_one
    waited: list[bool] = []  # each worker's own (forked) list

    def held(engine: Any, settings: Any, index: int, number: int, sent: Any) -> Any:
        worker = mesoconsent.batch._worker
        assert isinstance(worker, tuple)
        deadline = time.monotonic() + 10
        while number > 1 and not waited and not worker[2].is_set():
            if time.monotonic() > deadline:  # never told: render the rest, and fail below
                waited.append(True)
            time.sleep(0.01)
        return real(engine, settings, index, number, sent)

    monkeypatch.setattr(mesoconsent.batch, "_render_one", held)
    fork = multiprocessing.get_context("fork")
    results = mesoconsent.render_batch(
        [example_dict()] * 40, tmp_path, "text", jobs=2, chunksize=1, mp_context=fork
    )
    assert next(results).number == 1
    results.close()
    written = {path.name for path in tmp_path.iterdir()}
    # The form returned, and the one each worker had begun when the batch was closed.
    assert output_name(1, "text") in written
    assert written <= {output_name(number, "text") for number in (1, 2, 3)}


def test_a_worker_told_to_stop_renders_nothing_more(tmp_path: Path) -> None:
    stopping = multiprocessing.get_context().Event()
    settings = mesoconsent.batch._Settings(tmp_path, "text", None, False, None)
    group = [(i, i + 1, MIXED[0]) for i in range(40)]
    engine = mesoconsent.default_engine()
    assert len(mesoconsent.batch._render_group(engine, settings, group, stopping)) == 40
    stopping.set()
    assert mesoconsent.batch._render_group(engine, settings, group, stopping) == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    terminal = _Terminal()
    progress = Progress(3, terminal, started=0.0)
    for done in (1, 2, 3):
        progress.update(done)
    progress.clear()
    shown = terminal.getvalue()
    assert shown.startswith("\r[")
    assert "3/3 100%" in shown
    assert "\n" not in shown  # redrawn in place
    assert shown.endswith("\r\x1b[K")

    log = io.StringIO()
    progress = Progress(200, log, started=0.0)
    for done in range(1, 201):
        progress.update(done)
    lines = log.getvalue().splitlines()
    assert len(lines) == 9  # 10% .. 90%; the summary says the rest
    assert lines[0].startswith("mesoconsent: 20/200 (10%)")

    quiet = io.StringIO()
    progress = Progress(10, quiet, started=0.0)
    for done in range(1, 11):
        progress.update(done)
    assert quiet.getvalue() == ""


def test_line_ranges() -> None:
    assert line_numbers([7]) == "line 7"
    assert line_numbers([9, 3, 4, 5, 12]) == "lines 3-5, 9, 12"


def test_a_batch_of_fifty_requests_shows_its_progress() -> None:
    # "None for a batch of fewer than 50 requests": one of 50 is not quiet.
    log = io.StringIO()
    progress = Progress(Progress.QUIET_BELOW, log, started=0.0)
    for done in range(1, Progress.QUIET_BELOW + 1):
        progress.update(done)
    lines = log.getvalue().splitlines()
    assert len(lines) == 9
    assert lines[0].startswith("mesoconsent: 5/50 (10%)")


def test_a_stopped_batch_says_what_it_did_and_the_line_to_resume_from() -> None:
    # Lines 3, 5, 6 and 8 are blank: the line to resume from is the next request's own.
    lines = [(number, json.dumps(example_dict()).encode()) for number in (1, 2, 4, 7, 9)]
    lines[1] = (2, MIXED[1].encode())  # invalid JSON
    summary = BatchSummary()
    results = mesoconsent.render_batch(
        [line for _, line in lines], format="text", numbers=[n for n, _ in lines], jobs=1
    )
    for done, item in enumerate(results, start=1):
        summary.add(item)
        if done == 3:
            assert summary.stopped(lines) == (
                "2 form(s) written, 1 failed, of 5 requests; lines from 7 on were not all "
                "rendered (forms of some of them may be in the folder, complete): run the "
                "batch again with --overwrite"
            )
    assert summary.stopped(lines) == "4 form(s) written, 1 failed, of 5 requests"


def test_draft_mode_is_reported_only_for_forms_that_are_drafts(tmp_path: Path) -> None:
    write_batch(tmp_path / "requests.jsonl", [MIXED[0], MIXED[4]])
    complete = run(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--draft", cwd=tmp_path
    )
    assert complete.returncode == 0, complete.stderr
    assert "draft mode" not in complete.stderr  # nothing was missing: normal forms
    locales = tmp_path / "locales"
    empty_catalog(locales, "nl", "nplurals=2; plural=(n != 1);")
    drafted = run(
        "render", "--batch", "requests.jsonl", "--output-dir", "nl", "--draft",
        "--locale", "nl", "--locales", "locales", cwd=tmp_path,
    )  # fmt: skip
    assert drafted.returncode == 0, drafted.stderr
    assert "2 form(s) rendered in draft mode" in drafted.stderr


def test_the_command_shows_the_progress_of_a_batch_at_each_tenth(tmp_path: Path) -> None:
    write_batch(tmp_path / "requests.jsonl", [MIXED[0]] * 50)
    result = run(
        "render", "--batch", "requests.jsonl", "--output-dir", "out", "--format", "text",
        "--jobs", "1", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    shown = [line.split(",")[0] for line in result.stderr.splitlines()]
    assert shown == [f"mesoconsent: {5 * tenth}/50 ({10 * tenth}%)" for tenth in range(1, 10)]
    assert "rendered 50, failed 0 (of 50 requests)" in result.stdout


def test_a_failed_line_is_said_on_a_line_of_its_own_not_after_the_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    batch = write_batch(tmp_path / "b.jsonl", [MIXED[0], MIXED[1], MIXED[0]])
    out = str(tmp_path / "out")
    status = main(["render", "--batch", str(batch), "--output-dir", out, "--jobs", "1"])
    assert status == 1
    shown = terminal.getvalue()
    assert shown.startswith("\r[")  # the bar, drawn for line 1
    assert "\r\x1b[Kmesoconsent: line 2: invalid consent request" in shown  # taken off first


def test_an_empty_batch_says_so_and_renders_nothing(tmp_path: Path) -> None:
    write_batch(tmp_path / "empty.jsonl", ["", "  "])
    result = run("render", "--batch", "empty.jsonl", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 0
    assert "empty.jsonl holds no requests" in result.stderr
    assert "rendered 0, failed 0 (of 0 requests)" in result.stdout
    assert list((tmp_path / "out").iterdir()) == []


def test_a_folder_that_cannot_be_written_fails_before_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("mesoconsent.batch.tempfile.NamedTemporaryFile", refuse)
    with pytest.raises(PermissionError):
        mesoconsent.render_batch([MIXED[0]] * 3, tmp_path / "out", jobs=1)
    # (as root, permissions cannot be taken away: the probe is what is tested here)


def test_a_worker_that_cannot_start_says_why_not_that_it_died(tmp_path: Path) -> None:
    # A template folder removed after the engine was made (or a relative one, after a chdir):
    # each worker's own Engine refuses it. The pool used to report that as a worker that
    # died ("killed, or out of memory?").
    clinic = tmp_path / "clinic-templates"
    clinic.mkdir()
    engine = mesoconsent.Engine(template_dirs=[clinic])
    clinic.rmdir()
    results = mesoconsent.render_batch(
        [request(f"P{n}") for n in range(4)], tmp_path / "out", "text", jobs=2, engine=engine
    )
    with pytest.raises(FileNotFoundError, match="template_dirs: no such folder") as raised:
        list(results)
    assert raised.value.filename == str(clinic)
    assert not list((tmp_path / "out").iterdir())


def test_the_command_names_what_stopped_its_workers_from_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = tmp_path / "clinic-templates"
    clinic.mkdir()
    made = mesoconsent.Engine

    def made_then_removed(*args: Any, **options: Any) -> mesoconsent.Engine:
        engine = made(*args, **options)
        clinic.rmdir()  # as if removed while the command was starting
        return engine

    monkeypatch.setattr(mesoconsent.cli, "Engine", made_then_removed)
    batch = write_batch(tmp_path / "b.jsonl", [json.dumps(request(f"P{n}")) for n in range(4)])
    out = str(tmp_path / "out")
    options = ["--jobs", "2", "--templates", str(clinic), "--format", "text"]
    status = main(["render", "--batch", str(batch), "--output-dir", out, *options])
    error = capsys.readouterr().err
    assert f"{clinic}: template_dirs: no such folder" in error
    assert "stopped unexpectedly" not in error
    assert "Traceback" not in error
    assert status == 3


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the patch reaches workers by fork"
)
@pytest.mark.parametrize("in_staging", [True, False], ids=["staging folder", "output folder"])
def test_a_worker_that_dies_is_reported_with_where_to_resume(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    in_staging: bool,
) -> None:
    # Its half-written form is left in its staging folder, or in the output folder where it
    # has none (_make_staging): either way, nothing is left behind.
    real = mesoconsent.batch._render_one

    def die_on_line_5(engine: Any, settings: Any, index: int, number: int, sent: Any) -> Any:
        if number == 5:  # half-way through writing a form, as the out-of-memory killer would
            worker = mesoconsent.batch._worker
            assert isinstance(worker, tuple)
            staging = worker[3] if in_staging else None
            folder = staging or settings.output_dir
            (folder / f"{settings.temporary_prefix}half.part").write_bytes(b"PK")
            os._exit(9)
        return real(engine, settings, index, number, sent)

    monkeypatch.setattr(mesoconsent.batch, "_render_one", die_on_line_5)
    write_batch(tmp_path / "b.jsonl", [json.dumps(request(f"P{n}")) for n in range(1, 9)])
    status = main(
        [
            "render",
            "--batch",
            str(tmp_path / "b.jsonl"),
            "--output-dir",
            str(tmp_path / "out"),
            "--format",
            "text",
            "--jobs",
            "2",
        ]
    )
    assert status == 4
    error = capsys.readouterr().err
    assert "a worker process stopped unexpectedly" in error
    assert "lines from " in error
    assert "Traceback" not in error
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the patch reaches workers by fork"
)
def test_each_worker_makes_its_temporary_files_in_a_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Created in one folder, the workers' files were created one at a time (_make_staging).
    log = tmp_path / "made-in.log"
    real = mesoconsent.output._write_temporary

    def logging(folder: Path, data: bytes, prefix: str) -> tuple[int, str]:
        with log.open("a", encoding="utf-8") as stream:  # appends of one line do not mix
            stream.write(f"{os.getpid()} {folder}\n")
        return real(folder, data, prefix)

    monkeypatch.setattr(mesoconsent.output, "_write_temporary", logging)
    out = tmp_path / "out"
    requests = [json.dumps(request(f"P{n}")) for n in range(1, 41)]
    results = list(mesoconsent.render_batch(requests, out, "text", jobs=2, chunksize=2))
    assert all(item.ok for item in results)
    made_in: dict[str, set[Path]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, folder = line.split(" ", 1)
        made_in.setdefault(pid, set()).add(Path(folder))
    assert len(made_in) == 2  # both workers wrote forms
    folders = [next(iter(each)) for each in made_in.values()]
    assert all(len(each) == 1 for each in made_in.values())
    assert folders[0] != folders[1]
    assert all(folder.parent == out and folder.name.startswith(".") for folder in folders)
    # The staging folders are gone with the batch; only the forms are left.
    assert sorted(path.name for path in out.iterdir()) == [
        output_name(n, "text") for n in range(1, 41)
    ]


@pytest.mark.skipif(os.name != "posix", reason="links and O_NOFOLLOW")
@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="readers forked, then killed"
)
def test_stopping_never_waits_for_a_worker_killed_while_it_read_the_flag() -> None:
    # When a worker dies, the pool terminates the others: one killed while reading a
    # multiprocessing.Event held its lock for good, and the batch, setting it to stop, hung.
    flag = mesoconsent.batch.StopFlag(multiprocessing.get_context("fork"))
    for _ in range(20):
        reader = os.fork()
        if reader == 0:  # pragma: no cover - the child reads until it is killed
            while True:
                flag.is_set()
        time.sleep(0.005)
        os.kill(reader, signal.SIGKILL)
        os.waitpid(reader, 0)
    done = threading.Event()

    def stop() -> None:
        flag.set()
        done.set()

    threading.Thread(target=stop, daemon=True).start()
    assert done.wait(10), "setting the flag waited for a killed reader"
    assert flag.is_set()


def test_removing_a_staging_folder_never_follows_a_link_put_in_its_place(tmp_path: Path) -> None:
    # Whoever may write in the output folder could swap a staging folder for a link to another
    # folder between the check and the removal.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("keep me")
    (tmp_path / ".x-1").symlink_to(elsewhere)
    mesoconsent.staging.remove_staging(tmp_path / ".x-1")
    assert (elsewhere / "notes.txt").read_text() == "keep me"
    # Among a batch's leftovers, such a link is removed itself, as a file is, not emptied.
    mesoconsent.staging.remove_leftovers(tmp_path, ".x-")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["elsewhere"]
    assert (elsewhere / "notes.txt").read_text() == "keep me"


ABANDONED_TOKEN = "0123456789ab"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals and locks")
def test_a_batch_removes_the_staging_folders_of_batches_whose_processes_are_gone(
    tmp_path: Path,
) -> None:
    # A worker killed with its whole batch (out of memory, a container stopped) leaves its
    # staging folder, perhaps with a half-written form in it; nothing of that batch is left
    # to remove it. Its lock went with the process.
    script = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from mesoconsent.staging import make_staging\n"
        f"staging = make_staging(Path({str(tmp_path)!r}), '.mesoconsent-{ABANDONED_TOKEN}-')\n"
        "(staging / 'half.part').write_bytes(b'PK half a form')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert done.returncode == -signal.SIGKILL
    [left] = tmp_path.glob(f".mesoconsent-{ABANDONED_TOKEN}-*")
    assert (left / "half.part").exists()
    results = list(mesoconsent.render_batch([example_dict()], tmp_path, "text", jobs=1))
    assert results[0].ok
    assert sorted(path.name for path in tmp_path.iterdir()) == ["000001.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX locks")
def test_the_staging_folder_of_a_batch_still_running_is_left_alone(tmp_path: Path) -> None:
    staging = mesoconsent.staging.make_staging(tmp_path, f".mesoconsent-{ABANDONED_TOKEN}-")
    assert staging is not None
    try:
        (staging / "being-written.part").write_bytes(b"PK")
        results = list(mesoconsent.render_batch([example_dict()], tmp_path, "text", jobs=1))
        assert results[0].ok
        assert (staging / "being-written.part").exists()
    finally:
        mesoconsent.staging.release_staging(staging)
    # Released, it is a folder whose batch is gone.
    list(mesoconsent.render_batch([example_dict()], tmp_path, "text", jobs=1, overwrite=True))
    assert not staging.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX links")
def test_removing_abandoned_staging_folders_never_follows_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    link = out / f".mesoconsent-{ABANDONED_TOKEN}-{mesoconsent.staging.HOST}-1"
    link.symlink_to(elsewhere, target_is_directory=True)
    list(mesoconsent.render_batch([example_dict()], out, "text", jobs=1))
    assert (elsewhere / "notes.txt").read_text() == "keep me"
    assert link.is_symlink()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_batches_in_one_process_leave_no_descriptor_open(tmp_path: Path) -> None:
    # The lock of each batch's staging folder is a descriptor: an application that renders a
    # batch now and then (a server) must not run out of them.
    def descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    list(mesoconsent.render_batch([example_dict()], tmp_path / "first", "text", jobs=1))
    before = descriptors()
    for run_number in range(3):
        folder = tmp_path / f"run{run_number}"
        results = list(mesoconsent.render_batch([example_dict()] * 2, folder, "text", jobs=1))
        assert all(item.ok for item in results)
    closed_early = mesoconsent.render_batch([example_dict()] * 2, tmp_path / "early", jobs=1)
    assert next(closed_early).ok
    closed_early.close()
    assert descriptors() == before


def test_a_batch_in_one_process_writes_through_a_staging_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # So that a killed --jobs 1 run leaves its half-written form where a later batch can tell
    # it was abandoned (above), not loose in the output folder.
    used: list[Path | None] = []
    real = mesoconsent.output.write_files_atomic

    def recording(
        folder: Path, files: Any, *, prefix: str, staging: Path | None, replace: bool
    ) -> Any:
        used.append(staging)
        return real(folder, files, prefix=prefix, staging=staging, replace=replace)

    monkeypatch.setattr(mesoconsent.batch, "write_files_atomic", recording)
    results = list(mesoconsent.render_batch([example_dict()] * 3, tmp_path, "text", jobs=1))
    assert all(item.ok for item in results)
    assert len(used) == 1
    assert used[0] is not None
    assert used[0].parent == tmp_path
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "000001.txt",
        "000002.txt",
        "000003.txt",
    ]


@pytest.mark.skipif(os.name != "posix", reason="POSIX locks")
def test_a_batch_starting_beside_another_never_sees_its_staging_folder_unlocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another batch into the same folder starts just as this one makes its staging folder:
    # the folder is made and locked under another name, then renamed to its own.
    real = mesoconsent.staging.lock_folder
    seen: list[list[str]] = []

    def another_batch_starts(folder: Path) -> int | None:
        seen.append(sorted(path.name for path in tmp_path.iterdir()))
        mesoconsent.staging.remove_abandoned_staging(tmp_path)
        return real(folder)

    monkeypatch.setattr(mesoconsent.staging, "lock_folder", another_batch_starts)
    results = list(mesoconsent.render_batch([example_dict()] * 3, tmp_path, "text", jobs=1))
    assert all(item.ok for item in results)
    [names] = seen
    assert len(names) == 1
    assert names[0].endswith(".new")  # not a name the other batch looks at
    assert not mesoconsent.staging.STAGING_NAME.fullmatch(names[0])


@pytest.mark.skipif(os.name != "posix", reason="POSIX locks")
def test_a_staging_folder_that_could_not_be_locked_is_never_taken_for_abandoned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # flock failing for a moment (a full lock table, a lock server away): another batch
    # starting later, whose flock works, must not remove the folder while it is in use.
    monkeypatch.setattr(mesoconsent.staging, "lock_folder", lambda folder: None)
    real = mesoconsent.output.write_files_atomic

    def another_batch_starts(folder: Path, files: Any, **options: Any) -> Any:
        monkeypatch.undo()  # the other batch's flock works
        mesoconsent.staging.remove_abandoned_staging(folder)
        return real(folder, files, **options)

    monkeypatch.setattr(mesoconsent.batch, "write_files_atomic", another_batch_starts)
    requests = [example_dict()] * 40  # two groups: the second after the other batch started
    results = list(mesoconsent.render_batch(requests, tmp_path, "text", jobs=1))
    assert all(item.ok for item in results)
    assert len(list(tmp_path.iterdir())) == 40


def test_a_staging_folder_that_cannot_be_made_and_locked_is_done_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def swapped(folder: Path) -> int | None:
        raise NotADirectoryError(20, "Not a directory", str(folder))

    monkeypatch.setattr(mesoconsent.staging, "lock_folder", swapped)
    results = list(mesoconsent.render_batch([example_dict()] * 2, tmp_path, "text", jobs=1))
    assert all(item.ok for item in results)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["000001.txt", "000002.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX locks")
def test_a_batch_refused_for_earlier_forms_still_clears_abandoned_staging_folders(
    tmp_path: Path,
) -> None:
    # A killed batch leaves whole forms too, so the next one is often refused: its
    # half-written ones must not stay behind if the user then picks another folder.
    (tmp_path / "000001.txt").write_text("an earlier form")
    abandoned = tmp_path / f".mesoconsent-{ABANDONED_TOKEN}-{mesoconsent.staging.HOST}-99"
    abandoned.mkdir()
    (abandoned / "half.part").write_bytes(b"PK")
    with pytest.raises(mesoconsent.EarlierFormsError):
        mesoconsent.render_batch([example_dict()], tmp_path, "text", jobs=1)
    assert not abandoned.exists()
    assert (tmp_path / "000001.txt").read_text() == "an earlier form"


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_another_user_s_staging_folder_is_left_alone(tmp_path: Path) -> None:
    theirs = tmp_path / f".mesoconsent-{ABANDONED_TOKEN}-{mesoconsent.staging.HOST}-7"
    theirs.mkdir()
    (theirs / "half.part").write_bytes(b"PK")
    os.chown(theirs, 65534, 65534)
    list(mesoconsent.render_batch([example_dict()], tmp_path, "text", jobs=1))
    assert (theirs / "half.part").exists()


def test_staging_folders_of_another_machine_are_left_alone(tmp_path: Path) -> None:
    # On a network file system a lock may hold only on the machine that took it.
    elsewhere = tmp_path / f".mesoconsent-{ABANDONED_TOKEN}-0000ffff-7"
    assert mesoconsent.staging.HOST != "0000ffff"
    elsewhere.mkdir()
    (elsewhere / "being-written.part").write_bytes(b"PK")
    list(mesoconsent.render_batch([example_dict()], tmp_path, "text", jobs=1))
    assert (elsewhere / "being-written.part").exists()


def test_the_staging_folder_is_synced_after_the_forms_leave_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Renamed out of it: on some file systems (btrfs) the rename is sure once both are synced.
    synced: list[Path] = []
    monkeypatch.setattr(mesoconsent.batch, "sync_folder", synced.append)
    settings = mesoconsent.batch._Settings(tmp_path, "text", None, False, None, ".x-")
    staging = mesoconsent.staging.make_staging(tmp_path, ".x-")
    assert staging is not None
    engine = mesoconsent.Engine()
    results = mesoconsent.batch._render_together(
        engine, settings, [(0, 1, example_dict()), (1, 2, example_dict())], staging
    )
    assert all(item.ok for item in results)
    assert synced == [tmp_path, staging]


def test_a_worker_with_no_staging_folder_writes_in_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder that allows files but not folders (some network or synced folders).
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert mesoconsent.staging.make_staging(tmp_path, ".x-") is None
    monkeypatch.undo()
    staging = mesoconsent.staging.make_staging(tmp_path, ".x-")
    assert staging is not None
    assert staging.parent == tmp_path
    (staging / ".x-half.part").write_bytes(b"PK")  # as a stopped worker leaves it
    mesoconsent.staging.remove_leftovers(tmp_path, ".x-")
    assert list(tmp_path.iterdir()) == []


def test_a_staging_folder_is_its_batch_s_own(tmp_path: Path) -> None:
    # Forms hold health data: the folder a worker writes them in before their rename is
    # private to the batch's user, as each file in it is, whatever the umask allows.
    umask = os.umask(0o022)
    try:
        staging = mesoconsent.staging.make_staging(tmp_path, ".x-")
    finally:
        os.umask(umask)
    assert staging is not None
    assert staging.stat().st_mode & 0o777 == 0o700
    mesoconsent.staging.release_staging(staging)
    mesoconsent.staging.remove_leftovers(tmp_path, ".x-")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
        ({}, None),
    ],
)
def test_the_cpu_quota_of_a_container(
    tmp_path: Path, files: dict[str, str], expected: float | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_cpu_quota(tmp_path, tmp_path / "no such file") == expected


def test_a_cpu_quota_set_on_a_parent_group_counts(tmp_path: Path) -> None:
    (tmp_path / "slice" / "app").mkdir(parents=True)
    (tmp_path / "slice" / "app" / "cpu.max").write_text("max 100000\n")
    (tmp_path / "slice" / "cpu.max").write_text("150000 100000\n")
    (tmp_path / "cpu.max").write_text("max 100000\n")
    (tmp_path / "membership").write_text("0::/slice/app\n")
    assert cgroup_cpu_quota(tmp_path, tmp_path / "membership") == 1.5


def test_default_jobs_respects_a_cpu_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mesoconsent.batch, "cgroup_cpu_quota", lambda: 0.5)
    assert default_jobs() == 1
    monkeypatch.setattr(mesoconsent.batch, "cgroup_cpu_quota", lambda: None)
    assert default_jobs() >= 1


@pytest.mark.parametrize(
    ("sized", "chunksize", "groups"),
    [
        (True, None, [32, 64, 70]),
        (False, None, [8, 16, 24, 32, 40, 48, 56, 64, 70]),
        (True, 30, [30, 60, 70]),
        (False, 30, [30, 60, 70]),
    ],
)
def test_the_folder_is_synced_once_a_group_before_its_results_are_yielded(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sized: bool,
    chunksize: int | None,
    groups: list[int],
) -> None:
    events: list[str] = []
    real = mesoconsent.output.sync_folder

    def recording(folder: Path) -> None:
        if folder == tmp_path:  # not the batch's staging folder, synced after it
            written = sorted(path.name for path in folder.iterdir() if path.is_file())
            events.append(f"sync after {len(written)} files")
        real(folder)

    monkeypatch.setattr(mesoconsent.batch, "sync_folder", recording)
    requests = [MIXED[0]] * 70
    given = requests if sized else (request for request in requests)
    results = mesoconsent.render_batch(given, tmp_path, "text", jobs=1, chunksize=chunksize)
    for item in results:
        assert item.path is not None
        events.append(f"result {item.number}")
    # The folder is tried when the batch starts; then each result comes after the sync that
    # made its file durable, one sync per group: as large as a worker's largest chunk, or 8
    # at a time for requests that come one by one, or as the caller's chunksize says.
    syncs = [index for index, event in enumerate(events) if event.startswith("sync")]
    assert [events[index] for index in syncs] == [
        f"sync after {count} files" for count in [0, *groups]
    ]
    assert syncs == [0] + [1 + position + done for position, done in enumerate([0, *groups[:-1]])]


def _processes_running(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (forked workers share their parent's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _start_big_batch(
    tmp_path: Path, *, own_group: bool = False
) -> tuple[subprocess.Popen[str], str]:
    marker = f"batch-{os.getpid()}-{tmp_path.name}.jsonl"
    write_batch(tmp_path / marker, [json.dumps(request(f"P{n}")) for n in range(1, 3001)])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mesoconsent",
            "render",
            "--batch",
            marker,
            "--output-dir",
            "out",
            "--jobs",
            "2",
            "--format",
            "text",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=own_group,  # a group of its own, as a terminal's Ctrl-C reaches
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        (tmp_path / "out").is_dir() and len(list((tmp_path / "out").iterdir())) > 20
    ):
        time.sleep(0.05)
    return process, marker


def _gone(marker: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _processes_running(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork" or not Path("/proc/self/cmdline").exists(),
    reason="forked workers, found in /proc",
)
@pytest.mark.parametrize(
    ("stop", "status", "said"),
    [
        (
            "OSError(errno.EAGAIN, 'Resource temporarily unavailable')",
            3,
            "mesoconsent: could not start the 4 worker processes asked for (Resource "
            "temporarily unavailable): ask for fewer (--jobs)",
        ),
        ("KeyboardInterrupt", 130, "mesoconsent: interrupted: 0 form(s) written"),
    ],
    ids=["fork refused", "ctrl-c"],
)
def test_workers_that_cannot_all_be_started_are_stopped_and_the_command_exits(
    tmp_path: Path, stop: str, status: int, said: str
) -> None:
    # More --jobs than the system allows processes or open files: fork fails for the third
    # worker (or Ctrl-C comes while the workers start). The command said "file: Resource
    # temporarily unavailable" (or "interrupted"), then never exited: the two workers started
    # waited for work forever, and the command, as it exited, for them.
    marker = f"batch-{os.getpid()}-{tmp_path.name}.jsonl"
    write_batch(tmp_path / marker, [json.dumps(request(f"P{n}")) for n in range(1, 9)])
    script = (
        "import errno, sys\n"
        "import multiprocessing.popen_fork as popen_fork\n"
        "real = popen_fork.Popen._launch\n"
        "started = []\n"
        "def launch(self, process_obj):\n"
        "    if len(started) == 2:\n"
        f"        raise {stop}\n"
        "    started.append(process_obj)\n"
        "    real(self, process_obj)\n"
        "popen_fork.Popen._launch = launch\n"
        "from mesoconsent.cli import command\n"
        f"sys.argv = ['mesoconsent', 'render', '--batch', {marker!r}, '--output-dir', 'out',\n"
        "            '--jobs', '4', '--format', 'text']\n"
        "command()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, error = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the command never exited: it waited for workers no one had stopped")
    assert process.returncode == status, error
    assert said in error
    assert "file: " not in error
    assert "Traceback" not in error
    assert _gone(marker, 5)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_sigterm_stops_the_batch_and_its_workers_cleanly(tmp_path: Path) -> None:
    process, marker = _start_big_batch(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "terminated: " in error
    assert "lines from " in error
    assert "Traceback" not in error
    assert _gone(marker, 5)
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_workers_stop_when_the_batch_command_is_killed(tmp_path: Path) -> None:
    process, marker = _start_big_batch(tmp_path)
    process.kill()  # SIGKILL: the command cannot stop its workers itself
    process.communicate(timeout=60)
    assert _gone(marker, 10)
    # Nor remove its temporary files: each worker removes them before it stops.
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]


@pytest.mark.skipif(not hasattr(os, "getppid"), reason="POSIX processes")
def test_a_worker_whose_parent_died_finishes_the_forms_it_is_writing_first(
    tmp_path: Path,
) -> None:
    # Stopped half-way, its temporary files were left, holding health data that no process
    # was left to remove. The worker's main thread is writing forms (it holds the lock) when
    # the parent dies, as its watcher sees it.
    script = (
        "import os, time\n"
        "from pathlib import Path\n"
        "import mesoconsent.batch as b\n"
        "parents = iter([os.getppid()])\n"
        "os.getppid = lambda: next(parents, 1)  # the parent dies at once\n"
        f"folder = Path({str(tmp_path)!r})\n"
        "b._WRITING.acquire()\n"
        "b._exit_with_parent(b._Settings(folder, 'text', None, False, None, '.x-'))\n"
        "time.sleep(1.5)  # the watcher looks every 0.5 s\n"
        "(folder / '.x-being-written.part').write_bytes(b'PK')\n"
        "print('still writing', flush=True)\n"
        "b._WRITING.release()\n"
        "time.sleep(60)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == "still writing\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_ctrl_c_stops_the_batch_and_its_workers_cleanly(tmp_path: Path) -> None:
    # Ctrl-C at a terminal reaches the command and its workers: the whole process group.
    process, marker = _start_big_batch(tmp_path, own_group=True)
    os.killpg(process.pid, signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGINT
    assert "mesoconsent: interrupted: " in error
    assert "terminated" not in error
    assert "lines from " in error
    assert "Traceback" not in error
    assert _gone(marker, 5)
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_second_sigterm_does_not_hang_the_batch(tmp_path: Path) -> None:
    process, marker = _start_big_batch(tmp_path)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "terminated: " in error
    assert _gone(marker, 5)
    assert not [path for path in (tmp_path / "out").iterdir() if path.name.startswith(".")]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_worker_stopped_by_sigterm_is_a_worker_that_stopped(tmp_path: Path) -> None:
    process, marker = _start_big_batch(tmp_path)
    workers = _children(process.pid)
    assert workers
    os.kill(workers[0], signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 4
    assert "a worker process stopped unexpectedly" in error
    assert _gone(marker, 5)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_form_that_cannot_be_written_fails_alone(tmp_path: Path, jobs: int) -> None:
    (tmp_path / output_name(2, "text")).mkdir()  # in the way of the second form
    results = list(mesoconsent.render_batch([example_dict()] * 4, tmp_path, "text", jobs=jobs))
    assert [item.ok for item in results] == [True, False, True, True]
    failed = results[1].error
    assert failed is not None
    assert str(tmp_path / output_name(2, "text")) in failed.message
    written = sorted(path.name for path in tmp_path.iterdir() if path.is_file())
    assert written == [output_name(n, "text") for n in (1, 3, 4)]
    assert all(item.result is None or item.result.content == b"" for item in results)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_form_another_batch_wrote_in_the_meantime_is_not_replaced(
    tmp_path: Path, jobs: int
) -> None:
    # Two batches into one folder at the same time (two desks, one shared folder): both found
    # it empty when they started, then each replaced the other's forms, and both said every
    # form was written. A form that appeared since the batch started is another's.
    results = mesoconsent.render_batch([example_dict()] * 3, tmp_path, "text", jobs=jobs)
    theirs = tmp_path / output_name(2, "text")
    theirs.write_bytes(b"another patient's form, from a batch running beside this one")
    items = list(results)
    assert [item.ok for item in items] == [True, False, True]
    failed = items[1].error
    assert failed is not None
    assert failed.type == "FileExistsError"
    assert failed.message.startswith(f"{theirs}: appeared since this batch started")
    assert theirs.read_bytes() == b"another patient's form, from a batch running beside this one"


def test_a_batch_beside_another_into_the_same_folder_reports_the_forms_it_did_not_write(
    tmp_path: Path,
) -> None:
    write_batch(tmp_path / "b.jsonl", [MIXED[0]] * 3)
    script = (
        "import sys\n"
        "import mesoconsent.batch as b\n"
        "real = b.render_batch\n"
        "def beside(*args, **options):\n"
        "    results = real(*args, **options)\n"
        "    (b.Path('out') / '000003.txt').write_text('from the other desk')\n"
        "    return results\n"
        "b.render_batch = beside\n"
        "from mesoconsent.cli import main\n"
        "sys.exit(main(['render', '--batch', 'b.jsonl', '--output-dir', 'out', '--format',\n"
        "               'text', '--jobs', '1']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "mesoconsent: line 3: out/000003.txt: appeared since this batch started" in done.stderr
    assert "rendered 2, failed 1 (of 3 requests)" in done.stdout
    assert (tmp_path / "out" / "000003.txt").read_text() == "from the other desk"


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="only forked workers inherit the lock"
)
def test_workers_forked_while_another_batch_writes_do_not_wait_for_it(tmp_path: Path) -> None:
    # Another thread of the process is writing a form (holding the write lock) when a pool
    # is forked: the workers must not inherit the lock held, and hang.
    script = (
        "import mesoconsent, mesoconsent.batch as b\n"
        "b._WRITING.acquire()\n"
        f"items = list(mesoconsent.render_batch([mesoconsent.example_request()] * 2, "
        f"{str(tmp_path)!r}, 'text', jobs=2))\n"
        "print(all(item.ok for item in items))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "True", done.stderr


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs forked workers"
)
def test_a_worker_finishes_its_chunk_through_a_ctrl_c(tmp_path: Path) -> None:
    # Ctrl-C reaches every process of the terminal's group: the command stops the batch, and a
    # worker finishes the forms of its chunk rather than failing half-way through them.
    script = (
        "import multiprocessing, os, signal\n"
        "import mesoconsent, mesoconsent.batch as b\n"
        "real = b._render_one\n"
        "def pressed(engine, settings, index, number, sent):\n"
        "    if number == 2:  # Ctrl-C, as it reaches a worker\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(engine, settings, index, number, sent)\n"
        "b._render_one = pressed\n"
        "items = mesoconsent.render_batch([mesoconsent.example_request()] * 4, "
        f"{str(tmp_path)!r}, 'text', jobs=2, chunksize=4, "
        "mp_context=multiprocessing.get_context('fork'))\n"
        "print([item.ok for item in items])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "[True, True, True, True]", done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        output_name(number, "text") for number in range(1, 5)
    ]


def sync_fails_after_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the batch's folder syncs fail with EIO after the first (the call-time check of the
    folder passes; the group's sync fails)."""
    real_sync = mesoconsent.output.sync_folder
    calls: list[Path] = []

    def failing(folder: Path) -> None:
        calls.append(folder)
        if len(calls) > 1:
            raise OSError(errno.EIO, "Input/output error")
        real_sync(folder)

    monkeypatch.setattr(mesoconsent.batch, "sync_folder", failing)


def test_forms_whose_folder_cannot_be_synced_are_not_reported_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / output_name(2, "text")).mkdir()  # the second form fails on its own anyway
    sync_fails_after_the_first(monkeypatch)
    results = list(mesoconsent.render_batch([example_dict()] * 3, out, "text", jobs=1))
    assert [item.ok for item in results] == [False, False, False]
    for number in (1, 3):
        error = results[number - 1].error
        assert error is not None
        assert str(out / output_name(number, "text")) in error.message
        assert "the folder could not be synced (Input/output error)" in error.message
    assert results[1].error is not None
    assert "could not be synced" not in results[1].error.message  # failed for its own reason
    assert [path.name for path in out.iterdir()] == [output_name(2, "text")]


def test_a_folder_that_cannot_be_synced_leaves_another_batch_s_form_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The forms this batch renamed into place are removed when the folder cannot be synced;
    # one it did not write (another desk's batch wrote it in the meantime) is not its own to
    # remove: it is another patient's form.
    out = tmp_path / "out"
    sync_fails_after_the_first(monkeypatch)
    results = mesoconsent.render_batch([example_dict()] * 3, out, "text", jobs=1)
    theirs = out / output_name(2, "text")
    theirs.write_bytes(b"another patient's form, from a batch running beside this one")
    items = list(results)
    assert [item.ok for item in items] == [False, False, False]
    failed = items[1].error
    assert failed is not None
    assert failed.type == "FileExistsError"
    assert theirs.read_bytes() == b"another patient's form, from a batch running beside this one"
    assert [path.name for path in out.iterdir()] == [output_name(2, "text")]


def test_forms_are_written_a_bounded_number_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each form written together holds a descriptor and its bytes: a large chunk is written
    # in parts, so that it cannot run out of descriptors.
    real_write = mesoconsent.output.write_files_atomic
    sizes: list[int] = []

    def counting(folder: Path, files: Any, **kwargs: Any) -> Any:
        sizes.append(len(files))
        return real_write(folder, files, **kwargs)

    monkeypatch.setattr(mesoconsent.batch, "write_files_atomic", counting)
    monkeypatch.setattr(mesoconsent.batch, "_WRITTEN_TOGETHER", 3)
    results = list(mesoconsent.render_batch([example_dict()] * 8, tmp_path, "text", jobs=1))
    assert all(item.ok for item in results)
    assert sizes == [3, 3, 2]
    assert len(list(tmp_path.iterdir())) == 8


def test_an_interrupted_batch_in_process_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(folder: Path, files: Any, *, prefix: str, **options: Any) -> Any:
        (folder / f"{prefix}abc.part").write_bytes(b"half")  # as a cut-short mkstemp leaves
        raise KeyboardInterrupt

    monkeypatch.setattr(mesoconsent.batch, "write_files_atomic", interrupted)
    with pytest.raises(KeyboardInterrupt):
        list(mesoconsent.render_batch([example_dict()] * 2, tmp_path, "text", jobs=1))
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_batch_still_reports_the_warnings_of_the_forms_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ctrl-C after the first group was written: its forms stay, among them a "yes" to a
    # screening question and a patient under 18 whom no guardian signs for (said only on
    # standard error, not on the form). The report of an interrupted batch left both out.
    real = mesoconsent.output.write_files_atomic
    groups: list[int] = []

    def interrupted_on_the_second_group(folder: Path, files: Any, **options: Any) -> Any:
        groups.append(len(files))
        if len(groups) > 1:
            raise KeyboardInterrupt
        return real(folder, files, **options)

    monkeypatch.setattr(mesoconsent.batch, "write_files_atomic", interrupted_on_the_second_group)
    minor = request("Young Patient")
    minor["patient"]["date_of_birth"] = "2012-01-01"
    lines = [json.dumps(request(f"P{n}")) for n in range(1, 41)]
    lines[1] = json.dumps(flagged("Eve Flagged"))
    lines[2] = json.dumps(minor)
    batch = write_batch(tmp_path / "b.jsonl", lines)
    out = tmp_path / "out"
    status = main(["render", "--batch", str(batch), "--output-dir", str(out), "--jobs", "1"])
    assert status == 128 + signal.SIGINT
    assert (out / output_name(2, "docx")).is_file()
    assert (out / output_name(3, "docx")).is_file()
    error = capsys.readouterr().err
    assert "mesoconsent: interrupted: 32 form(s) written" in error
    assert "  pregnant: line 2\n" in error
    assert "no parent or guardian signs them" in error
    assert "\n  line 3\n" in error


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="POSIX signals")
def test_a_second_sigterm_does_not_cut_the_cleanup_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first SIGTERM stops the batch while a form is being written; a second one, while
    # its temporary file is being removed, is ignored rather than leaving the file behind.
    def interrupted(folder: Path, files: Any, *, prefix: str, **options: Any) -> Any:
        (folder / f"{prefix}abc.part").write_bytes(b"half")  # as a cut-short mkstemp leaves
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the batch")

    real_remove = mesoconsent.staging.remove_leftovers

    def terminated_again(output_dir: Path | None, temporary_prefix: str) -> None:
        signal.raise_signal(signal.SIGTERM)
        real_remove(output_dir, temporary_prefix)

    monkeypatch.setattr(mesoconsent.batch, "write_files_atomic", interrupted)
    monkeypatch.setattr(mesoconsent.batch, "remove_leftovers", terminated_again)
    batch = write_batch(tmp_path / "b.jsonl", [MIXED[0]] * 2)
    out = tmp_path / "out"
    status = main(["render", "--batch", str(batch), "--output-dir", str(out), "--jobs", "1"])
    assert status == 128 + signal.SIGTERM
    assert "terminated: 0 form(s) written" in capsys.readouterr().err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_request_of_a_class_workers_cannot_import_renders_as_alone(method: str) -> None:
    # A subclass defined where a worker cannot import it (here, in a function): sent as the
    # ConsentRequest it is. It used to break the pool under spawn, and fail under fork.
    @attrs.frozen
    class Local(mesoconsent.ConsentRequest):
        case_id: str = "C-1"

    local = Local(**attrs.asdict(example(), recurse=False))
    requests: list[mesoconsent.BatchRequest] = [local, example_dict(), local]
    context = multiprocessing.get_context(method)
    results = list(
        mesoconsent.render_batch(requests, format="text", jobs=2, mp_context=context, chunksize=1)
    )
    alone = mesoconsent.render(example(), "text")
    assert [item.result for item in results] == [alone, alone, alone]


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_a_batch_beside_a_thread_holding_a_lock_ends_with_the_documented_context(
    method: str,
) -> None:
    # Found by a review: a web application rendered forms in some threads and a batch (jobs=2)
    # in another, and the batch sometimes never ended. Its workers were forked (Linux's default
    # start method before Python 3.14) while a thread was importing a module a worker then
    # imports (a writer, Babel's catalog reader: imported on first use), and the fork copied
    # the held import lock, with no thread left to release it. docs/api.md now says to pass a
    # context that does not fork in a program with threads; this is that advice at work. Here
    # a thread holds the HTML writer's import lock, as one importing it would, all along.
    script = (
        "import importlib._bootstrap, multiprocessing, threading, mesoconsent\n"
        "held, done = threading.Event(), threading.Event()\n"
        "def importing():\n"
        "    lock = importlib._bootstrap._get_module_lock('mesoconsent.writers.html')\n"
        "    lock.acquire()\n"
        "    held.set()\n"
        "    done.wait()\n"
        "    lock.release()\n"
        "thread = threading.Thread(target=importing)\n"
        "thread.start()\n"
        "held.wait()\n"
        "requests = [mesoconsent.example_request()] * 4\n"
        f"context = multiprocessing.get_context({method!r})\n"
        "batch = mesoconsent.render_batch(requests, None, 'html', jobs=2, mp_context=context)\n"
        "results = list(batch)\n"
        "done.set()\n"
        "print([item.ok for item in results])\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the batch hung: its workers waited for a lock no thread of theirs holds")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True, True, True, True]"


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("kind", ["dict", "read-only view", "bytearray"])
def test_each_request_is_rendered_as_it_was_when_the_batch_took_it(jobs: int, kind: str) -> None:
    # Found by a review: requests were read when rendered, a group (or a worker's chunk)
    # later. A reader that hands out one dict (or one buffer), changed for each row, had every
    # form of a group printed with the last patient's name, each under another's number.
    names = [f"Patient Number{number}" for number in range(1, 6)]
    row = example_dict()
    buffer = bytearray()

    def document(name: str) -> Mapping[str, Any] | bytearray:
        row["patient"]["full_name"] = name
        if kind == "dict":
            return row
        if kind == "read-only view":  # of the same dict, changed for each row
            return types.MappingProxyType(row)
        buffer[:] = json.dumps(row).encode()
        return buffer

    def rows() -> Any:
        for name in names:
            yield document(name)
        document("Nobody Afterwards")

    results = list(mesoconsent.render_batch(rows(), format="text", jobs=jobs))
    shown = [
        [name for name in [*names, "Nobody Afterwards"] if name in text]
        for text in (item.result.content.decode() if item.result else "" for item in results)
    ]
    assert shown == [[name] for name in names]


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("part", ["patient", "screening answer"])
def test_a_section_of_a_class_workers_cannot_import_renders_as_alone(
    method: str, part: str
) -> None:
    # Found by a review: only the request's own class was sent as mesoconsent's. A clinic's
    # subclass of a section (a Patient that carries a record number) or of an answer, defined
    # where a worker cannot import it (a function, a notebook's __main__ under spawn), failed
    # as "cannot be pickled" under fork although the request is valid, and under spawn broke
    # the pool: BrokenProcessPool, every other request of the batch lost with it.
    @attrs.frozen
    class LocalPatient(mesoconsent.Patient):
        record_number: str = "R-1"

    @attrs.frozen
    class LocalAnswer(mesoconsent.ScreeningAnswer):
        asked_by: str = "nurse"

    plain = example()
    if part == "patient":
        local = attrs.evolve(plain, patient=LocalPatient(**attrs.asdict(plain.patient)))
    else:
        answers = {key: LocalAnswer(**attrs.asdict(a)) for key, a in plain.screening.items()}
        local = attrs.evolve(plain, screening=answers)
    requests: list[mesoconsent.BatchRequest] = [local, example_dict(), local]
    context = multiprocessing.get_context(method)
    results = list(
        mesoconsent.render_batch(requests, format="text", jobs=2, mp_context=context, chunksize=1)
    )
    alone = mesoconsent.render(plain, "text")
    assert [item.result for item in results] == [alone, alone, alone]


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_readme_batch_example_renders_every_example_request(tmp_path: Path) -> None:
    # README's batch command names examples/requests.jsonl: it must hold the example requests
    # (kept in step with them, one a line) and render as the README says.
    files = [EXAMPLES / "request.json", *sorted((EXAMPLES / "localized").glob("request.*.json"))]
    lines = (EXAMPLES / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        json.loads(file.read_text(encoding="utf-8")) for file in files
    ]
    done = run_cli(
        "render", "--batch", EXAMPLES / "requests.jsonl", "--output-dir", "forms/", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    written = sorted(path.name for path in (tmp_path / "forms").iterdir())
    assert written == [output_name(number, "docx") for number in range(1, len(files) + 1)]
    languages = {mesoconsent.verify(tmp_path / "forms" / name).locale for name in written}
    engine = mesoconsent.default_engine()
    assert languages == {engine.resolve_locale(json.loads(line)["locale"]) for line in lines}
