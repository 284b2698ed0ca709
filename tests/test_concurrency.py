"""One engine, many threads: every render gives the bytes it gives alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import attrs

import mesoconsent
from tests.helpers import example, with_patient_name


def test_concurrent_renders_match_serial_renders() -> None:
    engine = mesoconsent.Engine()  # fresh: catalogs and caches are filled under contention
    names = ["Ana", "Björn", "محمد", "王秀英", "Zoë", "O'Brien", "Łukasz", "Ngozi"]
    jobs = [
        (attrs.evolve(with_patient_name(example(), name), locale=locale), fmt)
        for name in names
        for locale in ("en", "en-GB", "fr", "de-AT", "ru", "ar", "pt-BR", "tr")
        for fmt in mesoconsent.FORMATS
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda job: engine.render(*job).content, jobs * 3))
    alone = mesoconsent.Engine()
    serial = [alone.render(*job).content for job in jobs] * 3
    assert concurrent == serial
