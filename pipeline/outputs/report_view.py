"""What an audit report shows, computed once for the Markdown and HTML renderers: the document's summary
and one card per claim. Pure functions of the run bundle; no markup here, so escaping stays with the
renderers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from pipeline.linking.decision_apply import OrphanedDecision
from pipeline.linking.decisions import Decision
from pipeline.models import EVIDENCE_TYPES, Claim, ClaimVerdict, Flag, Link, Record
from pipeline.outputs.bundle import Alert, CurationRun, DocumentRun

LEVELS = (1, 2, 3, 4, 5, None)  # CEBM levels, best first; None = a type with no level (reviews, other)
TYPE_ORDER = (*EVIDENCE_TYPES, "unknown")  # "unknown": a link whose record has no grade
_PMID = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class LinkRow:
    """One linked record as a card shows it."""

    link: Link
    title: str
    year: int | None
    journal: str | None
    urls: list[tuple[str, str]]  # (label, http(s) URL)


@dataclass(frozen=True)
class ClaimCard:
    """One claim with everything a curator needs to judge it."""

    claim: Claim
    verdict: ClaimVerdict
    markers: list[str]  # "token → where each number points"
    links: list[LinkRow]
    decisions: list[Decision]
    alerts: list[Alert]

    @property
    def flag_kinds(self) -> list[str]:
        return sorted({f.kind for f in self.verdict.flags})

    @property
    def level_key(self) -> str:
        """The best supporting level as a filter value: "1"…"5", or "none"."""
        return str(self.verdict.best_level) if self.verdict.best_level is not None else "none"


@dataclass(frozen=True)
class Summary:
    """The counts a report opens with."""

    title: str
    claims: int
    cited: int
    uncited: int
    links: int
    rejected: int
    pyramid: dict[int | None, Counter[str]]  # level → evidence type → supporting links
    flags: Counter[str]
    alerts: list[Alert]
    pending: list[Claim]  # flagged claims no curator has decided on
    orphaned: list[OrphanedDecision]
    unreachable: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    @property
    def pyramid_types(self) -> list[str]:
        """The evidence types present in the pyramid, strongest first as TYPE_ORDER lists them."""
        present = {t for row in self.pyramid.values() for t in row}
        return [t for t in TYPE_ORDER if t in present]


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL, else None: a `javascript:` or relative URL never links."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def record_urls(record: Record | None, record_id: str) -> list[tuple[str, str]]:
    """PubMed and DOI links built from the identifiers (the record's, else the link's key)."""
    pmid = record.pmid if record else None
    doi = record.doi if record else None
    kind, _, value = record_id.partition(":")
    pmid = pmid or (value if kind == "pmid" else None)
    doi = doi or (value if kind == "doi" else None)
    urls = []
    if pmid and _PMID.match(pmid):
        urls.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"))
    if doi:  # percent-encoded: a DOI may hold any printable character
        urls.append(("DOI", "https://doi.org/" + quote(doi, safe="/:;._-")))
    return urls


def is_supporting(link: Link) -> bool:
    """A link that counts as evidence for the pyramid: supports, not rejected, not retracted."""
    return link.relation == "supports" and not link.rejected and link.integrity != "retracted"


def pyramid(links: list[Link]) -> dict[int | None, Counter[str]]:
    """Supporting links counted by CEBM level and evidence type, every level present (maybe empty)."""
    rows: dict[int | None, Counter[str]] = {level: Counter() for level in LEVELS}
    for k in links:
        if is_supporting(k):
            rows[k.level if k.level in rows else None][k.evidence_type or "unknown"] += 1
    return rows


def summarise(doc_run: DocumentRun, run: CurationRun) -> Summary:
    """The summary of one document."""
    claims = doc_run.doc.claims
    flagged = {v.claim_id for v in doc_run.verdicts if v.flags}
    decided = {d.claim_id for d in doc_run.decisions}
    return Summary(
        title=doc_run.doc.meta.title or doc_run.slug,
        claims=len(claims),
        cited=sum(bool(c.markers) for c in claims),
        uncited=sum(not c.markers for c in claims),
        links=len(doc_run.links),
        rejected=sum(k.rejected for k in doc_run.links),
        pyramid=pyramid(doc_run.links),
        flags=Counter(f.kind for v in doc_run.verdicts for f in v.flags),
        alerts=list(doc_run.alerts),
        pending=[c for c in claims if c.claim_id in flagged and c.claim_id not in decided],
        orphaned=list(doc_run.orphaned),
        unreachable=dict(run.unreachable),
        warnings=list(doc_run.doc.warnings),
    )


def _marker_lines(claim: Claim, doc_run: DocumentRun) -> list[str]:
    """Each marker of the claim and where each of its numbers points (or why nowhere)."""
    targets = {(t.scope, t.number): t for t in doc_run.targets if t.claim_id == claim.claim_id}
    lines = []
    for m in claim.markers:
        where = []
        for n in m.refs:
            t = targets.get((m.scope, n))
            if t is None:
                where.append(f"{n}")
            elif t.identifier is not None:
                where.append(f"{n} → {t.identifier.key} (via {t.via})")
            else:
                where.append(f"{n} → unresolved: {t.reason}")
        note = " (ambiguous)" if m.ambiguous else ""
        lines.append(f"{m.token} at line {m.line}, col {m.column}{note}: " + "; ".join(where))
    return lines


def _link_row(link: Link, run: CurationRun) -> LinkRow:
    record = run.records.get(link.record_id)
    year = (record.year or record.pub_date.year) if record else None
    journal = (record.journal.title or record.journal.iso_abbreviation) if record else None
    title = (record.title if record else None) or link.record_id
    return LinkRow(link, title, year, journal, record_urls(record, link.record_id))


def _link_order(link: Link) -> tuple[bool, bool, int]:
    """Rejected links last; accepted, explicit and curator links before discovered ones, then by rank."""
    return (link.rejected, not link.accepted and link.origin == "discovered", link.rank or 0)


def claim_cards(doc_run: DocumentRun, run: CurationRun) -> list[ClaimCard]:
    """One card per claim, in document order."""
    verdicts = {v.claim_id: v for v in doc_run.verdicts}
    links: dict[str, list[Link]] = {}
    for k in doc_run.links:
        links.setdefault(k.claim_id, []).append(k)
    cards = []
    for c in doc_run.doc.claims:
        verdict = verdicts.get(c.claim_id) or ClaimVerdict(claim_id=c.claim_id, line=c.line)
        rows = [_link_row(k, run) for k in sorted(links.get(c.claim_id, []), key=_link_order)]
        cards.append(
            ClaimCard(
                claim=c,
                verdict=verdict,
                markers=_marker_lines(c, doc_run),
                links=rows,
                decisions=[d for d in doc_run.decisions if d.claim_id == c.claim_id],
                alerts=[a for a in doc_run.alerts if a.claim_id == c.claim_id],
            )
        )
    return cards


def flag_text(flag: Flag) -> str:
    """A flag as one line: its kind, detail and the records that raised it."""
    grounds = f" [{', '.join(flag.links)}]" if flag.links else ""
    return f"{flag.kind}: {flag.detail}{grounds}"


def decision_text(d: Decision) -> str:
    """A curator decision as one line."""
    parts = [d.action]
    parts += [f"record {d.record_id}"] if d.record_id else []
    parts += [f"relation {d.relation}"] if d.relation else []
    parts += [f"evidence type {d.evidence_type}"] if d.evidence_type else []
    who = f" by {d.curator}" if d.curator else ""
    note = f": {d.note}" if d.note else ""
    return f"{' · '.join(parts)}{who} on {d.decided_at:%Y-%m-%d}{note}"
