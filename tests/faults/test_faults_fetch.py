"""Fetching many PMIDs from a fake E-utilities server that misbehaves on purpose, on a seeded plan.

About a third of the EFetch requests get a 5xx, others a burst of 429s (no Retry-After, one second, or an
hour), a connection reset mid-body, a stall past the client's timeout (before the headers or mid-body),
a truncated or garbled body, NCBI's HTML error page, or a well-formed body with an unreadable article.
The plan draws from one seeded generator in arrival order and the client is sequential, so every run
meets the same faults. What must hold: the run finishes; every input has exactly one outcome, stored
(`fetched`/`cached`), `not_found` only for PMIDs the server really lacks, or `failed` with its reason;
a re-run asks only for what is missing (one still under faults stores more, one after the server
recovers completes it); no record is stored twice.

Batches of 25 PMIDs instead of 500 give the plan ~40 batches per 1,000 PMIDs to bite on; the code path
is the same (EFetch by id, then the streaming parser and the store).
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter

import pytest
from fakes.chaos import KINDS, FaultMix, FaultPlan
from faults_helpers import API_KEY, EMAIL, KNOWN_CAUSES, STALL, TIMEOUT, eutils_for, run_cli

from pipeline.literature import eutils
from pipeline.literature.acquire import Acquirer, FetchOutcome, Sources, parse_inputs
from pipeline.literature.store import RecordStore

KNOWN = [str(33_000_000 + 7 * i) for i in range(990)]
UNKNOWN = [str(39_900_000 + i) for i in range(10)]  # the fake answers without them, as NCBI does
BATCH = 25
DAY = 86_400.0


def pubmed_inputs(pmids: list[str], seed: int) -> list[str]:
    """The PMIDs in the forms curators write them, shuffled, plus every 50th asked again another way."""
    forms = ("{}", "PMID: {}", "https://pubmed.ncbi.nlm.nih.gov/{}/")
    written = [forms[i % 3].format(p) for i, p in enumerate(pmids)]
    written += [f"pmid:{p}" for p in pmids[::50]]
    random.Random(seed).shuffle(written)
    return written


def by_pmid(inputs: list[str], outcomes: list[FetchOutcome]) -> dict[str, set[str]]:
    """Status → the PMIDs that got it; a PMID asked twice must get one status."""
    statuses: dict[str, set[str]] = {}
    pmids = [i.value for i in parse_inputs(inputs)]
    for pmid, outcome in zip(pmids, outcomes, strict=True):
        statuses.setdefault(outcome.status, set()).add(pmid)
    seen = [p for group in statuses.values() for p in group]
    assert len(seen) == len(set(seen)), "one PMID got two different outcomes"
    return statuses


def fetch_once(store: RecordStore, fake, inputs: list[str]) -> tuple[list[FetchOutcome], set[str], Sources]:
    """One run as a new process would do it (fresh Sources): outcomes, PMIDs asked for, sources."""
    before = len(fake.calls("efetch.fcgi"))
    sources = Sources(eutils=eutils_for(fake))
    outcomes = Acquirer(store, sources, ttl_seconds=DAY).fetch(parse_inputs(inputs))
    asked = {i for call in fake.calls("efetch.fcgi")[before:] for i in call.ids()}
    assert [o.input for o in outcomes] == inputs  # one outcome per input, in input order
    return outcomes, asked, sources


def assert_outcomes_are_honest(store: RecordStore, statuses: dict[str, set[str]], outcomes) -> None:
    """Stored means in the store under its PMID; failed means not stored and a reason; not_found is real."""
    assert statuses.get("not_found", set()) <= set(UNKNOWN)
    for pmid in statuses.get("fetched", set()) | statuses.get("cached", set()):
        assert store.resolve(f"pmid:{pmid}") == f"pmid:{pmid}"
    for outcome in outcomes:
        if outcome.status == "failed":
            assert outcome.record_id is None and outcome.reason.startswith("PubMed: ")
            assert KNOWN_CAUSES.search(outcome.reason), outcome.reason
    for pmid in statuses.get("failed", set()):
        assert store.resolve(pmid) is None


def test_a_thousand_pmids_through_faults_end_stored_or_failed_and_reruns_complete(
    fake_eutils, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(eutils, "FETCH_BATCH", BATCH)
    fake_eutils.unknown_pmids.update(UNKNOWN)
    plan = FaultPlan(10, FaultMix(), endpoint="efetch.fcgi", stall_seconds=STALL)
    fake_eutils.chaos = plan
    inputs = pubmed_inputs(KNOWN + UNKNOWN, seed=1)
    with RecordStore(f"sqlite:///{tmp_path / 'store.sqlite'}") as store, caplog.at_level(logging.WARNING):
        outcomes, asked, _ = fetch_once(store, fake_eutils, inputs)
        statuses = by_pmid(inputs, outcomes)
        assert_outcomes_are_honest(store, statuses, outcomes)
        assert asked == set(KNOWN + UNKNOWN)  # a failed batch does not stop the ones after it
        assert set(statuses) <= {"fetched", "failed", "not_found"} and statuses["failed"]
        runs = [len(fake_eutils.calls("efetch.fcgi"))]
        for healthy in (False, True):  # a re-run meeting faults still, then one after the server recovers
            plan.enabled = not healthy
            missing = statuses.get("failed", set()) | statuses.get("not_found", set())
            outcomes, asked, _ = fetch_once(store, fake_eutils, inputs)
            assert asked <= missing  # what is stored is not fetched again
            before, statuses = statuses, by_pmid(inputs, outcomes)
            assert_outcomes_are_honest(store, statuses, outcomes)
            assert statuses["cached"] == before.get("fetched", set()) | before.get("cached", set())
            runs.append(len(fake_eutils.calls("efetch.fcgi")) - sum(runs))
        assert not statuses.get("failed")
        assert statuses["not_found"] == set(UNKNOWN)
        stats = store.stats()
        assert (stats.total, stats.by_source) == (len(KNOWN), {"pubmed": len(KNOWN)})  # none twice
        for pmid in KNOWN[::97]:
            url = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
            assert store.resolve(url) == store.resolve(pmid) == f"pmid:{pmid}"
    assert set(plan.counts()) == set(KINDS)  # every kind of fault was met
    assert_retry_after_was_waited_out(plan, fake_eutils.calls("efetch.fcgi"))
    print(f"\nAcquirer: efetch requests per run {runs} (the last healthy), faults {dict(plan.counts())}")


def assert_retry_after_was_waited_out(plan: FaultPlan, calls) -> None:
    """After a 429 asking for one second, the next request came at least that much later."""
    index = {id(call): n for n, call in enumerate(calls)}
    waited = [i for i in plan.log if i.kind == "throttle" and i.retry_after == "1"]
    assert waited, "the seed should include a Retry-After: 1 burst"
    for injected in waited:
        following = calls[index[id(injected.seen)] + 1]
        assert following.at - injected.seen.at >= 0.95


CLI_PMIDS = [str(34_000_000 + 3 * i) for i in range(100)]


@pytest.fixture
def live_env(fake_eutils, tmp_path, monkeypatch):
    """`curate` configured for the fake: API key (10 requests/s), short timeout, a fresh store."""
    for name in ("CURATE_OFFLINE", "NCBI_API_KEY", "CURATE_CACHE_TTL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CURATE_STORE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("CURATE_EUTILS_URL", fake_eutils.base_url)
    monkeypatch.setenv("CURATE_NCBI_EMAIL", EMAIL)
    monkeypatch.setenv("CURATE_NCBI_API_KEY", API_KEY)
    monkeypatch.setenv("CURATE_HTTP_TIMEOUT", str(TIMEOUT))
    return monkeypatch


def test_curate_fetch_under_faults_reports_every_input_and_a_rerun_completes(
    fake_eutils, live_env, monkeypatch, capsys
):
    """The command with its real client (5 attempts, backoff from 0.5 s), faults on for both runs."""
    monkeypatch.setattr(eutils, "FETCH_BATCH", BATCH)
    plan = FaultPlan(160, FaultMix(), endpoint="efetch.fcgi", stall_seconds=STALL)
    fake_eutils.chaos = plan
    inputs = pubmed_inputs(CLI_PMIDS, seed=2)
    code, rows, err = run_cli(capsys, "fetch", *inputs)
    assert code == 0 and [r["input"] for r in rows] == inputs
    first = Counter(r["status"] for r in rows)
    assert set(first) == {"fetched", "failed"}, first
    assert all(KNOWN_CAUSES.search(r["reason"]) for r in rows if r["status"] == "failed")
    assert f"fetch: {first['fetched']} fetched, {first['failed']} failed" in err
    failed = {r["input"] for r in rows if r["status"] == "failed"}
    requests = len(fake_eutils.calls("efetch.fcgi"))
    code, rows, err = run_cli(capsys, "fetch", *inputs)
    assert code == 0
    again = {r["input"]: r["status"] for r in rows}
    assert {i for i, s in again.items() if s == "fetched"} == failed  # only the missing were fetched
    assert set(again.values()) == {"cached", "fetched"}
    asked = {i for c in fake_eutils.calls("efetch.fcgi")[requests:] for i in c.ids()}
    assert asked == {i.value for i in parse_inputs(sorted(failed))}
    assert fake_eutils.max_per_second() <= 10  # retries included, the key's 10 requests/s held
    out = json.dumps(rows) + err
    assert API_KEY not in out and EMAIL not in out
    print(
        f"\ncurate fetch: {len(fake_eutils.calls())} requests, {dict(plan.counts())}, first run {dict(first)}"
    )
