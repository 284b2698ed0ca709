"""Jinja2's sandbox, with the answers to its most frequent questions known in advance.

Templates may come from a clinic, so they run in Jinja2's sandbox, which checks every
attribute a template reads and every function it calls. Almost all of a consent template's
reads and calls are of two kinds, whose checks always pass:

- reading a field of the request's plain frozen data (``request.patient.full_name``,
  ``item.question``) or a key of a plain dict of text (``formatted.consent_date``);
- calling one of the render's translation functions (``_()``, ``disclosure()``).

Those are answered directly, with the value the sandbox would give; anything else (another
attribute, a method, a filter's result, a clinic's macro) goes through the sandbox's checks
as before. The checks cost more than the rest of a template render did.

So is escaping's most frequent question: most of what a consent template prints is already
Markup (translations, static sections), which ``markupsafe.escape`` would copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from types import CodeType, MethodType
from typing import Any

import attrs
import jinja2
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing
from markupsafe import Markup, escape

# Names that a dict's attribute would answer before its key (the sandbox prefers the
# attribute): `formatted.items` is the method, not a key called "items".
_DICT_ATTRIBUTES = frozenset(dir(dict))


def public_fields(classes: Iterable[type]) -> dict[type, frozenset[str]]:
    """The public attrs fields of each class: what a template may read of them directly."""
    return {
        cls: frozenset(f.name for f in attrs.fields(cls) if not f.name.startswith("_"))
        for cls in classes
    }


def escape_output(value: Any) -> Markup:
    """``markupsafe.escape``, with Markup (exactly, not a subclass) returned as it is: it is
    safe already, and escape would only copy it."""
    if type(value) is Markup:
        return value
    return escape(value)


class FastEscapeTemplate(jinja2.Template):
    """A template whose printed values are escaped by :func:`escape_output`."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],  # as Template.from_code names it
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The compiled template's module: its code looks `escape` up there at every print.
        template.root_render_func.__globals__["escape"] = escape_output
        return template


class FastPathSandbox(SandboxedEnvironment):
    """A SandboxedEnvironment that reads ``plain_data`` fields and calls ``trusted``
    functions without the per-access checks, which those always pass.

    ``plain_data`` maps attrs classes holding only data (text, numbers, dates, tuples and
    other such classes, never functions) to the fields templates may read. ``trusted`` are
    the plain functions whose bound methods a render puts in the template's context; they
    take no Jinja2 context.
    """

    template_class = FastEscapeTemplate

    def __init__(
        self,
        *,
        plain_data: dict[type, frozenset[str]],
        trusted: Iterable[Callable[..., Any]],
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.plain_data = plain_data
        self.trusted = frozenset(trusted)

    def getattr(self, obj: Any, attribute: str) -> Any:
        fields = self.plain_data.get(type(obj))  # the exact class: no subclass overrides
        if fields is not None and attribute in fields:
            return getattr(obj, attribute)
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            value = obj.get(attribute, missing)
            if value is not missing:
                return value
        return super().getattr(obj, attribute)

    def call(
        __self,  # noqa: N805  # named as SandboxedEnvironment.call names it
        __context: Any,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if type(__obj) is MethodType and __obj.__func__ in __self.trusted:
            # What Context.call does for a function that takes no context.
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __context.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(__context, __obj, *args, **kwargs)
