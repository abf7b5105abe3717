"""Claim verdicts: the best evidence behind a claim and the audit flags a curator should look at first.

Every flag names the links (record IDs) that raised it, so a report can show its grounds:

    uncited                 no marker, no explicit or curator link
    unresolved_marker       a marker number points nowhere (reason given)
    missing_record          a marker resolved to an identifier, but no record could be had
    evidence_type_mismatch  the claim asserts clinical evidence, the linked records are preclinical or
                            reviews — or a table's "Evidence Type" cell names types no record has
    overstated              efficacy or safety language backed only by preclinical or case evidence
    contradicted            a contradicting link of equal or better evidence level than any support
    retracted_support       a supporting link is to a retracted paper
    indirect_population     a claim about patients backed only by cells or animals
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pipeline.linking.references import MarkerTarget
from pipeline.models import Claim, ClaimVerdict, Flag, Link

PRECLINICAL = frozenset({"in_vitro", "animal", "in_vitro_and_animal"})
CASES = frozenset({"case_report", "case_series"})
SECONDARY = frozenset({"review", "other"})
CLINICAL = frozenset(
    {
        "observational",
        "nonrandomized_trial",
        "rct",
        "systematic_review",
        "meta_analysis",
        "case_report",
        "case_series",
    }
)
EFFICACY_OR_SAFETY = re.compile(
    r"\b(effective|efficacy|safe(?:ly|ty)?|well[- ]tolerated|improv\w*|reduc\w*|prevent\w*|remission|"
    r"benefi\w*|protect\w*|suppress\w*|inhibit\w*|prognosis|survival|no (?:significant )?(?:side|adverse))",
    re.IGNORECASE,
)


def judge(
    claim: Claim, links: Sequence[Link], targets: Sequence[MarkerTarget], missing: Sequence[MarkerTarget] = ()
) -> ClaimVerdict:
    """The verdict of one claim from its (decision-applied) links and its marker resolutions."""
    backing = [k for k in links if k.relation in ("supports", "partial")]
    supporting = [k for k in links if k.relation == "supports"]
    levels = [k.level for k in supporting if k.level is not None and k.integrity != "retracted"]
    flags = [
        *_citation_flags(claim, links, targets, missing),
        *_evidence_flags(claim, backing),
        *_contradiction_flags(links, min(levels) if levels else None),
    ]
    return ClaimVerdict(
        claim_id=claim.claim_id,
        line=claim.line,
        best_level=min(levels) if levels else None,
        counts_by_type=dict(Counter(k.evidence_type or "unknown" for k in backing)),
        flags=flags,
    )


def _citation_flags(
    claim: Claim, links: Sequence[Link], targets: Sequence[MarkerTarget], missing: Sequence[MarkerTarget]
) -> list[Flag]:
    flags = []
    if not claim.markers and not any(k.origin in ("explicit", "curator") for k in links):
        flags.append(Flag(kind="uncited", detail="the claim carries no citation marker"))
    unresolved = [t for t in targets if t.identifier is None]
    if unresolved:
        numbers = ", ".join(f"{t.scope}#{t.number}" for t in unresolved)
        flags.append(Flag(kind="unresolved_marker", detail=f"{numbers}: {unresolved[0].reason}"))
    if missing:
        ids = [t.identifier.key for t in missing if t.identifier]
        flags.append(
            Flag(kind="missing_record", links=ids, detail=f"no record could be had for {', '.join(ids)}")
        )
    return flags


def _evidence_flags(claim: Claim, backing: Sequence[Link]) -> list[Flag]:
    if not backing:
        return []
    ids = [k.record_id for k in backing]
    types = {k.evidence_type for k in backing if k.evidence_type}
    flags = []
    asserted = set(claim.asserted_evidence)
    if asserted & CLINICAL and types and types <= PRECLINICAL | SECONDARY:
        flags.append(
            Flag(
                kind="evidence_type_mismatch",
                links=ids,
                detail=f"asserts {', '.join(sorted(asserted & CLINICAL))}; linked records are "
                f"{', '.join(sorted(types))}",
            )
        )
    elif claim.kind == "table_row" and asserted and types and not (asserted & _broaden(types)):
        flags.append(
            Flag(
                kind="evidence_type_mismatch",
                links=ids,
                detail=f"table says {', '.join(sorted(asserted))}; records are {', '.join(sorted(types))}",
            )
        )
    if EFFICACY_OR_SAFETY.search(claim.text) and types and types <= PRECLINICAL | CASES:
        flags.append(
            Flag(
                kind="overstated",
                links=ids,
                detail=f"efficacy or safety language backed only by {', '.join(sorted(types))}",
            )
        )
    retracted = [k.record_id for k in backing if k.integrity == "retracted"]
    if retracted:
        flags.append(Flag(kind="retracted_support", links=retracted, detail="backed by a retracted paper"))
    if all(k.indirect for k in backing):
        flags.append(
            Flag(
                kind="indirect_population",
                links=ids,
                detail="the claim is about people; the records study cells or animals",
            )
        )
    return flags


def _contradiction_flags(links: Sequence[Link], best_support: int | None) -> list[Flag]:
    against = [k for k in links if k.relation == "contradicts" and k.integrity != "retracted"]
    strong = [k for k in against if best_support is None or (k.level is not None and k.level <= best_support)]
    if not strong:
        return []
    return [
        Flag(
            kind="contradicted",
            links=[k.record_id for k in strong],
            detail="contradicted by evidence at least as strong as any support",
        )
    ]


def _broaden(types: set[str]) -> set[str]:
    """A record that is in vitro and animal satisfies a table that says either."""
    return types | ({"in_vitro", "animal"} if "in_vitro_and_animal" in types else set())
