"""mesoconsent: complete, localized informed-consent documents for aesthetic procedures.

    >>> import mesoconsent
    >>> request = mesoconsent.load_request("request.json")          # or build ConsentRequest(...)
    >>> result = mesoconsent.render(request, format="docx")          # bytes in result.content
    >>> mesoconsent.render_to_file(request, "consent.docx")          # atomic write
    >>> mesoconsent.verify("consent.docx").ok                        # every disclosure still there?
    >>> for item in mesoconsent.render_batch(requests, "out/", jobs=4):  # many, on every core
    ...     print(item.number, item.path or item.error)

No document is produced without every required disclosure of its procedure: rendering raises
:class:`CoverageError` instead. Bad input raises :class:`ValidationError` listing every problem.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mesoconsent._version import __version__
from mesoconsent.engine import Engine
from mesoconsent.errors import (
    CatalogError,
    ContraindicationWarning,
    CoverageError,
    DisclosureProblem,
    DocumentReadError,
    DraftTranslationWarning,
    FieldProblem,
    LocaleNotAvailableError,
    MesoconsentError,
    MinorPatientWarning,
    ProcedureDefinitionError,
    TemplateError,
    UnreviewedTranslationError,
    ValidationError,
)
from mesoconsent.loading import request_to_dict
from mesoconsent.locale_status import LocaleStatus
from mesoconsent.model import (
    Clinic,
    ConsentRequest,
    Patient,
    PlannedTreatment,
    Practitioner,
    ScreeningAnswer,
    Witness,
)
from mesoconsent.procedures import Disclosure, Procedure, ScreeningQuestion
from mesoconsent.resources import example_request_path
from mesoconsent.results import (
    FORMATS,
    Format,
    RenderResult,
    ScreeningFlag,
    format_for_path,
)
from mesoconsent.review import Review
from mesoconsent.verify_report import VerifyReport

if TYPE_CHECKING:
    from mesoconsent.batch import (
        BatchError,
        BatchRequest,
        BatchResult,
        EarlierFormsError,
        read_jsonl,
        render_batch,
    )

__all__ = [
    "FORMATS",
    "BatchError",
    "BatchRequest",
    "BatchResult",
    "CatalogError",
    "Clinic",
    "ConsentRequest",
    "ContraindicationWarning",
    "CoverageError",
    "Disclosure",
    "DisclosureProblem",
    "DocumentReadError",
    "DraftTranslationWarning",
    "EarlierFormsError",
    "Engine",
    "FieldProblem",
    "Format",
    "LocaleNotAvailableError",
    "LocaleStatus",
    "MesoconsentError",
    "MinorPatientWarning",
    "Patient",
    "PlannedTreatment",
    "Practitioner",
    "Procedure",
    "ProcedureDefinitionError",
    "RenderResult",
    "Review",
    "ScreeningAnswer",
    "ScreeningFlag",
    "ScreeningQuestion",
    "TemplateError",
    "UnreviewedTranslationError",
    "ValidationError",
    "VerifyReport",
    "Witness",
    "__version__",
    "default_engine",
    "example_request",
    "format_for_path",
    "load_request",
    "read_jsonl",
    "render",
    "render_batch",
    "render_formats",
    "render_to_file",
    "request_from_dict",
    "request_from_json",
    "request_to_dict",
    "validate",
    "verify",
]


# The shared engine, once built. Threads that ask for it while it is being built wait for
# it: functools.cache held no one back, and a server's first burst of requests built an
# engine per thread.
_default_engine: Engine | None = None
_default_engine_lock = threading.Lock()


def default_engine() -> Engine:
    """The shared engine over the bundled templates and catalogs, built on first use."""
    global _default_engine
    engine = _default_engine
    if engine is None:
        with _default_engine_lock:
            engine = _default_engine
            if engine is None:
                engine = _default_engine = Engine()
    return engine


def load_request(path: str | os.PathLike[str]) -> ConsentRequest:
    """Read a JSON request file and check it completely (every problem in one ValidationError)."""
    return default_engine().load_request(path)


def request_from_json(text: str | bytes | bytearray | memoryview) -> ConsentRequest:
    """Parse a JSON request document (UTF-8) and check it completely."""
    return default_engine().request_from_json(text)


def request_from_dict(data: object) -> ConsentRequest:
    """Structure decoded JSON (a dict) into a request and check it completely."""
    return default_engine().request_from_dict(data)


def example_request() -> ConsentRequest:
    """The bundled example request (the one ``mesoconsent render --example`` renders)."""
    return load_request(example_request_path())


def validate(request: ConsentRequest) -> None:
    """Raise :class:`ValidationError` listing every problem with ``request``."""
    default_engine().validate(request)


def render(
    request: ConsentRequest, format: Format = "docx", *, draft: bool = False
) -> RenderResult:
    """Render ``request`` to bytes (``result.content``) in ``format``: docx, html or text.

    ``draft=True`` renders even if some text would fall back to English, and marks every page
    as a draft that is not for signature (see :meth:`Engine.compose`).
    """
    return default_engine().render(request, format, draft=draft)


def render_formats(
    request: ConsentRequest,
    formats: Iterable[Format] = FORMATS,
    *,
    draft: bool = False,
    warn: bool = True,
) -> dict[Format, RenderResult]:
    """Render ``request`` to several formats (by default all), composing it once: for each, what
    :func:`render` gives (see :meth:`Engine.render_formats`)."""
    return default_engine().render_formats(request, formats, draft=draft, warn=warn)


def render_to_file(
    request: ConsentRequest,
    path: str | os.PathLike[str],
    format: Format | None = None,
    *,
    draft: bool = False,
    warn: bool = True,
) -> RenderResult:
    """Render and write to ``path`` atomically; the format follows the extension by default."""
    return default_engine().render_to_file(request, path, format, draft=draft, warn=warn)


def verify(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview,
    *,
    procedure: str | None = None,
    locale: str | None = None,
) -> VerifyReport:
    """Check that a DOCX (path or bytes) still states every required disclosure."""
    return default_engine().verify(source, procedure=procedure, locale=locale)


_LAZY = {
    "BatchError": "mesoconsent.batch",
    "BatchRequest": "mesoconsent.batch",
    "BatchResult": "mesoconsent.batch",
    "EarlierFormsError": "mesoconsent.batch",
    "read_jsonl": "mesoconsent.batch",
    "render_batch": "mesoconsent.batch",
}


# Submodules reached as attributes of the package (mesoconsent.batch.output_name) before
# anything imported them.
_SUBMODULES = frozenset({"batch", "verification"})

if not TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise take every name, misspelt ones too,
    # for one this function might return. They see the names above, under TYPE_CHECKING.

    def __getattr__(name: str) -> Any:
        # Exported, but batch and verification are imported on first use: a process that
        # renders one form starts faster.
        import importlib

        if name in _LAZY:
            return getattr(importlib.import_module(_LAZY[name]), name)
        if name in _SUBMODULES:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module 'mesoconsent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
