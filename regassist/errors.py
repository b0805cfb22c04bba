"""One exception hierarchy. ``str(err)`` is the whole message a user sees: what, why, what to do."""

from __future__ import annotations

import re
from pathlib import Path


class RegassistError(Exception):
    """Anything a user may see."""


class ConfigError(RegassistError):
    """A setting has an invalid value."""


class LoadError(RegassistError):
    """One file could not be read; ingestion records it and goes on with the rest."""

    def __init__(self, path: Path | str, reason: str, hint: str = "") -> None:
        # The name is shown escaped: a newline or a right-to-left override in a file name must not split or
        # reverse the one-line message.
        name = _printable(Path(path).name) if str(path) else "<input>"
        super().__init__(f"Cannot read {name}: {reason}." + (f" {hint}" if hint else ""))
        self.path = Path(path)
        self.reason = reason


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _printable(text: str) -> str:
    """``text`` with control, bidi and surrogate characters shown as escapes (\\n, \\u202e)."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


class IndexStateError(RegassistError):
    """The index is missing, half-built, or was built with another model or setup."""


class StoreUnavailable(RegassistError):
    """The index's database server cannot be reached or refused the connection."""


class IndexLockedError(RegassistError):
    """Another process is writing to the index."""


class ModelNotAvailable(RegassistError):
    """Model weights are not on disk; regassist never downloads them."""


class MissingExtra(RegassistError):
    """An optional dependency is not installed."""

    def __init__(self, what: str, extra: str) -> None:
        super().__init__(f'{what} needs an optional dependency: pip install "regassist[{extra}]"')


class NotFound(RegassistError):
    """A document, chunk or page that was asked for does not exist."""
