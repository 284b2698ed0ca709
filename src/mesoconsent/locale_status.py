"""How complete each locale's catalog is, and who has reviewed it (``mesoconsent locales``,
:meth:`Engine.locale_status`): what a translator needs to finish a catalog, read from the
file as it is now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from mesoconsent.catalog_folders import catalog_file, catalog_locales
from mesoconsent.compose import wordings
from mesoconsent.coverage import AnswerWords, alike_problems, answer_word_problems
from mesoconsent.errors import CatalogError, DisclosureProblem
from mesoconsent.i18n import Catalog, MessageKey, listed_catalog, load_catalog
from mesoconsent.locale_tags import SOURCE_LOCALE
from mesoconsent.procedures import Procedure
from mesoconsent.resources import locales_dir
from mesoconsent.review import Review

if TYPE_CHECKING:
    from mesoconsent.catalog_cache import CatalogCache


def _outdated_entries(
    absent: Sequence[MessageKey],
    unused: Sequence[tuple[MessageKey, int]],
    needed: Iterable[MessageKey],
) -> tuple[tuple[MessageKey, MessageKey, int], ...]:
    """Pair each message the file lacks with the unused entry meant for it, where only one
    can be, so that a translator is never sent to the wrong entry:
    - one with the message's English under another msgctxt (the msgctxt changed): the
      strongest sign, since no other message of the form has that English;
    - else one with the message's msgctxt and other English (the English changed), where
      that msgctxt is the message's alone: a disclosure's or a question's id, not a context a
      clinic's template shares among several messages.
    A message without a msgctxt whose English changed cannot be told from the file's other
    such messages, so it is not paired; nor is an entry that two messages could claim."""
    contexts = Counter(context for context, _ in needed)
    candidates: dict[MessageKey, list[tuple[MessageKey, int]]] = {}
    for key in absent:
        context, message = key
        found = [entry for entry in unused if entry[0][1] == message]
        if not found and context is not None and contexts[context] == 1:
            found = [entry for entry in unused if entry[0][0] == context]
        candidates[key] = found
    claims = Counter(entry for found in candidates.values() for entry in found)
    return tuple(
        (key, *found[0])
        for key, found in candidates.items()
        if len(found) == 1 and claims[found[0]] == 1
    )


@attrs.frozen
class LocaleStatus:
    """How complete one locale's catalog is, and who has reviewed it."""

    locale: str
    review: Review
    total: int
    # (message, what it is, why) for each message that would show in English ("untranslated",
    # with the forms still empty of a plural message translated in others, "untranslated
    # (msgstr[1] is empty)"; "fuzzy", or "copied": the English itself) or blank ("empty":
    # only spaces or punctuation).
    missing: tuple[tuple[MessageKey, str, str], ...]
    # Why the catalog could not be read or failed its checks, if it did.
    error: str | None = None
    # The catalog's revision (what a reviewer records as Reviewed-Revision).
    revision: str = ""
    # The catalog file (None where there is none: the source language needs none).
    path: Path | None = None
    # (message, the line of its msgid) for each message of that file (see line()).
    lines: tuple[tuple[MessageKey, int], ...] = ()
    # The entries of the file that no form uses, with their lines: a msgctxt or msgid that was
    # changed by hand, or an English text that changed without the catalog being updated
    # (pybabel update marks such entries obsolete). They stop no form, so they do not make the
    # locale incomplete; the message they were meant for is missing.
    unused: tuple[tuple[MessageKey, int], ...] = ()
    # Each rule the catalog breaks, where its checks could read it (error says them all).
    problems: tuple[str, ...] = ()
    # (message, the unused entry meant for it, the entry's line) for each missing message not
    # in the file that one unused entry, and no other, was meant for (see outdated_entry()).
    outdated: tuple[tuple[MessageKey, MessageKey, int], ...] = ()
    # For a catalog of a clinic's own standing in for a shipped one (the same locale): each
    # required disclosure and health question it words otherwise, with its wording and the
    # shipped one. Not a fault (a clinic may reword), but what a reviewer must compare: a
    # clause dropped from a risk, or a fix mesoconsent made after the clinic's copy.
    differs: tuple[tuple[MessageKey, str, str], ...] = ()

    def line(self, key: MessageKey) -> int | None:
        """The line of ``key``'s msgid in the catalog file; None if the file lacks it."""
        return next((line for found, line in self.lines if found == key), None)

    def outdated_entry(self, key: MessageKey) -> tuple[MessageKey, int] | None:
        """The entry no form uses that was meant for ``key``, a message the file lacks, with
        its line: the one with ``key``'s English under another msgctxt (the msgctxt changed)
        or, failing that, with ``key``'s msgctxt, where no other message has it, and other
        English (the English changed, or the msgid was edited). None where no entry, or more
        than one, could be it."""
        found = ((entry, line) for message, entry, line in self.outdated if message == key)
        return next(found, None)

    @property
    def complete(self) -> bool:
        return not self.missing and self.error is None

    @property
    def translated(self) -> int:
        return self.total - len(self.missing)


def _alike(procedure: Procedure, catalog: Catalog) -> list[tuple[MessageKey, DisclosureProblem]]:
    """:func:`alike_problems` of the procedure's wordings in ``catalog``, each with the key of
    the message it is about."""
    english = {i: procedure.disclosure(i).text for i in procedure.required_ids}
    english |= {q.key: q.text for q in procedure.screening}
    return [
        ((problem.disclosure_id, english[problem.disclosure_id]), problem)
        for problem in alike_problems(wordings(procedure, catalog))
    ]


def answer_words_of(catalog: Catalog) -> tuple[str, str]:
    """The checklist's "Yes" and "No" in ``catalog``."""
    return catalog.gettext("Yes"), catalog.gettext("No")


def answer_word_reference(
    name: str, path: Path | None, cache: CatalogCache | None = None
) -> list[AnswerWords]:
    """What the catalog of ``name`` (read from ``path``) must not swap "Yes" and "No" with:
    the shipped catalog of the same locale, else of its language (fr for fr_CA), else of
    another region of it (pt_BR for pt_PT), unless it is that one; and English's words, which
    head the columns the other way round in any language."""
    english: AnswerWords = (("Yes", "No"), "English")
    language = name.partition("_")[0]
    if language == SOURCE_LOCALE:
        return [english]
    shipped_dirs = (locales_dir(),)
    regions = sorted(
        other for other in catalog_locales(locales_dir()) if other.partition("_")[0] == language
    )
    for shipped_name in dict.fromkeys((name, language, *regions)):
        shipped = catalog_file(shipped_name, shipped_dirs)
        if shipped is None:
            continue
        if path is not None and shipped.resolve() == path.resolve():
            return [english]
        catalog = load_catalog(shipped_name, shipped_dirs, cache)
        return [(answer_words_of(catalog), f"the shipped {shipped_name} catalog"), english]
    return [english]


def _differs_from_shipped(
    name: str, path: Path | None, catalog: Catalog, procedures: Iterable[Procedure]
) -> tuple[tuple[MessageKey, str, str], ...]:
    """The required wordings (disclosures, health questions) the catalog at ``path`` gives
    otherwise than mesoconsent's shipped catalog of the same locale, if it is not that one."""
    shipped_path = catalog_file(name, (locales_dir(),))
    if path is None or shipped_path is None or shipped_path.resolve() == path.resolve():
        return ()
    shipped = load_catalog(name, (locales_dir(),))
    found: list[tuple[MessageKey, str, str]] = []
    for procedure in procedures:
        keys = [(i, procedure.disclosure(i).text) for i in procedure.required_ids]
        keys += [(question.key, question.text) for question in procedure.screening]
        for key in keys:
            context, english = key
            theirs, ours = catalog.pgettext(context, english), shipped.pgettext(context, english)
            # Translated in both: one the clinic's catalog lacks is listed as missing already,
            # and the wording of a clinic's own procedure is not in the shipped catalog.
            if theirs != ours and key in catalog.translated and key in shipped.translated:
                found.append((key, theirs, ours))
    return tuple(found)


def catalog_status(
    name: str,
    needed: Mapping[MessageKey, str],
    path: Path | None,
    procedures: Iterable[Procedure],
    locale_dirs: Sequence[Path],
    *,
    shown: Mapping[MessageKey, str] | None = None,
) -> LocaleStatus:
    """The status of the catalog of ``name`` at ``path`` (None for the source language),
    against the messages a form can show (``needed``; an entry is unused if it is not among
    ``shown``, by default those); CatalogError if it cannot be read."""
    if shown is None:
        shown = needed
    error: CatalogError | None = None
    lines: dict[MessageKey, int] = {}
    unfinished: dict[MessageKey, str] = {}
    if path is None:  # the source language, which needs no catalog file
        catalog = load_catalog(name, locale_dirs)
    else:
        # The file as it is now, not the catalog this engine loaded (perhaps before the
        # translator's last edit), read once for its lines too, which a checked catalog
        # does not keep: this listing is for translators, not for rendering. A file that
        # reads but breaks rules still has what it lacks listed beside its problems.
        catalog, error, lines, unfinished = listed_catalog(path, name)
    missing = tuple(
        # A plural message translated in some forms: which are still empty.
        (key, kind, f"{reason} ({unfinished[key]})" if key in unfinished else reason)
        for key, kind in needed.items()
        if (reason := catalog.unusable(key)) is not None
    )
    listed = {key for key, *_ in missing}
    missing += tuple(
        (key, needed[key], problem.reason)
        for procedure in procedures
        for key, problem in _alike(procedure, catalog)
        if key in needed and key not in listed
    )
    missing += tuple(
        ((None, english), needed.get((None, english), "text"), problem.reason)
        for english, problem in answer_word_problems(
            answer_words_of(catalog), answer_word_reference(name, path)
        )
        if (None, english) not in listed
    )
    unused = tuple(
        sorted(
            ((key, line) for key, line in lines.items() if key not in shown),
            key=lambda entry: entry[1],
        )
    )
    differs = _differs_from_shipped(name, path, catalog, procedures) if error is None else ()
    return LocaleStatus(
        name,
        catalog.review if error is None else Review("draft"),
        len(needed),
        missing,
        None if error is None else str(error),
        catalog.revision,
        path=path,
        lines=tuple(lines.items()),
        unused=unused,
        problems=() if error is None else error.problems,
        outdated=_outdated_entries([key for key, *_ in missing if key not in lines], unused, shown),
        differs=differs,
    )


def unreadable_status(
    name: str, total: int, path: Path | None, error: CatalogError
) -> LocaleStatus:
    """The status of a catalog that cannot be read, or is in a misnamed folder: ``error``
    says why, and nothing is listed as missing."""
    return LocaleStatus(
        name, Review("draft"), total, (), str(error), path=path, problems=error.problems
    )
