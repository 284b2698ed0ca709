"""`mesoconsent locales --pot`: the catalog template a clinic's own catalogs are updated from."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.pofile import read_po, write_po

import mesoconsent
from mesoconsent.resources import locales_dir
from tests.helpers import run_cli
from tests.test_locales import POT, ROOT, read

ADDING = (
    (ROOT / "docs" / "templates.md")
    .read_text(encoding="utf-8")
    .split("## Adding a procedure", 1)[1]
)


def documented_block(language: str) -> str:
    """The first code block in ``language`` of "Adding a procedure" in docs/templates.md."""
    return ADDING.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def entries(catalog: BabelCatalog) -> dict[tuple[str | None, object], tuple[object, ...]]:
    """Each message by its context and id, with what a translator is told of it."""
    return {(m.context, m.id): (tuple(m.auto_comments), m.python_format) for m in catalog if m.id}


def test_the_bundled_templates_give_the_committed_pot_s_entries() -> None:
    # The same extractors, keywords and options as babel.cfg: the same messages, contexts,
    # plural forms, comments and flags; only the locations name the files within their folder.
    written = mesoconsent.Engine().catalog_template()
    assert entries(read_po(io.StringIO(written))) == entries(read(POT))


def test_the_template_is_deterministic_given_its_date() -> None:
    created = datetime(2026, 1, 2, tzinfo=UTC)
    engine = mesoconsent.Engine()
    first = engine.catalog_template(created=created)
    assert first == mesoconsent.Engine().catalog_template(created=created)
    assert '"POT-Creation-Date: 2026-01-02 00:00+0000\\n"' in first
    assert str(ROOT) not in first  # locations do not depend on where it is installed
    assert "#: common/base.html.j2:" in first


def clinic_procedure(tmp_path: Path) -> Path:
    """docs/templates.md's microneedling example, in clinic-templates/."""
    folder = tmp_path / "clinic-templates" / "microneedling"
    folder.mkdir(parents=True)
    (folder / "procedure.toml").write_text(documented_block("toml"), encoding="utf-8")
    (folder / "consent.html.j2").write_text(documented_block("jinja"), encoding="utf-8")
    (tmp_path / "microneedling.json").write_text(documented_block("json"), encoding="utf-8")
    return folder


def test_a_clinic_s_catalog_updated_from_the_template_keeps_mesoconsent_s_translations(
    tmp_path: Path,
) -> None:
    # Found by an audit: the documented pybabel extract over the clinic's folder found only the
    # clinic's messages, and updating from it made 79 of the French translations obsolete.
    clinic_procedure(tmp_path)
    catalog = tmp_path / "clinic-locales" / "fr" / "LC_MESSAGES" / "mesoconsent.po"
    catalog.parent.mkdir(parents=True)
    shutil.copy(locales_dir() / "fr" / "LC_MESSAGES" / "mesoconsent.po", catalog)
    before = read(catalog, "fr")
    folders = ("--templates", "clinic-templates", "--locales", "clinic-locales")

    written = run_cli(
        "locales", "--templates", "clinic-templates", "--pot", "clinic.pot", cwd=tmp_path
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout.startswith("wrote clinic.pot (")
    update_command = ["update", "-N", "-i", "clinic.pot", "-d", "clinic-locales", "-D"]
    update_command.append("mesoconsent")
    update = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *update_command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert update.returncode == 0, update.stderr

    after = read(catalog, "fr")
    assert not after.obsolete
    for message in before:
        if message.id:
            kept = after.get(message.id, message.context)
            assert kept is not None
            assert kept.string == message.string
            assert not kept.fuzzy
    added = [
        m
        for m in after
        if m.id and after.get(m.id, m.context) and before.get(m.id, m.context) is None
    ]
    assert {m.context for m in added} >= {
        "procedure.what_it_is",
        "contraindications.skin_infection",
        "screening.skin_infection",
    }
    # Untranslated: -N keeps pybabel from filling them with a similar message's translation
    # (mesotherapy's contraindication for microneedling's, marked fuzzy).
    assert all(not any(m.string or ()) for m in added)  # "" or ("", "")

    check = run_cli("locales", "--check", "--locale", "fr", *folders, cwd=tmp_path)
    assert check.returncode == 1
    assert f"fr: {len(added)} message(s) would show in English, blank or" in check.stdout
    assert "\nde: " not in check.stdout  # only the language asked for

    # Translated (mechanically here), the clinic's form renders in French.
    for message in added:
        message.flags.discard("fuzzy")
        message.string = (
            tuple(f"FR {message.id[1]}" for _ in range(after.num_plurals))
            if isinstance(message.id, tuple | list)
            else f"FR {message.id}"
        )
    with catalog.open("wb") as handle:
        write_po(handle, after)
    assert run_cli("locales", "--check", "--locale", "fr", *folders, cwd=tmp_path).returncode == 0
    assert run_cli("locales", "--check", *folders, cwd=tmp_path).returncode == 1  # German...
    request = json.loads((tmp_path / "microneedling.json").read_text(encoding="utf-8"))
    request["locale"] = "fr"
    (tmp_path / "fr.json").write_text(json.dumps(request), encoding="utf-8")
    rendered = run_cli("render", "--input", "fr.json", "--output", "fr.txt", *folders, cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    text = (tmp_path / "fr.txt").read_text(encoding="utf-8")
    assert "FR A device with very fine needles makes tiny punctures in the skin." in text


def test_a_trans_block_with_a_context_is_rendered_and_extracted_with_it(tmp_path: Path) -> None:
    # docs/templates.md: the context is a string right after `trans`, with or without a count.
    folder = clinic_procedure(tmp_path)
    blocks = (
        '<p>{% trans "microneedling.note" %}Ask us about aftercare.{% endtrans %}</p>\n'
        '<p>{% trans "microneedling.note" count=2 %}{{ count }} visit{% pluralize %}'
        "{{ count }} visits{% endtrans %}</p>\n{% endblock %}"
    )
    template = folder / "consent.html.j2"
    sections = template.read_text(encoding="utf-8").rpartition("{% endblock %}")[0]
    template.write_text(sections + blocks + "\n", encoding="utf-8")
    engine = mesoconsent.Engine([tmp_path / "clinic-templates"])
    request = engine.request_from_json(documented_block("json"))
    form = engine.render(request, "text").content.decode()
    assert "Ask us about aftercare." in form
    assert "2 visits" in form
    extracted = entries(read_po(io.StringIO(engine.catalog_template())))
    assert ("microneedling.note", "Ask us about aftercare.") in extracted
    assert ("microneedling.note", ("%(count)s visit", "%(count)s visits")) in extracted


def test_a_template_that_does_not_parse_is_named(tmp_path: Path) -> None:
    folder = clinic_procedure(tmp_path)
    (folder / "broken.html.j2").write_text("{% if %}", encoding="utf-8")
    result = run_cli("locales", "--templates", "clinic-templates", "--pot", "x.pot", cwd=tmp_path)
    assert result.returncode == 1
    assert "template 'microneedling/broken.html.j2' line 1" in result.stderr
    assert not (tmp_path / "x.pot").exists()


def test_the_template_goes_to_standard_output_or_to_a_file_others_may_read(tmp_path: Path) -> None:
    piped = run_cli("locales", "--pot", "-", cwd=tmp_path)
    assert piped.returncode == 0
    assert entries(read_po(io.StringIO(piped.stdout))) == entries(read(POT))
    assert list(tmp_path.iterdir()) == []
    written = run_cli("locales", "--pot", "clinic.pot", cwd=tmp_path)
    assert written.returncode == 0
    # Not a form with health data: the umask decides, as for any file (022 here: 0644).
    assert (tmp_path / "clinic.pot").stat().st_mode & 0o044 == 0o044


def test_the_template_takes_no_check_and_an_unknown_locale_is_refused(tmp_path: Path) -> None:
    for option in (("--check",), ("--procedure", "mesotherapy")):
        both = run_cli("locales", "--pot", "x.pot", *option, cwd=tmp_path)
        assert both.returncode == 2
        assert "--pot writes one template for every locale and procedure" in both.stderr
    unknown = run_cli("locales", "--locale", "xx", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "--locale 'xx': not an available locale; available: ar" in unknown.stderr
    assert list(tmp_path.iterdir()) == []


def test_hidden_files_are_skipped_and_a_template_not_in_utf8_is_named(tmp_path: Path) -> None:
    # From a review: macOS writes ._consent.html.j2 (binary) beside each file copied to a
    # shared or USB drive; `locales` then ended in "internal error (UnicodeDecodeError)".
    folder = clinic_procedure(tmp_path)
    (folder / "._consent.html.j2").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X\xff")
    for command in (("locales",), ("locales", "--pot", "x.pot")):
        result = run_cli(*command, "--templates", "clinic-templates", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    (folder / "notes.html.j2").write_bytes("Zoë".encode("latin-1"))
    for command in (("locales",), ("locales", "--pot", "y.pot")):
        result = run_cli(*command, "--templates", "clinic-templates", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "template 'microneedling/notes.html.j2' is not UTF-8 text" in result.stderr
    assert not (tmp_path / "y.pot").exists()
