"""JSON request files: structured strictly, every problem reported by field path."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import typing
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

import mesoconsent
import mesoconsent.loading
from mesoconsent import (
    ConsentRequest,
    ScreeningAnswer,
    ValidationError,
    Witness,
    request_from_dict,
    request_from_json,
)
from mesoconsent import engine as engine_module
from mesoconsent.locale_tags import is_plain_tag
from tests.helpers import example, example_dict, run_cli


def problems_of(data: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        mesoconsent.validate(request_from_dict(data))
    return {problem.path: problem.message for problem in caught.value.problems}


def test_example_file_loads_into_typed_classes() -> None:
    request = mesoconsent.example_request()
    assert isinstance(request.patient, mesoconsent.Patient)
    assert request.patient.date_of_birth.isoformat() == example_dict()["patient"]["date_of_birth"]
    assert request.treatment.treated_areas == tuple(example_dict()["treatment"]["treated_areas"])
    assert set(request.screening) == {
        "pregnant",
        "breastfeeding",
        "clotting_disorder",
        "other_conditions",
    }


def test_round_trip_through_dict() -> None:
    request = mesoconsent.example_request()
    assert request_from_dict(mesoconsent.request_to_dict(request)) == request


def test_screening_answers_are_a_read_only_copy_in_one_order_however_given() -> None:
    # The caller's dict is copied (changing it afterwards changes no request), and its order
    # is not kept: requests built in either order write out the same JSON. (A mutation test
    # found neither held by a test.)
    given = dict(example().screening)
    request = attrs.evolve(example(), screening=given)
    backwards = attrs.evolve(example(), screening=dict(reversed(given.items())))
    given["pregnant"] = ScreeningAnswer(True)
    assert request.screening["pregnant"] == ScreeningAnswer(False)
    assert list(request.screening) == list(backwards.screening) == sorted(given)
    assert json.dumps(mesoconsent.request_to_dict(request)) == json.dumps(
        mesoconsent.request_to_dict(backwards)
    )
    with pytest.raises(TypeError):
        typing.cast(dict[str, ScreeningAnswer], request.screening)["pregnant"] = given["pregnant"]


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "expected"),
    [
        (("treatment", "number_of_sessions"), "4", "treatment.number_of_sessions", "whole number"),
        (("treatment", "number_of_sessions"), True, "treatment.number_of_sessions", "whole number"),
        (("screening", "pregnant"), "no", "screening.pregnant", "true, false"),
        (("patient", "full_name"), 12, "patient.full_name", "text"),
        (("patient", "date_of_birth"), "02/07/1988", "patient.date_of_birth", "YYYY-MM-DD"),
        (("patient", "date_of_birth"), "1988-02-30", "patient.date_of_birth", "real calendar date"),
        # Digits of other scripts are not the format asked for (fullwidth, Arabic-Indic):
        (
            ("patient", "date_of_birth"),
            "\uff11\uff19\uff18\uff18-\uff10\uff17-\uff10\uff12",
            "patient.date_of_birth",
            "written YYYY-MM-DD",
        ),
        (
            ("consent_date",),
            "\u0662\u0660\u0662\u0666-\u0660\u0663-\u0661\u0664",
            "consent_date",
            "written YYYY-MM-DD",
        ),
        (("consent_date",), None, "consent_date", "YYYY-MM-DD"),
        # 0 and 1 are not answers (request-format.md: "no", 0 and null are refused).
        (("screening", "pregnant"), 0, "screening.pregnant", "true, false"),
        (("screening", "breastfeeding"), 1, "screening.breastfeeding", "true, false"),
        # A list entry of the wrong type is named with its position.
        (
            ("treatment", "treated_areas"),
            ["face", 5],
            "treatment.treated_areas[1]",
            "must be text",
        ),
    ],
)
def test_wrong_types_are_named_by_field(
    path: tuple[str, ...], value: Any, expected_path: str, expected: str
) -> None:
    data = example_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    found = problems_of(data)
    assert expected_path in found, found
    assert expected in found[expected_path]


def test_every_shape_problem_is_reported_at_once() -> None:
    data = example_dict()
    data["treatment"]["number_of_sessions"] = "four"
    data["patient"]["date_of_birth"] = "yesterday"
    del data["clinic"]["phone"]
    data["patient"]["nickname"] = "Jo"
    found = problems_of(data)
    assert {"treatment.number_of_sessions", "patient.date_of_birth", "clinic.phone"} <= set(found)
    assert "unknown field(s): nickname" in found["patient"]


def test_shape_and_value_problems_are_reported_in_one_pass() -> None:
    data = example_dict()
    data["treatment"]["number_of_sessions"] = "four"  # shape
    data["patient"]["full_name"] = "Name\x07"  # value, in the same section as nothing wrong
    data["clinic"]["phone"] = 12  # shape
    data["clinic"]["name"] = " "  # value, in a section with a shape problem
    data["screening"]["pregnant"] = "no"  # shape
    data["screening"]["other_conditions"] = True  # value: details missing
    data["locale"] = "zz"  # value
    found = problems_of(data)
    assert set(found) == {
        "treatment.number_of_sessions",
        "patient.full_name",
        "clinic.phone",
        "clinic.name",
        "screening.pregnant",
        "screening.other_conditions.details",
        "locale",
    }, found


def test_treated_areas_must_be_a_list() -> None:
    data = example_dict()
    data["treatment"]["treated_areas"] = "face"
    assert problems_of(data) == {"treatment.treated_areas": "must be a list of text"}


def test_both_bad_dates_are_reported() -> None:
    data = example_dict()
    data["consent_date"] = "2026-13-01"
    data["patient"]["date_of_birth"] = "1988-02-30"
    assert {"consent_date", "patient.date_of_birth"} <= set(problems_of(data))


def test_age_limit_is_exact() -> None:
    data = example_dict()
    data["consent_date"] = "2026-03-14"
    data["patient"]["date_of_birth"] = "1896-03-15"  # 129 years and 364 days
    mesoconsent.request_from_dict(data)
    data["patient"]["date_of_birth"] = "1896-03-14"  # exactly 130 years
    assert "less than 130 years" in problems_of(data)["patient.date_of_birth"]


def test_requests_built_in_code_with_wrong_types_get_problems_not_crashes() -> None:
    import attrs

    request = mesoconsent.example_request()
    broken = attrs.evolve(
        request,
        patient="Jane",  # type: ignore[arg-type]
        screening={"pregnant": False},  # type: ignore[dict-item]
        consent_date="2026-03-14",  # type: ignore[arg-type]
    )
    with pytest.raises(ValidationError) as caught:
        mesoconsent.validate(broken)
    found = {problem.path for problem in caught.value.problems}
    assert {"patient", "screening.pregnant", "consent_date", "screening.breastfeeding"} <= found


def test_a_dict_built_in_code_with_a_key_that_is_not_a_string_is_a_problem_not_a_crash() -> None:
    top: dict[Any, Any] = {**example_dict(), 5: 1}
    nested = example_dict()
    nested["patient"][7] = "x"
    huge = example_dict()
    huge["screening"][10**5000] = True  # its str() alone would raise
    for data, path in ((top, "request"), (nested, "patient"), (huge, "screening")):
        problems = problems_of(data)
        assert list(problems) == [path]
        assert "key that is not a string (int)" in problems[path]
    # A dict that holds itself is looked at once, not for ever: its key is reported as
    # unknown, like any other.
    looped = example_dict()
    looped["patient"]["self"] = looped["patient"]
    assert "patient" in problems_of(looped)


def test_json_must_be_utf8_without_repeated_keys() -> None:
    text = json.dumps(example_dict())
    # The byte that is not UTF-8, counted from 1 (here a Latin-1 "ë", the 10th byte), and
    # what to do about it.
    for document, byte in ((b'{"x": "Zo\xeb"}', 10), (b"\xff{}", 1)):
        with pytest.raises(ValidationError) as refused:
            request_from_json(document)
        assert [str(p) for p in refused.value.problems] == [
            f"request: not UTF-8 encoded text (byte {byte}); save it as UTF-8"
        ]
    assert request_from_json(b"\xef\xbb\xbf" + text.encode()).patient.full_name == "Jane Example"
    repeated = text.replace('"locale": "en"', '"locale": "en", "locale": "fr"').replace(
        '"pregnant": false', '"pregnant": false, "pregnant": true'
    )
    with pytest.raises(ValidationError) as caught:
        request_from_json(repeated)
    assert {p.path for p in caught.value.problems} == {"locale", "screening.pregnant"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_request_saved_as_utf16_is_named_so(encoding: str) -> None:
    # Windows PowerShell 5 saves files as UTF-16 with a byte-order mark (Out-File, ">"): say
    # so, not "not UTF-8 (byte 1)", which leaves the clinic guessing.
    name = encoding.upper().removesuffix("-LE").removesuffix("-BE")
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff", "utf-32-le": "\ufeff"}.get(encoding, "")
    document = (bom + json.dumps(example_dict())).encode(encoding)
    with pytest.raises(ValidationError) as refused:
        request_from_json(document)
    assert [str(p) for p in refused.value.problems] == [
        f"request: {name} encoded text (it starts with a {name} byte-order mark); save it as UTF-8"
    ]


def _paths(value: Any, prefix: str = "") -> list[tuple[str, ...]]:
    """Every path into the example request, sections and leaves alike."""
    found: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix.split("\0")[1:], key) if prefix else (key,))
            found.extend(_paths(item, f"{prefix}\0{key}"))
    return found


WRONG_VALUES: list[Any] = [None, 0, 1.5, True, "", "x", [], ["x"], {}, {"x": 1}, "\x00"]


@pytest.mark.parametrize("path", _paths(example_dict()), ids=".".join)
def test_any_json_value_anywhere_is_accepted_or_a_validation_error(path: tuple[str, ...]) -> None:
    for wrong in WRONG_VALUES:
        data = example_dict()
        target = data
        for key in path[:-1]:
            target = target[key]
        if target[path[-1]] == wrong or (path[-1] == "witness" and wrong is None):
            continue
        target[path[-1]] = wrong
        # Either the value is acceptable there, or it is reported as a ValidationError;
        # anything else (AttributeError, TypeError...) escapes and fails the test.
        with contextlib.suppress(ValidationError):
            request_from_dict(data)


def test_misspelt_screening_question_is_refused() -> None:
    data = example_dict()
    data["screening"]["breastfeding"] = data["screening"].pop("breastfeeding")
    found = problems_of(data)
    assert "screening.breastfeding" in found
    assert "screening.breastfeeding" in found


def test_every_value_problem_is_reported_at_once() -> None:
    data = example_dict()
    data["patient"]["full_name"] = "   "
    data["consent_date"] = "1900-01-01"
    data["treatment"]["interval_days"] = 0
    data["screening"]["other_conditions"] = True
    data["locale"] = "xx-NOPE"
    found = problems_of(data)
    assert {
        "patient.full_name",
        "patient.date_of_birth",
        "treatment.interval_days",
        "screening.other_conditions.details",
        "locale",
    } <= set(found), found


@pytest.mark.parametrize(
    "path",
    [
        ("patient", "full_name"),
        ("treatment", "number_of_sessions"),
        ("clinic",),
        ("screening",),
        ("consent_date",),
    ],
    ids=".".join,
)
def test_a_missing_field_is_reported_once_as_required(path: tuple[str, ...]) -> None:
    # Once: not also as a value of the wrong type (the loader's placeholder for it).
    data = example_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    with pytest.raises(ValidationError) as caught:
        request_from_dict(data)
    assert [(p.path, p.message) for p in caught.value.problems] == [(".".join(path), "is required")]


def test_a_field_that_cannot_be_read_hides_no_problem_of_another_field() -> None:
    # Only the unreadable field and what is inside it go unchecked, not a field whose name
    # begins with its name.
    data = example_dict()
    data["screening"]["pregnant"] = "no"
    data["screening"]["pregnant_now"] = False
    assert set(problems_of(data)) == {"screening.pregnant", "screening.pregnant_now"}


def test_missing_screening_answer_is_an_error_not_a_default() -> None:
    data = example_dict()
    del data["screening"]["clotting_disorder"]
    assert "screening.clotting_disorder" in problems_of(data)


def test_long_form_screening_answer_with_details() -> None:
    data = example_dict()
    data["screening"]["other_conditions"] = {"answer": True, "details": "Asthma\nsince 2010"}
    request = request_from_dict(data)
    mesoconsent.validate(request)
    assert request.screening["other_conditions"].details == "Asthma\nsince 2010"


def test_details_with_a_no_answer_is_contradictory() -> None:
    data = example_dict()
    data["screening"]["other_conditions"] = {"answer": False, "details": "Asthma"}
    assert "screening.other_conditions.details" in problems_of(data)


def test_errors_never_quote_patient_data() -> None:
    data = example_dict()
    secret = "Zelda\x07Secretname"
    data["patient"]["full_name"] = secret
    data["patient"]["patient_id"] = "ID\x00SECRET"
    data["clinic"]["address"] = "Street\r\nTown"
    with pytest.raises(ValidationError) as caught:
        mesoconsent.validate(request_from_dict(data))
    message = str(caught.value)
    assert "Secretname" not in message
    assert "SECRET" not in message
    assert "Town" not in message
    assert "U+0007" in message
    assert "U+0000" in message


def test_invalid_json_reports_position_only() -> None:
    with pytest.raises(ValidationError) as caught:
        request_from_json('{"patient": {"full_name": "Private Person" ')
    assert "line 1" in str(caught.value)
    assert "Private" not in str(caught.value)


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ValidationError, match="JSON object"):
        request_from_json(json.dumps([1, 2]))


@pytest.mark.parametrize(
    "locale",
    [
        "../en",
        "en/../../x",
        "",
        "e",
        "en_US.UTF-8",
        "*",
        "en;rm -rf",
        "und",
        "und-Cyrl",
        "UND_Arab",
    ],
)
def test_path_like_or_malformed_locale_is_refused(locale: str) -> None:
    data = copy.deepcopy(example_dict())
    data["locale"] = locale
    assert "locale" in problems_of(data)


@pytest.mark.parametrize("procedure", ["../mesotherapy", "common", "Mesotherapy", "botox", ""])
def test_unknown_or_path_like_procedure_is_refused(procedure: str) -> None:
    data = example_dict()
    data["procedure"] = procedure
    assert "procedure" in problems_of(data)


@pytest.mark.parametrize(
    ("requested", "locale", "language", "date"),
    [
        ("en", "en", "en-US", "March 14, 2026"),
        ("en-US", "en_US", "en-US", "March 14, 2026"),
        ("en_GB", "en_GB", "en-GB", "14 March 2026"),
        ("en-gb", "en_GB", "en-GB", "14 March 2026"),
        ("en-AU", "en_AU", "en-AU", "14 March 2026"),
        ("en-150", "en_150", "en-150", "14 March 2026"),
    ],
)
def test_locale_is_negotiated_and_formats_as_requested(
    requested: str, locale: str, language: str, date: str
) -> None:
    data = example_dict()
    data["locale"] = requested
    request = request_from_dict(data)
    result = mesoconsent.render(request, "text")
    assert result.locale == locale
    assert f"Date of this form | {date}" in result.content.decode()
    report = mesoconsent.verify(mesoconsent.render(request).content)
    assert report.locale == "en"  # the catalog the wording came from
    assert report.ok
    assert report.language == language


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Riverside Clinic\u202e", "bidirectional control U+202E"),
        ("\u2067Clinic", "bidirectional control U+2067"),
        ("Clinic\u2028Two", "single line"),
        ("\u200b\u200b", "must not be empty"),
        ("\u2800", "must not be empty"),
        ("\u3164 ", "must not be empty"),
        # Nothing that prints: variation selectors, tags, format controls, a lone accent,
        # a reserved default-ignorable code point (a review found these filling the phone
        # number of the complications disclosure with nothing).
        ("\ufe0f", "must not be empty"),
        ("\U000e0041\U000e0042", "must not be empty"),
        ("\ufff9", "must not be empty"),
        ("\U0001d173", "must not be empty"),
        ("\U00013430", "must not be empty"),
        ("\U000e0100", "must not be empty"),
        ("\u180b", "must not be empty"),
        ("\U0001bca0", "must not be empty"),
        ("\u2065", "must not be empty"),
        ("\u0301", "must not be empty"),
        ("\ufe00\ufe00\ufe00", "must not be empty"),
        ("\U0001d159", "must not be empty"),  # the musical null notehead: a blank symbol
        # Non-characters, which HTML parsers report and no text should hold.
        ("Riverside\ufdd0", "non-character U+FDD0 at character 10"),
        ("Clinic \U0001fffe", "non-character U+1FFFE at character 8"),
        ("\U0010ffffClinic", "non-character U+10FFFF at character 1"),
    ],
)
def test_text_that_would_print_wrong_or_blank_is_refused(value: str, message: str) -> None:
    data = example_dict()
    data["clinic"]["name"] = value
    found = problems_of(data)
    assert message in found["clinic.name"]


# Every text field of a request, as (path, multi-line), written out here so the test states
# the requirement itself rather than repeating validation.py's list.
TEXT_FIELDS = [
    ("patient.full_name", False),
    ("patient.patient_id", False),
    ("clinic.name", False),
    ("clinic.address", True),
    ("clinic.phone", False),
    ("practitioner.full_name", False),
    ("practitioner.qualification", False),
    ("treatment.product", False),
    ("treatment.treated_areas[1]", False),
    ("witness.full_name", False),
]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        case
        for path, multiline in TEXT_FIELDS
        for case in (
            # A right-to-left override, which would print the text after it backwards.
            (path, "Riverside\u202eClinic"),
            # A line break the field cannot hold: \n where one line is expected, and the
            # Unicode line separator where \n is the only line break taken.
            (path, "Riverside\u2028Clinic" if multiline else "Riverside\nClinic"),
        )
    ],
)
def test_every_text_field_refuses_what_would_print_wrong_naming_the_field(
    path: str, value: str
) -> None:
    data = example_dict()
    data["witness"] = {"full_name": "Sam Patel", "role": "witness"}
    section, name = path.split(".")
    if name == "treated_areas[1]":
        data[section]["treated_areas"][1] = value
    else:
        data[section][name] = value
    with pytest.raises(ValidationError) as caught:
        request_from_dict(data)
    assert path in [problem.path for problem in caught.value.problems]


@pytest.mark.parametrize(
    "value",
    [
        "-",
        "+44 20 7946 0000",
        "\u00e9",
        "e\u0301",
        "\U0001f600",
        "\ue000",  # private use: a clinic font's glyph
        # Unknown to Python 3.11's Unicode tables (an emoji and a CJK ideograph of Unicode 15):
        # the same request must not be valid on one server and refused on another.
        "\U0001fae8",
        "\U00031350\U00031350",
        "\u0903",  # a spacing mark (Devanagari visarga)
        "\u20dd",  # an enclosing mark (a combining circle)
        "\u06dd",  # a format character that shows (Arabic end of ayah)
    ],
)
def test_text_with_something_that_prints_is_accepted(value: str) -> None:
    data = example_dict()
    data["clinic"]["phone"] = value
    assert request_from_dict(data).clinic.phone == value


def test_right_to_left_marks_are_allowed() -> None:
    data = example_dict()
    data["patient"]["full_name"] = "\u200fمحمد عبد الله\u200f"
    assert request_from_dict(data).patient.full_name == "\u200fمحمد عبد الله\u200f"


def test_str_subclasses_are_kept_as_plain_text_never_markup() -> None:
    import attrs
    from markupsafe import Markup

    class Sneaky(str):
        def __html__(self) -> str:
            return "<h2>Injected</h2>"

    request = mesoconsent.example_request()
    request = attrs.evolve(
        request,
        treatment=attrs.evolve(
            request.treatment,
            product=Markup("saline</li><h2>Extra</h2>"),
            treated_areas=[Markup("face<h2>Area</h2>")],
        ),
        clinic=attrs.evolve(request.clinic, name=Sneaky("Riverside")),
    )
    assert type(request.treatment.product) is str
    assert [type(area) for area in request.treatment.treated_areas] == [str]
    html = mesoconsent.render(request, "html").content.decode()
    assert "face&lt;h2&gt;Area&lt;/h2&gt;" in html
    text = mesoconsent.render(request, "text").content.decode()
    assert "Product or solution to be used: saline</li><h2>Extra</h2>" in text
    assert "contact Riverside at" in text
    assert "Injected" not in text


@pytest.mark.parametrize(
    "document", ["[" * 100_000 + "]" * 100_000, '{"consent_date": ' + "9" * 5000 + "}"]
)
def test_pathological_json_is_a_validation_error(document: str) -> None:
    with pytest.raises(ValidationError):
        request_from_json(document)


def test_multi_line_fields_take_newlines_not_unicode_separators() -> None:
    data = example_dict()
    data["clinic"]["address"] = "12 River Street\u2028Springfield"
    assert "use \\n for a line break, not U+2028" in problems_of(data)["clinic.address"]


def test_an_area_listed_twice_is_refused() -> None:
    data = example_dict()
    data["treatment"]["treated_areas"] = ["face", "neck", "face"]
    assert problems_of(data) == {"treatment.treated_areas[2]": "repeats an earlier area"}


def test_an_area_listed_twice_in_two_unicode_forms_is_refused() -> None:
    # Found by a review: "Joué" typed with a combining accent after "Joué" written as one
    # character printed "Joué and Joué". The text itself is kept as given.
    data = example_dict()
    data["treatment"]["treated_areas"] = ["Jou\u00e9", "neck", "Joue\u0301"]
    assert problems_of(data) == {"treatment.treated_areas[2]": "repeats an earlier area"}


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u061c"])
@pytest.mark.parametrize(("section", "field"), [("clinic", "phone"), ("patient", "patient_id")])
def test_a_direction_mark_in_a_number_is_refused(mark: str, section: str, field: str) -> None:
    # Found by a security review: "+44 20" RLM " 7946 0000" printed as "+44 200000 7946" in
    # an English form (and its parts swapped in an Arabic one), and the gate and verify,
    # which read the text, passed it: the number to call about a complication.
    data = example_dict()
    data[section][field] = f"+44 20{mark} 7946 0000"
    assert problems_of(data) == {
        f"{section}.{field}": (
            f"contains the direction mark U+{ord(mark):04X} at character 7, which would print "
            "the number's parts in another order; type it again without it (copied from a "
            "right-to-left page, a number brings such marks with it)"
        )
    }


def test_a_direction_mark_in_a_name_is_still_allowed() -> None:
    # Right-to-left names are typed with them.
    data = example_dict()
    data["patient"]["full_name"] = "فاطمة\u200f الزهراء"
    data["clinic"]["name"] = "عيادة\u200f النهر"
    mesoconsent.validate(request_from_dict(data))


SECRET_KEY = "Jane Example: HIV positive\n  - all: fine"


@pytest.mark.parametrize("value", [5, True, {"answer": "maybe"}])
def test_a_key_that_is_not_a_field_name_is_never_quoted(value: object) -> None:
    # A key can hold anything, a patient's data or a line break that forges another line of
    # the message: only keys shaped like field names are quoted.
    data = example_dict()
    data["screening"][SECRET_KEY] = value
    data["patient"][SECRET_KEY] = 1
    data["patient"]["fulname"] = "Jane"
    with pytest.raises(ValidationError) as caught:
        request_from_dict(data)
    message = str(caught.value)
    assert not [part for part in ("Jane", "HIV", "fine") if part in message]
    count = len(caught.value.problems)
    assert message.count("\n  - ") == count  # one line per problem, none forged
    found = {problem.path: problem.message for problem in caught.value.problems}
    assert found["patient"] == (
        "unknown field(s): fulname, and 1 whose name is not shown (not a field name)"
    )
    assert any(path == "screening" for path in found)


@pytest.mark.parametrize(
    ("section", "path"), [("screening", "screening"), ("patient", "patient"), (None, "request")]
)
def test_a_key_that_is_not_a_string_is_reported_without_quoting_a_key_on_its_way(
    section: str | None, path: str
) -> None:
    # Found by a review: the problem's path named every key on the way to the key that is
    # not a string, a key not shaped like a field name too ("screening.Jane Example: HIV
    # positive..."), which could forge a line of the message.
    data = example_dict()
    (data if section is None else data[section])[SECRET_KEY] = [{"x": {5: True}}]
    with pytest.raises(ValidationError) as caught:
        request_from_dict(data)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (path, "has a key that is not a string (int): keys must be strings, as in JSON")
    ]
    assert "Jane" not in str(caught.value)


def test_a_repeated_key_that_is_not_a_field_name_is_not_quoted() -> None:
    text = json.dumps(example_dict())[:-1]
    key = json.dumps("Jane Roe, DOB 1980-01-01\nline 7: forged")
    text += f', {key}: 1, {key}: 2, "locale": "en"}}'
    with pytest.raises(ValidationError) as caught:
        request_from_json(text)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "request",
            "holds a key more than once, which is not named here: it is not shaped like a "
            "field name, or it is inside one that is not",
        ),
        ("locale", "appears more than once in the same object"),
    ]
    assert "Jane" not in str(caught.value)


def test_a_key_repeated_under_a_key_not_shown_is_reported_where_it_can_be_named() -> None:
    data = example_dict()
    screening = json.dumps(data.pop("screening"))[:-1]
    hidden = '"Bad Key!": {"answer": true, "answer": false}'
    text = f'{json.dumps(data)[:-1]}, "screening": {screening}, {hidden}}}}}'
    with pytest.raises(ValidationError) as caught:
        request_from_json(text)
    # Not "screening.answer", which would read as a question called "answer".
    assert [p.path for p in caught.value.problems] == ["screening"]


# A request built in code (not read from JSON) reaches validate() with whatever types its
# author gave (mypy flags the wrong ones, hence the type: ignore comments; not every caller
# is type-checked): each is refused naming the field, never an AttributeError or TypeError, and
# the limits hold at their edges. (A mutation test found these checks held by no test.)
def _patient(**changes: Any) -> ConsentRequest:
    request = example()
    return attrs.evolve(request, patient=attrs.evolve(request.patient, **changes))


def _treatment(**changes: Any) -> ConsentRequest:
    request = example()
    return attrs.evolve(request, treatment=attrs.evolve(request.treatment, **changes))


def _answer(question: str, answer: ScreeningAnswer) -> ConsentRequest:
    request = example()
    return attrs.evolve(request, screening={**request.screening, question: answer})


def _on_leap_day(born: dt.date) -> ConsentRequest:
    return attrs.evolve(_patient(date_of_birth=born), consent_date=dt.date(2028, 2, 29))


@pytest.mark.parametrize(
    ("make", "path", "message"),
    [
        (lambda: _patient(full_name="x" * 100_001), "patient.full_name", "at most 100,000"),
        (lambda: _patient(full_name="Jane\nDoe"), "patient.full_name", "a single line"),
        (lambda: _patient(date_of_birth="1988-07-02"), "patient.date_of_birth", "must be a date"),
        (lambda: _on_leap_day(dt.date(1898, 2, 28)), "patient.date_of_birth", "less than 130"),
        (lambda: _on_leap_day(dt.date(2028, 3, 1)), "patient.date_of_birth", "not be after"),
        (lambda: "request", "request", "must be a ConsentRequest, not str"),
        (
            lambda: attrs.evolve(example(), locale=5),  # type: ignore[arg-type]
            "locale",
            "must be text",
        ),
        (
            lambda: attrs.evolve(example(), consent_date=dt.datetime(2026, 3, 14, 9)),
            "consent_date",
            "must be a date",
        ),
        (
            lambda: attrs.evolve(example(), witness="Sam"),  # type: ignore[arg-type]
            "witness",
            "must be a Witness or None",
        ),
        (
            lambda: attrs.evolve(example(), witness=Witness("Sam Patel", "notary")),
            "witness.role",
            "must be one of interpreter, witness, guardian",
        ),
        (
            lambda: attrs.evolve(example(), witness=Witness("Sam\x01", "witness")),
            "witness.full_name",
            "control character U+0001",
        ),
        (
            lambda: attrs.evolve(example(), witness=Witness("   ", "witness")),
            "witness.full_name",
            "must not be empty",
        ),
        (lambda: _treatment(treated_areas={"face"}), "treatment.treated_areas", "a list"),
        # A lone string is not split into its characters (areas "f", "a", "c", "e").
        (lambda: _treatment(treated_areas="face"), "treatment.treated_areas", "a list"),
        (
            lambda: attrs.evolve(example(), procedure=["mesotherapy"]),  # type: ignore[arg-type]
            "procedure",
            # Where a clinic's own procedure comes from: a review forgot --templates.
            "unknown procedure; available: mesotherapy (a clinic's own is read from its "
            "template folder: --templates",
        ),
        (lambda: _treatment(treated_areas=()), "treatment.treated_areas", "at least one area"),
        (
            lambda: _treatment(treated_areas=("face", "\x01")),
            "treatment.treated_areas[1]",
            "control character U+0001",
        ),
        (
            lambda: _treatment(treated_areas=(["x"],)),
            "treatment.treated_areas[0]",
            "must be text, not list",
        ),
        (lambda: _treatment(number_of_sessions=2.0), "treatment.number_of_sessions", "whole"),
        (lambda: _treatment(number_of_sessions=True), "treatment.number_of_sessions", "whole"),
        (lambda: _treatment(number_of_sessions=101), "treatment.number_of_sessions", "1 to 100"),
        (lambda: _treatment(interval_days=366), "treatment.interval_days", "from 1 to 365"),
        (
            lambda: attrs.evolve(example(), screening=[]),  # type: ignore[arg-type]
            "screening",
            "must map each",
        ),
        (
            lambda: _answer("pregnant", ScreeningAnswer("yes")),  # type: ignore[arg-type]
            "screening.pregnant.answer",
            "must be true or false",
        ),
        (
            lambda: _answer("other_conditions", ScreeningAnswer(True, "asthma\x01")),
            "screening.other_conditions.details",
            "control character U+0001",
        ),
    ],
)
def test_a_request_built_in_code_is_refused_naming_its_field(
    make: Callable[[], Any], path: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        mesoconsent.validate(make())
    [problem] = caught.value.problems
    assert problem.path == path
    assert message in problem.message


@pytest.mark.parametrize(
    "make",
    [
        lambda: _patient(full_name="x" * 100_000),
        lambda: _patient(patient_id=None),
        lambda: _patient(date_of_birth=example().consent_date),  # born that day
        lambda: _on_leap_day(dt.date(1898, 3, 1)),  # a day short of 130 years
        lambda: _treatment(number_of_sessions=100, interval_days=365),
        lambda: _treatment(number_of_sessions=1, interval_days=1),
    ],
)
def test_a_request_at_the_edge_of_each_limit_is_valid(make: Callable[[], Any]) -> None:
    mesoconsent.validate(make())


@pytest.mark.parametrize(
    ("value", "multiline", "problem"),
    [
        ("Jane\nDoe", False, "must be a single line (line break at character 5)"),
        ("Jane\u2028Doe", False, "must be a single line (line break at character 5)"),
        ("Jane\u2029Doe", True, "use \\n for a line break, not U+2029 (character 5)"),
        ("Jane\u202aDoe", False, "contains the bidirectional control U+202A at character 5"),
        ("Jane\u202eDoe", False, "contains the bidirectional control U+202E at character 5"),
        ("Jane\u2066Doe", False, "contains the bidirectional control U+2066 at character 5"),
        ("Jane\u2069Doe", False, "contains the bidirectional control U+2069 at character 5"),
        ("Jane\ud800Doe", False, "contains an unpaired surrogate U+D800 at character 5"),
        ("Jane\udfffDoe", False, "contains an unpaired surrogate U+DFFF at character 5"),
        ("Jane\ufdd0Doe", False, "contains the non-character U+FDD0 at character 5"),
        ("Jane\ufdefDoe", False, "contains the non-character U+FDEF at character 5"),
        ("Jane\uffffDoe", False, "contains the non-character U+FFFF at character 5"),
        ("Jané\U0001fffeDoe", False, "contains the non-character U+1FFFE at character 5"),
        ("Jane\x01Doe", False, "contains the control character U+0001 at character 5"),
        ("Jane\x85Doe", True, "contains the control character U+0085 at character 5"),
        # \r is refused, alone or before \n, in multi-line text too: \n separates lines.
        ("Jane\rDoe", False, "contains the control character U+000D at character 5"),
        ("12 River St\r\nTown", True, "contains the control character U+000D at character 12"),
        ("\u200b\u00a0 ", False, "must not be empty (or only spaces or invisible characters)"),
        ("Jane\tDoe", False, None),
        ("Zoë\u200fDoe", False, None),  # a right-to-left mark: allowed, names are typed with it
    ],
)
def test_each_kind_of_unprintable_text_is_named_where_it_is(
    value: str, multiline: bool, problem: str | None
) -> None:
    # The message says what the character is and where, for the person fixing the record.
    from mesoconsent.text_rules import text_problem

    found = text_problem(value, multiline=multiline)
    assert found == problem or (
        problem is not None and found is not None and found.startswith(problem)
    )


def test_a_screening_question_left_out_must_be_answered() -> None:
    request = example()
    answers = {key: value for key, value in request.screening.items() if key != "pregnant"}
    with pytest.raises(ValidationError) as caught:
        mesoconsent.validate(attrs.evolve(request, screening=answers))
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("screening.pregnant", "must be answered (true or false)")
    ]


LOCALE_DATES = [
    ("en-GB", "14 March 2026"),
    ("en", "March 14, 2026"),
    ("en-AU", "14 March 2026"),
    ("en-US", "March 14, 2026"),
]


def test_an_engine_keeps_a_bounded_number_of_locales_as_requests_write_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each locale as written ("en-GB") is kept with its catalog, but no more than a bound of
    # them, whatever requests send; past it, they are looked up every time, alike.
    monkeypatch.setattr(engine_module, "_LOCALES_KEPT", 2)
    engine = mesoconsent.Engine()
    for _ in range(2):
        for requested, date in LOCALE_DATES:
            request = attrs.evolve(mesoconsent.example_request(), locale=requested)
            text = engine.render(request, "text").content.decode()
            assert f"Date of this form | {date}" in text
    assert len(engine._catalogs_for) == 2


@pytest.mark.parametrize(
    ("requested", "kept"),
    [
        ("en", True),
        ("en-GB", True),
        ("sr-Latn-RS", False),  # no Serbian catalog: refused, nothing kept
        ("ru-Cyrl-RU", True),
        ("es-419", True),
        ("pt_BR", True),
        # A longer tag can say anything a request wants: never kept; nor can one of the many
        # spellings of a plain tag.
        ("en-janedoe", False),
        ("en-Latn-GB-x1988", False),
        ("EN-gb", False),
        ("pt_Latn-BR", False),
    ],
)
def test_only_plain_locale_tags_are_kept_between_forms(requested: str, kept: bool) -> None:
    engine = mesoconsent.Engine()
    request = attrs.evolve(mesoconsent.example_request(), locale=requested)
    with contextlib.suppress(mesoconsent.ValidationError), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # draft translations
        engine.render(request, "text")
    assert (requested in engine._catalogs_for) is kept
    assert is_plain_tag(requested) is (kept or requested == "sr-Latn-RS")


@pytest.mark.parametrize("document", [None, 5, ["{}"]])
def test_a_json_document_of_another_type_is_named(document: object) -> None:
    # Found by a review: None failed with "'NoneType' object has no attribute 'removeprefix'".
    with pytest.raises(TypeError, match=f"not {type(document).__name__}"):
        mesoconsent.request_from_json(document)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_a_json_document_in_any_bytes_like_object_is_read(kind: type) -> None:
    # A bytearray used to fail with "a bytes-like object is required, not 'str'".
    data = json.dumps(mesoconsent.request_to_dict(mesoconsent.example_request())).encode()
    assert mesoconsent.request_from_json(kind(data)) == mesoconsent.example_request()


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("consent_date", lambda r: attrs.evolve(r, consent_date="2026-03-14")),
        ("patient", lambda r: attrs.evolve(r, patient={"full_name": "Jane"})),
        (
            "patient.date_of_birth",
            lambda r: attrs.evolve(r, patient=attrs.evolve(r.patient, date_of_birth=None)),
        ),
        ("clinic", lambda r: attrs.evolve(r, clinic=None)),
        ("screening", lambda r: attrs.evolve(r, screening=["pregnancy"])),
        ("witness", lambda r: attrs.evolve(r, witness="Sam")),
        (
            "screening.pregnant",
            lambda r: attrs.evolve(r, screening={**r.screening, "pregnant": True}),
        ),
        (
            "screening.pregnant",
            lambda r: attrs.evolve(r, screening={**r.screening, "pregnant": None}),
        ),
        (
            "screening",  # a key that is not shaped like a field name is not quoted
            lambda r: attrs.evolve(r, screening={**r.screening, "Jane\nDoe": True}),
        ),
        (
            "screening",
            lambda r: attrs.evolve(r, screening={**r.screening, 7: r.screening["pregnant"]}),
        ),
        (
            "screening",  # said once for all the keys it cannot quote
            lambda r: attrs.evolve(r, screening={**r.screening, "a b": True, "c d": None}),
        ),
        # Kept as given by the model, and refused by validate: written out, a lone str was
        # its characters (["f", "a", "c", "e"]) and a set a list in hash order, both of
        # which read back as a valid request.
        (
            "treatment.treated_areas",
            lambda r: attrs.evolve(r, treatment=attrs.evolve(r.treatment, treated_areas="face")),
        ),
        (
            "treatment.treated_areas",
            lambda r: attrs.evolve(
                r, treatment=attrs.evolve(r.treatment, treated_areas={"face", "neck"})
            ),
        ),
        (
            "treatment.treated_areas",
            lambda r: attrs.evolve(
                r, treatment=attrs.evolve(r.treatment, treated_areas={"face": 1})
            ),
        ),
    ],
)
def test_request_to_dict_names_the_field_a_hand_built_request_has_wrong(
    path: str, change: Callable[[mesoconsent.ConsentRequest], mesoconsent.ConsentRequest]
) -> None:
    # Built in code, a request can hold anything: an AttributeError from inside the
    # serializer would name no field.
    with pytest.raises(ValidationError) as caught:
        mesoconsent.request_to_dict(change(example()))
    assert [problem.path for problem in caught.value.problems] == [path]


@attrs.frozen
class _RequestWithARecordNumber(mesoconsent.ConsentRequest):
    """A clinic's own request class, which keeps its database's number beside the request."""

    record: int = 0


@attrs.frozen
class _AnswerWithANote(ScreeningAnswer):
    note: str = "asked at the desk"


def test_request_to_dict_writes_a_subclass_s_request_fields_alone() -> None:
    # A caller's subclass wrote its own fields too, which request_from_dict then refused
    # ("unknown field(s): record"): the JSON did not read back.
    request = example()
    fields = {field.name: getattr(request, field.name) for field in attrs.fields(type(request))}
    fields["screening"] = {
        key: _AnswerWithANote(answer.answer, answer.details)
        for key, answer in request.screening.items()
    }
    own = _RequestWithARecordNumber(**fields, record=42)
    written = mesoconsent.request_to_dict(own)
    assert written == mesoconsent.request_to_dict(request)
    assert request_from_dict(written) == request


def test_request_to_dict_refuses_what_is_not_a_request() -> None:
    with pytest.raises(TypeError, match="ConsentRequest, not dict"):
        mesoconsent.request_to_dict(example_dict())  # type: ignore[arg-type]


# A request is a few kilobytes (50,000 treated areas are about 1 MB); a larger document is
# refused before it is decoded, and a file is read no further than that: a device or an
# endless pipe given as the request was read until memory ran out.
LARGEST = mesoconsent.loading.MAX_REQUEST_BYTES


@pytest.mark.parametrize("kind", [bytes, str])
def test_a_document_larger_than_any_request_is_refused(kind: type) -> None:
    document = json.dumps(example_dict()) + " " * LARGEST
    given = document.encode() if kind is bytes else document
    with pytest.raises(ValidationError) as caught:
        mesoconsent.request_from_json(given)
    [problem] = caught.value.problems
    assert problem.path == "request"
    assert problem.message == f"is larger than a request can be (over {LARGEST // 2**20} MB)"


def test_a_document_as_large_as_a_request_may_be_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "At most 16 MB": a document of exactly that many bytes (or characters) is read, as a
    # file, as bytes and as text; one byte more is refused (the limit made small here).
    expected = example()  # (read before the limit is lowered)
    document = json.dumps(example_dict()).encode()
    path = tmp_path / "request.json"
    path.write_bytes(document)
    reads: list[Callable[[], ConsentRequest]] = [
        lambda: mesoconsent.load_request(path),
        lambda: request_from_json(document),
        lambda: request_from_json(document.decode()),
    ]
    monkeypatch.setattr(mesoconsent.loading, "MAX_REQUEST_BYTES", len(document))
    for read in reads:
        assert read() == expected
    monkeypatch.setattr(mesoconsent.loading, "MAX_REQUEST_BYTES", len(document) - 1)
    for read in reads:
        with pytest.raises(ValidationError, match="larger than a request can be"):
            read()


def test_a_request_file_is_read_no_further_than_the_largest_request(tmp_path: Path) -> None:
    endless = Path("/dev/zero")
    if not endless.exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(ValidationError, match="larger than a request can be"):
        mesoconsent.load_request(endless)
    result = run_cli("render", "--input", str(endless), "-o", "x.docx", cwd=tmp_path)
    assert result.returncode == 2
    assert "request: is larger than a request can be" in result.stderr
    assert not (tmp_path / "x.docx").exists()
