"""JSON from outside the pipeline, read so that every later stage can write it back out.

JSON may escape one half of a UTF-16 surrogate pair on its own (`"\\ud800"`), and a body in bytes may even
carry one encoded (json decodes bytes with `surrogatepass`). `json.loads` returns such a lone surrogate as
it is, and no UTF-8 output can encode it: the store, the datasets and the reports would all fail on that
record. Lone surrogates become U+FFFD, as undecodable bytes do everywhere else. Two keys of one object that
differ only in their lone surrogates become one key, the later value winning, as for any duplicate key.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")  # an escaped surrogate half (a valid pair has two)
_LONE = re.compile("[\ud800-\udfff]")  # json.loads joins valid pairs, so any left are lone halves


def loads(text: str | bytes | bytearray) -> Any:
    """`json.loads`, with any lone surrogate in a key or a string value replaced by U+FFFD."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")  # what json.loads does
    data = json.loads(text)
    if _ESCAPE.search(text) is None and _LONE.search(text) is None:
        return data  # nothing can need replacing: the common case costs two scans of the text
    return _replaced(data)


def _replaced(data: Any) -> Any:
    """`data` with its lone surrogates replaced, in place (json.loads built it for us alone), walked with
    a stack: a recursive walk would fail on nesting that json.loads itself accepts."""
    if isinstance(data, str):
        return _fix(data)
    stack = [data] if isinstance(data, list | dict) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(_LONE.search(key) for key in node):
                fixed = {_fix(key): value for key, value in node.items()}
                node.clear()
                node.update(fixed)
            pairs = node.items()
        else:
            pairs = enumerate(node)
        for key, value in list(pairs):
            if isinstance(value, str):
                node[key] = _fix(value)
            elif isinstance(value, list | dict):
                stack.append(value)
    return data


def _fix(text: str) -> str:
    return _LONE.sub("\ufffd", text)
