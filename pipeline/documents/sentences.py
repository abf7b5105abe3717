"""Sentence spans inside a block of prose, with citation markers kept on the sentence they close."""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "vs", "etc", "al", "dr", "fig", "figs", "approx", "no", "nos", "synd", "st", "mr", "mrs"}
    | {"ms", "prof", "cf", "ca", "ref", "refs", "vol", "suppl", "jr", "sr", "inc", "ltd"}
)
# End of sentence: . ! or ? (then any flattened marker digits), white space, and a capital, digit or quote.
BOUNDARY = re.compile(r"[.!?](?:[0-9,\-–]*)(?=[\s\u00a0]+[A-Z0-9“\"'‘(\[])")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 24) : dot])  # a window: never rescan the text
    return bool(word) and word[1].lower().rstrip(".") in ABBREVIATIONS


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split text[start:end] into trimmed sentence spans (absolute offsets)."""
    spans, s = [], start
    for m in BOUNDARY.finditer(text, start, end):
        dot = m.start()
        if text[dot] == "." and (
            _is_abbreviation(text, dot)
            or (dot > 0 and text[dot - 1].isdigit() and text[dot + 1 : dot + 2].isdigit())
        ):
            continue
        spans.append((s, m.end()))
        s = m.end()
    spans.append((s, end))
    return [t for t in (_trim(text, a, b) for a, b in spans) if t[1] > t[0]]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in " \t\n\r\u00a0":
        a += 1
    while b > a and text[b - 1] in " \t\n\r\u00a0":
        b -= 1
    return a, b
