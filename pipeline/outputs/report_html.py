"""The HTML audit reports: one self-contained page per document and an index across documents.

Rendered with Jinja2 and autoescape on, so every document and record text is escaped; the only markup
inserted raw is the SVG built by `report_svg` (which escapes its own labels) and the page's own script.
A Content-Security-Policy allows that one script by hash and nothing external: a page opened offline
loads no fonts, images or scripts, and an injected script would not run even if escaping failed.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.outputs.bundle import CurationRun, DocumentRun
from pipeline.outputs.report_svg import matrix_svg, pyramid_svg
from pipeline.outputs.report_view import (
    LEVELS,
    claim_cards,
    decision_text,
    flag_text,
    safe_url,
    summarise,
)

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script}"


@cache
def environment() -> Environment:
    """The template environment: templates shipped in `pipeline/outputs/templates`, autoescaped."""
    env = Environment(
        loader=PackageLoader("pipeline.outputs", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(flag_text=flag_text, decision_text=decision_text)
    return env


@cache
def filter_script() -> str:
    """The page's one inline script (filter and sort the claim cards)."""
    return environment().get_template("_filter_script.html.j2").render()


def csp(script: str | None) -> str:
    """The Content-Security-Policy of a page: nothing external, and only `script` (by hash) runs."""
    if script is None:
        return _CSP.format(script="'none'")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return _CSP.format(script=f"'sha256-{digest}'")


def render_document(doc_run: DocumentRun, run: CurationRun) -> str:
    """The HTML report of one document: summary, pictures, then one card per claim."""
    summary, cards, script = summarise(doc_run, run), claim_cards(doc_run, run), filter_script()
    return (
        environment()
        .get_template("document.html.j2")
        .render(
            s=summary,
            cards=cards,
            doc=doc_run.doc,
            slug=doc_run.slug,
            info=run.run,
            origin=safe_url(doc_run.doc.meta.origin_url),
            levels=[str(level) if level is not None else "none" for level in LEVELS],
            pyramid_svg=Markup(pyramid_svg(summary.pyramid)),  # labels escaped by report_svg
            matrix_svg=Markup(matrix_svg(cards)),  # labels escaped by report_svg
            script=Markup(script),  # our own static script
            csp=csp(script),
        )
    )


def render_index(run: CurationRun) -> str:
    """The index page: one row per document with its headline counts and links to its reports."""
    summaries = [(d.slug, summarise(d, run)) for d in run.documents]
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            summaries=summaries,
            info=run.run,
            unreachable=run.unreachable,
            warnings=run.warnings,
            csp=csp(None),
        )
    )
