"""The timed docxtpl process of benchmarks/batch.py: each form as a docxtpl user makes it.

    python benchmarks/docxtpl_worker.py FOLDER

FOLDER holds ``template.docx`` and ``contexts.json`` (a list of template contexts); form N
is saved as ``out/00000N.docx``. This file imports only docxtpl and the standard library, so
the process it runs in pays for what a docxtpl user's would, and not for importing
mesoconsent or the benchmark's own helpers (about a third of a second).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from docxtpl import DocxTemplate


def make_forms(folder: Path) -> None:
    template = str(folder / "template.docx")
    contexts = json.loads((folder / "contexts.json").read_text(encoding="utf-8"))
    for number, context in enumerate(contexts, start=1):
        form = DocxTemplate(template)
        form.render(context, autoescape=True)
        form.save(str(folder / "out" / f"{number:06d}.docx"))


if __name__ == "__main__":
    make_forms(Path(sys.argv[1]))
