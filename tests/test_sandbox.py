"""The sandbox's fast paths answer exactly as Jinja2's sandbox does, and only for what they
are meant for: the request's fields, dicts of text and the render's own functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pytest
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from mesoconsent import Engine
from mesoconsent.compose import TranslationFunctions, make_environment
from mesoconsent.sandbox import escape_output
from tests.helpers import example, with_patient_name

ENGINE = Engine()

EXPRESSIONS = [
    "request.patient.full_name",
    "request.clinic.address | lines",
    "request.treatment.treated_areas | join(', ')",
    "request.consent_date.year",
    "request.witness is none",
    "request.screening.pregnant.answer",
    "formatted.areas",
    "formatted['areas']",
    "formatted.items() | list | length",  # dict's own method, as the sandbox prefers it
    "formatted.keys | string | length > 0",
]
REFUSED = [
    "request.__class__",
    "request.patient.__init__",
    "request.patient.full_name.__class__.__mro__",
    "formatted.__class__",
    "formatted.nothing_here",
    "_.__self__",
    "_.__func__",
    # The sandbox escapes of Jinja2 before 3.1.6 (CVE-2025-27516, CVE-2024-56326): str.format
    # reached through |attr, or called indirectly, read any global of the process (found by a
    # review: with Jinja2 3.1.5, which the floor allowed, a clinic template printed the
    # environment's secrets). pyproject.toml asks for 3.1.6; .ci/floors runs this there.
    """("{0.__globals__}" | attr("format"))(lipsum)""",
    """"{0.__globals__}".format | attr("__call__")(lipsum)""",
    """lipsum.__globals__""",
]


def _render(environment: jinja2.Environment, source: str, **context: Any) -> str:
    return environment.from_string(source).render(**context)


@pytest.fixture
def context() -> dict[str, Any]:
    request = example()
    functions = TranslationFunctions(ENGINE.catalog("en"), ENGINE.procedures["mesotherapy"])
    return {
        "request": request,
        "formatted": {"areas": "face and neck", "items": "not this"},
        **functions.as_context(),
    }


def _plain_sandbox() -> jinja2.Environment:
    return SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_the_fast_paths_read_what_the_sandbox_reads(
    expression: str, context: dict[str, Any]
) -> None:
    fast = make_environment([])
    plain = _plain_sandbox()
    plain.filters.update(fast.filters)
    source = f"{{{{ {expression} }}}}"
    assert _render(fast, source, **context) == _render(plain, source, **context)


@pytest.mark.parametrize("expression", REFUSED)
def test_what_the_sandbox_refuses_stays_refused(expression: str, context: dict[str, Any]) -> None:
    with pytest.raises((SecurityError, jinja2.UndefinedError)):
        _render(make_environment([]), f"{{{{ {expression} }}}}", **context)


def test_the_render_functions_work_in_loops_blocks_and_macros(context: dict[str, Any]) -> None:
    source = (
        "{% macro yes() %}{{ _('Yes') }}{% endmacro %}"
        "{% for n in [1, 2] %}{{ gettext('No') }}{{ ngettext('%(num)s day', '%(num)s days', n) }}"
        "{{ yes() }}{% endfor %}{% set x %}{{ pgettext('c', 'Date') }}{% endset %}{{ x }}"
    )
    assert _render(make_environment([]), source, **context) == "No1 dayYesNo2 daysYesDate"


def test_other_functions_are_still_checked(context: dict[str, Any]) -> None:
    def dangerous() -> str:
        return "ran"

    dangerous.unsafe_callable = True  # type: ignore[attr-defined]
    with pytest.raises(SecurityError):
        _render(make_environment([]), "{{ f() }}", f=dangerous, **context)


class _Records:
    def delete(self) -> str:
        return "deleted"

    delete.alters_data = True  # type: ignore[attr-defined]


def test_methods_other_than_the_render_s_own_are_still_checked(context: dict[str, Any]) -> None:
    # Only the render's own functions skip the sandbox's checks: another object's method,
    # one the sandbox refuses (it alters data), stays refused.
    with pytest.raises(SecurityError):
        _render(make_environment([]), "{{ f() }}", f=_Records().delete, **context)


class _Shouting(Markup):
    """A Markup subclass whose __html__ differs: escape must still ask it."""

    def __html__(self) -> _Shouting:
        return _Shouting(str.upper(self))


class _HasHtml:
    def __html__(self) -> str:
        return "<b>own</b>"


@pytest.mark.parametrize(
    "value",
    ["<b>a & 'b'</b>", Markup("<br/>"), _Shouting("<i>x</i>"), _HasHtml(), 42, None, 1.5],
    ids=repr,
)
def test_printed_values_are_escaped_as_markupsafe_escapes_them(value: object) -> None:
    # Printing in the engine's templates skips escape for Markup alone (sandbox.py).
    printed = make_environment([]).from_string("{{ value }}").render(value=value)
    assert printed == str(markupsafe.escape(value))
    assert escape_output(value) == markupsafe.escape(value)
    assert type(escape_output(value)) is Markup


def test_templates_compiled_from_the_cache_escape_alike(tmp_path: Path) -> None:
    # Templates read back from the bytecode cache are made by from_code too.
    for _ in range(2):
        engine = Engine(template_cache=tmp_path)
        escaped = engine.render(with_patient_name(example(), "<Ann & Bo>"), "html").content
        assert b"&lt;Ann &amp; Bo&gt;" in escaped
    assert any(tmp_path.iterdir())
