"""The exception tree. Stages raise these; only the CLI turns them into one line and an exit code.

CurateError                      base: every error the CLI reports without a traceback
├── InputError                   bad input from the user (exit 2)
│   ├── DocumentError(path, reason)
│   └── ConfigError(setting, reason)
├── ParseError(source, field, snippet)   a record or response we could not read
└── FetchError(ids, status, detail)      a remote source failed after retries
"""

from __future__ import annotations

from collections.abc import Sequence


class CurateError(Exception):
    exit_code = 1


class InputError(CurateError):
    exit_code = 2


class DocumentError(InputError):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class ConfigError(InputError):
    def __init__(self, setting: str, reason: str) -> None:
        self.setting, self.reason = setting, reason
        super().__init__(f"setting {setting}: {reason}")


class ParseError(CurateError):
    def __init__(self, source: str, field: str | None, snippet: str = "") -> None:
        self.source, self.field, self.snippet = source, field, snippet[:200]
        where = f"{source} ({field})" if field else source
        super().__init__(f"cannot parse {where}" + (f": {self.snippet}" if self.snippet else ""))


class FetchError(CurateError):
    def __init__(self, ids: Sequence[str], status: int | None, detail: str) -> None:
        self.ids, self.status, self.detail = list(ids), status, detail[:300]
        shown = ", ".join(self.ids[:5]) + (f" (+{len(self.ids) - 5} more)" if len(self.ids) > 5 else "")
        code = f"HTTP {status}" if status else "no response"
        super().__init__(f"fetch failed for {shown or 'request'}: {code}: {self.detail}")
