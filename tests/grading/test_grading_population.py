"""Population: humans, animals with species, cells with the cell lines the text names."""

from __future__ import annotations

from grading_helpers import make

from pipeline.grading import grade_record


def test_cell_lines_listed_in_parentheses(real_records):
    grade = grade_record(real_records["doi:10.1016/j.jsbmb.2023.106307"], text_only=True)
    assert grade.population.kinds == ["cells"]
    assert {"MDA-MB-453", "SUM159PT", "Hs578T"} <= set(grade.population.cell_lines)


def test_cells_and_animals(real_records):
    grade = grade_record(real_records["doi:10.23937/2378-3648/1410037"], text_only=True)
    assert grade.evidence_type == "in_vitro_and_animal"
    assert grade.population.kinds == ["animals", "cells"]
    assert {"Hep-3B", "Huh-7", "SMMC-7721"} <= set(grade.population.cell_lines)


def test_species_named(real_records):
    grade = grade_record(real_records["pmid:32150581"], text_only=True)
    assert (grade.evidence_type, grade.population.species) == ("animal", ["rats"])


def test_humans_for_clinical_designs(real_records):
    grade = grade_record(real_records["pmid:27640076"])
    assert grade.population.kinds == ["humans"] and grade.population.species == []


def test_gene_names_are_not_cell_lines():
    record = make("IL-6 and CD36 in T cells", "CD4 cells and IL-17 cells were counted in HepG2 cells.")
    assert grade_record(record).population.cell_lines == ["HepG2"]
