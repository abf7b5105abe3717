"""Who or what was studied: humans, animals (species named) or cells (cell lines named)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from pipeline.grading.cue_gates import GatedPattern as Gated
from pipeline.grading.literal_index import known_cell_lines
from pipeline.grading.models import Population, PopulationKind
from pipeline.grading.text import RecordText, first_hit
from pipeline.grading.vocab import cell_line_pattern, mesh, species_words
from pipeline.models import MeshHeading

_HUMAN_DESIGNS = {"case_report", "case_series", "observational", "nonrandomized_trial", "rct"}
_LAB: dict[str, tuple[PopulationKind, ...]] = {
    "in_vitro": ("cells",),
    "animal": ("animals",),
    "in_vitro_and_animal": ("animals", "cells"),
}
# "cell lines (A, B and C)" or "cell lines: A, B, and C": the names the text itself introduces
_LISTED = re.compile(r"cell (?:lines?|models?)\s*(?:\(([^)]{2,160})\)|:\s*([^.;]{2,160}))", re.IGNORECASE)
_NAMED_CELLS = Gated(r"\b([A-Z][A-Za-z]{0,6}-?[A-Z]{0,3}-?\d{1,4}[A-Za-z]{0,3})(?:-\w+)? cells\b")
_NOT_A_LINE = re.compile(r"^(CD|IL|TNF|TGF|COVID|SARS|HIV|MK|NK|TH|Th|Treg|B|T|ST)\b|^(CD|IL|MK|K)\d", re.I)
_LINE_LIKE = re.compile(r"^(?=.*\d|.*[A-Z].*[A-Z])[A-Za-z0-9][\w./-]{1,15}$")


def population(text: RecordText, headings: list[MeshHeading], design: str, text_only: bool) -> Population:
    """The population for this design: people for clinical designs, animals/cells for lab ones."""
    if design in _HUMAN_DESIGNS:
        return Population(kinds=["humans"])
    species = find_species(text, [] if text_only else headings)
    lines = text_cell_lines(text)
    kinds = _LAB.get(design) or _mentioned(text, bool(species), bool(lines))
    return Population(
        kinds=list(kinds),
        species=species if "animals" in kinds else [],
        cell_lines=lines if "cells" in kinds else [],
    )


def find_species(text: RecordText, headings: list[MeshHeading]) -> list[str]:
    """Species named in title/abstract, then in MeSH animal headings, first-seen order."""
    present = text.literals.found  # species names are vocabulary literals: one set operation each
    found = [species for species, names in _species_names() if _named(text, names & present)]
    animals = mesh()["animals"]
    found += [animals[h.descriptor] for h in headings if animals.get(h.descriptor)]
    return list(dict.fromkeys(found))


def text_cell_lines(text: RecordText) -> list[str]:
    """Cell lines named in the text: known names, names listed after "cell lines", "<name> cells"."""
    return text.derived("cell_lines", _cell_lines)


def _cell_lines(text: RecordText) -> list[str]:
    known = text.literals.any_present(known_cell_lines())  # else the name pattern cannot match
    if not text.mentions(("cell",)) and not (known and _known_lines(text.title)):
        return []
    both = f"{text.title}\n{text.abstract}"
    found = _known_lines(both) if known else []
    for m in _listed(both, text.lowered["both"]):
        found += [n for n in _split_names(m.group(1) or m.group(2)) if _LINE_LIKE.match(n)]
    found += [m.group(1) for m in _NAMED_CELLS.finditer(both) if not _NOT_A_LINE.match(m.group(1))]
    return list(dict.fromkeys(found))


def _known_lines(text: str) -> list[str]:
    r"""The known cell-line names in `text`, not inside a longer word or hyphenated name.

    Same matches as the pattern with a `(?<![\w-])` lookbehind, which would make the engine try every
    name at every position; checking the character before by hand lets it skip to likely starts.
    """
    found, pos = [], 0
    while (m := cell_line_pattern().search(text, pos)) is not None:
        start = m.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            pos = start + 1
            continue
        found.append(m.group(1))
        pos = m.end()
    return found


def _listed(both: str, lowered: str) -> Iterator[re.Match[str]]:
    """`_LISTED.finditer(both)`, tried only where "cell" occurs (IGNORECASE patterns scan slowly)."""
    if len(lowered) != len(both):  # lower() changed the length (rare letters): positions would not align
        yield from _LISTED.finditer(both)
        return
    pos = lowered.find("cell")
    while pos >= 0:
        m = _LISTED.match(both, pos)
        pos = lowered.find("cell", m.end() if m else pos + 1)
        if m:
            yield m


def mesh_population(headings: list[MeshHeading]) -> tuple[str | None, str | None]:
    """The first MeSH heading putting animals under study, and the first for cells (None when absent)."""
    animals, cells = set(mesh()["animals"]), set(mesh()["cells"])
    first_animal = next((h.descriptor for h in headings if h.descriptor in animals), None)
    return first_animal, next((h.descriptor for h in headings if h.descriptor in cells), None)


def _mentioned(text: RecordText, species: bool, lines: bool) -> tuple[PopulationKind, ...]:
    kinds: list[PopulationKind] = []
    if first_hit("humans", text):
        kinds.append("humans")
    if species or first_hit("animal", text):
        kinds.append("animals")
    if lines or first_hit("in_vitro", text):
        kinds.append("cells")
    return tuple(kinds)


@cache
def _species_names() -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((species, frozenset(names)) for species, names in species_words().items())


def _named(text: RecordText, present: frozenset[str]) -> bool:
    """Whether a name that occurs in the text is named there: a phrase (with a space) wherever it occurs,
    a single word only as a whole word of title or abstract."""
    return any(" " in n or text.has_word("both", n) for n in present)


def _split_names(listed: str) -> list[str]:
    return [n.strip(" ,") for n in re.split(r",|\band\b|;", listed) if n.strip(" ,")]
