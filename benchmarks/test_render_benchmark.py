"""Warm, in-process rendering of the bundled example, side by side with its baselines.

Run with ``pytest benchmarks --benchmark-enable`` (pytest-benchmark prints one table per
group); the regular test run executes each benchmark once (``--benchmark-disable``) with its
correctness check, so they cannot rot. ``python benchmarks/compare.py`` measures the same
things in one process and prints the ratios the performance targets are set in. Both are
described, with results, in docs/performance.md.

Groups: "docx" is the English example form made by mesoconsent, by docxtpl and by the two
floor writers (benchmarks/equivalents.py); "formats" is mesoconsent's three formats;
"docx per locale" is the example form in every shipped locale; "longest fields" the example
with the longest name a request may have, in English and Arabic.
"""

from __future__ import annotations

import io
from pathlib import Path

import attrs
import docx
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import mesoconsent
from benchmarks.equivalents import Equivalents, build_equivalents, check_docx

LOCALES = mesoconsent.default_engine().locales
PATIENT = "Jane Example"


@pytest.fixture(scope="module")
def engine() -> mesoconsent.Engine:
    return mesoconsent.default_engine()  # the engine example_request() validates with


@pytest.fixture(scope="module")
def example(engine: mesoconsent.Engine) -> mesoconsent.ConsentRequest:
    request = mesoconsent.example_request()
    engine.render(request, "docx")  # warm: templates compiled, catalogs loaded
    return request


@pytest.fixture(scope="module")
def equivalents(
    engine: mesoconsent.Engine,
    example: mesoconsent.ConsentRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Equivalents:
    # Builds the docxtpl template and the floor writers, and checks that each makes a DOCX
    # python-docx opens, stating every text of mesoconsent's form.
    return build_equivalents(engine, example, Path(tmp_path_factory.mktemp("equivalents")))


def _opens_with_patient(content: bytes) -> None:
    document = docx.Document(io.BytesIO(content))
    cells = (cell for table in document.tables for row in table.rows for cell in row.cells)
    assert any(PATIENT in cell.text for cell in cells)


@pytest.mark.benchmark(group="docx")
def test_mesoconsent_docx(
    benchmark: BenchmarkFixture, engine: mesoconsent.Engine, example: mesoconsent.ConsentRequest
) -> None:
    result = benchmark(engine.render, example, "docx")
    _opens_with_patient(result.content)


@pytest.mark.benchmark(group="docx")
def test_docxtpl_docx(benchmark: BenchmarkFixture, equivalents: Equivalents) -> None:
    content = benchmark(equivalents.docxtpl)
    check_docx(content, equivalents.spec.probes)


@pytest.mark.benchmark(group="docx")
def test_floor_deflate_every_part(benchmark: BenchmarkFixture, equivalents: Equivalents) -> None:
    content = benchmark(equivalents.floor_deflate_all)
    check_docx(content, equivalents.spec.probes)


@pytest.mark.benchmark(group="docx")
def test_floor_precompressed_static_parts(
    benchmark: BenchmarkFixture, equivalents: Equivalents
) -> None:
    content = benchmark(equivalents.floor_precompressed)
    check_docx(content, equivalents.spec.probes)


@pytest.mark.benchmark(group="formats")
@pytest.mark.parametrize("fmt", mesoconsent.FORMATS)
def test_mesoconsent_format(
    benchmark: BenchmarkFixture,
    engine: mesoconsent.Engine,
    example: mesoconsent.ConsentRequest,
    fmt: mesoconsent.Format,
) -> None:
    engine.render(example, fmt)
    result = benchmark(engine.render, example, fmt)
    if fmt == "docx":
        _opens_with_patient(result.content)
    else:
        assert PATIENT in result.content.decode()


@pytest.mark.benchmark(group="docx per locale")
@pytest.mark.parametrize("locale", LOCALES)
def test_mesoconsent_docx_locale(
    benchmark: BenchmarkFixture,
    engine: mesoconsent.Engine,
    example: mesoconsent.ConsentRequest,
    locale: str,
) -> None:
    # Draft-translation and contraindication warnings are ignored by the pytest configuration.
    request = attrs.evolve(example, locale=locale)
    engine.render(request, "docx")
    result = benchmark(engine.render, request, "docx")
    _opens_with_patient(result.content)


@pytest.mark.benchmark(group="longest fields")
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_mesoconsent_docx_longest_fields(
    benchmark: BenchmarkFixture,
    engine: mesoconsent.Engine,
    example: mesoconsent.ConsentRequest,
    locale: str,
) -> None:
    # The longest name a request may give (100,000 characters), all signs: time that grows
    # with the square of a field's length shows here (an Arabic form once took 83 s).
    patient = attrs.evolve(example.patient, full_name="+" * 100_000)
    request = attrs.evolve(example, patient=patient, locale=locale)
    result = benchmark(engine.render, request, "docx")
    assert len(result.content) > 1000


@pytest.mark.benchmark(group="verify")
def test_verify_example_warm(
    benchmark: BenchmarkFixture, engine: mesoconsent.Engine, example: mesoconsent.ConsentRequest
) -> None:
    content = engine.render(example, "docx").content
    report = benchmark(engine.verify, content)
    assert report.ok
