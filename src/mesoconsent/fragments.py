"""``{% static %}``: template sections that are the same for every request, composed once.

Most of a consent form is the procedure's own text: headings and disclosures in the catalog's
words, identical for every patient. A template wraps such sections in ``{% static %}`` ...
``{% endstatic %}``; the first render of a procedure in a language renders and parses them, and
every later one reuses the parsed blocks (and what the writers made of them, see
writers/shared.py).

The body of a ``{% static %}`` block may only use the translation functions (``_``,
``gettext``, ``ngettext``, ``pgettext``, ``npgettext``) and ``disclosure``; anything else
(``request``, ``formatted``, setting a variable, a ``{% block %}`` another template could
fill, an include...) is refused when the template is compiled, so a section that could differ
between requests can never be shared. The functions it calls are always the ones the render
was given, whatever the template's scope calls by those names (see _TrustedFunctions).
Leaving a section out of ``{% static %}`` only costs time.

Sharing changes no output: a document composed with shared sections is equal, block for
block, to one composed without (tests/test_fragments.py), and the gates check every document
whole, shared blocks included. The messages a shared section used are recorded again on every
render, so a missing translation is refused in every document, not only the first.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal

import attrs
from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.utils import missing
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from mesoconsent import document as d
from mesoconsent.checklist import LINE_FIELDS, ScreeningLine
from mesoconsent.errors import TemplateError
from mesoconsent.i18n import MessageKey
from mesoconsent.markup import (
    DETAILS_TAG,
    FOOTER_PLACEHOLDER_TAG,
    ITEMS_PLACEHOLDER_TAG,
    PLACEHOLDER_TAG,
    ROWS_PLACEHOLDER_TAG,
    Inserted,
    Parts,
    parse_section,
    row_shape,
    single_row,
)
from mesoconsent.writers.shared import SharedBlocks

# What a shared section may read: its words come from the catalog, nothing else.
ALLOWED_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "disclosure"})
# ... and the page fields, the same markup in every render (a footer's "Page 2 of 5"), which it
# may use as values.
ALLOWED_CONSTANTS = frozenset({"page_number", "page_count"})
# Filters a shared section may use: those whose result is text that depends on their input
# alone. Not random, nor map, select and the like (which name another filter or test at run
# time, random included), nor those whose result is an iterator (its text holds a memory
# address), nor safe (a translation is text, never markup).
ALLOWED_FILTERS = frozenset(
    {
        "capitalize", "center", "default", "d", "e", "escape", "format", "indent", "join",
        "length", "lines", "lower", "replace", "string", "striptags", "title", "trim",
        "truncate", "upper", "wordcount", "wordwrap",
    }
)  # fmt: skip

# The context variable through which compose hands each render its FragmentRenderer. A hyphen
# keeps it out of reach of template code, which can only name identifiers.
RENDERER_VARIABLE = "mesoconsent-fragments"


# The attribute that numbers the static sections of the template a parser is parsing.
_COUNTER = "mesoconsent_static_sections"


class StaticExtension(Extension):
    """The ``{% static %}`` tag. Without a renderer in the context (a plain Jinja2 render,
    Babel's extractor) the body is rendered in place, like any other template text."""

    tags = {"static"}  # noqa: RUF012  # as jinja2.ext.Extension declares it

    def parse(self, parser: Parser) -> list[nodes.Node]:
        lineno = next(parser.stream).lineno
        # {% static for item %}: a row of the screening checklist, one per question and answer.
        line = parser.stream.expect("name").value if parser.stream.skip_if("name:for") else None
        body = parser.parse_statements(("name:endstatic",), drop_needle=True)
        where = f"{parser.name or '<template>'}, line {lineno}"
        _check_static_body(body, where, parser, line)
        # The section's key: its template and its number there (two may share a line). It is
        # compiled into the template's code, so it must not depend on anything else.
        number = getattr(parser, _COUNTER, 0) + 1
        setattr(parser, _COUNTER, number)  # a parser parses one template
        key = f"{where}, section {number}"
        # Message extraction (Babel, `mesoconsent locales`) looks for calls of the names
        # themselves: it gets the section as written, in a branch that never runs.
        as_written = nodes.If(nodes.Const(False), copy.deepcopy(body), [], [], lineno=lineno)
        body = [_TrustedFunctions(self, line).visit(node) for node in body]
        if line is None:
            call = self.call_method("_render", [nodes.Const(key), nodes.ContextReference()])
            return [as_written, nodes.CallBlock(call, [], [], body).set_lineno(lineno)]
        # The body reads the line as the caller's parameter, which _render_for passes.
        arguments = [nodes.Const(key), nodes.Name(line, "load"), nodes.ContextReference()]
        call = self.call_method("_render_for", arguments)
        parameter = nodes.Name(line, "param")
        return [as_written, nodes.CallBlock(call, [parameter], [], body).set_lineno(lineno)]

    def _function(self, name: str, context: Context) -> Any:
        """The render's own ``name`` (``_``, ``disclosure``...), from the renderer compose
        made for this render: never what the template calls ``name``, which it can rebind,
        even in the context an include, an import or a scoped block passes on. (The
        renderer's variable has a hyphen in its name: template code cannot rebind it.)"""
        renderer = context.get(RENDERER_VARIABLE)
        value = (
            renderer.functions.get(name, missing)
            if isinstance(renderer, FragmentRenderer)
            else context.resolve_or_missing(name)  # a plain render: nothing is shared
        )
        if value is missing:
            return context.environment.undefined(name=name)
        return value

    def _render(self, key: str, context: Context, caller: Callable[[], str]) -> Markup:
        renderer = context.get(RENDERER_VARIABLE)
        if not isinstance(renderer, FragmentRenderer):
            return Markup(caller())
        return renderer.fragment(key, context.eval_ctx.autoescape, caller)

    def _render_for(
        self, key: str, line: object, context: Context, caller: Callable[[object], str]
    ) -> Markup:
        renderer = context.get(RENDERER_VARIABLE)
        if not isinstance(renderer, FragmentRenderer):
            return Markup(caller(line))
        return renderer.line_fragment(key, context.eval_ctx.autoescape, line, caller)


class _TrustedFunctions(NodeTransformer):
    """Rewrites every name a static section reads (only the allowed functions, by then) into
    a lookup of the function the render was given. Jinja2 would resolve ``_`` through the
    template's scope, where a loop, a macro's parameter or a clinic's own macro named ``_``
    could stand for something else, with patient data in it, at the first render."""

    def __init__(self, extension: StaticExtension, line: str | None) -> None:
        self.extension = extension
        self.line = line  # the checklist line of {% static for line %}, the caller's parameter

    def visit_Name(self, node: nodes.Name) -> nodes.Node:  # noqa: N802  # as Jinja2 names it
        if node.name == self.line:
            return node
        lookup = [nodes.Const(node.name), nodes.ContextReference()]
        return self.extension.call_method("_function", lookup, lineno=node.lineno)


def _filter_names(node: nodes.Filter | nodes.FilterBlock) -> set[str]:
    if isinstance(node, nodes.FilterBlock):
        return {found.name for found in node.filter.find_all(nodes.Filter)} | (
            {node.filter.name} if isinstance(node.filter, nodes.Filter) else set()
        )
    return {node.name}


def _check_static_body(
    body: Sequence[nodes.Node], where: str, parser: Parser, line: str | None
) -> None:
    """Refuse anything through which a static section's output could depend on more than the
    catalog (and, in {% static for line %}, the fields of the checklist line). Setting
    variables is refused too: a name set in the section can still be read from outside
    before it is set ({% set request = request %}), so only the allowed functions are ever
    read."""
    every = [inner for top in body for inner in (top, *top.find_all(nodes.Node))]
    # The allowed functions may only be called, never used as values: printed, a function
    # shows its object, and the translation functions' objects hold what this render has
    # looked up so far, which depends on the request.
    called = {id(node.node) for node in every if isinstance(node, nodes.Call)}
    # The line's fields, read as such (line.question), are its only allowed use.
    fields = {
        id(node.node)
        for node in every
        if isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == line
        and node.attr in LINE_FIELDS
    }
    found: list[tuple[int, nodes.Node, str]] = []  # (which first, where, what)
    for node in every:
        if isinstance(node, nodes.NSRef):  # {% set ns.attr = ... %}: a namespace's attribute
            problem = (
                f"may not set variables ({node.name}.{node.attr}): {{% set %}} belongs outside it"
            )
            found.append((0, node, problem))
            continue
        if line is not None and isinstance(node, nodes.Name) and node.name == line:
            if node.ctx != "load" or id(node) not in fields:
                allowed = ", ".join(f"{line}.{field}" for field in sorted(LINE_FIELDS))
                problem = f"may only read {allowed} of {line!r}, and not set it"
                found.append((0, node, problem))
            continue
        if isinstance(node, nodes.Getattr) and id(node.node) in fields:
            continue
        if isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            found.append((0, node, "may not include, import or extend other templates"))
        elif isinstance(node, nodes.Block):
            problem = "may not hold a {% block %}, which another template could fill"
            found.append((0, node, problem))
        elif isinstance(node, nodes.CallBlock) and isinstance(node.call, nodes.Call):
            if isinstance(node.call.node, nodes.ExtensionAttribute):
                found.append((0, node, "may not hold another {% static %}"))
        elif isinstance(node, nodes.Name) and node.ctx != "load":
            problem = (
                f"may not set variables ({node.name!r}): {{% set %}}, {{% for %}}, "
                "{% with %} and macros belong outside it"
            )
            found.append((0, node, problem))
        elif isinstance(node, nodes.Name) and node.name in ALLOWED_CONSTANTS:
            continue
        elif isinstance(node, nodes.Name) and node.name not in ALLOWED_NAMES:
            problem = (
                f"reads {node.name!r}, which can differ between requests: a static section "
                "may only use the translation functions, disclosure(), page_number and "
                "page_count (docs/templates.md)"
            )
            found.append((0, node, problem))
        elif isinstance(node, nodes.Name) and id(node) not in called:
            found.append((1, node, f"may only call {node.name}(), not use it as a value"))
        elif isinstance(node, nodes.Filter | nodes.FilterBlock) and (
            unknown := _filter_names(node) - ALLOWED_FILTERS
        ):
            allowed = ", ".join(sorted(ALLOWED_FILTERS))
            problem = f"may not use the filter {', '.join(sorted(unknown))}: only {allowed}"
            found.append((1, node, problem))
        elif isinstance(node, nodes.Getattr | nodes.Getitem) and id(node) not in called:
            found.append((2, node, "may only call methods of what it prints, not print them"))
    if found:
        _, node, problem = min(found, key=lambda item: item[0])  # the first of the most basic
        parser.fail(f"{{% static %}} at {where} {problem}", node.lineno, TemplateSyntaxError)


@attrs.frozen
class Fragment:
    """A static section of a template in one language: its blocks (or table rows, or list
    items) and the messages it used."""

    parts: Parts
    messages: tuple[MessageKey, ...]


class FragmentStore:
    """The static sections of one engine's templates, made on first use for each procedure
    and catalog (``disclosure()`` depends on the procedure, the words on the catalog).

    Safe to share between threads: two first renders at once may both make a fragment; the
    first stored is the one every document gets.
    """

    def __init__(self) -> None:
        # (section, variant): a section is its key and whatever else it depends on
        self._fragments: dict[tuple[Hashable, str], Fragment] = {}
        self.shared = SharedBlocks()
        self._lock = threading.Lock()

    def get(self, section: Hashable, variant: str) -> Fragment | None:
        return self._fragments.get((section, variant))

    def add(self, section: Hashable, variant: str, fragment: Fragment) -> Fragment:
        return self.add_all(variant, {section: fragment})[section]

    def add_all(
        self,
        variant: str,
        fragments: Mapping[Hashable, Fragment],
        *,
        register: Literal["parts", "alternatives", "nothing"] = "parts",
    ) -> dict[Hashable, Fragment]:
        """Store fragments together (none is found before all are stored); a section already
        stored keeps its fragment. Returns what is stored for each section.

        Their parts are registered with the writers' memo (``shared``). With
        ``"alternatives"``, the fragments are one table row each, alike, that stand for one
        another (a checklist row for each answer), registered as such: a writer that writes
        one keeps what it made of all (SharedBlocks.share_alternatives), so that what it keeps
        never tells which was written. With ``"nothing"``, the writers keep nothing of them."""
        # The blocks are registered before the fragment can be found: a document that gets
        # them is always written as one with registered blocks (the DOCX writer deflates a run
        # of them as a segment of its own), so its bytes never depend on a race.
        kept: dict[Hashable, Fragment] = {}
        with self._lock:
            new = [
                fragment
                for section, fragment in fragments.items()
                if self._fragments.get((section, variant)) is None
            ]
            if register == "alternatives" and new:
                self.shared.share_alternatives(tuple(f.parts.rows[0] for f in new))
            for fragment in new if register == "parts" else ():
                parts = fragment.parts
                self.shared.share((*parts.blocks, *parts.rows, *parts.items))
                if parts.footer:  # (not the empty tuple: Python has only one)
                    self.shared.share((parts.footer,))
            for section, fragment in fragments.items():
                found = self._fragments.get((section, variant))
                kept[section] = fragment if found is None else found
            for section, fragment in kept.items():
                self._fragments[(section, variant)] = fragment
        return kept


class FragmentRenderer:
    """One render's view of the store: replays the messages of the fragments it reuses and
    collects the blocks that markup placeholders stand for."""

    def __init__(
        self,
        store: FragmentStore,
        variant: str,
        used: list[MessageKey],
        functions: Mapping[str, object],
    ) -> None:
        self.store = store
        # What a static section's names stand for (ALLOWED_NAMES and ALLOWED_CONSTANTS),
        # whatever the template's.
        self.functions = functions
        self.variant = variant  # the procedure and catalog, which the sections depend on
        self.used = used
        # The blocks and rows each placeholder stands for, by a reference no template can
        # guess, and which section each reference stands for (for errors).
        self.blocks: dict[str, tuple[d.Block, ...]] = {}
        self.rows: dict[str, tuple[d.Row, ...]] = {}
        self.items: dict[str, tuple[d.ListItem, ...]] = {}
        self.footers: dict[str, tuple[d.Inline, ...]] = {}
        # The rows each checklist line with details stands for, by the reference of the
        # <static-details> around its markup.
        self.stands_for: dict[str, tuple[d.Row, ...]] = {}
        self.sections: dict[str, str] = {}
        self.inserted = Inserted(
            self.blocks,
            self.rows,
            self.items,
            self.sections,
            footers=self.footers,
            stands_for=self.stands_for,
        )
        self._token = os.urandom(8).hex()  # as secrets.token_hex(8), without its imports

    def fragment(self, section: str, autoescape: object, caller: Callable[[], str]) -> Markup:
        """The placeholder of static section ``section`` (its template, line and number, which
        errors name), composed on its first render."""
        # An {% autoescape %} around the section changes how it renders: each setting is a
        # section of its own. Jinja2 escapes by the setting's truth ("False" is a true string).
        stored = (section, bool(autoescape))
        fragment = self.store.get(stored, self.variant)
        if fragment is None:
            fragment = self.store.add(stored, self.variant, self._made(section, caller))
        return self._placeholder(section, fragment)

    def line_fragment(
        self,
        section: str,
        autoescape: object,
        line: object,
        caller: Callable[[ScreeningLine], str],
    ) -> Markup:
        """The placeholder of ``{% static for line %}`` section ``section`` for one line of
        the screening checklist: composed once per question and answer. A line with details
        (the patient's own words) is this render's alone, rendered in place.

        What is kept never tells which answer a patient gave: the first line of a question,
        whatever its answer and with details or not, composes the question's rows for both
        answers without details; the writers keep what they made of both rows whenever they
        write either; and a line with details stands for them (``Row.stands_for``), so that
        the writers make and keep them then too."""
        if type(line) is not ScreeningLine:
            raise TemplateError(
                f"{{% static for %}} at {section} needs a line of the screening checklist (an "
                f"item of screening or flagged), not {type(line).__name__}"
            )
        # The question's words are the catalog's (compose.py), like everything kept here.
        stored = (section, bool(autoescape), line.id, line.question)
        fragment = self.store.get((*stored, line.answer), self.variant)
        if fragment is None:
            plain = attrs.evolve(line, details=None)
            made: dict[Hashable, Fragment] = {
                (*stored, answer): self._made(
                    section, functools.partial(caller, attrs.evolve(plain, answer=answer))
                )
                for answer in (True, False)
            }
            # The writers may keep the rows only if a line with details makes one row like
            # them, in their place, whatever the answer: tried with words of nobody's.
            made_rows = [
                *(single_row(fragment.parts) for fragment in made.values()),
                *(
                    self._row_with_details(section, caller, attrs.evolve(plain, answer=answer))
                    for answer in (True, False)
                ),
            ]
            shapes = {None if row is None else row_shape(row) for row in made_rows}
            alike = len(shapes) == 1 and None not in shapes
            kept = self.store.add_all(
                self.variant, made, register="alternatives" if alike else "nothing"
            )
            fragment = kept[(*stored, line.answer)]
        if line.details is not None:
            rows = fragment.parts.rows
            alternatives = self.store.shared.alternatives(rows[0]) if rows else ()
            if not alternatives:
                return Markup(caller(line))
            # The markup parser links the line's row to them (markup.DETAILS_TAG).
            ref = self._reference(section)
            self.stands_for[ref] = alternatives
            return Markup(f'<{DETAILS_TAG} ref="{ref}">{caller(line)}</{DETAILS_TAG}>')
        return self._placeholder(section, fragment)

    def _row_with_details(
        self, section: str, caller: Callable[[ScreeningLine], str], line: ScreeningLine
    ) -> d.Row | None:
        """The one row ``line`` makes with details, or None if it makes anything else, or
        fails. Nothing of it is kept, nor counted as used."""
        with_details = functools.partial(caller, attrs.evolve(line, details="x"))
        try:
            return single_row(self._made(section, with_details).parts)
        except Exception:  # whatever the template does with these words: no row to go by
            return None

    def _made(self, section: str, render: Callable[[], str]) -> Fragment:
        """The fragment ``render`` makes, with the messages it used. They are taken off this
        render's record (even if it fails), which gets a fragment's messages when it is
        placed."""
        start = len(self.used)
        try:
            markup = str(render())
            messages = tuple(self.used[start:])
        finally:
            del self.used[start:]
        return Fragment(parse_section(markup, section), messages)

    def _placeholder(self, section: str, fragment: Fragment) -> Markup:
        self.used.extend(fragment.messages)
        parts = fragment.parts
        ref = self._reference(section)
        # markup.parse_document puts the blocks, rows, items or footer in its place.
        if parts.rows:
            self.rows[ref] = parts.rows
            tag = ROWS_PLACEHOLDER_TAG
        elif parts.items:
            self.items[ref] = parts.items
            tag = ITEMS_PLACEHOLDER_TAG
        elif parts.blocks:
            self.blocks[ref] = parts.blocks
            tag = PLACEHOLDER_TAG
        elif parts.footer is not None:
            self.footers[ref] = parts.footer
            tag = FOOTER_PLACEHOLDER_TAG
        else:
            return Markup()  # nothing to put anywhere
        return Markup(f'<{tag} ref="{ref}"/>')

    def _reference(self, section: str) -> str:
        """A new reference for something of section ``section`` that the markup will hold;
        no template can guess it."""
        ref = f"{self._token}-{len(self.sections)}"
        self.sections[ref] = section
        return ref
