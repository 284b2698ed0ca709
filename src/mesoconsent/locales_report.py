"""The listing ``mesoconsent locales`` prints for translators: each catalog's completeness and
review state, and, for each message a form would show in English, blank or worded as another,
its place in the file (FILE:LINE, as msgfmt writes places, in the file's order), with what to do
about it; and the entries no form uses."""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from pathlib import Path

from babel import Locale, UnknownLocaleError

from mesoconsent.catalog_folders import DOMAIN
from mesoconsent.catalog_rules import at_its_line
from mesoconsent.engine import Engine
from mesoconsent.errors import shortened
from mesoconsent.i18n import MessageKey
from mesoconsent.locale_status import LocaleStatus
from mesoconsent.po_syntax import obsolete_repeats
from mesoconsent.resources import locales_dir, templates_dir


def print_report(statuses: Sequence[LocaleStatus], engine: Engine) -> list[LocaleStatus]:
    """Print the listing of ``statuses`` (the catalogs of ``engine``): a table of each one's
    completeness and review, then, for each that cannot serve a form, why and where, message
    by message; return those."""
    print(f"{'locale':<8} {'language':<24} {'complete':<16} review")
    for status in statuses:
        language = _language_name(status.locale)
        if status.error is not None:
            print(f"{status.locale:<8} {language:<24} {'-':<16} catalog error (see below)")
            continue
        share = f"{status.translated}/{status.total}"
        completeness = f"{share} ({100 * status.translated // max(status.total, 1)}%)"
        print(f"{status.locale:<8} {language:<24} {completeness:<16} {_review_words(status)}")
    incomplete = [status for status in statuses if not status.complete]
    english = _TemplatesEnglish.of(engine)
    for status in incomplete:
        if len(status.problems) > 1:
            where = f" in {status.path}" if status.path is not None else ""
            print(f"\n{status.locale}: cannot be used ({len(status.problems)} problems{where}):")
            for problem in status.problems:
                # At a line: FILE:LINE, which an editor or a terminal opens at the place.
                print(f"  - {at_its_line(status.path, problem) or problem}")
        elif status.error is not None:
            print(f"\n{status.locale}: cannot be used: {status.error}")
        if status.missing:
            _list_missing(status, english)
    for status in statuses:
        if status.unused:
            _list_unused(status, english)
        if status.differs:
            _list_differences(status)
        if status.path is not None:
            try:
                data = status.path.read_bytes()  # once, for both warnings
            except OSError:  # reported with the catalog's other problems, if it matters
                continue
            _warn_of_byte_order_mark(status, data)
            _warn_of_obsolete_repeats(status, data)
    return incomplete


def _list_differences(status: LocaleStatus) -> None:
    """The required wordings a clinic's catalog gives otherwise than mesoconsent's own catalog
    of the locale: said, without failing the check (a clinic may reword), so that a reviewer
    knows what to compare: a clause dropped from a risk passes every rule, and a fix made to
    mesoconsent's catalog after the clinic copied it never reaches the copy by itself."""
    count = len(status.differs)
    print(
        f"\n{status.locale}: {count} required wording{'' if count == 1 else 's'} differ"
        f"{'s' if count == 1 else ''} from mesoconsent's own {status.locale} catalog (your "
        "change, or a correction mesoconsent made after you copied it): have a reviewer "
        "compare each, and keep every risk's full meaning (docs/templates.md):"
    )
    for key, theirs, ours in status.differs:
        line = status.line(key)
        place = "" if line is None else f"{_at_line(status, line)}: "
        yours, shipped = _difference(theirs, ours)
        print(f"  - {place}{key[0]}")
        print(f"        yours:         {yours!r}")
        print(f"        mesoconsent's: {shipped!r}")


_REVIEW_WORDS = {
    "source": "source text",
    "draft": "draft (not reviewed)",
    "reviewed": "reviewed by {reviewer}",
}


def _review_words(status: LocaleStatus) -> str:
    review = status.review
    if review.state == "draft" and review.reviewed_by:
        # The reviewer's record ("Dr ..., 2026-12-01") last: between "since" and "reviewed"
        # it read as a sentence of its own.
        return (
            f"draft: changed since its review of revision {review.revision} "
            f"(now {status.revision}; reviewed by {review.reviewed_by})"
        )
    if review.state == "draft" and not status.translated:
        return "draft (nothing translated yet)"  # no revision: nothing to review
    if review.state == "draft" and status.revision:
        # The revision a reviewer records once they have checked this file.
        return f"draft (not reviewed; revision {status.revision})"
    words = _REVIEW_WORDS[review.state].format(reviewer=review.reviewed_by)
    if review.state == "reviewed" and not review.revision:
        # Without it, a later edit would still be shown, and printed, as reviewed.
        words += f" (record '# Reviewed-Revision: {status.revision}' to keep it so)"
    return words


def _language_name(locale: str) -> str:
    """The locale's name in English; "?" for a folder named as no locale (its catalog error
    says how to name it)."""
    try:
        return Locale.parse(locale).get_display_name("en") or locale
    except (ValueError, UnknownLocaleError):
        return "?"


def _warn_of_byte_order_mark(status: LocaleStatus, data: bytes) -> None:
    """mesoconsent reads a catalog (its file's bytes: ``data``) that starts with a byte-order
    mark (Windows Notepad writes one), but GNU gettext's tools refuse it and pybabel update
    drops the header comment's first line with it: said, without failing the check."""
    if data.startswith(codecs.BOM_UTF8):
        print(
            f"\n{status.locale}: {status.path} starts with a byte-order mark: msgfmt and "
            "msgmerge refuse such a file, and pybabel update drops the first line of its header "
            "comment; save it without one (Poedit does)"
        )


def _warn_of_obsolete_repeats(status: LocaleStatus, data: bytes) -> None:
    """mesoconsent ignores an obsolete entry (``#~``) that repeats the msgctxt and msgid of an
    entry of the file, as it ignores every obsolete entry, but msgfmt, msgmerge and msgattrib
    refuse the file ("duplicate message definition"), so the translator's other tools stop:
    said, without failing the check, at the obsolete entry's line, the one to delete."""
    try:
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError:  # reported with the catalog's other problems
        return
    repeats = obsolete_repeats(text)
    if not repeats:
        return
    count = len(repeats)
    print(
        f"\n{status.locale}: {count} obsolete entr{'y' if count == 1 else 'ies'} (#~) "
        f"repeat{'s' if count == 1 else ''} a message of the file: msgfmt, msgmerge and "
        f'msgattrib refuse such a file ("duplicate message definition"); delete '
        f"{'it' if count == 1 else 'them'}:"
    )
    for line, message, other in repeats:
        print(f"  - {_at_line(status, line)}: {message} (also at line {other})")


class _TemplatesEnglish:
    """How the English of a clinic's templates (--templates) differs from the bundled
    templates': ``added``, the messages only the clinic's need, which no bundled catalog
    translates; ``replaced``, those only the bundled ones need. Both are empty for an engine
    with the bundled templates alone."""

    def __init__(self, added: frozenset[MessageKey], replaced: frozenset[MessageKey]) -> None:
        self.added = added
        self.replaced = replaced

    @classmethod
    def of(cls, engine: Engine) -> _TemplatesEnglish:
        bundled = templates_dir().resolve()
        if all(Path(folder).resolve() == bundled for folder in engine.template_dirs):
            return cls(frozenset(), frozenset())
        from mesoconsent import default_engine  # the bundled templates' messages

        theirs = frozenset(engine.needed_messages())
        ours = frozenset(default_engine().needed_messages())
        return cls(theirs - ours, ours - theirs)


def _bundled(status: LocaleStatus) -> bool:
    """Whether the locale's catalog is mesoconsent's own (installed with it, not to be
    edited: an update would replace it)."""
    return status.path is not None and status.path.resolve().is_relative_to(locales_dir().resolve())


def _list_missing(status: LocaleStatus, english: _TemplatesEnglish) -> None:
    """Each message that would show in English, blank or worded as another, at the line of
    its msgid (which Poedit and Weblate show too), or as not in the file. English that a
    clinic's templates added is translated in a catalog of the clinic's own, from those
    templates: advice to update mesoconsent's own catalog, or to update from its template,
    would mislead."""
    where = f" ({status.path})" if status.path is not None else ""
    print(
        f"\n{status.locale}: {len(status.missing)} message(s) would show in English, "
        f"blank or worded as another{where}:"
    )
    bundled = _bundled(status)
    clinics = ours = 0
    lines = {key: status.line(key) for key, _, _ in status.missing}
    # In the file's order, as a translator goes through it; what the file lacks last.
    in_order = sorted(status.missing, key=lambda found: lines[found[0]] or 1 << 62)
    for key, kind, reason in in_order:
        line = lines[key]
        place = "not in the file" if line is None else _at_line(status, line)
        print(f"  - {place}: {kind} {_label(key, kind)}: {reason}")
        if line is None and key in english.added:
            clinics += 1
        elif line is None:
            ours += 1
        outdated = status.outdated_entry(key)
        if outdated is not None and not (bundled and key in english.added):
            _show_outdated(key, *outdated)
    if clinics and bundled:
        print(
            f"  ({clinics} not in the file: this is mesoconsent's own catalog, and your "
            "templates have English it does not translate: copy it into a catalog folder of "
            "your own (--locales), update the copy from the template mesoconsent locales "
            "--pot FILE writes with the same --templates, and translate; "
            "docs/templates.md)"
        )
    elif clinics:
        print(f"  ({clinics} not in the file: English of your templates: {_UPDATE_FROM_POT})")
    if ours and not bundled and (english.added or english.replaced):
        # mesoconsent's own template would drop the entries of the clinic's templates.
        print(f"  ({ours} not in the file: {_UPDATE_FROM_POT})")
    elif ours and not bundled:
        # A catalog of the clinic's own: its folder holds no template to update from.
        print(
            f"  ({ours} not in the file: update it from the template mesoconsent locales --pot "
            "FILE writes (pybabel update, or Poedit's Update from POT File); "
            "docs/templates.md)"
        )
    elif ours:
        print(
            f"  ({ours} not in the file: update it from the template, locales/{DOMAIN}.pot: "
            f"pybabel update, or Poedit's Update from POT File; docs/translators.md)"
        )


_UPDATE_FROM_POT = (
    "update the file from the catalog template of your templates and mesoconsent's together, "
    "written by mesoconsent locales --pot FILE with the same --templates (pybabel update, or "
    'Poedit\'s Update from POT File; docs/templates.md, "Adding a procedure", step 5)'
)


def _label(key: MessageKey, kind: str) -> str:
    """How the listing names a message: by its msgctxt, or a text by its English."""
    context, message = key
    return repr(shortened(message)) if kind == "text" or context is None else context


def _at_line(status: LocaleStatus, line: int) -> str:
    """``FILE:LINE``, as msgfmt and compilers write a place, so that an editor or a terminal
    opens the file at it; ``line N`` where there is no file."""
    return f"line {line}" if status.path is None else f"{status.path}:{line}"


def _show_outdated(key: MessageKey, entry: MessageKey, line: int) -> None:
    """Under a message the file lacks, the entry that was meant for it, and what to do."""
    (context, message), (earlier_context, earlier) = key, entry
    if earlier == message:  # the same English: the msgctxt is what differs
        # The msgctxt as the file writes it, to be typed in (Python's quotes would not do).
        if earlier_context is None:
            fix = f"add {_po_msgctxt(context)} above its msgid"
            where = "without a msgctxt"
        elif context is None:
            fix = "remove its msgctxt line"
            where = f"under {_po_msgctxt(earlier_context)}"
        else:
            fix = f"put back {_po_msgctxt(context)}"
            where = f"under {_po_msgctxt(earlier_context)}"
        print(
            f"      the entry whose msgid is at line {line} has its English {where}: {fix} "
            "(or update the file from the template)"
        )
        return
    print(
        f"      line {line} has it with other English (the English changed, or the msgid was "
        "edited): update the file from the template, and check the translation against the "
        "new English:"
    )
    then, now = _difference(earlier, message)
    print(f"        the file: {then!r}")
    print(f"        the form: {now!r}")


def _po_msgctxt(context: str | None) -> str:
    """A msgctxt line as a .po file writes it."""
    escaped = (context or "").replace("\\", "\\\\").replace('"', '\\"')
    return f'msgctxt "{escaped}"'


def _difference(earlier: str, now: str, width: int = 60) -> tuple[str, str]:
    """Both texts from a little before the first character where they differ, shortened:
    two long texts can share far more than the listing's 60 characters."""
    shared = min(len(earlier), len(now))
    differs = next((i for i in range(shared) if earlier[i] != now[i]), shared)
    start = max(0, differs - 20)

    def excerpt(text: str) -> str:
        return ("…" if start else "") + shortened(text[start:], width)

    return excerpt(earlier), excerpt(now)


def _list_unused(status: LocaleStatus, english: _TemplatesEnglish) -> None:
    """The entries no form uses: where a msgctxt or msgid changed, the message it was meant
    for is listed as not in the file (with this entry beside it, where it is clear which). In
    mesoconsent's own catalog, those of the bundled English a clinic's templates replaced are
    counted, not listed: nothing is to be done about them."""
    unused = status.unused
    bundled = _bundled(status)
    if bundled and english.replaced:
        replaced = [entry for entry in unused if entry[0] in english.replaced]
        if replaced:
            print(
                f"\n{status.locale}: {len(replaced)} entr{'y' if len(replaced) == 1 else 'ies'} "
                "of mesoconsent's own catalog your templates do not use (English they changed "
                "or left out; no harm)"
            )
        unused = tuple(entry for entry in unused if entry[0] not in english.replaced)
        if not unused:
            return
    count = len(unused)
    entries = "1 entry" if count == 1 else f"{count} entries"
    print(f"\n{status.locale}: {entries} no form uses (a msgctxt or msgid changed?):")
    meant_for = {
        entry: key
        for key, entry, _line in status.outdated
        if not (bundled and key in english.added)  # (not shown with the message either)
    }
    kinds = {key: kind for key, kind, _reason in status.missing}
    for entry, line in unused:
        context, message = entry
        named = f"msgctxt {context!r} " if context is not None else ""
        key = meant_for.get(entry)
        meant = "" if key is None else f" (meant for {_label(key, kinds[key])}, above)"
        print(f"  - {_at_line(status, line)}: {named}msgid {shortened(message)!r}{meant}")
