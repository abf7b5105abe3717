"""Who or what was studied: humans, animals (species named) or cells (cell lines named)."""

from __future__ import annotations

import re

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
_NAMED_CELLS = re.compile(r"\b([A-Z][A-Za-z]{0,6}-?[A-Z]{0,3}-?\d{1,4}[A-Za-z]{0,3})(?:-\w+)? cells\b")
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
    words = text.words["title"] | text.words["abstract"]
    found = [species for species, names in species_words().items() if _named(text, words, names)]
    animals = mesh()["animals"]
    found += [animals[h.descriptor] for h in headings if animals.get(h.descriptor)]
    return list(dict.fromkeys(found))


def text_cell_lines(text: RecordText) -> list[str]:
    """Cell lines named in the text: known names, names listed after "cell lines", "<name> cells"."""
    if not text.mentions(("cell",)) and not cell_line_pattern().search(text.title):
        return []
    both = f"{text.title}\n{text.abstract}"
    found = [m.group(1) for m in cell_line_pattern().finditer(both)]
    for m in _LISTED.finditer(both):
        found += [n for n in _split_names(m.group(1) or m.group(2)) if _LINE_LIKE.match(n)]
    found += [m.group(1) for m in _NAMED_CELLS.finditer(both) if not _NOT_A_LINE.match(m.group(1))]
    return list(dict.fromkeys(found))


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


def _named(text: RecordText, words: frozenset[str], names: list[str]) -> bool:
    """Whole words from the word set; phrases (with a space) by substring of the lower-cased text."""
    return any(n in words if " " not in n else text.mentions((n,)) for n in names)


def _split_names(listed: str) -> list[str]:
    return [n.strip(" ,") for n in re.split(r",|\band\b|;", listed) if n.strip(" ,")]
