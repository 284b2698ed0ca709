"""The Python API as software embedding it meets it: what it accepts, and what its types say."""

from __future__ import annotations

import inspect
import json
import pickle
import re
import stat
import subprocess
import sys
import typing
import warnings
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent import ConsentRequest, Engine
from mesoconsent.resources import example_request_path, locales_dir, templates_dir
from tests.helpers import example, example_dict, run_cli, unreachable_folder
from tests.test_catalog_template import clinic_procedure
from tests.test_verify import with_identifier


@attrs.frozen
class CaseRequest(ConsentRequest):
    """A clinic's own request class, with a field of its own."""

    case_id: str = "none"


@pytest.mark.parametrize("kind", [str, Path])
def test_one_folder_given_alone_is_one_folder(tmp_path: Path, kind: type) -> None:
    # A str is iterable: it used to become one folder per character ("/", "t", "m", ...),
    # and the clinic's templates were silently not used.
    catalog = tmp_path / "fr" / "LC_MESSAGES" / "mesoconsent.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text("", encoding="utf-8")
    engine = Engine(template_dirs=kind(tmp_path), locale_dirs=kind(tmp_path))
    assert engine.template_dirs == (tmp_path, templates_dir())
    assert engine.locale_dirs == (tmp_path, locales_dir())


def test_relative_folders_are_read_where_they_were_when_the_engine_was_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by a review: catalogs are read on first use, and a template a procedure's
    # template extends at its first render. Given as relative folders, they were then looked
    # for from the working folder of that moment: a server that changed it after building
    # its engine (a daemon going to /) silently rendered the bundled catalog and base
    # template in place of the clinic's own.
    french = tmp_path / "clinic" / "clinic-locales" / "fr" / "LC_MESSAGES" / "mesoconsent.po"
    french.parent.mkdir(parents=True)
    shipped = (locales_dir() / "fr" / "LC_MESSAGES" / "mesoconsent.po").read_text("utf-8")
    title = 'msgstr "Consentement à un traitement par mésothérapie"'
    assert title in shipped
    french.write_text(shipped.replace(title, 'msgstr "Clinique : mésothérapie"'), "utf-8")
    base = tmp_path / "clinic" / "clinic-templates" / "common" / "base.html.j2"
    base.parent.mkdir(parents=True)
    bundled = (templates_dir() / "common" / "base.html.j2").read_text("utf-8")
    base.write_text(bundled.replace("</document>", "<p>Clinic base</p></document>"), "utf-8")
    monkeypatch.chdir(tmp_path / "clinic")
    engine = Engine(template_dirs="clinic-templates", locale_dirs="clinic-locales")
    monkeypatch.chdir(tmp_path)  # no clinic-templates or clinic-locales here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mesoconsent.DraftTranslationWarning)
        text = engine.render(attrs.evolve(example(), locale="fr"), "text").content.decode()
    assert "Clinique : mésothérapie" in text
    assert "Clinic base" in text


@pytest.mark.parametrize("given", ["requests.jsonl", b'{"patient": {}}\n'])
def test_a_file_name_or_text_is_not_a_batch_of_requests(given: str | bytes) -> None:
    with pytest.raises(TypeError, match=r"read_jsonl\(path\)"):
        mesoconsent.render_batch(given, format="text", jobs=1)  # type: ignore[arg-type]


def test_a_subclassed_request_travels_as_itself() -> None:
    request = CaseRequest(**attrs.asdict(example(), recurse=False), case_id="C-7")
    copied = pickle.loads(pickle.dumps(request))
    assert type(copied) is CaseRequest
    assert copied == request
    assert copied.case_id == "C-7"


def test_a_request_is_hashable_like_other_frozen_data() -> None:
    request = example()
    same = mesoconsent.request_from_dict(example_dict())
    assert hash(request) == hash(same)
    assert len({request, same, attrs.evolve(request, locale="fr")}) == 2


@pytest.mark.parametrize("areas", [{"face", "neck"}, frozenset({"face"}), {"face": 1}])
def test_unordered_treated_areas_are_refused(areas: object) -> None:
    # A set's order changes from process to process: so would the form.
    treatment = attrs.evolve(example().treatment, treated_areas=areas)  # type: ignore[arg-type]
    with pytest.raises(mesoconsent.ValidationError) as caught:
        mesoconsent.validate(attrs.evolve(example(), treatment=treatment))
    assert [p.path for p in caught.value.problems] == ["treatment.treated_areas"]


def test_request_json_text_may_start_with_a_byte_order_mark() -> None:
    text = example_request_path().read_text(encoding="utf-8")
    assert mesoconsent.request_from_json("\ufeff" + text) == example()


def test_numbers_and_requests_of_different_lengths_say_so() -> None:
    requests = (data for data in [example_dict(), example_dict()])
    with pytest.raises(ValueError, match="numbers gives fewer numbers than there are requests"):
        list(mesoconsent.render_batch(requests, format="text", numbers=iter([1]), jobs=1))


def test_submodules_are_reached_from_the_package_and_listed() -> None:
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import mesoconsent; print(mesoconsent.batch.output_name(7, 'docx'), "
            "'render_batch' in dir(mesoconsent), 'VerifyReport' in dir(mesoconsent))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert shown.stdout.split() == ["000007.docx", "True", "True"]


def test_type_checkers_see_a_misspelt_name(tmp_path: Path) -> None:
    # A module __getattr__ visible to type checkers made every mesoconsent.<name> an Any.
    user = tmp_path / "clinic_app.py"
    user.write_text(
        "import mesoconsent\n"
        "mesoconsent.rendr(mesoconsent.example_request())\n"
        "report: mesoconsent.VerifyReport = mesoconsent.verify(b'')\n"
        "batch = mesoconsent.render_batch([], format='text')\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(user)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    # One error, on line 2: the other lines are right. (mypy's cache may name the file by
    # where an earlier run found a module of the same name.)
    [error] = checked.stdout.splitlines()
    assert 'clinic_app.py:2: error: Module has no attribute "rendr"' in error


def test_the_types_the_engine_hands_out_can_be_named() -> None:
    engine = mesoconsent.default_engine()
    procedure = engine.procedures["mesotherapy"]
    assert type(procedure) is mesoconsent.Procedure
    assert type(procedure.disclosures[0]) is mesoconsent.Disclosure
    assert type(procedure.screening[0]) is mesoconsent.ScreeningQuestion
    assert {type(status.review) for status in engine.locale_status()} == {mesoconsent.Review}
    assert {"Procedure", "Disclosure", "ScreeningQuestion", "Review"} <= set(mesoconsent.__all__)


def test_a_dict_s_keys_keep_their_order_and_are_accepted_as_areas() -> None:
    areas = {"face": 2, "neck": 1}.keys()
    treatment = attrs.evolve(example().treatment, treated_areas=areas)
    assert treatment.treated_areas == ("face", "neck")
    mesoconsent.validate(attrs.evolve(example(), treatment=treatment))


def test_one_request_as_a_dict_is_not_a_batch() -> None:
    with pytest.raises(TypeError, match="not one dict"):
        mesoconsent.render_batch(example_dict(), format="text", jobs=1)


def test_render_to_file_refuses_a_format_the_file_name_contradicts(tmp_path: Path) -> None:
    # Text in form.docx: Word cannot open it (the command line refused it; the API did not).
    with pytest.raises(ValueError, match=r"form\.docx names a docx file, not a text one"):
        mesoconsent.render_to_file(example(), tmp_path / "form.docx", "text")
    assert list(tmp_path.iterdir()) == []
    mesoconsent.render_to_file(example(), tmp_path / "form.out", "text")
    assert mesoconsent.format_for_path("form.htm", "html") == "html"


def test_render_to_file_writes_as_the_command_line_does(tmp_path: Path) -> None:
    # A form holds health data: readable by its owner only, whatever the umask, as the
    # command line writes it; and a form marked read-only (signed) is not replaced.
    path = tmp_path / "form.docx"
    mesoconsent.render_to_file(example(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert mesoconsent.verify(path).ok
    signed = tmp_path / "signed.docx"
    signed.write_bytes(b"the form the patient signed")
    signed.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        mesoconsent.render_to_file(example(), signed)
    assert signed.read_bytes() == b"the form the patient signed"
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["form.docx", "signed.docx"]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("consent", "cannot tell the format from a file name without an extension"),
        ("consent.pdf", "cannot tell the format from the extension '.pdf'"),
    ],
)
def test_a_file_name_that_names_no_format_is_refused_saying_why(path: str, said: str) -> None:
    # Found by a review: a name without an extension was refused as if "no extension" were
    # its extension ("cannot tell the format from 'no extension'").
    with pytest.raises(ValueError, match=re.escape(said) + ": use .docx, .html or .txt"):
        mesoconsent.format_for_path(path)


def test_render_formats_gives_each_format_as_render_does_composing_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Software that keeps a DOCX and shows the HTML used to compose the request twice.
    engine = mesoconsent.Engine()
    request = attrs.evolve(example(), locale="fr")
    with pytest.warns(mesoconsent.DraftTranslationWarning):
        alone = {f: engine.render(request, f) for f in mesoconsent.FORMATS}
    composed = 0
    real_compose = engine._compose

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal composed
        composed += 1
        return real_compose(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_compose", counting)
    with pytest.warns(mesoconsent.DraftTranslationWarning) as caught:
        together = engine.render_formats(request, ("html", "docx"))
    assert composed == 1
    assert len(caught) == 1  # warned once, not once a format
    assert list(together) == ["html", "docx"]
    assert together == {f: alone[f] for f in ("html", "docx")}
    with pytest.warns(mesoconsent.DraftTranslationWarning):
        assert mesoconsent.render_formats(request) == alone  # every format by default


@pytest.mark.parametrize("formats", ["docx", ("docx", "pdf"), ()])
def test_render_formats_refuses_a_str_or_an_unknown_format(formats: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        mesoconsent.default_engine().render_formats(example(), formats)  # type: ignore[arg-type]


def _public_callables() -> list[object]:
    """Every function the package exports, and every public method and property of the
    classes it exports, as parameters named after them."""
    found: list[object] = []
    for name in mesoconsent.__all__:
        exported = getattr(mesoconsent, name)
        if inspect.isfunction(exported):
            found.append(pytest.param(exported, id=name))
        elif inspect.isclass(exported) and exported.__module__.startswith("mesoconsent"):
            found.append(pytest.param(exported, id=name))
            for member, value in vars(exported).items():
                if member.startswith("_") and member != "__init__":
                    continue
                function = value.fget if isinstance(value, property) else value
                if inspect.isfunction(function):
                    found.append(pytest.param(function, id=f"{name}.{member}"))
    return found


@pytest.mark.parametrize("exported", _public_callables())
def test_the_public_type_hints_resolve_at_run_time(exported: object) -> None:
    # Frameworks read them at run time (typing.get_type_hints: FastAPI, pydantic's
    # validate_call, cattrs, Sphinx). A name imported for type checkers only made them fail
    # with NameError for Engine.verify, mesoconsent.verify and render_batch.
    typing.get_type_hints(exported)


def test_the_readme_python_example_runs_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by a review: it read examples/request.json, which exists only in a clone.
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"From Python:\n\n```python\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(block.group(1), "README.md", "exec"), {})
    assert mesoconsent.verify(tmp_path / "consent.docx").ok
    assert (tmp_path / "consent.html").is_file()


API_DOC = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
API_EXAMPLES = {
    f"docs/api.md line {API_DOC.count(chr(10), 0, found.start()) + 1}": found.group(1)
    for found in re.finditer(r"```python\n(.*?)```", API_DOC, re.DOTALL)
}


@pytest.mark.parametrize("name", API_EXAMPLES)
def test_the_api_doc_s_python_examples_run_and_print_what_they_say(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a review: the batch example wrote its JSON Lines forms into the folder its first
    # batch had filled, which render_batch refuses (EarlierFormsError). The examples run in a
    # folder holding what they name: request.json, requests.jsonl, and docs/templates.md's
    # clinic-templates/ with clinic-locales/ holding a copy of the French catalog.
    example_text = API_EXAMPLES[name]
    request_file = example_request_path()
    (tmp_path / "request.json").write_bytes(request_file.read_bytes())
    (tmp_path / "requests.jsonl").write_text(
        json.dumps(json.loads(request_file.read_text(encoding="utf-8"))) + "\n", encoding="utf-8"
    )
    clinic_procedure(tmp_path)
    french = tmp_path / "clinic-locales" / "fr" / "LC_MESSAGES" / "mesoconsent.po"
    french.parent.mkdir(parents=True)
    french.write_bytes((locales_dir() / "fr" / "LC_MESSAGES" / "mesoconsent.po").read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(example_text, name, "exec"), {})
    # Each line printed is shown in the example's comments, but for `print(error)`, the
    # command line's listing, which the example describes rather than shows.
    printed = [
        line
        for line in capsys.readouterr().out.splitlines()
        if not line.startswith(("invalid consent request", "  - "))
    ]
    assert [line for line in printed if line not in example_text] == []


@pytest.mark.parametrize(
    ("argument", "given", "said"),
    [
        ("template_dirs", None, "not NoneType"),
        ("locale_dirs", None, "not NoneType"),
        ("template_dirs", 3, "not int"),
        ("template_dirs", b"clinic-templates", "not bytes"),
        ("locale_dirs", ["clinic-locales", None], "it holds a NoneType"),
    ],
)
def test_folders_that_are_not_folders_are_named(argument: str, given: object, said: str) -> None:
    # Engine(template_dirs=None) said only "'NoneType' object is not iterable"; bytes were
    # taken for a list of numbers.
    with pytest.raises(TypeError, match=f"^{argument} must be a folder .*{said}$"):
        mesoconsent.Engine(**{argument: given})  # type: ignore[arg-type]


@pytest.mark.parametrize("argument", ["template_dirs", "locale_dirs"])
def test_a_folder_that_does_not_exist_is_refused(argument: str, tmp_path: Path) -> None:
    # It used to be skipped: a mistyped folder left the clinic's own templates (or catalogs)
    # out without a word, and the bundled ones were rendered alone.
    missing = tmp_path / "clinic-folder-mistyped"
    with pytest.raises(FileNotFoundError, match=f"{argument}: no such folder") as raised:
        mesoconsent.Engine(**{argument: [tmp_path, missing]})  # type: ignore[arg-type]
    assert raised.value.filename == str(missing)


@pytest.mark.parametrize("depth", ["empty", "one level too deep"])
def test_a_catalog_folder_holding_no_catalog_is_refused(depth: str, tmp_path: Path) -> None:
    # The command line refused it; an engine took it, and every form came from the bundled
    # catalogs without a word: locale_dirs="clinic/fr", for clinic/fr/LC_MESSAGES/*.po, is
    # the usual slip.
    folder = tmp_path / "clinic" / "fr"
    (folder / "LC_MESSAGES").mkdir(parents=True)
    if depth == "one level too deep":
        (folder / "LC_MESSAGES" / "mesoconsent.po").write_text("", encoding="utf-8")
    else:
        folder = tmp_path / "clinic-empty"
        folder.mkdir()
    with pytest.raises(mesoconsent.CatalogError) as raised:
        mesoconsent.Engine(locale_dirs=folder)
    assert str(raised.value) == (
        f"locale_dirs: {folder}: holds no catalog; give the folder that holds "
        "<locale>/LC_MESSAGES/mesoconsent.po (such as locales/, for "
        "locales/fr/LC_MESSAGES/mesoconsent.po)"
    )
    # The folder above it is what was meant, and is taken.
    if depth == "one level too deep":
        assert "fr" in mesoconsent.Engine(locale_dirs=folder.parent).locales


@pytest.mark.parametrize("argument", ["template_dirs", "locale_dirs"])
def test_a_file_given_as_a_folder_is_refused(argument: str, tmp_path: Path) -> None:
    file = tmp_path / "consent.html.j2"
    file.write_text("", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match=f"{argument}: not a folder") as raised:
        mesoconsent.Engine(**{argument: file})  # type: ignore[arg-type]
    assert raised.value.filename == str(file)


def test_a_folder_that_may_not_be_reached_is_refused_naming_the_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Below a folder that may not be entered, Path.is_dir raises (before Python 3.14): the error
    # named neither the argument nor why.
    locked = unreachable_folder(tmp_path, monkeypatch)
    with pytest.raises(PermissionError, match="template_dirs: Permission denied") as raised:
        mesoconsent.Engine(template_dirs=[locked])
    assert raised.value.filename == str(locked)


def test_render_to_file_refuses_a_path_it_cannot_write_before_reading_its_name(
    tmp_path: Path,
) -> None:
    # A folder was refused for its name ("cannot tell the format from 'no extension'"), as if
    # an extension would have helped; and it is refused before anything is rendered.
    broken = attrs.evolve(mesoconsent.example_request(), locale="xx")
    with pytest.raises(IsADirectoryError):
        mesoconsent.render_to_file(broken, tmp_path)
    if Path("/dev/null").exists():
        with pytest.raises(OSError, match="not a regular file"):
            mesoconsent.render_to_file(broken, "/dev/null")
    assert list(tmp_path.iterdir()) == []


# -- found by a review of the API as a developer embedding it would use it -------------------
def test_earlier_forms_error_reaches_a_process_pool_s_caller_as_itself(tmp_path: Path) -> None:
    # It could not be unpickled: a pool task that met it broke the whole pool instead.
    error = mesoconsent.EarlierFormsError(tmp_path, ["000001.docx", "000002.docx"])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is mesoconsent.EarlierFormsError
    assert (copy.names, copy.filename, str(copy)) == (error.names, error.filename, str(error))


@pytest.mark.parametrize("given", ["no", "false", 0, 1, None])
def test_a_switch_given_anything_but_true_or_false_is_refused(
    tmp_path: Path, given: object
) -> None:
    # "no" from a configuration file is true to Python: overwrite="no" removed earlier forms,
    # reviewed_only="no" turned review enforcement on, draft="no" draft mode.
    (tmp_path / "000001.docx").write_bytes(b"an earlier form")
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        mesoconsent.render_batch([example()], tmp_path, overwrite=given, jobs=1)  # type: ignore[arg-type]
    assert (tmp_path / "000001.docx").read_bytes() == b"an earlier form"
    with pytest.raises(TypeError, match="draft must be True or False"):
        mesoconsent.render_batch([example()], tmp_path, draft=given, jobs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="draft must be True or False"):
        mesoconsent.render(example(), draft=given)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="draft must be True or False"):
        mesoconsent.render_to_file(example(), tmp_path / "a.docx", draft=given)  # type: ignore[arg-type]
    assert not (tmp_path / "a.docx").exists()
    for name in ("reviewed_only", "include_bundled", "share_static_sections"):
        with pytest.raises(TypeError, match=f"{name} must be True or False"):
            Engine(**{name: given})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["consent.docx/", "forms/consent.docx/", "consent.docx/.", "forms/.."]
)
def test_a_file_path_ending_in_a_separator_names_a_folder(tmp_path: Path, name: str) -> None:
    # Path() drops the "/": a file named consent.docx was written where open() and cp refuse.
    (tmp_path / "forms").mkdir()
    with pytest.raises(IsADirectoryError, match="names a folder"):
        mesoconsent.render_to_file(example(), f"{tmp_path}/{name}")
    result = run_cli("render", "--example", "--output", name, cwd=tmp_path)
    assert result.returncode == 2
    assert "names a folder (it ends with a separator, '.' or '..')" in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["forms"]


def test_a_format_given_for_a_path_must_be_a_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        mesoconsent.format_for_path("x.bin", "pdf")  # type: ignore[arg-type]


def test_an_error_of_a_request_with_very_many_problems_lists_the_first_hundred() -> None:
    # Found by a review: 15 MB of unknown screening questions gave an error of 138 MB.
    data = example_dict()
    data["treatment"]["treated_areas"] = [f"area {i}\x07" for i in range(300)]
    with pytest.raises(mesoconsent.ValidationError) as caught:
        mesoconsent.request_from_dict(data)
    problems = caught.value.problems
    assert len(problems) == mesoconsent.errors.MOST_PROBLEMS
    assert problems[0].path == "treatment.treated_areas[0]"
    assert problems[-1].path == "request"
    match = re.fullmatch(r"and ([\d,]+) more problems, not listed", problems[-1].message)
    assert match is not None
    assert len(problems) - 1 + int(match[1].replace(",", "")) == 300
    assert len(str(caught.value)) < 20_000
    # What a process pool sends back is the same error.
    assert pickle.loads(pickle.dumps(caught.value)).problems == problems


def test_unknown_fields_are_named_ten_at_most() -> None:
    data = example_dict()
    data.update({f"extra{i:03d}": 1 for i in range(40)})
    with pytest.raises(mesoconsent.ValidationError) as caught:
        mesoconsent.request_from_dict(data)
    (problem,) = caught.value.problems
    assert problem.message == (
        "unknown field(s): " + ", ".join(f"extra{i:03d}" for i in range(10)) + ", and 30 more"
    )


def test_a_request_with_more_screening_answers_than_any_procedure_asks_is_refused_whole() -> None:
    data = example_dict()
    data["screening"] = {f"q{i}": True for i in range(1001)}
    with pytest.raises(mesoconsent.ValidationError) as caught:
        mesoconsent.request_from_dict(data)
    assert [str(p) for p in caught.value.problems] == [
        "screening: gives 1,001 answers, more than any procedure asks (at most 1,000)"
    ]
    # 1,000 are read: each unknown question is named.
    data["screening"] = {**example_dict()["screening"], **{f"q{i:03d}": True for i in range(996)}}
    with pytest.raises(mesoconsent.ValidationError) as caught:
        mesoconsent.request_from_dict(data)
    assert caught.value.problems[0].path == "screening.q000"
    assert not [p for p in caught.value.problems if "gives" in p.message]


def test_read_jsonl_s_pairs_given_as_the_requests_are_refused_with_how_to_pass_them(
    tmp_path: Path,
) -> None:
    # Found by a review: the old hint, "pass read_jsonl(path)", gave a batch in which every
    # request failed ("request: must be a JSON object"), numbered 1, 2, 3.
    path = tmp_path / "requests.jsonl"
    path.write_text("\n" + json.dumps(example_dict()) + "\n", encoding="utf-8")
    lines = mesoconsent.read_jsonl(path)
    with pytest.raises(TypeError, match=r"numbers=\[n for n, _ in lines\]"):
        mesoconsent.render_batch(lines, jobs=1)  # type: ignore[arg-type]
    # As the message and docs/api.md say: named by line number.
    (result,) = mesoconsent.render_batch(
        [line for _, line in lines], numbers=[n for n, _ in lines], jobs=1
    )
    assert result.ok
    assert result.number == 2


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mesoconsent.render_batch([], mp_context="spawn"), TypeError, "mp_context"),  # type: ignore[arg-type]
        (lambda: mesoconsent.render_batch(None), TypeError, "not NoneType"),  # type: ignore[arg-type]
        (lambda: mesoconsent.verify(b"", locale=5), TypeError, "locale must be a str"),  # type: ignore[arg-type]
        (lambda: Engine().resolve_locale(None), TypeError, "a locale must be a str"),  # type: ignore[arg-type]
        (lambda: Engine().required_disclosures("nope"), ValueError, "unknown procedure 'nope'"),
        (lambda: mesoconsent.render_formats(example(), None), TypeError, "not NoneType"),  # type: ignore[arg-type]
    ],
)
def test_a_call_made_wrongly_is_refused_naming_the_argument(
    call: typing.Callable[[], object], error: type[Exception], message: str
) -> None:
    # Found by a review: each raised an error from inside (AttributeError from
    # multiprocessing, re's TypeError, a bare KeyError), some only once iterated.
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_a_locale_that_is_none_is_quoted_shortened() -> None:
    # Exported, and still a LookupError, which code written before it was exported catches.
    assert issubclass(mesoconsent.LocaleNotAvailableError, LookupError)
    with pytest.raises(mesoconsent.LocaleNotAvailableError) as caught:
        Engine().resolve_locale("x" * 100_000)
    assert len(str(caught.value)) < 60
    copy = pickle.loads(pickle.dumps(caught.value))
    assert copy.locale == "x" * 100_000


@pytest.mark.parametrize(
    ("identifier", "said"),
    [
        ("urn:mesoconsent:mesotherapy:1.2.0:JaneDoe", "the locale the form records"),
        ("urn:mesoconsent:janedoe:1.2.0:en", "unknown procedure the form records"),
    ],
)
def test_verify_does_not_quote_a_locale_or_procedure_the_file_names(
    identifier: str, said: str
) -> None:
    # The docs say nothing the file names itself is quoted; a name put there was.
    form = mesoconsent.render(example()).content
    changed = with_identifier(form, identifier)
    with pytest.raises(mesoconsent.DocumentReadError) as caught:
        mesoconsent.verify(changed)
    assert said in str(caught.value)
    # Found by a review: a clinic's form verified without its folders said only this; where
    # the folders are given is the fix.
    assert "rendered with: --" in str(caught.value)
    assert "JaneDoe" not in str(caught.value)
    assert "janedoe" not in str(caught.value)


def test_an_engine_s_procedures_cannot_be_changed_under_the_threads_sharing_it() -> None:
    # Found by a review: default_engine().procedures.pop("mesotherapy") broke every render in
    # the process.
    procedures = mesoconsent.default_engine().procedures
    with pytest.raises(AttributeError):
        procedures.pop("mesotherapy")  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        procedures["other"] = procedures["mesotherapy"]  # type: ignore[index]


def test_several_formats_and_files_render_without_warnings_when_asked(tmp_path: Path) -> None:
    # Found by a review: a threaded service had no quiet way to render DOCX and HTML composed
    # once, and warnings.catch_warnings() is not thread-safe.
    draft_french = attrs.evolve(example(), locale="fr")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = mesoconsent.render_formats(draft_french, ("docx", "html"), warn=False)
        written = mesoconsent.render_to_file(draft_french, tmp_path / "f.docx", warn=False)
    assert caught == []
    assert results["docx"].review_state == written.review_state == "draft"
    assert (tmp_path / "f.docx").read_bytes() == results["docx"].content
    with pytest.warns(mesoconsent.DraftTranslationWarning):
        mesoconsent.render_to_file(draft_french, tmp_path / "g.docx")
    with pytest.raises(TypeError, match="warn must be True or False"):
        mesoconsent.render_formats(draft_french, warn="no")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("identifier", "absent", "shown"),
    [
        ("urn:mesoconsent:mesotherapy:1.2.0:Jane_Example_19880702", "Jane", "(unreadable)"),
        ("urn:mesoconsent:mesotherapy:Jane.Example-1988-07-02:en", "Jane", "unreadable"),
        ("urn:mesoconsent:mesotherapy:1.0.0b2:en", "-", "1.0.0b2"),
        # A clinic's own versions, as procedure files allow them (found by a review).
        ("urn:mesoconsent:mesotherapy:1.2.0-clinic.1:en", "-", "1.2.0-clinic.1"),
        ("urn:mesoconsent:mesotherapy:v3:en", "-", "v3"),
        ("urn:mesoconsent:mesotherapy:2026.11.27+riverside:en", "-", "2026.11.27+riverside"),
        # A date of birth, a name after a version, a phone number (found by a review).
        ("urn:mesoconsent:mesotherapy:1988-07-02:en", "1988", "unreadable"),
        ("urn:mesoconsent:mesotherapy:v1-Jane-Example:en", "Jane", "unreadable"),
        ("urn:mesoconsent:mesotherapy:07700900123:en", "07700900123", "unreadable"),
    ],
)
def test_verify_shows_a_version_or_locale_from_the_file_only_in_their_shapes(
    identifier: str, absent: str, shown: str
) -> None:
    # Found by a review of the fix above: the note "the form records the locale ..." and the
    # template version (in a note, the report and the OK line) still repeated the file's text.
    changed = with_identifier(mesoconsent.render(example()).content, identifier)
    report = mesoconsent.verify(changed, locale="en")
    said = " ".join([*report.notes, report.template_version])
    assert shown in said
    if absent != "-":
        assert absent not in said


def test_a_list_of_more_areas_than_a_form_lists_is_refused_whole() -> None:
    # Found by a review: a million wrong areas (3 MB of JSON) took 45 s to reject, each
    # checked and reported.
    data = example_dict()
    data["treatment"]["treated_areas"] = list(range(1001))
    with pytest.raises(mesoconsent.ValidationError) as caught:
        mesoconsent.request_from_dict(data)
    assert [str(p) for p in caught.value.problems] == [
        "treatment.treated_areas: holds 1,001 entries, more than a form lists (at most 1,000)"
    ]
    data["treatment"]["treated_areas"] = [f"area {i}" for i in range(1000)]
    assert len(mesoconsent.request_from_dict(data).treatment.treated_areas) == 1000
    # A request built in code is held to the same (found by a review: it rendered, and then
    # could not be read back from its own JSON).
    request = example()
    more = attrs.evolve(
        request,
        treatment=attrs.evolve(
            request.treatment, treated_areas=tuple(f"a{i}" for i in range(1001))
        ),
    )
    with pytest.raises(mesoconsent.ValidationError, match="holds 1,001 entries"):
        mesoconsent.render(more)


def test_errors_keep_their_notes_through_a_process_pool(tmp_path: Path) -> None:
    for error in (
        mesoconsent.EarlierFormsError(tmp_path, ["000001.docx"]),
        mesoconsent.LocaleNotAvailableError("xx"),
    ):
        error.add_note("while rendering Tuesday's batch")
        copy = pickle.loads(pickle.dumps(error))
        assert copy.__notes__ == ["while rendering Tuesday's batch"]


@pytest.mark.parametrize("format", mesoconsent.FORMATS)
def test_a_result_saved_under_its_extension_is_read_back_as_its_format(
    tmp_path: Path, format: mesoconsent.Format
) -> None:
    # Software that stores result.content names the file; the name must say the format the
    # bytes are in, as render_to_file and the command line read it.
    result = mesoconsent.render(example(), format)
    path = tmp_path / f"consent{result.extension}"
    assert mesoconsent.format_for_path(path) == format
    mesoconsent.render_to_file(example(), path)
    assert path.read_bytes() == result.content
