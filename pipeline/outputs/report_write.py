"""Write a run's audit reports into `reports/`: `<slug>.md` and `<slug>.html` per document, then
`index.html`. Each file is written atomically, so a reader never sees half a report.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import DocumentError
from pipeline.outputs import report_html, report_md
from pipeline.outputs.atomic import write_text
from pipeline.outputs.bundle import CurationRun


def stale_reports(run: CurationRun, out_dir: Path) -> list[Path]:
    """Report pairs (`<slug>.md` + `<slug>.html`) for documents this run did not have: a document removed
    from sources/ leaves them behind, unlisted in the index. They are named, not deleted: `reports/`
    may hold a curator's own files too."""
    current = {report_name(d.slug) for d in run.documents}
    return sorted(
        html
        for html in out_dir.glob("*.html")
        if html.stem != "index"
        and html.stem not in current
        and _SLUG.fullmatch(html.stem)
        and html.with_suffix(".md").is_file()
    )


def write_reports(run: CurationRun, out_dir: Path) -> list[Path]:
    """Render and write every report of `run` under `out_dir`; the paths written, index last."""
    written = []
    for doc_run in run.documents:
        for suffix, text in (
            (".md", report_md.render_document(doc_run, run)),
            (".html", report_html.render_document(doc_run, run)),
        ):
            target = out_dir / f"{report_name(doc_run.slug)}{suffix}"
            write_text(target, text)
            written.append(target)
    index = out_dir / "index.html"
    write_text(index, report_html.render_index(run))
    return [*written, index]


_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


def report_name(slug: str) -> str:
    """`slug` when it is one plain file name; a slug naming another folder (`../x`) is refused, so a
    document can never make a run write outside `reports/`."""
    if not _SLUG.fullmatch(slug):
        raise DocumentError(slug, "not a document slug: reports are named by [a-z0-9_-] slugs only")
    return slug
