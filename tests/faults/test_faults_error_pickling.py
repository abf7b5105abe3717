"""Errors cross process boundaries (grading workers, Dask workers) intact: same class, fields and message.

Pickle rebuilds an exception by calling its class with `args`, which for these classes is the formatted
message alone; before CurateError.__reduce__ that failed with a TypeError in the parent, hiding the error.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pipeline.errors import (
    ConfigError,
    CurateError,
    DocumentError,
    FetchError,
    InputError,
    ParseError,
)
from pipeline.literature.identifiers import IdentifierError
from pipeline.literature.pubmed_xml import TruncatedXML
from pipeline.run_lock import RunLockedError

EXAMPLES = [
    CurateError("plain"),
    InputError("give record IDs or --input FILE, not both"),
    DocumentError("sources/documents/x/doc.md", "not UTF-8"),
    ConfigError("CURATE_WORKERS", "must be ≥ 1"),
    ParseError("records.jsonl", "line 7", '{"title": '),
    ParseError("response", None),
    FetchError(["pmid:1", "pmid:2"], 429, "Too Many Requests"),
    IdentifierError("doi:nothing", "not a DOI"),
    TruncatedXML("efetch", "<PubmedArticle>"),
    RunLockedError(Path(".curate/run.lock"), 4242),
]


def _subclasses(cls: type) -> set[type]:
    return {cls} | {s for sub in cls.__subclasses__() for s in _subclasses(sub)}


def test_every_error_class_has_an_example():
    assert {type(e) for e in EXAMPLES} >= _subclasses(CurateError)


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_errors_survive_pickling(error: CurateError):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
    assert copy.exit_code == error.exit_code
