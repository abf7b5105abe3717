"""Evidence grading: a Record in, a Grade out (design, population, CEBM level, integrity, reasons)."""

from pipeline.grading.grade import grade_lines, grade_record, grade_records
from pipeline.grading.models import Grade, Population, Reason

__all__ = ["Grade", "Population", "Reason", "grade_lines", "grade_record", "grade_records"]
