"""The disclosures are written for patients: plain English, reading grade 8 or lower."""

from __future__ import annotations

import textstat

import mesoconsent

PROCEDURE = mesoconsent.default_engine().procedures["mesotherapy"]


def test_disclosures_read_at_grade_8_or_lower() -> None:
    text = " ".join(d.text.replace("%(", "").replace(")s", "") for d in PROCEDURE.disclosures)
    assert textstat.flesch_kincaid_grade(text) <= 8.0


def test_no_single_disclosure_is_hard_reading() -> None:
    hard = {
        d.id: textstat.flesch_kincaid_grade(d.text)
        for d in PROCEDURE.disclosures
        if textstat.flesch_kincaid_grade(d.text) > 11.0
    }
    assert not hard
