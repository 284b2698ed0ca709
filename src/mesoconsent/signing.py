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

from mesoconsent import document as d
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
