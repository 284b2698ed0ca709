"""Measure batch mode: forms per second of ``mesoconsent render --batch`` with --jobs 1 and N.

    python benchmarks/batch.py                    # 800 varied requests, 3 pairs of runs
    python benchmarks/batch.py --requests 400 --pairs 5 --jobs 2

Writes a JSON Lines file of varied requests (every shipped locale, names in several scripts,
some "yes" answers with details, some witnesses and interpreters), then runs the command line
as a user would, alternating ``--jobs 1`` and ``--jobs N`` so that background load hits both
alike, each run into an empty folder. Prints each run's forms per second and each pair's
ratio, with the median, as Markdown (docs/performance.md, "Batch mode"). ``--no-files`` also
measures the same requests through ``render_batch`` without writing files, which separates
rendering from the disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mesoconsent

NAMES = [
    "Jane Example",
    "Zoë Ångström-Łukasiewicz",
    "Nguyễn Thị Minh Khai",
    "Олена Коваленко",
    "فاطمة الزهراء",
    "Αλέξανδρος Παπαδόπουλος",
    "O'Brien-Smith, Mary Jo",
    "李小龙",
]


def varied_requests(count: int) -> list[dict[str, Any]]:
    """``count`` requests cycling through locales, names, answers and witnesses."""
    base = json.loads(mesoconsent.resources.example_request_path().read_text(encoding="utf-8"))
    locales = mesoconsent.Engine().locales
    requests = []
    for number in range(count):
        request = json.loads(json.dumps(base))
        request["locale"] = locales[number % len(locales)]
        request["patient"]["full_name"] = NAMES[number % len(NAMES)]
        request["patient"]["patient_id"] = f"P-{number:06d}"
        if number % 5 == 0:
            request["screening"]["other_conditions"] = {
                "answer": True,
                "details": "Asthma, treated with an inhaler",
            }
        if number % 7 == 0:
            role = "interpreter" if number % 2 else "witness"
            request["witness"] = {"full_name": NAMES[(number + 3) % len(NAMES)], "role": role}
        request["treatment"]["number_of_sessions"] = 1 + number % 6
        requests.append(request)
    return requests


def _run(batch: Path, output: Path, jobs: int) -> float:
    shutil.rmtree(output, ignore_errors=True)
    # A template cache of the run's own, which the untimed first run fills as a user's would.
    environment = {**os.environ, "MESOCONSENT_CACHE_DIR": str(batch.parent / "cache")}
    command = [sys.executable, "-m", "mesoconsent", "render", "--batch", str(batch)]
    command += ["--output-dir", str(output), "--jobs", str(jobs)]
    start = time.perf_counter()
    # Not a terminal: the quiet, line-based progress, as in a scheduled job.
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment
    )
    return time.perf_counter() - start


def _in_memory(requests: list[dict[str, Any]], jobs: int) -> float:
    start = time.perf_counter()
    results = list(mesoconsent.render_batch(requests, format="docx", jobs=jobs))
    elapsed = time.perf_counter() - start
    assert all(item.ok for item in results)
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=800, help="requests in the batch")
    parser.add_argument("--pairs", type=int, default=3, help="pairs of runs (jobs 1, jobs N)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="N")
    parser.add_argument("--no-files", action="store_true", help="also time render_batch in memory")
    options = parser.parse_args(argv)
    requests = varied_requests(options.requests)
    with tempfile.TemporaryDirectory(prefix="mesoconsent-batch-") as folder:
        batch = Path(folder) / "requests.jsonl"
        batch.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests), encoding="utf-8"
        )
        _run(batch, Path(folder) / "warm", 1)  # bytecode and template cache, as after install
        rows = []
        for pair in range(1, options.pairs + 1):
            single = _run(batch, Path(folder) / "out", 1)
            several = _run(batch, Path(folder) / "out", options.jobs)
            rows.append((pair, len(requests) / single, len(requests) / several))
            written = len(list((Path(folder) / "out").glob("*.docx")))
            assert written == len(requests), f"{written} forms written"
    print(f"{len(requests)} requests, `--jobs 1` against `--jobs {options.jobs}`:\n")
    print(f"| pair | jobs 1 (forms/s) | jobs {options.jobs} (forms/s) | ratio |")
    print("| --- | --- | --- | --- |")
    for pair, single, several in rows:
        print(f"| {pair} | {single:.0f} | {several:.0f} | {several / single:.2f}x |")
    ratios = [several / single for _, single, several in rows]
    print(f"\nmedian ratio {statistics.median(ratios):.2f}x (target >= 1.7x on 2 cores)")
    if options.no_files:
        single = _in_memory(requests, 1)
        several = _in_memory(requests, options.jobs)
        print(
            f"\nin memory (render_batch, no files): jobs 1 {len(requests) / single:.0f} forms/s, "
            f"jobs {options.jobs} {len(requests) / several:.0f} forms/s, "
            f"{single / several:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
