"""Plain text: encoding detection (BOMs, UTF-8, then the legacy code pages of our four languages)."""

from __future__ import annotations

import codecs
import re

from regassist.errors import LoadError

# Legacy single-byte code pages that Russian, Arabic and Turkish documents still arrive in.
LEGACY_ENCODINGS = ("cp1251", "cp1256", "cp1254", "koi8_r")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # not \f: a page break in text exports


def decode_bytes(data: bytes, name: str = "") -> tuple[str, str]:
    """Return (text, encoding). Raises LoadError for binary data or undecodable text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise LoadError(name, f"the file starts with a {encoding} mark but is not valid {encoding}") from err
    if b"\x00" in data[:4096]:
        raise LoadError(name, "it looks like binary data, not text", "Check that the file type is right.")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text, encoding = _guess_legacy(data)
    if text is None:
        raise LoadError(
            name,
            "its text encoding could not be recognised",
            "Save it as UTF-8 (or cp1251, cp1256, cp1254) and try again.",
        )
    return text, encoding


def _guess_legacy(data: bytes) -> tuple[str | None, str]:
    """charset-normalizer restricted to our code pages: it scores mess and language coherence, which
    separates cp1251 (Cyrillic), cp1256 (Arabic) and cp1254 (Turkish) far better than a hand-made table."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        return None, ""
    text = str(best)
    if len(_CONTROL.findall(text[:10000])) > 10:
        return None, ""
    return text, best.encoding


def check_not_binary(text: str, name: str) -> None:
    """Reject text that decoded but is mostly control characters (binary renamed to .txt)."""
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.01:
        raise LoadError(name, "it looks like binary data, not text", "Check that the file type is right.")
