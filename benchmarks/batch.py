"""Measure batch mode: forms per second of ``mesoconsent render --batch`` with --jobs 1 and N.

    python benchmarks/batch.py                    # 800 varied requests, 3 pairs of runs
    python benchmarks/batch.py --requests 400 --pairs 5 --jobs 2

Writes a JSON Lines file of varied requests (every shipped locale, names in several scripts,
some "yes" answers with details, some witnesses and interpreters), then runs the command line
as a user would, alternating ``--jobs 1`` and ``--jobs N`` so that background load hits both
alike, each run into a new folder (all removed at the end). Prints each run's forms per
second and each pair's ratio, with the median, as Markdown (docs/performance.md, "Batch
mode"); and the same ratio by the command's own count (the time its summary line gives,
from having read the requests to the last form), which leaves out what every run pays once
to start, import and exit.
``--no-files`` also measures the same requests through ``render_batch`` without writing
files, which separates rendering from the disk.

Then docxtpl makes the same forms: the first ``--docxtpl-requests`` requests, each as a
typical docxtpl user would (load the template, render, save the form to a file), in a fresh
process of its own, timed like the command's runs. Its template is the one of
``benchmarks/equivalents.py`` (the English form's text); each form's values (the patient
details, the checklist with its answers, the signers, the header) come from mesoconsent's own
rendering of that request, in the request's language. It prints the forms per second and
mesoconsent's median ``--jobs 1`` and ``--jobs N`` throughput against it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import mesoconsent

try:
    from benchmarks import equivalents, processes
except ModuleNotFoundError:  # run as a script: python benchmarks/batch.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks import equivalents, processes

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


class _Timed(NamedTuple):
    wall: float  # seconds, start to exit
    own: float  # seconds by the command's own summary line
    processor: float  # processor seconds of the command and its workers (user and system)
    machine: float | None  # busy processor seconds of the whole machine, kernel included


def _run(batch: Path, output: Path, jobs: int) -> _Timed:
    """Time the command: start to exit; the seconds its own summary line gives, from having
    read the requests to the last form (no start-up, imports or exit); and the processor time
    it used, and the whole machine used meanwhile."""
    shutil.rmtree(output, ignore_errors=True)
    # As after an install: bytecode and a cache folder, which the untimed first run fills.
    environment = processes.as_installed(batch.parent / "cache")
    command = [sys.executable, "-m", "mesoconsent", "render", "--batch", str(batch)]
    command += ["--output-dir", str(output), "--jobs", str(jobs)]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = _machine_busy()
    start = time.perf_counter()
    # Not a terminal: the quiet, line-based progress, as in a scheduled job.
    done = subprocess.run(
        command,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment,
        text=True,
    )
    elapsed = time.perf_counter() - start
    machine_after = _machine_busy()
    # The command's workers count too: it waited for them, so they are its children's.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    processor = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    summary = _SUMMARY.search(done.stdout)
    if summary is None:
        raise ValueError(f"no summary line in the command's output: {done.stdout!r}")
    busy = None if machine is None or machine_after is None else machine_after - machine
    return _Timed(elapsed, float(summary.group(1)), processor, busy)


def _machine_busy() -> float | None:
    """Processor seconds the whole machine has been busy (every process, and the kernel's
    own threads, which write and sync files for the command), from /proc/stat; None where
    there is none."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is in user already)
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# The command's last line: "rendered 800, failed 0 (of 800 requests) in 2.01 s, 398.0 forms/s".
_SUMMARY = re.compile(r" in ([0-9.]+) s, [0-9.]+ forms/s")


def docxtpl_contexts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The docxtpl template's values for each request's form, from mesoconsent's rendering of
    it (so in its language): the details table's values, by row, under the English form's
    variable names; the checklist with its answers; the signers; the header."""
    engine = mesoconsent.Engine()
    names = _details_names(equivalents.form_spec(engine.compose(mesoconsent.example_request())))
    contexts = []
    for data in requests:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # draft translations, "yes" answers
            spec = equivalents.form_spec(engine.compose(engine.request_from_dict(data)))
        values = [spec.context[name] for name in _details_names(spec)]
        if len(values) != len(names):
            raise ValueError("a request's details table has other rows than the example's")
        context: dict[str, Any] = dict(zip(names, values, strict=True))
        for key in ("screening", "signers", "header"):
            context[key] = spec.context[key]
        contexts.append(context)
    return contexts


def _details_names(spec: equivalents.FormSpec) -> list[str]:
    return [
        name
        for item in spec.layout
        if isinstance(item, equivalents.Details)
        for _, name in item.rows
    ]


def _run_docxtpl(folder: Path, requests: list[dict[str, Any]]) -> float:
    """Seconds for a fresh process to make the forms of ``requests`` with docxtpl, as files."""
    work = folder / "docxtpl"
    shutil.rmtree(work, ignore_errors=True)
    (work / "out").mkdir(parents=True)
    english = equivalents.form_spec(mesoconsent.Engine().compose(mesoconsent.example_request()))
    equivalents.build_docxtpl_template(english, work / "template.docx")
    contexts = docxtpl_contexts(requests)
    (work / "contexts.json").write_text(json.dumps(contexts, ensure_ascii=False), encoding="utf-8")
    # A process that imports only docxtpl and the standard library (whose bytecode pip
    # wrote on install), not mesoconsent: docxtpl_worker.py.
    command = [sys.executable, str(Path(__file__).resolve().parent / "docxtpl_worker.py")]
    start = time.perf_counter()
    subprocess.run([*command, str(work)], check=True, env=processes.as_installed(work / "cache"))
    elapsed = time.perf_counter() - start
    written = sorted((work / "out").glob("*.docx"))
    assert len(written) == len(requests), f"docxtpl wrote {len(written)} forms"
    # The last form shows its own values (python-docx reads them back).
    last = contexts[-1]
    probes = [str(last[name]) for name in _details_names(english)]
    probes += [row["question"] for row in last["screening"]] + [last["header"]]
    equivalents.check_docx(written[-1].read_bytes(), probes)
    return elapsed


def _spin(iterations: int) -> float:
    """Seconds this process takes over a fixed piece of pure-Python work (arithmetic and a
    small dict, as rendering's interpreter work is)."""
    start = time.perf_counter()
    total = 0
    table: dict[int, int] = {}
    for number in range(iterations):
        total += number * number % 7
        table[number % 4096] = total
    return time.perf_counter() - start


def machine_ratio(jobs: int, iterations: int = 1_500_000) -> float:
    """How many times the work of one process the machine gets through when ``jobs``
    processes run the same CPU-bound loop at once: ``jobs`` on idle cores of their own, less
    where the cores are shared (hyper-threads; a virtual machine's cores, which other
    machines' work takes turns on). It is measured next to each pair of runs, so a ratio
    that falls short can be told from a machine that did."""
    from concurrent.futures import ProcessPoolExecutor

    ratios = []
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(int, range(jobs)))  # the workers are up before anything is timed
        # The median of three tries: one short try moved by 0.4x from one minute to the next.
        for _ in range(3):
            alone = _spin(iterations)
            start = time.perf_counter()
            list(pool.map(_spin, [iterations] * jobs))
            ratios.append(jobs * alone / (time.perf_counter() - start))
    return statistics.median(ratios)


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
    parser.add_argument(
        "--docxtpl-requests",
        type=int,
        default=200,
        help="requests docxtpl renders for the comparison (0 skips it)",
    )
    options = parser.parse_args(argv)
    requests = varied_requests(options.requests)
    with tempfile.TemporaryDirectory(prefix="mesoconsent-batch-") as folder:
        batch = Path(folder) / "requests.jsonl"
        batch.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests), encoding="utf-8"
        )
        _run(batch, Path(folder) / "warm", 1)  # bytecode and template cache, as after install
        runs: list[tuple[_Timed, _Timed]] = []
        machine: list[float] = []
        for pair in range(options.pairs):
            machine.append(machine_ratio(options.jobs))
            # Each run into a folder of its own, all removed at the end: forms removed just
            # before a run make creating its files slower (docs/performance.md, "Batch mode").
            outputs = [Path(folder) / f"out-{pair}-{side}" for side in ("single", "several")]
            single = _run(batch, outputs[0], 1)
            several = _run(batch, outputs[1], options.jobs)
            runs.append((single, several))
            for output in outputs:
                written = len(list(output.glob("*.docx")))
                assert written == len(requests), f"{written} forms written"
        docxtpl = 0.0
        if options.docxtpl_requests > 0:
            subset = requests[: options.docxtpl_requests]
            docxtpl = len(subset) / _run_docxtpl(Path(folder), subset)
    _print_runs(runs, machine, len(requests), options.jobs)
    rows = [(len(requests) / single.wall, len(requests) / several.wall) for single, several in runs]
    if docxtpl:
        single_rate = statistics.median(single for single, _ in rows)
        several_rate = statistics.median(several for _, several in rows)
        print(
            f"\ndocxtpl, {min(options.docxtpl_requests, len(requests))} of the requests in one "
            f"process (load the template, render, save to a file): {docxtpl:.1f} forms/s; "
            f"mesoconsent (median) `--jobs 1` {single_rate / docxtpl:.1f}x that, "
            f"`--jobs {options.jobs}` {several_rate / docxtpl:.1f}x"
        )
    if options.no_files:
        single_seconds = _in_memory(requests, 1)
        several_seconds = _in_memory(requests, options.jobs)
        print(
            f"\nin memory (render_batch, no files): jobs 1 "
            f"{len(requests) / single_seconds:.0f} forms/s, jobs {options.jobs} "
            f"{len(requests) / several_seconds:.0f} forms/s, "
            f"{single_seconds / several_seconds:.2f}x"
        )
    return 0


def _print_runs(
    runs: list[tuple[_Timed, _Timed]], machine: list[float], requests: int, jobs: int
) -> None:
    """The pairs as a Markdown table, with the medians. The bound is the ratio the run with
    ``jobs`` workers would give if the processor time the machine spent during it were spread
    evenly over ``jobs`` cores from its first moment to its last: no scheduling of the same
    work can beat it, so a bound under the target says the work, not how it is shared out,
    is what falls short. ``--jobs 1`` gets help for free: while it renders, the kernel writes
    and syncs its files on the other core. The last column is what the machine itself gave
    ``jobs`` copies of a CPU-bound loop just before the pair (machine_ratio)."""
    print(f"{requests} requests, `--jobs 1` against `--jobs {jobs}`:\n")
    print(
        f"| pair | jobs 1 (forms/s) | jobs {jobs} (forms/s) | ratio | ratio by the command's "
        f"own count | processor s, jobs 1 (command, machine) | processor s, jobs {jobs} "
        f"(command, machine) | bound | the machine: {jobs} loops at once |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ratios, own, bounds = [], [], []
    for pair, (single, several) in enumerate(runs, start=1):
        ratios.append(single.wall / several.wall)
        # (Its summary gives hundredths of a second: a tiny batch can read 0.00 s.)
        own.append(single.own / several.own if several.own > 0 else float("nan"))
        bound = float("nan")
        if several.machine:
            bound = jobs * single.wall / several.machine
        bounds.append(bound)
        print(
            f"| {pair} | {requests / single.wall:.0f} | {requests / several.wall:.0f} | "
            f"{ratios[-1]:.2f}x | {own[-1]:.2f}x | {_processor(single)} | "
            f"{_processor(several)} | {bound:.2f}x | {machine[pair - 1]:.2f}x |"
        )
    print(f"\nmedian ratio {statistics.median(ratios):.2f}x (target >= 1.7x on 2 cores)")
    print(
        f"by the command's own count (its summary line: from having read the requests to the "
        f"last form, without start-up, imports and exit): {statistics.median(own):.2f}x"
    )
    print(
        f"bound (jobs x the jobs 1 run's seconds / the machine's busy processor seconds "
        f"during the jobs {jobs} run): {statistics.median(bounds):.2f}x"
    )
    print(
        f"the machine itself ({jobs} copies of a CPU-bound Python loop at once, against one): "
        f"median {statistics.median(machine):.2f}x ({min(machine):.2f}x to {max(machine):.2f}x)"
    )


def _processor(run: _Timed) -> str:
    machine = "n/a" if run.machine is None else f"{run.machine:.2f}"
    return f"{run.processor:.2f}, {machine}"


if __name__ == "__main__":
    sys.exit(main())
