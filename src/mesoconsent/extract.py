"""A Babel extractor for the messages that live in procedure data, not in templates.

Disclosure wording and screening questions are declared in ``templates/<procedure>/
procedure.toml`` and ``templates/common/disclosures.toml``. ``pybabel extract`` finds them
through this extractor (registered as the ``mesoconsent_procedure`` method, see
``babel.cfg``), so they reach ``locales/mesoconsent.pot`` beside the templates' own messages,
keyed exactly as rendering looks them up: the disclosure id, or ``screening.<question id>``,
is the message context. Each message carries a comment telling the translator what it is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from mesoconsent.document import screening_key
from mesoconsent.procedures import FORMAT_SPEC

# What Babel expects back: (line number, function name, message, translator comments).
Extracted = tuple[int, str, tuple[str, str], list[str]]

# The sections of a procedure file, as translators see them named in each disclosure's
# comment: worded as the templates' headings are, without the procedure's name.
_SECTION_NAMES = {
    "plan": "Your planned treatment",
    "procedure": "What the treatment is",
    "course": "How the course of treatment works",
    "reactions": "What to expect after treatment",
    "aftercare": "Aftercare and recovery",
    "contraindications": "When the treatment may not be suitable",
    "risks": "Risks and side effects",
    "benefits": "Possible benefits",
    "alternatives": "Alternatives and results",
    "rights": "Your rights",
    "declaration": "Declaration (signed by the patient)",
}


def extract_procedure(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Yield every disclosure and screening question of one procedure TOML file."""
    source = fileobj.read()
    data = tomllib.loads(source.decode("utf-8"))
    lines = source.decode("utf-8").splitlines()

    def line_of(item_id: str) -> int:
        # tomllib keeps no positions; the id line is where a translator should look.
        pattern = re.compile(rf'^\s*id\s*=\s*"{re.escape(item_id)}"\s*$')
        return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)

    for question in data.get("screening", []):
        comments = [
            "Health question on the consent form's Yes/No checklist, answered by the patient. "
            "Ask exactly what the English asks, as a question."
        ]
        if question.get("asks_details"):
            comments.append("A “Yes” answer asks the patient to describe the condition.")
        context = screening_key(question["id"])
        yield line_of(question["id"]), "pgettext", (context, question["text"]), comments

    for disclosure in data.get("disclosures", []):
        section = disclosure.get("section", "")
        comments = [
            "REQUIRED DISCLOSURE: legally required text of the consent form. Translate its "
            "full meaning; never soften a risk, a contraindication or a limit.",
            f"Section: {_SECTION_NAMES.get(section, section)}.",
        ]
        if disclosure.get("note"):
            comments.append(disclosure["note"])
        placeholders = sorted(set(FORMAT_SPEC.findall(disclosure["text"])) - {"%%"})
        if placeholders:
            comments.append(
                "Keep "
                + ", ".join(placeholders)
                + " exactly as written: "
                + _placeholder_help(placeholders)
            )
        yield (
            line_of(disclosure["id"]),
            "pgettext",
            (disclosure["id"], disclosure["text"]),
            comments,
        )


_PLACEHOLDER_MEANINGS = {
    "%(areas)s": "the list of treated areas",
    "%(course)s": "the course, for example “4 sessions, every 2 weeks”",
    "%(product)s": "the product's name, as the clinic wrote it",
    "%(clinic)s": "the clinic's name",
    "%(phone)s": "the clinic's phone number",
}


def _placeholder_help(placeholders: list[str]) -> str:
    return (
        "; ".join(
            f"{name} is {_PLACEHOLDER_MEANINGS.get(name, 'filled in when the form is made')}"
            for name in placeholders
        )
        + "."
    )
