"""The command line, run as a user runs it: a separate process, from another directory."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs
import docx
import pytest

import mesoconsent
from tests.helpers import empty_catalog, example_dict, run_cli, run_cli_piped, unreachable_folder
from tests.test_locales import replace_once, shipped_copy

run = run_cli


def write_request(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_render_example_then_verify(tmp_path: Path) -> None:
    result = run("render", "--example", "--output", "consent.docx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mesoconsent.verify(tmp_path / "consent.docx").ok
    checked = run("verify", "consent.docx", cwd=tmp_path)
    assert checked.returncode == 0
    assert "OK" in checked.stdout


@pytest.mark.parametrize(
    ("name", "marker"),
    [("consent.html", b"<!DOCTYPE html>"), ("consent.txt", b"Riverside Aesthetic Clinic")],
)
def test_format_follows_the_extension(tmp_path: Path, name: str, marker: bytes) -> None:
    assert run("render", "--example", "-o", name, cwd=tmp_path).returncode == 0
    assert (tmp_path / name).read_bytes().startswith(marker)


@pytest.mark.parametrize("command", [(), ("render",), ("verify",)])
def test_help(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = run(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: mesoconsent" in result.stdout


def test_invalid_request_lists_problems_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    data = example_dict()
    data["patient"]["full_name"] = "Private\x1bPerson"
    data["treatment"]["number_of_sessions"] = 0
    data["screening"]["pregnant"] = "maybe"
    request = write_request(tmp_path / "request.json", data)
    result = run("render", "--input", request, "--output", "out.docx", cwd=tmp_path)
    assert result.returncode == 2
    assert "screening.pregnant" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.docx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["request.json"]
    data["screening"]["pregnant"] = False
    write_request(request, data)
    result = run("render", "--input", request, "--output", "out.docx", cwd=tmp_path)
    assert result.returncode == 2
    assert "patient.full_name: contains the control character U+001B" in result.stderr
    assert "treatment.number_of_sessions: must be from 1 to 100" in result.stderr
    assert "Private" not in result.stderr + result.stdout


HOSTILE = [
    "{{ 7*7 }}",
    "</w:t></w:r></w:p><w:p><w:r><w:t>",
    "<![CDATA[x]]> &amp; &lt; \" '",
    "محمد عبد الله",  # right to left
    "王秀英 / 김민준",
    "Zoë 👩🏽‍⚕️ Ñúñez",
    "x" * 20_000,
    "\tTabbed  double  spaced ",
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_in_every_text_field_print_literally(tmp_path: Path, value: str) -> None:
    data = example_dict()
    data["patient"]["full_name"] = value
    data["patient"]["patient_id"] = value
    data["clinic"].update(name=value, address=value, phone=value)
    data["practitioner"].update(full_name=value, qualification=value)
    data["treatment"].update(product=value, treated_areas=[value])
    data["witness"] = {"full_name": value, "role": "witness"}
    request = write_request(tmp_path / "request.json", data)
    result = run("render", "-i", request, "-o", "out.docx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from tests.helpers import docx_paragraph_texts

    texts = docx_paragraph_texts((tmp_path / "out.docx").read_bytes())
    assert f"Patient\n{value}" in texts  # signature block
    assert f"Product or solution to be used: {value}" in texts
    assert run("verify", "out.docx", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("bad\x00nul", "U+0000"),
        ("bell\x07", "U+0007"),
        ("line\nbreak", "single line"),
        ("c1\x85", "U+0085"),
        ("\ufffe", "U+FFFE"),
    ],
)
def test_text_xml_cannot_carry_is_refused_by_field(
    tmp_path: Path, value: str, message: str
) -> None:
    data = example_dict()
    data["practitioner"]["qualification"] = value
    request = write_request(tmp_path / "request.json", data)
    result = run("render", "-i", request, "-o", "out.docx", cwd=tmp_path)
    assert result.returncode == 2
    assert "practitioner.qualification: " in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "out.docx").exists()


def test_lone_surrogate_is_refused(tmp_path: Path) -> None:
    raw = json.dumps(example_dict()).replace('"Jane Example"', '"Jane \\ud800 Example"')
    (tmp_path / "request.json").write_text(raw, encoding="utf-8")
    result = run("render", "-i", "request.json", "-o", "out.docx", cwd=tmp_path)
    assert result.returncode == 2
    assert "patient.full_name: contains an unpaired surrogate U+D800" in result.stderr


def test_screening_yes_is_signalled(tmp_path: Path) -> None:
    data = example_dict()
    data["screening"]["clotting_disorder"] = True
    request = write_request(tmp_path / "request.json", data)
    result = run("render", "-i", request, "-o", "out.docx", cwd=tmp_path)
    assert result.returncode == 0
    assert "clotting_disorder" in result.stderr
    assert "warning" in result.stderr


def test_verify_reports_missing_disclosures(tmp_path: Path) -> None:
    import io

    import docx
    from docx.oxml.ns import qn

    assert run("render", "--example", "-o", "form.docx", cwd=tmp_path).returncode == 0
    document = docx.Document(str(tmp_path / "form.docx"))
    for p in list(document.element.body.iter(qn("w:p"))):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        if text.startswith(("If you have ever had a blood clotting", "Scarring.")):
            p.getparent().remove(p)
    buffer = io.BytesIO()
    document.save(buffer)
    (tmp_path / "form.docx").write_bytes(buffer.getvalue())
    result = run("verify", "form.docx", cwd=tmp_path)
    assert result.returncode == 1
    assert "contraindications.clotting_disorders: missing" in result.stdout
    assert "risks.rare_scarring: missing" in result.stdout


def test_verify_on_a_non_docx_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_text("hello")
    result = run("verify", "x.docx", cwd=tmp_path)
    assert result.returncode == 1
    assert "not a DOCX" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_input_file(tmp_path: Path) -> None:
    result = run("render", "-i", "nope.json", "-o", "out.docx", cwd=tmp_path)
    assert result.returncode == 3
    assert "nope.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ("render", "--input", "", "-o", "x.docx"),
        ("render", "--example", "-o", ""),
        ("render", "--batch", "", "--output-dir", "out"),
        ("render", "--batch", "b.jsonl", "--output-dir", ""),
        ("render", "--example", "-o", "x.docx", "--templates", ""),
        ("verify", ""),
    ],
    ids=repr,
)
def test_an_empty_path_is_a_usage_error_not_the_current_folder(
    tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    # An unset shell variable ($INPUT) gives an empty argument, which is not the folder ".".
    result = run(*arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert "an empty path" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_output_extension_is_a_usage_error(tmp_path: Path) -> None:
    result = run("render", "--example", "-o", "out.pdf", cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("order", [("good.docx", "bad.docx"), ("bad.docx", "good.docx")])
def test_verify_several_files_reports_each(tmp_path: Path, order: tuple[str, str]) -> None:
    # The status is the worst of them, wherever the failing file is: a script verifying a
    # folder of forms (verify *.docx) must not pass because the last one did.
    assert run("render", "--example", "-o", "good.docx", cwd=tmp_path).returncode == 0
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    result = run("verify", *order, cwd=tmp_path)
    assert result.returncode == 1
    assert "OK: good.docx" in result.stdout
    assert "bad.docx: not a DOCX" in result.stderr


def test_verify_several_files_exits_with_the_worst_status(tmp_path: Path) -> None:
    # A file that cannot be read (3) outweighs one that fails (1), which outweighs one that
    # passes (0), in any order.
    assert run("render", "--example", "-o", "good.docx", cwd=tmp_path).returncode == 0
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    result = run("verify", "absent.docx", "bad.docx", "good.docx", cwd=tmp_path)
    assert result.returncode == 3
    assert "OK: good.docx" in result.stdout


def test_verify_missing_file_is_an_io_error(tmp_path: Path) -> None:
    result = run("verify", "absent.docx", cwd=tmp_path)
    assert result.returncode == 3
    assert "absent.docx" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_output_to_a_pipe_is_refused_not_replaced(tmp_path: Path) -> None:
    # As /dev/stdout or /dev/null would be: renaming over one would leave a regular file
    # holding the form in its place (as root, even in /dev).
    os.mkfifo(tmp_path / "pipe.docx")
    result = run("render", "--example", "-o", "pipe.docx", cwd=tmp_path)
    assert result.returncode == 3
    assert "pipe.docx: not a regular file" in result.stderr
    assert "Traceback" not in result.stderr
    assert stat.S_ISFIFO((tmp_path / "pipe.docx").lstat().st_mode)
    assert [path.name for path in tmp_path.iterdir()] == ["pipe.docx"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
def test_output_to_stdout_redirected_to_a_file_is_refused_and_the_file_kept(
    tmp_path: Path,
) -> None:
    # /dev/stdout then leads to the log file itself; renaming over it replaced the whole log.
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n", encoding="utf-8")
    command = ["render", "--example", "-o", "/dev/stdout", "--format", "text"]
    with log.open("a", encoding="utf-8") as output:
        result = subprocess.run(
            [sys.executable, "-m", "mesoconsent", *command],
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 3, result.stderr
    assert "/dev/stdout: not a file of its own but a process's open descriptor" in result.stderr
    assert log.read_text(encoding="utf-8") == "earlier lines\n"
    assert [path.name for path in tmp_path.iterdir()] == ["log.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_or_folder_without_an_extension_is_refused_as_what_it_is(tmp_path: Path) -> None:
    # They used to be refused for their name ("cannot tell the format from 'no extension'",
    # exit 2), while the docs promise "not a regular file", exit 3, as /dev/stdout gets.
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    for target, message in (
        ("pipe", "pipe: not a regular file"),
        ("folder", "folder: Is a directory"),
    ):
        result = run("render", "--example", "-o", target, cwd=tmp_path)
        assert result.returncode == 3, result.stderr
        assert message in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["folder", "pipe"]


def test_a_format_that_contradicts_the_file_name_is_refused(tmp_path: Path) -> None:
    # Plain text in a .docx file: Word cannot open it, and verify calls it "not a DOCX file".
    result = run("render", "--example", "-o", "form.docx", "--format", "text", cwd=tmp_path)
    assert result.returncode == 2
    assert "--format text: form.docx names a docx file, not a text one" in result.stderr
    assert list(tmp_path.iterdir()) == []
    # A name that implies no format takes the one given.
    assert (
        run("render", "--example", "-o", "form.out", "--format", "text", cwd=tmp_path).returncode
        == 0
    )


def test_an_unavailable_locale_option_is_blamed_on_the_option(tmp_path: Path) -> None:
    # It used to read "invalid consent request: locale: ...", pointing at the request file.
    result = run("render", "--example", "-o", "form.docx", "--locale", "ja", cwd=tmp_path)
    assert result.returncode == 2
    assert "--locale 'ja': not an available locale; available: ar, de, en" in result.stderr
    assert "invalid consent request" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_a_form_is_written_leaves_no_temporary_file(tmp_path: Path) -> None:
    # The signal arrives while the form is being synced (held there for the test): the
    # temporary file holds the whole form, and must not stay behind.
    script = (
        "import os, sys, time\n"
        "real_fsync = os.fsync\n"
        "def held(descriptor):\n"
        "    time.sleep(60)\n"
        "    real_fsync(descriptor)\n"
        "os.fsync = held\n"
        "import mesoconsent.cli as cli\n"
        "sys.exit(cli.main(['render', '--example', '-o', 'consent.docx']))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("*.part")):
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "terminated before consent.docx was known to be written" in error
    assert "Traceback" not in error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command", [("locales",), ("render", "--example", "-o", "consent.docx")], ids=" ".join
)
def test_a_reader_that_stops_reading_is_not_a_write_error(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # `mesoconsent locales | head -3`: standard output's reader goes away. That is not an
    # output file that could not be written (exit 3), and nothing is printed about it.
    process = subprocess.Popen(
        [sys.executable, "-m", "mesoconsent", *command],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()  # long before the command writes anything: it is still starting
    error = process.communicate(timeout=120)[1]
    assert process.returncode == 128 + 13
    assert error == ""


def test_unwritable_output_names_the_requested_path(tmp_path: Path) -> None:
    result = run("render", "--example", "-o", "no/such/dir/out.docx", cwd=tmp_path)
    assert result.returncode == 3
    assert "no/such/dir/out.docx" in result.stderr
    assert ".part" not in result.stderr
    assert "Traceback" not in result.stderr


def _render_raising(exception: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line rendering the example, its render raising ``exception`` (Python)."""
    script = (
        "import errno, sys, mesoconsent.cli as cli\n"
        "def failing(*args, **kwargs):\n"
        f"    raise {exception}\n"
        "cli.Engine.render_quietly = failing\n"
        "sys.exit(cli.main(['render', '--example', '-o', 'x.docx']))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_an_internal_error_prints_no_traceback_and_no_data(tmp_path: Path) -> None:
    result = _render_raising("RuntimeError('Secret Patient Name')", tmp_path)
    assert result.returncode == 70
    assert "internal error (RuntimeError)" in result.stderr
    assert "Secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_system_error_that_names_no_file_is_not_said_to_be_about_a_file(tmp_path: Path) -> None:
    # Out of open files (or processes) names no file: it was said as "file: Too many open
    # files", as if a file called "file" were the trouble.
    result = _render_raising("OSError(errno.EMFILE, 'Too many open files')", tmp_path)
    assert result.returncode == 3
    assert result.stderr == "mesoconsent: Too many open files\n"


def test_a_missing_template_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run("render", "--example", "-o", "x.docx", "--templates", "no-such-dir", cwd=tmp_path)
    assert result.returncode == 2
    assert "--templates no-such-dir: no such folder" in result.stderr
    assert not (tmp_path / "x.docx").exists()


def test_a_template_folder_that_may_not_be_reached_is_named_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Below a folder that may not be entered, Path.is_dir raises (before Python 3.14).
    from mesoconsent.cli import main

    locked = unreachable_folder(tmp_path, monkeypatch)
    output = tmp_path / "x.docx"
    status = main(["render", "--example", "-o", str(output), "--templates", str(locked)])
    assert status == 3
    assert f"--templates {locked}: Permission denied" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize(
    "command", [("locales", "--check"), ("render", "--example", "-o", "x.docx")]
)
def test_a_locale_folder_holding_no_catalog_is_a_usage_error(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # Found by a review: one level too deep (fr/ itself), the folder was read for nothing and
    # the bundled catalogs checked instead, all at 100%; a form would come from them too.
    too_deep = tmp_path / "mine" / "fr"
    (too_deep / "LC_MESSAGES").mkdir(parents=True)
    (too_deep / "LC_MESSAGES" / "mesoconsent.po").write_text("", encoding="utf-8")
    result = run(*command, "--locales", str(too_deep), cwd=tmp_path)
    assert result.returncode == 2
    assert f"--locales {too_deep}: holds no catalog" in result.stderr
    assert "<locale>/LC_MESSAGES/mesoconsent.po" in result.stderr
    assert not (tmp_path / "x.docx").exists()
    catalog = too_deep / "LC_MESSAGES" / "mesoconsent.po"
    result = run(*command, "--locales", str(catalog), cwd=tmp_path)
    assert result.returncode == 2
    assert f"--locales {catalog}: not a folder" in result.stderr


def test_an_empty_locale_override_is_refused_not_ignored(tmp_path: Path) -> None:
    result = run("render", "--example", "-o", "x.docx", "--locale", "", cwd=tmp_path)
    assert result.returncode == 2
    assert "--locale '': not an available locale" in result.stderr


# -- locales ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "visage et cou"), ("de-AT", "Gesicht und Hals"), ("ar", "الوجه")],
)
def test_the_example_in_a_locale_is_the_localized_example(
    tmp_path: Path, locale: str, expected: str
) -> None:
    result = run("render", "--example", "--locale", locale, "-o", "form.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "form.txt").read_text(encoding="utf-8")
    assert expected in text
    assert "neck" not in text
    assert "Riverside" not in text


def test_a_draft_translation_is_named_by_its_catalog(tmp_path: Path) -> None:
    result = run("render", "--example", "--locale", "fr-CA", "-o", "form.docx", cwd=tmp_path)
    assert result.returncode == 0
    assert "the fr translation (used for fr_CA) is a draft" in result.stderr


def test_locales_lists_every_locale_with_completeness_and_review_state(tmp_path: Path) -> None:
    result = run("locales", "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for locale, language in [("ar", "Arabic"), ("pt_BR", "Portuguese (Brazil)"), ("ru", "Russian")]:
        row = next(line for line in lines if line.startswith(f"{locale} "))
        assert language in row
        assert "(100%)" in row
        assert "draft (not reviewed; revision " in row
    assert any(line.startswith("en ") and "source text" in line for line in lines)


def test_locales_check_fails_on_an_incomplete_or_broken_locale(tmp_path: Path) -> None:
    empty_catalog(tmp_path / "locales", "nl", "nplurals=2; plural=(n != 1);")
    de = tmp_path / "locales" / "de" / "LC_MESSAGES"
    de.mkdir(parents=True)
    (de / "mesoconsent.po").write_text('msgid "x"\nmsgstr "unterminated\n', encoding="utf-8")
    listing = run("locales", "--locales", "locales", cwd=tmp_path)
    assert listing.returncode == 0
    assert "fr " in listing.stdout  # the others are still listed
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    assert check.returncode == 1
    assert "de: cannot be used" in check.stdout
    every = len(mesoconsent.default_engine().needed_messages())  # an empty catalog lacks all
    assert f"nl: {every} message(s) would show in English" in check.stdout
    assert "required disclosure risks.rare_infection: untranslated" in check.stdout
    assert "2 incomplete locale(s): de, nl" in check.stderr


def test_draft_mode_from_the_command_line(tmp_path: Path) -> None:
    empty_catalog(tmp_path / "locales", "nl", "nplurals=2; plural=(n != 1);")
    common = ("render", "--example", "--locale", "nl", "--locales", "locales")
    refused = run(*common, "-o", "form.txt", cwd=tmp_path)
    assert refused.returncode == 1
    assert "would be in English" in refused.stderr
    assert not (tmp_path / "form.txt").exists()
    drafted = run(*common, "--draft", "-o", "form.txt", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert "rendered in draft mode" in drafted.stderr
    text = (tmp_path / "form.txt").read_text(encoding="utf-8")
    assert text.startswith("*** DRAFT, NOT FOR SIGNATURE")


def test_a_plural_message_half_translated_is_listed_untranslated_and_drafted(
    tmp_path: Path,
) -> None:
    # Reported by a translator: a Dutch catalog with one plural form still empty was "has 1
    # plural form(s); nl needs 2", and --draft refused the catalog.
    from tests.test_locales import line_of

    po_path = empty_catalog(tmp_path / "locales", "nl", "nplurals=2; plural=(n != 1);")
    with po_path.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n#, python-format\n"
            'msgid "%(num)s session"\n'
            'msgid_plural "%(num)s sessions"\n'
            'msgstr[0] "%(num)s sessie"\n'
            'msgstr[1] ""\n'
        )
    check = run("locales", "--check", "--locales", "locales", "--locale", "nl", cwd=tmp_path)
    assert check.returncode == 1
    assert "plural form(s)" not in check.stdout
    assert "cannot be used" not in check.stdout
    where = Path("locales", "nl", "LC_MESSAGES", "mesoconsent.po")
    line = line_of(po_path, 'msgid "%(num)s session"')
    assert (
        f"  - {where}:{line}: text '%(num)s session': untranslated (msgstr[1] is empty)"
        in check.stdout.splitlines()
    )
    common = ("render", "--example", "--locale", "nl", "--locales", "locales")
    refused = run(*common, "-o", "x.docx", cwd=tmp_path)
    assert refused.returncode == 1
    assert "text '%(num)s session': would be in English" in refused.stderr
    drafted = run(*common, "--draft", "-o", "x.docx", cwd=tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert (tmp_path / "x.docx").is_file()


@pytest.mark.parametrize("as_command", [True, False])
def test_after_an_interruption_only_the_command_keeps_ignoring_signals(as_command: bool) -> None:
    from mesoconsent.cli import _Termination

    def mine(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    previous_int = signal.getsignal(signal.SIGINT)
    try:
        termination = _Termination(as_command=as_command)
        with pytest.raises(KeyboardInterrupt), termination:
            signal.raise_signal(signal.SIGTERM)
        expected = signal.SIG_IGN if as_command else mine
        assert signal.getsignal(signal.SIGTERM) == expected
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def test_verify_counts_disclosures_apart_from_other_problems(tmp_path: Path) -> None:
    # Found by a review: "lacks 42 required disclosure(s)" of a form with 38.
    document = docx.Document()
    document.add_paragraph("Dear patient")
    document.save(str(tmp_path / "letter.docx"))
    result = run(
        "verify", "letter.docx", "--procedure", "mesotherapy", "--locale", "en", cwd=tmp_path
    )
    assert result.returncode == 1
    required = len(mesoconsent.default_engine().required_disclosures("mesotherapy"))
    assert (
        f"FAILED: letter.docx has {required + 1} problem(s) ({required} of its {required} "
        "required disclosures missing or changed):"
    ) in result.stdout
    assert "  - document: " in result.stdout


def test_verify_counts_a_disclosure_with_two_problems_once(tmp_path: Path) -> None:
    # Found by a review: a disclosure both altered and, in the catalog verify was given,
    # fuzzy made "2 of its 38 required disclosures missing or changed".
    request = attrs.evolve(mesoconsent.example_request(), locale="fr")
    form = mesoconsent.default_engine().render_quietly(request, "docx").content
    (tmp_path / "form.docx").write_bytes(form)
    po_path = shipped_copy(tmp_path, "fr")
    replace_once(
        po_path, 'msgctxt "risks.rare_scarring"', '#, fuzzy\nmsgctxt "risks.rare_scarring"'
    )
    result = run("verify", "--locales", "locales", "form.docx", cwd=tmp_path)
    assert result.returncode == 1
    assert "  - risks.rare_scarring: altered" in result.stdout
    assert "  - risks.rare_scarring: would be in English" in result.stdout
    required = len(mesoconsent.default_engine().required_disclosures("mesotherapy"))
    assert (
        f"FAILED: form.docx has 2 problem(s) (1 of its {required} required disclosures "
        "missing or changed):"
    ) in result.stdout


def test_locales_check_gives_each_message_s_line_and_lists_entries_no_form_uses(
    tmp_path: Path,
) -> None:
    from tests.test_locales import PAGE, edit_message, line_of, replace_once, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    edit_message(po_path, None, PAGE, string="")
    replace_once(po_path, 'msgctxt "consent.plan_product"', 'msgctxt "consent.plan_produit"')
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    page = line_of(po_path, 'msgid "' + PAGE + '"')
    # FILE:LINE, as msgfmt writes a place: an editor or a terminal opens the file there.
    where = Path("locales", "fr", "LC_MESSAGES", "mesoconsent.po")
    assert f"  - {where}:{page}: text {PAGE!r}: untranslated" in lines
    assert "  - not in the file: required disclosure consent.plan_product: untranslated" in lines
    assert any("pybabel update" in line for line in lines)  # how to add what is not there
    stray = line_of(po_path, 'msgctxt "consent.plan_produit"') + 1
    unused = lines.index("fr: 1 entry no form uses (a msgctxt or msgid changed?):")
    assert lines[unused + 1].startswith(
        f"  - {where}:{stray}: msgctxt 'consent.plan_produit' msgid "
    )
    # Which file the lines are of, as the folder was given.
    assert f"({Path('locales', 'fr', 'LC_MESSAGES', 'mesoconsent.po')}):" in check.stdout


def test_locales_check_says_which_entry_was_meant_for_a_message_not_in_the_file(
    tmp_path: Path,
) -> None:
    from tests.test_locales import SCARRING, edit_message, line_of, replace_once, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    replace_once(po_path, 'msgctxt "consent.plan_product"', 'msgctxt "consent.plan_produit"')
    # The English changed at the end of the text: the listing shows both from a little before
    # where they differ, not from their shared start.
    assert len(SCARRING) > 40
    earlier = SCARRING[:-1] + " (permanent)."
    edit_message(po_path, "risks.rare_scarring", SCARRING, id=earlier)
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    renamed = line_of(po_path, 'msgctxt "consent.plan_produit"') + 1
    product = lines.index(
        "  - not in the file: required disclosure consent.plan_product: untranslated"
    )
    assert lines[product + 1] == (
        f"      the entry whose msgid is at line {renamed} has its English under msgctxt "
        '"consent.plan_produit": put back msgctxt "consent.plan_product" (or update the file '
        "from the template)"
    )
    changed = line_of(po_path, 'msgctxt "risks.rare_scarring"') + 1
    scarring = lines.index(
        "  - not in the file: required disclosure risks.rare_scarring: untranslated"
    )
    assert lines[scarring + 1] == (
        f"      line {changed} has it with other English (the English changed, or the msgid was "
        "edited): update the file from the template, and check the translation against the new "
        "English:"
    )
    start = len(SCARRING) - 1 - 20
    assert lines[scarring + 2] == f"        the file: {'…' + earlier[start:]!r}"
    assert lines[scarring + 3] == f"        the form: {'…' + SCARRING[start:]!r}"
    unused = lines.index("fr: 2 entries no form uses (a msgctxt or msgid changed?):")
    where = Path("locales", "fr", "LC_MESSAGES", "mesoconsent.po")
    assert lines[unused + 1].startswith(f"  - {where}:{renamed}: msgctxt 'consent.plan_produit' ")
    assert lines[unused + 1].endswith(" (meant for consent.plan_product, above)")
    assert lines[unused + 2].startswith(f"  - {where}:{changed}: msgctxt 'risks.rare_scarring' ")
    assert lines[unused + 2].endswith(" (meant for risks.rare_scarring, above)")


def test_locales_check_says_to_add_or_remove_a_msgctxt_where_one_side_has_none(
    tmp_path: Path,
) -> None:
    # Found by a review: "under msgctxt None: put back msgctxt 'risks.rare_scarring'".
    from tests.test_locales import line_of, replace_once, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    replace_once(po_path, 'msgctxt "risks.rare_scarring"\n', "")
    replace_once(po_path, 'msgid "every week"\n', 'msgctxt "course.weekly"\nmsgid "every week"\n')
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    lines = check.stdout.splitlines()
    scarring = line_of(po_path, 'msgid "Scarring.')
    weekly = line_of(po_path, 'msgid "every week"')
    assert (
        f"      the entry whose msgid is at line {scarring} has its English without a msgctxt: "
        'add msgctxt "risks.rare_scarring" above its msgid (or update the file from the '
        "template)"
    ) in lines
    assert (
        f"      the entry whose msgid is at line {weekly} has its English under msgctxt "
        '"course.weekly": remove its msgctxt line (or update the file from the template)'
    ) in lines
    assert not any("None" in line for line in lines)


def test_locales_check_tells_a_clinic_whose_templates_changed_the_english_what_to_do(
    tmp_path: Path,
) -> None:
    # Review finding L7: a clinic's template with a reworded heading made every bundled
    # catalog list an entry no form uses, and advice (pybabel update of the file) that would
    # have the clinic edit mesoconsent's own installed catalogs.
    from tests.helpers import copy_templates, edit

    templates = copy_templates(tmp_path)
    edit(templates / "common" / "base.html.j2", r'_\("Declaration"\)', '_("Your declaration")')
    check = run("locales", "--check", "--templates", "templates", cwd=tmp_path)
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    assert "  - not in the file: text 'Your declaration': untranslated" in lines
    advice = [line for line in lines if "not in the file:" in line and line.startswith("  (")]
    assert len(advice) == 8  # one per bundled translation
    assert all("mesoconsent's own catalog" in line for line in advice)
    assert all("--locales" in line for line in advice)
    assert not any("pybabel update" in line for line in lines)
    # The bundled English the templates no longer use is not listed entry by entry.
    assert "fr: 1 entry of mesoconsent's own catalog your templates do not use" in "\n".join(lines)
    assert not any(line.startswith("  - ") and "'Declaration'" in line for line in lines)


def test_a_clinic_s_reworded_disclosure_sends_no_one_to_edit_the_bundled_catalog(
    tmp_path: Path,
) -> None:
    # Found by a review: the bundled catalog's earlier translation was shown as "update the
    # file from the template", under the advice not to edit it.
    from tests.helpers import copy_templates, edit

    templates = copy_templates(tmp_path)
    edit(
        templates / "mesotherapy" / "procedure.toml",
        r"Scarring\. This is rare, but it is a serious side effect\.",
        "Scarring. This is rare, but it is a serious and lasting side effect.",
    )
    check = run("locales", "--check", "--templates", "templates", cwd=tmp_path)
    assert check.returncode == 1
    assert "required disclosure risks.rare_scarring: untranslated" in check.stdout
    assert "update the file from the template" not in check.stdout
    assert "pybabel update" not in check.stdout
    assert "mesoconsent's own catalog, and your templates have English" in check.stdout
    assert "mesoconsent locales --pot FILE writes with the same --templates" in check.stdout


def test_a_clinic_s_own_catalog_is_sent_to_its_templates_not_to_the_bundled_pot(
    tmp_path: Path,
) -> None:
    # Found by a review: "update it from the template, locales/mesoconsent.pot", which does
    # not hold the clinic's English.
    from tests.helpers import copy_templates, edit
    from tests.test_locales import shipped_copy

    templates = copy_templates(tmp_path)
    edit(templates / "common" / "base.html.j2", r'_\("Declaration"\)', '_("Your declaration")')
    shipped_copy(tmp_path, "fr")
    check = run(
        "locales", "--check", "--templates", "templates", "--locales", "locales", cwd=tmp_path
    )
    fr = check.stdout[check.stdout.index("\nfr: ") :]
    assert "English of your templates: update the file from the catalog template" in fr
    assert "mesoconsent locales --pot FILE with the same --templates" in fr
    assert "locales/mesoconsent.pot" not in fr.split("\n\n")[1]


def test_a_copy_of_the_bundled_templates_leaves_the_bundled_catalogs_advice_alone(
    tmp_path: Path,
) -> None:
    # Found by a review: any --templates folder made every bundled catalog's defects read as
    # the clinic's English ("no harm"), even with the templates unchanged.
    from tests.helpers import copy_templates

    copy_templates(tmp_path)
    check = run("locales", "--check", "--templates", "templates", cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    assert "mesoconsent's own catalog" not in check.stdout


def test_locales_shows_no_revision_for_a_catalog_with_nothing_translated(tmp_path: Path) -> None:
    # Review finding L8: a new, empty catalog showed a revision to review (the digest of
    # nothing), as if there were something to sign off.
    empty_catalog(tmp_path / "locales", "nl", "nplurals=2; plural=(n != 1);")
    listing = run("locales", "--locales", "locales", cwd=tmp_path)
    row = next(line for line in listing.stdout.splitlines() if line.startswith("nl "))
    assert row.endswith("draft (nothing translated yet)")
    assert "revision" not in row


def test_locales_shows_the_revision_of_a_draft_for_its_reviewer(tmp_path: Path) -> None:
    status = next(s for s in mesoconsent.default_engine().locale_status() if s.locale == "fr")
    listing = run("locales", cwd=tmp_path)
    row = next(line for line in listing.stdout.splitlines() if line.startswith("fr "))
    assert f"draft (not reviewed; revision {status.revision})" in row


def test_a_batch_folder_that_cannot_be_made_is_named_once(tmp_path: Path) -> None:
    (tmp_path / "requests.jsonl").write_text(json.dumps(example_dict()) + "\n", encoding="utf-8")
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = run("render", "--batch", "requests.jsonl", "--output-dir", "file/forms", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.startswith("mesoconsent: cannot write to the folder file/forms: ")
    assert result.stderr.count("file/forms") == 1, result.stderr
    into_a_file = run("render", "--batch", "requests.jsonl", "--output-dir", "file", cwd=tmp_path)
    assert into_a_file.returncode == 3
    assert "cannot write to the folder file: not a folder" in into_a_file.stderr


# -- found by a review as a clinic uses the command -----------------------------------------
def test_a_form_not_replaced_after_a_failed_render_is_said_to_be_the_earlier_one(
    tmp_path: Path,
) -> None:
    # A desk that always renders to consent.docx and prints it would print the previous
    # patient's form after a failure: the terminal now says the file was left as it was.
    assert run_cli("render", "--example", "--output", "consent.docx", cwd=tmp_path).returncode == 0
    earlier = (tmp_path / "consent.docx").read_bytes()
    (tmp_path / "bad.json").write_text('{"patient": {}}', encoding="utf-8")
    result = run_cli("render", "--input", "bad.json", "--output", "consent.docx", cwd=tmp_path)
    assert result.returncode == 2
    assert "consent.docx was not replaced: it still holds what it held before" in result.stderr
    # After the error, which it follows from (it came first, before the reason).
    lines = result.stderr.splitlines()
    assert lines[0].startswith("mesoconsent: invalid consent request")
    assert lines[-1].endswith(
        "consent.docx was not replaced: it still holds what it held before this command"
    )
    assert (tmp_path / "consent.docx").read_bytes() == earlier
    # A first form that fails leaves nothing, and says nothing of a file that was not there.
    result = run_cli("render", "--input", "bad.json", "--output", "new.docx", cwd=tmp_path)
    assert "not replaced" not in result.stderr
    assert not (tmp_path / "new.docx").exists()


def test_a_form_written_before_a_later_failure_is_not_said_to_be_left_alone(
    tmp_path: Path,
) -> None:
    # Found by a review: with standard output full (/dev/full), the form was written and the
    # command then said it "was not replaced".
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (tmp_path / "consent.txt").write_text("old", encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "mesoconsent", "render", "--example", "--output", "consent.txt"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=False,
        )
    assert result.returncode != 0
    assert (tmp_path / "consent.txt").read_text(encoding="utf-8") != "old"
    assert "not replaced" not in result.stderr


def test_an_output_in_a_folder_that_is_not_there_is_said_so(tmp_path: Path) -> None:
    # It said "nofolder/sub/a.docx: No such file or directory", read as the input missing.
    result = run_cli("render", "--example", "--output", "nofolder/sub/a.docx", cwd=tmp_path)
    assert result.returncode == 3
    assert "cannot write nofolder/sub/a.docx: the folder nofolder/sub does not exist" in (
        result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_locales_refuses_an_unavailable_locale_as_render_does(tmp_path: Path) -> None:
    # Found by a review: the two commands worded the same mistake differently, and locales
    # did not say which locales there are.
    listed = run_cli("locales", "--locale", "fr-CA", "--locale", "pt-PT", cwd=tmp_path)
    rendered = run_cli(
        "render", "--example", "--locale", "pt-PT", "--output", "x.docx", cwd=tmp_path
    )
    assert listed.returncode == rendered.returncode == 2
    said = "--locale 'pt-PT': not an available locale; available: ar, de, en, es, fr"
    assert said in listed.stderr
    assert said in rendered.stderr


def test_locales_check_lists_what_stops_a_form_in_the_file_s_order(tmp_path: Path) -> None:
    # Found by a review: the listing went by kind of message, so line 714 came before 435.
    from tests.test_locales import PAGE, SCARRING, edit_message, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    edit_message(po_path, None, PAGE, string="")
    edit_message(po_path, None, "Yes", string="")
    edit_message(po_path, "risks.rare_scarring", SCARRING, string="")
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    places = [
        int(line.split(":")[1])
        for line in check.stdout.splitlines()
        if line.startswith("  - locales")
    ]
    assert len(places) == 3
    assert places == sorted(places)


def test_locales_check_lists_the_messages_the_file_lacks_after_those_it_has(
    tmp_path: Path,
) -> None:
    # A translator goes through the file from the top; what it lacks has no line to go to.
    from babel.messages.pofile import read_po, write_po

    from tests.test_locales import PAGE, edit_message, line_of, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    catalog.delete("Yes")
    with po_path.open("wb") as handle:
        write_po(handle, catalog)
    edit_message(po_path, None, PAGE, string="")
    page = line_of(po_path, 'msgid "' + PAGE + '"')
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    listed = [line for line in check.stdout.splitlines() if line.startswith("  - ")]
    where = Path("locales", "fr", "LC_MESSAGES", "mesoconsent.po")
    assert [line.split(": ")[0] for line in listed] == [
        f"  - {where}:{page}",
        "  - not in the file",
    ]
    assert "text 'Yes'" in listed[1]


def test_locales_tells_a_reviewer_to_record_the_revision_they_signed_off(tmp_path: Path) -> None:
    # Without Reviewed-Revision a later edit would still be shown, and printed, as reviewed.
    from tests.test_locales import replace_once, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    replace_once(
        po_path,
        "# Review-State: draft\n# Reviewed-By:\n",
        "# Review-State: reviewed\n# Reviewed-By: Dr Test Reviewer, 2026-11-25\n",
    )
    revision = mesoconsent.Engine(locale_dirs=[tmp_path / "locales"]).catalog("fr").revision
    listing = run("locales", "--locales", "locales", cwd=tmp_path)
    row = next(line for line in listing.stdout.splitlines() if line.startswith("fr "))
    assert row.endswith(
        f"reviewed by Dr Test Reviewer, 2026-11-25 (record '# Reviewed-Revision: {revision}' "
        "to keep it so)"
    )


@pytest.mark.parametrize("kind", ["folder", "device"])
def test_no_left_alone_note_for_an_output_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    # Found by a review: a folder or /dev/null given as --output "was not replaced".
    output = str(tmp_path / "d.docx") if kind == "folder" else os.devnull
    if kind == "folder":
        (tmp_path / "d.docx").mkdir()
    result = run_cli("render", "--example", "--output", output, cwd=tmp_path)
    assert result.returncode != 0
    assert "not replaced" not in result.stderr


def test_locales_says_a_catalog_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    # Found by a review: accepted without a word, although GNU gettext's tools refuse the file.
    from tests.test_locales import shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    po_path.write_bytes(b"\xef\xbb\xbf" + po_path.read_bytes())
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    assert check.returncode == 0  # usable: a warning, not a failure
    assert f"fr: {Path('locales', 'fr', 'LC_MESSAGES', 'mesoconsent.po')} starts with a " in (
        check.stdout
    )
    assert "byte-order mark" in check.stdout
    plain = run("locales", "--check", cwd=tmp_path)
    assert "byte-order mark" not in plain.stdout


def test_locales_says_an_obsolete_entry_repeats_a_message_of_the_file(tmp_path: Path) -> None:
    # Found by a review: msgfmt, msgmerge and msgattrib refuse such a file ("duplicate message
    # definition"), which mesoconsent read without a word (it ignores obsolete entries).
    from tests.test_locales import line_of, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    infection = "Infection. This is rare, but it is a serious side effect."
    with po_path.open("a", encoding="utf-8") as handle:
        handle.write(
            # The previous text msgmerge --previous keeps (#~|) is no entry, nor is an
            # obsolete entry under another msgctxt.
            '\n#~| msgctxt "risks.rare_infection"\n'
            f'#~| msgid "{infection}"\n'
            '#~ msgctxt "risks.gone"\n'
            f'#~ msgid "{infection}"\n'
            '#~ msgstr "Infection."\n'
            '\n#~ msgctxt "risks.rare_infection"\n'
            f'#~ msgid "{infection}"\n'
            '#~ msgstr "Zakażenie. Rzadko."\n'
        )
    check = run("locales", "--check", "--locales", "locales", "--locale", "fr", cwd=tmp_path)
    assert check.returncode == 0, check.stdout  # usable: a warning, not a failure
    where = Path("locales", "fr", "LC_MESSAGES", "mesoconsent.po")
    active = line_of(po_path, 'msgctxt "risks.rare_infection"') + 1  # its msgid's line
    obsolete = line_of(po_path, '#~ msgctxt "risks.rare_infection"') + 1
    lines = check.stdout.splitlines()
    warning = lines.index(
        "fr: 1 obsolete entry (#~) repeats a message of the file: msgfmt, msgmerge and "
        'msgattrib refuse such a file ("duplicate message definition"); delete it:'
    )
    assert lines[warning + 1 :] == [
        f"  - {where}:{obsolete}: msgid {infection!r} (msgctxt 'risks.rare_infection') (also "
        f"at line {active})"
    ]
    # Rendering ignores the obsolete entry, as before.
    form = ("--example", "--locale", "fr", "--locales", "locales", "-o", "form.txt")
    rendered = run("render", *form, cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert "Zakażenie" not in (tmp_path / "form.txt").read_text(encoding="utf-8")
    plain = run("locales", "--check", cwd=tmp_path)
    assert "obsolete" not in plain.stdout


def test_locales_lists_the_required_wordings_a_clinic_s_catalog_gives_otherwise(
    tmp_path: Path,
) -> None:
    # Found by a review as a translator: a clinic's copy of a catalog never gets a correction
    # mesoconsent makes to its own, and a clause dropped from a risk passes every rule. The
    # listing names each required wording that differs, to be compared by a reviewer; a
    # clinic may reword, so the check still passes.
    from tests.test_locales import edit_message, line_of, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    infection = "Infection. This is rare, but it is a serious side effect."
    shipped = mesoconsent.default_engine().catalog("fr").pgettext("risks.rare_infection", infection)
    edit_message(po_path, "risks.rare_infection", infection, string="Infection. C\u2019est rare.")
    edit_message(po_path, None, "Clinic", string="Cabinet")  # interface text: not listed
    check = run("locales", "--check", "--locales", "locales", "--locale", "fr", cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    lines = check.stdout.splitlines()
    assert (
        "fr: 1 required wording differs from mesoconsent's own fr catalog (your change, or a "
        "correction mesoconsent made after you copied it): have a reviewer compare each, and "
        "keep every risk's full meaning (docs/templates.md):"
    ) in lines
    where = Path("locales", "fr", "LC_MESSAGES", "mesoconsent.po")
    line = line_of(po_path, 'msgctxt "risks.rare_infection"') + 1  # its msgid's line
    assert f"  - {where}:{line}: risks.rare_infection" in lines
    dropped = "\u2026nfection. C\u2019est rare."  # from a little before the difference
    assert f"        yours:         {dropped!r}" in lines
    assert f"        mesoconsent's: {'…' + shipped[1:]!r}" in lines
    assert sum("differ" in line for line in lines) == 1


def test_locales_lists_no_difference_for_a_faithful_copy_or_the_shipped_catalogs(
    tmp_path: Path,
) -> None:
    from tests.test_locales import shipped_copy

    shipped_copy(tmp_path, "de")
    copied = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    shipped = run("locales", "--check", cwd=tmp_path)
    for result in (copied, shipped):
        assert result.returncode == 0, result.stdout
        assert "differ" not in result.stdout


def test_a_clinic_s_catalog_lacking_messages_is_sent_to_the_template_locales_pot_writes(
    tmp_path: Path,
) -> None:
    # Found by a review as a translator: it was sent to locales/mesoconsent.pot, which a
    # clinic's folder does not hold.
    from tests.test_locales import replace_once, shipped_copy

    po_path = shipped_copy(tmp_path, "fr")
    replace_once(po_path, 'msgctxt "consent.plan_product"', 'msgctxt "consent.plan_produit"')
    check = run("locales", "--check", "--locales", "locales", cwd=tmp_path)
    assert check.returncode == 1
    advice = [line for line in check.stdout.splitlines() if "not in the file: update" in line]
    assert advice == [
        "  (1 not in the file: update it from the template mesoconsent locales --pot FILE "
        "writes (pybabel update, or Poedit's Update from POT File); docs/templates.md)"
    ]


def test_a_request_is_read_from_standard_input_with_a_dash(tmp_path: Path) -> None:
    # Found by a review as an integrating developer: clinic software pipes the request in
    # (locales --pot - already wrote to standard output).
    request = json.dumps(example_dict()).encode()
    piped = run_cli_piped("render", "--input", "-", "-o", "piped.docx", stdin=request, cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    (tmp_path / "request.json").write_bytes(request)
    assert run("render", "-i", "request.json", "-o", "file.docx", cwd=tmp_path).returncode == 0
    assert (tmp_path / "piped.docx").read_bytes() == (tmp_path / "file.docx").read_bytes()
    broken = run_cli_piped(
        "render", "-i", "-", "-o", "broken.docx", stdin=b'{"patient":', cwd=tmp_path
    )
    assert broken.returncode == 2
    assert b"request: not valid JSON" in broken.stderr
    assert not (tmp_path / "broken.docx").exists()


def test_a_file_named_dash_is_read_as_a_file_by_its_path(tmp_path: Path) -> None:
    # "-" alone is standard input; "./-" is the file of that name, as for cat or gzip
    # (Path("./-") prints as "-": the path is not compared as text).
    (tmp_path / "-").write_text(json.dumps(example_dict()), encoding="utf-8")
    named = run_cli_piped("render", "--input", "./-", "-o", "named.docx", stdin=b"{}", cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    assert (tmp_path / "named.docx").exists()
