"""The forms as the programs that read them check them: Microsoft's Open XML SDK validator
(OpenXmlValidator, the schemas and rules Word checks a file against) for the DOCX, and the Nu
HTML Checker (the W3C's validator) for the HTML, over forms in every shipped locale, on both
papers, with yes answers and their details, each third signer, and as drafts.

Word refuses a file ("Word found unreadable content") for faults that python-docx and
LibreOffice read past, such as child elements out of the schema's order; a stray brace in a
style sheet makes browsers drop the rule after it. Neither checker is a Python package (one
is a native program, the other a Java archive, both from the npm registry), so these tests
run only where ``MESOCONSENT_OOXML_VALIDATOR`` and ``MESOCONSENT_VNU_JAR`` name them;
``.ci/validators`` installs both and runs them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs
import pytest
from babel.messages.pofile import read_po, write_po

import mesoconsent
from mesoconsent import ConsentRequest, Engine, Witness
from mesoconsent.resources import locales_dir
from tests.helpers import answered, example

OOXML_VALIDATOR = os.environ.get("MESOCONSENT_OOXML_VALIDATOR", "")
VNU_JAR = os.environ.get("MESOCONSENT_VNU_JAR", "")
# Word 2010, the first to implement ISO/IEC 29500, and the newest. (Word 2007 knows neither the
# tables' titles, w:tblCaption, nor the named flags of w:tblLook, both of Word 2010; Word 2007
# has been out of support since 2017, and forms are not written for it.)
OFFICE_VERSIONS = ("Office2010", "Microsoft365")

needs_ooxml_validator = pytest.mark.skipif(
    not OOXML_VALIDATOR, reason="MESOCONSENT_OOXML_VALIDATOR is not set (.ci/validators sets it)"
)
needs_vnu = pytest.mark.skipif(
    not VNU_JAR, reason="MESOCONSENT_VNU_JAR is not set (.ci/validators sets it)"
)


def requests() -> Iterator[tuple[str, ConsentRequest, bool]]:
    """Forms that between them have every kind of block the writers write: every locale, a
    plain form and one with yes answers (the warning box, details), the three third signers,
    A4 and Letter, and every third language's flagged form as a draft."""
    base = example()
    roles = ("witness", "interpreter", "guardian")
    for number, locale in enumerate(mesoconsent.default_engine().locales):
        request = attrs.evolve(
            base,
            locale=locale,
            clinic=attrs.evolve(base.clinic, paper_size=("A4", "Letter")[number % 2]),
            witness=Witness("Sam Okafor", roles[number % 3]) if number % 4 else None,
        )
        yield locale, request, False
        flagged = answered(request, "other_conditions", details="Asthma (Ventolin inhaler)")
        draft = number % 3 == 0
        yield f"{locale}-flagged{'-draft' if draft else ''}", answered(flagged, "pregnant"), draft


@pytest.fixture(scope="module")
def draft_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine whose catalogs each lack one heading's translation, so that draft mode
    really marks the form as a draft (with every shipped translation complete, it does not)."""
    folder = tmp_path_factory.mktemp("locales")
    for po_path in locales_dir().glob("*/LC_MESSAGES/mesoconsent.po"):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        catalog["Rare but serious"].string = ""
        copy = folder / po_path.relative_to(locales_dir())
        copy.parent.mkdir(parents=True)
        with copy.open("wb") as handle:
            write_po(handle, catalog)
    return Engine(locale_dirs=[folder])


def rendered(
    draft_engine: Engine, request: ConsentRequest, draft: bool, format: Literal["docx", "html"]
) -> bytes:
    """The form: a draft from ``draft_engine``, otherwise from the shipped catalogs (whose
    gate refuses the other engine's forms: a heading would be in English)."""
    engine = draft_engine if draft else mesoconsent.default_engine()
    with warnings.catch_warnings():  # yes answers and draft translations warn on purpose
        warnings.simplefilter("ignore")
        result = engine.render(request, format, draft=draft)
    assert result.draft == draft
    return result.content


# Built only where the Word test runs: it reads the engine's locales at collection.
FORMS = (
    [pytest.param(request, draft, id=name) for name, request, draft in requests()]
    if OOXML_VALIDATOR
    else []
)


# -- Word ------------------------------------------------------------------------------------
def word_report(document: Path, office_version: str) -> dict[str, object]:
    """The validator's report on ``document``: {"ok": bool, "errors": [...]}."""
    finished = subprocess.run(
        [OOXML_VALIDATOR, str(document), office_version],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # It prints its usage, not JSON, for arguments it does not take, and exits 0 whatever it
    # found: only its report's "ok" is a verdict on the document.
    assert finished.stdout.lstrip().startswith("{"), finished.stdout + finished.stderr
    report: dict[str, object] = json.loads(finished.stdout)
    assert report["ok"] in (True, False), report
    return report


@needs_ooxml_validator
@pytest.mark.parametrize(("request_", "draft"), FORMS)
def test_word_finds_nothing_wrong_in_the_form(
    request_: ConsentRequest, draft: bool, draft_engine: Engine, tmp_path: Path
) -> None:
    document = tmp_path / "form.docx"
    document.write_bytes(rendered(draft_engine, request_, draft, "docx"))
    for office_version in OFFICE_VERSIONS:
        report = word_report(document, office_version)
        assert report["ok"], (office_version, report["errors"])


@needs_ooxml_validator
def test_the_word_validator_finds_a_fault_word_would_refuse(tmp_path: Path) -> None:
    # Without this, a validator that passed everything (or was never really run) would pass
    # the test above. A table's title moved before its look is out of the schema's order.
    data = mesoconsent.render(example(), "docx").content
    broken = tmp_path / "broken.docx"
    with (
        zipfile.ZipFile(io.BytesIO(data)) as original,
        zipfile.ZipFile(broken, "w") as copy,
    ):
        for item in original.infolist():
            content = original.read(item)
            if item.filename == "word/document.xml":
                assert b"<w:tblCaption " in content
                early_title = b'<w:tblCaption w:val="x"/><w:tblLook '
                content = content.replace(b"<w:tblLook ", early_title, 1)
            copy.writestr(item, content)
    report = word_report(broken, OFFICE_VERSIONS[0])
    assert not report["ok"]
    assert "tblLook" in json.dumps(report["errors"])


# -- HTML ------------------------------------------------------------------------------------
def html_messages(pages: list[Path]) -> list[dict[str, object]]:
    """What the Nu HTML Checker says of ``pages`` (their markup and their style sheets):
    errors and warnings alike."""
    java = shutil.which("java")
    assert java, "the Nu HTML Checker runs on Java"
    finished = subprocess.run(
        [java, "-jar", VNU_JAR, "--also-check-css", "--format", "json", "--stdout"]
        + [str(page) for page in pages],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages: list[dict[str, object]] = json.loads(finished.stdout)["messages"]
    assert finished.returncode == (1 if any(m["type"] == "error" for m in messages) else 0)
    return messages


@needs_vnu
def test_the_html_checker_finds_nothing_wrong_in_the_forms(
    draft_engine: Engine, tmp_path: Path
) -> None:
    pages = []
    for name, request, draft in requests():
        page = tmp_path / f"{name}.html"
        page.write_bytes(rendered(draft_engine, request, draft, "html"))
        pages.append(page)
    assert html_messages(pages) == []


@needs_vnu
def test_the_html_checker_finds_a_stray_brace_in_a_style_sheet(tmp_path: Path) -> None:
    # The fault the checker found in the draft forms (a rule closed twice): without this, a
    # checker that was never really run would pass the test above.
    page = mesoconsent.render(example(), "html").content.decode()
    broken = tmp_path / "broken.html"
    broken.write_text(page.replace("</style>", "}</style>", 1), encoding="utf-8")
    messages = html_messages([broken])
    assert [m["type"] for m in messages] == ["error"], messages
    assert "CSS" in str(messages[0]["message"])
