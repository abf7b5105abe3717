"""json_text.loads: json.loads, but no lone surrogate survives into a record (UTF-8 cannot write one)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.literature import json_text

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"t": "a\\ud800b"}', {"t": "a\ufffdb"}),  # an escaped half
        ('{"t": "\\ud83d\\ude00 \\uDBFF"}', {"t": "\U0001f600 \ufffd"}),  # a valid pair stays one character
        ('{"t": "\\\\ud800"}', {"t": "\\ud800"}),  # an escaped backslash: text, not a surrogate
        ('{"\\ud800": 1, "\\udc00": 2}', {"\ufffd": 2}),  # keys too; the later duplicate wins
        (b'{"t": "a\xed\xb0\x80b"}', {"t": "a\ufffdb"}),  # encoded in the bytes (json uses surrogatepass)
        (bytearray(b'["\\udfff"]'), ["\ufffd"]),
        (
            '{"a": [{"b\\udfff": ["c\\ud801", 1, null]}], "d": 1.5}',
            {"a": [{"b\ufffd": ["c\ufffd", 1, None]}], "d": 1.5},
        ),
    ],
)
def test_lone_surrogates_become_replacement_characters(body, expected):
    assert json_text.loads(body) == expected


def test_nesting_json_accepts_is_walked_without_recursion():
    depth = 900  # json.loads manages ~990; a recursive walk failed from ~500
    data = json_text.loads("[" * depth + '"\\ud800"' + "]" * depth)
    for _ in range(depth):
        (data,) = data
    assert data == "\ufffd"


@given(_JSON)
def test_anything_without_surrogates_reads_as_json_loads_does(value):
    text = json.dumps(value)  # ensure_ascii: non-ASCII arrives as escapes, some of them valid pairs
    assert json_text.loads(text) == json.loads(text) == value
    assert json_text.loads(text.encode("utf-16")) == value
