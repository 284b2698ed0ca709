"""A fresh process imports what its work needs (issue 5: the command line starts fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Imported only where they are used: Babel's .po machinery where a catalog is read, each
# writer where its format is asked for, batch mode and verify where they run.
LAZY = (
    "babel.messages",
    "babel.support",
    "mesoconsent.writers.html",
    "mesoconsent.writers.text",
    "mesoconsent.batch",
    "mesoconsent.verification",
    "secrets",
    "concurrent.futures",
)


def imported_after(code: str) -> list[str]:
    script = (
        "import sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "import mesoconsent\n"
        f"{code}\n"
        f"print(__import__('json').dumps([m for m in {LAZY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return list(json.loads(done.stdout.splitlines()[-1]))  # after what the code printed


def test_an_english_docx_imports_no_catalog_reader_and_no_other_writer() -> None:
    assert imported_after("mesoconsent.render(mesoconsent.example_request())") == []


def test_the_command_line_renders_the_example_without_them(tmp_path: Path) -> None:
    code = (
        "from mesoconsent.cli import main\n"
        f"assert main(['render', '--example', '--output', {str(tmp_path) + '/x.docx'!r}]) == 0"
    )
    assert imported_after(code) == []


@pytest.mark.parametrize(
    ("code", "needed"),
    [
        (
            "import attrs; mesoconsent.render(attrs.evolve("
            "mesoconsent.example_request(), locale='de'))",
            ["babel.messages", "babel.support"],
        ),
        (
            "mesoconsent.render(mesoconsent.example_request(), 'html')",
            ["mesoconsent.writers.html"],
        ),
        (
            "mesoconsent.render(mesoconsent.example_request(), 'text')",
            ["mesoconsent.writers.text"],
        ),
    ],
)
def test_what_a_render_needs_is_imported_when_it_is_needed(code: str, needed: list[str]) -> None:
    assert imported_after(code) == needed


@pytest.mark.parametrize(("jobs", "needed"), [(1, []), (2, ["concurrent.futures"])])
def test_a_batch_imports_the_process_pool_only_to_start_workers(
    tmp_path: Path, jobs: int, needed: list[str]
) -> None:
    # The process pool (concurrent.futures) costs about 10 ms a run, which --jobs 1 never needs.
    import mesoconsent

    batch = tmp_path / "requests.jsonl"
    line = json.dumps(mesoconsent.request_to_dict(mesoconsent.example_request()))
    batch.write_text(f"{line}\n{line}\n", encoding="utf-8")
    code = (
        "from mesoconsent.cli import main\n"
        f"assert main(['render', '--batch', {str(batch)!r}, '--output-dir', "
        f"{str(tmp_path / 'out')!r}, '--jobs', '{jobs}']) == 0"
    )
    assert [module for module in imported_after(code) if module.startswith("concurrent")] == needed
