"""EuropePmcClient against the fake Europe PMC server: cursor paging, lookups, faults."""

from __future__ import annotations

import pytest
from fakes import FakeEuropePmc, Fault, Reply, fast_http
from fakes.europepmc import pool

from pipeline.errors import FetchError, InputError
from pipeline.literature.europepmc import EuropePmcClient, lookup_query, read_json_page
from pipeline.literature.europepmc_json import record_from_europepmc
from pipeline.literature.http import RejectedResponse

POOL_IDS = [r["id"] for r in pool()]  # 50 real core results from two recorded searches


def client(fake: FakeEuropePmc) -> EuropePmcClient:
    return EuropePmcClient(fake.base_url, http=fast_http(fake.base_url))


def ids(results) -> list[str]:
    return [r["id"] for r in results]


@pytest.mark.parametrize(
    ("cursor_end", "page_size", "requests"),
    [
        ("same", 20, 3),  # 20 + 20 + 10; the last page repeats its cursor (Europe PMC's end signal)
        ("fresh", 20, 4),  # a new cursor after the last page costs one (empty) page more
        ("omit", 20, 3),
        ("same", 25, 2),  # exactly two full pages
        ("fresh", 25, 3),
        ("omit", 25, 2),
    ],
)
def test_search_walks_every_page_without_losing_the_last_record(
    fake_europepmc, cursor_end, page_size, requests
):
    fake_europepmc.cursor_end = cursor_end
    assert ids(client(fake_europepmc).search("cancer", page_size=page_size)) == POOL_IDS
    calls = fake_europepmc.calls("search")
    assert len(calls) == requests
    assert calls[0].one("cursorMark") == "*"
    assert all(c.one("format") == "json" and c.one("resultType") == "core" for c in calls)


def test_search_stops_when_the_server_cycles_through_old_cursors(fake_europepmc):
    fake_europepmc.cursor_end = "cycle"
    got: list[str] = []
    with pytest.raises(FetchError, match="server repeated an earlier cursorMark"):
        for result in client(fake_europepmc).search("cancer", page_size=10):
            got.append(result["id"])
    assert got == POOL_IDS[:30]  # three real pages were delivered before the cycle showed
    assert len(fake_europepmc.requests) == 3


def test_search_limit_shrinks_the_page(fake_europepmc):
    assert ids(client(fake_europepmc).search("cancer", limit=7)) == POOL_IDS[:7]
    (call,) = fake_europepmc.requests
    assert call.one("pageSize") == "7"


def test_search_with_no_hits_yields_nothing(fake_europepmc):
    assert list(client(fake_europepmc).search("asdkfjhasdkfjh")) == []
    assert len(fake_europepmc.requests) == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault.truncate(),
        Fault.status_code(503),
        Fault.reset(),
        Fault.replace(Reply(200, b"<html>busy</html>")),
    ],
    ids=["truncated-json", "503", "reset", "html"],
)
def test_search_faults_end_in_a_retried_success(fake_europepmc, fault):
    fake_europepmc.script(fault)
    assert ids(client(fake_europepmc).search("cancer", page_size=50)) == POOL_IDS
    assert len(fake_europepmc.requests) == 2


def test_search_error_status_fails_with_the_servers_message(fake_europepmc):
    fake_europepmc.script(Fault.replace(Reply(400, b'{"errCode":400,"errMsg":"Invalid query syntax"}')))
    with pytest.raises(FetchError, match="HTTP 400: Invalid query syntax") as err:
        list(client(fake_europepmc).search("cancer"))
    assert err.value.ids == ["cancer"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"query": " "}, "empty"), ({"page_size": 1001}, "page_size"), ({"limit": 0}, "limit")],
)
def test_search_validates_before_any_request(fake_europepmc, kwargs, message):
    with pytest.raises(InputError, match=message):
        client(fake_europepmc).search(**({"query": "cancer"} | kwargs))
    assert fake_europepmc.requests == []


@pytest.mark.parametrize(
    ("id_type", "value", "query", "expected_id"),
    [
        ("pmid", "39709209", "EXT_ID:39709209 AND SRC:MED", "39709209"),
        ("doi", "10.1016/S0140-6736(24)02600-X", 'DOI:"10.1016/S0140-6736(24)02600-X"', "39709209"),
        ("pmcid", "PMC11007870", "PMCID:PMC11007870", "38605373"),
        ("pmcid", "11007870", "PMCID:PMC11007870", "38605373"),
    ],
)
def test_lookup_finds_the_real_record(fake_europepmc, id_type, value, query, expected_id):
    found = client(fake_europepmc).lookup(id_type, value)
    assert found is not None and found["id"] == expected_id and found["source"] == "MED"
    assert "journalInfo" in found and "authorList" in found  # a core result, not a lite one
    (call,) = fake_europepmc.requests
    assert call.one("query") == query


@pytest.mark.parametrize(("id_type", "value"), [("pmid", "1"), ("doi", "10.9999/nothing"), ("pmcid", "PMC1")])
def test_lookup_of_an_unknown_id_is_none(fake_europepmc, id_type, value):
    assert client(fake_europepmc).lookup(id_type, value) is None


def test_doi_with_quotes_is_escaped_in_the_query(fake_europepmc):
    assert lookup_query("doi", '10.1000/a"b\\c')[0] == 'DOI:"10.1000/a\\"b\\\\c"'
    assert client(fake_europepmc).lookup("doi", '10.1000/a"b') is None
    assert fake_europepmc.requests[0].one("query") == 'DOI:"10.1000/a\\"b"'


@pytest.mark.parametrize(
    ("id_type", "value"), [("pmid", "12a"), ("doi", "doi.org/10.1/x"), ("pmcid", "PMCX1"), ("isbn", "1")]
)
def test_lookup_validates_before_any_request(fake_europepmc, id_type, value):
    with pytest.raises(InputError):
        client(fake_europepmc).lookup(id_type, value)
    assert fake_europepmc.requests == []


def test_a_lone_surrogate_escape_in_a_page_becomes_a_replacement_character():
    # valid JSON that json.loads turns into text no UTF-8 writer accepts: the record could not be stored
    page = (
        b'{"resultList": {"result": [{"id": "1", "source": "MED", "pmid": "1", "title": "T\\uDBFF cells"}]}}'
    )
    (item,) = read_json_page(page)["resultList"]["result"]
    record = record_from_europepmc(item)
    assert record.title == "T\ufffd cells"
    assert "T\ufffd cells" in record.model_dump_json()  # storable


def test_a_page_nested_too_deeply_is_rejected_not_a_crash():
    with pytest.raises(RejectedResponse, match="nested too deeply"):
        read_json_page(b"[" * 100_000 + b"]" * 100_000)
