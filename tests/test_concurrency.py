"""One engine, many threads: every render gives the bytes it gives alone."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

import mesoconsent
from mesoconsent.document import Block
from mesoconsent.writers.shared import SharedBlocks
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


def test_threads_that_first_render_at_once_share_one_default_engine() -> None:
    # Found by a review: functools.cache does not hold other callers back while the first one
    # builds, so a server's first burst of requests built an engine per thread (each reading
    # the procedures, compiling the templates and reading its catalogs again) where the
    # module's functions promise one shared engine. A fresh process: the engine is built once.
    script = (
        "import threading, mesoconsent\n"
        "start = threading.Barrier(8)\n"
        "engines = []\n"
        "def first():\n"
        "    start.wait()\n"
        "    engines.append(mesoconsent.default_engine())\n"
        "threads = [threading.Thread(target=first) for _ in range(8)]\n"
        "for thread in threads: thread.start()\n"
        "for thread in threads: thread.join()\n"
        "print(len({id(engine) for engine in engines}), "
        "all(engine is mesoconsent.default_engine() for engine in engines))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True"]


def test_first_renders_racing_to_share_a_section_give_the_bytes_of_later_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Widen the moment in which a static section is being registered: a document that got
    # its blocks meanwhile must not be written as if they were the request's own (the DOCX
    # writer deflates registered runs separately, so the bytes would differ).
    register = SharedBlocks.share

    def slowly(self: SharedBlocks, blocks: Iterable[Block]) -> None:
        time.sleep(0.05)
        register(self, blocks)

    monkeypatch.setattr(SharedBlocks, "share", slowly)
    engine = mesoconsent.Engine()
    request = example()

    def render(delay: float) -> bytes:
        time.sleep(delay)
        return engine.render(request).content

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = list(pool.map(render, [0, 0.01, 0.02, 0.03]))
    assert set(first) == {engine.render(request).content}


def test_batches_in_threads_leave_the_application_s_warning_filters_alone() -> None:
    # warnings.catch_warnings is not thread-safe: batches entering and leaving it in several
    # threads could restore one another's "ignore" filters for good, and a clinic's filter
    # that stops a render at a "yes" answer would then let the form through.
    request = example()
    yes = attrs.evolve(
        request, screening={**request.screening, "pregnant": mesoconsent.ScreeningAnswer(True)}
    )

    def batches(_: int) -> None:
        for _ in range(30):
            for item in mesoconsent.render_batch([request] * 3, None, "text", jobs=1):
                assert item.ok

    assert_an_error_filter_outlives(batches, mesoconsent.ContraindicationWarning, yes)


def assert_an_error_filter_outlives(
    work: Callable[[int], None], category: type[Warning], warned: mesoconsent.ConsentRequest
) -> None:
    """Run ``work`` (given its worker number) in four threads under a filter that turns
    ``category`` into an error: the filters are as they were after it, and rendering
    ``warned`` still raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", category)
        before = list(warnings.filters)
        with ThreadPoolExecutor(4) as pool:
            for running in [pool.submit(work, worker) for worker in range(4)]:
                running.result()
        assert warnings.filters == before
        with pytest.raises(category):
            mesoconsent.render(warned, "text")


@pytest.mark.parametrize("fmt", mesoconsent.FORMATS)
def test_render_quietly_is_render_without_its_warnings(fmt: mesoconsent.Format) -> None:
    # A flagged answer in a draft translation: render warns twice, render_quietly never.
    request = attrs.evolve(
        example(),
        locale="fr",
        screening={**example().screening, "pregnant": mesoconsent.ScreeningAnswer(True)},
    )
    engine = mesoconsent.default_engine()
    with pytest.warns() as caught:
        loud = engine.render(request, fmt)
    assert {type(w.message) for w in caught} == {
        mesoconsent.ContraindicationWarning,
        mesoconsent.DraftTranslationWarning,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert engine.render_quietly(request, fmt) == loud


def test_the_command_run_in_threads_leaves_the_warning_filters_alone(tmp_path: Path) -> None:
    # main() used to wrap every command in warnings.catch_warnings(), which is not thread-safe.
    from mesoconsent.cli import main

    def commands(worker: int) -> None:
        for run in range(8):
            output = tmp_path / f"{worker}-{run}.txt"
            assert main(["render", "--example", "--locale", "fr", "--output", str(output)]) == 0

    french = attrs.evolve(example(), locale="fr")
    assert_an_error_filter_outlives(commands, mesoconsent.DraftTranslationWarning, french)
