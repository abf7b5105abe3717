"""The Markdown audit report of one document: summary, then sections with their claims and markers.

Every piece of document text is escaped: a `<script>` in a claim renders as text, not markup.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from pipeline.models import Claim, Marker, ParsedDocument, Section

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md_escape(text: str) -> str:
    """Escape text for Markdown and for the HTML a Markdown renderer lets through."""
    return MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", " ")


def _marker(m: Marker) -> str:
    refs = ", ".join(map(str, m.refs))
    note = ""
    if m.ambiguous:
        note = " — **ambiguous**, or " + " / ".join(", ".join(map(str, a)) for a in m.alternatives)
    return f"`{m.token}` → {refs} (line {m.line}, col {m.column}, {m.confidence:.2f}){note}"


def _claim(c: Claim) -> list[str]:
    lines = [f"- **L{c.line}** · {c.kind} · `{c.claim_id}` — {md_escape(c.text)}"]
    if c.markers:
        lines.append("  - markers: " + "; ".join(_marker(m) for m in c.markers))
    if c.asserted_evidence:
        lines.append("  - asserted evidence: " + ", ".join(c.asserted_evidence))
    return lines


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _untitled(section: Section, claims: list[Claim]) -> str:
    """A heading for a section that has none: the preamble, or an FAQ answer whose question was lost."""
    if section.kind == "faq_answer":
        opening = claims[0].text if claims else section.section_id
        return f"FAQ answer (question lost): {_short(opening, 80)}"
    return section.kind.capitalize()


def render(doc: ParsedDocument) -> str:
    claims, markers = doc.claims, [m for c in doc.claims for m in c.markers]
    kinds = Counter(c.kind for c in claims)
    ambiguous = [(c, m) for c in claims for m in c.markers if m.ambiguous]
    title = md_escape(doc.meta.title or doc.meta.slug)
    out = [f"# {title}", ""]
    if doc.meta.origin_url:
        out.append(f"Origin: <{html.escape(doc.meta.origin_url)}>  ")
    out += [
        f"Source file: `{doc.path.replace('`', '')}`",
        "",
        "## Summary",
        "",
        f"- Claims: {len(claims)} ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))})",
        f"- Cited claims: {sum(bool(c.markers) for c in claims)}; "
        f"uncited: {sum(not c.markers for c in claims)}",
        f"- Citation markers: {len(markers)}, of which ambiguous: {len(ambiguous)}",
        f"- Sections: {len(doc.sections)}",
    ]
    out += [f"- Warning: {md_escape(w)}" for w in doc.warnings]
    if ambiguous:
        out += ["", "## Ambiguous markers", ""]
        out += [f"- {_marker(m)} in `{c.claim_id}`: {md_escape(_short(c.text))}" for c, m in ambiguous]
    out += ["", "## Sections and claims"]
    by_section: dict[str, list[Claim]] = {}
    for c in claims:
        by_section.setdefault(c.section, []).append(c)
    for s in doc.sections:
        heading = s.heading or _untitled(s, by_section.get(s.section_id, []))
        out += [
            "",
            f"{'#' * min(s.level + 2, 6)} {md_escape(heading)}",
            "",
            f"_{s.kind}, line {s.line}, reference scope `{s.scope}`_",
            "",
        ]
        for c in by_section.get(s.section_id, []):
            out += _claim(c)
    return "\n".join(out) + "\n"
