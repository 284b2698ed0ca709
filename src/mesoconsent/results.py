"""What a render gives back (:class:`RenderResult`), the formats it can be in, and the
warnings :meth:`Engine.render` issues for it."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Literal

import attrs

from mesoconsent.errors import (
    ContraindicationWarning,
    DraftTranslationWarning,
    MinorPatientWarning,
)

Format = Literal["docx", "html", "text"]
FORMATS: tuple[Format, ...] = ("docx", "html", "text")
MEDIA_TYPES: dict[Format, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
# The extension a file of each format is given (batch forms, RenderResult.extension), and
# those a file name may ask for a format by.
EXTENSIONS: dict[Format, str] = {"docx": ".docx", "html": ".html", "text": ".txt"}
_EXTENSIONS: dict[str, Format] = {".docx": "docx", ".html": "html", ".htm": "html", ".txt": "text"}


# As Python records it in code objects (not resolved: an install may be reached by a symlink).
_PACKAGE_PREFIX = os.path.dirname(__file__) + os.sep


def check_format(format: str) -> None:
    """ValueError unless ``format`` is one of FORMATS (for render, render_formats, batches)."""
    if not isinstance(format, str) or format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def check_flag(name: str, value: object) -> None:
    """TypeError unless ``value`` is True or False: "no" or "false" read from a configuration
    file is true to Python, and these flags turn checks on or off, or remove files."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")


def warn_for(result: RenderResult) -> None:
    """The warnings :meth:`Engine.render` issues for a result."""
    if result.review_state == "draft":
        warnings.warn(
            f"the {result.catalog} translation is a draft that no qualified reviewer has "
            "signed off: have the form checked before it is used "
            "(RenderResult.review_state)",
            DraftTranslationWarning,
            stacklevel=_caller_stacklevel(),
        )
    if result.minor_without_guardian:
        # Not the age or the date of birth: a message may be logged.
        warnings.warn(
            "the patient is under the age from which they may consent alone (the clinic's "
            "consent_age, or 18 where the request gives none) on the consent date, and no "
            "parent or guardian signs the form; where the law requires their consent, add them "
            "as its third signer "
            "(Witness role 'guardian') "
            "(RenderResult.minor_without_guardian)",
            MinorPatientWarning,
            stacklevel=_caller_stacklevel(),
        )
    if result.flags:
        # Which questions is health data: it is in result.flags, not in a message that may
        # be logged.
        warnings.warn(
            f"the patient answered yes to {len(result.flags)} screening question(s); "
            "see RenderResult.flags",
            ContraindicationWarning,
            stacklevel=_caller_stacklevel(),
        )


def _caller_stacklevel() -> int:
    """The stacklevel that points a warning at the first frame outside this package.

    (Python 3.12's ``skip_file_prefixes`` does this; 3.11 is supported.)
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_PREFIX):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def format_for_path(path: str | os.PathLike[str], format: Format | None = None) -> Format:
    """The output format for a file: ``format`` if given, else the one the file name asks
    for (``.docx``, ``.html``/``.htm``, ``.txt``). ValueError if neither says, or if they
    disagree (text in ``form.docx``, which Word cannot open); a name with another extension
    takes the ``format`` given."""
    suffix = Path(path).suffix.lower()
    named = _EXTENSIONS.get(suffix)
    if format is not None:
        check_format(format)
    if format is not None and named is not None and named != format:
        raise ValueError(
            f"{Path(path).name} names a {named} file, not a {format} one: give the file the "
            "extension of its format, or leave the format out"
        )
    if format is not None:
        return format
    if named is None:
        told = f"the extension {suffix!r}" if suffix else "a file name without an extension"
        raise ValueError(f"cannot tell the format from {told}: use .docx, .html or .txt")
    return named


@attrs.frozen
class ScreeningFlag:
    """The patient answered yes to a screening question: the form says so, prominently.

    Embedding software should make sure a practitioner reviews the answer before treatment.
    """

    question_id: str
    disclosure_id: str


@attrs.frozen
class RenderResult:
    """A rendered consent document and what the caller should know about it.

    ``locale`` is the locale the document was rendered for, as requested and normalised
    (``en_GB``); its wording came from the catalog negotiated for it (``en``), which the
    document records in its identifier for ``verify``.
    """

    content: bytes = attrs.field(repr=lambda content: f"<{len(content)} bytes>")
    format: Format
    procedure: str
    template_version: str
    locale: str
    flags: tuple[ScreeningFlag, ...]
    # The catalog's review state ("source", "draft" or "reviewed"); see docs/translators.md.
    review_state: str = "source"
    # Rendered in draft mode with text in English: marked as a draft on every page, not for
    # signature.
    draft: bool = False
    # The catalog the wording came from (``fr`` for a request in ``fr-CA``).
    catalog: str = ""
    # The patient is under the age from which they may consent alone (clinic.consent_age,
    # 18 by default) on the consent date, and no parent or guardian signs the form
    # (MinorPatientWarning).
    minor_without_guardian: bool = False

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def extension(self) -> str:
        """The file extension of its format (``.docx``, ``.html``, ``.txt``), to save it by:
        ``render_to_file`` and ``format_for_path`` read the format back from it."""
        return EXTENSIONS[self.format]
