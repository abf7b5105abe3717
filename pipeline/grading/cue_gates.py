"""Gates for text cues: the literal strings one of which every match of a cue's pattern must contain.

A gate lets grading skip a regular expression with a few substring tests (`in` is a fast C search), which
matters because cue patterns start with `\\b` and so defeat the regex engine's own literal-prefix scan: a
search that cannot match still walks every position of the abstract. The literals are read from the
pattern's parse tree (the standard library's own parser), so they are exact, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]  # the stdlib's pattern parser (Python ≥ 3.11)
from typing import Any

MIN_LITERAL = 3  # shorter literals ("a", "we") occur in nearly every abstract: no use as a gate
MAX_VARIANTS = 8  # spellings one literal run may expand to before it ends
_INLINE_IGNORECASE = re.compile(r"\(\?[aLmsux]*i")  # (?i) or (?i:…) anywhere, with other flags
_NEWLINE = ord("\n")

Literals = frozenset[str]


def required_literals(pattern: str) -> tuple[str, ...]:
    """Literals one of which occurs in every match of `pattern`; () when the pattern has no usable gate.

    Case-insensitive patterns get none: Unicode case folding lets "ſtudy" match `(?i)study`, which no
    substring test on the literal would see (cue patterns are lower-case, run on lower-cased text).
    """
    if re.compile(pattern).flags & re.IGNORECASE or _INLINE_IGNORECASE.search(pattern):
        return ()
    return minimal(_sequence(_parser.parse(pattern)) or frozenset())


def minimal(literals: Iterable[str]) -> tuple[str, ...]:
    """The literals without those containing another: wherever a longer one occurs, the shorter does."""
    found = set(literals)
    return tuple(sorted(s for s in found if not any(o != s and o in s for o in found)))


def _sequence(items: Any) -> Literals | None:
    """The best required literal set of a sequence: its literal runs, required groups and branches.

    A run continues through small fixed choices (`-?`, `[sz]`, `(a|an) `), spelled out as variants:
    `meta-?analys[ie]s` gates on its four spellings, not on "analys", which nearly every abstract has.
    """
    candidates: list[Literals] = []
    run: set[str] = {""}  # the spellings of the literal run so far
    for op, av in items:
        choices = _choices(op, av)
        if choices is not None and len(run) * len(choices) <= MAX_VARIANTS:
            run = {r + c for r in run for c in choices}
            continue
        if run != {""}:  # anything else ends a run
            candidates.append(frozenset(run))
        run = set(choices) if choices is not None and len(choices) <= MAX_VARIANTS else {""}
        if choices is None and (found := _item(op, av)) is not None:
            candidates.append(found)
    if run != {""}:
        candidates.append(frozenset(run))
    usable = [s for s in candidates if min(map(len, s)) >= MIN_LITERAL]
    return max(usable, key=_quality) if usable else None


def _choices(op: Any, av: Any) -> set[str] | None:
    """Every string this item can match, when there are few and each is fixed; else None."""
    if op is c.LITERAL:  # a newline ends a run: the literal index never holds one (it would span fields)
        return None if av == _NEWLINE else {chr(av)}
    if op is c.IN and len(av) <= MAX_VARIANTS and all(k is c.LITERAL and ch != _NEWLINE for k, ch in av):
        return {chr(ch) for _, ch in av}  # a small class of plain characters: [sz], [ie]
    if op is c.SUBPATTERN:
        return _fixed(av[-1])
    if op is c.BRANCH:
        options = [_fixed(alternative) for alternative in av[1]]
        if any(o is None for o in options):
            return None
        found = set().union(*(o for o in options if o is not None))
        return found if len(found) <= MAX_VARIANTS else None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
        inner = _fixed(av[2])
        return None if inner is None else {"", *inner}
    return None


def _fixed(items: Any) -> set[str] | None:
    """The strings a sequence of fixed choices can match (at most MAX_VARIANTS), else None."""
    out = {""}
    for op, av in items:
        choices = _choices(op, av)
        if choices is None or len(out) * len(choices) > MAX_VARIANTS:
            return None
        out = {o + ch for o in out for ch in choices}
    return out


def _item(op: Any, av: Any) -> Literals | None:
    """The literal set a group, a branch or a required repeat contributes (None: no requirement)."""
    if op is c.SUBPATTERN:
        return _sequence(av[-1])
    if op is c.BRANCH:
        return _union([_sequence(alternative) for alternative in av[1]])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
        return _sequence(av[2])
    return None  # optional repeats, classes, assertions, anchors: nothing required


def _union(sets: list[Literals | None]) -> Literals | None:
    """Every alternative must bring its own literal, else a match may contain none of them."""
    if not sets or any(s is None for s in sets):
        return None
    return frozenset().union(*(s for s in sets if s is not None))


# words in most abstracts: as gates they rarely skip anything, and their sentence windows cover the text
COMMON = frozenset(
    (  # noqa: SIM905 -- a word list reads best as words
        "study studies trial trials design analysis data patients results group groups treatment "
        "effect effects clinical model method methods were with this that from have been than"
    ).split()
)


def _quality(literals: Literals) -> tuple[int, bool, int, int]:
    """Prefer rare literals, then few long ones: fewer substring tests, and long strings are rarer."""
    common = sum(lit.strip() in COMMON for lit in literals)
    shortest = min(map(len, literals))
    return (-common, shortest >= 5, -len(literals), shortest)


LOOKAHEAD_MARGIN = 120  # a window reaches this far past the last sentence, so lookaheads see real text
_DOT_CATEGORIES = {c.CATEGORY_NOT_WORD, c.CATEGORY_NOT_SPACE, c.CATEGORY_NOT_DIGIT, c.CATEGORY_NOT_LINEBREAK}
_DOT = ord(".")


def stays_in_sentence(pattern: str) -> bool:
    """True when no match can contain a full stop and every lookahead is shorter than the margin.

    Such a pattern can be searched in just the sentences that hold its gate literals (text.py): every
    match contains a literal and cannot run past a full stop, so it lies inside one of those sentences.
    """
    return _no_dot(_parser.parse(pattern))


def _no_dot(items: Any) -> bool:
    return all(_item_no_dot(op, av) for op, av in items)


def _item_no_dot(op: Any, av: Any) -> bool:
    if op is c.LITERAL:
        return av != _DOT
    if op is c.NOT_LITERAL:
        return av == _DOT
    if op is c.IN:
        return not _set_has_dot(av)
    if op is c.SUBPATTERN:
        return _no_dot(av[-1])
    if op is c.BRANCH:
        return all(_no_dot(alternative) for alternative in av[1])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        return _no_dot(av[2])
    if op in (c.ASSERT, c.ASSERT_NOT):  # lookbehinds see the real text; lookaheads must fit the margin
        return av[0] < 0 or av[1].getwidth()[1] <= LOOKAHEAD_MARGIN
    # `^` and `\b` read the same in a window; `$` would match at a window's end
    return op is c.AT and av not in (c.AT_END, c.AT_END_STRING)  # ANY, group references …: maybe a dot


def _set_has_dot(items: list[tuple[Any, Any]]) -> bool:
    negated = any(op is c.NEGATE for op, _ in items)
    has = any(
        (op is c.LITERAL and av == _DOT)
        or (op is c.RANGE and av[0] <= _DOT <= av[1])
        or (op is c.CATEGORY and av in _DOT_CATEGORIES)
        for op, av in items
    )
    return has != negated


def boundary_body(pattern: str) -> str | None:
    """The pattern without the `\\b` that starts each of its top-level branches, or None.

    A leading `\\b` stops the regex engine from jumping to its first literal, so it tries every position
    of the text. Searching for the body (which has a literal prefix) and checking the boundary by hand at
    each candidate start finds the same leftmost match (text.py), several times faster.
    """
    branches = top_level_branches(pattern)
    if not all(b.startswith("\\b") and len(b) > 2 for b in branches):
        return None
    bodies = [b[2:] for b in branches]
    return bodies[0] if len(bodies) == 1 else "(?:" + "|".join(bodies) + ")"


def top_level_branches(pattern: str) -> list[str]:
    """The pattern's top-level alternatives: split on `|` outside groups and classes (escapes respected)."""
    out, start, depth, in_class, i = [], 0, 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*out, pattern[start:]]


def boundary_search(body: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    """The leftmost match of `\b` + `body` in text[start:end], searching for the body alone.

    Each candidate is kept only where `\b` holds, exactly as the whole pattern would require; the search
    resumes one character later otherwise, so the leftmost match is the same.
    """
    while (m := body.search(text, start, end)) is not None:
        at = m.start()
        if (at > 0 and _is_word(text[at - 1])) != (at < end and _is_word(text[at])):
            return m
        start = at + 1
    return None


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what `\w` means for str patterns


class GatedPattern:
    """A compiled pattern that skips the regex engine when none of its gate literals is in the text,
    and searches for its body when it starts with `\b`. Lower-case patterns for lower-cased text."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        self.gate = required_literals(pattern)
        body = boundary_body(pattern)
        self.body = re.compile(body) if body is not None else None

    def search(self, text: str) -> re.Match[str] | None:
        if self.gate and not any(literal in text for literal in self.gate):
            return None
        if self.body is None:
            return self.pattern.search(text)
        return boundary_search(self.body, text, 0, len(text))

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.gate and not any(literal in text for literal in self.gate):
            return
        if self.body is None:
            yield from self.pattern.finditer(text)
            return
        pos = 0
        while (m := boundary_search(self.body, text, pos, len(text))) is not None:
            yield m
            pos = m.end() if m.end() > m.start() else m.start() + 1
