"""XML bombs and external entities sent by a server reach the E-utilities client (through the fake
server) and are refused fast, without a retry, a second request or memory growth; what the guard lets
through to the parser still ends in a typed error.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Callable

import pytest
from fakes import FakeEutils, Fault, Reply, fast_http, laughs_reply

from pipeline.errors import CurateError, FetchError, ParseError
from pipeline.literature.eutils import EutilsClient
from pipeline.literature.pubmed_xml import parse_records

IDENTITY = {"tool": "curate-tests", "email": "tests@example.org"}
TIME_LIMIT = 1.0  # seconds, request included; a refusal takes milliseconds
PEAK_LIMIT = 8 * 1024 * 1024  # bytes traced at the peak; a billion laughs expanded would be 3 GB
RSS_LIMIT_KB = 64 * 1024  # growth of the process's maximum resident set


def client(fake: FakeEutils) -> EutilsClient:
    return EutilsClient(fake.base_url, **IDENTITY, http=fast_http(fake.base_url))


def _doc(subset: str, body: str) -> bytes:
    return f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{subset}]>\n{body}'.encode()


ARTICLE = (
    "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>{}</PMID></MedlineCitation></PubmedArticle>"
    "</PubmedArticleSet>"
)


def quadratic_blowup() -> bytes:
    """One 64 KB entity referenced 40,000 times: 2.6 GB if expanded, no nesting for limits to catch."""
    return _doc(f'<!ENTITY a "{"a" * 65536}">', ARTICLE.format("&a;" * 40_000))


PAYLOADS: dict[str, Callable[[], bytes]] = {
    "billion laughs": lambda: laughs_reply().body,
    "quadratic blowup": quadratic_blowup,
    "external file": lambda: _doc('<!ENTITY x SYSTEM "file:///etc/passwd">', ARTICLE.format("&x;")),
    "external url": lambda: _doc('<!ENTITY x SYSTEM "http://127.0.0.1:9/x">', ARTICLE.format("&x;")),
    "parameter entity": lambda: _doc(
        '<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;', ARTICLE.format(1)
    ),
    "unparsed entity": lambda: _doc('<!ENTITY u SYSTEM "http://127.0.0.1:9/u" NDATA gif>', ARTICLE.format(1)),
}


def measured(action: Callable[[], object]) -> tuple[BaseException | None, float, int, int]:
    """(the exception raised, seconds, peak bytes traced, max-RSS growth in KB) of `action`."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started, caught = time.perf_counter(), None
    try:
        action()
    except BaseException as e:  # the test inspects whatever came out
        caught = e
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return caught, elapsed, peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_entity_payloads_from_efetch_are_refused_fast_in_bounded_memory(fake_eutils, name: str) -> None:
    body = PAYLOADS[name]()
    fake_eutils.script(Fault.replace(Reply(200, body)))
    caught, seconds, peak, rss_kb = measured(lambda: list(client(fake_eutils).efetch_pubmed(["36400559"])))
    assert isinstance(caught, FetchError) and "entit" in str(caught), caught
    assert caught.ids == ["36400559"] and caught.status == 200
    assert len(fake_eutils.requests) == 1  # refused, not retried: a retry cannot fix an attack
    assert seconds < TIME_LIMIT and peak < PEAK_LIMIT + 2 * len(body) and rss_kb < RSS_LIMIT_KB


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_entity_payloads_given_to_the_parser_are_refused_fast_in_bounded_memory(name: str) -> None:
    body = PAYLOADS[name]()
    caught, seconds, peak, rss_kb = measured(lambda: parse_records(body, source="evil.xml"))
    assert isinstance(caught, ParseError) and caught.field == "entity", caught
    assert seconds < TIME_LIMIT and peak < PEAK_LIMIT + 2 * len(body) and rss_kb < RSS_LIMIT_KB


def test_deep_nesting_is_a_parse_error_not_a_stack_overflow() -> None:
    body = ARTICLE.format("1").replace("</PMID>", "</PMID>" + "<a>" * 100_000 + "</a>" * 100_000).encode()
    caught, seconds, _, _ = measured(lambda: parse_records(body))
    assert isinstance(caught, ParseError) and "depth" in str(caught) and seconds < TIME_LIMIT


def test_a_huge_text_node_is_a_parse_error() -> None:
    title = b"A" * 12_000_000  # libxml2 refuses text nodes over 10 MB without XML_PARSE_HUGE
    body = ARTICLE.format("1").replace("</PMID>", "</PMID><Article><ArticleTitle>").encode()
    body = body.replace(b"<ArticleTitle>", b"<ArticleTitle>" + title + b"</ArticleTitle></Article>")
    caught, seconds, _, _ = measured(lambda: parse_records(body))
    assert isinstance(caught, ParseError) and "too long" in str(caught) and seconds < 2 * TIME_LIMIT


# A comment in the DOCTYPE holding "<a" used to end eutils.check_not_error's look for <!ENTITY early, so
# the Bio.Entrez answers (esearch, esummary, epost, elink) were parsed with the entities declared.
COMMENT_BYPASS = (
    '<?xml version="1.0"?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd" [<!-- <a -->{subset}]>\n'
    "<eSearchResult><Count>{count}</Count><RetMax>0</RetMax><RetStart>0</RetStart><IdList/>"
    "<TranslationSet/><QueryTranslation>x</QueryTranslation></eSearchResult>"
)


def test_esearch_refuses_entities_hidden_behind_a_comment(fake_eutils) -> None:
    body = COMMENT_BYPASS.format(subset='<!ENTITY n "7">', count="&n;").encode()
    fake_eutils.script(Fault.replace(Reply(200, body), endpoint="esearch.fcgi"))
    with pytest.raises(FetchError, match="entit"):
        client(fake_eutils).esearch("vitamin k2")


def test_esearch_with_an_external_entity_fails_with_a_typed_error(fake_eutils) -> None:
    body = COMMENT_BYPASS.format(subset='<!ENTITY x SYSTEM "http://127.0.0.1:9/x.dtd">', count="&x;")
    fake_eutils.script(Fault.replace(Reply(200, body.encode()), endpoint="esearch.fcgi"))
    with pytest.raises(CurateError):
        client(fake_eutils).esearch("vitamin k2")


def test_a_billion_laughs_behind_the_comment_is_refused_at_once(fake_eutils) -> None:
    """Refused before Bio.Entrez sees it: no expansion, no retry."""
    laughs = "".join(
        ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    )
    body = COMMENT_BYPASS.format(subset=laughs, count="&l9;").encode()
    fake_eutils.script(*[Fault.replace(Reply(200, body), endpoint="esearch.fcgi")] * 5)
    started = time.perf_counter()
    with pytest.raises(FetchError) as caught:
        client(fake_eutils).esearch("vitamin k2")
    assert "amplification" in str(caught.value) or "entit" in str(caught.value)
    assert len(fake_eutils.requests) == 1 and time.perf_counter() - started < TIME_LIMIT
