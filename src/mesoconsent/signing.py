"""The render gate's check of the signature lines: whoever must sign has a line, under every
disclosure.

A form the patient cannot sign, or signs above risks they have not yet read, is no consent
form; and a line that names someone else than the person who signs it records nothing. The
template decides the lines' captions and their order; what it cannot change is checked here:
one signature block; a line carrying, exactly as the request gives it, the name of the patient,
of the practitioner and of the third signer (interpreter, witness or guardian) if there is one;
and no required disclosure or screening question after the block.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from mesoconsent import document as d
from mesoconsent.coverage import value_digest
from mesoconsent.errors import DisclosureProblem
from mesoconsent.model import ConsentRequest

# Problem names: the signature block, and each person's line by who they are.
SIGNATURES = "signatures"
AFTER_SIGNATURES = "after the signature lines"


def signature_problems(document: d.Document, request: ConsentRequest) -> list[DisclosureProblem]:
    """Problems with the document's signature lines for ``request``; [] if none."""
    places = [i for i, block in enumerate(document.blocks) if isinstance(block, d.SignatureBlock)]
    if len(places) != 1:
        return [DisclosureProblem(SIGNATURES, "duplicated" if places else "missing")]
    place = places[0]
    block = document.blocks[place]
    assert isinstance(block, d.SignatureBlock)
    lines = Counter(signer.name for signer in block.signers)
    signing = [("patient", request.patient.full_name)]
    signing.append(("practitioner", request.practitioner.full_name))
    if request.witness is not None:
        signing.append((request.witness.role, request.witness.full_name))
    problems = []
    for who, name in signing:
        if lines[name] > 0:
            lines[name] -= 1  # two people of one name sign on two lines
        else:
            problems.append(DisclosureProblem(f"{d.SIGNATURE_PREFIX}{who}", "missing"))
    for later in document.blocks[place + 1 :]:
        problems.extend(
            DisclosureProblem(disclosure_id, AFTER_SIGNATURES)
            for disclosure_id, _ in d.block_disclosures(later)
        )
        if isinstance(later, d.Table):
            problems.extend(
                DisclosureProblem(d.screening_key(row.screening), AFTER_SIGNATURES)
                for row in later.rows
                if row.screening is not None
            )
    return problems


def signer_digests(document: d.Document) -> Iterator[tuple[str, str]]:
    """A digest of the name on each signer's line, by the line's mark: the document records
    them (``mesoconsent.values``) so that ``verify`` finds a name changed after rendering.
    The names are printed on the form; their digests tell a reader of the file nothing it
    does not show. (Not the caption above the name: a clinic may retype it, "Interpreter /
    Dolmetscher", and it names the role, not the person.)"""
    for block in document.blocks:
        if isinstance(block, d.SignatureBlock):
            count = len(block.signers)
            for number, signer in enumerate(block.signers, start=1):
                yield d.signature_mark(number, count), value_digest(signer.name)


def signed_name(line: str) -> str:
    """The name on a signer's line as a stored form reads: its last line that says anything
    (the caption above it may have been retyped on two lines, "Interpreter" and
    "Dolmetscher", or the name put in a paragraph of its own; without a break, all of it)."""
    return next((text for text in reversed(line.split("\n")) if text.strip()), "")
