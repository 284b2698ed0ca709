"""The DOCX writer's own ZIP layout gives exactly the bytes zipfile gives for the same parts."""

from __future__ import annotations

import io
import zipfile

import attrs
import pytest

import mesoconsent
from mesoconsent.writers.zip import ZIP_EPOCH, compress_part, zip_parts
from tests.helpers import example


def zipfile_bytes(parts: list[tuple[str, bytes]]) -> bytes:
    """The slow path: zipfile deflating every part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


@pytest.mark.parametrize("locale", ["en", "fr", "ar", "ru"])
def test_a_rendered_docx_is_byte_identical_to_zipfiles_packaging_of_its_parts(
    locale: str,
) -> None:
    content = mesoconsent.render(attrs.evolve(example(), locale=locale)).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    assert zipfile_bytes(parts) == content


def test_any_parts_zip_as_zipfile_zips_them() -> None:
    parts = [("a.xml", b""), ("b/c.xml", b"x" * 100_000), ("d.bin", bytes(range(256)) * 7)]
    built = zip_parts([compress_part(name, data) for name, data in parts])
    assert built == zipfile_bytes(parts)
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == parts
