"""Integrity status from publication types and CommentsCorrections links, keeping their direction.

On an article, `RetractionIn` / `ErratumIn` / `ExpressionOfConcernIn` point at the notice; on the notice,
`RetractionOf` / `ErratumFor` / `ExpressionOfConcernFor` point back at the article. A retraction notice is
not a retracted paper: it gets `retraction_notice`. Precedence when several apply: retracted >
retraction_notice > expression_of_concern > erratum > ok. Integrity is read in text-only mode too: it is
not a design signal, and the title alone cannot tell a notice ("Retracted: …") from a retracted article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.grading.models import IntegrityStatus, Reason
from pipeline.models import Record

Role = Literal["article", "notice"]
# correction type → (status, role); the linked PMID is the other side of the link
_LINKS: dict[str, tuple[IntegrityStatus, Role]] = {
    "RetractionIn": ("retracted", "article"),
    "PartialRetractionIn": ("retracted", "article"),
    "RetractionOf": ("retraction_notice", "notice"),
    "PartialRetractionOf": ("retraction_notice", "notice"),
    "ExpressionOfConcernIn": ("expression_of_concern", "article"),
    "ExpressionOfConcernFor": ("expression_of_concern", "notice"),
    "ErratumIn": ("erratum", "article"),
    "ErratumFor": ("erratum", "notice"),
}
_TYPES: dict[str, tuple[IntegrityStatus, Role]] = {
    "retracted publication": ("retracted", "article"),
    "retraction of publication": ("retraction_notice", "notice"),
    "retraction notice": ("retraction_notice", "notice"),
    "expression of concern": ("expression_of_concern", "notice"),
    "published erratum": ("erratum", "notice"),
}
_ORDER: tuple[IntegrityStatus, ...] = ("retracted", "retraction_notice", "expression_of_concern", "erratum")


@dataclass(frozen=True)
class Integrity:
    status: IntegrityStatus = "ok"
    role: Role | None = None
    links: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def can_support(self) -> bool:
        """Retracted papers and notices never count as support; corrected papers still do."""
        return self.status != "retracted" and self.role != "notice"


def integrity(record: Record) -> Integrity:
    """The record's integrity status, its role (article or notice) and the linked record IDs."""
    found: list[tuple[IntegrityStatus, Role, str | None, Reason]] = []
    for pt in record.publication_types:
        if hit := _TYPES.get(pt.name.strip().lower()):
            why = Reason(signal="publication_type", evidence=pt.name, effect=f"integrity={hit[0]} ({hit[1]})")
            found.append((*hit, None, why))
    for link in record.corrections:
        if hit := _LINKS.get(link.type):
            target = f"pmid:{link.pmid}" if link.pmid else link.ref_source
            why = Reason(
                signal="correction",
                where="corrections",
                evidence=f"{link.type} {target or ''}".strip(),
                effect=f"integrity={hit[0]} ({hit[1]})",
            )
            found.append((*hit, target, why))
    if not found:
        return Integrity()
    status = min((f[0] for f in found), key=_ORDER.index)
    chosen = [f for f in found if f[0] == status]
    links = list(dict.fromkeys(f[2] for f in chosen if f[2]))
    return Integrity(status, chosen[0][1], links, [f[3] for f in chosen])
