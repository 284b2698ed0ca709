"""Text composed in Python rather than in a template: the course of treatment
("4 sessions, every 2 weeks") and the draft notice.

These messages live in this small module on their own so that the `.pot` (which records
where each message is) does not change whenever the rest of the code does; `babel.cfg`
extracts them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup

from mesoconsent.coverage import Wording

if TYPE_CHECKING:
    from mesoconsent.compose import TranslationFunctions
    from mesoconsent.i18n import Catalog


def course_of_treatment(
    sessions_count: int, interval_days: int, translations: TranslationFunctions, catalog: Catalog
) -> Markup:
    """ "4 sessions, every 2 weeks", "2 sessions, every week", "1 session", in the catalog's
    language, numbers formatted for its locale."""
    # Translators: the planned number of sessions, in "Planned course of treatment: ...".
    sessions = translations.ngettext(
        "%(num)s session",
        "%(num)s sessions",
        sessions_count,
        num=catalog.format_number(sessions_count),
    )
    if sessions_count == 1:  # a single session has no interval to state
        return sessions
    days = interval_days
    # "every week" is its own message rather than the singular of "every %(num)s weeks": in
    # languages such as Russian the singular form also serves 21, 31, ... weeks, so every
    # plural form must state the number.
    if days == 7:
        # Translators: how often sessions take place (once a week).
        interval = translations.gettext("every week")
    elif days % 7 == 0:
        weeks = days // 7
        # Translators: how often sessions take place. Every plural form keeps %(num)s,
        # but a form for one number only (Arabic's for 1 and 2) may say it in words.
        interval = translations.ngettext(
            "every %(num)s week", "every %(num)s weeks", weeks, num=catalog.format_number(weeks)
        )
    elif days == 1:
        # Translators: how often sessions take place (once a day).
        interval = translations.gettext("every day")
    else:
        # Translators: how often sessions take place. Every plural form keeps %(num)s,
        # but a form for one number only (Arabic's for 1 and 2) may say it in words.
        interval = translations.ngettext(
            "every %(num)s day", "every %(num)s days", days, num=catalog.format_number(days)
        )
    # Translators: the course of treatment, for example "4 sessions, every 2 weeks":
    # %(sessions)s is the number of sessions, %(interval)s how often they take place.
    return translations.gettext("%(sessions)s, %(interval)s", sessions=sessions, interval=interval)


def draft_notice(catalog: Catalog) -> str:
    """The notice a draft-mode document carries on every page, in the catalog's language
    where it says anything (a letter or a digit), else in English: it is a draft."""
    # Translators: printed at the top of every page of a form made in draft mode, because
    # some of its text is not translated yet. Keep it as blunt as the English.
    notice = catalog.gettext("DRAFT, NOT FOR SIGNATURE: parts of this form are not translated yet.")
    # A notice "translated" as "-" would leave every page without saying that the form
    # must not be signed.
    return notice if Wording.parse(notice).says_anything else DRAFT_NOTICE


# The English notice (written out in the call above too, where pybabel extract finds it).
DRAFT_NOTICE = "DRAFT, NOT FOR SIGNATURE: parts of this form are not translated yet."
