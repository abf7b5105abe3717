"""The report's pictures as inline SVG text: the evidence pyramid and a claims × evidence-type matrix.

Pure functions returning SVG markup; every label goes through `xml_text`, so a claim or record text
holding `<script>` stays text, and control characters XML cannot carry are dropped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence

from pipeline.outputs.report_view import TYPE_ORDER, ClaimCard

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]")  # an SVG label is one line; XML would also rewrite a lone \r
LABEL_W, ROW_H, COL_W, TOP = 150, 14, 6, 24
BAR_MAX, BAR_H = 360, 22
COLOURS = {"supports": "#2e7d32", "partial": "#a5d6a7", "contradicts": "#c62828", "empty": "#f1f1f1"}


def xml_text(text: object) -> str:
    """Text safe inside an SVG/HTML element or attribute value, on one line."""
    return html.escape(_LINE_BREAKS.sub(" ", _XML_INVALID.sub("", str(text))), quote=True)


def _counts(card: ClaimCard) -> dict[str, Counter[str]]:
    """Evidence type → relation → links of the claim (rejected links left out)."""
    by_type: dict[str, Counter[str]] = {}
    for row in card.links:
        if not row.link.rejected:
            by_type.setdefault(row.link.evidence_type or "unknown", Counter())[row.link.relation] += 1
    return by_type


def _cell_colour(counts: Counter[str]) -> str:
    if counts["supports"]:
        return COLOURS["supports"]
    if counts["partial"]:
        return COLOURS["partial"]
    return COLOURS["contradicts"] if counts["contradicts"] else COLOURS["empty"]


def _cell(column: int, y: int, card: ClaimCard, etype: str, counts: Counter[str]) -> str:
    x = LABEL_W + column * COL_W
    tip = f"claim {column + 1} (line {card.claim.line}) · {etype}: " + ", ".join(
        f"{n} {rel}" for rel, n in sorted(counts.items())
    )
    stroke = ' stroke="#c62828" stroke-width="1.5"' if counts["contradicts"] else ""
    return (
        f'<a href="#{xml_text(card.claim.claim_id)}"><rect x="{x}" y="{y}" width="{COL_W - 1}" '
        f'height="{ROW_H - 2}" fill="{_cell_colour(counts)}"{stroke}><title>{xml_text(tip)}</title>'
        f"</rect></a>"
    )


def matrix_svg(cards: Sequence[ClaimCard]) -> str:
    """Claims (columns, document order) × evidence types (rows): green where a type supports the claim,
    pale where it partly does, red where it contradicts; each cell links to the claim's card."""
    counts = [_counts(c) for c in cards]
    types = [t for t in TYPE_ORDER if any(t in c for c in counts)]
    width, height = LABEL_W + COL_W * max(len(cards), 1) + 10, TOP + ROW_H * max(len(types), 1) + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="matrix" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="matrix-title">',
        f'<title id="matrix-title">{xml_text(f"{len(cards)} claims × evidence types")}</title>',
    ]
    for i in range(0, len(cards), 10):  # a claim-number tick every ten columns
        out.append(f'<text x="{LABEL_W + i * COL_W}" y="{TOP - 8}" class="tick">{i + 1}</text>')
    for r, etype in enumerate(types):
        y = TOP + r * ROW_H
        out.append(f'<text x="{LABEL_W - 6}" y="{y + ROW_H - 4}" text-anchor="end">{xml_text(etype)}</text>')
        for i, (card, by_type) in enumerate(zip(cards, counts, strict=True)):
            if etype in by_type:
                out.append(_cell(i, y, card, etype, by_type[etype]))
    out.append("</svg>")
    return "\n".join(out)


def pyramid_svg(pyramid: dict[int | None, Counter[str]]) -> str:
    """Supporting links per CEBM level as centred bars, level 1 on top, each labelled with its types."""
    most = max((sum(row.values()) for row in pyramid.values()), default=0) or 1
    width, height = LABEL_W + BAR_MAX + 420, BAR_H * len(pyramid) + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pyramid" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="pyramid-title">',
        '<title id="pyramid-title">Supporting links by evidence level</title>',
    ]
    for r, (level, row) in enumerate(pyramid.items()):
        y, total = 4 + r * BAR_H, sum(row.values())
        bar = round(BAR_MAX * total / most)
        name = f"Level {level}" if level is not None else "No level"
        detail = ", ".join(f"{t} {n}" for t, n in sorted(row.items(), key=lambda kv: (-kv[1], kv[0])))
        out += [
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 8}" text-anchor="end">{xml_text(name)}</text>',
            f'<rect x="{LABEL_W + (BAR_MAX - bar) // 2}" y="{y}" width="{bar}" height="{BAR_H - 4}" '
            f'fill="{COLOURS["supports"]}"><title>{xml_text(f"{name}: {total}")}</title></rect>',
            f'<text x="{LABEL_W + BAR_MAX + 8}" y="{y + BAR_H - 8}">'
            f"{xml_text(f'{total}' + (f' ({detail})' if detail else ''))}</text>",
        ]
    out.append("</svg>")
    return "\n".join(out)
