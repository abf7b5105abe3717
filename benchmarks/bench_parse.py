"""Document parsing time: the seed, then synthetic documents of 1–10 MB built from its article body.

Shows that parsing grows linearly with size (time per MB stays flat). Run: `make bench` or
`.venv/bin/python benchmarks/bench_parse.py`. Prints a Markdown table.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from pipeline.documents.parse import parse_text
from pipeline.models import DocumentMeta

SEED = Path(__file__).parents[1] / "sources" / "documents" / "vitamin-k2" / "document.txt"
MB = 1_000_000


def timed(text: str, repeat: int) -> tuple[float, int]:
    meta = DocumentMeta(slug="bench", title="Vitamin K2")
    times, claims = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        claims = len(parse_text(text, meta).claims)
        times.append(time.perf_counter() - started)
    return statistics.median(times), claims


def synthetic(size: int, body: str) -> str:
    """Article bodies (footer cut, so every copy is content) repeated up to `size` characters."""
    copies = []
    i = 0
    while sum(map(len, copies)) < size:
        copies.append(body.replace("Dosage\n", f"Dosage {i}\n"))
        i += 1
    return "Vitamin K2\n\n" + "".join(copies)


def main() -> None:
    seed = SEED.read_text(encoding="utf-8")
    body = seed[seed.index("Cancer Impact Summary") : seed.index("If you found this post helpful")]
    seconds, claims = timed(seed, repeat=5)
    rows = [("seed", len(seed.encode()), claims, seconds)]
    for size in (1 * MB, 2 * MB, 5 * MB, 10 * MB):
        text = synthetic(size, body)
        seconds, claims = timed(text, repeat=1)
        rows.append((f"{size // MB} MB synthetic", len(text.encode()), claims, seconds))
    print("| input | bytes | claims | seconds | seconds per MB |")
    print("|---|---:|---:|---:|---:|")
    for name, size, claims, seconds in rows:
        print(f"| {name} | {size:,} | {claims:,} | {seconds:.3f} | {seconds / (size / MB):.2f} |")


if __name__ == "__main__":
    main()
