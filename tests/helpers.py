"""Shared test helpers: building requests, reading DOCX files back with python-docx."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

import mesoconsent
from mesoconsent import ConsentRequest, ScreeningAnswer
from mesoconsent.errors import DisclosureProblem
from mesoconsent.resources import example_request_path, templates_dir

T = TypeVar("T")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

NO_TO_ALL = {
    "pregnant": ScreeningAnswer(False),
    "breastfeeding": ScreeningAnswer(False),
    "clotting_disorder": ScreeningAnswer(False),
    "other_conditions": ScreeningAnswer(False),
}


def example() -> ConsentRequest:
    return mesoconsent.example_request()


def example_dict() -> dict[str, Any]:
    with example_request_path().open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def with_patient_name(request: ConsentRequest, name: str) -> ConsentRequest:
    return attrs.evolve(request, patient=attrs.evolve(request.patient, full_name=name))


def answered(
    request: ConsentRequest, question: str, yes: bool = True, details: str | None = None
) -> ConsentRequest:
    """``request`` with ``question`` answered (yes by default), with ``details``."""
    screening = dict(request.screening)
    screening[question] = ScreeningAnswer(yes, details)
    return attrs.evolve(request, screening=screening)


def reasons(problems: Iterable[DisclosureProblem]) -> list[tuple[str, str]]:
    """Each problem, as (what, why): ("risks.rare_infection", "empty")."""
    return [(problem.disclosure_id, problem.reason) for problem in problems]


def docx_paragraph_texts(data: bytes) -> list[str]:
    """The text of every paragraph of the body (tables included), as python-docx reads it."""
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    return [Paragraph(p, document).text for p in body.iter(qn("w:p"))]


def package_parts(data: bytes) -> list[tuple[str, bytes]]:
    """Every part of a ZIP package, in order, as (name, content), its CRCs checked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def docx_part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(name))


XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def unguarded_spaces(data: bytes) -> list[str]:
    """Texts of the DOCX (body, header, footer) whose spaces Word could drop or merge: white
    space at either end, two spaces together or a line break, in a ``<w:t>`` that is not
    marked ``xml:space="preserve"``. python-docx reads such text as it is; Word does not."""
    found = []
    for part in ("word/document.xml", "word/header1.xml", "word/footer1.xml"):
        for element in docx_part(data, part).iter(f"{W}t"):
            text = element.text or ""
            at_risk = text != text.strip(" \t\n\r") or "  " in text or "\n" in text
            if at_risk and element.get(XML_SPACE) != "preserve":
                found.append(text)
    return found


def consent_date() -> dt.date:
    return dt.date(2026, 3, 14)


def present(value: T | None) -> T:
    """The value, asserting it is there (for optional lookups in XML and python-docx)."""
    assert value is not None
    return value


# The opening tag of the bundled checklist's table, as a regular expression (for edits).
CHECKLIST_TABLE = r'<table widths="7 1 1"[^>]*>'


def copy_templates(tmp_path: Path) -> Path:
    """A copy of the bundled templates to break on purpose."""
    target = tmp_path / "templates"
    shutil.copytree(templates_dir(), target)
    return target


def edit(path: Path, pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> None:
    """Replace the one match of a regular expression in a file (failing if not exactly one)."""
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(pattern, replacement, text)
    assert count == 1, f"{pattern!r} matched {count} times"
    path.write_text(edited, encoding="utf-8")


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it: a separate process, from another directory."""
    return subprocess.run(
        [sys.executable, "-m", "mesoconsent", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_cli_piped(*args: str | Path, stdin: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """The command line with ``stdin`` piped in (as clinic software hands it a request)."""
    return subprocess.run(
        [sys.executable, "-m", "mesoconsent", *map(str, args)],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
    )


def empty_catalog(locales_dir: Path, locale: str, plural_forms: str) -> Path:
    """A catalog with a header and no translations (what a new language starts as)."""
    folder = locales_dir / locale / "LC_MESSAGES"
    folder.mkdir(parents=True)
    path = folder / "mesoconsent.po"
    path.write_text(
        f'msgid ""\nmsgstr ""\n"Language: {locale}\\n"\n"Plural-Forms: {plural_forms}\\n"\n',
        encoding="utf-8",
    )
    return path


def unreachable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder below one that may not be entered: Path.is_dir raises PermissionError for it,
    as it does before Python 3.14 (and running as root, a real one cannot be made)."""
    locked = tmp_path / "locked" / "clinic-templates"
    real = Path.is_dir

    def is_dir(path: Path) -> bool:
        if path == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    return locked
