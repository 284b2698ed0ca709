"""The catalog template (.pot) of an engine's forms: every message they can show.

A clinic that adds or changes templates translates into catalogs of its own, which replace
mesoconsent's for their languages, so they need mesoconsent's messages and the clinic's in one
template. ``pybabel extract`` over the clinic's folder alone finds only the clinic's (and
``babel.cfg``'s patterns only the project's own ``templates/``). This extracts from the files
the engine actually uses, as the loader and the procedure discovery find them (a clinic's
file before the bundled one with the same name), with the extractors, keywords and options of
``babel.cfg``, so that for the bundled templates alone it gives the entries of
``locales/mesoconsent.pot``. Locations are the files' names within their template folder, so
the template does not depend on where mesoconsent is installed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import jinja2
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import write_po
from jinja2.ext import babel_extract

from mesoconsent import wording
from mesoconsent._version import __version__
from mesoconsent.compose import template_sources
from mesoconsent.errors import TemplateError
from mesoconsent.extract import extract_procedure

# As babel.cfg and the extract command of docs/translators.md give them.
COMMENT_TAGS = ("Translators:",)
_TEMPLATE_OPTIONS = {
    "extensions": "jinja2.ext.i18n,mesoconsent.fragments.StaticExtension",
    "newstyle_gettext": "true",
    "silent": "false",
}
_WORDING = "mesoconsent/wording.py"


def catalog_template(
    environment: jinja2.Environment,
    definitions: Iterable[tuple[str, Path]],
    *,
    created: datetime | None = None,
) -> str:
    """The .pot text for the templates ``environment`` loads, the procedure definitions
    (``definitions``: each file's name within its template folder, and its path), and the
    text composed in Python. ``created`` is the POT-Creation-Date (default: now)."""
    catalog = Catalog(
        project="mesoconsent",
        version=__version__,
        copyright_holder="the mesoconsent developers",
        creation_date=created or datetime.now(UTC),
        charset="utf-8",
    )
    for name, source in template_sources(environment):
        try:
            _add(
                catalog, name, io.BytesIO(source.encode("utf-8")), babel_extract, _TEMPLATE_OPTIONS
            )
        except jinja2.TemplateSyntaxError as error:  # a template no form has used yet
            raise TemplateError(f"template {name!r} line {error.lineno}: {error.message}") from None
    for name, path in definitions:
        with path.open("rb") as definition:
            _add(catalog, name, definition, extract_procedure, {})
    with open(wording.__file__, "rb") as composed:
        _add(catalog, _WORDING, composed, "python", {})
    output = io.BytesIO()
    write_po(output, catalog, width=76)
    return output.getvalue().decode("utf-8")


def _add(catalog: Catalog, name: str, source: IO[bytes], method: Any, options: Any) -> None:
    extracted = extract(
        method,
        source,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=COMMENT_TAGS,
        options=options,
        strip_comment_tags=True,
    )
    for line, message, comments, context in extracted:
        catalog.add(message, None, [(name, line)], auto_comments=comments, context=context)
