"""Warm, in-process rendering of the example request.

Run with ``pytest benchmarks --benchmark-enable``; the regular test run executes each once
(``--benchmark-disable``) so they cannot rot. Results are reported in docs/performance.md.
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import mesoconsent


@pytest.mark.parametrize("fmt", mesoconsent.FORMATS)
def test_render_example_warm(benchmark: BenchmarkFixture, fmt: mesoconsent.Format) -> None:
    engine = mesoconsent.default_engine()
    request = mesoconsent.example_request()
    engine.render(request, fmt)  # warm: templates compiled, catalog loaded
    result = benchmark(engine.render, request, fmt)
    assert result.content


def test_verify_example_warm(benchmark: BenchmarkFixture) -> None:
    content = mesoconsent.render(mesoconsent.example_request()).content
    report = benchmark(mesoconsent.verify, content)
    assert report.ok
