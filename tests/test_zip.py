"""The DOCX writer's own ZIP layout: the bytes zipfile gives for the same parts, except that
the document part is deflated in segments (writers/zip.py), which any ZIP reader reads."""

from __future__ import annotations

import importlib.metadata
import io
import struct
import zipfile
import zlib
from collections.abc import Mapping

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.requirements import Requirement

import mesoconsent
from mesoconsent.writers.zip import (
    EACH_FORM,
    ONCE,
    STORE_BELOW,
    ZIP_EPOCH,
    compress_part,
    deflate_segment,
    form_segment,
    segmented_part,
    stored_segment,
    zip_parts,
)
from tests.helpers import example, package_parts

SEGMENTED = "word/document.xml"
CUSTOM = "docProps/custom.xml"
HEADER = "word/header1.xml"
CORE = "docProps/core.xml"


def zipfile_bytes(parts: list[tuple[str, bytes]], levels: Mapping[str, int] = {}) -> bytes:
    """The slow path: zipfile deflating every part (at level ONCE unless ``levels`` says)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            archive.writestr(info, data, compresslevel=levels.get(name, ONCE))
    return buffer.getvalue()


def deflated_data(package: bytes) -> dict[str, bytes]:
    """Each part's DEFLATE data as stored, read from its local header."""
    stored = {}
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack_from("<2H", package, info.header_offset + 26)
            start = info.header_offset + 30 + name_length + extra_length
            stored[info.filename] = package[start : start + info.compress_size]
    return stored


@pytest.mark.parametrize("locale", ["en", "fr", "ar", "ru"])
def test_a_rendered_docx_is_zipfiles_packaging_but_for_the_segmented_document(
    locale: str,
) -> None:
    content = mesoconsent.render(attrs.evolve(example(), locale=locale)).content
    parts = package_parts(content)
    stored = deflated_data(content)
    zipped = deflated_data(zipfile_bytes(parts))
    assert list(stored) == list(zipped) == [name for name, _ in parts]
    # The document, the custom properties (deflated once, then the form's own digests in a
    # stored block), the header (its namespaces deflated once, then the form's own short
    # text stored) and the core properties (the form's own, deflated fast) are deflated as
    # segments, each ending on a sync flush.
    own = {SEGMENTED, CUSTOM, HEADER, CORE}
    assert {name for name in stored if stored[name] != zipped[name]} == own
    assert stored[SEGMENTED].count(b"\x00\x00\xff\xff") > 3
    for name in own:
        assert zlib.decompress(stored[name], -15) == dict(parts)[name]


def test_any_parts_zip_as_zipfile_zips_them() -> None:
    parts = [("a.xml", b""), ("b/c.xml", b"x" * 100_000), ("d.bin", bytes(range(256)) * 7)]
    built = zip_parts([compress_part(name, data, level=ONCE) for name, data in parts])
    assert built == zipfile_bytes(parts)
    assert package_parts(built) == parts


@given(st.lists(st.binary(max_size=70_000), max_size=6), st.binary(max_size=100))
def test_a_part_deflated_in_segments_reads_back_whole(pieces: list[bytes], other: bytes) -> None:
    # Segments at different levels, as the DOCX writer mixes them (a form's own segments and
    # segments deflated once).
    levels = (EACH_FORM, ONCE, 1)
    segments = [deflate_segment(piece, level=levels[i % 3]) for i, piece in enumerate(pieces)]
    part = segmented_part("w/d.xml", segments)
    once = compress_part("a.xml", other, level=ONCE)
    built = zip_parts([once, part, attrs.evolve(once, name=b"z.xml")])
    assert package_parts(built) == [
        ("a.xml", other),
        ("w/d.xml", b"".join(pieces)),
        ("z.xml", other),
    ]


@pytest.fixture(params=["zlib-ng", "zlib"])
def form_deflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A form's own stretches deflated by zlib-ng (installed with the package on CPython), or
    by zlib, as where it is missing."""
    if request.param == "zlib":
        monkeypatch.setattr(mesoconsent.writers.zip, "_fast_zlib", None)
    elif mesoconsent.writers.zip._fast_zlib is None:
        pytest.skip("zlib-ng is not installed here")
    return str(request.param)


@pytest.mark.parametrize("size", [0, 100, STORE_BELOW - 1, STORE_BELOW, 7930, 8192, 40_000, 70_000])
def test_a_forms_own_segment_of_any_size_reads_back(size: int, form_deflater: str) -> None:
    # Between segments deflated once, at any size (a 20,000-character name makes a large one),
    # stored if it is short, deflated if not.
    text = (b"<w:p><w:r><w:t>Jane Example \xc3\xa9</w:t></w:r></w:p>" * 2000)[:size]
    own = form_segment(text)
    assert (own.data[0] == 0) == (size < STORE_BELOW)  # a stored block's header, or deflated
    parts = [deflate_segment(b"<w:body>", level=ONCE), own]
    part = segmented_part("word/document.xml", [*parts, deflate_segment(b"</w:body>", level=ONCE)])
    assert package_parts(zip_parts([part])) == [
        ("word/document.xml", b"<w:body>" + text + b"</w:body>")
    ]


@given(st.binary(max_size=70_000), st.binary(max_size=0xFFFF))
def test_a_stored_segment_after_a_deflated_one_reads_back_whole(first: bytes, kept: bytes) -> None:
    part = segmented_part("p.xml", [deflate_segment(first, level=ONCE), stored_segment(kept)])
    assert package_parts(zip_parts([part])) == [("p.xml", first + kept)]


def test_zlib_ng_deflates_each_forms_own_xml_wherever_the_package_installs_it() -> None:
    # An install check: where the package's own requirement installs zlib-ng (CPython on the
    # machines it has wheels for, pyproject.toml), forms use it. Without it each form's own
    # stretches take about three times as long to deflate, which nothing else would show.
    (requirement,) = [
        Requirement(line)
        for line in importlib.metadata.requires("mesoconsent") or []
        if Requirement(line).name == "zlib-ng"
    ]
    if requirement.marker is not None and not requirement.marker.evaluate():
        pytest.skip("zlib-ng is not a dependency here")
    assert mesoconsent.writers.zip._fast_zlib is not None


@given(st.lists(st.binary(max_size=70_000), min_size=1, max_size=4), st.booleans())
def test_a_forms_own_segments_between_segments_deflated_once_read_back_whole(
    pieces: list[bytes], without_zlib_ng: bool
) -> None:
    # A form's own stretches (by zlib-ng, or by zlib where it is missing) alternating with
    # static sections deflated once by zlib, as the DOCX writer lays word/document.xml out.
    static = b"<w:p><w:r><w:t>Same for every form</w:t></w:r></w:p>" * 20
    with pytest.MonkeyPatch.context() as patch:
        if without_zlib_ng:
            patch.setattr(mesoconsent.writers.zip, "_fast_zlib", None)
        segments = []
        for piece in pieces:
            segments += [deflate_segment(static, level=ONCE), form_segment(piece)]
    part = segmented_part("word/document.xml", segments)
    assert package_parts(zip_parts([part])) == [
        ("word/document.xml", b"".join(static + piece for piece in pieces))
    ]


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_without_zlib_ng_a_form_holds_the_same_parts_as_deterministically(
    locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = attrs.evolve(example(), locale=locale, witness=mesoconsent.Witness("Sam Lee"))
    installed = mesoconsent.writers.zip._fast_zlib is not None
    with_it = mesoconsent.render(request).content
    monkeypatch.setattr(mesoconsent.writers.zip, "_fast_zlib", None)
    without = mesoconsent.render(request).content
    assert mesoconsent.render(request).content == without
    assert package_parts(without) == package_parts(with_it)
    assert (without != with_it) == installed  # other DEFLATE data where zlib-ng made it
