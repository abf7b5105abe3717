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

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Rebuild from the constructor's own arguments: errors cross process boundaries (grading
        workers, Dask), and pickle's default would call __init__ with the message alone. The cause chain
        stays behind: `curate -v` shows it only for errors raised in the CLI's own process."""
        return type(self), self._init_args()

    def _init_args(self) -> tuple[object, ...]:
        return tuple(self.args)


class InputError(CurateError):
    exit_code = 2


class DocumentError(InputError):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")

    def _init_args(self) -> tuple[object, ...]:
        return self.path, self.reason


class ConfigError(InputError):
    def __init__(self, setting: str, reason: str) -> None:
        self.setting, self.reason = setting, reason
        super().__init__(f"setting {setting}: {reason}")

    def _init_args(self) -> tuple[object, ...]:
        return self.setting, self.reason


class ParseError(CurateError):
    def __init__(self, source: str, field: str | None, snippet: str = "") -> None:
        self.source, self.field, self.snippet = source, field, snippet[:200]
        where = f"{source} ({field})" if field else source
        super().__init__(f"cannot parse {where}" + (f": {self.snippet}" if self.snippet else ""))

    def _init_args(self) -> tuple[object, ...]:
        return self.source, self.field, self.snippet


class FetchError(CurateError):
    def __init__(self, ids: Sequence[str], status: int | None, detail: str) -> None:
        self.ids, self.status, self.detail = list(ids), status, detail[:300]
        shown = ", ".join(self.ids[:5]) + (f" (+{len(self.ids) - 5} more)" if len(self.ids) > 5 else "")
        code = f"HTTP {status}" if status else "no response"
        super().__init__(f"fetch failed for {shown or 'request'}: {code}: {self.detail}")

    def _init_args(self) -> tuple[object, ...]:
        return self.ids, self.status, self.detail
