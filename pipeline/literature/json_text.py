"""JSON from outside the pipeline, read so that every later stage can write it back out.

JSON may escape one half of a UTF-16 surrogate pair on its own (`"\\ud800"`). `json.loads` returns it as a
lone surrogate, which no UTF-8 output can encode: the store, the datasets and the reports would all fail
on that record. Lone surrogates become U+FFFD, as undecodable bytes do everywhere else.
"""

from __future__ import annotations

import json
import re
from typing import Any

# a surrogate can only come from an escape; without one, the parsed value is returned as it is
_ESCAPE_TEXT = re.compile(r"\\u[dD][89abcdefABCDEF]")
_ESCAPE_BYTES = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_LONE = re.compile("[\ud800-\udfff]")  # json.loads joins valid pairs, so any left are lone halves


def loads(text: str | bytes) -> Any:
    """`json.loads`, with any lone surrogate in a key or value replaced by U+FFFD."""
    data = json.loads(text)
    escape = _ESCAPE_BYTES if isinstance(text, bytes) else _ESCAPE_TEXT
    return _clean(data) if escape.search(text) else data  # type: ignore[arg-type]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value
