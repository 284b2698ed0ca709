"""Microsoft's own check of the DOCX files: the Open XML SDK validator (OpenXmlValidator, which
reads a document as Word's schemas and semantic rules do), run over forms in every shipped
locale, on both paper sizes, with yes answers and details, each third signer, and as drafts.

Word refuses a file ("Word found unreadable content") for faults that python-docx and
LibreOffice read past, such as child elements out of the schema's order. The validator is a
native program from the npm registry, not a Python package, so these tests run only where
``MESOCONSENT_OOXML_VALIDATOR`` names it; ``.ci/word-validator`` installs it and runs them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import warnings
import zipfile
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent import ConsentRequest, Witness
from tests.helpers import answered, example

VALIDATOR = os.environ.get("MESOCONSENT_OOXML_VALIDATOR", "")
# Word 2010, the first to implement ISO/IEC 29500, and the newest. (Word 2007 knows neither the
# tables' titles, w:tblCaption, nor the named flags of w:tblLook, both of Word 2010; Word 2007
# has been out of support since 2017, and forms are not written for it.)
OFFICE_VERSIONS = ("Office2010", "Microsoft365")

pytestmark = pytest.mark.skipif(
    not VALIDATOR, reason="MESOCONSENT_OOXML_VALIDATOR is not set (.ci/word-validator sets it)"
)


def validate(document: Path, office_version: str) -> dict[str, object]:
    """The validator's report on ``document``: {"ok": bool, "errors": [...]}."""
    finished = subprocess.run(
        [VALIDATOR, str(document), office_version],
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


def variants() -> list[tuple[str, ConsentRequest, bool]]:
    """Forms that between them write every kind of block the DOCX writer has."""
    engine = mesoconsent.default_engine()
    base = example()
    roles = ("witness", "interpreter", "guardian")
    forms = []
    for number, locale in enumerate(engine.locales):
        request = attrs.evolve(
            base,
            locale=locale,
            clinic=attrs.evolve(base.clinic, paper_size=("A4", "Letter")[number % 2]),
            witness=Witness("Sam Okafor", roles[number % 3]) if number % 4 else None,
        )
        forms.append((f"{locale}", request, False))
        flagged = answered(request, "other_conditions", details="Asthma (Ventolin inhaler)")
        forms.append((f"{locale}-flagged", answered(flagged, "pregnant"), number % 3 == 0))
    return forms


VARIANTS = variants() if VALIDATOR else []


@pytest.mark.parametrize(
    ("request_", "draft"),
    [pytest.param(request, draft, id=name) for name, request, draft in VARIANTS],
)
def test_word_finds_nothing_wrong_in_the_form(
    request_: ConsentRequest, draft: bool, tmp_path: Path
) -> None:
    document = tmp_path / "form.docx"
    with warnings.catch_warnings():  # yes answers and draft translations warn on purpose
        warnings.simplefilter("ignore")
        document.write_bytes(mesoconsent.render(request_, "docx", draft=draft).content)
    for office_version in OFFICE_VERSIONS:
        report = validate(document, office_version)
        assert report["ok"], (office_version, report["errors"])


def test_the_validator_finds_a_fault_word_would_refuse(tmp_path: Path) -> None:
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
    report = validate(broken, OFFICE_VERSIONS[0])
    assert not report["ok"]
    assert "tblLook" in json.dumps(report["errors"])
