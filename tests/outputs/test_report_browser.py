"""The HTML report in a real headless Chromium: the claim count shows, the filters and sorting work, and
with JavaScript off every card is still there. Saves a screenshot.

Needs Debian's `chromium` and the `playwright` package (never `playwright install`: the browser is the
system one). Skipped when either is missing, unless CURATE_REQUIRE_BROWSER is set (CI sets it), in which
case a missing browser fails. CURATE_SCREENSHOT_DIR chooses where the screenshot goes (default: tmp).
"""

import os
import shutil
from pathlib import Path

import pytest

from pipeline.outputs.report_write import write_reports

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = bool(os.environ.get("CURATE_REQUIRE_BROWSER"))


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


sync_playwright = _playwright()
missing = [
    what for what, ok in (("chromium", Path(CHROMIUM).is_file()), ("playwright", sync_playwright)) if not ok
]
if missing and not REQUIRED:
    pytest.skip(f"no headless browser here ({', '.join(missing)} missing)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    assert not missing, f"CURATE_REQUIRE_BROWSER is set but {', '.join(missing)} is missing"
    with sync_playwright() as p:
        # --no-sandbox: CI and this machine run as root, where Chromium refuses its sandbox
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def report(seed_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    write_reports(seed_run, out)
    return out / "vitamin-k2.html"


def open_page(browser, report: Path, *, javascript: bool = True):
    """A page with the report loaded; every request that is not the file itself is refused and kept."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.outside, page.errors = [], []
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def refuse(route):
        page.outside.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file://"), refuse)
    page.goto(report.as_uri())
    return page


def visible_cards(page) -> list[str]:
    return page.eval_on_selector_all("article.card:not([hidden])", "cards => cards.map(c => c.id)")


def test_claim_count_filters_and_sorting_work(browser, report, seed_run, tmp_path):
    doc = seed_run.documents[0]
    page = open_page(browser, report)
    assert page.text_content("#claim-count") == "203" and len(visible_cards(page)) == 203
    assert page.is_visible("#controls") and page.text_content("#shown-count") == "203 of 203 claims shown"

    contradicted = [v.claim_id for v in doc.verdicts if any(f.kind == "contradicted" for f in v.flags)]
    page.select_option("#flag-filter", "contradicted")
    assert visible_cards(page) == contradicted and 0 < len(contradicted) < 203
    assert page.text_content("#shown-count") == f"{len(contradicted)} of 203 claims shown"
    assert not page.is_visible(f"[id='{doc.doc.claims[0].claim_id}']")  # an uncited-only card is hidden

    page.select_option("#level-filter", "2")
    best2 = {v.claim_id for v in doc.verdicts if v.best_level == 2}
    assert visible_cards(page) == [c for c in contradicted if c in best2]

    page.select_option("#flag-filter", "all")
    page.select_option("#level-filter", "all")
    page.select_option("#sort-by", "flags")
    most = max(len(v.flags) for v in doc.verdicts)
    first = visible_cards(page)[0]
    assert len(next(v for v in doc.verdicts if v.claim_id == first).flags) == most

    shots = Path(os.environ.get("CURATE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.select_option("#sort-by", "document")
    page.screenshot(path=str(shots / "vitamin-k2.png"))
    assert (shots / "vitamin-k2.png").stat().st_size > 10_000
    assert page.errors == [] and page.outside == []  # no script error, nothing fetched from outside
    page.context.close()


def test_without_javascript_every_card_shows_and_controls_stay_hidden(browser, report):
    page = open_page(browser, report, javascript=False)
    assert len(visible_cards(page)) == 203 and not page.is_visible("#controls")
    assert page.outside == []
    page.context.close()
