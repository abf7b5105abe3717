"""The Markdown audit report of one document: summary first, then every claim with its evidence.

The same content as the HTML report (`report_view` computes both), for reading in a terminal or a diff.
Every piece of document and record text is escaped: a `<script>` in a claim renders as text, not markup.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from pipeline.models import Claim, Marker, ParsedDocument, Section
from pipeline.outputs.bundle import CurationRun, DocumentRun, RunInfo
from pipeline.outputs.report_view import (
    ClaimCard,
    LinkRow,
    Summary,
    claim_cards,
    decision_text,
    flag_text,
    safe_url,
    summarise,
)

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md_escape(text: str) -> str:
    """Escape text for Markdown and for the HTML a Markdown renderer lets through."""
    return MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def _marker(m: Marker) -> str:
    refs = ", ".join(map(str, m.refs))
    note = ""
    if m.ambiguous:
        note = " — **ambiguous**, or " + " / ".join(", ".join(map(str, a)) for a in m.alternatives)
    return f"`{m.token}` → {refs} (line {m.line}, col {m.column}, {m.confidence:.2f}){note}"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _untitled(section: Section, claims: list[Claim]) -> str:
    """A heading for a section that has none: the preamble, or an FAQ answer whose question was lost."""
    if section.kind == "faq_answer":
        opening = claims[0].text if claims else section.section_id
        return f"FAQ answer (question lost): {_short(opening, 80)}"
    return section.kind.capitalize()


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k}: {n}" for k, n in counter.most_common()) or "none"


def _summary(s: Summary, doc: ParsedDocument) -> list[str]:
    markers = [m for c in doc.claims for m in c.markers]
    kinds = Counter(c.kind for c in doc.claims)
    return [
        "## Summary",
        "",
        f"- Claims: {s.claims} ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))})",
        f"- Cited claims: {s.cited}; uncited: {s.uncited}",
        f"- Citation markers: {len(markers)}, of which ambiguous: {sum(m.ambiguous for m in markers)}",
        f"- Sections: {len(doc.sections)}",
        f"- Linked records: {s.links}, of which rejected by a curator: {s.rejected}",
        f"- Flags: {sum(s.flags.values())} ({_counts(s.flags)})",
        f"- Alerts since the last run: {len(s.alerts)}",
        f"- Curator decisions pending (flagged claims without a decision): {len(s.pending)}",
        f"- Orphaned decisions: {len(s.orphaned)}",
        f"- Sources that could not be refreshed: {len(s.unreachable)}",
        *[f"- Warning: {md_escape(w)}" for w in s.warnings],
    ]


def _pyramid(s: Summary) -> list[str]:
    types = s.pyramid_types
    out = ["### Evidence pyramid", "", "Supporting links (not rejected, not retracted) by CEBM level.", ""]
    out += ["| Level | " + " | ".join(types) + " | Total |", "|---" * (len(types) + 2) + "|"]
    for level, row in s.pyramid.items():
        cells = [str(row[t] or "") for t in types]
        name = str(level) if level is not None else "no level"
        out.append(f"| {name} | " + " | ".join(cells) + f" | {sum(row.values())} |")
    return out


def _lists(s: Summary) -> list[str]:
    sections = [
        ("Alerts since the last run", [f"**{a.kind}** {_code(a.claim_id)} record {_code(a.record_id)}: "
                                       f"{md_escape(a.detail)}" for a in s.alerts]),
        ("Curator decisions pending", [f"L{c.line} {_code(c.claim_id)}: {md_escape(_short(c.text))}"
                                       for c in s.pending]),
        ("Orphaned decisions", [f"{_code(o.decision.id or '')} {md_escape(decision_text(o.decision))} — "
                                f"{md_escape(o.reason)}" for o in s.orphaned]),
        ("Sources that could not be refreshed", [f"**{md_escape(k)}**: {md_escape(v)}"
                                                 for k, v in s.unreachable.items()]),
    ]  # fmt: skip
    out = []
    for title, items in sections:
        out += ["", f"### {title}", ""] + ([f"- {i}" for i in items] or ["None."])
    return out


def _link(row: LinkRow) -> list[str]:
    k = row.link
    where = ", ".join(
        x for x in (str(row.year or ""), f"*{md_escape(row.journal)}*" if row.journal else "") if x
    )
    status = " (rejected)" if k.rejected else " (accepted)" if k.accepted else ""
    level = f"level {k.level}" if k.level is not None else "no level"
    urls = " ".join(f"[{label}](<{url}>)" for label, url in row.urls)
    head = (
        f"  - {md_escape(row.title)} ({where}) {_code(k.record_id)} — {k.evidence_type or 'unknown'}, "
        f"{level}, integrity {k.integrity or 'unknown'} — **{k.relation}**{status} · {k.origin} "
        f"{k.score:.2f} {urls}"
    )
    return [head.rstrip()] + [f"    - {md_escape(r)}" for r in k.reasons]


def _card(card: ClaimCard) -> list[str]:
    c, v = card.claim, card.verdict
    out = [f"- **L{c.line}** · {c.kind} · {_code(c.claim_id)} — {md_escape(c.text)}"]
    if c.source_text != c.text:
        out.append(f"  - source line: {md_escape(c.source_text)}")
    if c.markers:
        out.append("  - markers: " + "; ".join(_marker(m) for m in c.markers))
        out += [f"  - marker {md_escape(line)}" for line in card.markers]
    if c.asserted_evidence:
        out.append("  - asserted evidence: " + ", ".join(c.asserted_evidence))
    best = v.best_level if v.best_level is not None else "none"
    out.append(
        f"  - best supporting level: {best}; backing links by type: {_counts(Counter(v.counts_by_type))}"
    )
    out += [f"  - **flag** {md_escape(flag_text(f))}" for f in v.flags]
    out += [f"  - **alert** {a.kind}: {md_escape(a.detail)} ({_code(a.record_id)})" for a in card.alerts]
    out += [f"  - curator: {md_escape(decision_text(d))}" for d in card.decisions]
    if card.links:
        out.append("  - linked records:")
        out += [line for row in card.links for line in _link(row)]
    return out


def render_document(doc_run: DocumentRun, run: CurationRun) -> str:
    """The Markdown report of one document in a run."""
    doc, summary, cards = doc_run.doc, summarise(doc_run, run), claim_cards(doc_run, run)
    out = [f"# {md_escape(summary.title)}", ""]
    if origin := safe_url(doc.meta.origin_url):
        out.append(f"Origin: <{html.escape(origin)}>  ")
    out += [
        f"Source file: {_code(doc.path)}  ",
        f"Run: {_code(run.run.run_id)} started {run.run.started_at}",
        "",
    ]
    out += [*_summary(summary, doc), "", *_pyramid(summary), *_lists(summary)]
    ambiguous = [(c, m) for c in doc.claims for m in c.markers if m.ambiguous]
    if ambiguous:
        out += ["", "## Ambiguous markers", ""]
        out += [f"- {_marker(m)} in {_code(c.claim_id)}: {md_escape(_short(c.text))}" for c, m in ambiguous]
    out += ["", "## Sections and claims"]
    by_section: dict[str, list[ClaimCard]] = {}
    for card in cards:
        by_section.setdefault(card.claim.section, []).append(card)
    for s in doc.sections:
        in_section = by_section.get(s.section_id, [])
        heading = s.heading or _untitled(s, [card.claim for card in in_section])
        out += ["", f"{'#' * min(s.level + 2, 6)} {md_escape(heading)}", ""]
        out += [f"_{s.kind}, line {s.line}, reference scope {_code(s.scope)}_", ""]
        out += [line for card in in_section for line in _card(card)]
    return "\n".join(out) + "\n"


def render(doc: ParsedDocument) -> str:
    """The report of a document that was parsed but not linked (no records, verdicts or decisions yet).

    Kept for callers that have only the parse; a linked run uses `render_document`.
    """
    parse_only = CurationRun(run=RunInfo(run_id="parse-only", started_at=""), documents=[])
    return render_document(DocumentRun(doc=doc), parse_only)
