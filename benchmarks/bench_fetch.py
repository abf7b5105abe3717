"""Fetching PMIDs from a fake E-utilities server with NCBI's latency and rate limit, against the floor.

Run: `.venv/bin/python benchmarks/bench_fetch.py [--sizes 1000 10000] [--latency 0.08] [--rate 3]`
(or `make bench`). The fake (tests/fakes: FakeEutils on loopback) holds every reply `--latency` seconds,
like a round trip to NCBI, and serves real PubMed articles with the requested PMIDs. The client is the
real one, with NCBI's keyless limit of 3 requests/s. Two paths are timed for each size: the client alone
(EFetch, bodies validated then dropped) and `Acquirer.fetch` (also parses every article and stores it in
a fresh SQLite store), which is what `curate fetch` does.

The floor follows the client's batching rules (pipeline/literature/eutils.py): EFetch takes 500 IDs per
request (POST above 200), and above 10,000 IDs each 10,000-ID chunk costs one EPost more. At most
`rate` requests start per second and the last answer takes `latency`, so no client can finish sooner
than (requests − 1) / rate + latency seconds. The ratio measured/floor is the cost of everything else:
the limiter's 5 % safety margin, transfer, validation, parsing and storing.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fakes live with the tests; the package does not need them

from fakes import FakeEutils  # noqa: E402
from fakes.network import install as block_network  # noqa: E402

from pipeline.literature.acquire import Acquirer, Sources  # noqa: E402
from pipeline.literature.eutils import FETCH_BATCH, HISTORY_THRESHOLD, EutilsClient  # noqa: E402
from pipeline.literature.http import HttpClient, RateLimiter  # noqa: E402
from pipeline.literature.identifiers import Identifier  # noqa: E402
from pipeline.literature.store import RecordStore  # noqa: E402

FIRST_PMID = 30_000_000  # template articles rewritten to carry these PMIDs (none is a fixture's own)


@dataclass(frozen=True)
class Measured:
    path: str
    pmids: int
    requests: int
    seconds: float
    records: int


def floor_requests(n: int) -> int:
    """The fewest requests the client's batching allows for `n` PMIDs (EPosts included above 10,000)."""
    if n <= HISTORY_THRESHOLD:
        return math.ceil(n / FETCH_BATCH)
    chunks = [min(HISTORY_THRESHOLD, n - start) for start in range(0, n, HISTORY_THRESHOLD)]
    return len(chunks) + sum(math.ceil(size / FETCH_BATCH) for size in chunks)


def floor_seconds(requests: int, rate: float, latency: float) -> float:
    """Requests start 1/rate apart at best, and the last one's answer needs one round trip."""
    return (requests - 1) / rate + latency


def pmids(n: int) -> list[str]:
    return [str(FIRST_PMID + i) for i in range(n)]


def fake_server(latency: float) -> FakeEutils:
    fake = FakeEutils()
    fake.latency = latency
    return fake.start()


def client_for(fake: FakeEutils, rate: float) -> EutilsClient:
    """The real client and HTTP stack, with a limiter of its own (its default 5 % margin) at `rate`."""
    http = HttpClient(fake.base_url, timeout=60, limiter=RateLimiter(rate), user_agent="curate-bench")
    return EutilsClient(fake.base_url, email="bench@example.org", tool="curate-bench", http=http)


def time_client(n: int, latency: float, rate: float) -> Measured:
    """EFetch only: every body is validated by the client (complete PubmedArticleSet), then dropped."""
    fake = fake_server(latency)
    try:
        started = time.perf_counter()
        bodies = list(client_for(fake, rate).efetch_pubmed(pmids(n)))
        seconds = time.perf_counter() - started
        records = sum(body.count(b"<PubmedArticle>") for body in bodies)
        return Measured("client (EFetch)", n, len(fake.requests), seconds, records)
    finally:
        fake.stop()


def time_acquirer(n: int, latency: float, rate: float) -> Measured:
    """What `curate fetch` does: EFetch, parse every article, upsert it into a fresh SQLite store."""
    fake = fake_server(latency)
    with tempfile.TemporaryDirectory(prefix="bench_fetch_") as tmp:
        store = RecordStore(f"sqlite:///{Path(tmp) / 'store.sqlite'}")
        acquirer = Acquirer(store, Sources(eutils=client_for(fake, rate)), ttl_seconds=math.inf)
        wanted = [Identifier(kind="pmid", value=p, input=p) for p in pmids(n)]
        try:
            started = time.perf_counter()
            outcomes = acquirer.fetch(wanted)
            seconds = time.perf_counter() - started
        finally:
            fake.stop()
        fetched = sum(1 for o in outcomes if o.status == "fetched")
        return Measured("Acquirer (fetch, parse, store)", n, len(fake.requests), seconds, fetched)


def row(m: Measured, rate: float, latency: float) -> str:
    floor_n = floor_requests(m.pmids)
    floor_s = floor_seconds(floor_n, rate, latency)
    return (
        f"| {m.pmids:,} | {m.path} | {m.records:,} | {m.requests} ({floor_n}) | {m.seconds:.2f} "
        f"| {floor_s:.2f} | **{m.seconds / floor_s:.2f}x** |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--latency", type=float, default=0.08, help="seconds each reply is held")
    parser.add_argument("--rate", type=float, default=3.0, help="requests per second (NCBI, no key: 3)")
    args = parser.parse_args()
    block_network()  # loopback only: a benchmark must never reach NCBI
    print(
        f"Fake E-utilities on loopback, {args.latency * 1000:.0f} ms per reply, {args.rate:g} requests/s. "
        f"Floor: ceil(n/{FETCH_BATCH}) EFetch requests (+1 EPost per {HISTORY_THRESHOLD:,} IDs above "
        f"{HISTORY_THRESHOLD:,}), (requests − 1)/rate + latency seconds.\n"
    )
    print("| PMIDs | path | records | requests (floor) | wall s | floor s | measured/floor |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        for timed in (time_client, time_acquirer):
            print(row(timed(n, args.latency, args.rate), args.rate, args.latency), flush=True)


if __name__ == "__main__":
    main()
