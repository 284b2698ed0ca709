"""What :meth:`Engine.verify` finds wrong with a stored form once it is read
(verification.py): the required wording, the values the form recorded digests of, its
checklist and signature lines, and notes on the template version and catalog revision it
was made with."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from mesoconsent import document as d
from mesoconsent.compose import disclosure_wording, question_wording
from mesoconsent.coverage import check_coverage, fallback_problems, parse_values, value_digest
from mesoconsent.errors import DisclosureProblem
from mesoconsent.i18n import Catalog
from mesoconsent.procedures import RESERVED_PREFIXES, Procedure
from mesoconsent.signing import AFTER_SIGNATURES
from mesoconsent.verification import DocxContent, stored_form_problems

# A catalog's revision as forms record it (i18n.py, _revision), or "source" for English.
_REVISION = re.compile(r"[0-9a-f]{12}|source")


# A template version and a catalog's locale as mesoconsent writes them into a form's
# identifier; verify shows the file's own only in these shapes.
# (Numbers first, dot-separated, and one short suffix starting with a letter: "1.2.0", "v3",
# "1.0.0b2", "2026.11.27+riverside", "1.2.0-clinic.1"; not "1988-07-02", "07700900123" or
# "v1-Jane-Example".)
_VERSION_SHOWN = re.compile(
    r"[vV]?[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}(?:[-+.]?[A-Za-z][0-9A-Za-z]{0,11}(?:\.[0-9]{1,4})?)?"
)
# The template versions of mesotherapy made before forms recorded the digests of their values
# (2026-11-26, during development, before any release). A form of any other version, or of any
# other procedure (a new bundled one, a clinic's own), without them had them removed (or its
# version edited), and fails verify; a form of those versions gets a note. No procedure is
# listed but mesotherapy: every mesoconsent a clinic can have made forms with records them,
# and a note for a clinic's procedure let a form whose property was deleted pass with its
# values, details and signers' names unchecked.
BEFORE_VALUES: Mapping[str, frozenset[str]] = MappingProxyType(
    {"mesotherapy": frozenset({"1.0.0", "1.1.0"})}
)
_LOCALE_SHOWN = re.compile(r"[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?")


# What verify says of a form without the digests of its values (coverage.value_digest), and
# of a value without its digest.
_NO_VALUES = (
    "records no digests of its values (the custom property mesoconsent.values): the clinic's "
    "phone, the treated areas and the other values in disclosures were checked only for "
    "saying something"
)
_NO_DIGEST = "its value's digest is not in mesoconsent.values, so the value cannot be checked"


def check_stored_form(
    content: DocxContent,
    definition: Procedure,
    catalog: Catalog,
    *,
    recorded: bool,
    version: str,
    other_locale: str | None,
    valued: Sequence[str],
    alike: Sequence[DisclosureProblem],
) -> tuple[list[DisclosureProblem], list[str], str]:
    """The problems of a form read back (``content``) of the procedure ``definition``, against
    ``catalog``'s wording; the notes for the report; and its template ``version`` as the
    report may show it ("unreadable" where the file's own text is not shaped as a version).

    ``recorded``: the form records how it was made (its identifier). ``other_locale``: the
    locale it records, where the caller had it checked against another catalog. ``valued``:
    the disclosures that hold request values, whose digests the form records. ``alike``: the
    problems of the catalog's wordings that read alike (the engine looks them up once).
    """
    # The file's own text, shown in notes and the report only if shaped as a version (a
    # digit first, or v and a digit): it could be anything (a patient's name).
    readable = version == definition.template_version or _VERSION_SHOWN.fullmatch(version)
    if recorded and not readable:
        version = "unreadable"
    notes: list[str] = []
    if version != definition.template_version:
        notes.append(
            f"rendered with template version {version}; checked against the installed "
            f"wording of version {definition.template_version}"
        )
    recorded_revision = content.properties.get("mesoconsent.catalog_revision")
    if other_locale is not None:
        # Its revision is of another catalog: that would say nothing.
        notes.append(
            f"the form records the locale "
            f"{other_locale if _LOCALE_SHOWN.fullmatch(other_locale) else '(unreadable)'}"
            "; checked against the "
            f"{catalog.name} catalog, as asked"
        )
    elif recorded_revision is not None and recorded_revision != catalog.revision:
        # The file's own text: shown only in the shape a revision has, since it could say
        # anything (a line of its own in verify's report, say).
        shown = recorded_revision if _REVISION.fullmatch(recorded_revision) else "unreadable"
        notes.append(
            f"made with another revision of the {catalog.name} catalog ({shown}; "
            f"installed: {catalog.revision}): wording differences may be revisions of the "
            "translation rather than edits to the document"
        )
    disclosures = {k: v for k, v in content.stated.items() if not _is_structural(k)}
    structure = {k: v for k, v in content.stated.items() if _is_structural(k)}
    problems = check_coverage(
        definition,
        disclosures,
        lambda i: disclosure_wording(definition, catalog, i),
        untagged_text=content.paragraphs,
    )
    # The words around a value are the wording's; the value must be what was rendered.
    reported = {problem.disclosure_id for problem in problems}
    recorded_values = content.properties.get(d.VALUES_PROPERTY)
    digests = parse_values(recorded_values or "")
    for disclosure_id in valued:
        texts = disclosures.get(disclosure_id, [])
        if disclosure_id in reported or len(texts) != 1:
            continue
        digest = digests.get(disclosure_id)
        if digest is not None and value_digest(texts[0]) != digest:
            problems.append(DisclosureProblem(disclosure_id, "altered"))
        elif digest is None and recorded_values is not None:
            problems.append(DisclosureProblem(disclosure_id, _NO_DIGEST))
    if recorded_values is None and valued:
        if recorded and version not in BEFORE_VALUES.get(definition.id, ()):
            # Every form of this version records them: the property was removed.
            problems.append(DisclosureProblem("document", _NO_VALUES))
        else:  # made before the record existed, or says nothing of how it was made
            notes.append(f"{_NO_VALUES} (forms made before 2026-11-26 have none)")
    # Wording the catalog lacks was printed in English: not a form in the document's
    # language; wording it gives as nothing, or as another's, says nothing of its own.
    required = [(disclosure.id, disclosure.text) for disclosure in definition.disclosures]
    required += [(question.key, question.text) for question in definition.screening]
    problems += fallback_problems(
        [(key, r) for key in required if (r := catalog.unusable(key)) is not None],
        definition,
        catalog.name,
    )
    problems += alike
    # As the gate refuses them (signing.py): the patient would sign above them.
    problems += [
        DisclosureProblem(mark, AFTER_SIGNATURES) for mark in sorted(content.after_signatures)
    ]
    if content.status == "Draft":
        problems.append(
            DisclosureProblem(
                "document",
                "rendered in draft mode (parts not translated): a draft, not a form to sign",
            )
        )
    if content.stated:
        problems += stored_form_problems(
            definition,
            structure,
            content.paragraphs,
            lambda question: question_wording(question, catalog),
            catalog.gettext,
            content.headings,
            digests,
            content.over_boxes,
        )
    else:
        # Every mark is gone (some editors drop bookmarks): the disclosures were found by
        # their words, but the checklist and signature lines cannot be located, and a form
        # that may lack its health answers or anything to sign is not one to pass.
        problems.append(
            DisclosureProblem(
                "document",
                "its marks were removed by an editor, so its health-question checklist and "
                "signature lines cannot be checked (the disclosures were found by their "
                "words)",
            )
        )
    return problems, notes, version


def _is_structural(mark: str) -> bool:
    """Screening rows, the alert and signer lines, as opposed to disclosures
    (RESERVED_PREFIXES)."""
    return mark.startswith(RESERVED_PREFIXES)
