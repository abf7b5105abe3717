"""Benchmark the streaming PubMed XML parser against Bio.Entrez and (optionally) pubmed_parser.

Builds a baseline-sized PubmedArticleSet (default 30,000 articles, gzipped, in a temp dir) from the real
records in tests/data/pubmed with their PMIDs rewritten to be distinct, then runs each parser in its own
subprocess and reports articles/s, CPU seconds and peak RSS (ru_maxrss) as a markdown table, with each
parser's speed relative to ours and ours relative to pubmed_parser. Bio.Entrez runs on the same file:
`Entrez.parse` (which refuses a PubmedArticleSet: its row shows the error) and `Entrez.read` (which holds
the whole file in memory: ~4 GB for 30,000 articles), and on a smaller file for a like-for-like row.

    .venv/bin/python benchmarks/bench_pubmed_parse.py [--articles 30000] [--entrez-articles 5000]
        [--pubmed-parser-python /tmp/venv/bin/python]   # a separate venv with pubmed_parser installed
        [--rounds 3]                                    # repeat the headline pair, interleaved

pubmed_parser is measured when --pubmed-parser-python is given or this Python can import it; otherwise
its row says "not installed" (`make bench` runs this script without arguments). On a shared machine CPU
time drifts with the neighbours' load, so --rounds N measures iter_records and pubmed_parser N more times,
back to back, and reports each pair's ratio and the min/max: a ratio from one pair is only as steady as
the load was during those ~60 s.

Only the standard library is imported at module level, so another venv's Python can run the children.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "pubmed"
HEADER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)
ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
Measured = dict[str, float] | str  # a child's measurements, or why it has none ("failed", "not installed")
CITATION_PMID = re.compile(rb'(<MedlineCitation[^>]*>\s*<PMID Version="\d+">)\d+(</PMID>)')


# ----------------------------------------------------------------------------- corpus


def fixture_articles() -> list[bytes]:
    """The real <PubmedArticle>s of the fixtures whose DTD is 2019 or newer (Bio.Entrez cannot read
    2012-era records inside a 2025 document), i.e. the baseline subsets and recent efetch responses."""
    articles = []
    for path in sorted(FIXTURES.glob("*.xml*")):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        dtd = re.search(rb"pubmed_(\d\d)\d{4}\.dtd", data[:400])
        if dtd and int(dtd.group(1)) >= 19:
            articles += ARTICLE.findall(data)
    return articles


def build_corpus(count: int, path: Path) -> int:
    """Write `count` articles cycling through the fixtures, PMIDs rewritten to 40000001…; returns bytes."""
    articles = fixture_articles()
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(HEADER)
        for i in range(count):
            pmid = str(40_000_001 + i).encode()
            out.write(CITATION_PMID.sub(rb"\g<1>" + pmid + rb"\g<2>", articles[i % len(articles)], count=1))
            out.write(b"\n")
        out.write(b"</PubmedArticleSet>\n")
    return _unzipped_size(path)


def _unzipped_size(path: Path) -> int:
    with gzip.open(path, "rb") as stream:
        return sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 20), b""))


# ----------------------------------------------------------------------------- children (one parser each)


def run_iter_records(path: str) -> int:
    sys.path.insert(0, str(ROOT))
    from pipeline.literature.pubmed_xml import iter_records

    with gzip.open(path, "rb") as stream:
        return sum(1 for _ in iter_records(stream, path))


def run_iter_records_with_raw(path: str) -> int:
    sys.path.insert(0, str(ROOT))
    from pipeline.literature.pubmed_xml import iter_records_with_raw

    with gzip.open(path, "rb") as stream:
        return sum(1 for _ in iter_records_with_raw(stream, path))


def run_entrez_read(path: str) -> int:
    _block_entrez_downloads()
    from Bio import Entrez

    with gzip.open(path, "rb") as stream:
        # validate=False: the fixtures span DTDs from 2012 to 2025 and the file declares the 2025 one
        return len(Entrez.read(stream, validate=False)["PubmedArticle"])


def run_entrez_parse(path: str) -> int:
    """Bio.Entrez.parse, the streaming reader; on a PubmedArticleSet (a record holding lists, not a list)
    it stops with ValueError, which the table shows as this parser's result."""
    _block_entrez_downloads()
    from Bio import Entrez

    with gzip.open(path, "rb") as stream:
        return sum(1 for _ in Entrez.parse(stream, validate=False))


def run_pubmed_parser(path: str) -> int:
    import pubmed_parser

    articles = pubmed_parser.parse_medline_xml(path, year_info_only=False, author_list=True)
    return sum(1 for _ in articles)


def run_raw_lxml(path: str) -> int:
    """Tree building only: lxml pull parser filtered on the record tag, elements freed (no fields)."""
    from lxml import etree

    parser, count = etree.XMLPullParser(events=("end",), tag="PubmedArticle"), 0
    with gzip.open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            parser.feed(chunk)
            for _, elem in parser.read_events():
                count += 1
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
    return count


def run_raw_etree(path: str) -> int:
    """Tree building only: ElementTree iterparse with clear(), as the stdlib alternative (no fields)."""
    from xml.etree.ElementTree import iterparse

    count, root = 0, None
    with gzip.open(path, "rb") as stream:
        for event, elem in iterparse(stream, events=("start", "end")):
            root = elem if root is None else root
            if event == "end" and elem.tag == "PubmedArticle":
                count += 1
                elem.clear()
                root.remove(elem)
    return count


def run_raw_defusedxml(path: str) -> int:
    """Tree building only: defusedxml's iterparse (entity-safe, but a pure-Python tree builder)."""
    from defusedxml.ElementTree import iterparse

    count, root = 0, None
    with gzip.open(path, "rb") as stream:
        for event, elem in iterparse(stream, events=("start", "end"), forbid_dtd=False):
            root = elem if root is None else root
            if event == "end" and elem.tag == "PubmedArticle":
                count += 1
                elem.clear()
                root.remove(elem)
    return count


def _block_entrez_downloads() -> None:
    """Bio.Entrez fetches DTDs it lacks; the benchmark must never touch the network."""
    import Bio.Entrez.Parser

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"network access refused: {args[:1]}")

    Bio.Entrez.Parser.urlopen = refuse


CHILDREN: dict[str, Callable[[str], int]] = {
    "iter_records": run_iter_records,
    "iter_records_with_raw": run_iter_records_with_raw,
    "entrez_read": run_entrez_read,
    "entrez_parse": run_entrez_parse,
    "pubmed_parser": run_pubmed_parser,
    "raw_lxml": run_raw_lxml,
    "raw_etree": run_raw_etree,
    "raw_defusedxml": run_raw_defusedxml,
}


def child(name: str, path: str) -> None:
    """Run one parser and print its measurements as JSON (called in a fresh subprocess)."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = CHILDREN[name](path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps({"count": count, "wall": wall, "cpu": cpu, "peak_mb": peak_mb}))


# ----------------------------------------------------------------------------- driver


def measure(name: str, path: Path, python: str) -> dict[str, float] | str:
    """One parser's measurements from a fresh subprocess, or "failed" (its error is printed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [python, __file__, "--child", name, str(path)], capture_output=True, text=True, env=env, timeout=1800
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"{name}: failed: {last}", file=sys.stderr)
        return f"failed: {last[:160]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[tuple[str, dict[str, float] | str]], base: dict[str, float]) -> str:
    """Markdown table; a parser that did not run gets a row saying why ("not installed", "failed")."""
    lines = [
        "| parser | articles | wall s | articles/s | CPU s | articles/CPU s | peak RSS MB | CPU vs ours |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_rate = base["count"] / base["cpu"]
    for label, m in rows:
        if isinstance(m, str):
            lines.append(f"| {label} | {m} | | | | | | |")
            continue
        rate, cpu_rate = m["count"] / m["wall"], m["count"] / m["cpu"]
        lines.append(
            f"| {label} | {m['count']:,.0f} | {m['wall']:.1f} | {rate:,.0f} | {m['cpu']:.1f} "
            f"| {cpu_rate:,.0f} | {m['peak_mb']:.0f} | {cpu_rate / base_rate:.2f}x |"
        )
    return "\n".join(lines)


def pubmed_parser_python(given: str | None) -> str | None:
    """The Python to run pubmed_parser with: the one given, else this one if it has pubmed_parser."""
    if given:
        return given
    return sys.executable if importlib.util.find_spec("pubmed_parser") else None


def main() -> None:
    args = parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench_pubmed_") as tmp:
        big, small = args.baseline or Path(tmp) / "big.xml.gz", Path(tmp) / "small.xml.gz"
        size = _unzipped_size(big) if args.baseline else build_corpus(args.articles, big)
        build_corpus(args.entrez_articles, small)
        name = big.name if args.baseline else f"{args.articles:,} fixture articles"
        print(f"corpus: {name}, {size / 1e6:.0f} MB uncompressed (gzip); Python {sys.version.split()[0]}")
        small_label = f"{args.entrez_articles:,}-article file"
        plan = [
            ("iter_records (all fields, Records)", "iter_records", big, sys.executable),
            ("iter_records_with_raw (Records + raw XML)", "iter_records_with_raw", big, sys.executable),
            ("raw lxml pull parser (no fields)", "raw_lxml", big, sys.executable),
            ("raw ElementTree iterparse (no fields)", "raw_etree", big, sys.executable),
            (  # not a project dependency: measured when this Python has it
                "raw defusedxml iterparse (no fields)",
                "raw_defusedxml",
                big,
                sys.executable if importlib.util.find_spec("defusedxml") else None,
            ),
            ("Bio.Entrez.parse (the same file)", "entrez_parse", big, sys.executable),
            ("Bio.Entrez.read (the same file, all in memory)", "entrez_read", big, sys.executable),
            (f"Bio.Entrez.read ({small_label})", "entrez_read", small, sys.executable),
            (f"iter_records ({small_label})", "iter_records", small, sys.executable),
            (
                "pubmed_parser.parse_medline_xml",
                "pubmed_parser",
                big,
                pubmed_parser_python(args.pubmed_parser_python),
            ),
        ]
        rows = [(label, measure(name, path, py) if py else "not installed") for label, name, path, py in plan]
        ours = rows[0][1]
        if isinstance(ours, str):
            raise SystemExit("iter_records failed: see the error above")
        print(table(rows, ours))
        print(versus_pubmed_parser(ours, rows[-1][1]))
        theirs_python = pubmed_parser_python(args.pubmed_parser_python)
        if args.rounds and theirs_python:
            print(rounds(args.rounds, big, theirs_python, first=(ours, rows[-1][1])))


def rounds(count: int, path: Path, theirs_python: str, first: tuple[Measured, Measured]) -> str:
    """Ratios of the first (iter_records, pubmed_parser) pair and `count` more pairs run back to back."""
    pairs = [first] + [
        (measure("iter_records", path, sys.executable), measure("pubmed_parser", path, theirs_python))
        for _ in range(count)
    ]
    ratios = [_cpu_ratio(ours, theirs) for ours, theirs in pairs]
    done = [r for r in ratios if r is not None]
    listed = ", ".join(f"{r:.2f}x" if r is not None else "failed" for r in ratios)
    spread = f"; min {min(done):.2f}x, max {max(done):.2f}x" if done else ""
    return f"iter_records vs pubmed_parser, {len(pairs)} back-to-back pairs: {listed}{spread}"


def _cpu_ratio(ours: Measured, theirs: Measured) -> float | None:
    """Our articles per CPU second over pubmed_parser's; None when either run failed."""
    if isinstance(ours, str) or isinstance(theirs, str):
        return None
    return (ours["count"] / ours["cpu"]) / (theirs["count"] / theirs["cpu"])


def versus_pubmed_parser(ours: dict[str, float], theirs: dict[str, float] | str) -> str:
    """The headline: how many times pubmed_parser's articles per CPU second iter_records reaches."""
    if isinstance(theirs, str):
        return f"\niter_records vs pubmed_parser: pubmed_parser {theirs} (see --pubmed-parser-python)"
    ratio = _cpu_ratio(ours, theirs)
    return f"\niter_records vs pubmed_parser: {ratio:.2f}x the articles per CPU second, all fields kept"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30_000)
    parser.add_argument("--entrez-articles", type=int, default=5_000)
    parser.add_argument("--pubmed-parser-python", help="python of a venv where pubmed_parser is installed")
    parser.add_argument("--baseline", type=Path, help="measure this real .xml.gz baseline file instead")
    parser.add_argument("--rounds", type=int, default=0, help="extra back-to-back headline pairs")
    parser.add_argument("--child", nargs=2, metavar=("PARSER", "PATH"), help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()
